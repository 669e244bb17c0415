import { encodeAbiParameters, hexToBytes, isAddress, keccak256, type Address, type Hex } from "viem";
import { BatchDerivationError } from "./errors.ts";

// Deterministic batches (docs/PROTOCOL.md, step 1): nobody chooses their data, so a verifier that
// re-executes step t of trainer a on shard k draws exactly the same sample indices.
//
//   base     = keccak256(abi.encode(bytes32 roundSeed, address trainer, uint16 shard, uint32 step))
//   block_i  = keccak256(abi.encode(bytes32 base, uint256 i)),  i = 0, 1, 2, …
//   each block is read as eight big-endian uint32 words in order; a word x is accepted when
//   x < 2^32 − (2^32 mod L) (rejection sampling, so no modulo bias) and yields sliceStart + x mod L,
//   where L = sliceLength; blocks are drawn until batchSize indices are accepted.
//
// Both encodings are abi.encode, so a contract can recompute any index with two keccak256 calls.

export interface BatchParams {
  /** The round's seed fixed on-chain when the round opens (bytes32). */
  roundSeed: Hex;
  /** The trainer whose step this is. */
  trainer: Address;
  /** Shard index (uint16). */
  shard: number;
  /** Local step within the round (uint32). */
  step: number;
  /** Samples per batch (1 … 2^20). */
  batchSize: number;
  /** First dataset index of the shard's slice. */
  sliceStart: number;
  /** Number of samples in the slice (≥ 1; sliceStart + sliceLength ≤ 2^32). */
  sliceLength: number;
}

export const MAX_BATCH_SIZE = 1 << 20;
const TWO_32 = 2 ** 32;

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new BatchDerivationError(`${name} must be an integer in [${min}, ${max}]`, { [name]: value });
  }
}

function validate(p: BatchParams): void {
  if (typeof p.roundSeed !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(p.roundSeed)) {
    throw new BatchDerivationError("roundSeed is not a 32-byte hex string", { roundSeed: p.roundSeed });
  }
  if (typeof p.trainer !== "string" || !isAddress(p.trainer)) {
    throw new BatchDerivationError("trainer is not an address", { trainer: p.trainer });
  }
  checkInteger("shard", p.shard, 0, 0xffff);
  checkInteger("step", p.step, 0, 0xffff_ffff);
  checkInteger("batchSize", p.batchSize, 1, MAX_BATCH_SIZE);
  checkInteger("sliceLength", p.sliceLength, 1, TWO_32);
  checkInteger("sliceStart", p.sliceStart, 0, TWO_32 - p.sliceLength);
}

/** keccak256(abi.encode(roundSeed, trainer, shard, step)): the per-step base of the counter-mode stream. */
export function batchSeed(p: Pick<BatchParams, "roundSeed" | "trainer" | "shard" | "step">): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "address" }, { type: "uint16" }, { type: "uint32" }],
      [p.roundSeed, p.trainer, p.shard, p.step],
    ),
  );
}

/** The `batchSize` dataset indices of trainer `trainer`'s step `step` on shard `shard` (see the header). */
export function batchIndices(p: BatchParams): Uint32Array {
  validate(p);
  const { batchSize, sliceStart, sliceLength } = p;
  const limit = TWO_32 - (TWO_32 % sliceLength);
  const out = new Uint32Array(batchSize);

  // abi.encode(bytes32 base, uint256 i): the base, then i as a 32-byte big-endian word (i < 2^32 here).
  const input = new Uint8Array(64);
  input.set(hexToBytes(batchSeed(p)), 0);
  const counter = new DataView(input.buffer, 60, 4);

  let filled = 0;
  for (let i = 0; filled < batchSize; i++) {
    counter.setUint32(0, i, false);
    const block = keccak256(input, "bytes");
    const words = new DataView(block.buffer, block.byteOffset, block.byteLength);
    for (let w = 0; w < 8 && filled < batchSize; w++) {
      const x = words.getUint32(4 * w, false);
      if (x < limit) out[filled++] = sliceStart + (x % sliceLength);
    }
  }
  return out;
}
