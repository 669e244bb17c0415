import type { PeerId } from "@libp2p/interface";
import type { Hex } from "viem";
import { decodeStateBlob, decodeStateBytes, hashBytes } from "../../lib/core/state-hash.ts";
import type { Shape } from "../../lib/kernels/program.ts";
import { stateRootOf, updateRootOf } from "../../lib/protocol/step-trace.ts";
import { manifestBytes, verifyManifest, type ManifestContext, type VerifiedManifest } from "../../lib/protocol/manifest.ts";
import { BlobHashMismatchError, BlobKind, BlobProtocolError, BlobTimeoutError, BlobTooLargeError, type FetchBlobOptions, type VerihiveNode } from "../../lib/p2p/index.ts";
import type { Logger } from "../log.ts";

// Fetching protocol data from peers, shared by trainers and verifiers: try the likeliest peer first, then
// every other connected one; a peer that sends wrong, oversized or malformed bytes is disconnected and not
// asked again (for as long as the caller keeps `banned`). A peer that lets a request time out is asked only after
// every other one from then on (for as long as the caller keeps `slow`): free Sybils that accept a stream and
// never answer cost a fetch one time-out each, once, not one each per fetch (REVIEW 10).

export interface FetchContext {
  node: VerihiveNode;
  /** Peers caught misbehaving: never asked. */
  banned: Set<string>;
  /** Peers that let a request time out: asked last. Keep one set across fetches for it to cost them. */
  slow?: Set<string>;
  timeoutMs: number;
  log: Logger;
  signal?: AbortSignal;
  /** This node's own data (checked like a peer's), tried before any peer: a restarted node's own commitments. */
  ownData?: (key: Hex) => Promise<Uint8Array | undefined>;
}

/** `first` (if known) followed by every other connected peer, minus banned ones. */
export function candidatePeers(ctx: FetchContext, first: PeerId | undefined): PeerId[] {
  // From the connections' own PeerId objects: libp2p's getPeers() re-parses each peer id from its string,
  // which decompresses the peer's secp256k1 key every time (a measurable share of an idle verifier's CPU).
  const out: PeerId[] = [];
  const seen = new Set<string>(ctx.banned);
  for (const peer of [first, ...ctx.node.getConnections().map((c) => c.remotePeer)]) {
    if (peer === undefined || seen.has(peer.toString())) continue;
    seen.add(peer.toString());
    out.push(peer);
  }
  return out;
}

/** Fetches the blob keyed `key` from the first of `peers` that serves it; undefined if none does. */
export async function fetchFromAny(
  ctx: FetchContext,
  peers: readonly PeerId[],
  key: Hex,
  options: Omit<FetchBlobOptions, "timeoutMs" | "signal">,
  what: Record<string, unknown>,
): Promise<Uint8Array | undefined> {
  const own = await ctx.ownData?.(key);
  if (own !== undefined) {
    try {
      if (options.verify ? options.verify(own) : hashBytes(own) === key.toLowerCase()) return own;
    } catch {
      // our own copy is unusable: ask the peers
    }
  }
  const slow = ctx.slow;
  const ordered = slow && slow.size > 0 ? [...peers.filter((p) => !slow.has(p.toString())), ...peers.filter((p) => slow.has(p.toString()))] : peers;
  for (const peer of ordered) {
    if (ctx.banned.has(peer.toString())) continue;
    try {
      return await ctx.node.services.blobs.fetch(peer, key, { ...options, timeoutMs: ctx.timeoutMs, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    } catch (e) {
      ctx.signal?.throwIfAborted();
      const err = e as Error;
      ctx.log.warn("fetch failed", { ...what, key, peer: peer.toString(), error: err.name, reason: err.message });
      if (e instanceof BlobTimeoutError) slow?.add(peer.toString());
      if (e instanceof BlobHashMismatchError || e instanceof BlobTooLargeError || e instanceof BlobProtocolError) {
        ctx.banned.add(peer.toString());
        await ctx.node.hangUp(peer).catch(() => undefined);
        ctx.log.warn("peer disconnected: it sent bad data", { peer: peer.toString(), error: err.name });
      }
    }
  }
  return undefined;
}

/** The manifest of a commitment, checked against its on-chain root; undefined if nobody serves it. */
export async function fetchManifest(ctx: FetchContext, peers: readonly PeerId[], m: ManifestContext): Promise<VerifiedManifest | undefined> {
  let verified: VerifiedManifest | undefined;
  const bytes = await fetchFromAny(
    ctx,
    peers,
    m.root,
    {
      kind: BlobKind.Manifest,
      round: m.round,
      maxBytes: manifestBytes(m.segments),
      verify: (b) => ((verified = verifyManifest(b, m)), true),
    },
    { manifest: m.root, round: m.round },
  );
  return bytes === undefined ? undefined : verified;
}

/**
 * A shard state (or checkpoint) by its state root (docs/PROTOCOL.md 3.9), decoded to tensors of `shapes`
 * (parameters then slots); undefined if nobody serves it. The blob is the count-prefixed state (stateBlob):
 * decoding checks every count and finiteness, then the tensors must make the root asked for.
 */
export async function fetchState(
  ctx: FetchContext,
  peers: readonly PeerId[],
  root: Hex,
  shapes: readonly Shape[],
  where: { kind?: BlobKind; round?: bigint; segment?: number } = {},
): Promise<Float32Array[] | undefined> {
  let arrays: Float32Array[] | undefined;
  const sizes = shapes.map(([rows, cols]) => rows * cols);
  const maxBytes = sizes.reduce((a, n) => a + 4 + 4 * n, 0);
  const bytes = await fetchFromAny(
    ctx,
    peers,
    root,
    {
      kind: where.kind ?? BlobKind.ShardState,
      maxBytes,
      ...(where.round !== undefined ? { round: where.round } : {}),
      ...(where.segment !== undefined ? { segment: where.segment } : {}),
      verify: (b) => {
        const decoded = decodeStateBlob(b, sizes);
        if (stateRootOf(decoded, shapes).toLowerCase() !== root.toLowerCase()) return false;
        arrays = decoded;
        return true;
      },
    },
    { state: root },
  );
  return bytes === undefined ? undefined : arrays;
}

/** Checks fetched update bytes against the committed update root: they decode (sizes, finiteness) and make it. */
export function updateVerifier(root: Hex, shapes: readonly Shape[]): (bytes: Uint8Array) => boolean {
  const sizes = shapes.map(([rows, cols]) => rows * cols);
  return (bytes) => updateRootOf(decodeStateBytes(bytes, sizes), shapes).toLowerCase() === root.toLowerCase();
}
