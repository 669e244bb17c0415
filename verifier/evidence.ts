import type { PeerId } from "@libp2p/interface";
import type { Address, Hex } from "viem";
import { decodeStateBlob, decodeStateBytes, stateBlob } from "../lib/core/state-hash.ts";
import type { Shape } from "../lib/kernels/program.ts";
import type { ShardState } from "../lib/ml/moe.ts";
import { BlobKind } from "../lib/p2p/index.ts";
import { encodeManifest, shardStateOf, type VerifiedManifest } from "../lib/protocol/index.ts";
import { ChainClock, sleep } from "../node/peer/clock.ts";
import { candidatePeers, fetchFromAny, fetchManifest, fetchState, updateVerifier, type FetchContext } from "../node/peer/fetch.ts";
import type { ServedEvidence } from "./served.ts";

// Fetching a commitment's audit data from peers until a deadline (chain time): the trainer first (its peer
// is learnt from its announcements), then every other connected peer, again every `retryMs` while the
// deadline allows. Everything fetched is hash-checked by the peer layer (a manifest by rebuilding the
// committed root, a state by h(s), an update by SHA-256) and then served by this node too. Data this node
// already serves is taken from memory.

export interface EvidenceEnv {
  fetch: () => FetchContext;
  served: ServedEvidence;
  clock: ChainClock;
  peerOf: (trainer: Address) => PeerId | undefined;
  /** Pause between fetch rounds (ms). */
  retryMs: number;
  signal: AbortSignal;
}

/** A fetch context whose signal also aborts at `deadline` (chain seconds), so no fetch outlives it. */
function boundedContext(env: EvidenceEnv, deadline: number): FetchContext {
  const base = env.fetch();
  const left = Math.max(1, Math.round((deadline - env.clock.now()) * 1000));
  return { ...base, signal: AbortSignal.any([env.signal, AbortSignal.timeout(left)]), timeoutMs: Math.min(base.timeoutMs, left) };
}

/** Runs `attempt` until it returns a value or `deadline` (chain seconds) passes; undefined then. */
export async function untilDeadline<T>(env: EvidenceEnv, deadline: number, attempt: (ctx: FetchContext) => Promise<T | undefined>): Promise<T | undefined> {
  while (env.clock.now() < deadline) {
    env.signal.throwIfAborted();
    const ctx = boundedContext(env, deadline);
    try {
      const got = await attempt(ctx);
      if (got !== undefined) return got;
    } catch (e) {
      env.signal.throwIfAborted();
      if (!ctx.signal?.aborted) throw e; // the deadline's abort is the normal end; anything else is a bug
    }
    const pause = Math.min(env.retryMs, (deadline - env.clock.now()) * 1000);
    if (pause > 0) await sleep(pause, env.signal);
  }
  return undefined;
}

export interface CommitmentRef {
  runId: bigint;
  round: bigint;
  trainer: Address;
  shard: number;
  root: Hex;
  updateHash: Hex;
  samples: bigint;
}

/** The commitment's manifest, checked against its root. */
export async function manifestOf(env: EvidenceEnv, ref: CommitmentRef, segments: number, deadline: number): Promise<VerifiedManifest | undefined> {
  const m = await untilDeadline(env, deadline, (ctx) =>
    fetchManifest(ctx, candidatePeers(ctx, env.peerOf(ref.trainer)), { runId: ref.runId, shard: ref.shard, round: ref.round, segments, root: ref.root }),
  );
  if (m) env.served.keep(ref.round, ref.root, encodeManifest(m.checkpointRoots));
  return m;
}

/** A checkpoint (or shard state) by its state root, decoded to tensors of `shapes`. */
export async function checkpointOf(
  env: EvidenceEnv,
  ref: CommitmentRef,
  hash: Hex,
  shapes: readonly Shape[],
  segment: number,
  deadline: number,
): Promise<ShardState | undefined> {
  const held = await heldState(env.served, hash, shapes);
  if (held) return held;
  const arrays = await untilDeadline(env, deadline, (ctx) =>
    fetchState(ctx, candidatePeers(ctx, env.peerOf(ref.trainer)), hash, shapes, { kind: BlobKind.Checkpoint, round: ref.round, segment }),
  );
  if (!arrays) return undefined;
  env.served.keep(ref.round, hash, stateBlob(arrays));
  return shardStateOf(arrays);
}

/** A state this node already holds under its state root (fetched before, or persisted as evidence), decoded. */
export async function heldState(served: ServedEvidence, hash: Hex, shapes: readonly Shape[]): Promise<ShardState | undefined> {
  const local = await served.lookup(hash);
  if (!local) return undefined;
  try {
    return shardStateOf(decodeStateBlob(local, shapes.map(([rows, cols]) => rows * cols)));
  } catch {
    return undefined;
  }
}

/** The committed update by its root, decoded to tensors of `shapes` (params then slots). */
export async function updateOfCommitment(env: EvidenceEnv, ref: CommitmentRef, shapes: readonly Shape[], deadline: number): Promise<Float32Array[] | undefined> {
  const sizes = shapes.map(([rows, cols]) => rows * cols);
  const maxBytes = 4 * sizes.reduce((a, b) => a + b, 0);
  const verify = updateVerifier(ref.updateHash, shapes);
  const bytes =
    (await env.served.lookup(ref.updateHash)) ??
    (await untilDeadline(env, deadline, (ctx) =>
      fetchFromAny(ctx, candidatePeers(ctx, env.peerOf(ref.trainer)), ref.updateHash, { kind: BlobKind.Update, round: ref.round, maxBytes, verify }, { update: ref.trainer }),
    ));
  if (!bytes) return undefined;
  try {
    const arrays = decodeStateBytes(bytes, sizes);
    env.served.keep(ref.round, ref.updateHash, bytes);
    return arrays;
  } catch {
    return undefined; // committed bytes that do not decode: treated as not served
  }
}
