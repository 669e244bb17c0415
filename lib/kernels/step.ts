// The reference training step of exact mode: the gate step and the expert step of lib/ml/step.ts (same
// losses, same routing, SGD with momentum) as programs (program.ts) of binary32 operations, run by run.ts.
// Every machine computes the same bits. docs/PROTOCOL.md 3.8 lists the operations in this order; a trace
// sink receives each output as it is computed.
//
// Inputs, in this order: the shard's parameters [W1 [in, h], b1 [1, h], W2 [h, o], b2 [1, o]] and their
// momentum slots (same shapes); the frozen parameters the step reads (the gate step: every expert's, in
// order; an expert step: the gate's); the batch x [n, in] and its labels y [n, 1].
// Inputs are assumed valid (lib/ml/step.ts checks them before it calls here).
import { add, div, log32, mul, sub } from "./f32.ts";
import { ProgramBuilder, type Program, type Shape } from "./program.ts";
import { ProgramRunner, type TraceSink } from "./run.ts";

export type { TraceSink } from "./run.ts";

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

/** ε in the gate's KL term, log(p̄ + ε). */
export const KL_EPSILON = Math.fround(1e-12);

const PARAM_NAMES = ["W1", "b1", "W2", "b2"] as const;

/** Shapes of an MLP's [W1, b1, W2, b2]. */
export function mlpShapes(inSize: number, hidden: number, out: number): Shape[] {
  return [
    [inSize, hidden],
    [1, hidden],
    [hidden, out],
    [1, out],
  ];
}

function addParams(b: ProgramBuilder, prefix: string, shapes: readonly Shape[]): number[] {
  return shapes.map((shape, k) => b.input(`${prefix}.${PARAM_NAMES[k]}`, shape));
}

interface Forward {
  a1: number;
  h: number;
  logits: number;
}

/** relu(x·W1 ⊕ b1)·W2 ⊕ b2 over the rows of x. */
function mlpForward(b: ProgramBuilder, prefix: string, x: number, p: readonly number[]): Forward {
  const [n] = b.shapeOf(x);
  const [inSize, hidden] = b.shapeOf(p[0]!);
  const out = b.shapeOf(p[2]!)[1];
  const w1t = b.op(`${prefix}.W1T`, "transpose", [p[0]!], [hidden, inSize]);
  const z1 = b.op(`${prefix}.z1`, "matmulNT", [x, w1t], [n, hidden]);
  const a1 = b.op(`${prefix}.a1`, "addRow", [z1, p[1]!], [n, hidden]);
  const h = b.op(`${prefix}.h`, "relu", [a1], [n, hidden]);
  const w2t = b.op(`${prefix}.W2T`, "transpose", [p[2]!], [out, hidden]);
  const z2 = b.op(`${prefix}.z2`, "matmulNT", [h, w2t], [n, out]);
  const logits = b.op(`${prefix}.logits`, "addRow", [z2, p[3]!], [n, out]);
  return { a1, h, logits };
}

interface LogSoftmax {
  max: number;
  exp: number;
  sumexp: number;
  logsum: number;
  logp: number;
}

/** logp[i][j] = (l[i][j] ⊖ max_i) ⊖ log32(Σ_j exp32(l[i][j] ⊖ max_i)). */
function logSoftmax(b: ProgramBuilder, prefix: string, l: number): LogSoftmax {
  const [n, c] = b.shapeOf(l);
  const max = b.op(`${prefix}.max`, "rowMax", [l], [n, 1]);
  const shifted = b.op(`${prefix}.shifted`, "subCol", [l, max], [n, c]);
  const exp = b.op(`${prefix}.exp`, "exp", [shifted], [n, c]);
  const sumexp = b.op(`${prefix}.sumexp`, "rowSum", [exp], [n, 1]);
  const logsum = b.op(`${prefix}.logsum`, "log", [sumexp], [n, 1]);
  const logp = b.op(`${prefix}.logp`, "subCol", [shifted, logsum], [n, c]);
  return { max, exp, sumexp, logsum, logp };
}

