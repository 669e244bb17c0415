// Pure protocol core shared by the trainer, the verifier and the scripts. No I/O here.
//   spec.ts          RunSpec type, enums as const objects, defaults for local runs
//   leaf.ts          trajectory leaf encoding and hashing (matches contracts/libraries/TrajectoryLeaf.sol)
//   merkle.ts        OpenZeppelin-compatible Merkle tree (sorted pairs, double-hashed leaves) and proofs
//   commitment.ts    the on-chain commitment word (digest | status) and claim type
//   announcement.ts  EIP-712 typed data of gossiped announcements (checked on-chain by proveEquivocation)
//   centered-clip.ts CenteredClip robust aggregation of updates (BTARD) and the plain-mean baseline
//   state-hash.ts    canonical state bytes, their decoding, h(s) and update hashes (SHA-256)
//   batches.ts       deterministic batch indices from keccak(roundSeed, trainer, shard, step)
//   economics.ts     the economic condition (cheating must not pay) and detection probability
//   errors.ts        typed errors
export * from "./spec.ts";
export * from "./leaf.ts";
export * from "./merkle.ts";
export * from "./commitment.ts";
export * from "./announcement.ts";
export * from "./errors.ts";
export * from "./centered-clip.ts";
export * from "./state-hash.ts";
export * from "./batches.ts";
export * from "./economics.ts";
