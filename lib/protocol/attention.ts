import { encodeAbiParameters, keccak256, type Address, type Hex } from "viem";

// The attention digest of an attestation (docs/PROTOCOL.md 7.3). An exact-mode attestation carries
// keccak256(abi.encode(verifier, r)), r being the state root after the audited segment's next-to-last step: a
// root no manifest, checkpoint or event holds, which only replaying the segment yields. The trainer, which knows
// r, accuses an attestation whose digest is not its own (DisputeGame.accuse); the verifier must then win the
// step game against the trainer's roots or lose a bond from its stake.

/** The index, in a segment's c + 1 step roots (roots[0] its start), of the root the digest names. */
export function attentionIndex(checkpointInterval: number): number {
  if (checkpointInterval < 2) throw new Error("an attention digest needs checkpointInterval >= 2");
  return checkpointInterval - 1;
}

/** keccak256(abi.encode(verifier, root)), as DisputeGame.accuse compares it. */
export function attentionDigest(verifier: Address, root: Hex): Hex {
  return keccak256(encodeAbiParameters([{ type: "address" }, { type: "bytes32" }], [verifier, root]));
}
