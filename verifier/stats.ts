import type { Address } from "viem";
import type { Journal, JournalRecord } from "../node/journal.ts";

// The verifier's tally (audits, attestations, challenges, unavailability reports, disputes and games won and lost,
// votes, equivocation proofs, tokens claimed), kept as journal records so it survives a restart: each
// counter is a count of records, replayed when the journal is opened. `summary()` is summary.json.

export type AuditOutcome =
  /** Checks passed and attested. */
  | "attested"
  /** Checks passed, but the attestation was not sent (reassigned, window closed, already attested). */
  | "passed"
  /** A check failed and the challenge went out. */
  | "challenged"
  /** A check failed but the challenge could not be sent (bond, window). */
  | "failed"
  /** The audited data was not served; reported. */
  | "unavailable-reported"
  /** The data was not served and the report could not be sent, or only non-segment data was missing. */
  | "unavailable"
  /** This node could not establish the round's agreed state in time. */
  | "undecided"
  /** Watching another verifier's audit: the checks passed (nothing to send). */
  | "watched";

export interface VerifierSummary {
  address: Address;
  role: "verifier";
  audits: number;
  /** Other verifiers' audits it replayed as a watcher (`--watch`). */
  watched: number;
  attested: number;
  challenged: number;
  unavailableReported: number;
  disputesWon: number;
  disputesLost: number;
  /** Dispute games this verifier opened that ended: won (the trainer lost) and lost. */
  gamesWon: number;
  gamesLost: number;
  votes: number;
  equivocationProofs: number;
  credits: "0";
  rewards: string;
  cpuSeconds: number;
  /** CPU seconds spent before its poll loop (Node, tfjs, chain and libp2p set-up): fixed per process. */
  startupCpuSeconds: number;
}

export class Stats {
  audits = 0;
  /** Other verifiers' audits replayed as a watcher (`--watch`). */
  watched = 0;
  passed = 0;
  attested = 0;
  challenged = 0;
  unavailableReported = 0;
  disputesWon = 0;
  disputesLost = 0;
  gamesWon = 0;
  gamesLost = 0;
  votes = 0;
  equivocationProofs = 0;
  claimed = 0n;
  readonly #journal: Journal;
  readonly #runId: string;

  constructor(journal: Journal, runId: bigint) {
    this.#journal = journal;
    this.#runId = runId.toString();
    for (const rec of journal.records()) if (rec.runId === this.#runId) this.#count(rec);
  }

  /** Journals a record of the run (fsync'ed) and counts it. */
  async note(kind: string, data: Record<string, unknown>): Promise<void> {
    const rec = await this.#journal.append(kind, { runId: this.#runId, ...data });
    this.#count(rec as JournalRecord);
  }

  /** The newest record of `kind` of this run that `match` accepts. */
  find(kind: string, match: (rec: JournalRecord) => boolean): JournalRecord | undefined {
    return this.#journal.last(kind, (rec) => rec.runId === this.#runId && match(rec));
  }

  /** Whether the journal holds a record of `kind` of this run that `match` accepts. */
  has(kind: string, match: (rec: JournalRecord) => boolean): boolean {
    return this.find(kind, match) !== undefined;
  }

  /** Counts a proof already journaled elsewhere (EquivocationWatcher writes its own record). */
  countEquivocation(): void {
    this.equivocationProofs++;
  }

  #count(rec: JournalRecord): void {
    switch (rec.kind) {
      case "watch-result":
        this.watched++;
        if (rec.outcome === "challenged") this.challenged++;
        break;
      case "audit-result": {
        this.audits++;
        const o = rec.outcome as AuditOutcome;
        if (o === "attested" || o === "passed") this.passed++;
        if (o === "attested") this.attested++;
        if (o === "challenged") this.challenged++;
        if (o === "unavailable-reported") this.unavailableReported++;
        break;
      }
      case "dispute-outcome":
        if (rec.won === true) this.disputesWon++;
        else this.disputesLost++;
        break;
      case "game-outcome":
        if (rec.won === true) this.gamesWon++;
        else this.gamesLost++;
        break;
      case "vote-committed":
        this.votes++;
        break;
      case "equivocation-proved":
        this.equivocationProofs++;
        break;
      case "claimed":
        this.claimed += BigInt(rec.amount as string);
        break;
    }
  }

  /** The fields of the progress line and of "progress" logs. */
  fields(): Record<string, number> {
    return {
      audits: this.audits,
      watched: this.watched,
      passed: this.passed,
      challenged: this.challenged,
      unavailable: this.unavailableReported,
      votes: this.votes,
      won: this.disputesWon,
      lost: this.disputesLost,
      gamesWon: this.gamesWon,
      gamesLost: this.gamesLost,
      equivocations: this.equivocationProofs,
    };
  }

  summary(address: Address, cpuSeconds: number, startupCpuSeconds: number): VerifierSummary {
    return {
      address,
      role: "verifier",
      audits: this.audits,
      watched: this.watched,
      attested: this.attested,
      challenged: this.challenged,
      unavailableReported: this.unavailableReported,
      disputesWon: this.disputesWon,
      disputesLost: this.disputesLost,
      gamesWon: this.gamesWon,
      gamesLost: this.gamesLost,
      votes: this.votes,
      equivocationProofs: this.equivocationProofs,
      credits: "0",
      rewards: this.claimed.toString(),
      cpuSeconds,
      startupCpuSeconds,
    };
  }
}
