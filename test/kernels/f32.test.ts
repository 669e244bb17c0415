import assert from "node:assert/strict";
import fc from "fast-check";
import { describe, it } from "mocha";
import { add, bitsOf, canonicalBits, div, exp32, EXP_HI, EXP_LO, fromBits, log32, max, mul, pow2, relu, sub } from "../../lib/kernels/f32.ts";

/** Distance in units in the last place between two finite binary32 values of the same sign. */
function ulps(a: number, b: number): number {
  return Math.abs(bitsOf(a) - bitsOf(b));
}
/** x·2^s as an exact integer (x a finite binary32 value, s ≥ 149). */
function scaled(x: number, s: number): bigint {
  const bits = bitsOf(x);
  const exp = (bits >>> 23) & 0xff;
  const mant = BigInt(exp === 0 ? bits & 0x7fffff : (bits & 0x7fffff) | 0x800000);
  const v = mant << BigInt(Math.max(0, exp - 1) + s - 149);
  return bits >>> 31 ? -v : v;
}
const MAX_F32 = fromBits(0x7f7fffff);
/** `got` is the round-to-nearest-even binary32 of exact/2^scale (overflow to ±∞ past the rounding boundary). */
function assertNearest(got: number, exact: bigint, scale: number, what: string): void {
  const boundary = scaled(MAX_F32, scale) + (scaled(fromBits(0x73800000), scale) >> 1n); // MAX + half an ulp of MAX
  const abs = exact < 0n ? -exact : exact;
  if (abs >= boundary) return assert.equal(got, exact < 0n ? -Infinity : Infinity, what);
  assert.ok(Number.isFinite(got), `${what} = ${got}`);
  const err = (x: number) => {
    const d = scaled(x, scale) - exact;
    return d < 0n ? -d : d;
  };
  const e = err(got);
  for (const n of [fromBits(bitsOf(got) + 1), fromBits(bitsOf(got) - 1), -got]) {
    if (!Number.isFinite(n)) continue;
    const en = err(n);
    assert.ok(e < en || (e === en && ((bitsOf(got) & 1) === 0 || Object.is(n, -got))), `${what} = ${got}, ${n} is as near`);
  }
  if (exact === 0n) assert.ok(got === 0, what); // either sign: IEEE-754 fixes it by rules an integer cannot see
}
/** Any binary32 value, subnormals, ±0, ±∞ and NaN included. */
const anyF32 = fc.integer({ min: 0, max: 0xffffffff }).map(fromBits);

