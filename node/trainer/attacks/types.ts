import type { Hex } from "viem";
import type { MnistDataset } from "../../../lib/ml/mnist.ts";
import type { ShardState } from "../../../lib/ml/moe.ts";

// The contract between the trainer's round loop and an attack under test (`--attack NAME`). An honest
// trainer has no attack. Each attack lives in its own module in this folder and sets only the hooks it needs.

export type AttackName = "sign-flip" | "noise" | "label-flip" | "equivocate" | "withhold";

export interface AttackParams {
  /** Strength λ (sign-flip: update × −λ; noise: λ × the honest norm). Default 1. */
  lambda: number;
  /** Fraction of segments corrupted (sign-flip, noise), in (0, 1]. Default 1. */
  fraction: number;
  /** Seed of the attack's own randomness (which segments, noise directions). */
  seed: number;
}

export interface TrainerAttack {
  readonly name: AttackName;
  /** The training set the trainer actually trains on (label-flip: y → 9 − y). Default: the real one. */
  trainingData?(real: MnistDataset): MnistDataset;
  /** Replaces the state a segment ended at, given where it started (sign-flip, noise). */
  afterSegment?(round: bigint, segment: number, start: ShardState, end: ShardState): ShardState;
  /** What is announced on gossip for a commitment (equivocate: something other than what is committed). */
  announced?(round: bigint, claim: { root: Hex; updateHash: Hex }): { root: Hex; updateHash: Hex };
  /** Whether checkpoints and manifests (audit data) are served; false for withhold. The update is always served. */
  readonly servesAuditData: boolean;
}
