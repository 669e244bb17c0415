// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TensorMerkle} from "../libraries/TensorMerkle.sol";

/// @notice Test-only: exposes TensorMerkle for the cross-checks with lib/core/tensor-commit.ts.
contract TensorMerkleHarness {
    function rootFromChunk(uint32 rows, uint32 cols, uint256 index, bytes calldata chunk, bytes32[] calldata proof)
        external
        pure
        returns (bytes32)
    {
        return TensorMerkle.rootFromChunk(rows, cols, index, chunk, proof);
    }

    function rootFromItem(uint32 count, uint256 index, bytes32 item, bytes32[] calldata proof) external pure returns (bytes32) {
        return TensorMerkle.rootFromItem(count, index, item, proof);
    }

    function rootOfList(bytes32[] calldata items) external pure returns (bytes32) {
        return TensorMerkle.rootOfList(items);
    }
}
