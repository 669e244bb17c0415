import type { Hex } from "viem";
import { listRoot, tensorRoot } from "../core/tensor-commit.ts";
import { tensorDef, type Program, type Shape } from "../kernels/program.ts";
import { ProgramRunner } from "../kernels/run.ts";
import { expertProgram, gateProgram, mlpShapes, routes } from "../kernels/step.ts";
import { parseShard, type ModelParams, type MoeSpec, type ShardState } from "../ml/moe.ts";
import type { StepConfig } from "../ml/step.ts";
import type { Batch } from "../ml/mnist.ts";

// A step's trace as the dispute game opens it (docs/PROTOCOL.md 7.1): the program of the step, every tensor
// (inputs, then each operation's output), each tensor's root (3.9) and the list root over them; and the state
// roots a segment's per-step list is made of (every tensor committed with its NaNs canonical): the list root of the state's eight tensor roots, parameters
// then slots (the order of stateArrays).

export interface StepTrace {
  readonly program: Program;
  readonly tensors: Float32Array[];
  readonly roots: Hex[];
  readonly traceRoot: Hex;
  /** The state root before the step (from the trace's first eight inputs). */
  readonly startRoot: Hex;
  /** The state root after it: from the last eight outputs (sgd.v0…3, sgd.p0…3), or the start's when no row was routed. */
  readonly endRoot: Hex;
  /** Batch rows the step trains on: m for an expert (0: routing only), n for the gate. */
  readonly routed: number;
}

function shardShapes(shard: string, spec: MoeSpec) {
  const ref = parseShard(shard, spec);
  return ref.kind === "gate" ? mlpShapes(spec.inputSize, spec.gateHidden, spec.experts) : mlpShapes(spec.inputSize, spec.expertHidden, spec.classes);
}

const CANONICAL_NAN = 0x7fc00000;

/**
 * The tensor with every NaN as the quiet NaN 0x7fc00000 (docs/PROTOCOL.md 3.7): which NaN an invalid operation
 * yields depends on the processor (x86 sets the sign bit, ARM does not), so traces commit to canonical bytes.
 * Returns the same array when it holds no NaN.
 */
export function canonicalTensor(t: Float32Array): Float32Array {
  let i = 0;
  while (i < t.length && !Number.isNaN(t[i]!)) i++;
  if (i === t.length) return t;
  const out = t.slice();
  const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (; i < out.length; i++) if (Number.isNaN(out[i]!)) bits[i] = CANONICAL_NAN;
  return out;
}

/** The shapes of a shard state's eight tensors, parameters then slots (what its state root binds). */
export function stateShapes(shard: string, spec: MoeSpec): Shape[] {
  const shapes = shardShapes(shard, spec);
  return [...shapes, ...shapes];
}

/**
 * The root of a state given as its tensors in canonical order (parameters then slots) with their shapes:
 * the list root of the tensor roots (docs/PROTOCOL.md 3.9). This is what trajectory leaves, manifests and
 * checkpoint fetches name a state by, and what the dispute game opens.
 */
export function stateRootOf(arrays: readonly Float32Array[], shapes: readonly Shape[]): Hex {
  if (arrays.length !== shapes.length) throw new Error(`${arrays.length} tensors for ${shapes.length} shapes`);
  return listRoot(arrays.map((a, k) => tensorRoot(canonicalTensor(a), shapes[k]![0], shapes[k]![1])));
}

/**
 * An update's root: its tensors (laid out as a state: parameters then slots) under the state root of 3.9. A
 * commitment's `updateHash` is this root, so the update game can open one element of it.
 */
export function updateRootOf(update: readonly Float32Array[], shapes: readonly Shape[]): Hex {
  return stateRootOf(update, shapes);
}

/** The root of a shard state: the list root of its eight tensor roots, parameters then slots. */
export function stateRoot(shard: string, state: ShardState, spec: MoeSpec): Hex {
  return stateRootOf([...state.params, ...state.slots], stateShapes(shard, spec));
}

/** Runs one reference step with every output kept, and commits to all of it. */
export function traceStep(shard: string, state: ShardState, frozen: ModelParams, batch: Batch, config: StepConfig): StepTrace {
  const spec = config.spec;
  const ref = parseShard(shard, spec);
  const n = batch.y.length;
  let program: Program;
  let inputs: Float32Array[];
  let routed = n;
  if (ref.kind === "gate") {
    program = gateProgram(n, config);
    const experts = Array.from({ length: spec.experts }, (_, e) => [...frozen[`expert-${e}`]!]).flat();
    inputs = [...state.params, ...state.slots, ...experts, batch.x, Float32Array.from(batch.y)];
  } else {
    const route = routes(frozen.gate!, batch.x, n, spec);
    routed = route.filter((r) => r === ref.index).length;
    program = expertProgram(ref.index, n, routed, config);
    inputs = [...state.params, ...state.slots, ...frozen.gate!, batch.x, Float32Array.from(batch.y)];
  }
  // config.trace sees (and may change) every output, as in a step run with it: an attack's trace is its step's.
  const tensors = new ProgramRunner(program, inputs, config.trace ?? (() => {})).run().tensors as Float32Array[];
  const roots = tensors.map((t, k) => {
    const [rows, cols] = tensorDef(program, k).shape;
    return tensorRoot(canonicalTensor(t), rows, cols);
  });
  const startRoot = listRoot(roots.slice(0, 8));
  const trained = program.ops.at(-1)?.name === "sgd.p3";
  const last = roots.slice(roots.length - 8);
  const endRoot = trained ? listRoot([...last.slice(4), ...last.slice(0, 4)]) : startRoot;
  return { program, tensors, roots, traceRoot: listRoot(roots), startRoot, endRoot, routed };
}
