import { centeredClip, mean } from "../core/centered-clip.ts";
import type { ShardState } from "../ml/moe.ts";

export interface AggregateOptions {
  /**
   * CenteredClip radius; "auto" picks twice the median distance of the updates from their coordinate-wise
   * median (scale-free, and equal for every honest peer); `null` selects the plain mean (the undefended baseline).
   */
  tau: number | "auto" | null;
  iterations?: number;
  /** Outer learning rate: S_{r+1} = S_r − lr · aggregate(Δ). 1.0 is model averaging. */
  outerLr?: number;
}

function flatten(arrays: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

/** 2 × the median L2 distance of the updates from their coordinate-wise median; null (plain mean) if that is 0. */
export function autoTau(flat: readonly Float32Array[]): number | null {
  const median = centeredClip(flat, { tau: 1, iterations: 0 });
  const distances = flat
    .map((u) => {
      let s = 0;
      for (let j = 0; j < u.length; j++) {
        const d = u[j]! - median[j]!;
        s += d * d;
      }
      return Math.sqrt(s);
    })
    .sort((a, b) => a - b);
  const mid = distances.length >> 1;
  const m = distances.length % 2 === 1 ? distances[mid]! : (distances[mid - 1]! + distances[mid]!) / 2;
  return m > 0 && Number.isFinite(m) ? 2 * m : null;
}

/**
 * S_{r+1} of one shard from S_r and the updates of its committed trainers (each in canonical order:
 * params then slots). The updates are flattened so CenteredClip clips whole updates, not tensors.
 * Honest peers pass the same inclusion set in the same order and get bit-identical results.
 */
export function applyUpdates(start: ShardState, updates: readonly Float32Array[][], opts: AggregateOptions): ShardState {
  if (updates.length === 0) return { params: start.params.map((p) => p.slice()), slots: start.slots.map((s) => s.slice()) };
  const flat = updates.map(flatten);
  // One update: its own median, at distance 0, so auto τ is null (the mean, which is the update itself).
  const tau = opts.tau === "auto" ? (flat.length === 1 ? null : autoTau(flat)) : opts.tau;
  const agg = tau === null ? mean(flat) : centeredClip(flat, { tau, iterations: opts.iterations });
  const lr = opts.outerLr ?? 1;
  let o = 0;
  const step = (a: Float32Array) => {
    const out = new Float32Array(a.length);
    for (let j = 0; j < a.length; j++) out[j] = a[j]! - lr * agg[o + j]!;
    o += a.length;
    return out;
  };
  const params = start.params.map(step);
  const slots = start.slots.map(step);
  return { params, slots };
}
