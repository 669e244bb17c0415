import type { Hex } from "viem";
import { decodeStateBlob, decodeStateBytes, hashBytes, stateBlob, stateHash } from "../../lib/core/state-hash.ts";
import type { RunSpec } from "../../lib/core/spec.ts";
import type { MnistDataset } from "../../lib/ml/mnist.ts";
import { paramsOf, type ModelState, type MoeSpec, type ShardState } from "../../lib/ml/moe.ts";
import type { StepConfig } from "../../lib/ml/step.ts";
import { trajectoryTree } from "../../lib/protocol/game.ts";
import { shardName, stateSizes } from "../../lib/protocol/shards.ts";
import { shardStateOf, stateArrays } from "../../lib/protocol/trajectory.ts";
import type { BlobStore, Journal } from "../journal.ts";
import type { CommittedRound } from "./game-rounds.ts";

// A restarted trainer's committed rounds, rebuilt from its journal and blob store, so that it answers the games
// opened on them (kill -9 mid-game included). The commit intent of round r journals, before the commitment goes
// out, the blob keys of the checkpoints and the update and of S_r, whose other shards are the frozen
// parameters the round trained against; everything else (the round's seed, the step config, the tree) is
// derived again. ServedData keeps these blobs on disk as long as the round's data is kept.

/** The blob keys of S_r's shards (written to the store now if the model file does not hold them). */
async function modelBlobs(blobs: BlobStore, state: ModelState, saved: Record<string, Hex> | undefined): Promise<Record<string, Hex>> {
  if (saved && Object.keys(state).every((n) => saved[n])) return saved;
  const out: Record<string, Hex> = {};
  for (const [name, s] of Object.entries(state)) out[name] = await blobs.put(stateBlob(stateArrays(s)));
  return out;
}

/**
 * Journals round r's commit intent, before anything of it is announced or sent: the claim, the checkpoints'
 * roots, the blob keys of the checkpoints and the update (the caller persists those blobs next) and of S_r
 * (`model`, written now unless the model file holds it). Returns S_r's keys, which the caller keeps on disk
 * with the round.
 */
export async function journalCommitIntent(
  journal: Journal,
  blobs: BlobStore,
  c: { runId: bigint; round: bigint; claim: { root: Hex; updateHash: Hex; samples: bigint }; checkpointRoots: readonly Hex[]; checkpoints: readonly ShardState[]; updateBytes: Uint8Array },
  model: ModelState,
  saved?: Record<string, Hex>,
): Promise<Record<string, Hex>> {
  const frozen = await modelBlobs(blobs, model, saved);
  const keys = [...c.checkpoints.map((s) => stateHash(stateArrays(s))), hashBytes(c.updateBytes)];
  const { root, updateHash, samples } = c.claim;
  await journal.append("commit-intent", { runId: c.runId.toString(), round: c.round.toString(), root, updateHash, samples: samples.toString(), checkpoints: c.checkpointRoots, blobs: keys, frozen });
  return frozen;
}

export interface RestoreParams {
  journal: Journal;
  blobs: BlobStore;
  runId: bigint;
  trainer: `0x${string}`;
  shard: number;
  moe: MoeSpec;
  spec: Pick<RunSpec, "batchSize" | "localSteps" | "checkpointInterval">;
  /** The training data this trainer uses (an attack under test may alter it). */
  dataset: () => MnistDataset;
  seedOf: (round: bigint) => Promise<Hex>;
  /** A fresh step config as this trainer trains with. */
  stepConfig: () => StepConfig;
}

function shardState(bytes: Uint8Array, name: string, moe: MoeSpec): ShardState {
  return shardStateOf(decodeStateBlob(bytes, stateSizes(name, moe)));
}

/** Round `round` as this trainer committed it, from its journal; undefined when the journal or a blob lacks it. */
export async function restoreRound(p: RestoreParams, round: bigint): Promise<CommittedRound | undefined> {
  const rec = p.journal.last("commit-intent", (r) => r.runId === p.runId.toString() && r.round === round.toString());
  const frozenKeys = rec?.frozen as Record<string, Hex> | undefined;
  if (!rec || !frozenKeys) return undefined;
  const name = shardName(p.shard, p.moe);
  const model: ModelState = {};
  for (const [n, key] of Object.entries(frozenKeys)) {
    const bytes = await p.blobs.get(key);
    if (!bytes) return undefined;
    model[n] = shardState(bytes, n, p.moe);
  }
  const checkpointRoots = rec.checkpoints as Hex[];
  const keys = rec.blobs as Hex[];
  const checkpoints: ShardState[] = [];
  for (const key of keys.slice(0, checkpointRoots.length)) {
    const bytes = await p.blobs.get(key);
    if (!bytes) return undefined;
    checkpoints.push(shardState(bytes, name, p.moe));
  }
  const updateBytes = await p.blobs.get(keys[checkpointRoots.length]!);
  if (!updateBytes) return undefined;
  const update = decodeStateBytes(updateBytes, stateSizes(name, p.moe));
  const ctx = {
    runId: p.runId,
    round,
    roundSeed: await p.seedOf(round),
    trainer: p.trainer,
    shard: p.shard,
    shardName: name,
    batchSize: p.spec.batchSize,
    localSteps: p.spec.localSteps,
    checkpointInterval: p.spec.checkpointInterval,
    frozen: paramsOf(model),
    dataset: p.dataset(),
    config: p.stepConfig(),
  };
  const { tree } = trajectoryTree({ runId: p.runId, shard: p.shard, round }, checkpointRoots);
  return { ctx, checkpoints, checkpointRoots, tree, update, stepConfig: p.stepConfig };
}
