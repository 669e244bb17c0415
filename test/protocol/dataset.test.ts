import assert from "node:assert/strict";
import { hash } from "node:crypto";
import { before, describe, it } from "mocha";
import { bytesToHex, type Hex } from "viem";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { datasetRoot, datasetTree, exampleBytes, loadMnist, rootCachePath, trainingSetCount, trainingSetRoot, type MnistDataset } from "../../lib/ml/index.ts";
import { checkDataset } from "../../lib/protocol/index.ts";
import { viem } from "../contracts/fixture.ts";

const ZERO32 = `0x${"0".repeat(64)}` as Hex;

describe("protocol/dataset: the run's datasetRoot over the real MNIST training set", () => {
  let train: MnistDataset;
  before(() => {
    train = loadMnist("train");
  });

  it("accepts the local MNIST when the run names its root, and says when the run names none", () => {
    const root = datasetRoot(train);
    assert.deepEqual(checkDataset({ datasetRoot: root, datasetSize: 60_000n }, root, trainingSetCount()), { checked: true, root });
    assert.deepEqual(checkDataset({ datasetRoot: ZERO32, datasetSize: 60_000n }, root), { checked: false, root });
  });

  it("refuses a run whose datasetSize is not the local training set's count (no example could be opened on-chain)", () => {
    const root = datasetRoot(train);
    assert.equal(trainingSetCount(), train.count);
    assert.throws(() => checkDataset({ datasetRoot: root, datasetSize: 59_999n }, root, train.count), (err: Error) => err.name === "DatasetError" && /59999/.test(err.message));
  });

  it("refuses a training set whose root is not the run's, with both roots in the error", () => {
    const labels = train.labels.slice();
    labels[12_345] = (labels[12_345]! + 1) % 10; // one label changed
    const tampered = { ...train, labels };
    const root = datasetRoot(train);
    assert.throws(() => checkDataset({ datasetRoot: root, datasetSize: 60_000n }, datasetRoot(tampered)), (err: Error) => err.name === "DatasetError" && err.message.includes(root) && err.message.includes(datasetRoot(tampered)));
  });

  it("remembers the root of the installed training set across calls, keyed by the files' size and time", () => {
    rmSync(rootCachePath(), { force: true });
    const first = trainingSetRoot();
    assert.equal(first, datasetRoot(train));
    assert.ok(existsSync(rootCachePath()), "the root is remembered");
    const cached = JSON.parse(readFileSync(rootCachePath(), "utf8")) as Record<string, string>;
    assert.deepEqual(Object.values(cached), [first]);
    // A remembered root is what a later call returns without hashing: plant another to see it is used.
    const key = Object.keys(cached)[0]!;
    writeFileSync(rootCachePath(), JSON.stringify({ [key]: `0x${"ab".repeat(32)}` }));
    assert.equal(trainingSetRoot(), `0x${"ab".repeat(32)}`);
    rmSync(rootCachePath(), { force: true });
    assert.equal(trainingSetRoot(), first);
  });

  it("opens one example to the root on-chain (label and pixels, by index)", async () => {
    const harness = (await viem.deployContract("TensorMerkleHarness")) as unknown as {
      read: { rootFromItem: (a: [number, bigint, Hex, Hex[]]) => Promise<Hex> };
    };
    const tree = datasetTree(train);
    for (const i of [0, 1, 31_337, train.count - 1]) {
      const leaf = bytesToHex(hash("sha256", exampleBytes(train, i), "buffer") as unknown as Uint8Array);
      assert.equal(await harness.read.rootFromItem([train.count, BigInt(i), leaf, tree.proof(i)]), tree.root);
      const wrong = exampleBytes(train, i);
      wrong[0] = (wrong[0]! + 1) % 10;
      const wrongLeaf = bytesToHex(hash("sha256", wrong, "buffer") as unknown as Uint8Array);
      assert.notEqual(await harness.read.rootFromItem([train.count, BigInt(i), wrongLeaf, tree.proof(i)]), tree.root);
    }
  });
});
