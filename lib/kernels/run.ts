// Runs a program (program.ts) on whole tensors, fast: the matrix products on the SIMD kernel, the rest in
// loops over Float32Arrays (each store rounds to binary32 once, so `out[i] = a + b` is ⊕). The bits are those
// of element.ts, operation by operation (a test checks every element of real steps).
import { add, div, exp32, log32, mul, sub } from "./f32.ts";
import { matmul, transpose } from "./matmul.ts";
import { ProgramError, type OpDef, type Program, type Shape } from "./program.ts";

/** Receives each operation's output (and its index in the program) before the next operation reads it. */
export type TraceSink = (name: string, values: Float32Array, op: number) => void;

export interface RunnerOptions {
  /**
   * Output buffers indexed by operation, lent from an earlier run of the same program (every kind writes every
   * element of its output, so a reused buffer needs no clearing); buffers allocated now are kept in it. A caller
   * that passes it must treat every output it does not take out of `scratch` as overwritten by the next run.
   */
  scratch?: (Float32Array | undefined)[];
  /** The outputs of the first operations, already computed (by a runner of a program that begins the same way). */
  computed?: readonly (Float32Array | undefined)[];
}

export class ProgramRunner {
  /** Every tensor computed so far; a transpose nobody has read yet is left out (undefined) unless traced. */
  readonly tensors: (Float32Array | undefined)[] = [];
  #program: { inputs: readonly { name: string; shape: Shape }[]; ops: readonly OpDef[] };
  #done = 0;
  readonly #trace: TraceSink | undefined;
  readonly #scratch: (Float32Array | undefined)[] | undefined;

  /** `program` may grow after construction (a builder's live arrays); `run()` computes what is new. */
  constructor(program: Program, inputs: readonly Float32Array[], trace?: TraceSink, options: RunnerOptions = {}) {
    this.#program = program;
    this.#trace = trace;
    this.#scratch = options.scratch;
    if (inputs.length !== program.inputs.length) throw new ProgramError(`${inputs.length} inputs for ${program.inputs.length}`);
    program.inputs.forEach((def, t) => {
      if (inputs[t]!.length !== def.shape[0] * def.shape[1]) throw new ProgramError(`input ${def.name}: ${inputs[t]!.length} values for ${def.shape.join("×")}`);
      this.tensors.push(inputs[t]!);
    });
    // Outputs of the program's first operations computed by an earlier runner of a program that starts alike.
    for (const v of options.computed ?? []) {
      this.tensors.push(v);
      this.#done++;
    }
  }

  /** Computes the operations not yet computed. */
  run(): this {
    const p = this.#program;
    for (; this.#done < p.ops.length; this.#done++) {
      const op = p.ops[this.#done]!;
      // A transpose is often read only as matmulNT's right factor, which multiplies by its argument instead:
      // it is computed when something else reads it (or a trace wants every output).
      if (op.kind === "transpose" && this.#trace === undefined) {
        this.tensors.push(undefined);
        continue;
      }
      const out = this.#compute(op, this.#done);
      this.#trace?.(op.name, out, this.#done);
      this.tensors.push(out);
    }
    return this;
  }

  /** The values of tensor t (computing a deferred transpose). */
  get(t: number): Float32Array {
    const p = this.#program;
    if (t >= this.tensors.length) throw new ProgramError(`tensor ${t} is not computed`);
    let v = this.tensors[t];
    if (v === undefined) {
      v = this.#compute(p.ops[t - p.inputs.length]!, t - p.inputs.length);
      this.tensors[t] = v;
    }
    return v;
  }

  #shape(t: number): Shape {
    const p = this.#program;
    return t < p.inputs.length ? p.inputs[t]!.shape : p.ops[t - p.inputs.length]!.shape;
  }

