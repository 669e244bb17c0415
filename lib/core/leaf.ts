import { encodeAbiParameters, keccak256, type Hex } from "viem";

/** One trajectory segment of a trainer's round: steps [segment*c, (segment+1)*c). */
export interface TrajectoryLeaf {
  runId: bigint;
  shard: number;
  round: bigint;
  segment: number;
  startHash: Hex;
  endHash: Hex;
}

/** Solidity types of a leaf, in order (OpenZeppelin StandardMerkleTree leaf encoding). */
export const LEAF_TYPES = ["uint256", "uint16", "uint64", "uint32", "bytes32", "bytes32"] as const;

const LEAF_ABI = LEAF_TYPES.map((type) => ({ type }));

/** The leaf as a tuple in `LEAF_TYPES` order. */
export function leafValues(leaf: TrajectoryLeaf): [bigint, number, bigint, number, Hex, Hex] {
  return [leaf.runId, leaf.shard, leaf.round, leaf.segment, leaf.startHash, leaf.endHash];
}

/** keccak256(keccak256(abi.encode(leaf))): the double hash that TrajectoryLeaf.sol computes. */
export function leafHash(leaf: TrajectoryLeaf): Hex {
  return keccak256(keccak256(encodeAbiParameters(LEAF_ABI, leafValues(leaf))));
}

/** The leaves of one round, from the state hashes at each checkpoint (`checkpointRoots[j]` = h(s_{jc})). */
export function roundLeaves(
  base: Pick<TrajectoryLeaf, "runId" | "shard" | "round">,
  checkpointRoots: readonly Hex[],
): TrajectoryLeaf[] {
  const leaves: TrajectoryLeaf[] = [];
  for (let j = 0; j + 1 < checkpointRoots.length; j++) {
    leaves.push({ ...base, segment: j, startHash: checkpointRoots[j]!, endHash: checkpointRoots[j + 1]! });
  }
  return leaves;
}
