import type { Address, Hex } from "viem";
import { CommitStatus, roundSchedule, type RunSpec } from "../lib/core/spec.ts";
import type { Logger } from "../node/log.ts";
import type { Journal } from "../node/journal.ts";
import type { ChainClock } from "../node/peer/clock.ts";
import { errorNameOf, type VerifierChain } from "./chain-actions.ts";
import type { CommitmentRef } from "./evidence.ts";

// Equivocation: a trainer's signed gossip announcement (verified by the topic validator: EIP-712 signature
// of the libp2p author, an active trainer of the shard) that disagrees with its on-chain commitment in
// root or update hash. Verified announcements are kept per (round, trainer), journaled so a restart still
// has them; each RoundCommitted (and each announcement arriving after its commitment) is compared, and a
// disagreement is proven on-chain with proveEquivocation before disputeEnd(round).

/** A verified, signed announcement as gossiped. */
export interface HeldAnnouncement {
  round: bigint;
  trainer: Address;
  shard: number;
  root: Hex;
  updateHash: Hex;
  signature: Hex;
}

/** Distinct announcements kept per (round, trainer): two are enough to prove anything; more is spam. */
export const MAX_ANNOUNCEMENTS_PER_KEY = 4;

const keyOf = (round: bigint, trainer: Address) => `${round}:${trainer.toLowerCase()}`;
const same = (a: Hex, b: Hex) => a.toLowerCase() === b.toLowerCase();

/** The announcement among `held` that disagrees with the committed claim, if any. */
export function conflicting(held: readonly HeldAnnouncement[], claim: { root: Hex; updateHash: Hex }): HeldAnnouncement | undefined {
  return held.find((a) => !same(a.root, claim.root) || !same(a.updateHash, claim.updateHash));
}

export class AnnouncementBook {
  readonly #held = new Map<string, HeldAnnouncement[]>();

  /** Keeps `a`; returns false when it is already held (or the key is full). */
  add(a: HeldAnnouncement): boolean {
    const key = keyOf(a.round, a.trainer);
    const list = this.#held.get(key) ?? [];
    if (list.some((x) => same(x.root, a.root) && same(x.updateHash, a.updateHash)) || list.length >= MAX_ANNOUNCEMENTS_PER_KEY) return false;
    list.push(a);
    this.#held.set(key, list);
    return true;
  }

  of(round: bigint, trainer: Address): readonly HeldAnnouncement[] {
    return this.#held.get(keyOf(round, trainer)) ?? [];
  }

  /** Forgets rounds before `round`. */
  prune(round: bigint): void {
    for (const [k, list] of this.#held) if (list[0]!.round < round) this.#held.delete(k);
  }
}

export interface EquivocationParams {
  runId: bigint;
  spec: RunSpec;
  chain: VerifierChain;
  journal: Journal;
  clock: ChainClock;
  /** A trainer's commitment of a round from the logs (undefined before it committed). */
  commitmentOf: (round: bigint, trainer: Address) => Promise<CommitmentRef | undefined>;
  /** Called once per proof that landed. */
  onProved: (round: bigint, trainer: Address) => void;
  log: Logger;
}

export class EquivocationWatcher {
  readonly book = new AnnouncementBook();
  readonly #p: EquivocationParams;
  /** (round, trainer) already proven or being proven. */
  readonly #proving = new Set<string>();

  constructor(p: EquivocationParams) {
    this.#p = p;
    for (const rec of p.journal.records()) {
      if (rec.runId !== p.runId.toString()) continue;
      if (rec.kind === "equivocation-proved") this.#proving.add(keyOf(BigInt(rec.round as string), rec.trainer as Address));
      if (rec.kind === "announcement") {
        this.book.add({ round: BigInt(rec.round as string), trainer: rec.trainer as Address, shard: rec.shard as number, root: rec.root as Hex, updateHash: rec.updateHash as Hex, signature: rec.signature as Hex });
      }
    }
  }

  /** A verified announcement from gossip: keep it (journaled) and compare it with the commitment, if any. */
  async onAnnouncement(a: HeldAnnouncement): Promise<void> {
    if (!this.book.add(a)) return;
    await this.#p.journal.append("announcement", { runId: this.#p.runId.toString(), round: a.round.toString(), trainer: a.trainer, shard: a.shard, root: a.root, updateHash: a.updateHash, signature: a.signature });
    const committed = await this.#p.commitmentOf(a.round, a.trainer);
    if (committed) await this.check(committed);
  }

  /** A commitment from the logs: prove equivocation if a held announcement disagrees with it. */
  async check(c: CommitmentRef): Promise<boolean> {
    const p = this.#p;
    const bad = conflicting(this.book.of(c.round, c.trainer), c);
    const key = keyOf(c.round, c.trainer);
    if (!bad || this.#proving.has(key)) return false;
    if (p.clock.now() >= Number(roundSchedule(p.spec, c.round).disputeEnd)) return false;
    this.#proving.add(key);
    p.log.warn("equivocation seen", { round: c.round, trainer: c.trainer, announcedRoot: bad.root, committedRoot: c.root, announcedUpdate: bad.updateHash, committedUpdate: c.updateHash });
    try {
      const status = await p.chain.statusOf(c.round, c.trainer);
      if (status !== CommitStatus.Committed && status !== CommitStatus.Attested && status !== CommitStatus.Disputed) {
        p.log.info("equivocation not provable", { round: c.round, trainer: c.trainer, status });
        return false;
      }
      const tx = await p.chain.proveEquivocation(c.round, bad, { root: c.root, updateHash: c.updateHash, samples: c.samples });
      await p.journal.append("equivocation-proved", { runId: p.runId.toString(), round: c.round.toString(), trainer: c.trainer, tx });
      p.onProved(c.round, c.trainer);
      p.log.info("equivocation-proved", { round: c.round, trainer: c.trainer, tx });
      return true;
    } catch (e) {
      // Someone else proved it first (CommitStatusInvalid), or the window closed: nothing left to do.
      p.log.warn("equivocation proof failed", { round: c.round, trainer: c.trainer, error: errorNameOf(e), reason: (e as Error).message });
      if (errorNameOf(e) === undefined) this.#proving.delete(key); // a transport failure: try again on the next sighting
      return false;
    }
  }
}
