// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {TrajectoryLeaf} from "../libraries/TrajectoryLeaf.sol";

/// @notice Test-only: exposes the leaf hashing and proof check the coordinator uses, for cross-checks with TypeScript.
contract TrajectoryMerkleHarness {
    function leafHash(uint256 runId, uint16 shard, uint64 round, uint32 segment, bytes32 startHash, bytes32 endHash)
        external
        pure
        returns (bytes32)
    {
        return TrajectoryLeaf.hash(runId, shard, round, segment, startHash, endHash);
    }

    function verify(bytes32[] calldata proof, bytes32 root, bytes32 leaf) external pure returns (bool) {
        return MerkleProof.verifyCalldata(proof, root, leaf);
    }
}
