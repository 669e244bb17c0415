// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IStaking} from "./interfaces/IStaking.sol";
import {IRunCoordinator} from "./interfaces/IRunCoordinator.sol";
import {RunSpec, Role, DisputeKind, CommitStatus} from "./types/RunSpec.sol";
import {CommitmentSlot} from "./libraries/CommitmentSlot.sol";
import {RunSchedule} from "./libraries/RunSchedule.sol";

/// @title CoordinatorBase
/// @notice Storage and the internal writers shared by the run and dispute logic. Each piece of state
/// has one writer here that emits its event.
abstract contract CoordinatorBase is IRunCoordinator, ReentrancyGuard {
    using CommitmentSlot for uint256;
    using RunSchedule for RunSpec;

    uint256 internal constant BPS = 10_000;
    uint8 internal constant MAX_JURY = 9;
    /// @dev Verifier slots probed when the drawn one has left (bounded work per view).
    uint256 internal constant VERIFIER_PROBES = 8;

    struct Run {
        RunSpec spec;
        address owner;
        uint32 verifierCount; // append-only verifier slots ever used
        uint128 pool; // tokens left for rewards and audit fees
    }

    struct RoundState {
        bytes32 seed;
        bytes32 auditSeed;
        uint32 auditVerifierCount; // verifier slots at openAudits: the draw ranges over these
    }

    struct Dispute {
        uint256 runId;
        address trainer;
        uint64 round;
        DisputeKind kind;
        bool resolved;
        bool juryDrawn;
        address challenger;
        uint64 openedBlock;
        uint32 segment;
        uint128 bond;
        uint64 commitDeadline;
        uint64 revealDeadline;
        uint32 guiltyVotes;
        uint32 innocentVotes;
        uint8 committed;
        uint8 revealed;
        address[] jurors;
    }

    /// @dev Vote states: 0 none, 1 committed, 2 revealed guilty, 3 revealed innocent.
    struct Vote {
        bytes32 hash;
        uint8 state;
    }

    struct Earnings {
        uint128 credits; // samples accredited
        uint128 owed; // tokens claimable
    }

    IStaking internal immutable _staking;
    /// @dev The dispute game (contracts/DisputeGame.sol): the only caller of the game hooks.
    address internal immutable _game;
    uint256 internal _runCount;
    uint256 internal _disputeCount;
    mapping(uint256 runId => Run) internal _runs;
    mapping(uint256 runId => mapping(address account => Participant)) internal _participants;
    mapping(uint256 runId => mapping(uint16 shard => uint16)) internal _shardSize;
    mapping(uint256 runId => mapping(uint256 index => address)) internal _verifierAt;
    mapping(uint256 runId => mapping(address account => bool)) internal _verifierListed;
    mapping(uint256 runId => mapping(uint64 round => RoundState)) internal _rounds;
    mapping(uint256 runId => mapping(uint64 round => mapping(address trainer => uint256))) internal _commitments;
    mapping(uint256 disputeId => Dispute) internal _disputes;
    mapping(uint256 disputeId => mapping(address juror => Vote)) internal _votes;
    mapping(uint256 runId => mapping(address account => Earnings)) internal _earnings;
    /// @dev Disputes opened on an Attested commitment: an acquittal restores Attested, not Committed.
    mapping(uint256 disputeId => bool) internal _disputedAttested;
    /// @dev Games open on a commitment (low 128 bits) and whether it was Attested when the first opened (bit 128).
    mapping(uint256 runId => mapping(uint64 round => mapping(address trainer => uint256))) internal _games;
    /// @dev keccak256(abi.encode(verifier, digest)) of a commitment's attestation (PROTOCOL.md 7.3), for accusations.
    mapping(uint256 runId => mapping(uint64 round => mapping(address trainer => bytes32))) internal _attestations;

    constructor(IStaking staking_, address game_) {
        _staking = staking_;
        _game = game_;
    }

    function _run(uint256 runId) internal view returns (Run storage r) {
        r = _runs[runId];
        if (r.owner == address(0)) revert RunUnknown(runId);
    }

    function _activeParticipant(uint256 runId, address account, Role role) internal view returns (Participant storage p) {
        p = _participants[runId][account];
        if (!p.active || p.role != role) revert RunNotParticipant(runId, account, role);
    }

    function _setStatus(uint256 runId, uint64 round, address trainer, CommitStatus status) internal {
        _commitments[runId][round][trainer] = _commitments[runId][round][trainer].withStatus(status);
    }

    /// @dev Pays out of the run's pool, capped by what is left.
    function _payFromPool(uint256 runId, address account, uint256 amount) internal returns (uint256 paid) {
        Run storage r = _runs[runId];
        paid = amount < r.pool ? amount : r.pool;
        if (paid == 0) return 0;
        // paid <= pool, which is uint128.
        unchecked {
            r.pool -= uint128(paid);
        }
        _credit(runId, account, paid);
    }

    /// @dev Returns tokens to the run's pool (juror penalties without a majority, rounding dust, equivocation halves).
    function _creditPool(uint256 runId, uint256 amount) internal {
        if (amount == 0) return;
        _runs[runId].pool += uint128(amount);
        emit PoolCredited(runId, amount);
    }

    function _credit(uint256 runId, address account, uint256 amount) internal {
        if (amount == 0) return;
        _earnings[runId][account].owed += uint128(amount);
        emit EarningsCredited(runId, account, amount);
    }

    /// @dev Slashes `slashBps` of the trainer's run stake into this contract and removes it from the run.
    function _slashTrainer(uint256 runId, uint64 round, address trainer, bool byEquivocation) internal returns (uint256 amount) {
        Run storage r = _runs[runId];
        Participant storage p = _participants[runId][trainer];
        amount = (uint256(p.lockedStake) * r.spec.slashBps) / BPS;
        _setStatus(runId, round, trainer, CommitStatus.Slashed);
        // amount <= lockedStake.
        unchecked {
            p.lockedStake -= uint128(amount);
        }
        _removeTrainer(runId, trainer);
        p.banned = true;
        emit TrainerSlashed(runId, round, trainer, amount, byEquivocation);
        if (amount > 0) _staking.slash(trainer, amount);
    }

    /// @dev Frees the trainer's seat (it keeps what is left of its stake locked until it leaves).
    function _removeTrainer(uint256 runId, address trainer) internal {
        Participant storage p = _participants[runId][trainer];
        if (!p.active) return;
        p.active = false;
        _shardSize[runId][p.shard] -= 1;
        emit TrainerRemoved(runId, trainer);
    }

    /// @dev Slashes `bps` of a participant's run stake into this contract (used for juror penalties).
    function _slashParticipant(uint256 runId, address account, uint256 bps) internal returns (uint256) {
        return _takeStake(runId, account, (uint256(_participants[runId][account].lockedStake) * bps) / BPS);
    }

    /// @dev Slashes up to `amount` of a participant's run stake into this contract; returns what it took. A verifier
    /// left below the run's minimum stake loses its seat (REVIEW 16: no verifier is drawn with nothing at stake).
    function _takeStake(uint256 runId, address account, uint256 amount) internal returns (uint256) {
        Participant storage p = _participants[runId][account];
        uint256 locked = p.lockedStake;
        if (amount > locked) amount = locked;
        if (amount == 0) return 0;
        unchecked {
            p.lockedStake = uint128(locked - amount);
        }
        if (p.role == Role.Verifier && p.lockedStake < _runs[runId].spec.minVerifierStake) p.active = false;
        _staking.slash(account, amount);
        return amount;
    }

    function _auditOf(uint256 runId, uint64 round, address trainer) internal view returns (bool, uint32, address) {
        bytes32 seed = _rounds[runId][round].auditSeed;
        if (seed == 0) return (false, 0, address(0));
        (bool audited, address verifier) = _assignment(runId, round, trainer);
        uint32 segment = uint32(uint256(keccak256(abi.encode(seed, trainer, 1))) % _runs[runId].spec.segments());
        return (audited, segment, verifier);
    }

    /// @dev Whether the commitment is audited and by whom; the segment is left out (attest does not need it).
    function _assignment(uint256 runId, uint64 round, address trainer) internal view returns (bool audited, address verifier) {
        RoundState storage rs = _rounds[runId][round];
        bytes32 seed = rs.auditSeed;
        if (seed == 0) return (false, address(0));
        audited = uint256(keccak256(abi.encode(seed, trainer, 0))) % BPS < _runs[runId].spec.auditRateBps;
        verifier = _drawVerifier(runId, uint256(keccak256(abi.encode(seed, trainer, 2))), rs.auditVerifierCount, address(0));
    }

    /// @dev Draws an active verifier among the first `count` slots, probing a few slots past a departed one.
    function _drawVerifier(uint256 runId, uint256 rand, uint256 count, address exclude) internal view returns (address) {
        if (count == 0) return address(0);
        uint256 start = rand % count;
        uint256 probes = count < VERIFIER_PROBES ? count : VERIFIER_PROBES;
        for (uint256 k = 0; k < probes; ++k) {
            address v = _verifierAt[runId][(start + k) % count];
            Participant storage p = _participants[runId][v];
            if (v != exclude && p.active && p.role == Role.Verifier) return v;
        }
        return address(0);
    }
}
