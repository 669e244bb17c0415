// The arguments of a one-step proof (docs/PROTOCOL.md 7.1): what IOneStepProver.valueOf
// (contracts/OneStepProver.sol) takes to recompute element (i, j) of one operation of a traced step. The
// operation as a struct (proverOp), what its rows are opened against (proverContext), and the rows
// lib/kernels/element.ts reads for the element, each with its opening (rowOpenings): a trace row by its
// tensor's root, that root's proof in the trace list and the 8 KiB chunks holding the row; a batch row (x or
// y) by the dataset example that row of the batch is and its proof against the dataset root, its values
// derived from the example as lib/ml/mnist.ts derives them.
import { bytesToHex, type Hex } from "viem";
import { CHUNK_BYTES, ListTree, TensorTree } from "../core/tensor-commit.ts";
import { elementReads, rowsOf } from "../kernels/element.ts";
import { canonicalBits } from "../kernels/f32.ts";
import { VerihiveError } from "../core/errors.ts";
import { OP_KINDS, tensorDef, type Program } from "../kernels/program.ts";
import { datasetTree, exampleBytes } from "../ml/dataset-root.ts";
import { IMAGE_SIZE, type MnistDataset } from "../ml/mnist.ts";
import type { OpLeaf } from "./program-commit.ts";
import { canonicalTensor, type StepTrace } from "./step-trace.ts";

// Op.argSources codes (OneStepProver.SOURCE_*; the same as lib/protocol/program-commit.ts).
const SOURCE_TRACE = 0;
const SOURCE_PIXELS = 1;
const SOURCE_LABELS = 2;
const ZERO_ROOT: Hex = `0x${"00".repeat(32)}`;

/** A proof asked of something that is not in the trace or batch. */
export class OneStepProofError extends VerihiveError {
  override name = "OneStepProofError";
}

/** IOneStepProver.Op as viem encodes it: a program leaf (program-commit.ts) without its place, m put in. */
export type ProverOp = Omit<OpLeaf, "shard" | "index">;

/** IOneStepProver.ChunkOpening. */
export interface ChunkOpening {
  index: number;
  data: Hex;
  proof: Hex[];
}

/** IOneStepProver.RowOpening: a trace row fills root, rootProof and chunks; a batch row example and exampleProof. */
export interface RowOpening {
  arg: bigint;
  row: bigint;
  data: Hex;
  root: Hex;
  rootProof: Hex[];
  chunks: ChunkOpening[];
  example: Hex;
  exampleProof: Hex[];
}

/** IOneStepProver.Context. */
export interface ProverContext {
  traceRoot: Hex;
  traceCount: number;
  datasetRoot: Hex;
  datasetSize: number;
  batchBase: Hex;
}

/** The batch a step's x and y rows come from: row r is dataset example indices[r]. */
export interface ProofBatch {
  readonly dataset: MnistDataset;
  /** The dataset's tree (datasetTree(dataset) when absent; it is cached per dataset anyway). */
  readonly tree?: ListTree;
  readonly indices: ArrayLike<number>;
}

function opIndexOf(program: Program, t: number): number {
  const k = t - program.inputs.length;
  if (!Number.isInteger(t) || k < 0 || k >= program.ops.length) throw new OneStepProofError(`tensor ${t} is not an operation's output`, { tensor: t });
  return k;
}

function sourceOf(program: Program, t: number): number {
  if (t >= program.inputs.length) return SOURCE_TRACE;
  const name = program.inputs[t]!.name;
  return name === "x" ? SOURCE_PIXELS : name === "y" ? SOURCE_LABELS : SOURCE_TRACE;
}

/** The Op struct of the operation whose output is tensor t. */
export function proverOp(program: Program, t: number): ProverOp {
  const op = program.ops[opIndexOf(program, t)]!;
  return {
    kind: OP_KINDS.indexOf(op.kind),
    rows: op.shape[0],
    cols: op.shape[1],
    scalars: op.scalars.map(canonicalBits),
    args: [...op.args],
    argRows: op.args.map((a) => tensorDef(program, a).shape[0]),
    argCols: op.args.map((a) => tensorDef(program, a).shape[1]),
    argSources: op.args.map((a) => sourceOf(program, a)),
  };
}

