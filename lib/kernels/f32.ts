// IEEE-754 binary32 arithmetic as the protocol defines it (docs/PROTOCOL.md §"Reference arithmetic").
// Every function here is the spec of one scalar operation; the Solidity library mirrors them one by one.
//
//   add sub mul div  correctly rounded (round to nearest, ties to even). Computed in float64 and rounded
//                    once to float32: for p = 24, q = 53 ≥ 2p + 2 that double rounding is innocuous
//                    (Figueroa 1995), so the result is the correctly rounded binary32 one.
//   max relu gt      comparisons only (no rounding); NaN never wins a comparison.
//   exp32 log32      a fixed sequence of the four operations above (range reduction, a polynomial,
//                    an exact scaling): deterministic by construction, within a few ulps of exp and log.
//   canonical        every NaN is the quiet NaN 0x7fc00000 in traces and hashes of traced values.
//
// No fused multiply-add anywhere: `Math.fround(a * b)` is stored before it is added.
export const fround = Math.fround;

export function add(a: number, b: number): number {
  return fround(a + b);
}
export function sub(a: number, b: number): number {
  return fround(a - b);
}
export function mul(a: number, b: number): number {
  return fround(a * b);
}
export function div(a: number, b: number): number {
  return fround(a / b);
}
/** b if b > a, else a (the first argument wins ties and NaN comparisons). */
export function max(a: number, b: number): number {
  return b > a ? b : a;
}
/** a if a > 0, else +0 (relu(−0) = +0, relu(NaN) = +0). */
export function relu(a: number): number {
  return a > 0 ? a : 0;
}

const scratch = new DataView(new ArrayBuffer(4));
/** The binary32 bit pattern of a float32 value. */
export function bitsOf(x: number): number {
  scratch.setFloat32(0, x, true);
  return scratch.getUint32(0, true);
}
/** The float32 value of a bit pattern. */
export function fromBits(bits: number): number {
  scratch.setUint32(0, bits >>> 0, true);
  return scratch.getFloat32(0, true);
}
export const CANONICAL_NAN_BITS = 0x7fc00000;
/** The bit pattern traces use: every NaN becomes 0x7fc00000. */
export function canonicalBits(x: number): number {
  return Number.isNaN(x) ? CANONICAL_NAN_BITS : bitsOf(x);
}

/** 2^k for −126 ≤ k ≤ 127, exactly. */
export function pow2(k: number): number {
  return fromBits((k + 127) << 23);
}

// exp32 constants (binary32 values, written as their bit patterns in the spec).
export const EXP_HI = fromBits(0x42b17218); // 88.72283935546875: above it exp overflows
export const EXP_LO = fromBits(0xc2cff1b5); // −103.97208404541016: below it exp is +0
export const LOG2E = fromBits(0x3fb8aa3b); // 1.4426950216293335
export const ROUNDER = fromBits(0x4b400000); // 1.5·2^23: adding and subtracting it rounds to an integer (ties to even)
export const LN2_HI = fromBits(0x3f317200); // 0.693145751953125 (16 significant bits: k·LN2_HI is exact)
export const LN2_LO = fromBits(0x35bfbe8e); // 1.4286067653301870e-6
/** Taylor coefficients 1/7!, 1/6!, …, 1/2!, 1, 1 of e^r, Horner order. */
export const EXP_POLY = [1 / 5040, 1 / 720, 1 / 120, 1 / 24, 1 / 6, 1 / 2, 1, 1].map(fround);

/** 2^k·p with one rounding: split so that each factor is a normal power of two. */
function scale(p: number, k: number): number {
  if (k > 127) return mul(mul(p, pow2(127)), pow2(k - 127));
  if (k < -126) return mul(mul(p, pow2(k + 64)), pow2(-64));
  return mul(p, pow2(k));
}

/**
 * e^x in binary32: k = rint(x·log2 e), r = (x − k·LN2_HI) − k·LN2_LO, p = Horner of the degree-7 Taylor
 * polynomial at r, result 2^k·p. NaN → NaN, x > EXP_HI → +∞, x < EXP_LO → +0.
 */
export function exp32(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x > EXP_HI) return Number.POSITIVE_INFINITY;
  if (x < EXP_LO) return 0;
  const kf = sub(add(mul(x, LOG2E), ROUNDER), ROUNDER);
  const r = sub(sub(x, mul(kf, LN2_HI)), mul(kf, LN2_LO));
  let p = EXP_POLY[0]!;
  for (let i = 1; i < EXP_POLY.length; i++) p = add(mul(p, r), EXP_POLY[i]!);
  return scale(p, kf);
}

export const SQRT2 = fromBits(0x3fb504f3); // 1.4142135381698608
export const TWO_POW_23 = fromBits(0x4b000000);
/** 1/9, 1/7, 1/5, 1/3, 1 of 2·atanh(s)/(2s) = 1 + z/3 + z²/5 + …, z = s², Horner order. */
export const LOG_POLY = [1 / 9, 1 / 7, 1 / 5, 1 / 3, 1].map(fround);

/**
 * ln x in binary32: x = m·2^e with m in [√2/2, √2] (subnormals scaled by 2^23 first), f = m − 1,
 * s = f/(2 + f), z = s², ln m = (s + s)·Horner(z), result (e·LN2_HI) + ((e·LN2_LO) + ln m).
 * NaN or x < 0 → NaN, ±0 → −∞, +∞ → +∞.
 */
export function log32(x: number): number {
  if (Number.isNaN(x) || x < 0) return Number.NaN;
  if (x === 0) return Number.NEGATIVE_INFINITY;
  if (x === Number.POSITIVE_INFINITY) return x;
  let bits = bitsOf(x);
  let e = 0;
  if (bits >>> 23 === 0) {
    bits = bitsOf(mul(x, TWO_POW_23));
    e = -23;
  }
  e += (bits >>> 23) - 127;
  let m = fromBits((bits & 0x7fffff) | 0x3f800000);
  if (m > SQRT2) {
    m = mul(m, 0.5);
    e += 1;
  }
  const f = sub(m, 1);
  const s = div(f, add(2, f));
  const z = mul(s, s);
  let q = LOG_POLY[0]!;
  for (let i = 1; i < LOG_POLY.length; i++) q = add(mul(q, z), LOG_POLY[i]!);
  const lnm = mul(add(s, s), q);
  return add(mul(e, LN2_HI), add(mul(e, LN2_LO), lnm));
}
