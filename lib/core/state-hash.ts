import { createHash, type Hash } from "node:crypto";
import type { Hex } from "viem";
import { StateDecodeError } from "./errors.ts";

// Canonical bytes and hash of a shard state: an ordered list of float32 tensors (parameters, then
// optimizer slots, in the order the model spec fixes).
//
//   canonicalStateBytes  the tensors' float32 values, little-endian, concatenated (what peers send)
//   stateHash            h(s) of the protocol: SHA-256 over, for each tensor, its uint32 LE element count
//                        followed by its little-endian float32 bytes, so the same floats split differently
//                        hash differently. Fed tensor by tensor through zero-copy views (no concatenation).
//   decodeStateBytes     canonical bytes back to tensors, checking the exact size and finiteness
//   hashBytes            SHA-256 of raw bytes (update hashes)
//   stateBlob            the bytes h(s) hashes (count-prefixed tensors): SHA-256(stateBlob(s)) = h(s), so a
//                        checkpoint or shard state is fetched by its state hash like any other blob
//   decodeStateBlob      a state blob (untrusted) back to tensors, checking every count and finiteness
//
// The hash is over raw bit patterns: -0 and +0 differ, which is what exact-mode audits need.

/** True on little-endian hosts, where a Float32Array's memory already is the canonical encoding. */
const LITTLE_ENDIAN = (() => {
  const probe = new ArrayBuffer(2);
  new DataView(probe).setUint16(0, 0x0102, true);
  return new Uint16Array(probe)[0] === 0x0102;
})();

const MAX_ELEMENTS = 0xffff_ffff;

function bytesOf(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Little-endian copy of `a` (only used on big-endian hosts). */
function toLittleEndian(a: Float32Array): Uint8Array {
  const out = new Uint8Array(a.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) view.setFloat32(4 * i, a[i]!, true);
  return out;
}

function hex(hash: Hash): Hex {
  return `0x${hash.digest("hex")}`;
}

/** The tensors' float32 values in little-endian order, concatenated. */
export function canonicalStateBytes(arrays: readonly Float32Array[]): Uint8Array {
  let total = 0;
  for (const a of arrays) total += a.byteLength;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const a of arrays) {
    out.set(LITTLE_ENDIAN ? bytesOf(a) : toLittleEndian(a), offset);
    offset += a.byteLength;
  }
  return out;
}

/** h(s): SHA-256 over (uint32 LE element count ‖ LE float32 bytes) of each tensor, as 0x-prefixed hex. */
export function stateHash(arrays: readonly Float32Array[]): Hex {
  const hash = createHash("sha256");
  const prefix = new Uint8Array(4);
  const prefixView = new DataView(prefix.buffer);
  arrays.forEach((a, index) => {
    if (a.length > MAX_ELEMENTS) {
      throw new StateDecodeError("tensor has more than 2^32 - 1 elements", { index, length: a.length });
    }
    prefixView.setUint32(0, a.length, true);
    hash.update(prefix);
    hash.update(LITTLE_ENDIAN ? bytesOf(a) : toLittleEndian(a));
  });
  return hex(hash);
}

/** SHA-256 of `bytes` as 0x-prefixed hex (the hash of an update's bytes). */
export function hashBytes(bytes: Uint8Array): Hex {
  return hex(createHash("sha256").update(bytes));
}

/** A tensor's element count, or its shape (element count = product of the dimensions). */
export type TensorSize = number | readonly number[];

function elementCount(size: TensorSize, index: number): number {
  const dims = typeof size === "number" ? [size] : size;
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new StateDecodeError("tensor size is not a non-negative integer", { index, size });
    n *= d;
  }
  if (!Number.isSafeInteger(n) || n > MAX_ELEMENTS) throw new StateDecodeError("tensor is too large", { index, size });
  return n;
}

/**
 * Decodes canonical state bytes (untrusted) into one freshly allocated, aligned Float32Array per entry of
 * `sizes`. Throws a StateDecodeError unless the byte length is exactly the sum of the sizes and every value
 * is finite.
 */
export function decodeStateBytes(bytes: Uint8Array, sizes: readonly TensorSize[]): Float32Array[] {
  if (!(bytes instanceof Uint8Array)) throw new StateDecodeError("state bytes are not a Uint8Array");
  const counts = sizes.map(elementCount);
  const expected = counts.reduce((s, n) => s + 4 * n, 0);
  if (bytes.length !== expected) {
    throw new StateDecodeError("state bytes have the wrong length", { length: bytes.length, expected });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Float32Array[] = [];
  let offset = 0;
  counts.forEach((n, index) => {
    const a = new Float32Array(n);
    if (LITTLE_ENDIAN) bytesOf(a).set(bytes.subarray(offset, offset + 4 * n));
    else for (let i = 0; i < n; i++) a[i] = view.getFloat32(offset + 4 * i, true);
    for (let i = 0; i < n; i++) {
      const x = a[i]!;
      if (x - x !== 0) throw new StateDecodeError("state has a non-finite value", { tensor: index, element: i, value: x });
    }
    out.push(a);
    offset += 4 * n;
  });
  return out;
}

/** The bytes h(s) hashes: for each tensor its uint32 LE element count, then its LE float32 values. */
export function stateBlob(arrays: readonly Float32Array[]): Uint8Array {
  let total = 0;
  for (const a of arrays) total += 4 + a.byteLength;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let offset = 0;
  arrays.forEach((a, index) => {
    if (a.length > MAX_ELEMENTS) throw new StateDecodeError("tensor has more than 2^32 - 1 elements", { index, length: a.length });
    view.setUint32(offset, a.length, true);
    out.set(LITTLE_ENDIAN ? bytesOf(a) : toLittleEndian(a), offset + 4);
    offset += 4 + a.byteLength;
  });
  return out;
}

/** Decodes an untrusted state blob: exact length, each count prefix equal to `sizes`, every value finite. */
export function decodeStateBlob(bytes: Uint8Array, sizes: readonly TensorSize[]): Float32Array[] {
  if (!(bytes instanceof Uint8Array)) throw new StateDecodeError("state blob is not a Uint8Array");
  const counts = sizes.map(elementCount);
  const expected = counts.reduce((s, n) => s + 4 + 4 * n, 0);
  if (bytes.length !== expected) throw new StateDecodeError("state blob has the wrong length", { length: bytes.length, expected });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const body = new Uint8Array(expected - 4 * counts.length);
  let offset = 0;
  let filled = 0;
  counts.forEach((n, index) => {
    const count = view.getUint32(offset, true);
    if (count !== n) throw new StateDecodeError("state blob tensor has the wrong element count", { tensor: index, count, expected: n });
    body.set(bytes.subarray(offset + 4, offset + 4 + 4 * n), filled);
    offset += 4 + 4 * n;
    filled += 4 * n;
  });
  return decodeStateBytes(body, counts);
}
