import type { Address, PublicClient } from "viem";
import { runCoordinatorAbi } from "../lib/chain/abi.ts";
import type { Logger } from "../node/log.ts";
import type { ChainClock } from "../node/peer/clock.ts";
import { errorNameOf, type VerifierChain } from "./chain-actions.ts";
import type { CoordinatorLog } from "./chain-follower.ts";
import type { Dispute, Jury } from "./jury.ts";
import type { Stats } from "./stats.ts";

// Every dispute of the run, as the chain records it: found from DisputeOpened logs (all of them once at
// start, then as the follower delivers them), re-read with disputeOf whenever a log touches it. From there:
//   - anyone-callable pokes: drawJury once the dispute's block has passed, resolve once the reveal deadline
//     passed or every juror revealed (section 2.3: liveness needs someone to call them);
//   - jury duty for the disputes this verifier sits on (Jury);
//   - the outcome of the disputes it opened (won: guilty verdict), journaled once.

export interface DisputeBookParams {
  runId: bigint;
  client: PublicClient;
  coordinator: Address;
  fromBlock: bigint;
  chain: VerifierChain;
  clock: ChainClock;
  jury: Jury;
  stats: Stats;
  onChange: () => void;
  log: Logger;
}

/** Least time between two pokes of the same dispute (ms). */
const POKE_RETRY_MS = 1_000;

export class DisputeBook {
  readonly #p: DisputeBookParams;
  readonly #disputes = new Map<bigint, Dispute>();
  readonly #poking = new Map<bigint, number>();

  constructor(p: DisputeBookParams) {
    this.#p = p;
  }

  /** Reads every dispute of the run opened so far (up to `toBlock`) from the logs. */
  async load(toBlock: bigint): Promise<void> {
    const p = this.#p;
    if (toBlock < p.fromBlock) return;
    const logs = await p.client.getContractEvents({ address: p.coordinator, abi: runCoordinatorAbi, eventName: "DisputeOpened", args: { runId: p.runId }, fromBlock: p.fromBlock, toBlock, strict: true });
    for (const l of logs) if (l.args.runId === p.runId) await this.refresh(l.args.disputeId);
  }

  /** A coordinator log from the follower: refreshes the dispute it is about. */
  async onLog(log: CoordinatorLog): Promise<void> {
    switch (log.eventName) {
      case "DisputeOpened":
        if (log.args.runId === this.#p.runId) await this.refresh(log.args.disputeId);
        break;
      case "JuryDrawn":
      case "VoteCommitted":
      case "VoteRevealed":
      case "DisputeResolved":
        if (this.#disputes.has(log.args.disputeId)) await this.refresh(log.args.disputeId);
        break;
    }
  }

  async refresh(id: bigint): Promise<void> {
    const d = await this.#p.chain.disputeOf(id);
    if (d.runId !== this.#p.runId) return;
    const before = this.#disputes.get(id);
    this.#disputes.set(id, d);
    if (d.resolved && !before?.resolved) await this.#settled(id, d);
    this.#p.jury.onDispute(id, d);
  }

  /** Unresolved disputes of the run. */
  get open(): number {
    return [...this.#disputes.values()].filter((d) => !d.resolved).length;
  }

  /** Whether this verifier is the challenger or a juror of an unresolved dispute. */
  get party(): boolean {
    const me = this.#p.chain.me.toLowerCase();
    return [...this.#disputes.values()].some((d) => !d.resolved && (d.challenger.toLowerCase() === me || d.jurors.some((j) => j.toLowerCase() === me)));
  }

  /** Pokes the disputes whose next anyone-callable step is due (each at most once per POKE_RETRY_MS). */
  tick(): void {
    const now = this.#p.clock.now();
    for (const [id, d] of this.#disputes) {
      if (d.resolved) continue;
      this.#p.jury.onDispute(id, d); // a duty that failed (RPC outage) starts again
      const last = this.#poking.get(id);
      if (last !== undefined && Date.now() - last < POKE_RETRY_MS) continue;
      if (!d.juryDrawn) this.#poke(id, "drawJury");
      else if (now >= Number(d.revealDeadline) || (d.jurors.length > 0 && d.revealed === d.jurors.length) || d.jurors.length === 0) this.#poke(id, "resolve");
    }
  }

  #poke(id: bigint, action: "drawJury" | "resolve"): void {
    const { chain, log } = this.#p;
    this.#poking.set(id, Date.now());
    const send = action === "drawJury" ? chain.drawJury(id) : chain.resolve(id);
    void send
      .then((tx) => log.info(action === "drawJury" ? "jury drawn" : "dispute resolve sent", { disputeId: id, tx }))
      .catch((e: unknown) => {
        // Another peer was first, or it is not yet allowed (same block, deadline): the next tick looks again.
        if (errorNameOf(e) !== "DisputePhaseInvalid") log.warn(`${action} failed`, { disputeId: id, error: errorNameOf(e), reason: (e as Error).message });
      })
      .then(() => this.refresh(id))
      .catch(() => undefined);
  }

  async #settled(id: bigint, d: Dispute): Promise<void> {
    const { chain, stats, log } = this.#p;
    const me = chain.me.toLowerCase();
    const guilty = d.guiltyVotes > d.innocentVotes;
    const challenger = d.challenger.toLowerCase() === me;
    const juror = d.jurors.some((j) => j.toLowerCase() === me);
    if (!challenger && !juror) return;
    const role = challenger ? "challenger" : "juror";
    const fields = { disputeId: id, round: d.round, trainer: d.trainer, role, guilty, guiltyVotes: d.guiltyVotes, innocentVotes: d.innocentVotes };
    if (challenger && !stats.has("dispute-outcome", (r) => r.disputeId === id.toString())) {
      await stats.note("dispute-outcome", { disputeId: id.toString(), round: d.round.toString(), trainer: d.trainer, guilty, won: guilty });
      log.info("dispute-resolved", { ...fields, won: guilty });
      this.#p.onChange();
    } else if (juror) {
      log.info("dispute-resolved", { ...fields, vote: await chain.voteOf(id) });
    }
  }
}