/** What a step's rows are opened against: its trace list, the run's dataset and the step's batch seed. */
export function proverContext(trace: StepTrace, datasetRoot: Hex, datasetSize: number, batchBase: Hex): ProverContext {
  return { traceRoot: trace.traceRoot, traceCount: trace.roots.length, datasetRoot, datasetSize, batchBase };
}

function hexOf(values: Float32Array): Hex {
  return bytesToHex(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

/** Trees of a trace's tensors and of its list, built once per trace (a trace is not changed once made). */
interface TraceTrees {
  list: ListTree;
  tensors: Map<number, TensorTree>;
}
const traceTrees = new WeakMap<StepTrace, TraceTrees>();

function treesOf(trace: StepTrace): TraceTrees {
  let trees = traceTrees.get(trace);
  if (!trees) {
    trees = { list: new ListTree(trace.roots), tensors: new Map() };
    traceTrees.set(trace, trees);
  }
  return trees;
}

function tensorTree(trace: StepTrace, trees: TraceTrees, t: number): TensorTree {
  let tree = trees.tensors.get(t);
  if (!tree) {
    const [rows, cols] = tensorDef(trace.program, t).shape;
    tree = new TensorTree(canonicalTensor(trace.tensors[t]!), rows, cols);
    if (tree.root !== trace.roots[t]) throw new OneStepProofError(`tensor ${t} does not match its root in the trace`, { tensor: t });
    trees.tensors.set(t, tree);
  }
  return tree;
}

/** Row r of trace tensor t with its opening: the tensor's root and list proof, and the chunks holding the row. */
function traceOpening(trace: StepTrace, trees: TraceTrees, arg: number, t: number, r: number): RowOpening {
  const cols = tensorDef(trace.program, t).shape[1];
  const tree = tensorTree(trace, trees, t);
  const start = r * cols * 4;
  const chunks: ChunkOpening[] = [];
  for (let c = Math.floor(start / CHUNK_BYTES); c <= Math.floor((start + cols * 4 - 1) / CHUNK_BYTES); c++) {
    chunks.push({ index: c, data: bytesToHex(tree.chunk(c)), proof: tree.proof(c) });
  }
  const values = canonicalTensor(trace.tensors[t]!).subarray(r * cols, (r + 1) * cols);
  return {
    arg: BigInt(arg),
    row: BigInt(r),
    data: hexOf(values),
    root: trace.roots[t]!,
    rootProof: trees.list.proof(t),
    chunks,
    example: "0x",
    exampleProof: [],
  };
}

/**
 * Row r of the batch's x (pixels) or y (labels) with its opening: the example the row is and its proof. The
 * values come from the example (p / 255 as binary32, the label as an integer), not from the trace: they are
 * what the row must be, whatever the trace holds.
 */
function batchOpening(batch: ProofBatch, arg: number, source: number, r: number): RowOpening {
  const index = batch.indices[r];
  if (index === undefined) throw new OneStepProofError(`no batch row ${r} (${batch.indices.length} indices)`, { row: r });
  const example = exampleBytes(batch.dataset, index);
  const values = source === SOURCE_PIXELS ? Float32Array.from(example.subarray(1, 1 + IMAGE_SIZE), (p) => p / 255) : Float32Array.of(example[0]!);
  return {
    arg: BigInt(arg),
    row: BigInt(r),
    data: hexOf(values),
    root: ZERO_ROOT,
    rootProof: [],
    chunks: [],
    example: bytesToHex(example),
    exampleProof: (batch.tree ?? datasetTree(batch.dataset)).proof(index),
  };
}

/** The rows element (i, j) of tensor t's operation reads, in element.ts order, each with its opening. */
export function rowOpenings(trace: StepTrace, t: number, i: number, j: number, batch: ProofBatch): RowOpening[] {
  const program = trace.program;
  const k = opIndexOf(program, t);
  const op = program.ops[k]!;
  const trees = treesOf(trace);
  return elementReads(program, rowsOf(program, trace.tensors), k, i, j).map(({ tensor, row }) => {
    const arg = op.kind === "concatCols" ? j : op.args.indexOf(tensor);
    const source = sourceOf(program, tensor);
    return source === SOURCE_TRACE ? traceOpening(trace, trees, arg, tensor, row) : batchOpening(batch, arg, source, row);
  });
}
