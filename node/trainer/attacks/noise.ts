import type { ShardState } from "../../../lib/ml/moe.ts";
import { deriveSeed, SplitMix32 } from "../../../lib/ml/prng.ts";
import { copyState, distance, isCorrupted, mapState, stateSize } from "./segments.ts";
import type { AttackParams, TrainerAttack } from "./types.ts";

// noise: at each corrupted segment the honest progress is thrown away and replaced by a random step of
// λ times its length, end' = start + λ·‖end − start‖·g/‖g‖ with g a seeded gaussian direction (float64
// draws, stored as float32; the same seed, round and segment give the same direction).
// Caught by: a verifier replaying an audited corrupted segment (challenge, TrainerSlashed); CenteredClip
// bounds the damage of updates that slip through.

/** A gaussian direction of `n` elements from (seed, round, segment) by Box–Muller over splitmix32. */
export function gaussianDirection(seed: number, round: bigint, segment: number, n: number): Float64Array {
  const rng = new SplitMix32(deriveSeed(seed, `noise/${round}/${segment}`));
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

export function noise(params: AttackParams): TrainerAttack {
  const { lambda, fraction, seed } = params;
  return {
    name: "noise",
    servesAuditData: true,
    afterSegment(round: bigint, segment: number, start: ShardState, end: ShardState): ShardState {
      if (!isCorrupted(seed, round, segment, fraction)) return copyState(end);
      const g = gaussianDirection(seed, round, segment, stateSize(start));
      const gNorm = Math.sqrt(g.reduce((a, x) => a + x * x, 0));
      const scale = gNorm === 0 ? 0 : (lambda * distance(start, end)) / gNorm;
      return mapState(start, end, (s, _e, k) => s + scale * g[k]!);
    },
  };
}