describe("kernels/f32", () => {
  describe("the four operations", () => {
    it("add, sub and mul give the binary32 nearest their exact value, ties to even (checked in exact integers)", () => {
      fc.assert(
        fc.property(anyF32, anyF32, (a, b) => {
          if (!Number.isFinite(a) || !Number.isFinite(b)) return;
          for (const [f, exact, scale] of [
            [add, scaled(a, 149) + scaled(b, 149), 149],
            [sub, scaled(a, 149) - scaled(b, 149), 149],
            [mul, scaled(a, 149) * scaled(b, 149), 298],
          ] as const) {
            assertNearest(f(a, b), exact, scale, `${f.name}(${a}, ${b})`);
          }
        }),
        { numRuns: 20_000 },
      );
    });

    it("divide with one rounding (the quotient checked against its neighbours)", () => {
      fc.assert(
        fc.property(anyF32, anyF32, (a, b) => {
          const q = div(a, b);
          if (!Number.isFinite(q) || q === 0 || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return;
          // q is the binary32 nearest a/b: |q·b − a| is no larger than for either neighbour of q.
          const up = fromBits(bitsOf(q) + 1);
          const down = fromBits(bitsOf(q) - 1);
          const err = (x: number) => Math.abs(x * b - a);
          if (Number.isFinite(up)) assert.ok(err(q) <= err(up), `div(${a}, ${b}) = ${q}, ${up} is nearer`);
          if (Number.isFinite(down) && Math.sign(down) === Math.sign(q)) assert.ok(err(q) <= err(down), `div(${a}, ${b}) = ${q}, ${down} is nearer`);
        }),
        { numRuns: 20_000 },
      );
    });

    it("max keeps the first argument on ties and NaN; relu maps −0 and NaN to +0", () => {
      assert.ok(Object.is(max(0, -0), 0));
      assert.ok(Object.is(max(-0, 0), -0));
      assert.ok(Number.isNaN(max(Number.NaN, 1)));
      assert.equal(max(1, Number.NaN), 1);
      assert.equal(max(1, 2), 2);
      assert.ok(Object.is(relu(-0), 0));
      assert.ok(Object.is(relu(Number.NaN), 0));
      assert.equal(relu(-3), 0);
      assert.equal(relu(Math.fround(0.1)), Math.fround(0.1));
    });

    it("pow2 is exact over the normal range, and traces canonicalise NaN", () => {
      for (let k = -126; k <= 127; k++) assert.equal(pow2(k), 2 ** k);
      assert.equal(canonicalBits(fromBits(0x7fc00001)), 0x7fc00000);
      assert.equal(canonicalBits(fromBits(0xffc00000)), 0x7fc00000);
      assert.equal(canonicalBits(-0), 0x80000000);
    });
  });

  describe("exp32", () => {
    it("is within 1 ulp of e^x over its whole finite range", () => {
      fc.assert(
        fc.property(fc.float({ min: EXP_LO, max: EXP_HI, noNaN: true, noDefaultInfinity: true }), (x) => {
          const want = Math.fround(Math.exp(x));
          const got = exp32(x);
          if (want === Number.POSITIVE_INFINITY) return assert.equal(got, want);
          assert.ok(ulps(got, want) <= 1, `exp32(${x}) = ${got}, e^x = ${want}`);
        }),
        { numRuns: 50_000 },
      );
    });

    it("handles the special values and both ends of its range", () => {
      assert.equal(exp32(0), 1);
      assert.equal(exp32(-0), 1);
      assert.ok(Number.isNaN(exp32(Number.NaN)));
      assert.equal(exp32(Number.POSITIVE_INFINITY), Number.POSITIVE_INFINITY);
      assert.ok(Object.is(exp32(Number.NEGATIVE_INFINITY), 0));
      assert.equal(exp32(fromBits(bitsOf(EXP_HI) + 1)), Number.POSITIVE_INFINITY);
      assert.ok(Object.is(exp32(fromBits(bitsOf(EXP_LO) + 1)), 0));
      assert.ok(ulps(exp32(EXP_LO), Math.fround(Math.exp(EXP_LO))) <= 1, "at the low end, 0 or the smallest subnormal");
      assert.ok(Number.isFinite(exp32(88.7)));
      assert.ok(exp32(-90) > 0 && exp32(-90) < 2 ** -126, "a subnormal result");
    });
  });

  describe("log32", () => {
    it("is within 2 ulps of ln x for normal and subnormal x", () => {
      fc.assert(
        fc.property(fc.float({ min: fromBits(1), max: fromBits(0x7f7fffff), noNaN: true, noDefaultInfinity: true }), (x) => {
          const want = Math.fround(Math.log(x));
          const got = log32(x);
          assert.ok(ulps(got, want) <= 2, `log32(${x}) = ${got}, ln x = ${want}`);
        }),
        { numRuns: 50_000 },
      );
    });

    it("is accurate next to 1, where ln x is small", () => {
      fc.assert(
        fc.property(fc.float({ min: Math.fround(0.999), max: Math.fround(1.001), noNaN: true }), (x) => {
          assert.ok(ulps(log32(x), Math.fround(Math.log(x))) <= 2, `log32(${x})`);
        }),
        { numRuns: 20_000 },
      );
    });

    it("handles the special values", () => {
      assert.equal(log32(1), 0);
      assert.equal(log32(0), Number.NEGATIVE_INFINITY);
      assert.equal(log32(-0), Number.NEGATIVE_INFINITY);
      assert.ok(Number.isNaN(log32(-1)));
      assert.ok(Number.isNaN(log32(Number.NaN)));
      assert.ok(Number.isNaN(log32(Number.NEGATIVE_INFINITY)));
      assert.equal(log32(Number.POSITIVE_INFINITY), Number.POSITIVE_INFINITY);
      assert.equal(log32(fromBits(1)), Math.fround(Math.log(2 ** -149)));
    });
  });
});
