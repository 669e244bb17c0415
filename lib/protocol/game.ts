import { bytesToHex, type Hex } from "viem";
import { leafHash, roundLeaves, type TrajectoryLeaf } from "../core/leaf.ts";
import { MerkleTree } from "../core/merkle.ts";
import { CHUNK_VALUES, ListTree, TensorTree } from "../core/tensor-commit.ts";
import { canonicalBits } from "../kernels/f32.ts";
import { OP_KINDS, tensorDef, type Shape } from "../kernels/program.ts";
import type { MnistDataset } from "../ml/mnist.ts";
import type { ListTree as DatasetTree } from "../core/tensor-commit.ts";
import type { OpLeaf, ProgramTree } from "./program-commit.ts";
import { rowOpenings, type RowOpening } from "./one-step-proof.ts";
import { canonicalTensor, type StepTrace } from "./step-trace.ts";

// The moves of the dispute game (contracts/DisputeGame.sol, docs/PROTOCOL.md 7.1) as data: what an honest
// trainer answers, and where an honest challenger, holding its own correct computation, disputes. Each
// challenger function returns null when it finds nothing to dispute (it then has no move that can win).

/** A trainer's round trajectory under state roots: the tree its commitment's root is. */
export function trajectoryTree(base: Pick<TrajectoryLeaf, "runId" | "shard" | "round">, checkpointRoots: readonly Hex[]) {
  const leaves = roundLeaves(base, checkpointRoots);
  return { leaves, tree: MerkleTree.fromLeafHashes(leaves.map(leafHash)) };
}

/** Trainer, Steps: the segment's c + 1 state roots with its leaf's proof and the previous leaf's. */
export function stepsMove(checkpointRoots: readonly Hex[], tree: MerkleTree, segment: number, stepRoots: readonly Hex[]) {
  const zero = `0x${"0".repeat(64)}` as Hex;
  return {
    roots: [...stepRoots],
    proof: tree.proof(segment),
    prevStart: segment > 0 ? checkpointRoots[segment - 1]! : zero,
    prevProof: segment > 0 ? tree.proof(segment - 1) : [],
  };
}

/**
 * Challenger, PickStep: the first step whose start it agrees with and whose end it does not. The same rule
 * picks a segment from a posted manifest (PickSegment); null when the starts already differ.
 */
export function disputedStep(mine: readonly Hex[], theirs: readonly Hex[]): number | null {
  if (mine.length !== theirs.length || mine[0] !== theirs[0]) return null;
  for (let t = 0; t + 1 < mine.length; t++) if (mine[t + 1] !== theirs[t + 1]) return t;
  return null;
}

/** Trainer, Trace: every tensor root of the step, its routed count and its shard's program header. */
export function traceMove(trace: StepTrace, programs: ProgramTree, shard: number) {
  const { header, proof } = programs.header(shard);
  return {
    items: [...trace.roots],
    m: shard === 0 ? 0 : trace.routed,
    header: { inputs: header.inputs, count: header.count, routeCount: header.routeCount },
    headerProof: proof,
  };
}

/** Program inputs the one-step prover opens against the run's dataset root (lib/protocol/program-commit.ts). */
const DATASET_INPUTS: ReadonlySet<string> = new Set(["x", "y"]);

export type OpPick =
  | { move: "pickOp"; t: number; root: Hex; rootProof: Hex[]; op: OpLeaf; opProof: Hex[] }
  | { move: "contestRouted"; select: OpLeaf; selectProof: Hex[]; routeRoot: Hex; routeProof: Hex[]; routeChunk: Hex; chunkProof: Hex[] };

/**
 * Challenger, PickOp: the first tensor of the trainer's trace that differs from its own, when every input but
 * the batch agrees and it is an operation; or, for an expert whose routing agrees but whose routed count does not, the
 * routed-count contest.
 */
export function disputedOp(mine: StepTrace, theirItems: readonly Hex[], theirM: number, programs: ProgramTree, shard: number): OpPick | null {
  const inputs = mine.program.inputs.length;
  // The batch (x, y) may differ, as a label-flipper's does: the prover reads it from the dataset root, never
  // from the trace, so the first operation that reads it is where the trainer loses. Any other input (state,
  // frozen parameters) that differs leaves nothing to win here.
  for (let t = 0; t < inputs; t++) if (!DATASET_INPUTS.has(mine.program.inputs[t]!.name) && theirItems[t] !== mine.roots[t]) return null;
  const theirs = new ListTree(theirItems);
  const myM = shard === 0 ? 0 : mine.routed;
  if (shard !== 0 && theirM !== myM) {
    const s = programs.shards[shard]!;
    const selectT = s.ops.findIndex((o) => o.kind === OP_KINDS.indexOf("selectIndex")) + s.header.inputs;
    const { leaf: select, proof: selectProof } = programs.op(shard, selectT);
    const route = select.args[0]!;
    const agreed = theirItems.slice(0, route + 1).every((r, k) => r === mine.roots[k]);
    if (agreed) {
      const [rows, cols] = tensorDef(mine.program, route).shape;
      const tree = new TensorTree(canonicalTensor(mine.tensors[route]!), rows, cols);
      return { move: "contestRouted", select, selectProof, routeRoot: mine.roots[route]!, routeProof: theirs.proof(route), routeChunk: bytesToHex(tree.chunk(0)), chunkProof: tree.proof(0) };
    }
  }
  const n = Math.min(theirItems.length, mine.roots.length);
  for (let t = inputs; t < n; t++) {
    if (theirItems[t] === mine.roots[t]) continue;
    const { leaf: op, proof: opProof } = programs.op(shard, t);
    return { move: "pickOp", t, root: theirItems[t]!, rootProof: theirs.proof(t), op, opProof };
  }
  return null;
}

