// The reference training step of exact mode: the gate step and the expert step of lib/ml/step.ts (same
// losses, same routing, SGD with momentum), written as a fixed sequence of the tensor operations of
// tensor-ops.ts in binary32. Every machine computes the same bits. docs/PROTOCOL.md §"Reference step"
// lists the operations in this order; `trace` receives each one's output as it is computed.
//
// Shapes are those of lib/ml/moe.ts: a shard's parameters are [W1 [in, h], b1 [h], W2 [h, o], b2 [o]].
// Inputs are assumed valid (lib/ml/step.ts checks them before it calls here).
import { add, div, log32, mul, sub } from "./f32.ts";
import { matmul } from "./matmul.ts";
import {
  addAll,
  addBias,
  colSum,
  divRow,
  divScalar,
  expAll,
  logAll,
  matmulBT,
  matmulTA,
  relu,
  reluGrad,
  rowArgmax,
  rowMax,
  rowSum,
  subRow,
  sum,
} from "./tensor-ops.ts";

export interface KernelSpec {
  readonly inputSize: number;
  readonly classes: number;
  readonly experts: number;
  readonly gateHidden: number;
  readonly expertHidden: number;
}
export interface KernelState {
  readonly params: Float32Array[];
  readonly slots: Float32Array[];
}
export interface KernelConfig {
  readonly spec: KernelSpec;
  readonly learningRate: number;
  readonly momentum: number;
  readonly balance: number;
}
/** Receives each operation's output in order: its name (docs/PROTOCOL.md) and values. */
export type TraceSink = (name: string, values: Float32Array) => void;

/** ε in the gate's KL term, log(m + ε). */
export const KL_EPSILON = Math.fround(1e-12);

interface Forward {
  z1: Float32Array;
  a1: Float32Array;
  h: Float32Array;
  z2: Float32Array;
  logits: Float32Array;
}

/** relu(x·W1 ⊕ b1)·W2 ⊕ b2 over n rows. */
function mlpForward(prefix: string, x: Float32Array, n: number, p: readonly Float32Array[], inSize: number, hidden: number, out: number, trace?: TraceSink): Forward {
  const z1 = matmul(x, p[0]!, n, inSize, hidden);
  trace?.(`${prefix}.z1`, z1);
  const a1 = addBias(z1, p[1]!, n, hidden);
  trace?.(`${prefix}.a1`, a1);
  const h = relu(a1);
  trace?.(`${prefix}.h`, h);
  const z2 = matmul(h, p[2]!, n, hidden, out);
  trace?.(`${prefix}.z2`, z2);
  const logits = addBias(z2, p[3]!, n, out);
  trace?.(`${prefix}.logits`, logits);
  return { z1, a1, h, z2, logits };
}

interface LogSoftmax {
  /** max_j, per row */
  m: Float32Array;
  /** log32 of the row's Σ exp, per row */
  ls: Float32Array;
  /** exp(logits − max), per element */
  e: Float32Array;
  /** Σ_j e, per row */
  s: Float32Array;
  logp: Float32Array;
}

/** logp[i][j] = (l[i][j] ⊖ m_i) ⊖ log32(Σ_j exp32(l[i][j] ⊖ m_i)), m_i = max_j l[i][j]. */
function logSoftmax(prefix: string, l: Float32Array, n: number, c: number, trace?: TraceSink): LogSoftmax {
  const m = rowMax(l, n, c);
  trace?.(`${prefix}.max`, m);
  const d = subRow(l, m, n, c);
  trace?.(`${prefix}.shifted`, d);
  const e = expAll(d);
  trace?.(`${prefix}.exp`, e);
  const s = rowSum(e, n, c);
  trace?.(`${prefix}.sumexp`, s);
  const ls = logAll(s);
  trace?.(`${prefix}.logsum`, ls);
  const logp = subRow(d, ls, n, c);
  trace?.(`${prefix}.logp`, logp);
  return { m, ls, e, s, logp };
}

