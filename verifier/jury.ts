import type { Hex } from "viem";
import { DisputeKind, type RunSpec } from "../lib/core/spec.ts";
import type { Logger } from "../node/log.ts";
import { sleep, type ChainClock } from "../node/peer/clock.ts";
import { errorNameOf, type VerifierChain } from "./chain-actions.ts";
import type { RoundData } from "./round-data.ts";
import type { Stats } from "./stats.ts";
import { juryVote, type VerifierAttack } from "./misbehaviour.ts";
import { verifySegment, type Verdict, type VerifyEnv } from "./verify.ts";
import { newSalt, voteHash } from "./vote.ts";

// Jury duty: when drawn for a dispute, re-execute the disputed segment ourselves (verifySegment, role
// "juror": the same procedure and checks as the auditor's, never another juror's vote) and vote by
// commit–reveal within the dispute's deadlines. The vote and its random salt are journaled (fsync'ed)
// before commitVote is sent, so a restarted verifier commits that same vote, or reveals it, instead of
// deciding again. Guilty iff a check fails, or, in an Unavailable dispute, iff the segment's data could not
// be fetched from anyone by the commit deadline (less `marginSeconds`).

export type Dispute = Awaited<ReturnType<VerifierChain["disputeOf"]>>;

export interface JuryParams {
  spec: RunSpec;
  chain: VerifierChain;
  clock: ChainClock;
  rounds: RoundData;
  verify: VerifyEnv;
  stats: Stats;
  marginSeconds: number;
  pollMs: number;
  onChange: () => void;
  /** Misbehaviour under test (`--attack`); honest verifiers have none. */
  attack?: VerifierAttack;
  log: Logger;
  signal: AbortSignal;
}

interface VoteIntent {
  guilty: boolean;
  salt: Hex;
}

/** The vote a verdict calls for in a dispute of `kind`. */
export function voteFor(kind: number, v: Verdict): { guilty: boolean; why: string } {
  if (v.kind === "fail") return { guilty: true, why: `${v.check} check failed: ${v.reason}` };
  if (v.kind === "unavailable") {
    return kind === DisputeKind.Unavailable
      ? { guilty: true, why: `not served in time: ${v.missing}` }
      : { guilty: false, why: `fraud not shown: ${v.missing} could not be fetched` };
  }
  if (v.kind === "undecided") return { guilty: false, why: `guilt not shown: ${v.reason}` };
  return { guilty: false, why: "every check passed" };
}

export class Jury {
  readonly #p: JuryParams;
  readonly #duties = new Map<bigint, Promise<void>>();

  constructor(p: JuryParams) {
    this.#p = p;
  }

  /** A dispute this verifier sits on (drawn, unresolved): starts its duty unless running. */
  onDispute(disputeId: bigint, d: Dispute): void {
    const me = this.#p.chain.me.toLowerCase();
    if (!d.juryDrawn || d.resolved || !d.jurors.some((j) => j.toLowerCase() === me) || this.#duties.has(disputeId)) return;
    const duty = this.#duty(disputeId).catch((e: Error) => {
      if (this.#p.signal.aborted) return;
      this.#p.log.error("jury duty failed", { disputeId, error: e.name, reason: e.message });
      this.#duties.delete(disputeId); // the next refresh of the dispute starts it again
    });
    this.#duties.set(disputeId, duty);
  }

  /** Resolves when every duty started so far has ended. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.#duties.values()]);
  }

  #intent(disputeId: bigint): VoteIntent | undefined {
    const rec = this.#p.stats.find("vote-intent", (r) => r.disputeId === disputeId.toString());
    return rec ? { guilty: rec.guilty === true, salt: rec.salt as Hex } : undefined;
  }

  async #duty(id: bigint): Promise<void> {
    const { chain, clock, stats, log, signal } = this.#p;
    for (;;) {
      signal.throwIfAborted();
      const d = await chain.disputeOf(id);
      const state = await chain.voteOf(id);
      const now = clock.now();
      if (d.resolved || state >= 2) return;
      if (state === 0) {
        if (now >= Number(d.commitDeadline)) {
          log.warn("vote missed", { disputeId: id, phase: "commit" });
          return;
        }
        let intent = this.#intent(id);
        if (!intent) {
          const decided = await this.#decide(id, d);
          intent = { guilty: decided.guilty, salt: newSalt() };
          await stats.note("vote-intent", { disputeId: id.toString(), guilty: intent.guilty, salt: intent.salt, why: decided.why });
        }
        try {
          const tx = await chain.commitVote(id, voteHash(id, chain.me, intent.guilty, intent.salt));
          await stats.note("vote-committed", { disputeId: id.toString(), tx });
          log.info("vote-committed", { disputeId: id, tx });
          this.#p.onChange();
        } catch (e) {
          log.warn("commitVote failed", { disputeId: id, error: errorNameOf(e), reason: (e as Error).message });
        }
        continue;
      }
      // state 1: committed; reveal once every juror committed or the commit phase ended.
      if (now >= Number(d.revealDeadline)) {
        log.warn("vote missed", { disputeId: id, phase: "reveal" });
        return;
      }
      if (now >= Number(d.commitDeadline) || d.committed === d.jurors.length) {
        const intent = this.#intent(id);
        if (!intent) {
          log.error("vote cannot be revealed: its salt is not in the journal", { disputeId: id });
          return;
        }
        try {
          const tx = await chain.revealVote(id, intent.guilty, intent.salt);
          await stats.note("vote-revealed", { disputeId: id.toString(), guilty: intent.guilty, tx });
          log.info("vote-revealed", { disputeId: id, guilty: intent.guilty, tx });
          this.#p.onChange();
          return;
        } catch (e) {
          log.warn("revealVote failed", { disputeId: id, error: errorNameOf(e), reason: (e as Error).message });
        }
      }
      await sleep(this.#p.pollMs, signal);
    }
  }

  async #decide(id: bigint, d: Dispute): Promise<{ guilty: boolean; why: string }> {
    const { rounds, log, clock } = this.#p;
    const forced = juryVote(this.#p.attack);
    if (forced) return forced;
    const ref = await rounds.commitment(d.round, d.trainer);
    if (!ref) return { guilty: false, why: "no such commitment in the logs" };
    log.info("jury", { disputeId: id, round: d.round, trainer: d.trainer, kind: d.kind === DisputeKind.Fraud ? "fraud" : "unavailable", segment: d.segment });
    const started = clock.now();
    const verdict = await verifySegment(this.#p.verify, "juror", ref, d.segment, Number(d.commitDeadline) - this.#p.marginSeconds);
    const vote = voteFor(d.kind, verdict);
    log.info("jury verdict", { disputeId: id, guilty: vote.guilty, why: vote.why, seconds: Number((clock.now() - started).toFixed(2)) });
    return vote;
  }
}
