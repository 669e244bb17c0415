import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { keccak256, stringToHex, type Hex } from "viem";
import {
  LEAF_TYPES,
  leafHash,
  leafValues,
  MerkleTree,
  processProof,
  roundLeaves,
  verifyProof,
  type TrajectoryLeaf,
} from "../../lib/core/index.ts";
import { viem } from "../contracts/fixture.ts";

function leavesOf(n: number, label = "v"): TrajectoryLeaf[] {
  const hashes: Hex[] = [];
  for (let j = 0; j <= n; j++) hashes.push(keccak256(stringToHex(`${label}${j}`)));
  return roundLeaves({ runId: 7n, shard: 2, round: 11n }, hashes);
}

// Fixed vectors: if the leaf encoding or tree layout changes, these roots change and the test says so.
const VECTORS: { n: number; root: Hex }[] = [
  { n: 1, root: "0x331a84e6e951d3f37fea5c52e2d30b04cbf5a8dce354bb0f434345132c52b185" },
  { n: 2, root: "0xa27388f73e5a73bac6cc0ecd91874569d0a61854590f1e379ea61546b0eb44fe" },
  { n: 5, root: "0x5173697d638719bf3bb1807c33b4e98ea566f5368ae05174d32ec596628cf8c7" },
  { n: 8, root: "0xd42b087ef48a2daf25eede171a13e5c594c984cdecaf871499ab93b33e9e96eb" },
];

describe("Merkle tree (lib/core/merkle.ts)", () => {
  for (const n of [1, 2, 3, 5, 8, 13, 64]) {
    it(`has the same root and proofs as @openzeppelin/merkle-tree for ${n} leaves`, () => {
      const leaves = leavesOf(n);
      const ours = MerkleTree.fromLeafHashes(leaves.map(leafHash));
      const oz = StandardMerkleTree.of(leaves.map(leafValues), [...LEAF_TYPES]);
      assert.equal(ours.root, oz.root);
      leaves.forEach((leaf, i) => {
        assert.deepEqual(ours.proof(i), oz.getProof(leafValues(leaf)));
        assert.equal(oz.leafHash(leafValues(leaf)), leafHash(leaf));
      });
    });
  }

  it("matches the committed test vectors", () => {
    for (const v of VECTORS) {
      const root = MerkleTree.fromLeafHashes(leavesOf(v.n).map(leafHash)).root;
      assert.equal(root, v.root, `root for ${v.n} leaves`);
    }
  });

  it("rejects a proof for a different leaf", () => {
    const leaves = leavesOf(5);
    const tree = MerkleTree.fromLeafHashes(leaves.map(leafHash));
    assert.equal(verifyProof(tree.root, leafHash(leaves[1]!), tree.proof(1)), true);
    assert.equal(verifyProof(tree.root, leafHash(leaves[2]!), tree.proof(1)), false);
  });

  it("rejects malformed nodes and empty trees with a MerkleError", () => {
    assert.throws(() => MerkleTree.fromLeafHashes([]), { name: "MerkleError" });
    assert.throws(() => MerkleTree.fromLeafHashes(["0x1234"]), { name: "MerkleError" });
    assert.throws(() => processProof(keccak256("0x01"), ["0xzz" as Hex]), { name: "MerkleError" });
    assert.throws(() => MerkleTree.fromLeafHashes([keccak256("0x01")]).proof(1), { name: "MerkleError" });
  });

  it("agrees with TrajectoryLeaf.sol and MerkleProof.sol on the same vectors", async () => {
    const harness = await viem.deployContract("TrajectoryMerkleHarness");
    for (const n of [1, 2, 5, 8, 13]) {
      const leaves = leavesOf(n, `chain${n}`);
      const tree = MerkleTree.fromLeafHashes(leaves.map(leafHash));
      for (const [i, leaf] of leaves.entries()) {
        const onChain = await harness.read.leafHash(leafValues(leaf));
        assert.equal(onChain, leafHash(leaf));
        assert.equal(await harness.read.verify([tree.proof(i), tree.root, onChain]), true);
      }
      const other = leafHash({ ...leaves[0]!, endHash: keccak256("0xdead") });
      assert.equal(await harness.read.verify([tree.proof(0), tree.root, other]), false);
    }
  });
});
