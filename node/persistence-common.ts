import { open, rename, unlink, type FileHandle } from "node:fs/promises";
import { dirname, join } from "node:path";
import { VerihiveError } from "../lib/core/errors.ts";

// Crash-safe persistence in a node's data directory (journal.ts, blob-store.ts, state-file.ts share this file).
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
export const MAX_JSON_DEPTH = 64;
export const RESERVED_KEYS = new Set(["seq", "at", "kind"]);
export const TEMP_PREFIX = ".tmp-";

/** A journal record: sequence number (1, 2, …), ISO time of the append, kind, and the caller's fields. */
export type JournalRecord<T extends object = Record<string, unknown>> = {
  readonly seq: number;
  readonly at: string;
  readonly kind: string;
} & Readonly<T>;

// ---------------------------------------------------------------------------------------------- helpers

export function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Returns why `value` is not plain JSON that survives a stringify/parse round trip, or undefined. */
export function jsonProblem(value: unknown, where: string, depth = 0): string | undefined {
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

export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset, null);
    offset += bytesWritten;
  }
}

/** Makes a folder's entries (a created or renamed file) durable. No-op where folders cannot be fsync'ed. */
export async function fsyncDir(dir: string): Promise<void> {
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
export async function writeFileAtomic(path: string, bytes: Uint8Array, tempName: string): Promise<void> {
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

export function isMissing(e: unknown): boolean {
  return (e as NodeJS.ErrnoException).code === "ENOENT";
}

/** Opens `path` for reading; undefined when it does not exist. */
export async function openExisting(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, "r");
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw e;
  }
}
