// Tensor operations of the reference step, each defined element by element in the binary32 arithmetic of
// f32.ts (the order of every reduction is sequential, index 0 first, starting from +0 unless stated).
// Matrices are row-major Float32Arrays; `rows × cols` is given explicitly. These are the operations a
// step's trace records, one output tensor each; docs/PROTOCOL.md §"Reference step" names them.
import { add, div, exp32, log32, max, mul, sub } from "./f32.ts";
import { matmul, transpose } from "./matmul.ts";

/** out[i][j] = z[i][j] ⊕ bias[j] */
export function addBias(z: Float32Array, bias: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = z[i * cols + j]! + bias[j]!;
  return out;
}

/** out = a > 0 ? a : +0 */
export function relu(a: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! > 0 ? a[i]! : 0;
  return out;
}

/** out = pre > 0 ? grad : +0 (the gradient through relu; 0 at pre = 0) */
export function reluGrad(pre: Float32Array, grad: Float32Array): Float32Array {
  const out = new Float32Array(pre.length);
  for (let i = 0; i < pre.length; i++) out[i] = pre[i]! > 0 ? grad[i]! : 0;
  return out;
}

/** out[j] = Σ_i a[i][j], sequential in i from +0 */
export function colSum(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j] = out[j]! + a[i * cols + j]!;
  return out;
}

/** out[i] = Σ_j a[i][j], sequential in j from +0 */
export function rowSum(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s = add(s, a[i * cols + j]!);
    out[i] = s;
  }
  return out;
}

/** out[i] = max_j a[i][j]: m = a[i][0], then m = max(m, a[i][j]) for j = 1, 2, … */
export function rowMax(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    let m = a[i * cols]!;
    for (let j = 1; j < cols; j++) m = max(m, a[i * cols + j]!);
    out[i] = m;
  }
  return out;
}

/** out[i] = the first j with a[i][j] = max_j a[i][j] (argmax, strict comparisons; ties go to the lower index) */
export function rowArgmax(a: Float32Array, rows: number, cols: number): Int32Array {
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let j = 1; j < cols; j++) if (a[i * cols + j]! > a[i * cols + best]!) best = j;
    out[i] = best;
  }
  return out;
}

/** out[i][j] = a[i][j] ⊖ v[i] */
export function subRow(a: Float32Array, v: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = a[i * cols + j]! - v[i]!;
  return out;
}

/** out[i][j] = a[i][j] ⊘ v[i] */
export function divRow(a: Float32Array, v: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = a[i * cols + j]! / v[i]!;
  return out;
}

export function expAll(a: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = exp32(a[i]!);
  return out;
}

export function logAll(a: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = log32(a[i]!);
  return out;
}

/** out = a ⊕ b, elementwise */
export function addAll(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + b[i]!;
  return out;
}

/** out = a ⊘ s for a scalar s */
export function divScalar(a: Float32Array, s: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = div(a[i]!, s);
  return out;
}

/** Σ_i a[i], sequential from +0 */
export function sum(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s = add(s, a[i]!);
  return s;
}

/** a·bᵀ-free helpers for the backward pass: Aᵀ·B and A·Bᵀ by an explicit transpose, then `matmul`. */
export function matmulTA(a: Float32Array, b: Float32Array, k: number, m: number, n: number): Float32Array {
  return matmul(transpose(a, k, m), b, m, k, n);
}
export function matmulBT(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float32Array {
  return matmul(a, transpose(b, n, k), m, k, n);
}

export { add, div, exp32, log32, max, mul, sub };
