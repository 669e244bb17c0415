import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { MAX_STATE_FILE_BYTES, StateFileError, TEMP_PREFIX, jsonProblem, openExisting, writeFileAtomic } from "./persistence-common.ts";

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
  const handle = await openExisting(path);
  if (!handle) return undefined;
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

