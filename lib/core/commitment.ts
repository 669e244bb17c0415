import { encodeAbiParameters, keccak256, type Hex } from "viem";
import type { CommitStatus } from "./spec.ts";

/** What a commitment claims; `commit` stores a digest of it and later calls pass it back in full. */
export interface Claim {
  root: Hex;
  updateHash: Hex;
  samples: bigint;
}

const STATUS_MASK = 0xffn;

/** Upper 248 bits of keccak256(abi.encode(root, updateHash, samples)) (contracts/libraries/CommitmentSlot.sol). */
export function claimDigest(claim: Claim): bigint {
  const h = keccak256(
    encodeAbiParameters([{ type: "bytes32" }, { type: "bytes32" }, { type: "uint64" }], [claim.root, claim.updateHash, claim.samples]),
  );
  return BigInt(h) & ~STATUS_MASK;
}

/** The storage word of a commitment with the given status. */
export function commitmentWord(claim: Claim, status: CommitStatus): bigint {
  return claimDigest(claim) | BigInt(status);
}
