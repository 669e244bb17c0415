// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {RunSpec, Role, DisputeKind, CommitStatus} from "../types/RunSpec.sol";
import {IRunCoordinatorErrors} from "./IRunCoordinatorErrors.sol";

/// @title Verihive run coordinator
/// @notice Runs, seats, rounds, trajectory commitments, audits, disputes, slashing and accreditation.
/// Every state change emits an event, so the full state can be rebuilt from logs alone.
interface IRunCoordinator is IRunCoordinatorErrors {
    /// @notice A participant's seat in a run.
    struct Participant {
        Role role;
        bool active; // false after leaving or removal
        bool banned; // removed for fraud or equivocation; cannot rejoin
        uint16 shard;
        uint32 openDisputes; // disputes this participant is party to or sits on (blocks leave)
        uint32 lastCommitRound; // round + 1 of the last commitment (0: never committed)
        uint128 lockedStake;
    }

    /// @notice One trajectory segment: steps [segment*c, (segment+1)*c) from `startHash` to `endHash`.
    struct Leaf {
        uint32 segment;
        bytes32 startHash;
        bytes32 endHash;
    }

    /// @notice A trainer's gossiped announcement, signed with EIP-712.
    struct Announcement {
        uint16 shard;
        bytes32 root;
        bytes32 updateHash;
    }

    /// @notice What a commitment claims; its hash is stored on-chain.
    struct Claim {
        bytes32 root;
        bytes32 updateHash;
        uint64 samples;
    }

    // ---- events ----
    /// @notice A run was created and funded.
    /// @param runId The run.
    /// @param owner Its owner.
    /// @param spec Its spec.
    /// @param funding Tokens put in its reward pool.
    event RunCreated(uint256 indexed runId, address indexed owner, RunSpec spec, uint256 funding);
    /// @notice An account took a seat.
    /// @param runId The run.
    /// @param account The account.
    /// @param role Its role.
    /// @param shard Its shard (trainers).
    /// @param stake Stake locked for the seat.
    event ParticipantJoined(uint256 indexed runId, address indexed account, Role role, uint16 shard, uint256 stake);
    /// @notice An account left its seat and its stake was unlocked.
    /// @param runId The run.
    /// @param account The account.
    /// @param unlocked Stake unlocked.
    event ParticipantLeft(uint256 indexed runId, address indexed account, uint256 unlocked);
    /// @notice A trainer was removed from the run after being slashed.
    /// @param runId The run.
    /// @param trainer The trainer.
    event TrainerRemoved(uint256 indexed runId, address indexed trainer);
    /// @notice A round's data seed was fixed.
    /// @param runId The run.
    /// @param round The round.
    /// @param seed keccak(prevrandao, runId, round).
    event RoundOpened(uint256 indexed runId, uint64 indexed round, bytes32 seed);
    /// @notice A trainer committed its round.
    /// @param runId The run.
    /// @param round The round.
    /// @param trainer The trainer.
    /// @param shard Its shard.
    /// @param root Merkle root of its trajectory segments.
    /// @param updateHash Hash of its update bytes.
    /// @param samples Samples it trained on.
    event RoundCommitted(
        uint256 indexed runId, uint64 indexed round, address indexed trainer, uint16 shard, bytes32 root, bytes32 updateHash, uint64 samples
    );
    /// @notice The round's audit randomness was fixed.
    /// @param runId The run.
    /// @param round The round.
    /// @param auditSeed The seed.
    /// @param verifierCount Verifier slots the draw ranges over.
    event AuditsOpened(uint256 indexed runId, uint64 indexed round, bytes32 auditSeed, uint32 verifierCount);
    /// @notice The assigned verifier attested a commitment.
    /// @param runId The run.
    /// @param round The round.
    /// @param trainer The trainer.
    /// @param verifier The verifier.
    /// @param segment The audited segment.
    /// @param digest The attention digest (PROTOCOL.md 7.3): keccak256(abi.encode(verifier, the audited segment's
    /// state root after its next-to-last step)) in exact mode, a value only the replay yields.
    event CommitmentAttested(
        uint256 indexed runId, uint64 indexed round, address indexed trainer, address verifier, uint32 segment, bytes32 digest
    );
    /// @notice A dispute was opened.
    /// @param disputeId The dispute.
    /// @param runId The run.
    /// @param round The round.
    /// @param trainer The accused trainer.
    /// @param challenger The verifier who opened it.
    /// @param kind Fraud or unavailability.
    /// @param leaf The disputed segment (hashes zero for unavailability).
    /// @param bond The challenger's bond.
    event DisputeOpened(
        uint256 indexed disputeId,
        uint256 indexed runId,
        uint64 round,
        address indexed trainer,
        address challenger,
        DisputeKind kind,
        Leaf leaf,
        uint256 bond
    );
    /// @notice The jury was drawn.
    /// @param disputeId The dispute.
    /// @param jurors The jurors.
    /// @param commitDeadline End of the vote commit phase.
    /// @param revealDeadline End of the reveal phase.
    event JuryDrawn(uint256 indexed disputeId, address[] jurors, uint64 commitDeadline, uint64 revealDeadline);
    /// @notice A juror committed a hidden vote.
    /// @param disputeId The dispute.
    /// @param juror The juror.
    event VoteCommitted(uint256 indexed disputeId, address indexed juror);
    /// @notice A juror revealed its vote.
    /// @param disputeId The dispute.
    /// @param juror The juror.
    /// @param guilty Its vote.
    event VoteRevealed(uint256 indexed disputeId, address indexed juror, bool guilty);
    /// @notice A dispute was resolved.
    /// @param disputeId The dispute.
    /// @param guilty Whether the trainer was found guilty.
    /// @param guiltyVotes Revealed guilty votes.
    /// @param innocentVotes Revealed not-guilty votes.
    event DisputeResolved(uint256 indexed disputeId, bool guilty, uint32 guiltyVotes, uint32 innocentVotes);
    /// @notice A trainer's commitment was slashed.
    /// @param runId The run.
    /// @param round The round.
    /// @param trainer The trainer.
    /// @param amount Stake taken.
    /// @param byEquivocation True for an on-chain equivocation proof, false for a jury verdict.
    event TrainerSlashed(uint256 indexed runId, uint64 indexed round, address indexed trainer, uint256 amount, bool byEquivocation);
    /// @notice A juror lost part of its stake for not revealing or voting with the minority.
    /// @param disputeId The dispute.
    /// @param juror The juror.
    /// @param amount Stake taken.
    event JurorPenalized(uint256 indexed disputeId, address indexed juror, uint256 amount);

