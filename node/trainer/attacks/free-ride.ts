import type { AttackParams, TrainerAttack } from "./types.ts";

// free-ride: commits another trainer's update of this round and shard as its own (waiting up to
// FREE_RIDE_WAIT_MS for one to be announced and served) and claims the full samples for it. Its root is
// its own trajectory's. If no peer's update arrives in time it commits its honest update (the hook cannot
// skip training: a real free-rider would have done no work and would then miss the round).
// Caught by: an audit's update check (the committed update is not s_0 − s_H of the committed trajectory:
// challenge of the last leaf, TrainerSlashed). A copied honest update does little harm to the model (it
// counts twice in the aggregate); the attack is on the rewards.

/** How long it waits for a peer's update: less than the commit window's slack (run-spec: training + 8 s). */
export const FREE_RIDE_WAIT_MS = 5_000;

export function freeRide(_params: AttackParams): TrainerAttack {
  return {
    name: "free-ride",
    servesAuditData: true,
    replaceUpdate: async (_round, view) => view.peerUpdate(FREE_RIDE_WAIT_MS),
  };
}
