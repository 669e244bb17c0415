import assert from "node:assert/strict";
import { describe, it } from "mocha";
import type { Hex } from "viem";
import { decodeStateBlob, hashBytes, stateBlob, stateHash, StateDecodeError } from "../../lib/core/index.ts";
import { encodeManifest, ManifestError, verifyManifest, manifestBytes } from "../../lib/protocol/index.ts";
import { leafHash, roundLeaves, MerkleTree, processProof } from "../../lib/core/index.ts";

const h = (i: number): Hex => `0x${i.toString(16).padStart(64, "0")}`;

describe("state blobs and trajectory manifests", () => {
  it("a state blob's SHA-256 is h(s), and it decodes back to the same tensors", () => {
    const arrays = [new Float32Array([1, -0, 3.5]), new Float32Array([0.25]), new Float32Array(0)];
    const blob = stateBlob(arrays);
    assert.equal(hashBytes(blob), stateHash(arrays));
    const back = decodeStateBlob(blob, [3, 1, 0]);
    assert.deepEqual(back.map((a) => [...a]), arrays.map((a) => [...a]));
    assert.ok(Object.is(back[0]![1], -0), "keeps -0");
  });

  it("rejects a state blob with a wrong count prefix, length or a non-finite value", () => {
    const blob = stateBlob([new Float32Array([1, 2]), new Float32Array([3])]);
    assert.throws(() => decodeStateBlob(blob, [1, 2]), StateDecodeError);
    assert.throws(() => decodeStateBlob(blob.subarray(1), [2, 1]), StateDecodeError);
    const nan = stateBlob([new Float32Array([1, Number.NaN]), new Float32Array([3])]);
    assert.throws(() => decodeStateBlob(nan, [2, 1]), /non-finite/);
  });

  it("a manifest rebuilds the committed root and yields leaves whose proofs verify", () => {
    const hashes = [h(1), h(2), h(3), h(4)];
    const base = { runId: 7n, shard: 2, round: 5n };
    const leaves = roundLeaves(base, hashes);
    const root = MerkleTree.fromLeafHashes(leaves.map(leafHash)).root;
    const bytes = encodeManifest(hashes);
    assert.equal(bytes.length, manifestBytes(3));
    const m = verifyManifest(bytes, { ...base, segments: 3, root });
    assert.deepEqual(m.checkpointRoots, hashes);
    assert.equal(processProof(leafHash(m.leaves[2]!), m.tree.proof(2)), root);
  });

  it("rejects a manifest for another root, another round, or of the wrong length", () => {
    const hashes = [h(1), h(2), h(3)];
    const base = { runId: 7n, shard: 2, round: 5n };
    const root = MerkleTree.fromLeafHashes(roundLeaves(base, hashes).map(leafHash)).root;
    const bytes = encodeManifest(hashes);
    assert.throws(() => verifyManifest(encodeManifest([h(1), h(9), h(3)]), { ...base, segments: 2, root }), ManifestError);
    assert.throws(() => verifyManifest(bytes, { ...base, round: 6n, segments: 2, root }), ManifestError);
    assert.throws(() => verifyManifest(bytes.subarray(32), { ...base, segments: 2, root }), /wrong length/);
    assert.throws(() => verifyManifest(bytes, { ...base, segments: 3, root }), /wrong length/);
  });
});
