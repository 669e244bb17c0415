import type { Address, Hex } from "viem";
import type { RunSpec } from "../lib/core/spec.ts";
import { decodeStateBlob, stateBlob } from "../lib/core/state-hash.ts";
import type { MoeSpec, ModelState, ShardState } from "../lib/ml/moe.ts";
import { BlobKind } from "../lib/p2p/index.ts";
import { applyUpdates, shardName, shardStateOf, stateArrays, stateSizes } from "../lib/protocol/index.ts";
import { stateRootOf, stateShapes } from "../lib/protocol/step-trace.ts";
import type { BlobStore, Journal } from "../node/journal.ts";
import type { Logger } from "../node/log.ts";
import { majorityHash, StateSyncError, verifiedManifests, type AgreedStateParams } from "../node/peer/agreed-state.ts";
import { roundCommitments, type RoundCommitment } from "../node/peer/commitments.ts";
import { candidatePeers, fetchState } from "../node/peer/fetch.ts";
import { collectShardUpdates } from "../node/peer/update-exchange.ts";
import type { EvidenceEnv } from "./evidence.ts";

// What the verifier must record of each round as it happens, so that it can always establish S_r later
// (PROTOCOL §9, step 5), without aggregating every round as the trainers do.
//
// S_r[shard] is normally read from the majority of round r's manifests (agreedState) and fetched by hash
// when an audit or a jury needs it. That fails for a shard whose round has no majority: nobody committed to
// it, or its committers withhold their manifests (the withhold attack, which an auditor must still be able
// to report). For such a shard the tracker *carries* S_r itself, computed at commitDeadline(r) + 1 s from
// S_{r-1}[shard] (carried too, or fetched by round r-1's majority hash) and round r-1's updates, aggregated
// over round r-1's inclusion set as it was read at commitDeadline(r-1) + 1 s (the statuses trainers saw:
// a trainer slashed later was still aggregated by everyone). Doing it then, one round later, the updates are
// still served (trainers keep retentionRounds of data). So each round costs one inclusion-set read and the
// round's manifests (a few kB); the aggregation and a state fetch happen only for shards without a majority.
// Each round's record is journaled ("model"), carried states as blobs, so a restarted verifier goes on.

/** What the tracker reads from the chain and the peers (chainRoundSource; tests substitute their own). */
export interface RoundSource {
  /** A round's inclusion set as the chain says now (roundCommitments). */
  inclusion(round: bigint): Promise<RoundCommitment[]>;
  /** The start hashes h(s_0) of those of `cs`'s manifests that some peer serves, each checked against its root. */
  startHashes(round: bigint, cs: readonly RoundCommitment[]): Promise<Hex[]>;
  /** S_round of shard `shard` by its hash, asking `holders`' peers first; undefined if nobody serves it. */
  state(round: bigint, shard: number, hash: Hex, holders: readonly RoundCommitment[]): Promise<ShardState | undefined>;
  /** The committed updates of `cs` (one shard's), hash-checked; the trainers whose update nobody served. */
  updates(shard: number, cs: readonly RoundCommitment[]): Promise<{ updates: Float32Array[][]; missing: Address[] }>;
  /** S_round without a record of it (a late start): agreedState's walk back, with today's statuses. */
  agreed(round: bigint, deadline: number): Promise<{ state: ModelState } | undefined>;
}

export interface ModelTrackerParams {
  runId: bigint;
  spec: RunSpec;
  moe: MoeSpec;
  initial: ModelState;
  source: RoundSource;
  /** Serves a carried state (peers catching up and jurors may ask this node). */
  serve: (round: bigint, hash: Hex, blob: Uint8Array) => void;
  blobs: BlobStore;
  journal: Journal;
  log: Logger;
}

/** The RoundSource of a running verifier. */
export function chainRoundSource(
  p: Pick<AgreedStateParams, "client" | "coordinator" | "runId" | "spec" | "moe" | "fromBlock"> & { evidence: EvidenceEnv; agreed: RoundSource["agreed"] },
): RoundSource {
  const { evidence } = p;
  return {
    inclusion: (round) => roundCommitments(p.client, p.coordinator, p.runId, round, p.fromBlock),
    startHashes: async (round, cs) => (await verifiedManifests({ ...p, fetch: evidence.fetch(), peerOf: evidence.peerOf }, round, cs)).map(({ m }) => m.checkpointRoots[0]!),
    state: async (round, shard, hash, holders) => {
      const ctx = evidence.fetch();
      const first = holders.map((c) => evidence.peerOf(c.trainer)).filter((x) => x !== undefined);
      const shapes = stateShapes(shardName(shard, p.moe), p.moe);
      const arrays = await fetchState(ctx, [...first, ...candidatePeers(ctx, undefined)], hash, shapes, { kind: BlobKind.Checkpoint, round, segment: 0 });
      return arrays && shardStateOf(arrays);
    },
    updates: (shard, cs) =>
      collectShardUpdates({ ...evidence.fetch(), commitments: cs, local: new Map(), peerOf: evidence.peerOf, shapes: stateShapes(shardName(shard, p.moe), p.moe) }),
    agreed: p.agreed,
  };
}

/** What the tracker knows of one round. */
export interface RoundRecord {
  round: bigint;
  /** The round's inclusion set, read at commitDeadline(round) + 1 s, as trainers read it. */
  inclusion: RoundCommitment[];
  /** h(S_round[shard]) that more than half of the shard's verified manifests start from. */
  majority: Record<string, Hex>;
  /** S_round of every shard without such a majority. */
  carried: ModelState;
}

