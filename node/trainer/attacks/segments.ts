import { encodePacked, keccak256 } from "viem";
import type { ShardState } from "../../../lib/ml/moe.ts";

// Shared by the segment attacks (sign-flip, noise): which segments are corrupted, and element-wise
// arithmetic over a shard state that returns new arrays and keeps every value a finite float32.

const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Segment `segment` of round `round` is corrupted iff keccak256(seed, round, segment), read as a fraction
 * in [0, 1) from its first 48 bits, is below `fraction`; fraction 1 corrupts every segment.
 */
export function isCorrupted(seed: number, round: bigint, segment: number, fraction: number): boolean {
  const h = keccak256(encodePacked(["uint32", "uint64", "uint32"], [seed >>> 0, round, segment >>> 0]));
  return Number.parseInt(h.slice(2, 14), 16) / 2 ** 48 < fraction;
}

/** The nearest finite float32 (±FLOAT32_MAX past the range; NaN, which finite inputs cannot give, to 0). */
export function finite32(x: number): number {
  if (Number.isNaN(x)) return 0;
  return Math.max(-FLOAT32_MAX, Math.min(FLOAT32_MAX, x));
}

/** A new state whose every element is `f(start, end, k)`, k counting over params then slots. */
export function mapState(start: ShardState, end: ShardState, f: (s: number, e: number, k: number) => number): ShardState {
  let k = 0;
  const map = (a: readonly Float32Array[], b: readonly Float32Array[]) =>
    a.map((s, i) => {
      const e = b[i]!;
      const out = new Float32Array(s.length);
      for (let j = 0; j < s.length; j++) out[j] = finite32(f(s[j]!, e[j]!, k++));
      return out;
    });
  return { params: map(start.params, end.params), slots: map(start.slots, end.slots) };
}

/** ‖end − start‖ over params and slots (float64 sum). */
export function distance(start: ShardState, end: ShardState): number {
  let sum = 0;
  const add = (a: readonly Float32Array[], b: readonly Float32Array[]) =>
    a.forEach((s, i) => {
      const e = b[i]!;
      for (let j = 0; j < s.length; j++) sum += (e[j]! - s[j]!) ** 2;
    });
  add(start.params, end.params);
  add(start.slots, end.slots);
  return Math.sqrt(sum);
}

/** Number of elements of a state (params and slots). */
export function stateSize(s: ShardState): number {
  return [...s.params, ...s.slots].reduce((n, a) => n + a.length, 0);
}

/** A copy of a state (new arrays). */
export function copyState(s: ShardState): ShardState {
  return { params: s.params.map((a) => a.slice()), slots: s.slots.map((a) => a.slice()) };
}