/** Gradients [dW1, db1, dW2, db2] of an MLP given dL/dlogits, then SGD: the new params and slots. */
function mlpBackwardAndStep(b: ProgramBuilder, prefix: string, x: number, params: readonly number[], slots: readonly number[], f: Forward, dLogits: number, config: KernelConfig): void {
  const [n, out] = b.shapeOf(dLogits);
  const [inSize, hidden] = b.shapeOf(params[0]!);
  const dlt = b.op(`${prefix}.dlogitsT`, "transpose", [dLogits], [out, n]);
  const db2 = b.op(`${prefix}.db2`, "rowSumT", [dlt], [1, out]);
  const ht = b.op(`${prefix}.hT`, "transpose", [f.h], [hidden, n]);
  const dW2 = b.op(`${prefix}.dW2`, "matmulNT", [ht, dlt], [hidden, out]);
  const dh = b.op(`${prefix}.dh`, "matmulNT", [dLogits, params[2]!], [n, hidden]);
  const da1 = b.op(`${prefix}.da1`, "reluGrad", [f.a1, dh], [n, hidden]);
  const da1t = b.op(`${prefix}.da1T`, "transpose", [da1], [hidden, n]);
  const db1 = b.op(`${prefix}.db1`, "rowSumT", [da1t], [1, hidden]);
  const xt = b.op(`${prefix}.xT`, "transpose", [x], [inSize, n]);
  const dW1 = b.op(`${prefix}.dW1`, "matmulNT", [xt, da1t], [inSize, hidden]);
  const grads = [dW1, db1, dW2, db2];
  const velocities = grads.map((g, k) => b.op(`sgd.v${k}`, "sgdVelocity", [slots[k]!, g], b.shapeOf(g), [config.momentum]));
  velocities.forEach((v, k) => b.op(`sgd.p${k}`, "sgdParam", [params[k]!, v], b.shapeOf(v), [config.learningRate]));
}

function expertName(e: number): string {
  return `expert-${e}`;
}

export interface KernelStepResult {
  readonly state: KernelState;
  readonly loss: number;
  readonly routed: number;
}

/**
 * The new state: the last eight tensors of a training program (sgd.v0…3, sgd.p0…3 in that order), taken out
 * of the scratch buffers so that the next step of the same program does not overwrite them.
 */
function newState(r: ProgramRunner, scratch: (Float32Array | undefined)[], ops: number): KernelState {
  const n = r.tensors.length;
  const last = Array.from({ length: 8 }, (_, k) => r.get(n - 8 + k));
  for (let k = ops - 8; k < ops; k++) scratch[k] = undefined;
  return { slots: last.slice(0, 4), params: last.slice(4) };
}

/**
 * Programs and their scratch buffers, kept across steps: a trainer runs the same program (same batch size,
 * same routed count for an expert) step after step, and rebuilding it or reallocating every intermediate
 * tensor each time costs a tenth of a step in allocation and garbage collection. Bounded: a few programs per
 * shape at most (an expert has one per routed count ≤ batch size).
 */
interface Compiled {
  readonly builder: ProgramBuilder;
  readonly scratch: (Float32Array | undefined)[];
}
const compiled = new Map<string, Compiled>();
const MAX_COMPILED = 512;

function compile(key: string, build: () => ProgramBuilder): Compiled {
  let c = compiled.get(key);
  if (!c) {
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    c = { builder: build(), scratch: [] };
    compiled.set(key, c);
  }
  return c;
}

function configKey(kind: string, n: number, config: KernelConfig, extra = ""): string {
  const s = config.spec;
  return [kind, n, extra, s.inputSize, s.classes, s.experts, s.gateHidden, s.expertHidden, config.learningRate, config.momentum, config.balance].join(":");
}

/** The gate step's program for a batch of n rows (docs/PROTOCOL.md 3.8). */
export function gateProgram(n: number, config: KernelConfig): Program {
  return buildGate(n, config).program();
}

