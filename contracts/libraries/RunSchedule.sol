// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {RunSpec} from "../types/RunSpec.sol";

/// @title RunSchedule
/// @notice Deadlines of a round, all derived from the spec (no storage).
/// Round r: opens at start + r*roundLength; commits until +commitWindow; audits and challenges until
/// +auditWindow after that; finalization from +disputeWindow after that.
library RunSchedule {
    function opensAt(RunSpec storage s, uint64 round) internal view returns (uint64) {
        // round < rounds (uint32) and roundLength is uint32: the product fits in 64 bits.
        return s.startTime + round * s.roundLength;
    }

    function commitDeadline(RunSpec storage s, uint64 round) internal view returns (uint64) {
        return opensAt(s, round) + s.commitWindow;
    }

    function auditEnd(RunSpec storage s, uint64 round) internal view returns (uint64) {
        return commitDeadline(s, round) + s.auditWindow;
    }

    function disputeEnd(RunSpec storage s, uint64 round) internal view returns (uint64) {
        return auditEnd(s, round) + s.disputeWindow;
    }

    function endsAt(RunSpec storage s) internal view returns (uint64) {
        return s.startTime + uint64(s.rounds) * s.roundLength;
    }

    /// @notice Samples one commitment may claim: localSteps * batchSize.
    function maxSamples(RunSpec storage s) internal view returns (uint64) {
        return uint64(s.localSteps) * s.batchSize;
    }

    function segments(RunSpec storage s) internal view returns (uint32) {
        return s.localSteps / s.checkpointInterval;
    }
}
