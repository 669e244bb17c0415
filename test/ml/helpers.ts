// Shared by the ML tests: deterministic batch streams and a local simulation of protocol rounds.
import {
  DEFAULT_STEP_CONFIG,
  gatherBatch,
  paramsOf,
  shardNames,
  SplitMix32,
  trainStep,
  type Batch,
  type MnistDataset,
  type ModelState,
  type StepConfig,
} from "../../lib/ml/index.ts";

/** `steps` batches of `size` indices drawn uniformly from the first `subset` samples, from `seed`. */
export function batchStream(dataset: MnistDataset, seed: number, steps: number, size = 64, subset = dataset.count): Batch[] {
  const rng = new SplitMix32(seed);
  return Array.from({ length: steps }, () => {
    const idx = new Uint32Array(size);
    for (let i = 0; i < size; i++) idx[i] = rng.nextBelow(subset);
    return gatherBatch(dataset, idx);
  });
}

/**
 * Rounds as the protocol runs them with one trainer per shard: every shard takes `localSteps` steps from S_r
 * with the other shards frozen at S_r, then S_{r+1} is the set of final shard states. `only` limits training to
 * the shards it matches (the others keep their state).
 */
export function trainRounds(
  start: ModelState,
  dataset: MnistDataset,
  options: { rounds: number; localSteps: number; seed: number; subset?: number; config?: StepConfig; only?: RegExp },
): ModelState {
  const config = options.config ?? DEFAULT_STEP_CONFIG;
  let state = start;
  for (let r = 0; r < options.rounds; r++) {
    const frozen = paramsOf(state);
    const next: ModelState = {};
    shardNames(config.spec).forEach((shard, k) => {
      let s = state[shard]!;
      next[shard] = s;
      if (options.only && !options.only.test(shard)) return;
      const seed = (options.seed + 7919 * r + 104_729 * k) >>> 0;
      for (const batch of batchStream(dataset, seed, options.localSteps, 64, options.subset)) {
        s = trainStep(shard, s, frozen, batch, config).state;
      }
      next[shard] = s;
    });
    state = next;
  }
  return state;
}

/** Bytes of a list of float arrays, for bit-exact comparison. */
export function bytesOf(arrays: readonly Float32Array[]): Buffer {
  return Buffer.concat(arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
}
