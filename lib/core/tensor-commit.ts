import { hash } from "node:crypto";
import { bytesToHex, hexToBytes, type Hex } from "viem";
import { MerkleError } from "./errors.ts";

// Commitments a contract can open one piece of (docs/PROTOCOL.md 3.9): a tensor's little-endian binary32
// bytes in 8 KiB chunks under a positional SHA-256 Merkle tree, its shape bound into the root; and a list of
// such roots (a state's tensors, a step's trace) under the same kind of tree. SHA-256 because it is fast
// here (node:crypto) and a precompile on-chain (contracts/libraries/TensorMerkle.sol mirrors this file).
//
//   leaf_c      = sha256(chunk c)                     chunk c = bytes [8192·c, 8192·(c+1)) of the tensor
//   node        = sha256(left ‖ right)                leaves padded with 32 zero bytes to a power of two
//   tensorRoot  = sha256(uint32 rows ‖ uint32 cols ‖ tree root)   (big-endian)
//   listRoot    = sha256(uint32 count ‖ tree root over the list's bytes32 items)
// A tensor with no values has one empty chunk. Proofs list the siblings from the leaf up.

export const CHUNK_BYTES = 8192;
/** Binary32 values per chunk. */
export const CHUNK_VALUES = CHUNK_BYTES / 4;
const ZERO = new Uint8Array(32);

function sha256(data: Uint8Array): Uint8Array {
  return hash("sha256", data, "buffer") as unknown as Uint8Array;
}

function sha256Pair(left: Uint8Array, right: Uint8Array, scratch: Uint8Array): Uint8Array {
  scratch.set(left, 0);
  scratch.set(right, 32);
  return sha256(scratch);
}

/** Levels of a positional tree over `leaves` (padded to a power of two with zero hashes): levels[0] = leaves. */
function levelsOf(leaves: Uint8Array[]): Uint8Array[][] {
  let width = 1;
  while (width < leaves.length) width *= 2;
  const levels: Uint8Array[][] = [[...leaves, ...new Array<Uint8Array>(width - leaves.length).fill(ZERO)]];
  const scratch = new Uint8Array(64);
  while (levels.at(-1)!.length > 1) {
    const below = levels.at(-1)!;
    const up: Uint8Array[] = [];
    for (let i = 0; i < below.length; i += 2) up.push(sha256Pair(below[i]!, below[i + 1]!, scratch));
    levels.push(up);
  }
  return levels;
}

function proofOf(levels: Uint8Array[][], index: number): Hex[] {
  if (!Number.isInteger(index) || index < 0 || index >= levels[0]!.length) throw new MerkleError(`no leaf ${index}`, { index });
  const proof: Hex[] = [];
  for (let d = 0, i = index; d < levels.length - 1; d++, i >>= 1) proof.push(bytesToHex(levels[d]![i ^ 1]!));
  return proof;
}

function bound(prefix: number[], treeRoot: Uint8Array): Hex {
  const buf = new Uint8Array(4 * prefix.length + 32);
  const view = new DataView(buf.buffer);
  prefix.forEach((v, k) => view.setUint32(4 * k, v, false));
  buf.set(treeRoot, 4 * prefix.length);
  return bytesToHex(sha256(buf));
}

