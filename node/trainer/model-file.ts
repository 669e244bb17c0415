import { join } from "node:path";
import type { Hex } from "viem";
import { decodeStateBlob, stateBlob } from "../../lib/core/state-hash.ts";
import type { MoeSpec, ModelState } from "../../lib/ml/moe.ts";
import { shardStateOf, stateArrays, stateSizes } from "../../lib/protocol/index.ts";
import { readJson, writeJsonAtomic, type BlobStore } from "../journal.ts";

// The latest S_r a trainer holds, for a restart: each shard's state blob in the blob store (hash-checked on
// read) and `model.json` = { runId, round, hashes } replaced atomically after the blobs are written.

const FILE = "model.json";

interface ModelFile {
  runId: string;
  round: string;
  hashes: Record<string, Hex>;
}

export async function saveModel(dataDir: string, blobs: BlobStore, runId: bigint, round: bigint, state: ModelState): Promise<Record<string, Hex>> {
  const hashes: Record<string, Hex> = {};
  for (const [name, s] of Object.entries(state)) hashes[name] = await blobs.put(stateBlob(stateArrays(s)));
  await writeJsonAtomic(join(dataDir, FILE), { runId: runId.toString(), round: round.toString(), hashes } satisfies ModelFile);
  return hashes;
}

/** The saved model of `runId` (undefined when there is none, it is another run's, or a blob is missing). */
export async function loadModel(
  dataDir: string,
  blobs: BlobStore,
  runId: bigint,
  names: readonly string[],
  moe: MoeSpec,
): Promise<{ round: bigint; state: ModelState; hashes: Record<string, Hex> } | undefined> {
  const file = await readJson(join(dataDir, FILE), (v): ModelFile => {
    const f = v as ModelFile;
    if (typeof f?.runId !== "string" || !/^\d+$/.test(f.round) || typeof f.hashes !== "object" || f.hashes === null) throw new Error("not a model file");
    return f;
  });
  if (!file || file.runId !== runId.toString()) return undefined;
  const state: ModelState = {};
  for (const name of names) {
    const h = file.hashes[name];
    const bytes = h ? await blobs.get(h) : undefined;
    if (!bytes) return undefined;
    const arrays = decodeStateBlob(bytes, stateSizes(name, moe));
    state[name] = shardStateOf(arrays);
  }
  return { round: BigInt(file.round), state, hashes: file.hashes };
}

/** Hashes the model file keeps alive in the blob store. */
export function modelKeys(hashes: Record<string, Hex> | undefined): Set<string> {
  return new Set(Object.values(hashes ?? {}).map((h) => h.toLowerCase()));
}
