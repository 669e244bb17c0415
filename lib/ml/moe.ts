// The Mixture-of-Experts model spec: a gate MLP (784 → gateHidden → E logits) and E expert MLPs
// (784 → expertHidden → 10), top-1 routing by the gate's argmax. Each shard's parameters are an ordered
// list of Float32Array, [W1, b1, W2, b2] with W row-major [fanIn, fanOut], ReLU after the first layer,
// deterministic Glorot-uniform initialisation from a seed (biases zero), so every peer builds the same S_0.
import * as tf from "@tensorflow/tfjs";
import { ShardStateError } from "./errors.ts";
import { imageRows, type MnistDataset } from "./mnist.ts";
import { deriveSeed, SplitMix32 } from "./prng.ts";

export interface MoeSpec {
  readonly inputSize: number;
  readonly classes: number;
  /** Number of experts E (≥ 2). */
  readonly experts: number;
  readonly gateHidden: number;
  readonly expertHidden: number;
}

export const DEFAULT_MOE_SPEC: MoeSpec = { inputSize: 784, classes: 10, experts: 4, gateHidden: 32, expertHidden: 64 };

/** "gate", "expert-0", "expert-1", … */
export type ShardName = "gate" | `expert-${number}`;
export type ShardRef = { readonly kind: "gate" } | { readonly kind: "expert"; readonly index: number };

/** A shard's training state: parameters (order of `shardShapes`) and optimizer slots (same shapes). */
export interface ShardState {
  readonly params: Float32Array[];
  readonly slots: Float32Array[];
}

/** Parameters of some shards by name: the frozen `S_r` a step reads. */
export type ModelParams = Readonly<Record<string, readonly Float32Array[]>>;
/** The full model state by shard name. */
export type ModelState = Record<string, ShardState>;

export function checkSpec(spec: MoeSpec): void {
  const ints = [spec.inputSize, spec.classes, spec.experts, spec.gateHidden, spec.expertHidden];
  if (!ints.every((n) => Number.isSafeInteger(n) && n >= 1) || spec.experts < 2 || spec.classes < 2) {
    throw new ShardStateError("bad MoE spec: sizes must be positive integers, experts ≥ 2, classes ≥ 2", { spec });
  }
}

export function expertName(index: number): ShardName {
  return `expert-${index}`;
}

export function shardNames(spec: MoeSpec = DEFAULT_MOE_SPEC): ShardName[] {
  checkSpec(spec);
  return ["gate", ...Array.from({ length: spec.experts }, (_, e) => expertName(e))];
}

/** Parses a shard name against the spec; throws `ShardStateError` on anything else. */
export function parseShard(shard: string, spec: MoeSpec = DEFAULT_MOE_SPEC): ShardRef {
  checkSpec(spec);
  if (shard === "gate") return { kind: "gate" };
  const m = /^expert-(0|[1-9][0-9]*)$/.exec(shard);
  const index = m ? Number(m[1]) : -1;
  if (index < 0 || index >= spec.experts) {
    throw new ShardStateError(`unknown shard '${shard}' (gate or expert-0..${spec.experts - 1})`, { shard });
  }
  return { kind: "expert", index };
}

