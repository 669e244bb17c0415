import type { Address, Hex, PublicClient } from "viem";
import type { RunSpec } from "../lib/core/spec.ts";
import { decodeStateBlob, stateBlob } from "../lib/core/state-hash.ts";
import type { MoeSpec, ModelState } from "../lib/ml/moe.ts";
import { applyUpdates, shardName, stateArrays, stateSizes } from "../lib/protocol/index.ts";
import type { BlobStore, Journal } from "../node/journal.ts";
import type { Logger } from "../node/log.ts";
import { roundCommitments } from "../node/peer/commitments.ts";
import { collectShardUpdates } from "../node/peer/update-exchange.ts";
import type { EvidenceEnv } from "./evidence.ts";

// The model as the trainers hold it: S_{r+1} = S_r with round r's inclusion set aggregated, the inclusion
// set read at commitDeadline(r) + 1 s exactly as trainers read it (PROTOCOL §9, step 5). The verifier
// needs it because a shard nobody committed to in round r is not in round r's manifests: its S_r can only
// be carried forward, and recomputing it later from the logs would use today's statuses (a trainer
// slashed after the deadline was still aggregated by everyone). It is passed to agreedState as the state
// this node trusts, persisted after each round (state blobs + a journaled "model" record) and served.

export interface ModelTrackerParams {
  runId: bigint;
  spec: RunSpec;
  moe: MoeSpec;
  client: PublicClient;
  coordinator: Address;
  fromBlock: bigint;
  initial: ModelState;
  /** S_round as the majority of round `round`'s committers started it (undefined if not established by `deadline`). */
  agreed: (round: bigint, deadline: number) => Promise<{ state: ModelState } | undefined>;
  evidence: EvidenceEnv;
  blobs: BlobStore;
  journal: Journal;
  log: Logger;
}

export class ModelTracker {
  readonly #p: ModelTrackerParams;
  /** S_r by round (the latest few). */
  readonly #states = new Map<bigint, ModelState>();
  #hashes: Record<string, Hex> = {};

  constructor(p: ModelTrackerParams) {
    this.#p = p;
    this.#states.set(0n, p.initial);
  }

  /** Loads the newest persisted S_r (if its blobs are intact). */
  async load(): Promise<bigint | undefined> {
    const p = this.#p;
    const rec = p.journal.last("model", (r) => r.runId === p.runId.toString());
    if (!rec) return undefined;
    const hashes = rec.hashes as Record<string, Hex>;
    const state: ModelState = {};
    for (let k = 0; k < p.spec.shards; k++) {
      const name = shardName(k, p.moe);
      const bytes = hashes[name] ? await p.blobs.get(hashes[name]) : undefined;
      if (!bytes) return undefined;
      const arrays = decodeStateBlob(bytes, stateSizes(name, p.moe));
      state[name] = { params: arrays.slice(0, arrays.length / 2), slots: arrays.slice(arrays.length / 2) };
    }
    const round = BigInt(rec.round as string);
    this.#states.set(round, state);
    this.#hashes = hashes;
    return round;
  }

  /** S_round if this node computed (or loaded) it. */
  local(round: bigint): { round: bigint; state: ModelState } | undefined {
    const state = this.#states.get(round);
    return state ? { round, state } : undefined;
  }

  /** Blob hashes the persisted model keeps alive. */
  keys(): Set<Hex> {
    return new Set(Object.values(this.#hashes).map((h) => h.toLowerCase() as Hex));
  }

  /** Computes S_{round+1}; call at commitDeadline(round) + 1 s (the inclusion set is read first). */
  async advance(round: bigint, deadline: number): Promise<void> {
    const p = this.#p;
    if (this.#states.has(round + 1n)) return;
    const commitments = await roundCommitments(p.client, p.coordinator, p.runId, round, p.fromBlock);
    const base = (await p.agreed(round, deadline))?.state ?? this.#states.get(round);
    if (!base) {
      p.log.warn("model not advanced: S_r unknown", { round });
      return;
    }
    const next: ModelState = {};
    let missing = 0;
    for (let k = 0; k < p.spec.shards; k++) {
      const name = shardName(k, p.moe);
      const got = await collectShardUpdates({
        ...p.evidence.fetch(),
        commitments: commitments.filter((c) => c.shard === k),
        local: new Map(),
        peerOf: p.evidence.peerOf,
        sizes: stateSizes(name, p.moe),
      });
      missing += got.missing.length;
      next[name] = applyUpdates(base[name]!, got.updates, { tau: "auto" });
    }
    this.#states.set(round + 1n, next);
    for (const r of this.#states.keys()) if (r < round) this.#states.delete(r);
    const hashes: Record<string, Hex> = {};
    for (const [name, s] of Object.entries(next)) {
      const blob = stateBlob(stateArrays(s));
      hashes[name] = await p.blobs.put(blob);
      p.evidence.served.keep(round + 1n, hashes[name], blob);
    }
    await p.journal.append("model", { runId: p.runId.toString(), round: (round + 1n).toString(), hashes });
    this.#hashes = hashes;
    p.log.info("model", { round: round + 1n, included: commitments.length - missing, missing, hashes });
  }
}