    /// @notice A commitment was marked withheld (unavailability upheld): no credit, a fraud-sized slash, the seat is freed (not banned).
    /// @param runId The run.
    /// @param round The round.
    /// @param trainer The trainer.
    /// @param slashed Stake taken (as much as a fraud slash).
    event CommitmentWithheld(uint256 indexed runId, uint64 indexed round, address indexed trainer, uint256 slashed);
    /// @notice A commitment was accredited.
    /// @param runId The run.
    /// @param round The round.
    /// @param trainer The trainer.
    /// @param samples Samples credited.
    /// @param reward Tokens owed for it.
    event CommitmentFinalized(uint256 indexed runId, uint64 indexed round, address indexed trainer, uint64 samples, uint256 reward);
    /// @notice Tokens became owed to an account (reward, fee, bond return or slash share).
    /// @param runId The run.
    /// @param account The account.
    /// @param amount Tokens added to what it is owed.
    event EarningsCredited(uint256 indexed runId, address indexed account, uint256 amount);
    /// @notice An account claimed what it was owed.
    /// @param runId The run.
    /// @param account The account.
    /// @param amount Tokens sent.
    event EarningsClaimed(uint256 indexed runId, address indexed account, uint256 amount);
    /// @notice Tokens went back into the run's pool (penalties without a majority, rounding dust, an
    /// equivocation slash beyond the prover's bounty).
    /// @param runId The run.
    /// @param amount Tokens added.
    event PoolCredited(uint256 indexed runId, uint256 amount);
    /// @notice The run owner took back the unspent pool after the run settled.
    /// @param runId The run.
    /// @param amount Tokens sent.
    event PoolReclaimed(uint256 indexed runId, uint256 amount);

    // ---- functions ----
    /// @notice Creates a run and funds its pool from the caller with `fundingFor(spec)` tokens.
    /// @param spec The run spec.
    /// @return runId The new run's id.
    function createRun(RunSpec calldata spec) external returns (uint256 runId);

    /// @notice Takes a trainer seat of `shard`, locking `minTrainerStake` of free stake.
    /// @param runId The run.
    /// @param shard The shard.
    function joinAsTrainer(uint256 runId, uint16 shard) external;

    /// @notice Takes a verifier seat, locking `minVerifierStake` of free stake.
    /// @param runId The run.
    function joinAsVerifier(uint256 runId) external;

    /// @notice Leaves the run and unlocks the seat's stake, once no dispute is open and the last
    /// commitment's dispute window has closed.
    /// @param runId The run.
    function leave(uint256 runId) external;

    /// @notice Fixes the round's data seed; anyone may call once the round has opened.
    /// @param runId The run.
    /// @param round The round.
    function openRound(uint256 runId, uint64 round) external;

