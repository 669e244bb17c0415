import type { PeerId } from "@libp2p/interface";
import type { Address, Hex } from "viem";
import type { MoeSpec, ModelState } from "../../lib/ml/moe.ts";
import { applyUpdates, shardName, stateShapes } from "../../lib/protocol/index.ts";
import type { RoundCommitment } from "../peer/commitments.ts";
import type { FetchContext } from "../peer/fetch.ts";
import { collectShardUpdates } from "../peer/update-exchange.ts";

// S_{r+1} from S_r and round r's inclusion set: every shard's committed updates fetched (root-checked),
// aggregated with CenteredClip and applied. Shared by the round loop and a restarted trainer catching up.

export interface AggregateRoundParams {
  fetch: FetchContext;
  state: ModelState;
  commitments: readonly RoundCommitment[];
  shards: number;
  moe: MoeSpec;
  /** Update bytes already held, by hash (filled with what is fetched). */
  local: Map<Hex, Uint8Array>;
  peerOf: (trainer: Address) => PeerId | undefined;
  /** "mean" is the undefended baseline (plain averaging) for measurements; CenteredClip otherwise. */
  aggregation?: "centered-clip" | "mean";
}

export async function aggregateRound(
  p: AggregateRoundParams,
): Promise<{ next: ModelState; included: number; missing: number; updatesByShard: Record<string, Float32Array[][]> }> {
  const next: ModelState = {};
  const updatesByShard: Record<string, Float32Array[][]> = {};
  let included = 0;
  let missing = 0;
  for (let k = 0; k < p.shards; k++) {
    const name = shardName(k, p.moe);
    const got = await collectShardUpdates({
      ...p.fetch,
      commitments: p.commitments.filter((c) => c.shard === k),
      local: p.local,
      peerOf: p.peerOf,
      shapes: stateShapes(name, p.moe),
    });
    included += got.included.length;
    missing += got.missing.length;
    next[name] = applyUpdates(p.state[name]!, got.updates, { tau: p.aggregation === "mean" ? null : "auto" });
    updatesByShard[name] = got.updates;
  }
  return { next, included, missing, updatesByShard };
}

/** Rounds of data (updates, checkpoints, manifests) a trainer keeps serving after the round it is in. */
export function retentionRounds(spec: { roundLength: number; auditWindow: number; disputeWindow: number; juryCommitWindow: number; juryRevealWindow: number }): bigint {
  const tail = spec.auditWindow + spec.disputeWindow + spec.juryCommitWindow + spec.juryRevealWindow;
  return BigInt(Math.max(2, Math.ceil(tail / spec.roundLength) + 1));
}
