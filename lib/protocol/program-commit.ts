import { encodeAbiParameters, keccak256, type Hex } from "viem";
import { canonicalBits } from "../kernels/f32.ts";
import { OP_KINDS, tensorDef, type Program } from "../kernels/program.ts";
import { expertProgram, gateProgram } from "../kernels/step.ts";
import { MerkleTree } from "../core/merkle.ts";
import type { StepConfig } from "../ml/step.ts";
import { VerihiveError } from "../core/errors.ts";
import type { RunSpec } from "../core/spec.ts";
import type { MoeSpec } from "../ml/moe.ts";
import { stepConfigFor } from "./shards.ts";

// The programs of a run's steps under one root (docs/PROTOCOL.md 3.10), so that the dispute game knows
// what operation k of a step is without trusting either party: the run's `modelHash` is this root.
//
// One tree (OpenZeppelin's StandardMerkleTree layout, lib/core/merkle.ts) over, for every shard:
//   a header leaf  (shard, HEADER, inputs, count, routeCount)
//   an op leaf     (shard, t, kind, rows, cols, scalars, args, argRows, argCols, argSources) per operation output t
// An expert's program depends on m, the rows the gate routes to it: dimensions equal to m are written as
// M_SYMBOL and scalars equal to m as the bits M_SYMBOL; the contract puts the game's m in their place.
// routeCount is the length of an expert's program when m = 0 (routing only; the state is unchanged), 0 for
// the gate. Inputs named "x" and "y" are the batch (read from the dataset root), every other tensor from the
// step's trace.

export const M_SYMBOL = 0xffffffff;
export const HEADER = 0xffffffff;
export const SOURCE_TRACE = 0;
export const SOURCE_PIXELS = 1;
export const SOURCE_LABELS = 2;

export class ProgramCommitError extends VerihiveError {
  override name = "ProgramCommitError";
}

/** One operation as its leaf commits it (m-dependent fields as M_SYMBOL). */
export interface OpLeaf {
  shard: number;
  index: number;
  kind: number;
  rows: number;
  cols: number;
  scalars: number[];
  args: number[];
  argRows: number[];
  argCols: number[];
  argSources: number[];
}

export interface ProgramHeader {
  shard: number;
  inputs: number;
  count: number;
  routeCount: number;
}

const OP_LEAF_TYPES = [
  { type: "uint16" },
  { type: "uint32" },
  { type: "uint8" },
  { type: "uint32" },
  { type: "uint32" },
  { type: "uint32[]" },
  { type: "uint32[]" },
  { type: "uint32[]" },
  { type: "uint32[]" },
  { type: "uint8[]" },
] as const;

const HEADER_TYPES = [{ type: "uint16" }, { type: "uint32" }, { type: "uint32" }, { type: "uint32" }, { type: "uint32" }] as const;

function doubleHash(encoded: Hex): Hex {
  return keccak256(keccak256(encoded));
}

export function opLeafHash(o: OpLeaf): Hex {
  return doubleHash(encodeAbiParameters(OP_LEAF_TYPES, [o.shard, o.index, o.kind, o.rows, o.cols, o.scalars, o.args, o.argRows, o.argCols, o.argSources]));
}

export function headerHash(h: ProgramHeader): Hex {
  return doubleHash(encodeAbiParameters(HEADER_TYPES, [h.shard, HEADER, h.inputs, h.count, h.routeCount]));
}

function sourceOf(p: Program, t: number): number {
  if (t >= p.inputs.length) return SOURCE_TRACE;
  const name = p.inputs[t]!.name;
  return name === "x" ? SOURCE_PIXELS : name === "y" ? SOURCE_LABELS : SOURCE_TRACE;
}

/** The leaf of tensor t (an operation's output) of a concrete program. */
export function opLeafOf(p: Program, shard: number, t: number): OpLeaf {
  if (t < p.inputs.length) throw new ProgramCommitError(`tensor ${t} is an input, not an operation`, { t });
  const op = tensorDef(p, t) as Program["ops"][number];
  return {
    shard,
    index: t,
    kind: OP_KINDS.indexOf(op.kind),
    rows: op.shape[0],
    cols: op.shape[1],
    scalars: op.scalars.map((s) => canonicalBits(s)),
    args: [...op.args],
    argRows: op.args.map((a) => tensorDef(p, a).shape[0]),
    argCols: op.args.map((a) => tensorDef(p, a).shape[1]),
    argSources: op.args.map((a) => sourceOf(p, a)),
  };
}

/** Where two leaves of the same op built with different m differ, the field is m-dependent. */
function symbolic(a: OpLeaf, b: OpLeaf): OpLeaf {
  const pick = (x: number, y: number) => (x === y ? x : M_SYMBOL);
  const list = (x: number[], y: number[]) => x.map((v, k) => pick(v, y[k]!));
  return {
    ...a,
    rows: pick(a.rows, b.rows),
    cols: pick(a.cols, b.cols),
    scalars: list(a.scalars, b.scalars),
    argRows: list(a.argRows, b.argRows),
    argCols: list(a.argCols, b.argCols),
  };
}

/** A leaf with m put in place of M_SYMBOL (what the contract does). */
export function withRouted(o: OpLeaf, m: number): OpLeaf {
  const dim = (v: number) => (v === M_SYMBOL ? m : v);
  const scalar = (v: number) => (v === M_SYMBOL ? canonicalBits(Math.fround(m)) : v);
  return { ...o, rows: dim(o.rows), cols: dim(o.cols), scalars: o.scalars.map(scalar), argRows: o.argRows.map(dim), argCols: o.argCols.map(dim) };
}

