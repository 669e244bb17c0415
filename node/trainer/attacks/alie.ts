import { mapUpdate, meanStd, sameShape } from "./update-math.ts";
import type { AttackParams, TrainerAttack, UpdateView } from "./types.ts";

// alie ("a little is enough", Baruch et al., NeurIPS 2019): commits μ̂ − z·σ̂, coordinate by coordinate, a
// vector that sits inside the spread of honest updates (so distance-based defences keep it) but pulls
// every coordinate the same way, round after round.
// The estimate, from what an attacker sees without a side channel (all of it public or its own):
//   μ̂ = its own honest Δ of this round: an unbiased sample of this round's honest updates;
//   σ̂ = the coordinate-wise (population) standard deviation of the shard's updates aggregated in the
//       previous round together with its own honest Δ: the public spread between trainers.
// In round 0 there is no previous round, σ̂ = 0, and it commits its honest update. Colluders of one shard
// see the same previous round, so they share σ̂ and push the same way; z = λ (--attack-lambda, default 1;
// the paper's z_max for 3 trainers of which 1 byzantine is Φ⁻¹(2/3) ≈ 0.43, for 2 of which 1 it is 0).
// Caught by: an audit's update check (the committed update is not s_0 − s_H of the committed trajectory:
// challenge of the last leaf, TrainerSlashed). Without audits, CenteredClip barely sees it: that is its point.

/** μ̂ − z·σ̂ from the view (see above); undefined when σ̂ cannot be estimated or the shapes disagree. */
export function alieUpdate(view: Pick<UpdateView, "honest" | "previousRound">, z: number): Float32Array[] | undefined {
  const sample = [...view.previousRound, view.honest];
  if (sample.length < 2 || !sameShape(view.honest, view.previousRound)) return undefined;
  const { std } = meanStd(sample);
  return mapUpdate(view.honest, (i, k) => view.honest[i]![k]! - z * std[i]![k]!);
}

export function alie(params: AttackParams): TrainerAttack {
  return {
    name: "alie",
    servesAuditData: true,
    replaceUpdate: async (_round, view) => alieUpdate(view, params.lambda),
  };
}
