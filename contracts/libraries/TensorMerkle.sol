// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title TensorMerkle
/// @notice Opens one piece of a commitment of lib/core/tensor-commit.ts (docs/PROTOCOL.md 3.9): an 8 KiB chunk of
/// a tensor's little-endian binary32 bytes under a positional SHA-256 tree whose root is bound to the shape,
/// or one bytes32 item of a list of roots. Proof lengths, indices and chunk lengths must fit the shape, so a
/// proof opens exactly one place.
library TensorMerkle {
    uint256 internal constant CHUNK_BYTES = 8192;

    /// @notice A chunk or list proof does not fit the committed shape.
    error TensorProofInvalid();

    /// @notice Chunks of a rows × cols tensor (at least one).
    function chunkCount(uint256 rows, uint256 cols) internal pure returns (uint256) {
        uint256 bytes_ = rows * cols * 4;
        return bytes_ == 0 ? 1 : (bytes_ + CHUNK_BYTES - 1) / CHUNK_BYTES;
    }

    /// @notice ⌈log₂ n⌉.
    function depth(uint256 n) internal pure returns (uint256 d) {
        while ((uint256(1) << d) < n) d++;
    }

    /// @notice The tensor root that chunk `index` (its bytes) and its proof imply; reverts if they cannot fit.
    function rootFromChunk(uint32 rows, uint32 cols, uint256 index, bytes calldata chunk, bytes32[] calldata proof)
        internal
        pure
        returns (bytes32)
    {
        uint256 count = chunkCount(rows, cols);
        uint256 total = uint256(rows) * cols * 4;
        if (index >= count || proof.length != depth(count)) revert TensorProofInvalid();
        uint256 expected = total - index * CHUNK_BYTES;
        if (expected > CHUNK_BYTES) expected = CHUNK_BYTES;
        if (total == 0) expected = 0;
        if (chunk.length != expected) revert TensorProofInvalid();
        bytes32 node = sha256(chunk);
        node = _climb(node, index, proof);
        return sha256(abi.encodePacked(rows, cols, node));
    }

    /// @notice The list root that item `index` of a `count`-item list and its proof imply.
    function rootFromItem(uint32 count, uint256 index, bytes32 item, bytes32[] calldata proof) internal pure returns (bytes32) {
        if (count == 0 || index >= count || proof.length != depth(count)) revert TensorProofInvalid();
        return sha256(abi.encodePacked(count, _climb(item, index, proof)));
    }

    /// @notice The root of a whole list of items (for short lists posted in full, such as a state's tensor roots).
    function rootOfList(bytes32[] memory items) internal pure returns (bytes32) {
        uint256 n = items.length;
        if (n == 0 || n > type(uint32).max) revert TensorProofInvalid();
        return sha256(abi.encodePacked(uint32(n), _treeRoot(items)));
    }

    /// @notice The root of a rows × cols tensor from all its chunk leaves (sha256 of each chunk), in order.
    function rootOfChunkLeaves(uint32 rows, uint32 cols, bytes32[] memory leaves) internal pure returns (bytes32) {
        if (leaves.length != chunkCount(rows, cols)) revert TensorProofInvalid();
        return sha256(abi.encodePacked(rows, cols, _treeRoot(leaves)));
    }

    /// @dev The positional tree's root over `leaves`, padded with zero hashes to a power of two.
    function _treeRoot(bytes32[] memory leaves) private pure returns (bytes32) {
        uint256 n = leaves.length;
        uint256 width = uint256(1) << depth(n);
        bytes32[] memory level = new bytes32[](width);
        for (uint256 i = 0; i < n; i++) level[i] = leaves[i];
        while (width > 1) {
            width /= 2;
            for (uint256 i = 0; i < width; i++) level[i] = sha256(abi.encodePacked(level[2 * i], level[2 * i + 1]));
        }
        return level[0];
    }

    function _climb(bytes32 node, uint256 index, bytes32[] calldata proof) private pure returns (bytes32) {
        for (uint256 d = 0; d < proof.length; d++) {
            node = (index & 1) == 0 ? sha256(abi.encodePacked(node, proof[d])) : sha256(abi.encodePacked(proof[d], node));
            index >>= 1;
        }
        return node;
    }
}
