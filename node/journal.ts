import { mkdir, open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import {
  JOURNAL_FILE,
  JournalCorruptError,
  JournalError,
  JournalRecordError,
  MAX_KIND_LENGTH,
  MAX_RECORD_BYTES,
  RESERVED_KEYS,
  deepFreeze,
  fsyncDir,
  jsonProblem,
  writeAll,
  type JournalRecord,
} from "./persistence-common.ts";

// The write-ahead journal (see node/persistence-common.ts for the whole persistence layer).

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


export * from "./persistence-common.ts";
export * from "./blob-store.ts";
export * from "./state-file.ts";