/** Rounds of records kept in memory (the next advance needs the previous one). */
const KEPT = 3n;

export class ModelTracker {
  readonly #p: ModelTrackerParams;
  readonly #records = new Map<bigint, RoundRecord>();
  /** Blob hashes of the persisted carried states. */
  #keys = new Set<Hex>();

  constructor(p: ModelTrackerParams) {
    this.#p = p;
  }

  /** Loads the newest persisted record (if its carried states' blobs are intact); its round. */
  async load(): Promise<bigint | undefined> {
    const p = this.#p;
    const rec = p.journal.last("model", (r) => r.runId === p.runId.toString() && Array.isArray(r.inclusion));
    if (!rec) return undefined;
    const blobHashes = rec.carried as Record<string, Hex>;
    const carried: ModelState = {};
    for (const [name, hash] of Object.entries(blobHashes)) {
      const bytes = await p.blobs.get(hash);
      if (!bytes) return undefined;
      const arrays = decodeStateBlob(bytes, stateSizes(name, p.moe));
      carried[name] = shardStateOf(arrays);
    }
    const inclusion = (rec.inclusion as Record<string, string>[]).map((c) => ({
      trainer: c.trainer as Address,
      shard: Number(c.shard),
      root: c.root as Hex,
      updateHash: c.updateHash as Hex,
      samples: BigInt(c.samples!),
    }));
    const round = BigInt(rec.round as string);
    this.#records.set(round, { round, inclusion, majority: rec.majority as Record<string, Hex>, carried });
    this.#keys = new Set(Object.values(blobHashes).map((h) => h.toLowerCase() as Hex));
    return round;
  }

  /** What this node recorded of round `round`, if it did. */
  record(round: bigint): RoundRecord | undefined {
    return this.#records.get(round);
  }

  /** Blob hashes the persisted records keep alive. */
  keys(): Set<Hex> {
    return new Set(this.#keys);
  }

  /** Records round `round`; call at commitDeadline(round) + 1 s (the inclusion set is read first). */
  async advance(round: bigint, deadline: number): Promise<RoundRecord> {
    const p = this.#p;
    const have = this.#records.get(round);
    if (have) return have;
    const inclusion = await p.source.inclusion(round);
    const majority: Record<string, Hex> = {};
    const carried: ModelState = {};
    for (let k = 0; k < p.spec.shards; k++) {
      const name = shardName(k, p.moe);
      const cs = inclusion.filter((c) => c.shard === k);
      const agreed = majorityHash(cs.length > 0 ? await p.source.startHashes(round, cs) : []);
      if (agreed) majority[name] = agreed;
      else carried[name] = await this.#carry(round, k, deadline);
    }
    const rec: RoundRecord = { round, inclusion, majority, carried };
    await this.#persist(rec);
    this.#records.set(round, rec);
    for (const r of this.#records.keys()) if (r + KEPT <= round) this.#records.delete(r);
    p.log.info("model", { round, majority, carried: Object.keys(carried) });
    return rec;
  }

  /** S_round of shard k from S_{round-1} and round round-1's updates of the shard. */
  async #carry(round: bigint, k: number, deadline: number): Promise<ShardState> {
    const p = this.#p;
    const name = shardName(k, p.moe);
    if (round === 0n) return p.initial[name]!;
    const prev = this.#records.get(round - 1n);
    let start: ShardState | undefined;
    let inclusion: RoundCommitment[];
    if (prev) {
      inclusion = prev.inclusion.filter((c) => c.shard === k);
      start = prev.carried[name];
      const hash = prev.majority[name];
      if (!start && hash) start = await p.source.state(round - 1n, k, hash, inclusion);
    } else {
      // No record of the round before (this node started since): the logs' walk back, with today's statuses.
      p.log.warn("no record of the previous round: its inclusion set is read now", { round: round - 1n, shard: name });
      inclusion = (await p.source.inclusion(round - 1n)).filter((c) => c.shard === k);
      start = (await p.source.agreed(round - 1n, deadline))?.state[name];
    }
    if (!start) throw new StateSyncError(`S_${round - 1n} of ${name} could not be established, so S_${round} cannot be carried`, { shard: name, round });
    if (inclusion.length === 0) return start;
    const got = await p.source.updates(k, inclusion);
    if (got.missing.length > 0) p.log.warn("carried state leaves out updates nobody served", { round: round - 1n, shard: name, missing: got.missing });
    return applyUpdates(start, got.updates, { tau: "auto" });
  }

  async #persist(rec: RoundRecord): Promise<void> {
    const p = this.#p;
    const carried: Record<string, Hex> = {};
    for (const [name, s] of Object.entries(rec.carried)) {
      const blob = stateBlob(stateArrays(s));
      carried[name] = await p.blobs.put(blob);
      // Stored on disk by content hash, served by state root (what peers fetch a state by).
      p.serve(rec.round, stateRootOf(stateArrays(s), stateShapes(name, p.moe)), blob);
    }
    const inclusion = rec.inclusion.map((c) => ({ trainer: c.trainer, shard: c.shard, root: c.root, updateHash: c.updateHash, samples: c.samples.toString() }));
    await p.journal.append("model", { runId: p.runId.toString(), round: rec.round.toString(), inclusion, majority: rec.majority, carried });
    this.#keys = new Set(Object.values(carried).map((h) => h.toLowerCase() as Hex));
  }
}