  /** The output buffer of the operation being computed: a scratch one of the right size, or a new one kept in scratch. */
  #outputBuffer(length: number, k: number): Float32Array {
    const s = this.#scratch;
    const lent = s?.[k];
    if (lent !== undefined && lent.length === length) return lent;
    const fresh = new Float32Array(length);
    if (s !== undefined) s[k] = fresh;
    return fresh;
  }

  /** The op that produced tensor t, if it is a transpose's output (matmulNT then multiplies by its argument). */
  #transposeSource(t: number): number | undefined {
    const p = this.#program;
    const op = t >= p.inputs.length ? p.ops[t - p.inputs.length] : undefined;
    return op?.kind === "transpose" ? op.args[0] : undefined;
  }

  #compute(op: OpDef, k: number): Float32Array {
    const [rows, cols] = op.shape;
    // matmulNT's right factor is read through its transpose's argument when it has one (see below)
    const deferred = op.kind === "matmulNT" ? this.#transposeSource(op.args[1]!) : undefined;
    const a = op.args.map((t, k) => (k === 1 && deferred !== undefined ? EMPTY : this.get(t)));
    const out = this.#outputBuffer(rows * cols, k);
    const s0 = op.scalars[0]!;
    const inCols = this.#shape(op.args[0]!)[1];
    switch (op.kind) {
      case "transpose":
        return transpose(a[0]!, this.#shape(op.args[0]!)[0], inCols, out);
      case "matmulNT": {
        if (rows === 0) return out;
        // B's rows are the right factor's columns: when B is itself a transpose, multiply by its argument.
        const right = deferred !== undefined ? this.get(deferred) : transpose(a[1]!, cols, inCols);
        return matmul(a[0]!, right, rows, inCols, cols, out);
      }
      case "addRow":
        return addRowK(a[0]!, a[1]!, rows, cols, out);
      case "add":
        return addK(a[0]!, a[1]!, out);
      case "relu":
        return reluK(a[0]!, out);
      case "reluGrad":
        return reluGradK(a[0]!, a[1]!, out);
      case "rowMax":
        return rowMaxK(a[0]!, rows, inCols, out);
      case "rowSum":
      case "rowSumT":
        return rowSumK(a[0]!, out.length, inCols, out);
      case "rowArgmaxT":
        return rowArgmaxK(a[0]!, cols, inCols, out);
      case "subCol":
        return subColK(a[0]!, a[1]!, rows, cols, out);
      case "divCol":
        return divColK(a[0]!, a[1]!, rows, cols, out);
      case "exp":
        for (let i = 0; i < out.length; i++) out[i] = exp32(a[0]![i]!);
        return out;
      case "log":
        for (let i = 0; i < out.length; i++) out[i] = log32(a[0]![i]!);
        return out;
      case "pickLabel":
        for (let i = 0; i < rows; i++) out[i] = a[0]![i * inCols + a[1]![i]!]!;
        return out;
      case "concatCols":
        for (let i = 0; i < rows; i++) for (let e = 0; e < cols; e++) out[i * cols + e] = a[e]![i]!;
        return out;
      case "negDiv":
        for (let i = 0; i < out.length; i++) out[i] = div(sub(0, a[0]![i]!), s0);
        return out;
      case "divScalar":
        for (let i = 0; i < out.length; i++) out[i] = div(a[0]![i]!, s0);
        return out;
      case "klGrad":
        for (let e = 0; e < out.length; e++) out[e] = klGradOf(a[0]![e]!, op.scalars);
        return out;
      case "addScaledRow":
        return addScaledRowK(a[0]!, a[1]!, a[2]!, rows, cols, out);
      case "subScaledCol":
        return subScaledColK(a[0]!, a[1]!, a[2]!, rows, cols, out);
      case "xentGrad":
        for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = xentGradOf(a[0]![i * cols + j]!, a[1]![i]!, j === a[2]![i], s0);
        return out;
      case "selectIndex": {
        const A = a[0]!;
        let k = 0;
        for (let i = 0; i < A.length; i++) if (A[i] === s0) out[k++] = i;
        if (k !== cols) throw new ProgramError(`${op.name}: ${k} matches for a shape of ${cols}`);
        return out;
      }
      case "gatherRows":
        for (let k = 0; k < rows; k++) out.set(a[0]!.subarray(a[1]![k]! * cols, (a[1]![k]! + 1) * cols), k * cols);
        return out;
      case "sgdVelocity":
        return sgdVelocityK(a[0]!, a[1]!, s0, out);
      case "sgdParam":
        return sgdParamK(a[0]!, a[1]!, s0, out);
    }
  }
}

