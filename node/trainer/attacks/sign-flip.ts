import type { ShardState } from "../../../lib/ml/moe.ts";
import { copyState, isCorrupted, mapState } from "./segments.ts";
import type { AttackParams, TrainerAttack } from "./types.ts";

// sign-flip: at each corrupted segment the state moves backwards, end' = start − λ·(end − start): the
// segment's progress reversed and scaled (parameters and momentum slots alike). The committed update
// then pushes the model away from what training found.
// Caught by: a verifier replaying an audited corrupted segment (its end hash differs from the leaf:
// challenge, TrainerSlashed); until then CenteredClip bounds its pull on the aggregate.

export function signFlip(params: AttackParams): TrainerAttack {
  const { lambda, fraction, seed } = params;
  return {
    name: "sign-flip",
    servesAuditData: true,
    afterSegment(round: bigint, segment: number, start: ShardState, end: ShardState): ShardState {
      if (!isCorrupted(seed, round, segment, fraction)) return copyState(end);
      return mapState(start, end, (s, e) => s - lambda * (e - s));
    },
  };
}
