import type { Address, Hex } from "viem";
import type { BlobRequest, BlobStore as ServedStore } from "../lib/p2p/index.ts";
import type { BlobStore, Journal } from "../node/journal.ts";

// What a verifier serves to its peers over /verihive/blob/1.0.0: every manifest (key: the commitment's
// Merkle root), checkpoint (key: h(s)), update (key: SHA-256) and agreed shard state it fetched or
// computed, from memory, for as long as a dispute may need it; and the evidence of each challenge it opened
// from disk (journaled key → blob), so that jurors can fetch it from the challenger even after the trainer
// went silent or the verifier restarted. Keys are tagged with their round and dropped with it.

export interface EvidenceItem {
  /** The key peers ask for (root, h(s) or update hash). */
  key: Hex;
  bytes: Uint8Array;
}

export class ServedEvidence implements ServedStore {
  readonly #mem = new Map<string, { bytes: Uint8Array; round: bigint }>();
  /** Key → SHA-256 of the blob on disk, with its round. */
  readonly #disk = new Map<string, { sha: Hex; round: bigint }>();
  readonly #blobs: BlobStore;
  readonly #journal: Journal;
  readonly #runId: bigint;

  constructor(blobs: BlobStore, journal: Journal, runId: bigint) {
    this.#blobs = blobs;
    this.#journal = journal;
    this.#runId = runId;
    for (const rec of journal.records()) {
      if (rec.kind !== "evidence" || rec.runId !== runId.toString()) continue;
      for (const item of rec.items as { key: Hex; sha: Hex }[]) this.#disk.set(item.key.toLowerCase(), { sha: item.sha, round: BigInt(rec.round as string) });
    }
  }

  get(hash: Hex, _request: BlobRequest): Promise<Uint8Array | undefined> {
    return this.lookup(hash);
  }

  /** The bytes served under `hash`, if any (memory first, then the evidence on disk). */
  async lookup(hash: Hex): Promise<Uint8Array | undefined> {
    const key = hash.toLowerCase();
    const hit = this.#mem.get(key);
    if (hit) return hit.bytes;
    const onDisk = this.#disk.get(key);
    return onDisk ? this.#blobs.get(onDisk.sha) : undefined;
  }

  /** Serves `bytes` under `key` from memory (data fetched or computed for round `round`). */
  keep(round: bigint, key: Hex, bytes: Uint8Array): void {
    this.#mem.set(key.toLowerCase(), { bytes, round });
  }

  /** Writes a challenge's evidence to disk and journals it (fsync'ed) before the challenge is sent. */
  async persist(round: bigint, trainer: Address, items: readonly EvidenceItem[]): Promise<void> {
    const stored: { key: Hex; sha: Hex }[] = [];
    for (const item of items) {
      const sha = await this.#blobs.put(item.bytes);
      stored.push({ key: item.key, sha });
      this.keep(round, item.key, item.bytes);
    }
    await this.#journal.append("evidence", { runId: this.#runId.toString(), round: round.toString(), trainer, items: stored });
    for (const s of stored) this.#disk.set(s.key.toLowerCase(), { sha: s.sha, round });
  }

  /** Number of keys served. */
  get size(): number {
    return new Set([...this.#mem.keys(), ...this.#disk.keys()]).size;
  }

  /**
   * Stops serving memory data of rounds before `round`, deletes evidence of rounds before `diskRound`, and
   * every other blob on disk but `keepOnDisk` (the persisted model).
   */
  async pruneBefore(round: bigint, diskRound: bigint, keepOnDisk: ReadonlySet<Hex> = new Set()): Promise<void> {
    for (const [k, v] of this.#mem) if (v.round < round) this.#mem.delete(k);
    for (const [k, v] of this.#disk) if (v.round < diskRound) this.#disk.delete(k);
    await this.#blobs.prune(new Set([...[...this.#disk.values()].map((v) => v.sha), ...keepOnDisk]));
  }
}