/** Gradients [dW1, db1, dW2, db2] of an MLP given dL/dlogits. */
function mlpBackward(prefix: string, x: Float32Array, n: number, p: readonly Float32Array[], f: Forward, dLogits: Float32Array, inSize: number, hidden: number, out: number, trace?: TraceSink): Float32Array[] {
  const db2 = colSum(dLogits, n, out);
  trace?.(`${prefix}.db2`, db2);
  const dW2 = matmulTA(f.h, dLogits, n, hidden, out);
  trace?.(`${prefix}.dW2`, dW2);
  const dh = matmulBT(dLogits, p[2]!, n, out, hidden);
  trace?.(`${prefix}.dh`, dh);
  const da1 = reluGrad(f.a1, dh);
  trace?.(`${prefix}.da1`, da1);
  const db1 = colSum(da1, n, hidden);
  trace?.(`${prefix}.db1`, db1);
  const dW1 = matmulTA(x, da1, n, inSize, hidden);
  trace?.(`${prefix}.dW1`, dW1);
  return [dW1, db1, dW2, db2];
}

/** v' = (μ ⊗ v) ⊕ g, θ' = θ ⊖ (η ⊗ v'), μ and η rounded to binary32. */
export function momentumStep(state: KernelState, grads: readonly Float32Array[], learningRate: number, momentum: number, trace?: TraceSink): KernelState {
  const mu = Math.fround(momentum);
  const eta = Math.fround(learningRate);
  const params: Float32Array[] = [];
  const slots: Float32Array[] = [];
  state.params.forEach((p, k) => {
    const v = state.slots[k]!;
    const g = grads[k]!;
    const v2 = new Float32Array(p.length);
    const p2 = new Float32Array(p.length);
    for (let i = 0; i < p.length; i++) {
      v2[i] = add(mul(mu, v[i]!), g[i]!);
      p2[i] = sub(p[i]!, mul(eta, v2[i]!));
    }
    trace?.(`sgd.v${k}`, v2);
    trace?.(`sgd.p${k}`, p2);
    params.push(p2);
    slots.push(v2);
  });
  return { params, slots };
}

export interface KernelStepResult {
  readonly state: KernelState;
  readonly loss: number;
  readonly routed: number;
}

function expertName(e: number): string {
  return `expert-${e}`;
}

/**
 * The gate step: loss = −(1/n)·Σ_i logsumexp_e(logGate[i][e] ⊕ ll[i][e]) ⊕ β·KL(p̄ ‖ uniform), with
 * ll[i][e] = log p_e(y_i | x_i) of the frozen expert e, logGate the gate's log-softmax, p̄ the batch mean of
 * the gate's softmax. Gradient by hand (the order below is the spec).
 */
export function gateStep(state: KernelState, frozen: Readonly<Record<string, readonly Float32Array[]>>, x: Float32Array, y: Uint8Array, config: KernelConfig, trace?: TraceSink): KernelStepResult {
  const { spec, balance } = config;
  const n = y.length;
  const E = spec.experts;
  const nf = n; // an integer ≤ 2^24: exact in binary32
  // ll[i][e]
  const ll = new Float32Array(n * E);
  for (let e = 0; e < E; e++) {
    const f = mlpForward(`${expertName(e)}`, x, n, frozen[expertName(e)]!, spec.inputSize, spec.expertHidden, spec.classes, trace);
    const ls = logSoftmax(`${expertName(e)}`, f.logits, n, spec.classes, trace);
    for (let i = 0; i < n; i++) ll[i * E + e] = ls.logp[i * spec.classes + y[i]!]!;
  }
  trace?.("gate.ll", ll);
  const fwd = mlpForward("gate", x, n, state.params, spec.inputSize, spec.gateHidden, E, trace);
  const lg = logSoftmax("gate", fwd.logits, n, E, trace);
  const u = addAll(lg.logp, ll);
  trace?.("gate.joint", u);
  const ju = logSoftmax("gate.joint", u, n, E, trace);
  // lse_i = max_i ⊕ logsum_i; nll = (0 ⊖ Σ_i lse_i) ⊘ n
  const lse = new Float32Array(n);
  for (let i = 0; i < n; i++) lse[i] = add(ju.m[i]!, ju.ls[i]!);
  trace?.("gate.lse", lse);
  const nll = div(sub(0, sum(lse)), nf);
  // r = softmax(u) (responsibilities), p = softmax(gate logits)
  const r = divRow(ju.e, ju.s, n, E);
  trace?.("gate.resp", r);
  const p = divRow(lg.e, lg.s, n, E);
  trace?.("gate.prob", p);
  // G[i][e] = dL/dlogGate[i][e] = (0 ⊖ r) ⊘ n  ⊕  (β ⊗ q_e ⊘ n) ⊗ p   (the second term only if β > 0)
  const g = new Float32Array(n * E);
  for (let i = 0; i < g.length; i++) g[i] = div(sub(0, r[i]!), nf);
  let loss = nll;
  if (balance > 0) {
    const beta = Math.fround(balance);
    const pbar = divScalar(colSum(p, n, E), nf);
    trace?.("gate.pbar", pbar);
    let kl = 0;
    const kb = new Float32Array(E);
    for (let e = 0; e < E; e++) {
      const shifted = add(pbar[e]!, KL_EPSILON);
      const lp = log32(shifted);
      kl = add(kl, mul(pbar[e]!, lp));
      // d/dp̄ [p̄·log(p̄ + ε)] = log(p̄ + ε) ⊕ p̄ ⊘ (p̄ + ε)
      kb[e] = div(mul(beta, add(lp, div(pbar[e]!, shifted))), nf);
    }
    kl = add(kl, log32(E));
    loss = add(nll, mul(beta, kl));
    trace?.("gate.kb", kb);
    for (let i = 0; i < n; i++) for (let e = 0; e < E; e++) g[i * E + e] = add(g[i * E + e]!, mul(kb[e]!, p[i * E + e]!));
  }
  trace?.("gate.dlogp", g);
  // through log-softmax: dLogits[i][j] = G[i][j] ⊖ p[i][j] ⊗ Σ_e G[i][e]
  const sg = rowSum(g, n, E);
  trace?.("gate.sumdlogp", sg);
  const dLogits = new Float32Array(n * E);
  for (let i = 0; i < n; i++) for (let j = 0; j < E; j++) dLogits[i * E + j] = sub(g[i * E + j]!, mul(p[i * E + j]!, sg[i]!));
  trace?.("gate.dlogits", dLogits);
  const grads = mlpBackward("gate", x, n, state.params, fwd, dLogits, spec.inputSize, spec.gateHidden, E, trace);
  return { state: momentumStep(state, grads, config.learningRate, config.momentum, trace), loss, routed: n };
}

