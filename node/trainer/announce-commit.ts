import type { Hash, Hex } from "viem";
import type { Logger } from "../log.ts";

// The order in which a trainer makes its round public (REVIEW 14): the chain first. A trainer that restarted
// without its journal, or a second instance with the same key, may hold a trajectory other than the one already
// committed; announcing it would be a signed equivocation, which anyone can prove and which costs the whole
// stake. So the chain's commitment of (run, round, trainer) is read before anything is announced:
//   - none yet: announce, then commit (if the window is still open);
//   - the same claim: announce it again (harmless) and carry on as committed;
//   - another claim: announce nothing and commit nothing. The round is lost, but the stake is kept.

export interface Claim {
  root: Hex;
  updateHash: Hex;
  samples: bigint;
}

export interface AnnounceCommitSteps {
  /** The chain's commitment of this trainer for the round, if any (read from RoundCommitted). */
  committed(): Promise<Claim | undefined>;
  /** Signs and gossips the round's announcement. */
  announce(): Promise<void>;
  /** Whether the commit window is still open. */
  canCommit(): boolean;
  /** Sends the commitment; resolves with its transaction once it landed. */
  commit(): Promise<Hash>;
  log: Logger;
}

export type AnnounceCommitOutcome = "committed" | "already-committed" | "conflict" | "missed" | "failed";

const sameClaim = (a: Claim, b: Claim) => a.root.toLowerCase() === b.root.toLowerCase() && a.updateHash.toLowerCase() === b.updateHash.toLowerCase() && a.samples === b.samples;

/** Announces and commits `claim` for `round` in the order above. */
export async function announceAndCommit(round: bigint, claim: Claim, steps: AnnounceCommitSteps): Promise<{ outcome: AnnounceCommitOutcome; tx?: Hash }> {
  const { log } = steps;
  const onChain = await steps.committed();
  if (onChain && !sameClaim(onChain, claim)) {
    log.error("the chain holds another commitment of this round (another instance with this key, or a lost journal): announcing and committing nothing", {
      round,
      committedRoot: onChain.root,
      root: claim.root,
    });
    return { outcome: "conflict" };
  }
  await steps.announce().catch((e: Error) => log.warn("announcement not published", { reason: e.message }));
  if (onChain) {
    log.info("already committed", { round });
    return { outcome: "already-committed" };
  }
  if (!steps.canCommit()) {
    log.warn("commit window missed", { round });
    return { outcome: "missed" };
  }
  try {
    const tx = await steps.commit();
    log.info("committed", { round, root: claim.root, updateHash: claim.updateHash, samples: claim.samples });
    return { outcome: "committed", tx };
  } catch (e) {
    log.warn("commit failed", { round, reason: (e as Error).message });
    return { outcome: "failed" };
  }
}
