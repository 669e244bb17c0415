import { defaultRunSpec, gameSeconds, ReferenceBackend, roundSchedule, VerificationMode, type RunSpec } from "../../lib/core/index.ts";

// The run `npm start` creates: 3 shards, checkpoints every 25 steps, batch 64, short windows sized for
// one machine running every peer, exact or tolerance verification. All times are in seconds.

export const SHARDS = ["gate", "expert-0", "expert-1"] as const;
export const CHECKPOINT_INTERVAL = 25;

/**
 * Local steps per core-second the trainers manage together (tfjs wasm, the MoE step at batch 64), unless
 * the run gives its own pace (--pace). Measured on 2 cores with 4 trainers and 2 verifiers: 500 steps in
 * 3–6 s per trainer, about 250 per core-second; the default assumes 100, to leave room for slower machines.
 */
const STEPS_PER_CORE_SECOND = 100;

export interface LocalRunShape {
  readonly startTime: bigint;
  readonly rounds: number;
  readonly localSteps: number;
  readonly trainers: number;
  readonly verifiers: number;
  readonly auditRateBps: number;
  readonly mode: "exact" | "tolerance";
  /** τ × 1e6; > 0 in tolerance mode (the contract refuses 0), ignored in exact mode. */
  readonly toleranceMicros: number;
  /** CPU cores the peers share (os.availableParallelism()). */
  readonly cores: number;
  /** Steps per core-second to size the windows for (--pace); undefined: the slow-machine default. */
  readonly pace?: number | undefined;
  /** The training set's root (lib/ml/dataset-root.ts); peers refuse a different local MNIST. Default: none named. */
  readonly datasetRoot?: `0x${string}` | undefined;
}

/** Seconds a trainer needs to train H local steps when the trainers share `cores` cores. */
export function trainingSeconds(localSteps: number, trainers: number, cores: number, pace = STEPS_PER_CORE_SECOND): number {
  return Math.ceil((localSteps * Math.max(1, trainers / Math.max(1, cores))) / pace);
}

/**
 * The spec. Round `20 + H/50`, commit window `12 + H/50`, each at least what training needs (commit
 * window ≥ training + 8 s to load, announce and commit; round ≥ commit window + 8 s to fetch updates,
 * aggregate and evaluate). With a pace, the windows are what training needs at that pace (at least 12 s
 * and 20 s), without the H/50 terms (a second, machine-blind estimate of training). `mode` and
 * `toleranceMicros` as given. Audit 10 s and dispute 12 s give a verifier time to fetch and replay a
 * 25-step segment; jury commit window (a game's move window) 12 s, reveal 6 s. Jury of 1 up to 2 verifiers, else 3.
 */
export function localRunSpec(shape: LocalRunShape): RunSpec {
  const h = shape.localSteps;
  const train = trainingSeconds(h, shape.trainers, shape.cores, shape.pace);
  const blind = shape.pace === undefined ? Math.ceil(h / 50) : 0;
  const commitWindow = Math.max(12 + blind, train + 8);
  const roundLength = Math.max(20 + blind, commitWindow + 8);
  return defaultRunSpec(shape.startTime, {
    rounds: shape.rounds,
    shards: SHARDS.length,
    maxTrainersPerShard: Math.max(2, Math.ceil(shape.trainers / SHARDS.length)),
    localSteps: h,
    checkpointInterval: CHECKPOINT_INTERVAL,
    batchSize: 64,
    roundLength,
    commitWindow,
    auditWindow: 10,
    disputeWindow: 12,
    juryCommitWindow: 12, // also a dispute game's move window: room for a peer killed mid-game to restart and move
    juryRevealWindow: 6,
    jurySize: shape.verifiers <= 2 ? 1 : 3,
    maxVerifiers: Math.max(4, shape.verifiers + 1),
    auditRateBps: shape.auditRateBps,
    mode: shape.mode === "tolerance" ? VerificationMode.Tolerance : VerificationMode.Exact,
    toleranceMicros: shape.mode === "tolerance" ? shape.toleranceMicros : 0,
    // exact mode replays on the reference kernels; tolerance mode on tfjs wasm
    referenceBackend: shape.mode === "tolerance" ? ReferenceBackend.wasm : ReferenceBackend.kernels,
    ...(shape.datasetRoot !== undefined && { datasetRoot: shape.datasetRoot }),
  });
}

/** When the last round's disputes, a jury or a dispute game opened at the audit window's end included, are settled (chain seconds). */
export function settledBy(spec: RunSpec): number {
  const last = roundSchedule(spec, BigInt(spec.rounds - 1));
  return Math.max(Number(last.disputeEnd) + spec.juryCommitWindow + spec.juryRevealWindow, Number(last.auditEnd) + gameSeconds(spec));
}
