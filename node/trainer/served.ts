import type { Hex } from "viem";
import { stateBlob } from "../../lib/core/state-hash.ts";
import type { ModelState, MoeSpec } from "../../lib/ml/moe.ts";
import { stateRootOf, stateShapes } from "../../lib/protocol/step-trace.ts";
import type { BlobRequest, BlobStore as ServedStore } from "../../lib/p2p/index.ts";
import { encodeManifest, stateArrays } from "../../lib/protocol/index.ts";
import type { BlobStore, Journal } from "../journal.ts";

// What a trainer serves to its peers over /verihive/blob/1.0.0, by key:
//   updates      (the update root, PROTOCOL 3.9)    every peer aggregating the round
//   checkpoints  (the state root, PROTOCOL 3.9)       verifiers and jurors; s_0 also for state sync
//   manifests    (the commitment's Merkle root)      verifiers, jurors, state sync
//   shard states (the state root of S_r, each shard)  late joiners and restarted peers
// The blob store on disk is content-addressed (SHA-256 of the state blob); a checkpoint's state root maps
// to its blob's hash, and the journal keeps both so that a restarted trainer serves them again.
// Own updates and checkpoints are written to the blob store before the commitment is sent, so a restarted
// trainer still serves what it committed; manifests are rebuilt from the journal. Keys are tagged with the
// round they belong to and dropped once no audit or dispute can need them.

/** A commitment this trainer made (from its journal). */
export interface CommittedClaim {
  round: bigint;
  claim: { root: Hex; updateHash: Hex; samples: bigint };
}

export class ServedData implements ServedStore {
  readonly #mem = new Map<string, { bytes: Uint8Array; round: bigint; audit: boolean }>();
  readonly #disk: BlobStore;
  /** Keys that live on disk (own update and checkpoints), with their round. */
  readonly #persisted = new Map<string, bigint>();
  /** State root → the disk key of its blob, with the round. */
  readonly #aliases = new Map<string, { blob: string; round: bigint }>();
  readonly #servesAuditData: boolean;

  constructor(disk: BlobStore, opts: { servesAuditData: boolean }) {
    this.#disk = disk;
    this.#servesAuditData = opts.servesAuditData;
  }

  async get(hash: Hex, _request: BlobRequest): Promise<Uint8Array | undefined> {
    const key = hash.toLowerCase();
    const hit = this.#mem.get(key);
    if (hit) return hit.audit && !this.#servesAuditData ? undefined : hit.bytes;
    if (!this.#servesAuditData) return undefined;
    return this.#fromDisk(key);
  }

  /** What this node holds under `key`, whatever it serves to others (for its own state sync). */
  async own(key: Hex): Promise<Uint8Array | undefined> {
    const hit = this.#mem.get(key.toLowerCase());
    if (hit) return hit.bytes;
    return this.#fromDisk(key.toLowerCase());
  }

  async #fromDisk(key: string): Promise<Uint8Array | undefined> {
    const blob = this.#aliases.get(key)?.blob ?? key;
    return this.#persisted.has(blob) ? this.#disk.get(blob as Hex) : undefined;
  }

  /** An update this node holds (its own or a fetched one). */
  update(round: bigint, hash: Hex, bytes: Uint8Array): void {
    this.#mem.set(hash.toLowerCase(), { bytes, round, audit: false });
  }

  /** The node's own update (by its root): served, and persisted before the commitment goes out. */
  async ownUpdate(round: bigint, root: Hex, bytes: Uint8Array): Promise<void> {
    this.update(round, root, bytes);
    this.restored(round, [root], [await this.#disk.put(bytes)]);
  }

  /** The node's own trajectory of a round: checkpoints (persisted, served by state root) and the manifest keyed by `root`. */
  async ownTrajectory(round: bigint, root: Hex, checkpoints: readonly { root: Hex; arrays: Float32Array[] }[]): Promise<void> {
    this.manifest(round, root, checkpoints.map((c) => c.root));
    const blobs = await Promise.all(checkpoints.map((c) => this.#disk.put(stateBlob(c.arrays))));
    this.restored(round, checkpoints.map((c) => c.root), blobs);
  }

  /** Checkpoints and updates on disk (from the journal after a restart): their roots and their blobs' keys, in order. */
  restored(round: bigint, roots: readonly Hex[], blobs: readonly Hex[]): void {
    roots.forEach((r, i) => {
      const blob = blobs[i]?.toLowerCase();
      if (!blob) return;
      this.#persisted.set(blob, round);
      this.#aliases.set(r.toLowerCase(), { blob, round });
    });
  }

  /** What a restarted trainer committed before (its commit intents): served again, and returned to be finalized. */
  fromJournal(journal: Journal, runId: bigint): CommittedClaim[] {
    const committed: CommittedClaim[] = [];
    for (const rec of journal.records()) {
      if (rec.kind !== "commit-intent" || rec.runId !== runId.toString()) continue;
      const round = BigInt(rec.round as string);
      const checkpoints = rec.checkpoints as Hex[];
      this.manifest(round, rec.root as Hex, checkpoints);
      this.restored(round, [...checkpoints, rec.updateHash as Hex], (rec.blobs ?? []) as Hex[]);
      this.persisted(round, Object.values((rec.frozen ?? {}) as Record<string, Hex>)); // S_r, for the round's games
      committed.push({ round, claim: { root: rec.root as Hex, updateHash: rec.updateHash as Hex, samples: BigInt(rec.samples as string) } });
    }
    return committed;
  }

  /** A manifest (rebuilt from the journal after a restart). */
  manifest(round: bigint, root: Hex, checkpointRoots: readonly Hex[]): void {
    this.#mem.set(root.toLowerCase(), { bytes: encodeManifest(checkpointRoots), round, audit: true });
  }

  /** Blobs kept on disk by an earlier run of this node (from its journal), by their keys. */
  persisted(round: bigint, hashes: readonly Hex[]): this {
    for (const h of hashes) this.#persisted.set(h.toLowerCase(), round);
    return this;
  }

  /** S_round of every shard, keyed by state root: what a late joiner downloads. */
  model(round: bigint, state: ModelState, moe: MoeSpec): void {
    for (const [name, s] of Object.entries(state)) {
      const root = stateRootOf(stateArrays(s), stateShapes(name, moe));
      this.#mem.set(root.toLowerCase(), { bytes: stateBlob(stateArrays(s)), round, audit: false });
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
    for (const [k, a] of this.#aliases) if (a.round < round) this.#aliases.delete(k);
    const keep = new Set<Hex>([...this.#persisted.keys(), ...keepOnDisk].map((k) => k as Hex));
    dropped += (await this.#disk.prune(keep)).length;
    return dropped;
  }
}
