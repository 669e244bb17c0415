import type { Address, Hex } from "viem";
import { batchIndices } from "../core/batches.ts";
import { leafHash, roundLeaves, type TrajectoryLeaf } from "../core/leaf.ts";
import { MerkleTree } from "../core/merkle.ts";
import { canonicalStateBytes } from "../core/state-hash.ts";
import { gatherBatch, type MnistDataset } from "../ml/mnist.ts";
import type { ModelParams, ShardState } from "../ml/moe.ts";
import { DEFAULT_STEP_CONFIG, trainStep, type StepConfig } from "../ml/step.ts";
import { stateRootOf, stateShapes, updateRootOf } from "./step-trace.ts";

/** Everything that fixes a trainer's round, besides the starting state. */
export interface RoundContext {
  runId: bigint;
  round: bigint;
  roundSeed: Hex;
  trainer: Address;
  shard: number;
  shardName: string;
  batchSize: number;
  localSteps: number;
  checkpointInterval: number;
  /** The other shards' parameters at S_r. */
  frozen: ModelParams;
  dataset: MnistDataset;
  config?: StepConfig;
}

/** The arrays of a shard state in canonical order: parameters, then optimizer slots. */
export function stateArrays(s: ShardState): Float32Array[] {
  return [...s.params, ...s.slots];
}

/** The shard state of arrays in canonical order (the inverse of stateArrays). */
export function shardStateOf(arrays: readonly Float32Array[]): ShardState {
  const half = arrays.length / 2;
  return { params: arrays.slice(0, half), slots: arrays.slice(half) };
}

/** The batch of local step t of a round (seed-derived indices over the whole training set, docs/PROTOCOL.md 3.4). */
export function stepBatch(ctx: RoundContext, t: number) {
  const indices = batchIndices({
    roundSeed: ctx.roundSeed,
    trainer: ctx.trainer,
    shard: ctx.shard,
    step: t,
    batchSize: ctx.batchSize,
    sliceStart: 0,
    sliceLength: ctx.dataset.count,
  });
  return { indices, batch: gatherBatch(ctx.dataset, indices) };
}

/** Runs local steps [startStep, startStep + steps) from `state`: the unit a verifier re-executes. */
export function runSegment(ctx: RoundContext, state: ShardState, startStep: number, steps: number): { state: ShardState; losses: number[] } {
  const losses: number[] = [];
  let s = state;
  for (let t = startStep; t < startStep + steps; t++) {
    const result = trainStep(ctx.shardName, s, ctx.frozen, stepBatch(ctx, t).batch, ctx.config ?? DEFAULT_STEP_CONFIG);
    s = result.state;
    if (result.routed > 0) losses.push(result.loss);
  }
  return { state: s, losses };
}

export interface RoundTrajectory {
  /** Shard states at steps 0, c, 2c, … H (what checkpoint audits fetch). */
  checkpoints: ShardState[];
  checkpointRoots: Hex[];
  leaves: TrajectoryLeaf[];
  tree: MerkleTree;
  root: Hex;
  /** Δ = s_0 − s_H over parameters and slots, canonical order. */
  delta: Float32Array[];
  updateBytes: Uint8Array;
  updateHash: Hex;
  samples: bigint;
  meanLoss: number;
  finalState: ShardState;
}

/** Δ = s_0 − s_H over parameters and slots, canonical order (what a trainer commits as its update). */
export function updateOf(start: ShardState, end: ShardState): Float32Array[] {
  const after = stateArrays(end);
  return stateArrays(start).map((b, i) => {
    const a = after[i]!;
    const d = new Float32Array(b.length);
    for (let j = 0; j < b.length; j++) d[j] = b[j]! - a[j]!;
    return d;
  });
}

export interface RoundHooks {
  /**
   * Replaces the state a segment ended at: a corrupted trajectory, which a verifier replaying the segment
   * disagrees with (the verifier's tests build theirs so). Trainers pass none.
   */
  afterSegment?(segment: number, start: ShardState, end: ShardState): ShardState;
  /** Awaited between segments, so a node keeps serving its peers while it trains (default: a macrotask turn). */
  pause?(): Promise<void>;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A full round of local steps from S_r: what a trainer commits to. */
export async function trainRound(ctx: RoundContext, start: ShardState, hooks: RoundHooks = {}): Promise<RoundTrajectory> {
  if (ctx.localSteps % ctx.checkpointInterval !== 0) throw new Error("localSteps must be a multiple of checkpointInterval");
  const checkpoints: ShardState[] = [start];
  const losses: number[] = [];
  let s = start;
  for (let t = 0; t < ctx.localSteps; t += ctx.checkpointInterval) {
    const seg = runSegment(ctx, s, t, ctx.checkpointInterval);
    s = hooks.afterSegment ? hooks.afterSegment(t / ctx.checkpointInterval, checkpoints.at(-1)!, seg.state) : seg.state;
    losses.push(...seg.losses);
    checkpoints.push(s);
    await (hooks.pause ?? nextTurn)();
  }
  const shapes = stateShapes(ctx.shardName, (ctx.config ?? DEFAULT_STEP_CONFIG).spec);
  const checkpointRoots = checkpoints.map((c) => stateRootOf(stateArrays(c), shapes));
  const leaves = roundLeaves({ runId: ctx.runId, shard: ctx.shard, round: ctx.round }, checkpointRoots);
  const tree = MerkleTree.fromLeafHashes(leaves.map(leafHash));
  const delta = updateOf(start, s);
  const updateBytes = canonicalStateBytes(delta);
  return {
    checkpoints,
    checkpointRoots,
    leaves,
    tree,
    root: tree.root,
    delta,
    updateBytes,
    updateHash: updateRootOf(delta, shapes),
    samples: BigInt(ctx.localSteps * ctx.batchSize),
    meanLoss: losses.length === 0 ? 0 : losses.reduce((a, b) => a + b, 0) / losses.length,
    finalState: s,
  };
}
