import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, rename, stat, unlink, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Hex } from "viem";
import { VerihiveError } from "../lib/core/errors.ts";
import { hashBytes } from "../lib/core/state-hash.ts";

// Crash-safe persistence in a node's data directory.
//
//   Journal          journal.jsonl, an append-only write-ahead log of `{ seq, at, kind, ...data }` lines.
//                    Each append is written whole and fsync'ed before its promise resolves, so a record
//                    the caller saw acknowledged survives a crash (write "commit-intent" BEFORE sending the
//                    transaction). Opening replays the file: bytes after the last newline are a torn write
//                    from a crash and are truncated; any complete line that is not a well-formed record
//                    with the next seq is corruption and the journal refuses to open.
//   BlobStore        blobs/<sha256 hex>, content-addressed files written atomically (temp file, fsync,
//                    rename, fsync of the folder) and verified against their name on every read.
//   writeJsonAtomic  small state files replaced atomically the same way; readJson reads one back through
//   readJson         a caller-supplied validator.
//
// One process per data directory: nothing here locks the files against a second writer.

/** Base of the journal's errors; thrown as is when the journal is closed or an earlier append failed. */
export class JournalError extends VerihiveError {
  override name = "JournalError";
}

/** A complete line of the journal is not the well-formed record that should be there. */
export class JournalCorruptError extends JournalError {
  override name = "JournalCorruptError";
}

/** `append` was given a bad kind, data that is not plain JSON, or a record over the size limit. */
export class JournalRecordError extends JournalError {
  override name = "JournalRecordError";
}

/** A blob is over the store's size cap, or a hash is not 0x-prefixed 32-byte hex. */
export class BlobStoreError extends VerihiveError {
  override name = "BlobStoreError";
}

/** A state file is too large, not JSON, or refused by its validator; or a value to write is not plain JSON. */
export class StateFileError extends VerihiveError {
  override name = "StateFileError";
}

export const JOURNAL_FILE = "journal.jsonl";
export const BLOB_DIR = "blobs";
/** Largest journal line, newline included. */
export const MAX_RECORD_BYTES = 64 * 1024;
export const MAX_KIND_LENGTH = 64;
export const MAX_STATE_FILE_BYTES = 1024 * 1024;
const MAX_JSON_DEPTH = 64;
const RESERVED_KEYS = new Set(["seq", "at", "kind"]);
const TEMP_PREFIX = ".tmp-";

/** A journal record: sequence number (1, 2, …), ISO time of the append, kind, and the caller's fields. */
export type JournalRecord<T extends object = Record<string, unknown>> = {
  readonly seq: number;
  readonly at: string;
  readonly kind: string;
} & Readonly<T>;

// ---------------------------------------------------------------------------------------------- helpers

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Returns why `value` is not plain JSON that survives a stringify/parse round trip, or undefined. */
function jsonProblem(value: unknown, where: string, depth = 0): string | undefined {
  if (depth > MAX_JSON_DEPTH) return `${where} is nested deeper than ${MAX_JSON_DEPTH} levels`;
  if (value === null || typeof value === "string" || typeof value === "boolean") return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? undefined : `${where} is not a finite number`;
  if (typeof value === "bigint") return `${where} is a bigint (write it as a string)`;
  if (typeof value !== "object") return `${where} is ${typeof value === "undefined" ? "undefined" : `a ${typeof value}`}`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = jsonProblem(value[i], `${where}[${i}]`, depth + 1);
      if (p !== undefined) return p;
    }
    return undefined;
  }
  if (!isPlainObject(value)) return `${where} is not a plain object (${value.constructor?.name ?? "unknown"})`;
  for (const [k, v] of Object.entries(value)) {
    const p = jsonProblem(v, `${where}.${k}`, depth + 1);
    if (p !== undefined) return p;
  }
  return undefined;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset, null);
    offset += bytesWritten;
  }
}

/** Makes a folder's entries (a created or renamed file) durable. No-op where folders cannot be fsync'ed. */
async function fsyncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "EISDIR" && code !== "EPERM" && code !== "EINVAL") throw e;
  } finally {
    await handle?.close();
  }
}

