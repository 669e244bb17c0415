// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {RunSpec, VerificationMode} from "../types/RunSpec.sol";
import {IRunCoordinatorErrors} from "../interfaces/IRunCoordinatorErrors.sol";

/// @title RunSpecRules
/// @notice The bounds `createRun` enforces on a spec (each rule's number is RunSpecInvalid's argument).
/// A linked library: its code lives outside RunCoordinator, whose size EIP-170 caps.
library RunSpecRules {
    uint256 internal constant BPS = 10_000;
    uint8 internal constant MAX_JURY = 9;
    /// @dev Shortest audit, dispute, move (jury commit) and reveal window: time for a peer to see an event and answer.
    uint256 internal constant MIN_WINDOW = 5;
    /// @dev Largest juror penalty (10 %): a run owner cannot make one missed reveal cost a verifier its stake (REVIEW 15).
    uint256 internal constant MAX_JUROR_PENALTY_BPS = 1_000;

    /// @notice Tokens `createRun` takes for `spec`: every round's reward and an audit fee per trainer slot and round.
    /// @param spec The spec.
    /// @return The funding.
    function fundingFor(RunSpec calldata spec) public pure returns (uint256) {
        uint256 slots = uint256(spec.shards) * spec.maxTrainersPerShard;
        return uint256(spec.rewardPerRound) * spec.rounds + uint256(spec.auditFee) * spec.rounds * slots;
    }

    /// @notice Reverts RunSpecInvalid(rule) unless `s` is a valid spec for a vault with `unbondingPeriod`.
    /// @param s The spec.
    /// @param unbondingPeriod The staking vault's.
    /// @return funding Its funding (fundingFor), which must fit in 128 bits.
    function check(RunSpec calldata s, uint256 unbondingPeriod) external view returns (uint256 funding) {
        if (s.shards == 0 || s.maxTrainersPerShard == 0 || s.maxVerifiers == 0) _invalid(2); // empty seat counts
        if (s.rounds == 0 || s.roundLength == 0) _invalid(3); // no rounds
        if (s.startTime < block.timestamp) _invalid(4); // starts in the past
        if (s.commitWindow == 0 || s.commitWindow > s.roundLength) _invalid(5); // commit window
        if (
            s.auditWindow < MIN_WINDOW || s.disputeWindow < MIN_WINDOW || s.juryCommitWindow < MIN_WINDOW
                || s.juryRevealWindow < MIN_WINDOW
        ) {
            _invalid(6); // a window shorter than MIN_WINDOW
        }
        // Exact mode needs a state root inside each segment for the attention digest (PROTOCOL.md 7.3): c >= 2.
        uint32 minInterval = s.mode == VerificationMode.Exact ? 2 : 1;
        if (s.localSteps == 0 || s.checkpointInterval < minInterval || s.localSteps % s.checkpointInterval != 0) {
            _invalid(7); // localSteps must be a multiple of checkpointInterval (>= 2 in exact mode)
        }
        if (s.batchSize == 0) _invalid(8); // batch size
        if (s.auditRateBps > BPS || s.slashBps > BPS || s.jurorPenaltyBps > MAX_JUROR_PENALTY_BPS) _invalid(9); // bps too high
        // Odd, so votes cannot tie when all reveal; below maxVerifiers, so a full jury exists besides the challenger.
        if (s.jurySize % 2 == 0 || s.jurySize > MAX_JURY || s.jurySize >= s.maxVerifiers) _invalid(10); // jury size
        if (s.minTrainerStake == 0 || s.minVerifierStake == 0 || s.challengeBond == 0) _invalid(11); // zero stake or bond
        if (s.mode == VerificationMode.Tolerance && s.toleranceMicros == 0) _invalid(12); // zero tolerance
        // Stake must not be able to leave before a slash for the last commitment could land.
        uint256 settle = uint256(s.commitWindow) + s.auditWindow + s.disputeWindow + s.juryCommitWindow + s.juryRevealWindow;
        if (settle >= unbondingPeriod) _invalid(13); // windows exceed unbonding period
        funding = fundingFor(s);
        if (funding > type(uint128).max) _invalid(1); // funding too large
    }

    function _invalid(uint8 rule) private pure {
        revert IRunCoordinatorErrors.RunSpecInvalid(rule);
    }
}
