// The one training step that trainers run and verifiers replay: a pure function of
// (shard state, frozen S_r of the other shards, batch, StepConfig).
//
// Optimizer: SGD with heavy-ball momentum (PyTorch convention, no dampening, no weight decay):
//   v' = f32(μ·v + g),  θ' = f32(θ − η·v')
// The slots are the velocities v, one per parameter, same shapes. Gradients come from tfjs
// (tf.valueAndGrads inside tf.tidy); the update runs in plain JavaScript (float64 arithmetic, one
// rounding to float32 per stored value), so it is identical on every backend and only the gradient
// depends on the backend's kernels.
//
// Losses:
// - gate: the mixture likelihood of the combined model with SOFT routing and the experts frozen at S_r,
//     loss = −mean_i log Σ_e softmax(gate(x_i))_e · softmax(expert_e(x_i))[y_i]
//   (computed as a logsumexp of log-probabilities): the gate learns to send each sample to the expert
//   that is most likely to be right on it. Plus β·KL(p̄ ‖ uniform) = β·(log E − H(p̄)), p̄ the batch mean
//   of the gate's softmax: without it the gate soon sends everything to the expert that got the most data
//   in round 0 and the other expert shards starve (measured: all 2,000 test samples on one expert after
//   one round); with β = 0.5 all experts keep a share.
// - expert e: mean cross-entropy over the batch samples that the frozen gate at S_r routes to e
//   (top-1, argmax, first index on ties). If none are routed, the step is the identity: the state is
//   returned unchanged (as fresh copies), loss 0 and routed 0; the step counter t still advances in the
//   trajectory, so s_{t+1} = s_t and the step remains re-executable.
import * as tf from "@tensorflow/tfjs";
import { expertStep, gateStep, type TraceSink } from "../kernels/step.ts";
import { BatchError, ShardStateError } from "./errors.ts";
import type { Batch } from "./mnist.ts";
import {
  checkArrays,
  DEFAULT_MOE_SPEC,
  expertName,
  mlpLogits,
  paramTensors,
  parseShard,
  routeBatch,
  type ModelParams,
  type MoeSpec,
  type ShardState,
} from "./moe.ts";

/** Everything besides state, frozen parameters and batch that a step depends on (fixed by the run spec). */
export interface StepConfig {
  readonly spec: MoeSpec;
  /** η */
  readonly learningRate: number;
  /** μ */
  readonly momentum: number;
  /** β: weight of the gate's load-balancing term (0 disables it). */
  readonly balance: number;
  /**
   * Who computes the step: "tfjs" (the active tfjs backend's kernels, tolerance mode) or "reference" (the
   * fixed-order binary32 kernels of lib/kernels, bit-identical on every machine: exact mode). Default tfjs.
   */
  readonly arithmetic?: Arithmetic;
  /**
   * Reference arithmetic only: receives each operation's output (docs/PROTOCOL.md 3.8) before the next
   * operation reads it. Honest peers leave it unset; the `one-op` attack under test alters one element.
   */
  readonly trace?: TraceSink;
}

export type Arithmetic = "tfjs" | "reference";

export const DEFAULT_STEP_CONFIG: StepConfig = { spec: DEFAULT_MOE_SPEC, learningRate: 0.05, momentum: 0.9, balance: 0.5 };

export interface StepResult {
  /** s_{t+1}: fresh arrays, never aliases of the input state. */
  readonly state: ShardState;
  /** The loss minimised, at s_t on this batch (before the update); 0 when `routed` is 0. */
  readonly loss: number;
  /** Samples that contributed to the gradient: the batch size for the gate, routed samples for an expert. */
  readonly routed: number;
}

