import type { AttackParams, TrainerAttack } from "./types.ts";

// stale: trains each round (so its trajectory and root are real) but commits the update it committed the
// last time it committed, computed at an older state. Since that one was replayed too, it keeps committing
// its first round's update: a step in an old direction every round (a lazy trainer would not even need to
// train after its first round). In its first round there is nothing to replay: it commits its honest update.
// Caught by: an audit's update check (the committed update is not s_0 − s_H of this round's trajectory:
// challenge of the last leaf, TrainerSlashed); the update hash also repeats across rounds, which anyone
// can see on-chain (nothing acts on that yet). Without audits, CenteredClip bounds its pull.

export function stale(_params: AttackParams): TrainerAttack {
  return {
    name: "stale",
    servesAuditData: true,
    replaceUpdate: async (_round, view) => view.ownPrevious?.map((a) => a.slice()),
  };
}