function buildGate(n: number, config: KernelConfig): ProgramBuilder {
  const { spec } = config;
  const E = spec.experts;
  const b = new ProgramBuilder();
  const shapes = mlpShapes(spec.inputSize, spec.gateHidden, E);
  const params = addParams(b, "gate", shapes);
  const slots = shapes.map((shape, k) => b.input(`gate.v${k}`, shape));
  const experts = Array.from({ length: E }, (_, e) => addParams(b, expertName(e), mlpShapes(spec.inputSize, spec.expertHidden, spec.classes)));
  const x = b.input("x", [n, spec.inputSize]);
  const y = b.input("y", [n, 1]);
  const ll = experts.map((p, e) => {
    const f = mlpForward(b, expertName(e), x, p);
    const ls = logSoftmax(b, expertName(e), f.logits);
    return b.op(`${expertName(e)}.ll`, "pickLabel", [ls.logp, y], [n, 1]);
  });
  const llAll = b.op("gate.ll", "concatCols", ll, [n, E]);
  const f = mlpForward(b, "gate", x, params);
  const lg = logSoftmax(b, "gate", f.logits);
  const joint = b.op("gate.joint", "add", [lg.logp, llAll], [n, E]);
  const lj = logSoftmax(b, "gate.joint", joint);
  const resp = b.op("gate.resp", "divCol", [lj.exp, lj.sumexp], [n, E]);
  const prob = b.op("gate.prob", "divCol", [lg.exp, lg.sumexp], [n, E]);
  let g = b.op("gate.g", "negDiv", [resp], [n, E], [n]);
  if (config.balance > 0) {
    const probT = b.op("gate.probT", "transpose", [prob], [E, n]);
    const sums = b.op("gate.probsum", "rowSumT", [probT], [1, E]);
    const pbar = b.op("gate.pbar", "divScalar", [sums], [1, E], [n]);
    const kb = b.op("gate.kb", "klGrad", [pbar], [1, E], [config.balance, KL_EPSILON, n]);
    g = b.op("gate.dlogp", "addScaledRow", [g, kb, prob], [n, E]);
  }
  const sg = b.op("gate.sumdlogp", "rowSum", [g], [n, 1]);
  const dLogits = b.op("gate.dlogits", "subScaledCol", [g, prob, sg], [n, E]);
  mlpBackwardAndStep(b, "gate", x, params, slots, f, dLogits, config);
  return b;
}

/**
 * The gate step: loss = −(1/n)·Σ_i logsumexp_e(logGate[i][e] ⊕ ll[i][e]) ⊕ β·KL(p̄ ‖ uniform), with
 * ll[i][e] = log p_e(y_i | x_i) of the frozen expert e, logGate the gate's log-softmax, p̄ the batch mean of
 * the gate's softmax. The gradient is written out by hand in the program.
 */
export function gateStep(state: KernelState, frozen: Readonly<Record<string, readonly Float32Array[]>>, x: Float32Array, y: Uint8Array, config: KernelConfig, trace?: TraceSink): KernelStepResult {
  const n = y.length;
  const { builder: b, scratch } = compile(configKey("gate", n, config), () => buildGate(n, config));
  const inputs = [...state.params, ...state.slots];
  for (let e = 0; e < config.spec.experts; e++) inputs.push(...frozen[expertName(e)]!);
  inputs.push(x, Float32Array.from(y));
  const r = new ProgramRunner(b, inputs, trace, { scratch }).run();
  const loss = gateLoss(b, r, n, config);
  return { state: newState(r, scratch, b.ops.length), loss, routed: n };
}

/** The loss reported (not traced: it does not enter the state). */
function gateLoss(b: ProgramBuilder, r: ProgramRunner, n: number, config: KernelConfig): number {
  const max = r.get(b.indexOf("gate.joint.max"));
  const logsum = r.get(b.indexOf("gate.joint.logsum"));
  let s = 0;
  for (let i = 0; i < n; i++) s = add(s, add(max[i]!, logsum[i]!));
  const nll = div(sub(0, s), n);
  if (!(config.balance > 0)) return nll;
  const pbar = r.get(b.indexOf("gate.pbar"));
  let kl = 0;
  for (let e = 0; e < pbar.length; e++) kl = add(kl, mul(pbar[e]!, log32(add(pbar[e]!, KL_EPSILON))));
  kl = add(kl, log32(config.spec.experts));
  return add(nll, mul(Math.fround(config.balance), kl));
}

