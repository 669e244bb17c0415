import type { PeerId } from "@libp2p/interface";
import type { Address, Hex } from "viem";
import { decodeStateBytes } from "../../lib/core/state-hash.ts";
import { BlobHashMismatchError, BlobProtocolError, BlobTooLargeError, type VerihiveNode } from "../../lib/p2p/index.ts";
import type { Logger } from "../log.ts";
import type { RoundCommitment } from "./chain-view.ts";

export interface CollectParams {
  node: VerihiveNode;
  me: Address;
  /** The shard's commitments, in inclusion order. */
  commitments: readonly RoundCommitment[];
  /** Update bytes this node already holds (its own, or fetched earlier), by hash. */
  local: Map<Hex, Uint8Array>;
  /** Peer of each trainer, learnt from verified announcements. */
  peerOf: (trainer: Address) => PeerId | undefined;
  /** Element counts of the shard's update (params then slots). */
  sizes: readonly number[];
  /** Peers caught misbehaving this round: never asked again this round. */
  banned: Set<string>;
  timeoutMs: number;
  log: Logger;
  signal?: AbortSignal;
}

export interface Collected {
  updates: Float32Array[][];
  included: Address[];
  missing: Address[];
}

/**
 * Fetches every committed update of a shard (checking each against the hash on-chain), asking the
 * committer first and then any connected peer. A trainer whose update nobody serves in time is left out:
 * the round still completes. A peer that sends wrong or oversized bytes is disconnected.
 */
export async function collectShardUpdates(p: CollectParams): Promise<Collected> {
  const maxBytes = 4 * p.sizes.reduce((a, b) => a + b, 0);
  const out: Collected = { updates: [], included: [], missing: [] };
  for (const c of p.commitments) {
    let bytes = p.local.get(c.updateHash);
    if (!bytes) {
      const first = p.peerOf(c.trainer);
      const candidates = [first, ...p.node.getPeers().filter((x) => !first || !x.equals(first))].filter(
        (x): x is PeerId => x !== undefined && !p.banned.has(x.toString()),
      );
      for (const peer of candidates) {
        try {
          bytes = await p.node.services.blobs.fetch(peer, c.updateHash, { maxBytes, timeoutMs: p.timeoutMs, ...(p.signal ? { signal: p.signal } : {}) });
          break;
        } catch (e) {
          const err = e as Error;
          p.log.warn("update fetch failed", { trainer: c.trainer, peer: peer.toString(), error: err.name, reason: err.message });
          if (e instanceof BlobHashMismatchError || e instanceof BlobTooLargeError || e instanceof BlobProtocolError) {
            p.banned.add(peer.toString());
            await p.node.hangUp(peer).catch(() => undefined);
            p.log.warn("peer disconnected for this round", { peer: peer.toString(), error: err.name });
          }
        }
      }
    }
    if (!bytes) {
      out.missing.push(c.trainer);
      p.log.warn("update left out: nobody served it in time", { trainer: c.trainer, updateHash: c.updateHash });
      continue;
    }
    try {
      const arrays = decodeStateBytes(bytes, p.sizes);
      p.local.set(c.updateHash, bytes);
      out.updates.push(arrays);
      out.included.push(c.trainer);
    } catch (e) {
      // The hash matched the chain, so the committer itself committed malformed bytes: leave it out.
      out.missing.push(c.trainer);
      p.log.warn("update left out: committed bytes do not decode", { trainer: c.trainer, error: (e as Error).message });
    }
  }
  return out;
}
