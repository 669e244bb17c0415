// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Role, CommitStatus} from "../types/RunSpec.sol";

/// @title Errors of the Verihive run coordinator
/// @notice Every revert of RunCoordinator, with the values that caused it.
interface IRunCoordinatorErrors {
    /// @notice The run does not exist.
    /// @param runId The run.
    error RunUnknown(uint256 runId);
    /// @notice The run spec is invalid.
    /// @param rule Which rule it breaks:
    ///   1: funding too large
    ///   2: empty seat counts
    ///   3: no rounds
    ///   4: starts in the past
    ///   5: commit window
    ///   6: empty window (audit, dispute, jury commit or reveal)
    ///   7: localSteps must be a multiple of checkpointInterval
    ///   8: batch size
    ///   9: bps above 10000
    ///   10: jury size (must be odd, at most 9, below maxVerifiers)
    ///   11: zero minimum stake or challenge bond
    ///   12: zero tolerance
    ///   13: windows exceed unbonding period
    error RunSpecInvalid(uint8 rule);
    /// @notice The run has ended (no more joins or rounds).
    /// @param runId The run.
    /// @param endedAt When its last round closed.
    error RunEnded(uint256 runId, uint64 endedAt);
    /// @notice The shard or the verifier set is full.
    /// @param runId The run.
    /// @param role The role asked for.
    /// @param shard The shard (0 for verifiers).
    error RunFull(uint256 runId, Role role, uint16 shard);
    /// @notice The shard index is out of range.
    /// @param runId The run.
    /// @param shard The shard asked for.
    /// @param shards Shards in the run.
    error RunShardInvalid(uint256 runId, uint16 shard, uint16 shards);
    /// @notice The account's free stake is below the seat's minimum.
    /// @param runId The run.
    /// @param account The account.
    /// @param free Its free stake.
    /// @param minimum The minimum for the role.
    error RunStakeBelowMinimum(uint256 runId, address account, uint256 free, uint256 minimum);
    /// @notice The account already holds a seat, or was banned from the run.
    /// @param runId The run.
    /// @param account The account.
    error RunAlreadyJoined(uint256 runId, address account);
    /// @notice The account holds no active seat of the needed role.
    /// @param runId The run.
    /// @param account The account.
    /// @param role The role needed.
    error RunNotParticipant(uint256 runId, address account, Role role);
    /// @notice The participant cannot leave yet.
    /// @param runId The run.
    /// @param account The account.
    /// @param openDisputes Disputes still open.
    /// @param settlesAt When its last commitment's dispute window closes.
    error RunLeaveBlocked(uint256 runId, address account, uint32 openDisputes, uint64 settlesAt);
    /// @notice The round is out of range or the current time is outside the action's window.
    /// @param runId The run.
    /// @param round The round.
    /// @param opensAt When the window opens.
    /// @param closesAt When it closes.
    error RoundWindowClosed(uint256 runId, uint64 round, uint64 opensAt, uint64 closesAt);
    /// @notice The dispute is not the run's kind: an exact-mode run settles disputes by the dispute game only (a
    /// vote could convict an honest trainer), a tolerance-mode run by a jury only (the game settles bit for bit).
    /// @param runId The run.
    error DisputeModeInvalid(uint256 runId);
    /// @notice The round's seed is not set yet (call `openRound`).
    /// @param runId The run.
    /// @param round The round.
    error RoundNotOpen(uint256 runId, uint64 round);
    /// @notice The round's seed, or its audit seed, is already set.
    /// @param runId The run.
    /// @param round The round.
    error RoundAlreadyOpen(uint256 runId, uint64 round);
    /// @notice Audits of the round are not open yet (call `openAudits`).
    /// @param runId The run.
    /// @param round The round.
    error AuditsNotOpen(uint256 runId, uint64 round);
    /// @notice The trainer was removed from the run for fraud or equivocation: its other commitments earn nothing.
    /// @param runId The run.
    /// @param trainer The trainer.
    error TrainerBanned(uint256 runId, address trainer);
    /// @notice The trainer already committed this round.
    /// @param runId The run.
    /// @param round The round.
    /// @param trainer The trainer.
    error CommitDuplicate(uint256 runId, uint64 round, address trainer);
    /// @notice The claimed sample count exceeds localSteps * batchSize.
    /// @param samples Claimed samples.
    /// @param maximum The maximum.
    error CommitSamplesInvalid(uint64 samples, uint64 maximum);
    /// @notice The commitment is not in a status that allows the action.
    /// @param runId The run.
    /// @param round The round.
    /// @param trainer The trainer.
    /// @param status Its status.
    error CommitStatusInvalid(uint256 runId, uint64 round, address trainer, CommitStatus status);
    /// @notice The root, update hash and samples given do not hash to the stored commitment.
    /// @param runId The run.
    /// @param round The round.
    /// @param trainer The trainer.
    error CommitClaimMismatch(uint256 runId, uint64 round, address trainer);
    /// @notice The caller is not the verifier assigned to audit this commitment.
    /// @param runId The run.
    /// @param round The round.
    /// @param trainer The trainer.
    /// @param assigned The assigned verifier (zero: not audited).
    error AuditNotAssigned(uint256 runId, uint64 round, address trainer, address assigned);
    /// @notice The accusation names another attestation than the commitment's (or it was not attested).
    /// @param runId The run.
    /// @param round The round.
    /// @param trainer The trainer.
    error AttestationMismatch(uint256 runId, uint64 round, address trainer);
    /// @notice The leaf's segment is out of range or its Merkle proof does not match the root.
    /// @param segment The segment.
    error ChallengeLeafInvalid(uint32 segment);
    /// @notice The dispute does not exist.
    /// @param disputeId The dispute.
    error DisputeUnknown(uint256 disputeId);
    /// @notice The dispute is not in the phase the action needs.
    /// @param disputeId The dispute.
    /// @param opensAt When the phase opens.
    /// @param closesAt When it closes (0: not set).
    error DisputePhaseInvalid(uint256 disputeId, uint64 opensAt, uint64 closesAt);
    /// @notice The caller is not on the dispute's jury.
    /// @param disputeId The dispute.
    /// @param account The caller.
    error DisputeNotJuror(uint256 disputeId, address account);
    /// @notice The juror already committed, or already revealed, its vote.
    /// @param disputeId The dispute.
    /// @param juror The juror.
    error DisputeVoteDuplicate(uint256 disputeId, address juror);
    /// @notice The revealed vote does not match the committed hash.
    /// @param disputeId The dispute.
    /// @param juror The juror.
    error DisputeRevealMismatch(uint256 disputeId, address juror);
    /// @notice The announcement agrees with the commitment (or was not signed by the trainer).
    /// @param runId The run.
    /// @param round The round.
    /// @param signer The recovered signer.
    error EquivocationNotProven(uint256 runId, uint64 round, address signer);
    /// @notice The announcement's signature is malformed (OpenZeppelin's ECDSA errors, raised in the linked
    /// AnnouncementSignature library and declared here so that clients can decode them).
    error ECDSAInvalidSignature();
    error ECDSAInvalidSignatureLength(uint256 length);
    error ECDSAInvalidSignatureS(bytes32 s);
    /// @notice Nothing to claim or reclaim.
    /// @param runId The run.
    /// @param account The caller.
    error NothingOwed(uint256 runId, address account);
    /// @notice The caller is not the run owner.
    /// @param runId The run.
    /// @param account The caller.
    error RunNotOwner(uint256 runId, address account);
}
