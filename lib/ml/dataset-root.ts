// The run's `datasetRoot` (docs/PROTOCOL.md 3.9): the real MNIST training set under one root that a contract
// can open one example of. Example i is the 785 bytes (label, then its 784 pixels); its leaf is their
// SHA-256, and the root is the list root (lib/core/tensor-commit.ts) of the leaves in index order.
import { hash } from "node:crypto";
import { bytesToHex, type Hex } from "viem";
import { ListTree } from "../core/tensor-commit.ts";
import { DatasetError } from "./errors.ts";
import { IMAGE_SIZE, type MnistDataset } from "./mnist.ts";

export const EXAMPLE_BYTES = 1 + IMAGE_SIZE;

/** Example i as committed: its label byte, then its 784 pixel bytes. */
export function exampleBytes(dataset: MnistDataset, i: number): Uint8Array {
  if (!Number.isInteger(i) || i < 0 || i >= dataset.count) throw new DatasetError(`no example ${i} (count ${dataset.count})`, { index: i });
  const out = new Uint8Array(EXAMPLE_BYTES);
  out[0] = dataset.labels[i]!;
  out.set(dataset.pixels.subarray(i * IMAGE_SIZE, (i + 1) * IMAGE_SIZE), 1);
  return out;
}

const trees = new WeakMap<MnistDataset, ListTree>();

/** The dataset's commitment tree (cached per dataset object: about 0.2 s for MNIST's 60 000 examples). */
export function datasetTree(dataset: MnistDataset): ListTree {
  let tree = trees.get(dataset);
  if (!tree) {
    const leaves: Hex[] = [];
    for (let i = 0; i < dataset.count; i++) leaves.push(bytesToHex(hash("sha256", exampleBytes(dataset, i), "buffer") as unknown as Uint8Array));
    tree = new ListTree(leaves);
    trees.set(dataset, tree);
  }
  return tree;
}

/** The dataset root a run names in `datasetRoot`. */
export function datasetRoot(dataset: MnistDataset): Hex {
  return datasetTree(dataset).root;
}
