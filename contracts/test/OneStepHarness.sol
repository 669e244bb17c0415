// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {OneStep} from "../libraries/OneStep.sol";

/// @notice Test-only: exposes OneStep for the cross-checks with lib/kernels/element.ts.
contract OneStepHarness {
    function element(
        uint8 kind,
        uint256[] calldata scalars,
        uint256 i,
        uint256 j,
        OneStep.ArgRow[] calldata reads,
        uint256[] calldata argRows
    ) external pure returns (uint256) {
        return OneStep.element(kind, scalars, i, j, reads, argRows);
    }

    /// @notice The gas of one element (for npm run bench:gas).
    function gasOf(
        uint8 kind,
        uint256[] calldata scalars,
        uint256 i,
        uint256 j,
        OneStep.ArgRow[] calldata reads,
        uint256[] calldata argRows
    ) external view returns (uint256 used, uint256 result) {
        uint256 before = gasleft();
        result = OneStep.element(kind, scalars, i, j, reads, argRows);
        used = before - gasleft();
    }
}