export interface ShardProgram {
  header: ProgramHeader;
  /** Leaves of the operation outputs, by tensor index − inputs. */
  ops: OpLeaf[];
}

/** Shard k's committed program: 0 is the gate, k ≥ 1 expert k − 1 (m symbolic). */
export function shardProgram(shard: number, batchSize: number, config: StepConfig): ShardProgram {
  if (shard === 0) {
    const p = gateProgram(batchSize, config);
    const ops = p.ops.map((_, k) => opLeafOf(p, 0, p.inputs.length + k));
    return { header: { shard, inputs: p.inputs.length, count: p.inputs.length + p.ops.length, routeCount: 0 }, ops };
  }
  const e = shard - 1;
  const [a, b, c] = [3, 5, 7].map((m) => expertProgram(e, batchSize, m, config));
  const route = expertProgram(e, batchSize, 0, config);
  if (a!.ops.length !== b!.ops.length || a!.ops.length !== c!.ops.length) throw new ProgramCommitError("an expert's program length depends on m");
  const ops = a!.ops.map((_, k) => {
    const t = a!.inputs.length + k;
    const leaf = symbolic(opLeafOf(a!, shard, t), opLeafOf(b!, shard, t));
    // A third m checks that m enters only where the symbol stands.
    if (opLeafHash(withRouted(leaf, 7)) !== opLeafHash(opLeafOf(c!, shard, t))) throw new ProgramCommitError(`operation ${t} of expert ${e} depends on m in another way`);
    return leaf;
  });
  const header = { shard, inputs: a!.inputs.length, count: a!.inputs.length + a!.ops.length, routeCount: route.inputs.length + route.ops.length };
  return { header, ops };
}

/** Every shard's program under one root, with proofs of headers and operations. */
export class ProgramTree {
  readonly root: Hex;
  readonly shards: ShardProgram[];
  readonly #tree: MerkleTree;
  readonly #position: Map<string, number>;

  constructor(experts: number, batchSize: number, config: StepConfig) {
    this.shards = Array.from({ length: experts + 1 }, (_, s) => shardProgram(s, batchSize, config));
    const leaves: Hex[] = [];
    this.#position = new Map();
    for (const s of this.shards) {
      this.#position.set(`${s.header.shard}:h`, leaves.length);
      leaves.push(headerHash(s.header));
      for (const o of s.ops) {
        this.#position.set(`${o.shard}:${o.index}`, leaves.length);
        leaves.push(opLeafHash(o));
      }
    }
    this.#tree = MerkleTree.fromLeafHashes(leaves);
    this.root = this.#tree.root;
  }

  header(shard: number): { header: ProgramHeader; proof: Hex[] } {
    const s = this.shards[shard];
    if (!s) throw new ProgramCommitError(`no shard ${shard}`, { shard });
    return { header: s.header, proof: this.#tree.proof(this.#position.get(`${shard}:h`)!) };
  }

  op(shard: number, t: number): { leaf: OpLeaf; proof: Hex[] } {
    const s = this.shards[shard];
    const leaf = s?.ops[t - s.header.inputs];
    if (!s || !leaf) throw new ProgramCommitError(`no operation ${t} in shard ${shard}`, { shard, t });
    return { leaf, proof: this.#tree.proof(this.#position.get(`${shard}:${t}`)!) };
  }
}

const roots = new Map<string, ProgramTree>();

/** The program tree of a model (cached: a few hundred leaves). */
export function programTree(batchSize: number, config: StepConfig): ProgramTree {
  const s = config.spec;
  const key = [batchSize, s.inputSize, s.classes, s.experts, s.gateHidden, s.expertHidden, config.learningRate, config.momentum, config.balance].join(":");
  let tree = roots.get(key);
  if (!tree) {
    tree = new ProgramTree(s.experts, batchSize, config);
    roots.set(key, tree);
  }
  return tree;
}

const ZERO32 = `0x${"0".repeat(64)}`;

/** The `modelHash` a run of this model names: the root of its programs at the run's batch size and arithmetic. */
export function modelRoot(spec: Pick<RunSpec, "batchSize" | "mode">, moe: MoeSpec): Hex {
  return programTree(spec.batchSize, stepConfigFor(spec, moe)).root;
}

/**
 * Checks the run's `modelHash` against the programs of this peer's model before it trains or verifies: a
 * peer whose model or step differs would lose every game on it. A run that names none (zero) is accepted
 * and reported as unchecked (its disputes then cannot reach a one-step check).
 */
export function checkModel(spec: Pick<RunSpec, "batchSize" | "mode" | "modelHash">, moe: MoeSpec): { checked: boolean; root: Hex } {
  const root = modelRoot(spec, moe);
  if (spec.modelHash.toLowerCase() === ZERO32) return { checked: false, root };
  if (spec.modelHash.toLowerCase() !== root.toLowerCase()) {
    throw new ProgramCommitError(
      `the run's modelHash ${spec.modelHash} is not the root of this peer's model programs (${root}: another model size, batch or step config): refusing to train or verify on it`,
      { expected: spec.modelHash, local: root },
    );
  }
  return { checked: true, root };
}
