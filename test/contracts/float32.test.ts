// Float32.sol against lib/kernels/f32.ts, bit for bit: random operand sets per operation (at least 100,000
// each for add, sub, mul, div, exp32 and log32 by default; VERIHIVE_FLOAT_RUNS changes it), drawn to reach
// subnormals, ±0, ±∞, NaN, values near overflow and underflow, cancellation and far-apart exponents.
import assert from "node:assert/strict";
import fc from "fast-check";
import { before, describe, it } from "mocha";
import { add, canonicalBits, div, exp32, fromBits, log32, max, mul, relu, sub } from "../../lib/kernels/f32.ts";
import { toHex, type Hex } from "viem";
import { matmulScalar } from "../../lib/kernels/matmul.ts";
import { viem } from "./fixture.ts";

const RUNS = Number(process.env.VERIHIVE_FLOAT_RUNS ?? 100_000);
/** Operand sets per call: exp32 and log32 run some twenty operations each, so fewer fit in a call's gas. */
const BATCH: Record<string, number> = { exp32: 200, log32: 200 };
const SEED = Number(process.env.VERIHIVE_PROPERTY_SEED ?? 20261207);

const OPS = {
  add: { code: 0, f: (a: number, b: number) => add(a, b) },
  sub: { code: 1, f: (a: number, b: number) => sub(a, b) },
  mul: { code: 2, f: (a: number, b: number) => mul(a, b) },
  div: { code: 3, f: (a: number, b: number) => div(a, b) },
  max: { code: 4, f: (a: number, b: number) => max(a, b) },
  relu: { code: 5, f: (a: number) => relu(a) },
  exp32: { code: 6, f: (a: number) => exp32(a) },
  log32: { code: 7, f: (a: number) => log32(a) },
} as const;
type OpName = keyof typeof OPS;

const SPECIALS = [
  0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00001, 0x7f800001, 0x00000001, 0x80000001, 0x007fffff, 0x00800000,
  0x7f7fffff, 0xff7fffff, 0x3f800000, 0xbf800000, 0x42b17218, 0xc2cff1b5, 0x3fb504f3,
];
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const sign = fc.constantFrom(0, 0x80000000);
/** A bit pattern with a biased exponent in [lo, hi]. */
const withExponent = (lo: number, hi: number) =>
  fc.tuple(sign, fc.integer({ min: lo, max: hi }), fc.integer({ min: 0, max: 0x7fffff })).map(([s, e, m]) => (s | (e << 23) | m) >>> 0);
/** One operand: anything, a special value, a subnormal, near overflow, near 1, or in exp32's range. */
const operand = fc.oneof(
  { arbitrary: u32, weight: 4 },
  { arbitrary: fc.constantFrom(...SPECIALS), weight: 1 },
  { arbitrary: withExponent(0, 2), weight: 1 },
  { arbitrary: withExponent(250, 254), weight: 1 },
  { arbitrary: withExponent(120, 133), weight: 2 },
);
/** Pairs: independent, b near ±a (cancellation, ties), or b a chosen number of binades below a. */
const pair = fc.oneof(
  { arbitrary: fc.tuple(operand, operand), weight: 4 },
  { arbitrary: fc.tuple(operand, fc.integer({ min: -3, max: 3 }), sign).map(([a, d, s]) => [a, ((a + d) ^ s) >>> 0] as [number, number]), weight: 1 },
  {
    arbitrary: fc.tuple(withExponent(30, 254), fc.integer({ min: 20, max: 130 }), fc.integer({ min: 0, max: 0x7fffff }), sign).map(
      ([a, gap, m, s]) => [a, ((Math.max(0, ((a >>> 23) & 0xff) - gap) << 23) | m | s) >>> 0] as [number, number],
    ),
    weight: 1,
  },
);

type Harness = { read: { run: (args: [number, bigint[]]) => Promise<readonly bigint[]> } };

describe("contracts/libraries/Float32.sol against lib/kernels/f32.ts", function () {
  this.timeout(20 * 60_000);
  let harness: Harness;
  before(async () => {
    harness = (await viem.deployContract("Float32Harness")) as unknown as Harness;
  });

  async function check(name: OpName, pairs: [number, number][]): Promise<void> {
    const op = OPS[name];
    const got: readonly bigint[] = [];
    const size = BATCH[name] ?? 1000;
    for (let i = 0; i < pairs.length; i += size) {
      (got as bigint[]).push(...(await harness.read.run([op.code, pairs.slice(i, i + size).map(([a, b]) => (BigInt(a >>> 0) << 32n) | BigInt(b >>> 0))])));
    }
    pairs.forEach(([a, b], i) => {
      const want = canonicalBits(op.f(fromBits(a), fromBits(b)));
      if (Number(got[i]) !== want) {
        assert.fail(`${name}(0x${(a >>> 0).toString(16)}, 0x${(b >>> 0).toString(16)}): Solidity 0x${got[i]!.toString(16)}, TypeScript 0x${want.toString(16)}`);
      }
    });
  }

  it("agrees on every special value and every pair of them", async () => {
    const pairs: [number, number][] = SPECIALS.flatMap((a) => SPECIALS.map((b) => [a, b] as [number, number]));
    for (const name of Object.keys(OPS) as OpName[]) await check(name, pairs);
  });

  for (const name of ["add", "sub", "mul", "div", "exp32", "log32"] as const) {
    it(`agrees on ${RUNS.toLocaleString("en")} random operand sets of ${name}`, async () => {
      let seen = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(pair, { minLength: BATCH[name] ?? 1000, maxLength: BATCH[name] ?? 1000 }), async (pairs) => {
          await check(name, pairs);
          seen += pairs.length;
        }),
        { numRuns: Math.ceil(RUNS / (BATCH[name] ?? 1000)), seed: SEED + OPS[name].code, endOnFailure: true },
      );
      assert.ok(seen >= RUNS, `${seen} operand sets checked`);
    });
  }

  it("agrees on max and relu (random pairs)", async () => {
    for (const name of ["max", "relu"] as const) {
      const pairs = fc.sample(pair, { numRuns: 10_000, seed: SEED });
      await check(name, pairs);
    }
  });
});

describe("Float32.dotLE against lib/kernels/matmul.ts", () => {
  it("computes the matrix product's element, bit for bit (rows of 784, signed zeros, subnormals, overflow)", async () => {
    const harness = (await viem.deployContract("Float32Harness")) as unknown as { read: { dot: (args: [Hex, Hex]) => Promise<bigint> } };
    const rows = fc.sample(fc.array(fc.oneof(fc.float({ min: -3, max: 3, noNaN: true }), fc.integer({ min: 0, max: 0xffffffff }).map(fromBits)), { minLength: 2 * 784, maxLength: 2 * 784 }), { numRuns: 6, seed: SEED });
    rows.push(Array.from({ length: 2 * 784 }, (_, i) => (i % 2 === 0 ? 3e38 : 2))); // overflows to +∞ on the way
    for (const values of rows) {
      const a = Float32Array.from(values.slice(0, 784));
      const b = Float32Array.from(values.slice(784));
      const want = canonicalBits(matmulScalar(a, b, 1, 784, 1)[0]!);
      const got = await harness.read.dot([toHex(new Uint8Array(a.buffer)), toHex(new Uint8Array(b.buffer))]);
      assert.equal(Number(got), want, `dot: Solidity 0x${got.toString(16)}, TypeScript 0x${want.toString(16)}`);
    }
  });
});