/** Top-1 routes of the batch under the gate parameters (argmax of the gate logits, first index on ties). */
export function routes(gate: readonly Float32Array[], x: Float32Array, n: number, spec: KernelSpec, trace?: TraceSink): Int32Array {
  const f = mlpForward("route", x, n, gate, spec.inputSize, spec.gateHidden, spec.experts, trace);
  return rowArgmax(f.logits, n, spec.experts);
}

/**
 * The step of expert `index`: mean cross-entropy over the batch rows the frozen gate routes to it, in batch
 * order. No row routed: the state is returned unchanged (fresh copies), loss 0.
 */
export function expertStep(index: number, state: KernelState, frozenGate: readonly Float32Array[], x: Float32Array, y: Uint8Array, config: KernelConfig, trace?: TraceSink): KernelStepResult {
  const { spec } = config;
  const route = routes(frozenGate, x, y.length, spec, trace);
  const picked: number[] = [];
  for (let i = 0; i < y.length; i++) if (route[i] === index) picked.push(i);
  const n = picked.length;
  if (n === 0) return { state: { params: state.params.map((a) => a.slice()), slots: state.slots.map((a) => a.slice()) }, loss: 0, routed: 0 };
  const xs = new Float32Array(n * spec.inputSize);
  const ys = new Uint8Array(n);
  picked.forEach((i, k) => {
    xs.set(x.subarray(i * spec.inputSize, (i + 1) * spec.inputSize), k * spec.inputSize);
    ys[k] = y[i]!;
  });
  const C = spec.classes;
  const fwd = mlpForward("expert", xs, n, state.params, spec.inputSize, spec.expertHidden, C, trace);
  const ls = logSoftmax("expert", fwd.logits, n, C, trace);
  let nll = 0;
  for (let i = 0; i < n; i++) nll = add(nll, ls.logp[i * C + ys[i]!]!);
  const loss = div(sub(0, nll), n);
  // dLogits = (softmax ⊖ onehot) ⊘ n
  const dLogits = divRow(ls.e, ls.s, n, C);
  for (let i = 0; i < n; i++) dLogits[i * C + ys[i]!] = sub(dLogits[i * C + ys[i]!]!, 1);
  for (let i = 0; i < dLogits.length; i++) dLogits[i] = div(dLogits[i]!, n);
  trace?.("expert.dlogits", dLogits);
  const grads = mlpBackward("expert", xs, n, state.params, fwd, dLogits, spec.inputSize, spec.expertHidden, C, trace);
  return { state: momentumStep(state, grads, config.learningRate, config.momentum, trace), loss, routed: n };
}
