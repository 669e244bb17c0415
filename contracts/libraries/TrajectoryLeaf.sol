// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title TrajectoryLeaf
/// @notice Leaf hashing for trajectory Merkle trees, compatible with OpenZeppelin's StandardMerkleTree
/// (double-hashed abi-encoded leaf, sorted pairs) with types
/// [uint256 runId, uint16 shard, uint64 round, uint32 segment, bytes32 startHash, bytes32 endHash].
library TrajectoryLeaf {
    function hash(uint256 runId, uint16 shard, uint64 round, uint32 segment, bytes32 startHash, bytes32 endHash)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(bytes.concat(keccak256(abi.encode(runId, shard, round, segment, startHash, endHash))));
    }
}