// One small function per kind, so that each loop is compiled for its own arrays. A Float32Array store
// rounds once: `out[i] = x + y` is x ⊕ y for binary32 x and y (see f32.ts).
function addRowK(A: Float32Array, v: Float32Array, rows: number, cols: number, out: Float32Array): Float32Array {
  for (let i = 0, o = 0; i < rows; i++) for (let j = 0; j < cols; j++, o++) out[o] = A[o]! + v[j]!;
  return out;
}
function addK(A: Float32Array, B: Float32Array, out: Float32Array): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = A[i]! + B[i]!;
  return out;
}
function reluK(A: Float32Array, out: Float32Array): Float32Array {
  for (let i = 0; i < out.length; i++) {
    const v = A[i]!;
    out[i] = v > 0 ? v : 0;
  }
  return out;
}
function reluGradK(P: Float32Array, G: Float32Array, out: Float32Array): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = P[i]! > 0 ? G[i]! : 0;
  return out;
}
function rowMaxK(A: Float32Array, rows: number, cols: number, out: Float32Array): Float32Array {
  for (let i = 0; i < rows; i++) {
    let m = A[i * cols]!;
    for (let j = 1; j < cols; j++) {
      const v = A[i * cols + j]!;
      if (v > m) m = v;
    }
    out[i] = m;
  }
  return out;
}
function rowSumK(A: Float32Array, rows: number, cols: number, out: Float32Array): Float32Array {
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s = Math.fround(s + A[i * cols + j]!);
    out[i] = s;
  }
  return out;
}
function rowArgmaxK(A: Float32Array, rows: number, cols: number, out: Float32Array): Float32Array {
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let j = 1; j < cols; j++) if (A[i * cols + j]! > A[i * cols + best]!) best = j;
    out[i] = best;
  }
  return out;
}
function subColK(A: Float32Array, c: Float32Array, rows: number, cols: number, out: Float32Array): Float32Array {
  for (let i = 0, o = 0; i < rows; i++) {
    const ci = c[i]!;
    for (let j = 0; j < cols; j++, o++) out[o] = A[o]! - ci;
  }
  return out;
}
function divColK(A: Float32Array, c: Float32Array, rows: number, cols: number, out: Float32Array): Float32Array {
  for (let i = 0, o = 0; i < rows; i++) {
    const ci = c[i]!;
    for (let j = 0; j < cols; j++, o++) out[o] = A[o]! / ci;
  }
  return out;
}
function addScaledRowK(A: Float32Array, v: Float32Array, B: Float32Array, rows: number, cols: number, out: Float32Array): Float32Array {
  for (let i = 0, o = 0; i < rows; i++) for (let j = 0; j < cols; j++, o++) out[o] = A[o]! + Math.fround(v[j]! * B[o]!);
  return out;
}
function subScaledColK(A: Float32Array, B: Float32Array, c: Float32Array, rows: number, cols: number, out: Float32Array): Float32Array {
  for (let i = 0, o = 0; i < rows; i++) {
    const ci = c[i]!;
    for (let j = 0; j < cols; j++, o++) out[o] = A[o]! - Math.fround(B[o]! * ci);
  }
  return out;
}
function sgdVelocityK(V: Float32Array, G: Float32Array, mu: number, out: Float32Array): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = Math.fround(mu * V[i]!) + G[i]!;
  return out;
}
function sgdParamK(P: Float32Array, V: Float32Array, eta: number, out: Float32Array): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = P[i]! - Math.fround(eta * V[i]!);
  return out;
}

const EMPTY = new Float32Array(0);

/** klGrad's element: (β ⊗ (log32(p ⊕ ε) ⊕ p ⊘ (p ⊕ ε))) ⊘ n. */
export function klGradOf(p: number, [beta, eps, n]: readonly number[]): number {
  const t = add(p, eps!);
  return div(mul(beta!, add(log32(t), div(p, t))), n!);
}

/** xentGrad's element: ((e ⊘ s) ⊖ 1 at the label) ⊘ n. */
export function xentGradOf(e: number, s: number, isLabel: boolean, n: number): number {
  const q = div(e, s);
  return div(isLabel ? sub(q, 1) : q, n);
}
