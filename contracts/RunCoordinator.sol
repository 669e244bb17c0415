// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IStaking} from "./interfaces/IStaking.sol";
import {IRunCoordinator} from "./interfaces/IRunCoordinator.sol";
import {CoordinatorBase} from "./CoordinatorBase.sol";
import {DisputeCourt} from "./DisputeCourt.sol";
import {RunSpec, Role, CommitStatus} from "./types/RunSpec.sol";
import {RunSchedule} from "./libraries/RunSchedule.sol";
import {CommitmentSlot} from "./libraries/CommitmentSlot.sol";
import {RunSpecRules} from "./libraries/RunSpecRules.sol";

/// @title RunCoordinator
/// @notice Runs, seats, rounds, commitments, audits and accreditation; disputes live in DisputeCourt.
/// Holds reward pools, challenge bonds and what it owes: its token balance always equals their sum.
contract RunCoordinator is DisputeCourt {
    using SafeERC20 for IERC20;
    using RunSchedule for RunSpec;
    using CommitmentSlot for uint256;

    /// @notice After the last round's dispute window, trainers have this long to finalize before the owner may reclaim the pool.
    uint64 internal constant RECLAIM_GRACE = 7 days;

    constructor(IStaking staking_, address game_) CoordinatorBase(staking_, game_) {}

    /// @inheritdoc IRunCoordinator
    function createRun(RunSpec calldata spec) external nonReentrant returns (uint256 runId) {
        uint256 funding = RunSpecRules.check(spec, _staking.unbondingPeriod());
        runId = ++_runCount;
        Run storage r = _runs[runId];
        r.spec = spec;
        r.owner = msg.sender;
        r.pool = uint128(funding);
        emit RunCreated(runId, msg.sender, spec, funding);
        if (funding > 0) IERC20(_staking.token()).safeTransferFrom(msg.sender, address(this), funding);
    }

    /// @inheritdoc IRunCoordinator
    function joinAsTrainer(uint256 runId, uint16 shard) external {
        RunSpec storage s = _run(runId).spec;
        if (shard >= s.shards) revert RunShardInvalid(runId, shard, s.shards);
        if (_shardSize[runId][shard] >= s.maxTrainersPerShard) revert RunFull(runId, Role.Trainer, shard);
        _shardSize[runId][shard] += 1;
        _join(runId, Role.Trainer, shard, s.minTrainerStake);
    }

    /// @inheritdoc IRunCoordinator
    function joinAsVerifier(uint256 runId) external {
        Run storage r = _run(runId);
        if (!_verifierListed[runId][msg.sender]) {
            if (r.verifierCount >= r.spec.maxVerifiers) revert RunFull(runId, Role.Verifier, 0);
            _verifierListed[runId][msg.sender] = true;
            _verifierAt[runId][r.verifierCount] = msg.sender;
            r.verifierCount += 1;
        }
        _join(runId, Role.Verifier, 0, r.spec.minVerifierStake);
    }

    /// @inheritdoc IRunCoordinator
    function leave(uint256 runId) external {
        RunSpec storage s = _run(runId).spec;
        Participant storage p = _participants[runId][msg.sender];
        if (p.role == Role.None) revert RunNotParticipant(runId, msg.sender, Role.None);
        // A verifier's stake stays locked until the run's last round settles: leaving before gives up the seat only
        // (REVIEW 7: slots cannot be filled by free join-and-leave churn, nor re-taken once a seed is known).
        bool verifier = p.role == Role.Verifier;
        uint64 settlesAt = verifier ? s.disputeEnd(s.rounds - 1) : (p.lastCommitRound == 0 ? 0 : s.disputeEnd(p.lastCommitRound - 1));
        bool early = block.timestamp < settlesAt;
        if (p.openDisputes > 0 || (early && !(verifier && p.active))) {
            revert RunLeaveBlocked(runId, msg.sender, p.openDisputes, settlesAt);
        }
        if (early) {
            p.active = false;
            emit ParticipantLeft(runId, msg.sender, 0);
            return;
        }
        if (p.active && p.role == Role.Trainer) _shardSize[runId][p.shard] -= 1;
        uint256 unlocked = p.lockedStake;
        bool banned = p.banned;
        delete _participants[runId][msg.sender];
        _participants[runId][msg.sender].banned = banned;
        emit ParticipantLeft(runId, msg.sender, unlocked);
        if (unlocked > 0) _staking.unlock(msg.sender, unlocked);
    }

    /// @inheritdoc IRunCoordinator
    function openRound(uint256 runId, uint64 round) external {
        RunSpec storage s = _run(runId).spec;
        _requireWindow(runId, round, s.opensAt(round), s.commitDeadline(round));
        RoundState storage rs = _rounds[runId][round];
        if (rs.seed != 0) revert RoundAlreadyOpen(runId, round);
        rs.seed = keccak256(abi.encode(block.prevrandao, runId, round));
        emit RoundOpened(runId, round, rs.seed);
    }

    /// @inheritdoc IRunCoordinator
    function commit(uint256 runId, uint64 round, bytes32 root, bytes32 updateHash, uint64 samples) external {
        RunSpec storage s = _run(runId).spec;
        Participant storage p = _activeParticipant(runId, msg.sender, Role.Trainer);
        _requireWindow(runId, round, s.opensAt(round), s.commitDeadline(round));
        if (_rounds[runId][round].seed == 0) revert RoundNotOpen(runId, round);
        uint64 maximum = s.maxSamples();
        if (samples == 0 || samples > maximum) revert CommitSamplesInvalid(samples, maximum);
        mapping(address => uint256) storage roundCommits = _commitments[runId][round];
        if (roundCommits[msg.sender] != 0) revert CommitDuplicate(runId, round, msg.sender);
        roundCommits[msg.sender] = CommitmentSlot.digest(root, updateHash, samples).pack(CommitStatus.Committed);
        // round < rounds (uint32): round + 1 fits.
        p.lastCommitRound = uint32(round + 1);
        emit RoundCommitted(runId, round, msg.sender, p.shard, root, updateHash, samples);
    }

    /// @inheritdoc IRunCoordinator
    function openAudits(uint256 runId, uint64 round) external {
        Run storage r = _run(runId);
        RunSpec storage s = r.spec;
        _requireWindow(runId, round, s.commitDeadline(round), s.auditEnd(round));
        RoundState storage rs = _rounds[runId][round];
        if (rs.auditSeed != 0) revert RoundAlreadyOpen(runId, round);
        // prevrandao of a block after the commit deadline: unknown to every trainer when it committed.
        rs.auditSeed = keccak256(abi.encode(block.prevrandao, runId, round, "audit"));
        rs.auditVerifierCount = r.verifierCount;
        emit AuditsOpened(runId, round, rs.auditSeed, r.verifierCount);
    }

    /// @inheritdoc IRunCoordinator
    function attest(uint256 runId, uint64 round, address trainer, bytes32 digest) external {
        // Existence from the spec's first slot (read anyway) instead of the owner slot: attest is gas-critical.
        RunSpec storage s = _runs[runId].spec;
        if (s.rounds == 0) revert RunUnknown(runId);
        _requireWindow(runId, round, s.commitDeadline(round), s.auditEnd(round));
        (bool audited, uint32 segment, address verifier) = _auditOf(runId, round, trainer);
        if (!audited || verifier != msg.sender) revert AuditNotAssigned(runId, round, trainer, audited ? verifier : address(0));
        uint256 word = _commitments[runId][round][trainer];
        if (word.status() != CommitStatus.Committed) revert CommitStatusInvalid(runId, round, trainer, word.status());
        if (digest == 0) revert AttestationMismatch(runId, round, trainer);
        _commitments[runId][round][trainer] = word.withStatus(CommitStatus.Attested);
        _attestations[runId][round][trainer] = keccak256(abi.encode(msg.sender, segment, digest));
        emit CommitmentAttested(runId, round, trainer, msg.sender, segment, digest);
        _payFromPool(runId, msg.sender, s.auditFee);
    }

    /// @inheritdoc IRunCoordinator
    function finalize(uint256 runId, uint64 round, address trainer, Claim calldata claim_) external {
        RunSpec storage s = _run(runId).spec;
        uint64 opensAt = s.disputeEnd(round);
        if (block.timestamp < opensAt) revert RoundWindowClosed(runId, round, opensAt, type(uint64).max);
        uint256 word = _commitments[runId][round][trainer];
        CommitStatus status = word.status();
        if (status != CommitStatus.Committed && status != CommitStatus.Attested) {
            revert CommitStatusInvalid(runId, round, trainer, status);
        }
        if (!word.matches(claim_.root, claim_.updateHash, claim_.samples)) revert CommitClaimMismatch(runId, round, trainer);
        if (_participants[runId][trainer].banned) revert TrainerBanned(runId, trainer);
        _commitments[runId][round][trainer] = word.withStatus(CommitStatus.Finalized);
        uint256 capacity = uint256(s.shards) * s.maxTrainersPerShard * s.maxSamples();
        uint256 reward = (uint256(s.rewardPerRound) * claim_.samples) / capacity;
        _earnings[runId][trainer].credits += claim_.samples;
        reward = _payFromPool(runId, trainer, reward);
        emit CommitmentFinalized(runId, round, trainer, claim_.samples, reward);
    }

    /// @inheritdoc IRunCoordinator
    function claim(uint256 runId) external nonReentrant {
        Earnings storage e = _earnings[runId][msg.sender];
        uint256 amount = e.owed;
        if (amount == 0) revert NothingOwed(runId, msg.sender);
        e.owed = 0;
        emit EarningsClaimed(runId, msg.sender, amount);
        IERC20(_staking.token()).safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IRunCoordinator
    function reclaimPool(uint256 runId) external nonReentrant {
        Run storage r = _run(runId);
        if (msg.sender != r.owner) revert RunNotOwner(runId, msg.sender);
        uint64 last = r.spec.rounds - 1;
        uint64 opensAt = r.spec.disputeEnd(last) + RECLAIM_GRACE;
        if (block.timestamp < opensAt) revert RoundWindowClosed(runId, last, opensAt, type(uint64).max);
        uint256 amount = r.pool;
        if (amount == 0) revert NothingOwed(runId, msg.sender);
        r.pool = 0;
        emit PoolReclaimed(runId, amount);
        IERC20(_staking.token()).safeTransfer(msg.sender, amount);
    }

    // ---- views ----

    /// @inheritdoc IRunCoordinator
    function auditOf(uint256 runId, uint64 round, address trainer) external view returns (bool, uint32, address) {
        _run(runId);
        return _auditOf(runId, round, trainer);
    }

    /// @inheritdoc IRunCoordinator
    function statusOf(uint256 runId, uint64 round, address trainer) external view returns (CommitStatus) {
        return _commitments[runId][round][trainer].status();
    }

    /// @notice The run's owner, verifier slot count and remaining pool (its spec is in `RunCreated`).
    /// @param runId The run.
    /// @return owner The owner.
    /// @return verifierCount Verifier slots used.
    /// @return pool Tokens left for rewards and fees.
    function runOf(uint256 runId) external view returns (address owner, uint32 verifierCount, uint128 pool) {
        Run storage r = _run(runId);
        return (r.owner, r.verifierCount, r.pool);
    }

    /// @notice Number of runs created (ids are 1..runCount).
    /// @return The count.
    function runCount() external view returns (uint256) {
        return _runCount;
    }

    /// @notice Number of disputes opened (ids are 1..disputeCount).
    /// @return The count.
    function disputeCount() external view returns (uint256) {
        return _disputeCount;
    }

    /// @notice An account's seat in a run.
    /// @param runId The run.
    /// @param account The account.
    /// @return The seat.
    function participantOf(uint256 runId, address account) external view returns (Participant memory) {
        return _participants[runId][account];
    }

    /// @notice Trainers seated in a shard.
    /// @param runId The run.
    /// @param shard The shard.
    /// @return The count.
    function shardSize(uint256 runId, uint16 shard) external view returns (uint16) {
        return _shardSize[runId][shard];
    }

    /// @notice The verifier in slot `index` (slots are append-only).
    /// @param runId The run.
    /// @param index The slot.
    /// @return The verifier.
    function verifierAt(uint256 runId, uint256 index) external view returns (address) {
        return _verifierAt[runId][index];
    }

    /// @notice A round's seeds.
    /// @param runId The run.
    /// @param round The round.
    /// @return The round state.
    function roundOf(uint256 runId, uint64 round) external view returns (RoundState memory) {
        return _rounds[runId][round];
    }

    /// @notice Samples credited and tokens owed to an account in a run.
    /// @param runId The run.
    /// @param account The account.
    /// @return The earnings.
    function earningsOf(uint256 runId, address account) external view returns (Earnings memory) {
        return _earnings[runId][account];
    }

    /// @notice The staking vault.
    /// @return Its address.
    function staking() external view returns (address) {
        return address(_staking);
    }

    // ---- internal ----

    function _join(uint256 runId, Role role, uint16 shard, uint128 minimum) private {
        Run storage r = _runs[runId];
        uint64 endsAt = r.spec.endsAt();
        if (block.timestamp >= endsAt) revert RunEnded(runId, endsAt);
        Participant storage p = _participants[runId][msg.sender];
        if (p.role != Role.None || p.banned) revert RunAlreadyJoined(runId, msg.sender);
        uint256 free = _staking.freeStakeOf(msg.sender);
        if (free < minimum) revert RunStakeBelowMinimum(runId, msg.sender, free, minimum);
        p.role = role;
        p.active = true;
        p.shard = shard;
        p.lockedStake = minimum;
        emit ParticipantJoined(runId, msg.sender, role, shard, minimum);
        _staking.lock(msg.sender, minimum);
    }

    function _requireWindow(uint256 runId, uint64 round, uint64 opensAt, uint64 closesAt) private view {
        if (round >= _runs[runId].spec.rounds || block.timestamp < opensAt || block.timestamp >= closesAt) {
            revert RoundWindowClosed(runId, round, opensAt, closesAt);
        }
    }
}
