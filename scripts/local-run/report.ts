import { formatUnits, type Address } from "viem";
import type { AttackName } from "../../node/trainer/attacks/types.ts";
import type { TrainerSummary } from "../../node/trainer/trainer.ts";
import type { VerifierAttack } from "../../verifier/misbehaviour.ts";
import type { SlashReason } from "./chain-facts.ts";

// The report of `npm start` (`--report FILE`) and the table it prints: built from each peer's exit code
// and summary.json, with slashes and credits taken from the chain.

/** `<data-dir>/summary.json` of a verifier (node verifier); every field optional until read. */
export interface VerifierSummary {
  address: Address;
  role: "verifier";
  audits: number;
  watched: number;
  attested: number;
  challenged: number;
  unavailableReported: number;
  disputesWon: number;
  gamesWon: number;
  gamesLost: number;
  disputesLost: number;
  votes: number;
  equivocationProofs: number;
  credits: string;
  rewards: string;
  cpuSeconds: number;
}

export interface TrainerOutcome {
  readonly index: number;
  readonly address: Address;
  readonly shard: string;
  readonly attack: AttackName | null;
  readonly exitCode: number;
  readonly summary: TrainerSummary | undefined;
  /** Set for a trainer `--crash` aimed at. */
  readonly restarts: number | undefined;
}

export interface VerifierOutcome {
  readonly index: number;
  readonly address: Address;
  /** Set for a byzantine verifier (`--byzantine-verifiers`). */
  readonly attack: VerifierAttack | null;
  readonly exitCode: number;
  readonly summary: Partial<VerifierSummary> | undefined;
  /** Set for a verifier `--crash` aimed at. */
  readonly restarts?: number | undefined;
}

export interface ChainFacts {
  /** By lower-case address. */
  readonly slashes: ReadonlyMap<string, readonly SlashReason[]>;
  /** By lower-case address. */
  readonly credits: ReadonlyMap<string, bigint>;
  /** Trainers: the earliest round of a slashed commitment, by lower-case address (absent: not read). */
  readonly slashRounds?: ReadonlyMap<string, number>;
}

const ACTIVITY = ["audits", "watched", "attested", "challenged", "unavailableReported", "disputesWon", "disputesLost", "gamesWon", "gamesLost", "votes", "equivocationProofs"] as const;
type Activity = Record<(typeof ACTIVITY)[number], number>;

export interface PeerReport {
  address: Address;
  role: "trainer" | "verifier";
  /** null for verifiers. */
  shard: string | null;
  /** What a byzantine peer does; null for an honest one. */
  attack: AttackName | VerifierAttack | null;
  /** From the chain: TrainerSlashed, CommitmentWithheld with a slash, JurorPenalized, or a challenge bond lost. */
  slashed: boolean;
  slashedFor?: SlashReason[];
  /** Trainers: the earliest round whose commitment was slashed (fraud, equivocation or withheld). */
  slashedInRound?: number;
  /** On-chain credits (samples of finalized commitments). */
  credits: string;
  /** Tokens claimed, from the peer's summary ("0" without one). */
  rewards: string;
  restarts?: number;
  exitCode: number;
  /** Verifiers: what their summary counts. */
  activity?: Activity;
}

/** How the run was set up (what a reader of a kept report needs to know which run it was). */
export interface RunSetup {
  trainers: number;
  verifiers: number;
  byzantine: number;
  byzantineVerifiers: number;
  localSteps: number;
  auditRateBps: number;
  aggregation: "centered-clip" | "mean";
}

export interface Report {
  /** Set by npm start (absent in reports built without it). */
  setup?: RunSetup;
  rounds: number;
  accuracy: number;
  accuracyByRound: number[];
  /** Every honest trainer finished, and for each shard all of them hold the same final state hash. */
  stateHashesAgree: boolean;
  /** Σ verifier CPU seconds ÷ Σ trainer CPU seconds; null unless every verifier reported it. */
  verificationOverhead: number | null;
  peers: PeerReport[];
}

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" && /^[0-9]+$/.test(v) ? v : undefined);

/** True when every trainer in `summaries` names the same hash for every shard any of them names. */
export function hashesAgree(summaries: readonly TrainerSummary[]): boolean {
  const shards = new Set(summaries.flatMap((s) => Object.keys(s.stateHashes)));
  return [...shards].every((shard) => new Set(summaries.map((s) => s.stateHashes[shard])).size === 1);
}

/**
 * The report, and why `npm start` fails (empty: it succeeded). Attackers' failures and slashes (trainers'
 * and verifiers') are not failures. An honest verifier that loses stake is one only in a run without
 * byzantine verifiers: a byzantine juror or challenger can make an honest verifier lose.
 */
