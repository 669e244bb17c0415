import { bytesToHex, hexToBytes, type Hex } from "viem";
import { VerihiveError } from "../core/errors.ts";
import { leafHash, roundLeaves, type TrajectoryLeaf } from "../core/leaf.ts";
import { MerkleTree } from "../core/merkle.ts";

// A trajectory manifest: the state roots (docs/PROTOCOL.md 3.9) of s_0, s_c, …, s_H of one commitment, 32
// bytes each.
// It is served keyed by the commitment's Merkle root: whoever fetches it rebuilds the leaves and the tree
// and compares the root with the one on-chain, so a manifest needs no signature and any peer may relay it.
// From a verified manifest a verifier gets the leaf and proof of any segment, and a late joiner gets
// the root of S_r of the shard (the start of leaf 0).

/** A manifest that does not rebuild the committed root, or has the wrong size. */
export class ManifestError extends VerihiveError {
  override name = "ManifestError";
}

export interface ManifestContext {
  runId: bigint;
  shard: number;
  round: bigint;
  /** localSteps / checkpointInterval: the manifest holds segments + 1 hashes. */
  segments: number;
  /** The committed Merkle root. */
  root: Hex;
}

export interface VerifiedManifest {
  checkpointRoots: Hex[];
  leaves: TrajectoryLeaf[];
  tree: MerkleTree;
}

/** Largest manifest of a run (bytes): what a fetch caps its answer at. */
export function manifestBytes(segments: number): number {
  return 32 * (segments + 1);
}

export function encodeManifest(checkpointRoots: readonly Hex[]): Uint8Array {
  const out = new Uint8Array(32 * checkpointRoots.length);
  checkpointRoots.forEach((h, i) => out.set(hexToBytes(h, { size: 32 }), 32 * i));
  return out;
}

/** Decodes an untrusted manifest and checks that it rebuilds `ctx.root`; throws ManifestError otherwise. */
export function verifyManifest(bytes: Uint8Array, ctx: ManifestContext): VerifiedManifest {
  if (!Number.isSafeInteger(ctx.segments) || ctx.segments < 1) throw new ManifestError("a run has at least one segment", { segments: ctx.segments });
  if (bytes.length !== manifestBytes(ctx.segments)) {
    throw new ManifestError("manifest has the wrong length", { length: bytes.length, expected: manifestBytes(ctx.segments) });
  }
  const checkpointRoots: Hex[] = [];
  for (let i = 0; i <= ctx.segments; i++) checkpointRoots.push(bytesToHex(bytes.subarray(32 * i, 32 * i + 32)));
  const leaves = roundLeaves({ runId: ctx.runId, shard: ctx.shard, round: ctx.round }, checkpointRoots);
  const tree = MerkleTree.fromLeafHashes(leaves.map(leafHash));
  if (tree.root.toLowerCase() !== ctx.root.toLowerCase()) {
    throw new ManifestError("manifest does not rebuild the committed root", { root: ctx.root, rebuilt: tree.root });
  }
  return { checkpointRoots, leaves, tree };
}