function tensorBytes(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** A tensor's commitment tree: its root, and proofs of its chunks. */
export class TensorTree {
  readonly root: Hex;
  readonly chunks: number;
  readonly #levels: Uint8Array[][];
  readonly #bytes: Uint8Array;

  constructor(values: Float32Array, rows: number, cols: number) {
    if (!(Number.isSafeInteger(rows) && Number.isSafeInteger(cols) && rows >= 0 && cols >= 1 && rows <= 0xffffffff && cols <= 0xffffffff)) {
      throw new MerkleError(`bad tensor shape ${rows}×${cols}`, { rows, cols });
    }
    if (values.length !== rows * cols) throw new MerkleError(`${values.length} values for a ${rows}×${cols} tensor`, { rows, cols });
    this.#bytes = tensorBytes(values);
    this.chunks = Math.max(1, Math.ceil(this.#bytes.length / CHUNK_BYTES));
    const leaves = Array.from({ length: this.chunks }, (_, c) => sha256(this.#bytes.subarray(c * CHUNK_BYTES, (c + 1) * CHUNK_BYTES)));
    this.#levels = levelsOf(leaves);
    this.root = bound([rows, cols], this.#levels.at(-1)![0]!);
  }

  /** The bytes of chunk c (what a proof opens). */
  chunk(c: number): Uint8Array {
    if (!Number.isInteger(c) || c < 0 || c >= this.chunks) throw new MerkleError(`no chunk ${c} of ${this.chunks}`, { chunk: c });
    return this.#bytes.slice(c * CHUNK_BYTES, (c + 1) * CHUNK_BYTES);
  }

  /** Siblings of chunk c's leaf, from the leaf up. */
  proof(c: number): Hex[] {
    return proofOf(this.#levels, c);
  }

  /** The chunk leaves, sha256 of each chunk, in order (what the game's Chunks move posts). */
  leaves(): Hex[] {
    return this.#levels[0]!.slice(0, this.chunks).map((l) => bytesToHex(l));
  }
}

/** The root of a tensor's commitment (TensorTree without keeping the tree). */
export function tensorRoot(values: Float32Array, rows: number, cols: number): Hex {
  return new TensorTree(values, rows, cols).root;
}

/** The chunks holding values [first, first + count) of a tensor: [firstChunk, lastChunk]. */
export function chunksOfRange(first: number, count: number): [number, number] {
  return [Math.floor(first / CHUNK_VALUES), Math.floor((first + Math.max(count, 1) - 1) / CHUNK_VALUES)];
}

/** A list of bytes32 items (tensor roots) under one root, with proofs of items. */
export class ListTree {
  readonly root: Hex;
  readonly #levels: Uint8Array[][];

  constructor(items: readonly Hex[]) {
    if (items.length === 0) throw new MerkleError("an empty list has no root");
    this.#levels = levelsOf(items.map((h) => hexToBytes(h)));
    this.root = bound([items.length], this.#levels.at(-1)![0]!);
  }

  proof(index: number): Hex[] {
    return proofOf(this.#levels, index);
  }
}

/** The root of a list of tensor roots. */
export function listRoot(items: readonly Hex[]): Hex {
  return new ListTree(items).root;
}

/** Chunks of a rows × cols tensor (at least one). */
export function chunkCount(rows: number, cols: number): number {
  return Math.max(1, Math.ceil((rows * cols * 4) / CHUNK_BYTES));
}

/** Levels above the leaves of a positional tree over n leaves: ⌈log₂ n⌉. */
export function treeDepth(n: number): number {
  let d = 0;
  while (2 ** d < n) d++;
  return d;
}

/**
 * Recomputes a tensor root from one chunk and its proof (what TensorMerkle.sol does on-chain). The chunk's
 * index, length and proof length must fit the shape, else `MerkleError`: a proof opens exactly one place.
 */
export function tensorRootFromChunk(rows: number, cols: number, c: number, chunk: Uint8Array, proof: readonly Hex[]): Hex {
  const count = chunkCount(rows, cols);
  const total = rows * cols * 4;
  if (!Number.isInteger(c) || c < 0 || c >= count) throw new MerkleError(`no chunk ${c} in a ${rows}×${cols} tensor`, { chunk: c });
  const length = Math.min(CHUNK_BYTES, total - c * CHUNK_BYTES);
  if (chunk.length !== Math.max(0, length)) throw new MerkleError(`chunk ${c} has ${chunk.length} bytes, not ${length}`, { chunk: c });
  if (proof.length !== treeDepth(count)) throw new MerkleError(`a proof of ${proof.length} siblings for a tree of depth ${treeDepth(count)}`);
  let node = sha256(chunk);
  const scratch = new Uint8Array(64);
  let i = c;
  for (const sibling of proof) {
    const s = hexToBytes(sibling);
    node = i % 2 === 0 ? sha256Pair(node, s, scratch) : sha256Pair(s, node, scratch);
    i >>= 1;
  }
  return bound([rows, cols], node);
}
