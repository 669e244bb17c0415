import type { Hex } from "viem";
import { stateBlob } from "../../lib/core/state-hash.ts";
import type { ModelState } from "../../lib/ml/moe.ts";
import type { BlobRequest, BlobStore as ServedStore } from "../../lib/p2p/index.ts";
import { encodeManifest, stateArrays } from "../../lib/protocol/index.ts";
import type { BlobStore } from "../journal.ts";

// What a trainer serves to its peers over /verihive/blob/1.0.0, by key:
//   updates      (SHA-256 of the bytes)     every peer aggregating the round
//   checkpoints  (h(s) = SHA-256 of the state blob)  verifiers and jurors; s_0 also for state sync
//   manifests    (the commitment's Merkle root)      verifiers, jurors, state sync
//   shard states (h(S_r) of every shard it holds)    late joiners and restarted peers
// Own updates and checkpoints are written to the blob store before the commitment is sent, so a restarted
// trainer still serves what it committed; manifests are rebuilt from the journal. Keys are tagged with the
// round they belong to and dropped once no audit or dispute can need them.

export class ServedData implements ServedStore {
  readonly #mem = new Map<string, { bytes: Uint8Array; round: bigint; audit: boolean }>();
  readonly #disk: BlobStore;
  /** Keys that live on disk (own update and checkpoints), with their round. */
  readonly #persisted = new Map<string, bigint>();
  readonly #servesAuditData: boolean;

  constructor(disk: BlobStore, opts: { servesAuditData: boolean }) {
    this.#disk = disk;
    this.#servesAuditData = opts.servesAuditData;
  }

  async get(hash: Hex, _request: BlobRequest): Promise<Uint8Array | undefined> {
    const key = hash.toLowerCase();
    const hit = this.#mem.get(key);
    if (hit) return hit.audit && !this.#servesAuditData ? undefined : hit.bytes;
    if (!this.#persisted.has(key) || !this.#servesAuditData) return undefined;
    return this.#disk.get(hash);
  }

  /** What this node holds under `key`, whatever it serves to others (for its own state sync). */
  async own(key: Hex): Promise<Uint8Array | undefined> {
    const hit = this.#mem.get(key.toLowerCase());
    if (hit) return hit.bytes;
    return this.#persisted.has(key.toLowerCase()) ? this.#disk.get(key) : undefined;
  }

  /** An update this node holds (its own or a fetched one). */
  update(round: bigint, hash: Hex, bytes: Uint8Array): void {
    this.#mem.set(hash.toLowerCase(), { bytes, round, audit: false });
  }

  /** The node's own update: served, and persisted before the commitment goes out. */
  async ownUpdate(round: bigint, hash: Hex, bytes: Uint8Array): Promise<void> {
    this.update(round, hash, bytes);
    await this.#disk.put(bytes);
    this.#persisted.set(hash.toLowerCase(), round);
  }

  /** The node's own trajectory of a round: checkpoints (persisted) and the manifest keyed by `root`. */
  async ownTrajectory(round: bigint, root: Hex, checkpoints: readonly { hash: Hex; arrays: Float32Array[] }[]): Promise<void> {
    this.manifest(round, root, checkpoints.map((c) => c.hash));
    await Promise.all(
      checkpoints.map(async (c) => {
        await this.#disk.put(stateBlob(c.arrays));
        this.#persisted.set(c.hash.toLowerCase(), round);
      }),
    );
  }

  /** A manifest (rebuilt from the journal after a restart). */
  manifest(round: bigint, root: Hex, checkpointHashes: readonly Hex[]): void {
    this.#mem.set(root.toLowerCase(), { bytes: encodeManifest(checkpointHashes), round, audit: true });
  }

  /** Checkpoints kept on disk by an earlier run of this node (from its journal). */
  persisted(round: bigint, hashes: readonly Hex[]): void {
    for (const h of hashes) this.#persisted.set(h.toLowerCase(), round);
  }

  /** S_round of every shard, keyed by state hash: what a late joiner downloads. */
  model(round: bigint, state: ModelState, hashes: Record<string, Hex>): void {
    for (const [name, s] of Object.entries(state)) {
      const h = hashes[name];
      if (h) this.#mem.set(h.toLowerCase(), { bytes: stateBlob(stateArrays(s)), round, audit: false });
    }
  }

  /** Drops everything older than `round`; returns how many keys were dropped. */
  async pruneBefore(round: bigint, keepOnDisk: ReadonlySet<string> = new Set()): Promise<number> {
    let dropped = 0;
    for (const [k, v] of this.#mem) {
      if (v.round >= round) continue;
      this.#mem.delete(k);
      dropped++;
    }
    for (const [k, r] of this.#persisted) if (r < round) this.#persisted.delete(k);
    const keep = new Set<Hex>([...this.#persisted.keys(), ...keepOnDisk].map((k) => k as Hex));
    dropped += (await this.#disk.prune(keep)).length;
    return dropped;
  }
}