    /// @notice Commits the caller's trajectory root, update hash and samples for `round`.
    /// @param runId The run.
    /// @param round The round.
    /// @param root Merkle root of the trajectory segments.
    /// @param updateHash Hash of the update bytes.
    /// @param samples Samples trained on.
    function commit(uint256 runId, uint64 round, bytes32 root, bytes32 updateHash, uint64 samples) external;

    /// @notice Fixes the round's audit randomness; anyone may call after the commit deadline.
    /// @param runId The run.
    /// @param round The round.
    function openAudits(uint256 runId, uint64 round) external;

    /// @notice The assigned verifier attests that the audited segment re-executed correctly.
    /// @param runId The run.
    /// @param round The round.
    /// @param trainer The trainer.
    /// @param digest keccak256(abi.encode(caller, state root after the segment's next-to-last step)) in exact mode, which
    /// the trainer may dispute by an accusation (PROTOCOL.md 7.3); not zero.
    function attest(uint256 runId, uint64 round, address trainer, bytes32 digest) external;

    /// @notice A verifier of the run disputes a committed segment, posting `challengeBond`.
    /// @param runId The run.
    /// @param round The round.
    /// @param trainer The trainer.
    /// @param claim The commitment's root, update hash and samples.
    /// @param leaf The disputed segment.
    /// @param proof Its Merkle proof against `claim.root`.
    /// @return disputeId The dispute.
    function challenge(uint256 runId, uint64 round, address trainer, Claim calldata claim, Leaf calldata leaf, bytes32[] calldata proof)
        external
        returns (uint256 disputeId);

    /// @notice The assigned verifier reports that the trainer did not serve the audited segment, posting `challengeBond`.
    /// @param runId The run.
    /// @param round The round.
    /// @param trainer The trainer.
    /// @param segment The segment asked for.
    /// @return disputeId The dispute.
    function reportUnavailable(uint256 runId, uint64 round, address trainer, uint32 segment) external returns (uint256 disputeId);

    /// @notice Draws the jury from randomness of a block after the dispute was opened; anyone may call.
    /// @param disputeId The dispute.
    function drawJury(uint256 disputeId) external;

    /// @notice A juror commits keccak256(abi.encode(disputeId, juror, guilty, salt)).
    /// @param disputeId The dispute.
    /// @param voteHash The hidden vote.
    function commitVote(uint256 disputeId, bytes32 voteHash) external;

    /// @notice A juror reveals its vote.
    /// @param disputeId The dispute.
    /// @param guilty The vote.
    /// @param salt The salt used in the commit.
    function revealVote(uint256 disputeId, bool guilty, bytes32 salt) external;

    /// @notice Settles a dispute after the reveal deadline (or once every juror revealed); anyone may call.
    /// @param disputeId The dispute.
    function resolve(uint256 disputeId) external;

    /// @notice Slashes a trainer whose signed announcement disagrees with its commitment; anyone may call.
    /// @param runId The run.
    /// @param round The round.
    /// @param announcement The signed announcement.
    /// @param signature The trainer's EIP-712 signature over it.
    /// @param committed The commitment's actual root, update hash and samples.
    function proveEquivocation(
        uint256 runId,
        uint64 round,
        Announcement calldata announcement,
        bytes calldata signature,
        Claim calldata committed
    ) external;

    /// @notice Accredits an undisputed commitment after its dispute window; anyone may call.
    /// @param runId The run.
    /// @param round The round.
    /// @param trainer The trainer.
    /// @param claim The commitment's root, update hash and samples.
    function finalize(uint256 runId, uint64 round, address trainer, Claim calldata claim) external;

    /// @notice Sends the caller what it is owed in the run.
    /// @param runId The run.
    function claim(uint256 runId) external;

    /// @notice The owner takes back the unspent pool after the last round's dispute window.
    /// @param runId The run.
    function reclaimPool(uint256 runId) external;


    /// @notice Whether the trainer's commitment is audited, which segment, and by which verifier.
    /// @param runId The run.
    /// @param round The round.
    /// @param trainer The trainer.
    /// @return audited Whether it is audited.
    /// @return segment The segment to re-execute.
    /// @return verifier The assigned verifier (zero if none is active).
    function auditOf(uint256 runId, uint64 round, address trainer)
        external
        view
        returns (bool audited, uint32 segment, address verifier);

    /// @notice The commitment's status.
    /// @param runId The run.
    /// @param round The round.
    /// @param trainer The trainer.
    /// @return The status.
    function statusOf(uint256 runId, uint64 round, address trainer) external view returns (CommitStatus);
}
