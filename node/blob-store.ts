import { randomBytes } from "node:crypto";
import { mkdir, readdir, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Hex } from "viem";
import { hashBytes } from "../lib/core/state-hash.ts";
import { BLOB_DIR, BlobStoreError, TEMP_PREFIX, isMissing, openExisting, writeFileAtomic } from "./persistence-common.ts";

// ---------------------------------------------------------------------------------------------- blobs

export interface BlobStoreOptions {
  /** Largest blob `put` accepts and `get` reads; larger files found on disk count as corrupt. */
  maxBlobBytes: number;
  /** Called when `get` finds a corrupt blob (before it is deleted), e.g. to log it. */
  onCorrupt?: (hash: Hex, reason: string) => void;
}

const HASH = /^0x[0-9a-fA-F]{64}$/;
const BLOB_NAME = /^[0-9a-f]{64}$/;

/** Content-addressed blobs under `<dataDir>/blobs/`, keyed by their 0x SHA-256 hex (see the header). */
export class BlobStore {
  /** The blobs folder. */
  readonly dir: string;
  readonly maxBlobBytes: number;
  readonly #onCorrupt: ((hash: Hex, reason: string) => void) | undefined;

  private constructor(dir: string, options: BlobStoreOptions) {
    this.dir = dir;
    this.maxBlobBytes = options.maxBlobBytes;
    this.#onCorrupt = options.onCorrupt;
  }

  /** Opens `<dataDir>/blobs/`, creating it, and removes temp files left by a crash. */
  static async open(dataDir: string, options: BlobStoreOptions): Promise<BlobStore> {
    if (!Number.isSafeInteger(options.maxBlobBytes) || options.maxBlobBytes < 0) {
      throw new BlobStoreError("maxBlobBytes must be a non-negative integer", { maxBlobBytes: options.maxBlobBytes });
    }
    const dir = join(dataDir, BLOB_DIR);
    await mkdir(dir, { recursive: true });
    for (const name of await readdir(dir)) {
      if (name.startsWith(TEMP_PREFIX)) await unlink(join(dir, name)).catch((e: unknown) => (isMissing(e) ? undefined : Promise.reject(e)));
    }
    return new BlobStore(dir, options);
  }

  #file(hash: Hex): string {
    if (typeof hash !== "string" || !HASH.test(hash)) throw new BlobStoreError(`not a 0x-prefixed SHA-256 hex hash: ${String(hash).slice(0, 80)}`, { hash });
    return join(this.dir, hash.slice(2).toLowerCase());
  }

  /** Stores `bytes` atomically and returns their hash (storing the same bytes again rewrites the file). */
  async put(bytes: Uint8Array): Promise<Hex> {
    if (!(bytes instanceof Uint8Array)) throw new BlobStoreError("blob is not a Uint8Array");
    if (bytes.length > this.maxBlobBytes) {
      throw new BlobStoreError(`blob of ${bytes.length} bytes is over the ${this.maxBlobBytes}-byte cap`, { bytes: bytes.length, max: this.maxBlobBytes });
    }
    const hash = hashBytes(bytes);
    await writeFileAtomic(this.#file(hash), bytes, `${TEMP_PREFIX}${randomBytes(8).toString("hex")}`);
    return hash;
  }

  /** The blob's bytes, or undefined if it is absent or was corrupt (a corrupt file is deleted). */
  async get(hash: Hex): Promise<Uint8Array | undefined> {
    const path = this.#file(hash);
    const handle = await openExisting(path);
    if (!handle) return undefined;
    let bytes: Uint8Array;
    let ino: number;
    try {
      const info = await handle.stat();
      ino = info.ino;
      if (info.size > this.maxBlobBytes) return await this.#dropCorrupt(hash, path, ino, `file is ${info.size} bytes, over the cap`);
      bytes = new Uint8Array(info.size);
      let offset = 0;
      while (offset < bytes.length) {
        const { bytesRead } = await handle.read(bytes, offset, bytes.length - offset, offset);
        if (bytesRead === 0) return await this.#dropCorrupt(hash, path, ino, "file shrank while read");
        offset += bytesRead;
      }
    } finally {
      await handle.close();
    }
    const actual = hashBytes(bytes);
    if (actual !== hash.toLowerCase()) return await this.#dropCorrupt(hash, path, ino, `content hashes to ${actual}`);
    return bytes;
  }

  async #dropCorrupt(hash: Hex, path: string, ino: number, reason: string): Promise<undefined> {
    this.#onCorrupt?.(hash, reason);
    // Only delete the file that was read: a concurrent put may have renamed a good copy into place.
    const now = await stat(path).catch(() => undefined);
    if (now?.ino === ino) await unlink(path).catch(() => undefined);
    return undefined;
  }

  /** Whether a file for `hash` exists (its content is checked only by `get`). */
  async has(hash: Hex): Promise<boolean> {
    try {
      await stat(this.#file(hash));
      return true;
    } catch (e) {
      if (isMissing(e)) return false;
      throw e;
    }
  }

  /** Deletes the blob; returns whether it existed. */
  async delete(hash: Hex): Promise<boolean> {
    try {
      await unlink(this.#file(hash));
      return true;
    } catch (e) {
      if (isMissing(e)) return false;
      throw e;
    }
  }

  /** Hashes of the stored blobs. */
  async list(): Promise<Hex[]> {
    return (await readdir(this.dir)).filter((n) => BLOB_NAME.test(n)).map((n): Hex => `0x${n}`);
  }

  /** Deletes every blob whose hash is not in `keep`; returns the deleted hashes. */
  async prune(keep: ReadonlySet<Hex>): Promise<Hex[]> {
    const kept = new Set([...keep].map((h) => h.toLowerCase()));
    const removed: Hex[] = [];
    for (const hash of await this.list()) {
      if (!kept.has(hash) && (await this.delete(hash))) removed.push(hash);
    }
    return removed;
  }
}

