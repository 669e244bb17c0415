import type { StepConfig } from "../../../lib/ml/step.ts";
import type { AttackParams, TrainerAttack } from "./types.ts";

// one-op: the smallest fraud an audit can meet. In the first step of every segment that trains on at least
// one sample, one element of one operation is wrong: the first element v of the trained MLP's first matrix
// product (`gate.z1` or `expert.z1`, docs/PROTOCOL.md 3.8) becomes |v| + 1 (positive, so the ReLU after it
// passes the change on: +1 on a negative v would leave every later value, and the state, as they were);
// everything else is computed honestly from there. Exact mode only (it needs the reference step's trace); in tolerance mode it trains honestly.
// Caught by: a verifier replaying any audited segment (its end state differs).

const TARGET = new Set(["gate.z1", "expert.z1"]);

export function oneOpConfig(honest: StepConfig, checkpointInterval: number): StepConfig {
  if (honest.arithmetic !== "reference") return honest;
  let step = -1;
  let pending = false;
  return {
    ...honest,
    trace(name, values, op) {
      if (op === 0) {
        step += 1;
        if (step % checkpointInterval === 0) pending = true;
      }
      if (pending && TARGET.has(name)) {
        values[0] = Math.abs(values[0]!) + 1;
        pending = false;
      }
    },
  };
}

export function oneOp(_params: AttackParams): TrainerAttack {
  return { name: "one-op", servesAuditData: true, stepConfig: oneOpConfig };
}

/**
 * hide-one-op: one-op, and it serves no audit data (checkpoints, manifests), as withhold. Caught by: an auditor
 * that derives the trajectory from S_r and the seed, finds it is not the commitment, and opens a game of
 * ANY_SEGMENT: the trainer must post its manifest on-chain (or lose at the deadline), then loses the step game.
 */
export function hideOneOp(_params: AttackParams): TrainerAttack {
  return { name: "hide-one-op", servesAuditData: false, stepConfig: oneOpConfig };
}
