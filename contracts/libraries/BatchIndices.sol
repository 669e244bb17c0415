// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title BatchIndices
/// @notice The seed-derived batch of lib/core/batches.ts (docs/PROTOCOL.md 3.4), one index at a time, so that a
/// dispute can check which dataset example row i of a step's batch must be.
library BatchIndices {
    /// @notice keccak256(abi.encode(roundSeed, trainer, shard, step)).
    function batchSeed(bytes32 roundSeed, address trainer, uint16 shard, uint32 step) internal pure returns (bytes32) {
        return keccak256(abi.encode(roundSeed, trainer, shard, step));
    }

    /// @notice Index i (from 0) of the batch with per-step base `base` over the slice [sliceStart, sliceStart + sliceLength):
    /// the i-th accepted word of the counter-mode stream keccak256(abi.encode(base, block)), eight big-endian
    /// uint32 words a block, a word x accepted when x < 2^32 − (2^32 mod sliceLength).
    function indexAt(bytes32 base, uint256 i, uint256 sliceStart, uint256 sliceLength) internal pure returns (uint256 index) {
        require(sliceLength > 0 && sliceLength <= 1 << 32, "slice");
        uint256 limit = (uint256(1) << 32) - ((uint256(1) << 32) % sliceLength);
        uint256 accepted = 0;
        for (uint256 blk = 0; ; blk++) {
            uint256 words = uint256(keccak256(abi.encode(base, blk)));
            for (uint256 w = 0; w < 8; w++) {
                uint256 x = (words >> (224 - 32 * w)) & 0xffffffff;
                if (x < limit) {
                    if (accepted == i) return index = sliceStart + (x % sliceLength);
                    accepted++;
                }
            }
        }
    }
}
