import { keccak256, type Hex } from "viem";
import type { AttackParams, TrainerAttack } from "./types.ts";

// equivocate: trains and commits honestly, but the signed gossip announcement carries another root and
// update hash (keccak256 of the real ones), so the trainer has signed a claim the chain disagrees with.
// Caught by: any peer or verifier holding the signed announcement (proveEquivocation on-chain,
// TrainerSlashed); receivers also cannot fetch an update under the announced hash.

export function equivocate(_params: AttackParams): TrainerAttack {
  return {
    name: "equivocate",
    servesAuditData: true,
    announced(_round: bigint, claim: { root: Hex; updateHash: Hex }): { root: Hex; updateHash: Hex } {
      return { root: keccak256(claim.root), updateHash: keccak256(claim.updateHash) };
    },
  };
}
