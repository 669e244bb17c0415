import assert from "node:assert/strict";
import fc from "fast-check";
import { describe, it } from "mocha";
import { bytesToHex, keccak256, type Hex } from "viem";
import {
  CHUNK_BYTES,
  CHUNK_VALUES,
  chunkCount,
  chunksOfRange,
  ListTree,
  listRoot,
  TensorTree,
  tensorRoot,
  tensorRootFromChunk,
  treeDepth,
} from "../../lib/core/tensor-commit.ts";
import { viem } from "../contracts/fixture.ts";

const shape = fc.tuple(fc.integer({ min: 0, max: 70 }), fc.integer({ min: 1, max: 130 }));
const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed + i * 0.37) * 10);

type Harness = {
  read: {
    rootFromChunk: (a: [number, number, bigint, Hex, Hex[]]) => Promise<Hex>;
    rootFromItem: (a: [number, bigint, Hex, Hex[]]) => Promise<Hex>;
    rootOfList: (a: [Hex[]]) => Promise<Hex>;
  };
};

describe("core/tensor-commit (chunked SHA-256 commitments a contract opens)", () => {
  it("opens every chunk of random tensors to the root, and nothing else", () => {
    fc.assert(
      fc.property(shape, fc.integer(), ([rows, cols], seed) => {
        const v = values(rows * cols, seed);
        const t = new TensorTree(v, rows, cols);
        assert.equal(t.chunks, chunkCount(rows, cols));
        for (let c = 0; c < t.chunks; c++) {
          assert.equal(tensorRootFromChunk(rows, cols, c, t.chunk(c), t.proof(c)), t.root);
          assert.equal(t.proof(c).length, treeDepth(t.chunks));
        }
        if (rows * cols > 0) {
          const bad = t.chunk(0);
          bad[0]! ^= 1;
          assert.notEqual(tensorRootFromChunk(rows, cols, 0, bad, t.proof(0)), t.root, "a changed byte");
        }
      }),
      { numRuns: 60 },
    );
  });

  it("binds the shape: the same values as another shape have another root", () => {
    const v = values(12, 1);
    assert.notEqual(tensorRoot(v, 3, 4), tensorRoot(v, 4, 3));
    assert.notEqual(tensorRoot(v, 12, 1), tensorRoot(v, 1, 12));
  });

  it("refuses a proof that does not fit the shape (index, chunk length, depth)", () => {
    const t = new TensorTree(values(6000, 2), 3, 2000); // 24 000 bytes: 3 chunks
    assert.throws(() => tensorRootFromChunk(3, 2000, 3, t.chunk(2), t.proof(2)), { name: "MerkleError" });
    assert.throws(() => tensorRootFromChunk(3, 2000, 2, t.chunk(1), t.proof(2)), { name: "MerkleError" });
    assert.throws(() => tensorRootFromChunk(3, 2000, 2, t.chunk(2), t.proof(2).slice(1)), { name: "MerkleError" });
    assert.throws(() => new TensorTree(values(5, 1), 2, 3), { name: "MerkleError" });
    assert.throws(() => new ListTree([]), { name: "MerkleError" });
  });

  it("maps a value range to its chunks", () => {
    assert.deepEqual(chunksOfRange(0, 1), [0, 0]);
    assert.deepEqual(chunksOfRange(CHUNK_VALUES - 1, 2), [0, 1]);
    assert.deepEqual(chunksOfRange(784 * 5, 784), [1, 2]);
    assert.equal(CHUNK_BYTES, 8192);
  });

  it("gives the roots TensorMerkle.sol computes (chunks, list items, whole lists)", async () => {
    const harness = (await viem.deployContract("TensorMerkleHarness")) as unknown as Harness;
    for (const [rows, cols] of [
      [0, 5],
      [1, 10],
      [784, 64],
      [3, 1000],
      [64, 785],
    ] as const) {
      const t = new TensorTree(values(rows * cols, rows + cols), rows, cols);
      for (const c of new Set([0, t.chunks - 1, t.chunks >> 1])) {
        assert.equal(await harness.read.rootFromChunk([rows, cols, BigInt(c), bytesToHex(t.chunk(c)), t.proof(c)]), t.root, `${rows}×${cols} chunk ${c}`);
      }
      if (t.chunks > 1) {
        await assert.rejects(harness.read.rootFromChunk([rows, cols, BigInt(t.chunks), bytesToHex(t.chunk(0)), t.proof(0)]), /TensorProofInvalid/);
      }
    }
    for (const n of [1, 2, 5, 8, 13]) {
      const items = Array.from({ length: n }, (_, i) => keccak256(`0x${(i + 1).toString(16).padStart(2, "0")}`));
      const list = new ListTree(items);
      assert.equal(await harness.read.rootOfList([items]), list.root);
      assert.equal(listRoot(items), list.root);
      for (let i = 0; i < n; i++) assert.equal(await harness.read.rootFromItem([n, BigInt(i), items[i]!, list.proof(i)]), list.root);
    }
  });
});