export function buildReport(rounds: number, trainers: readonly TrainerOutcome[], verifiers: readonly VerifierOutcome[], facts: ChainFacts): { report: Report; failures: string[] } {
  const failures: string[] = [];
  const slashesOf = (a: Address) => facts.slashes.get(a.toLowerCase()) ?? [];
  const honest = trainers.filter((t) => t.attack === null);
  for (const t of honest) {
    if (t.exitCode !== 0 || t.summary === undefined) failures.push(`honest trainer ${t.index} failed (exit ${t.exitCode}${t.summary ? "" : ", no summary"})`);
    if (slashesOf(t.address).length > 0) failures.push(`honest trainer ${t.index} was slashed (${slashesOf(t.address).join(", ")})`);
  }
  const allVerifiersHonest = verifiers.every((v) => v.attack === null);
  for (const v of verifiers.filter((x) => x.attack === null)) {
    if (v.exitCode !== 0 || v.summary === undefined) failures.push(`honest verifier ${v.index} failed (exit ${v.exitCode}${v.summary ? "" : ", no summary"})`);
    if (allVerifiersHonest && slashesOf(v.address).length > 0) failures.push(`honest verifier ${v.index} was slashed (${slashesOf(v.address).join(", ")})`);
  }
  const honestSummaries = honest.flatMap((t) => (t.summary ? [t.summary] : []));
  const stateHashesAgree = honestSummaries.length === honest.length && hashesAgree(honestSummaries);
  if (!stateHashesAgree) failures.push("honest trainers do not agree on the final state hashes");

  // Each honest trainer evaluates the same S_{r+1}: the longest curve (a restarted trainer's starts late) stands for all.
  const curve = honestSummaries.reduce<TrainerSummary | undefined>((best, s) => (best === undefined || s.rounds.length > best.rounds.length ? s : best), undefined);
  const trainerCpu = trainers.reduce((a, t) => a + (num(t.summary?.cpuSeconds) ?? 0), 0);
  const verifierCpu = verifiers.map((v) => num(v.summary?.cpuSeconds));
  const verificationOverhead = verifiers.length > 0 && trainerCpu > 0 && verifierCpu.every((c) => c !== undefined) ? verifierCpu.reduce((a, c) => a + c!, 0) / trainerCpu : null;

  const peers: PeerReport[] = [
    ...trainers.map((t): PeerReport => {
      const slashed = slashesOf(t.address);
      return {
        address: t.address,
        role: "trainer",
        shard: t.shard,
        attack: t.attack,
        slashed: slashed.length > 0,
        ...(slashed.length > 0 && { slashedFor: [...slashed] }),
        ...(facts.slashRounds?.has(t.address.toLowerCase()) && { slashedInRound: facts.slashRounds.get(t.address.toLowerCase())! }),
        credits: String(facts.credits.get(t.address.toLowerCase()) ?? 0n),
        rewards: str(t.summary?.rewards) ?? "0",
        ...(t.restarts !== undefined && { restarts: t.restarts }),
        exitCode: t.exitCode,
      };
    }),
    ...verifiers.map((v): PeerReport => ({
      address: v.address,
      role: "verifier",
      shard: null,
      attack: v.attack,
      slashed: slashesOf(v.address).length > 0,
      ...(slashesOf(v.address).length > 0 && { slashedFor: [...slashesOf(v.address)] }),
      credits: String(facts.credits.get(v.address.toLowerCase()) ?? 0n),
      rewards: str(v.summary?.rewards) ?? "0",
      exitCode: v.exitCode,
      ...(v.restarts !== undefined && { restarts: v.restarts }),
      activity: Object.fromEntries(ACTIVITY.map((k) => [k, num(v.summary?.[k]) ?? 0])) as Activity,
    })),
  ];
  const report: Report = {
    rounds,
    accuracy: honestSummaries.length > 0 ? honestSummaries.reduce((a, s) => a + s.accuracy, 0) / honestSummaries.length : 0,
    accuracyByRound: curve?.rounds.map((r) => r.accuracy) ?? [],
    stateHashesAgree,
    verificationOverhead,
    peers,
  };
  return { report, failures };
}

/** The summary table `npm start` prints. */
export function reportTable(report: Report): string {
  const tokens = (wei: string) => Number(formatUnits(BigInt(wei), 18)).toFixed(2);
  const lines = [
    `rounds ${report.rounds}   accuracy ${report.accuracy.toFixed(4)}   honest state hashes agree: ${report.stateHashesAgree ? "yes" : "NO"}` +
      (report.verificationOverhead === null ? "" : `   verification overhead ${(100 * report.verificationOverhead).toFixed(1)}% of training CPU`),
    `  ${"address".padEnd(42)}  ${"role".padEnd(8)}  ${"shard".padEnd(8)}  ${"attack".padEnd(15)}  ${"slashed".padEnd(20)}  ${"credits".padStart(7)}  ${"rewards".padStart(8)}  notes`,
  ];
  for (const p of report.peers) {
    const notes: string[] = [];
    if (p.exitCode !== 0) notes.push(`exit ${p.exitCode}`);
    if (p.restarts !== undefined) notes.push(`restarts ${p.restarts}`);
    if (p.activity) {
      const a = p.activity;
      notes.push(`audits ${a.audits}${a.watched > 0 ? `, watched ${a.watched}` : ""}, attested ${a.attested}, challenged ${a.challenged}, unavailable ${a.unavailableReported}, disputes won/lost ${a.disputesWon}/${a.disputesLost}, games won/lost ${a.gamesWon}/${a.gamesLost}, votes ${a.votes}, equivocation proofs ${a.equivocationProofs}`);
    }
    const slashed = p.slashed ? `yes (${(p.slashedFor ?? []).join(",") || "?"})` : "no";
    lines.push(
      `  ${p.address}  ${p.role.padEnd(8)}  ${(p.shard ?? "-").padEnd(8)}  ${(p.attack ?? "-").padEnd(15)}  ${slashed.padEnd(20)}  ${p.credits.padStart(7)}  ${tokens(p.rewards).padStart(8)}  ${notes.join("; ")}`,
    );
  }
  return lines.join("\n");
}
