import { finite32 } from "./segments.ts";

// Shared by the update attacks (sign-flip, noise, alie, ipm): arithmetic over updates given as lists of
// float32 arrays (params then slots, canonical order), element by element in float64, every result a new
// list of finite float32.

/** Updates `list` all have the shape of `like` (same number of arrays, same lengths). */
export function sameShape(like: readonly Float32Array[], list: readonly (readonly Float32Array[])[]): boolean {
  return list.every((u) => u.length === like.length && u.every((a, i) => a.length === like[i]!.length));
}

/** A new update whose element `k` of array `i` is `f(i, k)`, rounded to a finite float32. */
export function mapUpdate(like: readonly Float32Array[], f: (i: number, k: number) => number): Float32Array[] {
  return like.map((a, i) => {
    const out = new Float32Array(a.length);
    for (let k = 0; k < a.length; k++) out[k] = finite32(f(i, k));
    return out;
  });
}

/** `factor` × `update`, element by element (sign-flip, ipm). */
export function scaledUpdate(update: readonly Float32Array[], factor: number): Float32Array[] {
  return mapUpdate(update, (i, k) => factor * update[i]![k]!);
}

/** Coordinate-wise mean and population standard deviation of `list` (≥ 1 update, all of one shape). */
export function meanStd(list: readonly (readonly Float32Array[])[]): { mean: Float32Array[]; std: Float32Array[] } {
  const first = list[0]!;
  const n = list.length;
  const mean = first.map((a) => new Float32Array(a.length));
  const std = first.map((a) => new Float32Array(a.length));
  for (let i = 0; i < first.length; i++) {
    for (let k = 0; k < first[i]!.length; k++) {
      let sum = 0;
      for (const u of list) sum += u[i]![k]!;
      const m = sum / n;
      let sq = 0;
      for (const u of list) sq += (u[i]![k]! - m) ** 2;
      mean[i]![k] = finite32(m);
      std[i]![k] = finite32(Math.sqrt(sq / n));
    }
  }
  return { mean, std };
}
