// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IGameHost} from "./interfaces/IGameHost.sol";
import {IRunCoordinator} from "./interfaces/IRunCoordinator.sol";
import {IOneStepProver} from "./interfaces/IOneStepProver.sol";
import {ProgramLeaf} from "./libraries/ProgramLeaf.sol";

/// @title GameBase
/// @notice What the dispute games share (docs/PROTOCOL.md 7.1): their records, whose move it is and until when,
/// the timeout that ends a game against its silent party, and the settlement through the coordinator.
abstract contract GameBase {
    enum Phase {
        None,
        Steps, // trainer: the segment's per-step state roots
        PickStep, // challenger: the first step whose end it disputes
        Trace, // trainer: that step's trace (every tensor root)
        PickOp, // challenger: the first operation output it disputes (or contest the routed count)
        Chunks, // trainer: that output's chunk leaves
        PickChunk, // challenger: a chunk
        Open, // trainer: the chunk's bytes
        OneStep, // challenger: an element of the chunk, recomputed on-chain
        Over,
        UpdateOpen, // trainer (update game): the chunks of s_0, s_H and the update at the picked place
        UpdateElement, // challenger (update game): an element where the update is not s_0 ⊖ s_H
        Manifest, // trainer (a challenge on no segment: its data was not served): every checkpoint root
        PickSegment // challenger: the segment it disputes; the game goes on at Steps
    }

    /// @notice Why a game ended.
    enum Reason {
        OneStep,
        Timeout,
        RoutedCount
    }

    struct Game {
        address trainer;
        uint64 round;
        uint32 segment;
        address challenger;
        Phase phase;
        uint64 deadline;
        uint16 shard;
        bool accusation; // opened by the trainer against its attester (PROTOCOL.md 7.3); the challenger is the attester
        uint256 runId;
        uint32 checkpointInterval;
        uint32 moveWindow;
        uint32 datasetSize;
        uint32 step; // local step of the round, once picked
        uint32 m; // routed count the trainer claims (experts)
        uint32 inputs;
        uint32 traceCount;
        uint32 routeCount;
        uint32 tensor; // picked operation output
        uint32 rows;
        uint32 cols;
        uint32 chunk;
        uint32 segments;
        bytes32 seed;
        bytes32 modelHash;
        bytes32 datasetRoot;
        bytes32 claimRoot;
        bytes32 updateRoot;
        bytes32 a; // Steps..PickStep: hash of the roots; Trace..: start root; Chunks..: hash of leaves; Open..: chunk leaf
        bytes32 b; // Trace: end root; Chunks..: the picked operation's leaf hash
        bytes32 traceRoot;
        bytes32 opRoot;
    }

    uint256 internal constant STATE_TENSORS = 8;

    IOneStepProver public immutable prover;
    address private immutable _deployer;
    IGameHost public host;
    uint256 public gameCount;
    mapping(uint256 gameId => Game) internal _games;

    event GameStarted(
        uint256 indexed gameId,
        uint256 indexed runId,
        uint64 round,
        address indexed trainer,
        address challenger,
        uint32 segment,
        bool accusation
    );
    /// @notice The game moved to `phase`, whose mover must act before `deadline`; `pick` is what was picked (a step,
    /// tensor or chunk index) when the move was a pick.
    event GameMoved(uint256 indexed gameId, Phase phase, uint64 deadline, uint32 pick);
    event StepsPosted(uint256 indexed gameId, bytes32[] roots);
    event TracePosted(uint256 indexed gameId, bytes32[] items, uint32 m);
    event ChunksPosted(uint256 indexed gameId, bytes32[] leaves);
    event ChunkOpened(uint256 indexed gameId, bytes data);
    event UpdateOpened(uint256 indexed gameId, bytes start, bytes end, bytes update);
    event ManifestPosted(uint256 indexed gameId, bytes32[] roots);
    event GameEnded(uint256 indexed gameId, bool trainerLost, Reason reason);

    error GameUnbound();
    error GameUnknown(uint256 gameId);
    error GamePhaseInvalid(uint256 gameId, Phase phase);
    error GameNotYourMove(uint256 gameId, address account);
    error GameDeadlinePassed(uint256 gameId, uint64 deadline);
    error GameDeadlineAhead(uint256 gameId, uint64 deadline);
    /// @notice A move's data does not fit what the game holds (`what`: 1 segment, 2 steps, 3 leaf proof, 4 junction
    /// proof, 5 pick, 6 header, 7 routed count, 8 trace, 9 tensor, 10 program leaf, 11 chunks, 12 chunk, 13 element,
    /// 14 state tensor, 15 manifest length, 16 digest: the accused attestation's digest is the replay's).
    error GameDataInvalid(uint256 gameId, uint8 what);

    constructor(IOneStepProver prover_) {
        prover = prover_;
        _deployer = msg.sender;
    }

    /// @notice Names the coordinator, once; only the deployer may (the coordinator names this game at its deployment).
    /// @param host_ The coordinator.
    function bind(IGameHost host_) external {
        if (msg.sender != _deployer || address(host) != address(0)) revert GameUnbound();
        host = host_;
    }

    /// @notice Ends a game whose mover let its deadline pass: the mover loses. Anyone may call.
    function timeout(uint256 gameId) external {
        Game storage g = _game(gameId);
        Phase p = g.phase;
        if (p == Phase.Over) revert GamePhaseInvalid(gameId, p);
        if (block.timestamp < g.deadline) revert GameDeadlineAhead(gameId, g.deadline);
        _end(gameId, g, _trainerMoves(p), Reason.Timeout);
    }

    /// @notice A game's record.
    function gameOf(uint256 gameId) external view returns (Game memory) {
        return _game(gameId);
    }

    // ---- internal ----

    /// @dev Opens a game through the coordinator (which checks the commitment and takes the bond) and records it: a
    /// challenge by the caller (`attestation` zero), or the trainer's accusation of `challenger`'s attestation of
    /// `segment`.
    function _open(
        uint256 runId,
        uint64 round,
        address trainer,
        address challenger,
        IRunCoordinator.Claim calldata claim,
        uint32 segment,
        bytes32 attestation
    ) internal returns (uint256 gameId, Game storage g) {
        if (address(host) == address(0)) revert GameUnbound();
        gameId = ++gameCount;
        IGameHost.GameTerms memory t = host.openGame(runId, round, trainer, challenger, claim, attestation);
        bool accusation = attestation != 0;
        g = _games[gameId];
        g.trainer = trainer;
        g.round = round;
        g.segment = segment;
        g.challenger = challenger;
        g.accusation = accusation;
        g.shard = t.shard;
        g.runId = runId;
        g.checkpointInterval = t.checkpointInterval;
        g.segments = t.localSteps / t.checkpointInterval;
        g.moveWindow = t.moveWindow;
        g.datasetSize = uint32(t.datasetSize);
        g.seed = t.seed;
        g.modelHash = t.modelHash;
        g.datasetRoot = t.datasetRoot;
        g.claimRoot = claim.root;
        g.updateRoot = claim.updateHash;
        emit GameStarted(gameId, runId, round, trainer, challenger, segment, accusation);
    }

    function _game(uint256 gameId) internal view returns (Game storage g) {
        g = _games[gameId];
        if (g.phase == Phase.None) revert GameUnknown(gameId);
    }

    function _trainerMoves(Phase p) internal pure returns (bool) {
        return p == Phase.Steps || p == Phase.Trace || p == Phase.Chunks || p == Phase.Open || p == Phase.UpdateOpen
            || p == Phase.Manifest;
    }

    /// @dev The game, checked to be in `p`, before its deadline, with the caller as the party to move.
    function _turn(uint256 gameId, Phase p) internal view returns (Game storage g) {
        g = _game(gameId);
        if (g.phase != p) revert GamePhaseInvalid(gameId, g.phase);
        if (msg.sender != (_trainerMoves(p) ? g.trainer : g.challenger)) revert GameNotYourMove(gameId, msg.sender);
        if (block.timestamp >= g.deadline) revert GameDeadlinePassed(gameId, g.deadline);
    }

    function _next(uint256 gameId, Game storage g, Phase p, uint32 pick) internal {
        g.phase = p;
        uint64 deadline = uint64(block.timestamp) + g.moveWindow;
        g.deadline = deadline;
        emit GameMoved(gameId, p, deadline, pick);
    }

    function _end(uint256 gameId, Game storage g, bool trainerLost, Reason reason) internal {
        g.phase = Phase.Over;
        emit GameEnded(gameId, trainerLost, reason);
        host.closeGame(g.runId, g.round, g.trainer, g.challenger, trainerLost, g.accusation);
    }

    /// @dev Checks `op` is a leaf of the run's program tree for the game's shard; returns its hash.
    function _programLeaf(uint256 gameId, Game storage g, ProgramLeaf.Op calldata op, bytes32[] calldata proof)
        internal
        view
        returns (bytes32 leaf)
    {
        leaf = ProgramLeaf.opHash(op);
        if (op.shard != g.shard || !MerkleProof.verifyCalldata(proof, g.modelHash, leaf)) revert GameDataInvalid(gameId, 10);
    }

    /// @dev The little-endian uint32 at byte `at` of `data`.
    function _wordLE(bytes calldata data, uint256 at) internal pure returns (uint256) {
        return uint256(uint8(data[at])) | (uint256(uint8(data[at + 1])) << 8) | (uint256(uint8(data[at + 2])) << 16)
            | (uint256(uint8(data[at + 3])) << 24);
    }
}
