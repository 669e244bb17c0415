import type { AttackParams, TrainerAttack } from "./types.ts";

// withhold: trains, commits and serves its update honestly, but never serves checkpoints or manifests,
// so nobody can audit it.
// Caught by: an auditing verifier that cannot fetch the audit data in time (reportUnavailable:
// CommitmentWithheld, the commitment earns nothing and the stake is slashed).

export function withhold(_params: AttackParams): TrainerAttack {
  return { name: "withhold", servesAuditData: false };
}
