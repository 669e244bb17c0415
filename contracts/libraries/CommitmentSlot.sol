// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CommitStatus} from "../types/RunSpec.sol";

/// @title CommitmentSlot
/// @notice One storage word per commitment: the upper 248 bits of keccak(root, updateHash, samples) and
/// the status in the low byte. One fresh slot keeps `commit` under 70k gas; status changes rewrite
/// the same word. 248 bits leave 124-bit collision resistance.
library CommitmentSlot {
    uint256 private constant STATUS_MASK = 0xff;

    function digest(bytes32 root, bytes32 updateHash, uint64 samples) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(root, updateHash, samples))) & ~STATUS_MASK;
    }

    function pack(uint256 digest_, CommitStatus status_) internal pure returns (uint256) {
        return digest_ | uint256(status_);
    }

    function status(uint256 word) internal pure returns (CommitStatus) {
        return CommitStatus(uint8(word & STATUS_MASK));
    }

    function withStatus(uint256 word, CommitStatus status_) internal pure returns (uint256) {
        return (word & ~STATUS_MASK) | uint256(status_);
    }

    function matches(uint256 word, bytes32 root, bytes32 updateHash, uint64 samples) internal pure returns (bool) {
        return (word & ~STATUS_MASK) == digest(root, updateHash, samples);
    }
}
