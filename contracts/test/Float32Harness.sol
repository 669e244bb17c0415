// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Float32} from "../libraries/Float32.sol";

/// @notice Test-only: evaluates one Float32 operation over many operand pairs in one call, for the
/// property tests that hold the library against lib/kernels/f32.ts (test/contracts/float32.test.ts).
contract Float32Harness {
    /// @param op 0 add, 1 sub, 2 mul, 3 div, 4 max, 5 relu, 6 exp32, 7 log32, 8 gt (1 or 0)
    /// @param operands each (a << 32) | b, binary32 bit patterns (unary operations read a)
    function run(uint8 op, uint256[] calldata operands) external pure returns (uint256[] memory out) {
        out = new uint256[](operands.length);
        for (uint256 i = 0; i < operands.length; i++) {
            uint256 a = (operands[i] >> 32) & 0xffffffff;
            uint256 b = operands[i] & 0xffffffff;
            out[i] = _apply(op, a, b);
        }
    }

    /// @notice The gas of one operation on one operand pair (for npm run bench:gas).
    function gasOf(uint8 op, uint256 a, uint256 b) external view returns (uint256 used, uint256 result) {
        uint256 before = gasleft();
        result = _apply(op, a, b);
        used = before - gasleft();
    }

    /// @notice The sequential dot product of two rows of little-endian binary32 values.
    function dot(bytes calldata a, bytes calldata b) external pure returns (uint256) {
        require(a.length == b.length && a.length % 4 == 0, "rows");
        return Float32.dotLE(a, b);
    }

    function _apply(uint8 op, uint256 a, uint256 b) private pure returns (uint256) {
        if (op == 0) return Float32.add(a, b);
        if (op == 1) return Float32.sub(a, b);
        if (op == 2) return Float32.mul(a, b);
        if (op == 3) return Float32.div(a, b);
        if (op == 4) return Float32.max(a, b);
        if (op == 5) return Float32.relu(a);
        if (op == 6) return Float32.exp32(a);
        if (op == 7) return Float32.log32(a);
        if (op == 8) return Float32.gt(a, b) ? 1 : 0;
        revert("unknown op");
    }
}
