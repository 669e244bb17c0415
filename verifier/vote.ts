import { randomBytes } from "node:crypto";
import { bytesToHex, encodeAbiParameters, keccak256, type Address, type Hex } from "viem";

// A juror's hidden vote: what `commitVote` stores and `revealVote` checks (DisputeCourt). The juror's own
// address is inside the hash, so a commitment seen on-chain cannot be copied by another juror, and the salt
// is fresh randomness (never derived from the dispute), so the vote cannot be guessed before the reveal.

/** keccak256(abi.encode(uint256 disputeId, address juror, bool guilty, bytes32 salt)). */
export function voteHash(disputeId: bigint, juror: Address, guilty: boolean, salt: Hex): Hex {
  return keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "address" }, { type: "bool" }, { type: "bytes32" }], [disputeId, juror, guilty, salt]));
}

/** 32 random bytes from the OS. */
export function newSalt(): Hex {
  return bytesToHex(randomBytes(32));
}