/** Checks a batch against the spec; throws `BatchError`. */
export function checkBatch(batch: Batch, spec: MoeSpec): number {
  if (!(batch.x instanceof Float32Array) || !(batch.y instanceof Uint8Array)) {
    throw new BatchError("batch: x must be a Float32Array and y a Uint8Array");
  }
  const b = batch.y.length;
  if (b === 0 || batch.x.length !== b * spec.inputSize) {
    throw new BatchError(`batch: ${batch.x.length} inputs for ${b} labels (need ${spec.inputSize} per label, b ≥ 1)`, {
      inputs: batch.x.length,
      labels: b,
    });
  }
  for (let i = 0; i < b; i++) {
    if (batch.y[i]! >= spec.classes) throw new BatchError(`batch: label ${batch.y[i]} at ${i}`, { index: i });
  }
  for (let i = 0; i < batch.x.length; i++) {
    if (!Number.isFinite(batch.x[i]!)) throw new BatchError(`batch: input ${i} is not finite`, { index: i });
  }
  return b;
}

function checkConfig(config: StepConfig): void {
  const { learningRate: lr, momentum: mu, balance } = config;
  if (config.arithmetic !== undefined && config.arithmetic !== "tfjs" && config.arithmetic !== "reference") {
    throw new ShardStateError(`step config: arithmetic must be "tfjs" or "reference"`, { arithmetic: config.arithmetic });
  }
  if (!(Number.isFinite(lr) && lr > 0 && Number.isFinite(mu) && mu >= 0 && mu < 1 && Number.isFinite(balance) && balance >= 0)) {
    throw new ShardStateError("step config: need learningRate > 0, 0 ≤ momentum < 1 and balance ≥ 0", { lr, mu, balance });
  }
}

function copyState(state: ShardState): ShardState {
  return { params: state.params.map((p) => p.slice()), slots: state.slots.map((s) => s.slice()) };
}

function momentumUpdate(state: ShardState, grads: readonly Float32Array[], config: StepConfig): ShardState {
  const { learningRate: lr, momentum: mu } = config;
  const params: Float32Array[] = [];
  const slots: Float32Array[] = [];
  state.params.forEach((p, k) => {
    const v = state.slots[k]!;
    const g = grads[k]!;
    const p2 = new Float32Array(p.length);
    const v2 = new Float32Array(p.length);
    for (let i = 0; i < p.length; i++) {
      v2[i] = mu * v[i]! + g[i]!;
      p2[i] = p[i]! - lr * v2[i]!;
    }
    params.push(p2);
    slots.push(v2);
  });
  return { params, slots };
}

/**
 * One-hot labels built in JavaScript. Not tf.oneHot(…, "float32"): tfjs-backend-wasm 4.22 writes the integer
 * bit pattern 1 into the float buffer (values 1.4e-45 instead of 1), which silently zeroes the loss.
 */
function oneHot(y: Uint8Array, classes: number): tf.Tensor2D {
  const out = new Float32Array(y.length * classes);
  for (let i = 0; i < y.length; i++) out[i * classes + y[i]!] = 1;
  return tf.tensor2d(out, [y.length, classes]);
}

type Grads = { loss: number; grads: Float32Array[] };

/**
 * Runs `body` in tf.tidy and reads its loss and gradients back. The arrays leave through a closure, not as
 * tidy's return value: tidy walks what it returns element by element, which made a step 4× slower.
 */
function tidyGrads(body: () => { value: tf.Tensor; grads: tf.Tensor[] }): Grads {
  const out: Grads = { loss: Number.NaN, grads: [] };
  tf.tidy(() => {
    const { value, grads } = body();
    out.loss = value.dataSync()[0]!;
    out.grads = grads.map((g) => new Float32Array(g.dataSync()));
  });
  return out;
}