function buildRoute(n: number, config: KernelConfig): { b: ProgramBuilder; x: number; y: number; route: number; params: number[]; slots: number[] } {
  const { spec } = config;
  const b = new ProgramBuilder();
  const shapes = mlpShapes(spec.inputSize, spec.expertHidden, spec.classes);
  const params = addParams(b, "expert", shapes);
  const slots = shapes.map((shape, k) => b.input(`expert.v${k}`, shape));
  const gate = addParams(b, "route", mlpShapes(spec.inputSize, spec.gateHidden, spec.experts));
  const x = b.input("x", [n, spec.inputSize]);
  const y = b.input("y", [n, 1]);
  const f = mlpForward(b, "route", x, gate);
  const route = b.op("route.idx", "rowArgmaxT", [f.logits], [1, n]);
  return { b, x, y, route, params, slots };
}

/** The rest of the expert step once `m` rows are routed to it (m ≥ 1). */
function buildExpertTraining(parts: ReturnType<typeof buildRoute>, index: number, m: number, config: KernelConfig): void {
  const { b, x, y, route, params, slots } = parts;
  const picked = b.op("expert.rows", "selectIndex", [route], [1, m], [index]);
  const xs = b.op("expert.x", "gatherRows", [x, picked], [m, config.spec.inputSize]);
  const ys = b.op("expert.y", "gatherRows", [y, picked], [m, 1]);
  const f = mlpForward(b, "expert", xs, params);
  const ls = logSoftmax(b, "expert", f.logits);
  const dLogits = b.op("expert.dlogits", "xentGrad", [ls.exp, ls.sumexp, ys], [m, config.spec.classes], [m]);
  mlpBackwardAndStep(b, "expert", xs, params, slots, f, dLogits, config);
}

/** The expert step's program for a batch of n rows of which `m` are routed to expert `index` (m = 0: routing only). */
export function expertProgram(index: number, n: number, m: number, config: KernelConfig): Program {
  const parts = buildRoute(n, config);
  if (m > 0) buildExpertTraining(parts, index, m, config);
  return parts.b.program();
}

/**
 * The step of expert `index`: mean cross-entropy over the batch rows the frozen gate routes to it, in batch
 * order. No row routed: the state is returned unchanged (fresh copies), loss 0.
 */
export function expertStep(index: number, state: KernelState, frozenGate: readonly Float32Array[], x: Float32Array, y: Uint8Array, config: KernelConfig, trace?: TraceSink): KernelStepResult {
  const n = y.length;
  const inputs = [...state.params, ...state.slots, ...frozenGate, x, Float32Array.from(y)];
  // Routing first (the same operations for every m), then the program for the routed count m, which begins
  // with those operations: their outputs carry over.
  const route = compile(configKey("route", n, config), () => buildRoute(n, config).b);
  const r0 = new ProgramRunner(route.builder, inputs, trace, { scratch: route.scratch }).run();
  const routes = r0.get(route.builder.indexOf("route.idx"));
  let m = 0;
  for (let i = 0; i < n; i++) if (routes[i] === index) m++;
  if (m === 0) return { state: { params: state.params.map((a) => a.slice()), slots: state.slots.map((a) => a.slice()) }, loss: 0, routed: 0 };
  const full = compile(configKey("expert", n, config, `${index}:${m}`), () => {
    const parts = buildRoute(n, config);
    buildExpertTraining(parts, index, m, config);
    return parts.b;
  });
  const computed = r0.tensors.slice(inputs.length);
  const r = new ProgramRunner(full.builder, inputs, trace, { scratch: full.scratch, computed }).run();
  const b = full.builder;
  const logp = r.get(b.indexOf("expert.logp"));
  const ys = r.get(b.indexOf("expert.y"));
  const C = config.spec.classes;
  let nll = 0;
  for (let i = 0; i < m; i++) nll = add(nll, logp[i * C + ys[i]!]!);
  return { state: newState(r, full.scratch, b.ops.length), loss: div(sub(0, nll), m), routed: m };
}

/** Top-1 routes of a batch under the gate parameters (argmax of the gate logits, first index on ties). */
export function routes(gate: readonly Float32Array[], x: Float32Array, n: number, spec: KernelSpec): Int32Array {
  const b = new ProgramBuilder();
  const p = addParams(b, "route", mlpShapes(spec.inputSize, spec.gateHidden, spec.experts));
  const xi = b.input("x", [n, spec.inputSize]);
  const f = mlpForward(b, "route", xi, p);
  const idx = b.op("route.idx", "rowArgmaxT", [f.logits], [1, n]);
  const r = new ProgramRunner(b, [...gate, x]).run();
  return Int32Array.from(r.get(idx));
}
