import { scaledUpdate } from "./update-math.ts";
import type { AttackParams, TrainerAttack, UpdateView } from "./types.ts";

// ipm (inner-product manipulation, Xie et al., UAI 2019): commits −ε × the honest mean, so that the inner
// product of the aggregate with the true descent direction shrinks, or turns negative once the byzantine
// share of a shard times ε outweighs the honest share.
// The estimate of the honest mean: its own honest Δ of this round (the freshest unbiased sample it has;
// the previous round's updates were taken at another point S_{r-1}). Colluders of one shard each negate
// their own sample: they agree in direction, not bit for bit. ε = λ (--attack-lambda, default 1).
// Caught by: an audit's update check (the committed update is not s_0 − s_H of the committed trajectory:
// challenge of the last leaf, TrainerSlashed). Against a plain mean of n updates with m of them ipm, the
// aggregate is (n − m − m·ε)/n × the honest mean: zero at m·(1 + ε) = n.

/** −ε × `honest`, element by element. */
export function ipmUpdate(view: Pick<UpdateView, "honest">, epsilon: number): Float32Array[] {
  return scaledUpdate(view.honest, -epsilon);
}

export function ipm(params: AttackParams): TrainerAttack {
  return {
    name: "ipm",
    servesAuditData: true,
    replaceUpdate: async (_round, view) => ipmUpdate(view, params.lambda),
  };
}
