// The matrix product of the reference arithmetic as a WebAssembly SIMD module, assembled here byte by byte
// (no toolchain, no binary in the repository). It computes exactly what `matmulScalar` computes:
//   C[i][j] = (…((+0 + A[i][0]·B[0][j]) + A[i][1]·B[1][j]) + …) + A[i][K−1]·B[K−1][j]
// each product and each sum rounded to binary32. Vectorising over j keeps that order: lane l of an f32x4
// accumulator holds C[i][j+l] and meets the k terms one by one, and f32x4.mul / f32x4.add are plain
// IEEE-754 binary32 operations per lane (no fused multiply-add; relaxed SIMD is not used).
//
// Layout: one exported memory; the caller copies A (M×K), B (K×N) and reserves C (M×N), row-major, M a
// multiple of 4 and N a multiple of 8 (the caller pads). Blocks of 4 rows × 8 columns: 8 accumulators
// stay in registers over the whole k loop.

const I32 = 0x7f;
const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => vec([...Buffer.from(s, "utf8")].map((b) => [b]));

// Instructions used.
const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const i32c = (v: number) => [0x41, ...sleb(v)];
const I32_ADD = [0x6a];
const I32_MUL = [0x6c];
const I32_LT_U = [0x49];
const LOOP = [0x03, 0x40];
const END = [0x0b];
const brIf = (depth: number) => [0x0d, ...uleb(depth)];
const f32Load = (offset: number) => [0x2a, 2, ...uleb(offset)];
const v128Load = (offset: number) => [0xfd, ...uleb(0x00), 4, ...uleb(offset)];
const v128Store = (offset: number) => [0xfd, ...uleb(0x0b), 4, ...uleb(offset)];
const V128_ZERO = [0xfd, ...uleb(0x0c), ...new Array<number>(16).fill(0)];
const F32X4_SPLAT = [0xfd, ...uleb(0x13)];
const F32X4_ADD = [0xfd, ...uleb(0xe4)];
const F32X4_MUL = [0xfd, ...uleb(0xe6)];

// Parameters a, b, c (byte addresses), m, k, n; then locals.
const [A, B, C, M, K, N] = [0, 1, 2, 3, 4, 5];
const [I, J, KK, PA, PB, ROWA, ROWB, PC, S] = [6, 7, 8, 9, 10, 11, 12, 13, 14];
const ACC = 15; // 8 v128 accumulators: row r, half h at ACC + 2r + h
const W0 = 23;
const W1 = 24;
const ROWS = 4;

function kernelBody(): number[] {
  const code: number[] = [];
  const emit = (...parts: number[][]) => {
    for (const p of parts) code.push(...p);
  };
  // rowA = 4K, rowB = 4N bytes
  emit(get(K), i32c(4), I32_MUL, set(ROWA), get(N), i32c(4), I32_MUL, set(ROWB));
  emit(i32c(0), set(I), LOOP); // for i in 0, 4, … M−4
  emit(i32c(0), set(J), LOOP); //   for j in 0, 8, … N−8
  for (let v = 0; v < 2 * ROWS; v++) emit(V128_ZERO, set(ACC + v));
  // pa = a + i·rowA, pb = b + 4j
  emit(get(A), get(I), get(ROWA), I32_MUL, I32_ADD, set(PA));
  emit(get(B), get(J), i32c(4), I32_MUL, I32_ADD, set(PB));
  emit(i32c(0), set(KK), LOOP); //     for k in 0 … K−1
  emit(get(PB), v128Load(0), set(W0), get(PB), v128Load(16), set(W1));
  for (let r = 0; r < ROWS; r++) {
    // s = splat(A[i + r][k]); address pa + r·rowA
    emit(get(PA));
    for (let t = 0; t < r; t++) emit(get(ROWA), I32_ADD);
    emit(f32Load(0), F32X4_SPLAT, set(S));
    for (let h = 0; h < 2; h++) emit(get(ACC + 2 * r + h), get(S), get(h === 0 ? W0 : W1), F32X4_MUL, F32X4_ADD, set(ACC + 2 * r + h));
  }
  emit(get(PA), i32c(4), I32_ADD, set(PA), get(PB), get(ROWB), I32_ADD, set(PB));
  emit(get(KK), i32c(1), I32_ADD, set(KK), get(KK), get(K), I32_LT_U, brIf(0), END);
  // store: pc = c + ((i + r)·N + j)·4
  for (let r = 0; r < ROWS; r++) {
    emit(get(C), get(I), i32c(r), I32_ADD, get(ROWB), I32_MUL, I32_ADD, get(J), i32c(4), I32_MUL, I32_ADD, set(PC));
    emit(get(PC), get(ACC + 2 * r), v128Store(0), get(PC), get(ACC + 2 * r + 1), v128Store(16));
  }
  emit(get(J), i32c(8), I32_ADD, set(J), get(J), get(N), I32_LT_U, brIf(0), END);
  emit(get(I), i32c(ROWS), I32_ADD, set(I), get(I), get(M), I32_LT_U, brIf(0), END);
  emit(END);
  const locals = vec([
    [...uleb(8), I32],
    [...uleb(2 * ROWS + 3), V128],
  ]);
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

/** The module's bytes: memory "mem" (initial `pages` × 64 KiB), function "matmul"(a, b, c, m, k, n). */
export function matmulModuleBytes(pages = 16): Uint8Array {
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, ...vec(new Array<number[]>(6).fill([I32])), ...vec([])]])),
    ...section(3, vec([uleb(0)])),
    ...section(5, vec([[0x00, ...uleb(pages)]])),
    ...section(7, vec([
      [...name("mem"), 0x02, ...uleb(0)],
      [...name("matmul"), 0x00, ...uleb(0)],
    ])),
    ...section(10, vec([kernelBody()])),
  ];
  return Uint8Array.from(bytes);
}

/** Rows and columns the module works in (the caller pads to these multiples). */
export const ROW_BLOCK = ROWS;
export const COL_BLOCK = 8;
