// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BatchIndices} from "../libraries/BatchIndices.sol";

/// @notice Test-only: exposes BatchIndices for the cross-check with lib/core/batches.ts.
contract BatchIndicesHarness {
    function indexAt(bytes32 roundSeed, address trainer, uint16 shard, uint32 step, uint256 i, uint256 sliceStart, uint256 sliceLength)
        external
        pure
        returns (uint256)
    {
        return BatchIndices.indexAt(BatchIndices.batchSeed(roundSeed, trainer, shard, step), i, sliceStart, sliceLength);
    }
}
