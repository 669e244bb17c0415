import type { Hex } from "viem";

/** Mirrors `VerificationMode` in contracts/types/RunSpec.sol. */
export const VerificationMode = { Exact: 0, Tolerance: 1 } as const;
export type VerificationMode = (typeof VerificationMode)[keyof typeof VerificationMode];

/** Mirrors `Role`. */
export const Role = { None: 0, Trainer: 1, Verifier: 2 } as const;
export type Role = (typeof Role)[keyof typeof Role];

/** Mirrors `DisputeKind`. */
export const DisputeKind = { Fraud: 0, Unavailable: 1 } as const;
export type DisputeKind = (typeof DisputeKind)[keyof typeof DisputeKind];

/** Mirrors `CommitStatus`. */
export const CommitStatus = {
  None: 0,
  Committed: 1,
  Attested: 2,
  Disputed: 3,
  Finalized: 4,
  Slashed: 5,
  Withheld: 6,
} as const;
export type CommitStatus = (typeof CommitStatus)[keyof typeof CommitStatus];

/**
 * What a run names as its reference for re-execution (`RunSpec.referenceBackend`): a tfjs backend (tolerance
 * mode), or `kernels`, the fixed-order binary32 kernels of lib/kernels, which exact mode always runs.
 */
export const ReferenceBackend = { cpu: 0, wasm: 1, node: 2, gpu: 3, kernels: 4 } as const;

/** The run spec as the contract takes it (field names and widths match `RunSpec`). */
export interface RunSpec {
  startTime: bigint;
  roundLength: number;
  commitWindow: number;
  auditWindow: number;
  disputeWindow: number;
  rounds: number;
  auditRateBps: number;
  jurySize: number;
  mode: VerificationMode;
  localSteps: number;
  checkpointInterval: number;
  batchSize: number;
  shards: number;
  maxTrainersPerShard: number;
  maxVerifiers: number;
  slashBps: number;
  jurorPenaltyBps: number;
  juryCommitWindow: number;
  juryRevealWindow: number;
  referenceBackend: number;
  minTrainerStake: bigint;
  minVerifierStake: bigint;
  challengeBond: bigint;
  rewardPerRound: bigint;
  auditFee: bigint;
  datasetSize: bigint;
  toleranceMicros: number;
  modelHash: Hex;
  datasetRoot: Hex;
}

const ZERO32 = `0x${"0".repeat(64)}` as Hex;
const TOKEN = 10n ** 18n;

/** Defaults for a local run; `startTime` is the only field without a sensible default. */
export function defaultRunSpec(startTime: bigint, overrides: Partial<RunSpec> = {}): RunSpec {
  return {
    startTime,
    roundLength: 600,
    commitWindow: 300,
    auditWindow: 300,
    disputeWindow: 300,
    rounds: 10,
    auditRateBps: 1000,
    jurySize: 3,
    mode: VerificationMode.Exact,
    localSteps: 64,
    checkpointInterval: 8,
    batchSize: 64,
    shards: 3,
    maxTrainersPerShard: 4,
    maxVerifiers: 16,
    // Full run stake: with a 10% audit rate the expected loss of faking, rate*(slash+reward) = 0.1*(200+10)
    // = 21 tokens, exceeds the 10-token reward it could save; even a self-proven equivocation, which
    // returns the 10-token bounty, costs 0.1*(190+10) = 20 (docs/PROTOCOL.md, economic condition).
    slashBps: 10_000,
    jurorPenaltyBps: 100,
    juryCommitWindow: 300,
    juryRevealWindow: 300,
    referenceBackend: ReferenceBackend.kernels,
    minTrainerStake: 200n * TOKEN,
    minVerifierStake: 100n * TOKEN,
    challengeBond: 10n * TOKEN,
    rewardPerRound: 120n * TOKEN,
    auditFee: 1n * TOKEN,
    datasetSize: 60_000n,
    toleranceMicros: 0,
    modelHash: ZERO32,
    datasetRoot: ZERO32,
    ...overrides,
  };
}

/** Number of Merkle leaves (segments) per round. */
export function segmentCount(spec: Pick<RunSpec, "localSteps" | "checkpointInterval">): number {
  return spec.localSteps / spec.checkpointInterval;
}

/**
 * The longest a dispute game can last once opened: 10 moves (a manifest and a pick before the step game's 8) and a
 * timeout, each within the move window (juryCommitWindow).
 */
export function gameSeconds(spec: Pick<RunSpec, "juryCommitWindow">): number {
  return 11 * spec.juryCommitWindow;
}

/** Round deadlines, in seconds since the epoch (same formulas as contracts/libraries/RunSchedule.sol). */
export function roundSchedule(spec: RunSpec, round: bigint) {
  const opensAt = spec.startTime + round * BigInt(spec.roundLength);
  const commitDeadline = opensAt + BigInt(spec.commitWindow);
  const auditEnd = commitDeadline + BigInt(spec.auditWindow);
  const disputeEnd = auditEnd + BigInt(spec.disputeWindow);
  return { opensAt, commitDeadline, auditEnd, disputeEnd };
}

/** Tokens `createRun` takes for `spec` (same formula as `fundingFor`). */
export function fundingFor(spec: RunSpec): bigint {
  const slots = BigInt(spec.shards) * BigInt(spec.maxTrainersPerShard);
  return spec.rewardPerRound * BigInt(spec.rounds) + spec.auditFee * BigInt(spec.rounds) * slots;
}
