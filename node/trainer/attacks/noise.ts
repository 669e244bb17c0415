import { deriveSeed, SplitMix32 } from "../../../lib/ml/prng.ts";
import { mapUpdate } from "./update-math.ts";
import type { AttackParams, TrainerAttack, UpdateView } from "./types.ts";

// noise: commits a random direction at λ × the norm of its own honest Δ, u = λ·‖Δ‖·g/‖g‖ with g a seeded
// gaussian direction over params and slots (float64 draws, stored as float32; the same seed and round give
// the same direction), keeping the honest trajectory's root.
// Caught by: an audit's update check (the committed update is not s_0 − s_H of the committed trajectory:
// challenge of the last leaf, TrainerSlashed); CenteredClip bounds the damage of updates that slip through.

/** A gaussian direction of `n` elements from (seed, round) by Box–Muller over splitmix32. */
export function gaussianDirection(seed: number, round: bigint, n: number): Float64Array {
  const rng = new SplitMix32(deriveSeed(seed, `noise/${round}`));
  const g = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = (rng.nextUint32() + 1) / 2 ** 32; // (0, 1]: log is finite
    const u2 = rng.nextUint32() / 2 ** 32;
    const r = Math.sqrt(-2 * Math.log(u1));
    g[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) g[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return g;
}

/** λ·‖honest‖ times a unit gaussian direction drawn from (seed, round), shaped like `honest`. */
export function noiseUpdate(view: Pick<UpdateView, "honest">, lambda: number, seed: number, round: bigint): Float32Array[] {
  const n = view.honest.reduce((a, arr) => a + arr.length, 0);
  let honestSq = 0;
  for (const arr of view.honest) for (const x of arr) honestSq += x * x;
  const g = gaussianDirection(seed, round, n);
  let gSq = 0;
  for (const x of g) gSq += x * x;
  const scale = gSq === 0 ? 0 : (lambda * Math.sqrt(honestSq)) / Math.sqrt(gSq);
  const offsets = view.honest.map((_, i) => view.honest.slice(0, i).reduce((a, arr) => a + arr.length, 0));
  return mapUpdate(view.honest, (i, k) => scale * g[offsets[i]! + k]!);
}

export function noise(params: AttackParams): TrainerAttack {
  return {
    name: "noise",
    servesAuditData: true,
    replaceUpdate: async (round, view) => noiseUpdate(view, params.lambda, params.seed, round),
  };
}