function treeOf(trace: StepTrace, t: number): TensorTree {
  const [rows, cols] = tensorDef(trace.program, t).shape;
  return new TensorTree(canonicalTensor(trace.tensors[t]!), rows, cols);
}

/** Trainer, Chunks: the chunk leaves of tensor t. */
export function chunksMove(trace: StepTrace, t: number): Hex[] {
  return treeOf(trace, t).leaves();
}

/** Challenger, PickChunk: the first chunk whose leaf differs from its own. */
export function disputedChunk(mine: StepTrace, t: number, theirLeaves: readonly Hex[]): number | null {
  const leaves = chunksMove(mine, t);
  if (leaves.length !== theirLeaves.length) return null;
  const c = leaves.findIndex((l, k) => l !== theirLeaves[k]);
  return c < 0 ? null : c;
}

/** Trainer, Open: chunk c of tensor t. */
export function openMove(trace: StepTrace, t: number, c: number): Hex {
  return bytesToHex(treeOf(trace, t).chunk(c));
}

export interface BatchSource {
  dataset: MnistDataset;
  tree?: DatasetTree;
  /** Dataset index of each batch row of the step. */
  indices: ArrayLike<number>;
}

/**
 * Challenger, OneStep: the first element of the opened chunk whose bits differ from its own (NaN equal to
 * NaN), with the rows it reads opened against the trainer's trace (agreed up to t, so its own data opens them).
 */
export function oneStepMove(
  mine: StepTrace,
  theirItems: readonly Hex[],
  t: number,
  c: number,
  theirChunk: Uint8Array,
  batch: BatchSource,
  programs: ProgramTree,
  shard: number,
) {
  const [, cols] = tensorDef(mine.program, t).shape;
  const own = canonicalTensor(mine.tensors[t]!);
  const words = new DataView(theirChunk.buffer, theirChunk.byteOffset, theirChunk.byteLength);
  for (let k = 0; 4 * k < theirChunk.length; k++) {
    const e = c * CHUNK_VALUES + k;
    const theirs = words.getUint32(4 * k, true);
    const mineBits = canonicalBits(own[e]!);
    const nan = (b: number) => (b & 0x7fffffff) > 0x7f800000;
    if (theirs === mineBits || (nan(theirs) && nan(mineBits))) continue;
    const i = Math.floor(e / cols);
    const j = e % cols;
    const asTheirs: StepTrace = { ...mine, roots: [...theirItems], traceRoot: new ListTree(theirItems).root };
    const reads: RowOpening[] = rowOpenings(asTheirs, t, i, j, batch);
    return { chunk: bytesToHex(theirChunk), op: programs.op(shard, t).leaf, i, j, reads };
  }
  return null;
}

// ---- the update game (contracts/UpdateGame.sol): Δ = s_0 ⊖ s_H element by element ----

/** Where a committed update Δ differs from s_0 ⊖ s_H: the first state tensor, chunk and element (null: nowhere). */
export function disputedUpdate(s0: readonly Float32Array[], sH: readonly Float32Array[], delta: readonly Float32Array[], shapes: readonly Shape[]) {
  const nan = (v: number) => Number.isNaN(v);
  for (let k = 0; k < shapes.length; k++) {
    const cols = shapes[k]![1];
    for (let e = 0; e < delta[k]!.length; e++) {
      const want = Math.fround(s0[k]![e]! - sH[k]![e]!);
      const got = delta[k]![e]!;
      if (Object.is(want, got) || (nan(want) && nan(got))) continue;
      return { tensor: k, chunk: Math.floor(e / CHUNK_VALUES), i: Math.floor(e / cols), j: e % cols };
    }
  }
  return null;
}

/**
 * challengeUpdate's program arguments for state tensor k: the shard's header and the leaf of the operation that
 * writes tensor k. A shard's program ends with the SGD step: its last 8 operations write the velocities, then
 * the 4 parameters (tensors 4..7 and 0..3 of the state).
 */
export function updateWriter(programs: ProgramTree, shard: number, tensor: number) {
  const { header, proof: headerProof } = programs.header(shard);
  const { leaf, proof } = programs.op(shard, header.count - (tensor < 4 ? 4 : 8) + (tensor % 4));
  return { header: { inputs: header.inputs, count: header.count, routeCount: header.routeCount }, headerProof, leaf, proof };
}

/** Chunk c of tensor k of a state-shaped list (a state or an update) with its proofs: what openUpdate posts. */
export function tensorChunk(arrays: readonly Float32Array[], shapes: readonly Shape[], k: number, c: number) {
  const trees = arrays.map((a, t) => new TensorTree(canonicalTensor(a), shapes[t]![0], shapes[t]![1]));
  const list = new ListTree(trees.map((t) => t.root));
  const tree = trees[k]!;
  return { root: tree.root, rootProof: list.proof(k), data: bytesToHex(tree.chunk(c)), proof: tree.proof(c) };
}

/** The trajectory's first and last leaves with proofs (openUpdate's `ends`). */
export function endsOf(checkpointRoots: readonly Hex[], tree: MerkleTree) {
  const last = checkpointRoots.length - 2;
  return {
    start: checkpointRoots[0]!,
    firstEnd: checkpointRoots[1]!,
    firstProof: tree.proof(0),
    lastStart: checkpointRoots[last]!,
    end: checkpointRoots[last + 1]!,
    lastProof: tree.proof(last),
  };
}