/** Writes `bytes` to a fresh temp file in the target's folder, fsyncs, renames over `path`, fsyncs the folder. */
async function writeFileAtomic(path: string, bytes: Uint8Array, tempName: string): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, tempName);
  try {
    const handle = await open(temp, "wx");
    try {
      await writeAll(handle, bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw e;
  }
  await fsyncDir(dir);
}

function isMissing(e: unknown): boolean {
  return (e as NodeJS.ErrnoException).code === "ENOENT";
}

// ---------------------------------------------------------------------------------------------- journal

const KIND = new RegExp(`^[a-z][a-z-]{0,${MAX_KIND_LENGTH - 1}}$`);

/** Parses the journal's bytes: the records, and how many leading bytes hold complete lines. */
function replay(bytes: Uint8Array, path: string): { records: JournalRecord[]; validBytes: number } {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const records: JournalRecord[] = [];
  let start = 0;
  for (let end = bytes.indexOf(0x0a); end !== -1; start = end + 1, end = bytes.indexOf(0x0a, start)) {
    const line = records.length + 1;
    const corrupt = (reason: string): JournalCorruptError =>
      new JournalCorruptError(`journal ${path} is corrupt at line ${line} (byte ${start}): ${reason}`, { path, line, offset: start });
    if (end + 1 - start > MAX_RECORD_BYTES) throw corrupt(`line is longer than ${MAX_RECORD_BYTES} bytes`);
    let record: unknown;
    try {
      record = JSON.parse(decoder.decode(bytes.subarray(start, end)));
    } catch {
      throw corrupt("not valid UTF-8 JSON");
    }
    if (typeof record !== "object" || record === null || Array.isArray(record)) throw corrupt("not a JSON object");
    const r = record as Record<string, unknown>;
    if (r.seq !== line) throw corrupt(`seq is ${JSON.stringify(r.seq)}, expected ${line}`);
    if (typeof r.at !== "string") throw corrupt("'at' is not a string");
    if (typeof r.kind !== "string" || !KIND.test(r.kind)) throw corrupt("'kind' is not a valid kind");
    records.push(deepFreeze(r) as JournalRecord);
  }
  return { records, validBytes: start };
}

/** The append-only write-ahead log of a data directory (see the header). */
export class Journal {
  /** Path of journal.jsonl. */
  readonly path: string;
  /** Bytes of a torn last line dropped when the journal was opened (0 when the file ended cleanly). */
  readonly truncatedBytes: number;
  #handle: FileHandle;
  #records: JournalRecord[];
  #nextSeq: number;
  #tail: Promise<void> = Promise.resolve();
  #failure: unknown = undefined;
  #closed = false;

  private constructor(path: string, handle: FileHandle, records: JournalRecord[], truncatedBytes: number) {
    this.path = path;
    this.#handle = handle;
    this.#records = records;
    this.#nextSeq = records.length + 1;
    this.truncatedBytes = truncatedBytes;
  }

  /** Opens (creating if needed) `dir/journal.jsonl`, replays it and truncates a torn last line. */
  static async open(dir: string): Promise<Journal> {
    await mkdir(dir, { recursive: true });
    const path = join(dir, JOURNAL_FILE);
    const handle = await open(path, "a+");
    try {
      const bytes = await handle.readFile();
      const { records, validBytes } = replay(bytes, path);
      if (validBytes < bytes.length) {
        await handle.truncate(validBytes);
        await handle.sync();
      }
      await fsyncDir(dir);
      return new Journal(path, handle, records, bytes.length - validBytes);
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  /**
   * Appends `{ seq, at, kind, ...data }` and resolves once it is on disk (fsync'ed). `kind` is lowercase
   * letters and dashes ("commit-intent"); `data` is a plain JSON object without seq/at/kind keys, and the
   * record's line is at most MAX_RECORD_BYTES. Appends are written in call order. After a failed write
   * every later append rejects: reopen the journal (which drops a torn tail) to continue.
   */
  async append<T extends object = Record<string, never>>(kind: string, data?: T): Promise<JournalRecord<T>> {
    if (this.#closed) throw new JournalError(`journal ${this.path} is closed`, { path: this.path });
    if (this.#failure !== undefined) throw this.#failedError();
    if (typeof kind !== "string" || !KIND.test(kind)) {
      throw new JournalRecordError(`journal kind must be 1-${MAX_KIND_LENGTH} of [a-z-], starting with a letter (got ${JSON.stringify(kind)})`, { kind });
    }
    const fields = data ?? {};
    const problem = typeof fields === "object" && fields !== null && !Array.isArray(fields) ? jsonProblem(fields, "data") : "data is not an object";
    if (problem !== undefined) throw new JournalRecordError(`journal record '${kind}': ${problem}`, { kind });
    const reserved = Object.keys(fields).find((k) => RESERVED_KEYS.has(k));
    if (reserved !== undefined) throw new JournalRecordError(`journal record '${kind}': data may not set '${reserved}'`, { kind });

    const seq = this.#nextSeq;
    const line = `${JSON.stringify({ seq, at: new Date().toISOString(), kind, ...fields })}\n`;
    const bytes = Buffer.from(line, "utf8");
    if (bytes.length > MAX_RECORD_BYTES) {
      throw new JournalRecordError(`journal record '${kind}' is ${bytes.length} bytes, over the ${MAX_RECORD_BYTES}-byte limit`, { kind, bytes: bytes.length });
    }
    this.#nextSeq++;
    const record = deepFreeze(JSON.parse(line) as JournalRecord<T>);
    const write = this.#tail.then(async () => {
      if (this.#failure !== undefined) throw this.#failedError();
      await writeAll(this.#handle, bytes);
      await this.#handle.sync();
      this.#records.push(record);
    });
    this.#tail = write.catch((e: unknown) => {
      this.#failure ??= e;
    });
    await write;
    return record;
  }

  /** Every durable record, oldest first. */
  records(): readonly JournalRecord[] {
    return this.#records.slice();
  }

  /** The newest record of `kind` (that `predicate` accepts), or undefined. */
  last(kind: string, predicate?: (record: JournalRecord) => boolean): JournalRecord | undefined {
    for (let i = this.#records.length - 1; i >= 0; i--) {
      const r = this.#records[i]!;
      if (r.kind === kind && (predicate === undefined || predicate(r))) return r;
    }
    return undefined;
  }

  /** Waits for pending appends and closes the file. Later appends reject. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#tail;
    await this.#handle.close();
  }

  #failedError(): JournalError {
    return new JournalError(`an earlier append to ${this.path} failed; reopen the journal`, { path: this.path, cause: String(this.#failure) });
  }
}

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
    let handle: FileHandle;
    try {
      handle = await open(path, "r");
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
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

// ---------------------------------------------------------------------------------------------- state files

/** Replaces `path` with `value` as pretty JSON, atomically (temp file, fsync, rename, fsync of the folder). */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const problem = jsonProblem(value, "value");
  if (problem !== undefined) throw new StateFileError(`cannot write ${path}: ${problem}`, { path });
  const bytes = Buffer.from(`${JSON.stringify(value, null, 2)}\n`, "utf8");
  if (bytes.length > MAX_STATE_FILE_BYTES) throw new StateFileError(`cannot write ${path}: ${bytes.length} bytes is over ${MAX_STATE_FILE_BYTES}`, { path });
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, bytes, `.${basename(path)}${TEMP_PREFIX}${randomBytes(8).toString("hex")}`);
}

/**
 * Reads a state file written by `writeJsonAtomic`: undefined if it does not exist, else `validate(json)`
 * (which returns the typed value or throws). Oversized files, bad JSON and rejected values throw StateFileError.
 */
export async function readJson<T>(path: string, validate: (value: unknown) => T): Promise<T | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw e;
  }
  let text: string;
  try {
    const size = (await handle.stat()).size;
    if (size > MAX_STATE_FILE_BYTES) throw new StateFileError(`state file ${path} is ${size} bytes, over ${MAX_STATE_FILE_BYTES}`, { path });
    text = await handle.readFile("utf8");
  } finally {
    await handle.close();
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new StateFileError(`state file ${path} is not valid JSON: ${(e as Error).message}`, { path });
  }
  try {
    return validate(json);
  } catch (e) {
    throw new StateFileError(`state file ${path} is invalid: ${(e as Error).message}`, { path, cause: String(e) });
  }
}