/** Shapes of the shard's parameters in their fixed order: [W1 [in, h], b1 [h], W2 [h, out], b2 [out]]. */
export function shardShapes(shard: string, spec: MoeSpec = DEFAULT_MOE_SPEC): number[][] {
  const ref = parseShard(shard, spec);
  const hidden = ref.kind === "gate" ? spec.gateHidden : spec.expertHidden;
  const out = ref.kind === "gate" ? spec.experts : spec.classes;
  return [[spec.inputSize, hidden], [hidden], [hidden, out], [out]];
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Checks count, lengths and finiteness of one shard's arrays; throws `ShardStateError`. */
export function checkArrays(shard: string, arrays: readonly Float32Array[] | undefined, spec: MoeSpec, what: string): void {
  const shapes = shardShapes(shard, spec);
  if (!Array.isArray(arrays) || arrays.length !== shapes.length) {
    throw new ShardStateError(`${shard} ${what}: expected ${shapes.length} arrays`, { shard, what });
  }
  shapes.forEach((shape, i) => {
    const a = arrays[i];
    if (!(a instanceof Float32Array) || a.length !== size(shape)) {
      throw new ShardStateError(`${shard} ${what}[${i}]: expected Float32Array of ${size(shape)} (${shape.join("×")})`, {
        shard,
        what,
        index: i,
      });
    }
    for (let j = 0; j < a.length; j++) {
      if (!Number.isFinite(a[j]!)) throw new ShardStateError(`${shard} ${what}[${i}][${j}] is not finite`, { shard, what, index: i });
    }
  });
}

/** Glorot-uniform weights and zero biases for `shard`, from a seed mixed with the shard name; zero slots. */
export function initShard(shard: string, seed: number, spec: MoeSpec = DEFAULT_MOE_SPEC): ShardState {
  const rng = new SplitMix32(deriveSeed(seed, shard));
  const params = shardShapes(shard, spec).map((shape) => {
    const a = new Float32Array(size(shape));
    if (shape.length === 2) {
      const limit = Math.sqrt(6 / (shape[0]! + shape[1]!));
      for (let i = 0; i < a.length; i++) a[i] = (2 * rng.nextFloat() - 1) * limit;
    }
    return a;
  });
  return { params, slots: params.map((p) => new Float32Array(p.length)) };
}

/** The initial state S_0 of every shard. */
export function initModel(seed: number, spec: MoeSpec = DEFAULT_MOE_SPEC): ModelState {
  return Object.fromEntries(shardNames(spec).map((name) => [name, initShard(name, seed, spec)]));
}

/** The parameters of each shard of a model state (what `trainStep` takes as `frozen`). */
export function paramsOf(states: Readonly<Record<string, ShardState>>): ModelParams {
  return Object.fromEntries(Object.entries(states).map(([name, s]) => [name, s.params]));
}

/** Uploads one shard's parameters as tensors (caller disposes, or calls inside tf.tidy). */
export function paramTensors(shard: string, params: readonly Float32Array[], spec: MoeSpec): tf.Tensor[] {
  return shardShapes(shard, spec).map((shape, i) => tf.tensor(params[i]!, shape, "float32"));
}

/** relu(x·W1 + b1)·W2 + b2. Call inside tf.tidy. */
export function mlpLogits(x: tf.Tensor2D, p: readonly tf.Tensor[]): tf.Tensor2D {
  const [w1, b1, w2, b2] = p as [tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D];
  const h = tf.relu(tf.add(tf.matMul(x, w1), b1));
  return tf.add(tf.matMul(h, w2), b2);
}

/** Gate routes (argmax of the gate logits, first index on ties) of b×inputSize inputs. */
export function routeBatch(gate: readonly Float32Array[], x: Float32Array, spec: MoeSpec = DEFAULT_MOE_SPEC): Int32Array {
  const b = x.length / spec.inputSize;
  let routes = new Int32Array(0);
  // Typed arrays leave tidy through the closure: tidy walks its return value element by element.
  tf.tidy(() => {
    const logits = mlpLogits(tf.tensor2d(x, [b, spec.inputSize]), paramTensors("gate", gate, spec));
    routes = new Int32Array(tf.argMax(logits, 1).dataSync());
  });
  return routes;
}

export interface Evaluation {
  /** Fraction of samples the top-1-routed MoE classifies correctly. */
  readonly accuracy: number;
  /** How many samples the gate sent to each expert. */
  readonly routed: number[];
}

/** Evaluates the combined model (gate argmax picks one expert per sample) on the first `limit` samples. */
export function evaluate(
  states: Readonly<Record<string, Pick<ShardState, "params">>>,
  testSet: MnistDataset,
  options: { spec?: MoeSpec; limit?: number; chunk?: number } = {},
): Evaluation {
  const spec = options.spec ?? DEFAULT_MOE_SPEC;
  const n = Math.min(options.limit ?? testSet.count, testSet.count);
  const chunk = options.chunk ?? 1000;
  const names = shardNames(spec);
  for (const name of names) checkArrays(name, states[name]?.params, spec, "params");
  const routed = new Array<number>(spec.experts).fill(0);
  let correct = 0;
  for (let start = 0; start < n; start += chunk) {
    const b = Math.min(chunk, n - start);
    const x = imageRows(testSet, start, b);
    const routes = routeBatch(states.gate!.params, x, spec);
    let preds: Int32Array[] = [];
    tf.tidy(() => {
      const xt = tf.tensor2d(x, [b, spec.inputSize]);
      preds = names
        .slice(1)
        .map((name) => new Int32Array(tf.argMax(mlpLogits(xt, paramTensors(name, states[name]!.params, spec)), 1).dataSync()));
    });
    for (let i = 0; i < b; i++) {
      const e = routes[i]!;
      routed[e]! += 1;
      if (preds[e]![i] === testSet.labels[start + i]) correct += 1;
    }
  }
  return { accuracy: n === 0 ? 0 : correct / n, routed };
}

/** Accuracy of the full MoE (top-1 routing) on the test set (or its first `limit` samples). */
export function combinedAccuracy(
  states: Readonly<Record<string, Pick<ShardState, "params">>>,
  testSet: MnistDataset,
  options: { spec?: MoeSpec; limit?: number } = {},
): number {
  return evaluate(states, testSet, options).accuracy;
}
