import { scaledUpdate } from "./update-math.ts";
import type { AttackParams, TrainerAttack, UpdateView } from "./types.ts";

// sign-flip: commits −λ × its own honest Δ (the "update × −λ"), keeping the honest trajectory's
// root. Alone it is ipm's update without the collusion: every sign-flipper negates its own sample.
// Against a plain mean of n updates with m sign-flips the aggregate is (n − m − m·λ)/n × the honest mean.
// Caught by: an audit's update check (the committed update is not s_0 − s_H of the committed trajectory:
// challenge of the last leaf, TrainerSlashed); until then CenteredClip bounds its pull on the aggregate.
// (An earlier version reversed every segment of the trajectory instead; compounding over a round's
// segments, the velocities flipped with it and the attacker's own state overflowed float32 within two
// rounds, so it crashed before most audits could see it. docs/SECURITY.md keeps that run's figures.)

/** −λ × `honest`, element by element. */
export function signFlipUpdate(view: Pick<UpdateView, "honest">, lambda: number): Float32Array[] {
  return scaledUpdate(view.honest, -lambda);
}

export function signFlip(params: AttackParams): TrainerAttack {
  return {
    name: "sign-flip",
    servesAuditData: true,
    replaceUpdate: async (_round, view) => signFlipUpdate(view, params.lambda),
  };
}
