import assert from "node:assert/strict";
import fc from "fast-check";
import { describe, it } from "mocha";
import { fromBits } from "../../lib/kernels/f32.ts";
import { matmulModuleBytes } from "../../lib/kernels/matmul-wasm.ts";
import { matmul, matmulScalar, transpose } from "../../lib/kernels/matmul.ts";

function sameBits(a: Float32Array, b: Float32Array): boolean {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** Finite binary32 values of mixed magnitudes, signed zeros and subnormals included. */
const value = fc.oneof(
  fc.float({ min: -4, max: 4, noNaN: true }),
  fc.constantFrom(0, -0, fromBits(1), fromBits(0x80000001), 1e30, -1e30),
  fc.integer({ min: 0, max: 0x7f7fffff }).map(fromBits),
);

describe("kernels/matmul", () => {
  it("is the sequential-order dot product, term by term (one rounding per product and per sum)", () => {
    const a = Float32Array.of(1e8, 1, -1e8, 1); // 1 × 4
    const b = Float32Array.of(1, 1, 1, 1); // 4 × 1
    // ((((0 + 1e8) + 1) − 1e8) + 1): 1e8 + 1 rounds back to 1e8 in binary32, so the result is 1, not 2.
    assert.equal(matmulScalar(a, b, 1, 4, 1)[0], 1);
    assert.equal(matmul(a, b, 1, 4, 1)[0], 1);
    // No fused multiply-add: 3·(1/3) is rounded to binary32 before it is added to −1.
    const third = Math.fround(1 / 3);
    const c = matmulScalar(Float32Array.of(-1, 3), Float32Array.of(1, third), 1, 2, 1)[0]!;
    assert.equal(c, Math.fround(-1 + Math.fround(3 * third)));
  });

  it("gives the same bits on the SIMD kernel as the scalar definition (random shapes and values)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 13 }),
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 21 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (m, k, n, seed) => {
          // Large enough for the SIMD kernel (m·k·n ≥ 4096) once m, k or n is scaled up below.
          const [mm, kk, nn] = [m * 4, k * 3, n + 8];
          const rnd = fc.sample(fc.array(value, { minLength: mm * kk + kk * nn, maxLength: mm * kk + kk * nn }), { seed, numRuns: 1 })[0]!;
          const a = Float32Array.from(rnd.slice(0, mm * kk));
          const b = Float32Array.from(rnd.slice(mm * kk));
          assert.ok(sameBits(matmul(a, b, mm, kk, nn), matmulScalar(a, b, mm, kk, nn)), `${mm}×${kk}·${kk}×${nn}`);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("gives the same bits for the model's shapes, with overflow to ±∞ and NaN from ∞ − ∞", () => {
    for (const [m, k, n] of [
      [64, 784, 64],
      [64, 784, 32],
      [784, 17, 64],
      [64, 64, 10],
    ] as const) {
      const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i) * (i % 97 === 0 ? 3e38 : 1));
      const b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i * 1.3) * (i % 89 === 0 ? -3e38 : 1));
      const fast = matmul(a, b, m, k, n);
      assert.ok(sameBits(fast, matmulScalar(a, b, m, k, n)), `${m}×${k}·${k}×${n}`);
      if (m === 64 && k === 784) assert.ok(fast.some((v) => !Number.isFinite(v)), "the case reaches non-finite values");
    }
  });

  it("refuses inconsistent sizes with a RangeError", () => {
    assert.throws(() => matmul(new Float32Array(6), new Float32Array(6), 2, 3, 3), RangeError);
    assert.throws(() => matmulScalar(new Float32Array(0), new Float32Array(0), 0, 1, 1), RangeError);
  });

  it("transposes", () => {
    assert.deepEqual([...transpose(Float32Array.of(1, 2, 3, 4, 5, 6), 2, 3)], [1, 4, 2, 5, 3, 6]);
  });

  it("assembles a module that validates and uses no relaxed-SIMD opcode", () => {
    const bytes = matmulModuleBytes();
    assert.ok((globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly.validate(bytes));
    // Relaxed SIMD (nondeterministic by design) lives at 0xfd 0x100–0x113 (LEB128 0x80–0x93 0x02).
    for (let i = 0; i + 2 < bytes.length; i++) {
      if (bytes[i] === 0xfd && bytes[i + 2] === 0x02 && bytes[i + 1]! >= 0x80 && bytes[i + 1]! <= 0x93) assert.fail(`relaxed SIMD opcode at ${i}`);
    }
  });
});
