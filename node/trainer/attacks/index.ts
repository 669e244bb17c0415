import { VerihiveError } from "../../../lib/core/errors.ts";
import { alie } from "./alie.ts";
import { equivocate } from "./equivocate.ts";
import { freeRide } from "./free-ride.ts";
import { ipm } from "./ipm.ts";
import { labelFlip } from "./label-flip.ts";
import { noise } from "./noise.ts";
import { hideOneOp, oneOp } from "./one-op.ts";
import { signFlip } from "./sign-flip.ts";
import { stale } from "./stale.ts";
import type { AttackName, AttackParams, TrainerAttack } from "./types.ts";
import { withhold } from "./withhold.ts";

// Trainer attacks, for test networks only (`verihive trainer --attack NAME`): each file builds one
// TrainerAttack (types.ts: the hooks the round loop calls).
//   sign-flip.ts   commits −λ × its own honest Δ
//   noise.ts       commits a random direction at λ × the norm of its honest Δ
//   label-flip.ts  trains on labels y → 9 − y
//   equivocate.ts  announces on gossip another root than it commits
//   withhold.ts    does not serve audit data (checkpoints, manifests)
//   alie.ts        commits μ̂ − z·σ̂ ("a little is enough"), estimated from the previous round and its own Δ
//   ipm.ts         commits −ε × its own honest Δ (inner-product manipulation)
//   stale.ts       commits the update it committed last time (replays an old update)
//   free-ride.ts   commits another trainer's update of the round and claims the samples
//   one-op.ts      exact mode: one element of one operation of one step per segment is wrong (+1 in z1);
//                  hide-one-op also serves no audit data
//   segments.ts    which segments a partial cheater corrupts (bench:detection's model), finite float32
//   update-math.ts coordinate-wise mean and standard deviation, element-wise maps over updates
// sign-flip, noise and the last four replace the committed update (replaceUpdate) and keep the honest trajectory's root, so an
// audit's update check catches them.

export type { AttackName, AttackParams, TrainerAttack } from "./types.ts";

const FACTORIES: Record<AttackName, (params: AttackParams) => TrainerAttack> = {
  "sign-flip": signFlip,
  noise,
  "label-flip": labelFlip,
  equivocate,
  withhold,
  alie,
  ipm,
  stale,
  "free-ride": freeRide,
  "one-op": oneOp,
  "hide-one-op": hideOneOp,
};

/** Every attack name, in help order. */
export const ATTACK_NAMES: readonly AttackName[] = Object.keys(FACTORIES) as AttackName[];

/** An attack name is unknown, or its parameters are out of range. */
export class AttackError extends VerihiveError {
  override name = "AttackError";
}

export function isAttackName(name: string): name is AttackName {
  return Object.hasOwn(FACTORIES, name);
}

/** Builds the attack `name`; λ must be finite and > 0, the seed a safe integer (used mod 2^32). */
export function createAttack(name: string, params: AttackParams): TrainerAttack {
  if (!isAttackName(name)) throw new AttackError(`unknown attack '${name}' (one of ${ATTACK_NAMES.join(", ")})`, { name });
  if (!Number.isFinite(params.lambda) || params.lambda <= 0) throw new AttackError(`attack lambda must be finite and > 0 (got ${params.lambda})`, { params });
  if (!Number.isSafeInteger(params.seed)) throw new AttackError(`attack seed must be an integer (got ${params.seed})`, { params });
  return FACTORIES[name](params);
}