function gateGrads(state: ShardState, frozen: ModelParams, batch: Batch, b: number, spec: MoeSpec, balance: number): Grads {
  return tidyGrads(() => {
    const x = tf.tensor2d(batch.x, [b, spec.inputSize]);
    const onehot = oneHot(batch.y, spec.classes);
    // log p_e(y_i | x_i) of each frozen expert: [b, E], constant with respect to the gate.
    const expertLogLik = tf.stack(
      Array.from({ length: spec.experts }, (_, e) => {
        const logits = mlpLogits(x, paramTensors(expertName(e), frozen[expertName(e)]!, spec));
        return tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), 1);
      }),
      1,
    );
    const loss = (...p: tf.Tensor[]): tf.Tensor => {
      const logGate = tf.logSoftmax(mlpLogits(x, p));
      const nll = tf.neg(tf.mean(tf.logSumExp(tf.add(logGate, expertLogLik), 1)));
      if (balance === 0) return nll;
      // KL(mean gate distribution ‖ uniform) = log E − H(p̄) ≥ 0: penalises a gate that sends the batch to few experts.
      const mean = tf.mean(tf.exp(logGate), 0);
      const kl = tf.add(tf.sum(tf.mul(mean, tf.log(tf.add(mean, 1e-12)))), Math.log(spec.experts));
      return tf.add(nll, tf.mul(kl, balance));
    };
    return tf.valueAndGrads(loss)(paramTensors("gate", state.params, spec));
  });
}

function expertGrads(shard: string, state: ShardState, x: Float32Array, y: Uint8Array, spec: MoeSpec): Grads {
  const b = y.length;
  return tidyGrads(() => {
    const xt = tf.tensor2d(x, [b, spec.inputSize]);
    const onehot = oneHot(y, spec.classes);
    const loss = (...p: tf.Tensor[]): tf.Tensor => tf.neg(tf.mean(tf.sum(tf.mul(onehot, tf.logSoftmax(mlpLogits(xt, p))), 1)));
    return tf.valueAndGrads(loss)(paramTensors(shard, state.params, spec));
  });
}

/**
 * One optimizer step of `shard` from `state` on `batch`, reading the other shards' parameters at S_r from
 * `frozen` (the gate needs every expert; an expert needs the gate). Validates every input first and throws
 * `ShardStateError` / `BatchError`; allocates no tensor that outlives the call.
 */
export function trainStep(
  shard: string,
  state: ShardState,
  frozen: ModelParams,
  batch: Batch,
  config: StepConfig = DEFAULT_STEP_CONFIG,
): StepResult {
  const spec = config.spec;
  const ref = parseShard(shard, spec);
  checkConfig(config);
  checkArrays(shard, state?.params, spec, "params");
  checkArrays(shard, state?.slots, spec, "slots");
  const b = checkBatch(batch, spec);
  if (config.arithmetic === "reference") {
    if (ref.kind === "gate") {
      for (let e = 0; e < spec.experts; e++) checkArrays(expertName(e), frozen[expertName(e)], spec, "frozen params");
      return gateStep(state, frozen, batch.x, batch.y, config, config.trace);
    }
    checkArrays("gate", frozen.gate, spec, "frozen params");
    return expertStep(ref.index, state, frozen.gate!, batch.x, batch.y, config, config.trace);
  }
  if (ref.kind === "gate") {
    for (let e = 0; e < spec.experts; e++) checkArrays(expertName(e), frozen[expertName(e)], spec, "frozen params");
    const { loss, grads } = gateGrads(state, frozen, batch, b, spec, config.balance);
    return { state: momentumUpdate(state, grads, config), loss, routed: b };
  }
  checkArrays("gate", frozen.gate, spec, "frozen params");
  const routes = routeBatch(frozen.gate!, batch.x, spec);
  const picked: number[] = [];
  for (let i = 0; i < b; i++) if (routes[i] === ref.index) picked.push(i);
  if (picked.length === 0) return { state: copyState(state), loss: 0, routed: 0 };
  const x = new Float32Array(picked.length * spec.inputSize);
  const y = new Uint8Array(picked.length);
  picked.forEach((i, k) => {
    x.set(batch.x.subarray(i * spec.inputSize, (i + 1) * spec.inputSize), k * spec.inputSize);
    y[k] = batch.y[i]!;
  });
  const { loss, grads } = expertGrads(shard, state, x, y, spec);
  return { state: momentumUpdate(state, grads, config), loss, routed: picked.length };
}
