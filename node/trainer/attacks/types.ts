import type { Hex } from "viem";
import type { MnistDataset } from "../../../lib/ml/mnist.ts";
import type { StepConfig } from "../../../lib/ml/step.ts";

// The contract between the trainer's round loop and an attack under test (`--attack NAME`). An honest
// trainer has no attack. Each attack lives in its own module in this folder and sets only the hooks it needs.

export type AttackName = "sign-flip" | "noise" | "label-flip" | "equivocate" | "withhold" | "alie" | "ipm" | "stale" | "free-ride" | "one-op" | "hide-one-op";

export interface AttackParams {
  /** Strength λ (sign-flip: update × −λ; noise: λ × the honest norm). Default 1. */
  lambda: number;
  /** Seed of the attack's own randomness (noise directions). */
  seed: number;
}

export interface TrainerAttack {
  readonly name: AttackName;
  /** The training set the trainer actually trains on (label-flip: y → 9 − y). Default: the real one. */
  trainingData?(real: MnistDataset): MnistDataset;
  /** What is announced on gossip for a commitment (equivocate: something other than what is committed). */
  announced?(round: bigint, claim: { root: Hex; updateHash: Hex }): { root: Hex; updateHash: Hex };
  /**
   * The step config it trains with instead of the run's (one-op: the reference step with one element of one
   * operation altered in the first trained step of every segment of `checkpointInterval` steps).
   */
  stepConfig?(honest: StepConfig, checkpointInterval: number): StepConfig;
  /** Whether checkpoints and manifests (audit data) are served; false for withhold. The update is always served. */
  readonly servesAuditData: boolean;
  /**
   * Replaces the update that is committed and served (sign-flip, noise, alie, ipm, stale, free-ride); the Merkle root stays the
   * honest trajectory's, so an audit's update check (Δ = s_0 − s_H) catches it. Undefined keeps the honest one.
   */
  replaceUpdate?(round: bigint, view: UpdateView): Promise<Float32Array[] | undefined>;
}

/** What an attacker replacing its update can see (all of it public or its own). */
export interface UpdateView {
  /** Its own honest Δ of this round (params then slots, canonical order). */
  honest: Float32Array[];
  /** The updates of its shard aggregated in the previous round, in inclusion order (empty in round 0). */
  previousRound: Float32Array[][];
  /** Its own update committed in the last round it committed (undefined before that). */
  ownPrevious: Float32Array[] | undefined;
  /**
   * Another trainer's update of this round and shard, once that trainer has announced it on gossip and served it
   * (waits up to `timeoutMs`); undefined if none arrives. What a free-rider copies.
   */
  peerUpdate(timeoutMs: number): Promise<Float32Array[] | undefined>;
}
