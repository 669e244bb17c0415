import { AggregationError } from "./errors.ts";

// Robust aggregation of the pseudo-gradients of one shard (docs/PROTOCOL.md, step 5).
//
// CenteredClip (Gorbunov et al., "Secure Distributed Training at Scale", BTARD): start at the
// coordinate-wise median, then repeat v ← v + mean_i((g_i − v)·min(1, τ/‖g_i − v‖)). Each input moves
// v by at most τ/N per iteration, so f < N/2 inputs placed arbitrarily far away shift the fixed point by
// at most f·τ/(N − f) from the mean of the others (when the others lie within τ of it).
//
// Every peer of a shard must compute the same bytes: the arithmetic is plain IEEE-754 double (JS has no
// fused multiply-add and Math.sqrt is correctly rounded), the order of every sum is fixed (inputs in the
// given order, coordinates ascending), and the result is rounded to float32 once per iteration.

export const DEFAULT_CLIP_ITERATIONS = 20;

/** Largest N for which the per-coordinate median uses insertion sort; above it a typed-array sort. */
const INSERTION_SORT_MAX = 64;

export interface CenteredClipOptions {
  /** Clipping radius τ (> 0, finite), in the same units as the updates' L2 norm. */
  tau: number;
  /** Number of clipping iterations after the median (default 20; 0 returns the median). */
  iterations?: number;
  /** Where to write the result (length of one update; must not overlap any input). */
  out?: Float32Array;
}

/** Checks the inputs every aggregator shares; returns the common length. */
function validateUpdates(updates: readonly Float32Array[]): number {
  if (updates.length === 0) throw new AggregationError("no updates to aggregate");
  const length = updates[0]!.length;
  for (let i = 0; i < updates.length; i++) {
    const u = updates[i]!;
    if (!(u instanceof Float32Array)) throw new AggregationError("update is not a Float32Array", { index: i });
    if (u.length !== length) {
      throw new AggregationError("updates have different lengths", { index: i, length: u.length, expected: length });
    }
    for (let j = 0; j < length; j++) {
      const x = u[j]!;
      // x − x is 0 for every finite x and NaN for NaN and ±Infinity.
      if (x - x !== 0) throw new AggregationError("update has a non-finite value", { index: i, element: j, value: x });
    }
  }
  return length;
}

function overlaps(a: Float32Array, b: Float32Array): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

function outputFor(updates: readonly Float32Array[], length: number, out: Float32Array | undefined): Float32Array {
  if (out === undefined) return new Float32Array(length);
  if (!(out instanceof Float32Array) || out.length !== length) {
    throw new AggregationError("out has the wrong length", { length: out?.length, expected: length });
  }
  updates.forEach((u, index) => {
    if (overlaps(u, out)) throw new AggregationError("out overlaps an input update", { index });
  });
  return out;
}

/** Plain coordinate-wise average: the undefended baseline (one outlier moves it without bound). */
export function mean(updates: readonly Float32Array[], opts: { out?: Float32Array } = {}): Float32Array {
  const length = validateUpdates(updates);
  const out = outputFor(updates, length, opts.out);
  const acc = new Float64Array(length);
  for (const u of updates) for (let j = 0; j < length; j++) acc[j]! += u[j]!;
  const n = updates.length;
  for (let j = 0; j < length; j++) out[j] = acc[j]! / n;
  return out;
}

/** Coordinate-wise median into `out` (the mean of the two middle values when N is even). */
function medianInto(updates: readonly Float32Array[], out: Float32Array): Float32Array {
  const n = updates.length;
  const length = out.length;
  const column = new Float64Array(n);
  const lo = (n - 1) >> 1;
  const hi = n >> 1;
  for (let j = 0; j < length; j++) {
    if (n <= INSERTION_SORT_MAX) {
      for (let i = 0; i < n; i++) {
        const x = updates[i]![j]!;
        let k = i - 1;
        while (k >= 0 && column[k]! > x) {
          column[k + 1] = column[k]!;
          k--;
        }
        column[k + 1] = x;
      }
    } else {
      for (let i = 0; i < n; i++) column[i] = updates[i]![j]!;
      column.sort();
    }
    out[j] = (column[lo]! + column[hi]!) / 2;
  }
  return out;
}

/**
 * CenteredClip aggregate of `updates` (N equal-length, finite Float32Arrays). Allocates the result
 * (unless `out` is given), one float64 accumulator of the update length and an N-element column buffer;
 * nothing per iteration. Stops before `iterations` once v is a fixed point in float32 (same bits: see the
 * loop), which honest rounds reach in a few iterations.
 */
export function centeredClip(updates: readonly Float32Array[], opts: CenteredClipOptions): Float32Array {
  const { tau } = opts;
  const iterations = opts.iterations ?? DEFAULT_CLIP_ITERATIONS;
  if (typeof tau !== "number" || !Number.isFinite(tau) || tau <= 0) {
    throw new AggregationError("tau must be a positive finite number", { tau });
  }
  if (!Number.isSafeInteger(iterations) || iterations < 0) {
    throw new AggregationError("iterations must be a non-negative integer", { iterations });
  }
  const length = validateUpdates(updates);
  const v = outputFor(updates, length, opts.out);
  medianInto(updates, v);

  const n = updates.length;
  const acc = new Float64Array(length);
  for (let it = 0; it < iterations; it++) {
    acc.fill(0);
    for (let i = 0; i < n; i++) {
      const g = updates[i]!;
      let sq = 0;
      for (let j = 0; j < length; j++) {
        const d = g[j]! - v[j]!;
        sq += d * d;
      }
      const norm = Math.sqrt(sq);
      if (norm <= tau) {
        for (let j = 0; j < length; j++) acc[j]! += g[j]! - v[j]!;
      } else {
        const scale = tau / norm;
        for (let j = 0; j < length; j++) acc[j]! += (g[j]! - v[j]!) * scale;
      }
    }
    let moved = false;
    for (let j = 0; j < length; j++) {
      const before = v[j]!;
      v[j]! += acc[j]! / n;
      // Bit-level comparison: +0 and −0 are different bits (and may give different bits later).
      if (v[j] !== before || (before === 0 && 1 / v[j]! !== 1 / before)) moved = true;
    }
    // An iteration is a pure function of v (given the updates and τ): once one leaves every float32 of v
    // unchanged, every later one would too, so stopping here gives the same bits as running all of them.
    if (!moved) break;
  }
  return v;
}
