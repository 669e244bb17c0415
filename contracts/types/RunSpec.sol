// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice How a verifier compares a re-executed segment with the committed end state.
enum VerificationMode {
    /// @dev The recomputed state hash must equal the committed one (same deterministic backend).
    Exact,
    /// @dev ||s' - s|| <= tolerance * ||s - s_start|| (heterogeneous hardware).
    Tolerance
}

/// @notice A participant's role in a run.
enum Role {
    None,
    Trainer,
    Verifier
}

/// @notice What a dispute is about.
enum DisputeKind {
    /// @dev A committed segment does not re-execute to its committed end state.
    Fraud,
    /// @dev The trainer did not serve the checkpoint, leaf or proof of an audited segment.
    Unavailable
}

/// @notice Lifecycle of one trainer's commitment in one round (kept in the low byte of its slot).
enum CommitStatus {
    None,
    Committed,
    Attested,
    Disputed,
    Finalized,
    Slashed,
    Withheld
}

/// @notice Everything fixed when a run is created. Field order packs the fields `commit` reads
/// into the first two slots (gas: `commit` must stay under 70k).
struct RunSpec {
    // slot 0: schedule
    uint64 startTime; // round r opens at startTime + r * roundLength
    uint32 roundLength; // seconds
    uint32 commitWindow; // seconds after a round opens during which trainers commit
    uint32 auditWindow; // seconds after the commit deadline for attestations and challenges
    uint32 disputeWindow; // seconds after the audit window before a commitment can be finalized
    uint32 rounds; // number of rounds in the run
    uint16 auditRateBps; // probability that a commitment is audited, in basis points
    uint8 jurySize; // jurors drawn per dispute (1..MAX_JURY)
    VerificationMode mode;
    // slot 1: training shape and dispute parameters
    uint32 localSteps; // H: optimizer steps per round
    uint32 checkpointInterval; // c: steps per Merkle leaf (localSteps % c == 0)
    uint32 batchSize;
    uint16 shards; // gate + experts (or 1 for a dense model)
    uint16 maxTrainersPerShard;
    uint16 maxVerifiers;
    uint16 slashBps; // share of a trainer's run stake slashed when guilty
    uint16 jurorPenaltyBps; // share of a juror's run stake lost for not revealing or voting with the minority
    uint32 juryCommitWindow; // seconds
    uint32 juryRevealWindow; // seconds
    uint8 referenceBackend; // backend on which verification re-executes (0 cpu, 1 wasm, 2 node, 3 gpu, 4 reference kernels: exact mode)
    // slot 2..4: economics
    uint128 minTrainerStake;
    uint128 minVerifierStake;
    uint128 challengeBond;
    uint128 rewardPerRound; // paid out across all trainer slots of a full round
    uint128 auditFee; // paid to the assigned verifier per attestation
    uint64 datasetSize;
    uint32 toleranceMicros; // tolerance mode: tau * 1e6
    // slot 5..6: content
    bytes32 modelHash;
    bytes32 datasetRoot;
}
