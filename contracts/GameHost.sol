// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IGameHost} from "./interfaces/IGameHost.sol";
import {CoordinatorBase} from "./CoordinatorBase.sol";
import {RunSpec, Role, CommitStatus, VerificationMode} from "./types/RunSpec.sol";
import {RunSchedule} from "./libraries/RunSchedule.sol";
import {CommitmentSlot} from "./libraries/CommitmentSlot.sol";

/// @title GameHost
/// @notice The coordinator's side of the dispute game: commitments under a game stay Disputed (not
/// finalizable) until every game on them has ended; bonds are held here and paid out with the verdict.
abstract contract GameHost is CoordinatorBase, IGameHost {
    using SafeERC20 for IERC20;
    using RunSchedule for RunSpec;
    using CommitmentSlot for uint256;

    uint256 private constant ATTESTED_FLAG = 1 << 128;

    // No reentrancy guard on the hooks: only the game calls them, and they call only the vault and the token.

    /// @inheritdoc IGameHost
    function openGame(uint256 runId, uint64 round, address trainer, address challenger, Claim calldata claim_, bytes32 attestation)
        external
        returns (GameTerms memory terms)
    {
        _onlyGame();
        RunSpec storage s = _run(runId).spec;
        uint256 games = _games[runId][round][trainer];
        uint256 word = _openForDispute(runId, round, trainer, challenger, s.opensAt(round), true);
        if (!word.matches(claim_.root, claim_.updateHash, claim_.samples)) revert CommitClaimMismatch(runId, round, trainer);
        if (attestation != 0 && _attestations[runId][round][trainer] != attestation) {
            revert AttestationMismatch(runId, round, trainer);
        }
        if (word.status() == CommitStatus.Attested) games |= ATTESTED_FLAG;
        _games[runId][round][trainer] = games + 1;
        _setStatus(runId, round, trainer, CommitStatus.Disputed);
        _participants[runId][trainer].openDisputes += 1;
        _participants[runId][challenger].openDisputes += 1;
        terms = GameTerms({
            shard: _participants[runId][trainer].shard,
            checkpointInterval: s.checkpointInterval,
            localSteps: s.localSteps,
            moveWindow: s.juryCommitWindow,
            datasetSize: s.datasetSize,
            seed: _rounds[runId][round].seed,
            modelHash: s.modelHash,
            datasetRoot: s.datasetRoot
        });
        uint128 bond = s.challengeBond;
        // A challenger posts its bond; an accusing trainer posts its own.
        IERC20(_staking.token()).safeTransferFrom(attestation == 0 ? challenger : trainer, address(this), bond);
    }

    /// @inheritdoc IGameHost
    function closeGame(uint256 runId, uint64 round, address trainer, address challenger, bool trainerLost, bool accusation)
        external
    {
        _onlyGame();
        uint256 games = _games[runId][round][trainer] - 1;
        _games[runId][round][trainer] = games;
        _participants[runId][trainer].openDisputes -= 1;
        _participants[runId][challenger].openDisputes -= 1;
        uint256 bond = _runs[runId].spec.challengeBond;
        bool disputed = _commitments[runId][round][trainer].status() == CommitStatus.Disputed;
        if (trainerLost) {
            // The bond comes back with half the slash; once another game slashed the commitment, the bond alone.
            if (disputed) {
                uint256 slashed = _slashTrainer(runId, round, trainer, false);
                bond += slashed / 2;
                _creditPool(runId, slashed - slashed / 2);
            }
            _credit(runId, challenger, bond);
        } else {
            // A lost accusation: the verifier attested without the replay's value. Its penalty, a bond taken from its
            // stake, goes to the pool (not the trainer, so that framing an honest verifier earns nothing).
            // (The vault's StakeSlashed event and GameEnded record it.)
            if (accusation) _creditPool(runId, _takeStake(runId, challenger, bond));
            _credit(runId, trainer, bond);
            if (disputed && uint128(games) == 0) {
                _setStatus(runId, round, trainer, games & ATTESTED_FLAG != 0 ? CommitStatus.Attested : CommitStatus.Committed);
            }
        }
    }

    function _onlyGame() private view {
        if (msg.sender != _game) revert GameHostCaller(msg.sender);
    }

    /// @dev Checks the window is open (a game's until `disputeEnd`, a jury challenge's until `auditEnd`), the dispute is
    /// the run's kind (a game, `byGame`, in exact mode, which settles bit for bit; a jury in tolerance mode, opened by a
    /// seated verifier: anyone may open a game) and the commitment can be disputed (by a game also when already
    /// Disputed: several games may run on one commitment, and only games dispute in exact mode).
    function _openForDispute(uint256 runId, uint64 round, address trainer, address challenger, uint64 opensAt, bool byGame)
        internal
        view
        returns (uint256 word)
    {
        if (!byGame) _activeParticipant(runId, challenger, Role.Verifier);
        RunSpec storage s = _runs[runId].spec;
        if ((s.mode == VerificationMode.Exact) != byGame) revert DisputeModeInvalid(runId);
        uint64 closesAt = byGame ? s.disputeEnd(round) : s.auditEnd(round);
        if (round >= s.rounds || block.timestamp < opensAt || block.timestamp >= closesAt) {
            revert RoundWindowClosed(runId, round, opensAt, closesAt);
        }
        word = _commitments[runId][round][trainer];
        CommitStatus status = word.status();
        if (status != CommitStatus.Committed && status != CommitStatus.Attested && !(byGame && status == CommitStatus.Disputed)) {
            revert CommitStatusInvalid(runId, round, trainer, status);
        }
    }
}
