// The matrix product of the reference arithmetic: C = A·B with A M×K, B K×N, row-major Float32Arrays,
//   C[i][j] = (…((+0 + A[i][0]·B[0][j]) + A[i][1]·B[1][j]) + …) + A[i][K−1]·B[K−1][j]
// every product and every sum rounded to binary32 (sequential in k, no FMA).
//
//   matmulScalar  the definition, in plain JavaScript (the spec the contract mirrors)
//   matmul        the same bits, through the WebAssembly SIMD module of matmul-wasm.ts for large products
//                 (inputs copied into its memory, padded to 4-row × 8-column blocks with zeros, which
//                 only add padded rows and columns that are dropped)
import { COL_BLOCK, matmulModuleBytes, ROW_BLOCK } from "./matmul-wasm.ts";

export function matmulScalar(a: Float32Array, b: Float32Array, m: number, k: number, n: number, out: Float32Array = new Float32Array(m * n)): Float32Array {
  checkShapes(a, b, m, k, n, out);
  out.fill(0);
  // i, k, j order: out[i·n + j] meets its k terms in order, one rounding per product and per sum.
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let t = 0; t < k; t++) {
      const av = a[i * k + t]!;
      const brow = t * n;
      for (let j = 0; j < n; j++) out[row + j] = out[row + j]! + Math.fround(av * b[brow + j]!);
    }
  }
  return out;
}

function checkShapes(a: Float32Array, b: Float32Array, m: number, k: number, n: number, out: Float32Array): void {
  if (!(Number.isSafeInteger(m) && Number.isSafeInteger(k) && Number.isSafeInteger(n) && m >= 1 && k >= 1 && n >= 1)) {
    throw new RangeError(`matmul: bad sizes ${m}×${k}·${k}×${n}`);
  }
  if (a.length !== m * k || b.length !== k * n || out.length !== m * n) {
    throw new RangeError(`matmul: ${a.length}, ${b.length} → ${out.length} elements for ${m}×${k}·${k}×${n}`);
  }
}

// The WebAssembly API as far as it is used here (the project's lib settings do not declare it).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface Kernel {
  memory: WasmMemory;
  run: (a: number, b: number, c: number, m: number, k: number, n: number) => void;
}
let kernel: Kernel | undefined;

function load(): Kernel {
  if (kernel) return kernel;
  const module = new wasmApi.Module(matmulModuleBytes());
  const instance = new wasmApi.Instance(module, {});
  kernel = {
    memory: instance.exports.mem as WasmMemory,
    run: instance.exports.matmul as Kernel["run"],
  };
  return kernel;
}

const roundUp = (x: number, to: number): number => Math.ceil(x / to) * to;

/** Products smaller than this many multiply-adds run in JavaScript (copying would cost more). */
const WASM_MIN_WORK = 4096;

/** C = A·B in the reference order; large products on the SIMD kernel (same bits as `matmulScalar`). */
export function matmul(a: Float32Array, b: Float32Array, m: number, k: number, n: number, out: Float32Array = new Float32Array(m * n)): Float32Array {
  checkShapes(a, b, m, k, n, out);
  if (m * k * n < WASM_MIN_WORK) return matmulScalar(a, b, m, k, n, out);
  const kern = load();
  const mp = roundUp(m, ROW_BLOCK);
  const np = roundUp(n, COL_BLOCK);
  const aBytes = mp * k * 4;
  const bBytes = k * np * 4;
  const need = aBytes + bBytes + mp * np * 4;
  const have = kern.memory.buffer.byteLength;
  if (need > have) kern.memory.grow(Math.ceil((need - have) / 65536));
  const mem = new Float32Array(kern.memory.buffer);
  mem.set(a, 0);
  if (mp > m) mem.fill(0, m * k, mp * k);
  const bOff = aBytes / 4;
  if (np === n) mem.set(b, bOff);
  else {
    for (let t = 0; t < k; t++) {
      mem.set(b.subarray(t * n, (t + 1) * n), bOff + t * np);
      mem.fill(0, bOff + t * np + n, bOff + (t + 1) * np);
    }
  }
  const cOff = bOff + bBytes / 4;
  kern.run(0, aBytes, cOff * 4, mp, k, np);
  if (np === n) out.set(mem.subarray(cOff, cOff + m * n));
  else for (let i = 0; i < m; i++) out.set(mem.subarray(cOff + i * np, cOff + i * np + n), i * n);
  return out;
}

/** Aᵀ of an m×n matrix (n×m), a plain copy. */
export function transpose(a: Float32Array, m: number, n: number, out: Float32Array = new Float32Array(m * n)): Float32Array {
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = a[i * n + j]!;
  return out;
}
