import { randomBytes } from "node:crypto";
import { encodePacked, keccak256, type Address } from "viem";
import { attentionDigest } from "../lib/protocol/attention.ts";
import { CommitStatus, roundSchedule, VerificationMode, type RunSpec } from "../lib/core/spec.ts";
import { shardName } from "../lib/protocol/shards.ts";
import { stateShapes } from "../lib/protocol/step-trace.ts";
import type { JournalRecord } from "../node/journal.ts";
import type { Logger } from "../node/log.ts";
import type { ChainClock } from "../node/peer/clock.ts";
import { sleep } from "../node/peer/clock.ts";
import { errorNameOf, type VerifierChain } from "./chain-actions.ts";
import { updateOfCommitment, type CommitmentRef } from "./evidence.ts";
import type { VerifierGames } from "./games.ts";
import type { RoundData } from "./round-data.ts";
import type { ServedEvidence } from "./served.ts";
import type { AuditOutcome, Stats } from "./stats.ts";
import { auditVerdict, type VerifierAttack } from "./misbehaviour.ts";
import { verifySegment, type Verdict, type VerifyEnv } from "./verify.ts";

// The auditor: for every round whose audit window is open, open the audits at the first moment allowed
// (commitDeadline; anyone may, honest verifiers do it at once so nobody picks the seed), then for every
// committed trainer the chain assigns to this verifier (auditOf), verify the assigned segment and attest,
// challenge, or report the trainer unavailable. The assignment can drift (section 4), so it is read again
// just before attest and reportUnavailable. Fetching goes on until `marginSeconds` before auditEnd. Each
// audit's outcome is journaled once, so a restart within the window does not audit a commitment twice.

export interface AuditorParams {
  spec: RunSpec;
  chain: VerifierChain;
  clock: ChainClock;
  rounds: RoundData;
  verify: VerifyEnv;
  served: ServedEvidence;
  stats: Stats;
  /** The inclusion set of a round, from RoundCommitted logs. */
  commitmentsOf: (round: bigint) => Promise<CommitmentRef[]>;
  /** Stop fetching this long before auditEnd, to leave time for the transaction. */
  marginSeconds: number;
  /** Called after every journaled outcome (progress display). */
  onChange: () => void;
  /** Misbehaviour under test (`--attack`); honest verifiers have none. */
  attack?: VerifierAttack;
  /** The dispute games (exact mode); without them an exact-mode verifier can attest but not dispute. */
  games?: Pick<VerifierGames, "challengeSegment" | "challengeUpdate" | "challengeManifest">;
  /**
   * Watching (`--watch BPS`, exact mode, with games): this share of the commitments audited by other verifiers is
   * replayed too (the same segment), and what fails is disputed by a game, which anyone may open until
   * disputeEnd (PROTOCOL.md 7.3). It catches what a lazy or colluding auditor attests. 0: no watching.
   */
  watchBps?: number;
  /** The segment verification (verifySegment; a unit test of the auditor's choices gives its own verdicts). */
  verifySegment?: typeof verifySegment;
  log: Logger;
  signal: AbortSignal;
}

export class Auditor {
  readonly #p: AuditorParams;
  readonly #started = new Set<bigint>();
  readonly #running = new Set<Promise<void>>();

  constructor(p: AuditorParams) {
    this.#p = p;
  }

