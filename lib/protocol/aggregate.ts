import { centeredClip, mean } from "../core/centered-clip.ts";
import type { ShardState } from "../ml/moe.ts";

export interface AggregateOptions {
  /** CenteredClip radius; `null` selects the plain mean (the undefended baseline). */
  tau: number | null;
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

/**
 * S_{r+1} of one shard from S_r and the updates of its committed trainers (each in canonical order:
 * params then slots). The updates are flattened so CenteredClip clips whole updates, not tensors.
 * Honest peers pass the same inclusion set in the same order and get bit-identical results.
 */
export function applyUpdates(start: ShardState, updates: readonly Float32Array[][], opts: AggregateOptions): ShardState {
  if (updates.length === 0) return { params: start.params.map((p) => p.slice()), slots: start.slots.map((s) => s.slice()) };
  const flat = updates.map(flatten);
  const agg = opts.tau === null ? mean(flat) : centeredClip(flat, { tau: opts.tau, iterations: opts.iterations });
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
