import { concat, hexToBytes, keccak256, type Hex } from "viem";
import { MerkleError } from "./errors.ts";

// Same tree as @openzeppelin/merkle-tree's StandardMerkleTree (sortLeaves: true): leaves sorted by
// hash, laid out as a complete binary tree in an array, pairs hashed in sorted order, so proofs verify
// with OpenZeppelin's MerkleProof.sol and roots equal the reference implementation's.

function compareBytes(a: Hex, b: Hex): number {
  const x = hexToBytes(a);
  const y = hexToBytes(b);
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== y[i]) return x[i]! - y[i]!;
  }
  return 0;
}

/** keccak256 of the two nodes in ascending order (OpenZeppelin's commutative hash). */
export function hashPair(a: Hex, b: Hex): Hex {
  return compareBytes(a, b) <= 0 ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
}

function assertNode(h: Hex): void {
  if (!/^0x[0-9a-fA-F]{64}$/.test(h)) throw new MerkleError("node is not a 32-byte hex string", { node: h });
}

export class MerkleTree {
  /** Array layout: root at 0, children of i at 2i+1 and 2i+2. */
  private readonly tree: Hex[];
  /** Position in `tree` of each input leaf hash, in input order. */
  private readonly positions: number[];

  private constructor(tree: Hex[], positions: number[]) {
    this.tree = tree;
    this.positions = positions;
  }

  /** Builds a tree over leaf hashes (already double-hashed, see `leafHash`). */
  static fromLeafHashes(leafHashes: readonly Hex[]): MerkleTree {
    if (leafHashes.length === 0) throw new MerkleError("a Merkle tree needs at least one leaf");
    leafHashes.forEach(assertNode);
    const order = leafHashes.map((h, i) => ({ h, i })).sort((a, b) => compareBytes(a.h, b.h));
    const n = order.length;
    const tree = new Array<Hex>(2 * n - 1);
    const positions = new Array<number>(n);
    order.forEach(({ h, i }, k) => {
      const pos = tree.length - 1 - k;
      tree[pos] = h;
      positions[i] = pos;
    });
    for (let i = tree.length - 1 - n; i >= 0; i--) tree[i] = hashPair(tree[2 * i + 1]!, tree[2 * i + 2]!);
    return new MerkleTree(tree, positions);
  }

  get root(): Hex {
    return this.tree[0]!;
  }

  get size(): number {
    return this.positions.length;
  }

  /** Sibling path from the leaf given at `index` (input order) up to the root. */
  proof(index: number): Hex[] {
    const start = this.positions[index];
    if (start === undefined) throw new MerkleError("leaf index out of range", { index, size: this.size });
    const proof: Hex[] = [];
    for (let i = start; i > 0; i = Math.floor((i - 1) / 2)) {
      proof.push(this.tree[i % 2 === 1 ? i + 1 : i - 1]!);
    }
    return proof;
  }
}

/** Recomputes the root from a leaf hash and its proof (MerkleProof.processProof). */
export function processProof(leafHash: Hex, proof: readonly Hex[]): Hex {
  assertNode(leafHash);
  let node = leafHash;
  for (const sibling of proof) {
    assertNode(sibling);
    node = hashPair(node, sibling);
  }
  return node;
}

export function verifyProof(root: Hex, leafHash: Hex, proof: readonly Hex[]): boolean {
  return processProof(leafHash, proof).toLowerCase() === root.toLowerCase();
}