  /** Starts the audit of every round whose audit window is open now (each round once per process). */
  tick(): void {
    const { spec, clock } = this.#p;
    const now = clock.now();
    for (let r = 0n; r < BigInt(spec.rounds); r++) {
      const s = roundSchedule(spec, r);
      if (now < Number(s.commitDeadline)) break;
      if (now >= Number(s.auditEnd) || this.#started.has(r)) continue;
      this.#started.add(r);
      const task = this.auditRound(r).catch((e: Error) => {
        if (!this.#p.signal.aborted) this.#p.log.error("audit round failed", { round: r, error: e.name, reason: e.message });
      });
      this.#running.add(task);
      void task.finally(() => this.#running.delete(task));
    }
  }

  /** Resolves when every audit started so far has ended. */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  async auditRound(round: bigint): Promise<void> {
    const { log, rounds } = this.#p;
    const sched = roundSchedule(this.#p.spec, round);
    // The round's agreed state is established by the first audit assigned to this node (RoundData shares
    // it): a round without one costs no state fetch.
    await this.#openAudits(round, Number(sched.auditEnd));
    const commitments = await this.#p.commitmentsOf(round);
    for (const c of commitments) rounds.remember(c);
    // Concurrently: a trainer that serves nothing must not hold up the audits of the others. An audit that
    // failed on an error (an RPC outage) is tried again while the window allows.
    let pending = commitments;
    while (pending.length > 0) {
      const failed = await Promise.all(
        pending.map((c) =>
          this.auditOne(c).then(
            () => undefined,
            (e: Error) => {
              this.#p.signal.throwIfAborted();
              log.error("audit failed", { round, trainer: c.trainer, error: e.name, reason: e.message });
              return c;
            },
          ),
        ),
      );
      pending = failed.filter((c): c is CommitmentRef => c !== undefined);
      if (pending.length === 0 || this.#p.clock.now() >= Number(sched.auditEnd) - this.#p.marginSeconds) return;
      await sleep(1_000, this.#p.signal);
    }
  }

  /** Calls openAudits unless someone did; retried until the window closes. */
  async #openAudits(round: bigint, auditEnd: number): Promise<void> {
    const { chain, clock, log, signal } = this.#p;
    while (clock.now() < auditEnd) {
      const rs = await chain.roundOf(round);
      if (rs.auditSeed !== `0x${"0".repeat(64)}`) return;
      try {
        const tx = await chain.openAudits(round);
        log.info("audits opened", { round, tx });
        return;
      } catch (e) {
        if (errorNameOf(e) === "RoundAlreadyOpen") return;
        // The RPC simulates on the latest block, which may still be before the deadline: not yet, soon.
        if (errorNameOf(e) !== "RoundWindowClosed") log.warn("openAudits failed", { round, error: errorNameOf(e), reason: (e as Error).message });
        await sleep(250, signal);
      }
    }
  }

  async auditOne(c: CommitmentRef): Promise<void> {
    const { chain, stats, log, spec, clock } = this.#p;
    const round = c.round;
    const done = (rec: JournalRecord) => rec.round === round.toString() && String(rec.trainer).toLowerCase() === c.trainer.toLowerCase();
    if (stats.has("audit-result", done)) return;
    const { mine, segment, audited } = await chain.assignedToMe(round, c.trainer);
    if (!mine) return audited ? this.#watch(c, segment) : undefined;
    const status = await chain.statusOf(round, c.trainer);
    if (status !== CommitStatus.Committed) return; // attested already, disputed, or slashed
    log.info("audit", { round, trainer: c.trainer, shard: c.shard, segment });
    const deadline = Number(roundSchedule(spec, round).auditEnd) - this.#p.marginSeconds;
    const started = clock.now();
    const verdict: Verdict | { kind: "lazy" } =
      this.#p.attack === "lazy"
        ? { kind: "lazy" }
        : auditVerdict(this.#p.attack, await (this.#p.verifySegment ?? verifySegment)(this.#p.verify, "auditor", c, segment, deadline), segment);
    const seconds = Number((clock.now() - started).toFixed(2));
    const outcome = await this.#act(c, segment, verdict);
    await stats.note("audit-result", { round: round.toString(), trainer: c.trainer, segment, outcome: outcome.outcome, seconds, ...outcome.extra });
    this.#p.onChange();
  }

  /** A sampled commitment another verifier audits: the same replay, and a game if it fails (never an attestation). */
  async #watch(c: CommitmentRef, segment: number): Promise<void> {
    const { chain, stats, log, spec } = this.#p;
    const bps = this.#p.watchBps ?? 0;
    if (bps <= 0 || spec.mode !== VerificationMode.Exact || !this.#p.games) return;
    const draw = BigInt(keccak256(encodePacked(["address", "uint64", "address"], [chain.me, c.round, c.trainer])));
    if (draw % 10_000n >= BigInt(bps)) return;
    const done = (rec: JournalRecord) => rec.round === c.round.toString() && String(rec.trainer).toLowerCase() === c.trainer.toLowerCase();
    if (stats.has("watch-result", done)) return;
    log.info("watch", { round: c.round, trainer: c.trainer, shard: c.shard, segment });
    // A game may open until disputeEnd; the replay stops early enough to send it.
    const deadline = Number(roundSchedule(spec, c.round).disputeEnd) - this.#p.marginSeconds;
    const verdict = auditVerdict(undefined, await (this.#p.verifySegment ?? verifySegment)(this.#p.verify, "auditor", c, segment, deadline), segment);
    const outcome = verdict.kind === "fail" || verdict.kind === "unavailable" ? await this.#act(c, segment, verdict) : { outcome: verdict.kind === "pass" ? "watched" : "undecided", extra: {} };
    await stats.note("watch-result", { round: c.round.toString(), trainer: c.trainer, segment, outcome: outcome.outcome, ...outcome.extra });
    this.#p.onChange();
  }

  async #act(c: CommitmentRef, segment: number, v: Verdict | { kind: "lazy" }): Promise<{ outcome: AuditOutcome; extra: Record<string, unknown> }> {
    const { chain, log, spec } = this.#p;
    const round = c.round;
    switch (v.kind) {
      case "lazy":
      case "pass": {
        if (!(await this.#stillMine(c))) return { outcome: "passed", extra: { note: "reassigned or no longer Committed" } };
        // The digest names the replay's state root before the segment's last step; a lazy verifier has none and
        // guesses (a trainer that knows the root accuses it: PROTOCOL.md 7.3). Tolerance mode has no exact root.
        const root = v.kind === "pass" ? v.attention : undefined;
        const digest = root ? attentionDigest(chain.me, root) : keccak256(randomBytes(32));
        try {
          const tx = await chain.attest(round, c.trainer, digest);
          log.info("attested", { round, trainer: c.trainer, segment, tx });
          return { outcome: "attested", extra: { tx } };
        } catch (e) {
          log.warn("attest failed", { round, trainer: c.trainer, error: errorNameOf(e), reason: (e as Error).message });
          return { outcome: "passed", extra: { error: errorNameOf(e) ?? "transport" } };
        }
      }
      case "fail": {
        log.warn("check failed", { round, trainer: c.trainer, check: v.check, segment: v.segment, reason: v.reason });
        // Keep serving what the game (or jurors) need, from disk, before the dispute exists.
        await this.#p.served.persist(round, c.trainer, v.evidence);
        const game = await this.#openGame(c, v);
        if (game) return game;
        if (spec.mode === VerificationMode.Exact) {
          // Exact-mode runs dispute by game only (a vote could convict an honest trainer): what no game can show
          // (a start other than S_r, which is not on-chain until issue 18; an update not served) stays unproven.
          log.warn("check failed, and no dispute game can show it", { round, trainer: c.trainer, check: v.check, segment: v.segment });
          return { outcome: "failed", extra: { check: v.check, leaf: v.segment, reason: v.reason, note: "not disputable by a game" } };
        }
        const leaf = v.manifest.leaves[v.segment]!;
        try {
          const { hash: tx, disputeId } = await chain.challenge(
            round,
            c.trainer,
            { root: c.root, updateHash: c.updateHash, samples: c.samples },
            { segment: leaf.segment, startHash: leaf.startHash, endHash: leaf.endHash },
            v.manifest.tree.proof(v.segment),
            spec.challengeBond,
          );
          log.info("challenged", { round, trainer: c.trainer, check: v.check, segment: v.segment, disputeId, tx });
          return { outcome: "challenged", extra: { check: v.check, leaf: v.segment, disputeId: disputeId.toString(), reason: v.reason } };
        } catch (e) {
          log.error("challenge failed", { round, trainer: c.trainer, error: errorNameOf(e), reason: (e as Error).message });
          return { outcome: "failed", extra: { check: v.check, leaf: v.segment, reason: v.reason } };
        }
      }
      case "unavailable": {
        log.warn("data not served", { round, trainer: c.trainer, missing: v.missing, segment });
        // Exact mode: the trajectory is not the one derived from S_r (verify.ts), so a game makes the trainer
        // post its manifest on-chain and goes on at the first segment that differs.
        if (this.#p.games && spec.mode === VerificationMode.Exact) {
          try {
            const game = await this.#p.games.challengeManifest(c);
            log.info("challenged", { round, trainer: c.trainer, check: "unavailable", game });
            return { outcome: "challenged", extra: { check: "unavailable", missing: v.missing, game: game.toString() } };
          } catch (e) {
            log.error("game not opened", { round, trainer: c.trainer, error: errorNameOf(e), reason: (e as Error).message });
            return { outcome: "unavailable", extra: { missing: v.missing } };
          }
        }
        if (spec.mode === VerificationMode.Exact) return { outcome: "unavailable", extra: { missing: v.missing, note: "no game (--game) to dispute it with" } };
        if (!v.segmentData) return { outcome: "unavailable", extra: { missing: v.missing, note: "only the update check's data is missing: neither attested nor reported" } };
        if (!(await this.#stillMine(c))) return { outcome: "unavailable", extra: { missing: v.missing, note: "reassigned or no longer Committed" } };
        try {
          const { hash: tx, disputeId } = await chain.reportUnavailable(round, c.trainer, segment, spec.challengeBond);
          log.info("unavailable-reported", { round, trainer: c.trainer, segment, missing: v.missing, disputeId, tx });
          return { outcome: "unavailable-reported", extra: { missing: v.missing, disputeId: disputeId.toString() } };
        } catch (e) {
          log.error("unavailability report failed", { round, trainer: c.trainer, error: errorNameOf(e), reason: (e as Error).message });
          return { outcome: "unavailable", extra: { missing: v.missing } };
        }
      }
      case "undecided":
        log.warn("audit undecided", { round, trainer: c.trainer, reason: v.reason });
        return { outcome: "undecided", extra: { reason: v.reason } };
    }
  }

  /**
   * In exact mode a wrong segment or a wrong update is settled by a dispute game (docs/PROTOCOL.md 7.1–7.2)
   * that this verifier wins alone. Undefined where no game settles it (a wrong start: S_r is not on-chain; an
   * update that is not served; tolerance mode, whose disputes go to a jury).
   */
  async #openGame(c: CommitmentRef, v: Extract<Verdict, { kind: "fail" }>): Promise<{ outcome: AuditOutcome; extra: Record<string, unknown> } | undefined> {
    const { games, log, spec } = this.#p;
    if (!games || spec.mode !== VerificationMode.Exact || v.check === "start") return undefined;
    try {
      let id: bigint | undefined;
      if (v.check === "segment") id = await games.challengeSegment(c, v.segment);
      else if (v.ends) {
        const deadline = Number(roundSchedule(spec, c.round).auditEnd) - this.#p.marginSeconds;
        const update = await updateOfCommitment(this.#p.verify.evidence, c, stateShapes(shardName(c.shard, this.#p.verify.moe), this.#p.verify.moe), deadline);
        if (!update) {
          log.warn("the update is not served: the update game cannot be opened, the jury decides", { round: c.round, trainer: c.trainer });
          return undefined;
        }
        id = await games.challengeUpdate(c, v.ends.s0, v.ends.sH, update);
      }
      if (id === undefined) return undefined;
      log.info("challenged", { round: c.round, trainer: c.trainer, check: v.check, segment: v.segment, game: id });
      return { outcome: "challenged", extra: { check: v.check, leaf: v.segment, game: id.toString(), reason: v.reason } };
    } catch (e) {
      log.error("game not opened", { round: c.round, trainer: c.trainer, error: errorNameOf(e), reason: (e as Error).message });
      return { outcome: "failed", extra: { check: v.check, leaf: v.segment, reason: v.reason } };
    }
  }

  /** auditOf and statusOf read again right before acting: the assignment may have moved. */
  async #stillMine(c: { round: bigint; trainer: Address }): Promise<boolean> {
    const { mine } = await this.#p.chain.assignedToMe(c.round, c.trainer);
    return mine && (await this.#p.chain.statusOf(c.round, c.trainer)) === CommitStatus.Committed;
  }
}
