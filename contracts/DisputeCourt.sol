// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IRunCoordinator} from "./interfaces/IRunCoordinator.sol";
import {GameHost} from "./GameHost.sol";
import {RunSpec, DisputeKind, CommitStatus} from "./types/RunSpec.sol";
import {RunSchedule} from "./libraries/RunSchedule.sol";
import {CommitmentSlot} from "./libraries/CommitmentSlot.sol";
import {TrajectoryLeaf} from "./libraries/TrajectoryLeaf.sol";
import {AnnouncementSignature} from "./libraries/AnnouncementSignature.sol";

/// @title DisputeCourt
/// @notice Challenges, unavailability reports, juries with commit-reveal votes, and equivocation proofs.
abstract contract DisputeCourt is GameHost {
    using SafeERC20 for IERC20;
    using RunSchedule for RunSpec;
    using CommitmentSlot for uint256;

    /// @inheritdoc IRunCoordinator
    function challenge(uint256 runId, uint64 round, address trainer, Claim calldata claim_, Leaf calldata leaf, bytes32[] calldata proof)
        external
        nonReentrant
        returns (uint256 disputeId)
    {
        RunSpec storage s = _run(runId).spec;
        uint256 word = _openForDispute(runId, round, trainer, msg.sender, s.opensAt(round), false);
        if (!word.matches(claim_.root, claim_.updateHash, claim_.samples)) revert CommitClaimMismatch(runId, round, trainer);
        bytes32 leafHash =
            TrajectoryLeaf.hash(runId, _participants[runId][trainer].shard, round, leaf.segment, leaf.startHash, leaf.endHash);
        if (leaf.segment >= s.segments() || !MerkleProof.verifyCalldata(proof, claim_.root, leafHash)) {
            revert ChallengeLeafInvalid(leaf.segment);
        }
        disputeId = _openDispute(runId, round, trainer, DisputeKind.Fraud, leaf);
    }

    /// @inheritdoc IRunCoordinator
    function reportUnavailable(uint256 runId, uint64 round, address trainer, uint32 segment)
        external
        nonReentrant
        returns (uint256 disputeId)
    {
        RunSpec storage s = _run(runId).spec;
        if (_rounds[runId][round].auditSeed == 0) revert AuditsNotOpen(runId, round);
        _openForDispute(runId, round, trainer, msg.sender, s.commitDeadline(round), false);
        // Only the assigned verifier, for the assigned segment: a trainer's Sybil cannot pre-empt a
        // fraud challenge with a report of its own.
        (bool audited, uint32 assignedSegment, address verifier) = _auditOf(runId, round, trainer);
        if (!audited || verifier != msg.sender) revert AuditNotAssigned(runId, round, trainer, audited ? verifier : address(0));
        if (segment != assignedSegment) revert ChallengeLeafInvalid(segment);
        disputeId = _openDispute(runId, round, trainer, DisputeKind.Unavailable, Leaf(segment, bytes32(0), bytes32(0)));
    }

    /// @inheritdoc IRunCoordinator
    function drawJury(uint256 disputeId) external {
        Dispute storage d = _dispute(disputeId);
        if (d.juryDrawn || block.number <= d.openedBlock) revert DisputePhaseInvalid(disputeId, 0, 0);
        RunSpec storage s = _runs[d.runId].spec;
        // prevrandao of a block after the challenge: unknown to the challenger when it challenged.
        bytes32 seed = keccak256(abi.encode(block.prevrandao, disputeId));
        uint256 count = _runs[d.runId].verifierCount;
        uint256 attempts = uint256(s.jurySize) * 4;
        for (uint256 i = 0; i < attempts && d.jurors.length < s.jurySize; ++i) {
            address v = _drawVerifier(d.runId, uint256(keccak256(abi.encode(seed, i))), count, d.challenger);
            if (v != address(0) && !_isJuror(d, v)) {
                d.jurors.push(v);
                _participants[d.runId][v].openDisputes += 1;
            }
        }
        d.juryDrawn = true;
        d.commitDeadline = uint64(block.timestamp) + s.juryCommitWindow;
        d.revealDeadline = d.commitDeadline + s.juryRevealWindow;
        emit JuryDrawn(disputeId, d.jurors, d.commitDeadline, d.revealDeadline);
    }

    /// @inheritdoc IRunCoordinator
    function commitVote(uint256 disputeId, bytes32 voteHash) external {
        Dispute storage d = _dispute(disputeId);
        if (!d.juryDrawn || block.timestamp >= d.commitDeadline) revert DisputePhaseInvalid(disputeId, 0, d.commitDeadline);
        if (!_isJuror(d, msg.sender)) revert DisputeNotJuror(disputeId, msg.sender);
        Vote storage v = _votes[disputeId][msg.sender];
        if (v.state != 0) revert DisputeVoteDuplicate(disputeId, msg.sender);
        v.hash = voteHash;
        v.state = 1;
        d.committed += 1;
        emit VoteCommitted(disputeId, msg.sender);
    }

    /// @inheritdoc IRunCoordinator
    function revealVote(uint256 disputeId, bool guilty, bytes32 salt) external {
        Dispute storage d = _dispute(disputeId);
        bool commitsDone = block.timestamp >= d.commitDeadline || d.committed == d.jurors.length;
        if (!d.juryDrawn || !commitsDone || block.timestamp >= d.revealDeadline) {
            revert DisputePhaseInvalid(disputeId, d.commitDeadline, d.revealDeadline);
        }
        Vote storage v = _votes[disputeId][msg.sender];
        if (v.state != 1) {
            if (v.state == 0) revert DisputeNotJuror(disputeId, msg.sender);
            revert DisputeVoteDuplicate(disputeId, msg.sender);
        }
        if (keccak256(abi.encode(disputeId, msg.sender, guilty, salt)) != v.hash) revert DisputeRevealMismatch(disputeId, msg.sender);
        v.state = guilty ? 2 : 3;
        d.revealed += 1;
        if (guilty) d.guiltyVotes += 1;
        else d.innocentVotes += 1;
        emit VoteRevealed(disputeId, msg.sender, guilty);
    }

    /// @inheritdoc IRunCoordinator
    function resolve(uint256 disputeId) external nonReentrant {
        Dispute storage d = _dispute(disputeId);
        if (d.resolved || !d.juryDrawn || (block.timestamp < d.revealDeadline && d.revealed < d.jurors.length)) {
            revert DisputePhaseInvalid(disputeId, d.revealDeadline, 0);
        }
        d.resolved = true;
        uint256 runId = d.runId;
        bool guilty = d.guiltyVotes > d.innocentVotes;
        bool hasVotes = d.revealed > 0;
        emit DisputeResolved(disputeId, guilty, d.guiltyVotes, d.innocentVotes);

        uint8 majority = guilty ? 2 : 3;
        (uint256 pot, uint256 winners) = _penaliseJurors(disputeId, runId, majority);
        RunSpec storage s = _runs[runId].spec;
        _participants[runId][d.trainer].openDisputes -= 1;
        _participants[runId][d.challenger].openDisputes -= 1;

        CommitStatus status = _commitments[runId][d.round][d.trainer].status();
        uint256 toChallenger;
        if (guilty) {
            toChallenger = d.bond;
            if (status == CommitStatus.Disputed) {
                uint256 slashed;
                if (d.kind == DisputeKind.Fraud) {
                    slashed = _slashTrainer(runId, d.round, d.trainer, false);
                } else {
                    // Withholding costs as much as fraud, so hiding a bad segment behind it does not pay; an
                    // honest trainer that was only briefly offline serves the jurors and is acquitted.
                    _setStatus(runId, d.round, d.trainer, CommitStatus.Withheld);
                    slashed = _slashParticipant(runId, d.trainer, s.slashBps);
                    emit CommitmentWithheld(runId, d.round, d.trainer, slashed);
                    // Its seat goes too (a slashed stake backs nothing), but it may rejoin with fresh stake.
                    _removeTrainer(runId, d.trainer);
                }
                toChallenger += slashed / 2;
                pot += slashed - slashed / 2;
            }
        } else {
            if (status == CommitStatus.Disputed) {
                _setStatus(runId, d.round, d.trainer, _disputedAttested[disputeId] ? CommitStatus.Attested : CommitStatus.Committed);
            }
            if (hasVotes) {
                _credit(runId, d.trainer, d.bond / 2);
                pot += d.bond - d.bond / 2;
            } else {
                toChallenger = d.bond; // no verdict: nobody was shown wrong
            }
        }
        _credit(runId, d.challenger, toChallenger);
        _sharePot(disputeId, runId, pot, winners, majority);
    }

    /// @inheritdoc IRunCoordinator
    function proveEquivocation(
        uint256 runId,
        uint64 round,
        Announcement calldata announcement,
        bytes calldata signature,
        Claim calldata committed
    ) external nonReentrant {
        RunSpec storage s = _run(runId).spec;
        address signer = AnnouncementSignature.signerOf(runId, round, announcement, signature);
        uint256 word = _commitments[runId][round][signer];
        CommitStatus status = word.status();
        bool slashable = status == CommitStatus.Committed || status == CommitStatus.Attested || status == CommitStatus.Disputed;
        if (!slashable || block.timestamp >= s.disputeEnd(round)) revert CommitStatusInvalid(runId, round, signer, status);
        if (!word.matches(committed.root, committed.updateHash, committed.samples)) revert CommitClaimMismatch(runId, round, signer);
        if (announcement.root == committed.root && announcement.updateHash == committed.updateHash) {
            revert EquivocationNotProven(runId, round, signer);
        }
        // The prover earns a bounty of one challenge bond; the rest goes to the pool, so a trainer proving
        // its own equivocation (to pre-empt a guilty verdict) loses all but the bounty.
        uint256 slashed = _slashTrainer(runId, round, signer, true);
        uint256 bounty = slashed < s.challengeBond ? slashed : s.challengeBond;
        _credit(runId, msg.sender, bounty);
        _creditPool(runId, slashed - bounty);
    }

    /// @notice A dispute's record.
    /// @param disputeId The dispute.
    /// @return The record.
    function disputeOf(uint256 disputeId) external view returns (Dispute memory) {
        return _dispute(disputeId);
    }

    /// @notice A juror's vote state: 0 none, 1 committed, 2 revealed guilty, 3 revealed innocent.
    /// @param disputeId The dispute.
    /// @param juror The juror.
    /// @return The state.
    function voteOf(uint256 disputeId, address juror) external view returns (uint8) {
        return _votes[disputeId][juror].state;
    }

    function _dispute(uint256 disputeId) internal view returns (Dispute storage d) {
        d = _disputes[disputeId];
        if (d.runId == 0) revert DisputeUnknown(disputeId);
    }

    function _isJuror(Dispute storage d, address account) internal view returns (bool) {
        for (uint256 i = 0; i < d.jurors.length; ++i) {
            if (d.jurors[i] == account) return true;
        }
        return false;
    }

    function _openDispute(uint256 runId, uint64 round, address trainer, DisputeKind kind, Leaf memory leaf)
        internal
        returns (uint256 disputeId)
    {
        uint128 bond = _runs[runId].spec.challengeBond;
        disputeId = ++_disputeCount;
        Dispute storage d = _disputes[disputeId];
        d.runId = runId;
        d.trainer = trainer;
        d.round = round;
        d.kind = kind;
        d.challenger = msg.sender;
        d.openedBlock = uint64(block.number);
        d.segment = leaf.segment;
        d.bond = bond;
        if (_commitments[runId][round][trainer].status() == CommitStatus.Attested) _disputedAttested[disputeId] = true;
        _setStatus(runId, round, trainer, CommitStatus.Disputed);
        _participants[runId][trainer].openDisputes += 1;
        _participants[runId][msg.sender].openDisputes += 1;
        emit DisputeOpened(disputeId, runId, round, trainer, msg.sender, kind, leaf, bond);
        if (bond > 0) IERC20(_staking.token()).safeTransferFrom(msg.sender, address(this), bond);
    }

    /// @dev Releases the jurors and penalises those who did not reveal or voted against the verdict;
    /// returns the penalties (the start of the pot) and how many jurors voted with the verdict.
    function _penaliseJurors(uint256 disputeId, uint256 runId, uint8 majority) private returns (uint256 pot, uint256 winners) {
        address[] storage jurors = _disputes[disputeId].jurors;
        uint16 penaltyBps = _runs[runId].spec.jurorPenaltyBps;
        for (uint256 i = 0; i < jurors.length; ++i) {
            address j = jurors[i];
            _participants[runId][j].openDisputes -= 1;
            if (_votes[disputeId][j].state == majority) {
                ++winners;
            } else {
                uint256 penalty = _slashParticipant(runId, j, penaltyBps);
                if (penalty > 0) emit JurorPenalized(disputeId, j, penalty);
                pot += penalty;
            }
        }
    }

    /// @dev Splits `pot` among the jurors who voted with the majority; with none, it returns to the run's pool.
    function _sharePot(uint256 disputeId, uint256 runId, uint256 pot, uint256 winners, uint8 majority) private {
        if (pot == 0) return;
        if (winners == 0) {
            _creditPool(runId, pot);
            return;
        }
        Dispute storage d = _disputes[disputeId];
        uint256 share = pot / winners;
        uint256 rest = pot - share * winners;
        for (uint256 i = 0; i < d.jurors.length; ++i) {
            address j = d.jurors[i];
            if (_votes[disputeId][j].state == majority) _credit(runId, j, share);
        }
        _creditPool(runId, rest);
    }
}
