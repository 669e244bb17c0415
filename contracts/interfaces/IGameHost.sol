// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IRunCoordinator} from "./IRunCoordinator.sol";

/// @title IGameHost
/// @notice What the run coordinator offers its dispute game (contracts/DisputeGame.sol): it checks and
/// blocks the disputed commitment and holds the challenger's bond while a game runs, and settles it (slash
/// and pay, or pay the bond to the trainer) when the game ends. Only the game named at deployment may call.
interface IGameHost {
    /// @notice The caller is not the coordinator's dispute game.
    error GameHostCaller(address caller);

    /// @notice What a game needs of the run and the round.
    struct GameTerms {
        uint16 shard; // the trainer's
        uint32 checkpointInterval;
        uint32 localSteps;
        uint32 moveWindow; // seconds each move may take (the spec's juryCommitWindow until juries go)
        uint64 datasetSize;
        bytes32 seed; // the round's (batches are derived from it)
        bytes32 modelHash; // the root of the run's programs (lib/protocol/program-commit.ts)
        bytes32 datasetRoot;
    }

    /// @notice Opens a game on a commitment in an exact-mode run: the commitment committed, attested or already
    /// disputed, `claim` its contents, the round's dispute window open (from `opensAt` to `disputeEnd`). A challenge
    /// (`attestation` zero) may come from anyone, who posts the bond. An accusation (PROTOCOL.md 7.3) names the
    /// attestation it disputes, keccak256(abi.encode(challenger, segment, digest)), which must be the one recorded:
    /// the challenger is then the attesting verifier and the trainer posts the bond.
    /// @return terms What the game needs of the run and round.
    function openGame(
        uint256 runId,
        uint64 round,
        address trainer,
        address challenger,
        IRunCoordinator.Claim calldata claim,
        bytes32 attestation
    ) external returns (GameTerms memory terms);

    /// @notice Ends a game: the loser's side settles (see docs/PROTOCOL.md 7.1, 7.3).
    function closeGame(uint256 runId, uint64 round, address trainer, address challenger, bool trainerLost, bool accusation)
        external;

}
