import type { PeerId } from "@libp2p/interface";
import type { Address, Hex } from "viem";
import { decodeStateBytes } from "../../lib/core/state-hash.ts";
import { BlobKind } from "../../lib/p2p/index.ts";
import type { RoundCommitment } from "./commitments.ts";
import type { Shape } from "../../lib/kernels/program.ts";
import { candidatePeers, fetchFromAny, updateVerifier, type FetchContext } from "./fetch.ts";


export interface CollectParams extends FetchContext {
  /** The shard's commitments, in inclusion order. */
  commitments: readonly RoundCommitment[];
  /** Update bytes this node already holds (its own, or fetched earlier), by hash. */
  local: Map<Hex, Uint8Array>;
  /** Peer of each trainer, learnt from verified announcements. */
  peerOf: (trainer: Address) => PeerId | undefined;
  /** Tensor shapes of the shard's update (params then slots): its root binds them. */
  shapes: readonly Shape[];
}

export interface Collected {
  updates: Float32Array[][];
  included: Address[];
  missing: Address[];
}

/**
 * Fetches every committed update of a shard (checking each against its root on-chain), asking the
 * committer first and then any connected peer. A trainer whose update nobody serves in time is left out:
 * the round still completes. A peer that sends wrong or oversized bytes is disconnected.
 */
export async function collectShardUpdates(p: CollectParams): Promise<Collected> {
  const sizes = p.shapes.map(([rows, cols]) => rows * cols);
  const maxBytes = 4 * sizes.reduce((a, b) => a + b, 0);
  const out: Collected = { updates: [], included: [], missing: [] };
  for (const c of p.commitments) {
    const verify = updateVerifier(c.updateHash, p.shapes);
    const bytes =
      p.local.get(c.updateHash) ??
      (await fetchFromAny(p, candidatePeers(p, p.peerOf(c.trainer)), c.updateHash, { kind: BlobKind.Update, maxBytes, verify }, { update: c.trainer }));
    if (!bytes) {
      out.missing.push(c.trainer);
      p.log.warn("update left out: nobody served it in time", { trainer: c.trainer, updateHash: c.updateHash });
      continue;
    }
    try {
      const arrays = decodeStateBytes(bytes, sizes);
      p.local.set(c.updateHash, bytes);
      out.updates.push(arrays);
      out.included.push(c.trainer);
    } catch (e) {
      // Only bytes held locally reach here undecoded (fetched ones were decoded to check their root).
      out.missing.push(c.trainer);
      p.log.warn("update left out: committed bytes do not decode", { trainer: c.trainer, error: (e as Error).message });
    }
  }
  return out;
}
