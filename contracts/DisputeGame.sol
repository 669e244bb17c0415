// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IGameHost} from "./interfaces/IGameHost.sol";
import {IRunCoordinator} from "./interfaces/IRunCoordinator.sol";
import {IOneStepProver} from "./interfaces/IOneStepProver.sol";
import {TrajectoryLeaf} from "./libraries/TrajectoryLeaf.sol";
import {TensorMerkle} from "./libraries/TensorMerkle.sol";
import {BatchIndices} from "./libraries/BatchIndices.sol";
import {Float32} from "./libraries/Float32.sol";
import {ProgramLeaf} from "./libraries/ProgramLeaf.sol";

/// @title DisputeGame
/// @notice The fraud game of docs/PROTOCOL.md 7.1: a challenge on one segment of a commitment narrows, move by
/// move, to one step, one operation of its program, one chunk of that operation's output and one element of it,
/// which OneStepProver recomputes from agreed inputs. Each move has a deadline; a party that lets it pass loses.
/// Several games may run on one commitment; none blocks another. The coordinator (IGameHost) holds the bond,
/// keeps the commitment Disputed while a game runs and settles the loser's side.
contract DisputeGame {
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
        Over
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
        bytes32 seed;
        bytes32 modelHash;
        bytes32 datasetRoot;
        bytes32 claimRoot;
        bytes32 a; // Steps..PickStep: hash of the roots; Trace..: start root; Chunks..: hash of leaves; Open..: chunk leaf
        bytes32 b; // Trace: end root; Chunks..: the picked operation's leaf hash
        bytes32 traceRoot;
        bytes32 opRoot;
    }

    uint8 internal constant SELECT_INDEX = 22;
    uint32 internal constant MAX_ROUTED = 1 << 20;
    uint256 internal constant STATE_TENSORS = 8;

    IOneStepProver public immutable prover;
    address private immutable _deployer;
    IGameHost public host;
    uint256 public gameCount;
    mapping(uint256 gameId => Game) internal _games;

    event GameStarted(
        uint256 indexed gameId, uint256 indexed runId, uint64 round, address indexed trainer, address challenger, uint32 segment
    );
    /// @notice The game moved to `phase`, whose mover must act before `deadline`; `pick` is what was picked (a step,
    /// tensor or chunk index) when the move was a pick.
    event GameMoved(uint256 indexed gameId, Phase phase, uint64 deadline, uint32 pick);
    event StepsPosted(uint256 indexed gameId, bytes32[] roots);
    event TracePosted(uint256 indexed gameId, bytes32[] items, uint32 m);
    event ChunksPosted(uint256 indexed gameId, bytes32[] leaves);
    event ChunkOpened(uint256 indexed gameId, bytes data);
    event GameEnded(uint256 indexed gameId, bool trainerLost, Reason reason);

    error GameUnbound();
    error GameUnknown(uint256 gameId);
    error GamePhaseInvalid(uint256 gameId, Phase phase);
    error GameNotYourMove(uint256 gameId, address account);
    error GameDeadlinePassed(uint256 gameId, uint64 deadline);
    error GameDeadlineAhead(uint256 gameId, uint64 deadline);
    /// @notice A move's data does not fit what the game holds (`what`: 1 segment, 2 steps, 3 leaf proof, 4 junction
    /// proof, 5 pick, 6 header, 7 routed count, 8 trace, 9 tensor, 10 program leaf, 11 chunks, 12 chunk, 13 element).
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

    /// @notice Opens a game on `segment` of a commitment; the coordinator takes the caller's bond.
    function challenge(uint256 runId, uint64 round, address trainer, IRunCoordinator.Claim calldata claim, uint32 segment)
        external
        returns (uint256 gameId)
    {
        if (address(host) == address(0)) revert GameUnbound();
        gameId = ++gameCount;
        IGameHost.GameTerms memory t = host.openGame(runId, round, trainer, msg.sender, claim);
        if (segment >= t.localSteps / t.checkpointInterval) revert GameDataInvalid(gameId, 1);
        Game storage g = _games[gameId];
        g.trainer = trainer;
        g.round = round;
        g.segment = segment;
        g.challenger = msg.sender;
        g.shard = t.shard;
        g.runId = runId;
        g.checkpointInterval = t.checkpointInterval;
        g.moveWindow = t.moveWindow;
        g.datasetSize = uint32(t.datasetSize);
        g.seed = t.seed;
        g.modelHash = t.modelHash;
        g.datasetRoot = t.datasetRoot;
        g.claimRoot = claim.root;
        emit GameStarted(gameId, runId, round, trainer, msg.sender, segment);
        _next(gameId, g, Phase.Steps, 0);
    }

    /// @notice Trainer: the c + 1 state roots of the segment's steps, its leaf's proof and, after segment 0, the
    /// proof of the previous leaf, which must end where this one starts.
    function postSteps(uint256 gameId, bytes32[] calldata roots, bytes32[] calldata proof, bytes32 prevStart, bytes32[] calldata prevProof)
        external
    {
        Game storage g = _turn(gameId, Phase.Steps);
        uint256 c = g.checkpointInterval;
        if (roots.length != c + 1) revert GameDataInvalid(gameId, 2);
        bytes32 leaf = TrajectoryLeaf.hash(g.runId, g.shard, g.round, g.segment, roots[0], roots[c]);
        if (!MerkleProof.verifyCalldata(proof, g.claimRoot, leaf)) revert GameDataInvalid(gameId, 3);
        if (g.segment > 0) {
            bytes32 prev = TrajectoryLeaf.hash(g.runId, g.shard, g.round, g.segment - 1, prevStart, roots[0]);
            if (!MerkleProof.verifyCalldata(prevProof, g.claimRoot, prev)) revert GameDataInvalid(gameId, 4);
        }
        g.a = keccak256(abi.encode(roots));
        emit StepsPosted(gameId, roots);
        _next(gameId, g, Phase.PickStep, 0);
    }

    /// @notice Challenger: step t of the segment, whose start root it agrees with and whose end root it disputes.
    function pickStep(uint256 gameId, bytes32[] calldata roots, uint32 t) external {
        Game storage g = _turn(gameId, Phase.PickStep);
        if (keccak256(abi.encode(roots)) != g.a) revert GameDataInvalid(gameId, 2);
        if (t >= g.checkpointInterval) revert GameDataInvalid(gameId, 5);
        g.a = roots[t];
        g.b = roots[t + 1];
        g.step = g.segment * g.checkpointInterval + t;
        _next(gameId, g, Phase.Trace, t);
    }

    /// @notice Trainer: the picked step's trace, every tensor root in program order, for its shard's program
    /// (`header`, proven against the run's modelHash) and, for an expert, the routed count m (0: routing only, the
    /// state unchanged). The first eight items must be the start state, the last eight the end state.
    function postTrace(
        uint256 gameId,
        bytes32[] calldata items,
        uint32 m,
        ProgramLeaf.Header calldata header,
        bytes32[] calldata headerProof
    ) external {
        Game storage g = _turn(gameId, Phase.Trace);
        bytes32 leaf = ProgramLeaf.headerHash(g.shard, header);
        if (!MerkleProof.verifyCalldata(headerProof, g.modelHash, leaf)) revert GameDataInvalid(gameId, 6);
        bool routeOnly = header.routeCount != 0 && m == 0;
        if ((header.routeCount == 0 && m != 0) || m > MAX_ROUTED) revert GameDataInvalid(gameId, 7);
        uint256 n = routeOnly ? header.routeCount : header.count;
        if (items.length != n || header.inputs < STATE_TENSORS || n < header.inputs + STATE_TENSORS) revert GameDataInvalid(gameId, 8);
        bytes32[] memory state = new bytes32[](STATE_TENSORS);
        for (uint256 k = 0; k < STATE_TENSORS; k++) state[k] = items[k];
        if (TensorMerkle.rootOfList(state) != g.a) revert GameDataInvalid(gameId, 8);
        if (routeOnly) {
            if (g.a != g.b) revert GameDataInvalid(gameId, 8);
        } else {
            // The step's last operations write velocities then parameters; a state lists parameters first.
            for (uint256 k = 0; k < 4; k++) {
                state[k] = items[n - 4 + k];
                state[4 + k] = items[n - 8 + k];
            }
            if (TensorMerkle.rootOfList(state) != g.b) revert GameDataInvalid(gameId, 8);
        }
        g.traceRoot = TensorMerkle.rootOfList(items);
        g.traceCount = uint32(n);
        g.inputs = header.inputs;
        g.routeCount = header.routeCount;
        g.m = m;
        emit TracePosted(gameId, items, m);
        _next(gameId, g, Phase.PickOp, 0);
    }

    /// @notice Challenger: the first operation output t it disputes, with the trainer's root for it and the
    /// operation's program leaf.
    function pickOp(
        uint256 gameId,
        uint32 t,
        bytes32 root,
        bytes32[] calldata rootProof,
        ProgramLeaf.Op calldata op,
        bytes32[] calldata opProof
    ) external {
        Game storage g = _turn(gameId, Phase.PickOp);
        if (t < g.inputs || t >= g.traceCount || op.index != t) revert GameDataInvalid(gameId, 9);
        if (TensorMerkle.rootFromItem(g.traceCount, t, root, rootProof) != g.traceRoot) revert GameDataInvalid(gameId, 9);
        bytes32 leaf = _programLeaf(gameId, g, op, opProof);
        g.tensor = t;
        g.opRoot = root;
        g.b = leaf;
        g.rows = ProgramLeaf.dim(op.rows, g.m);
        g.cols = ProgramLeaf.dim(op.cols, g.m);
        _next(gameId, g, Phase.Chunks, t);
    }

    /// @notice Challenger, instead of picking: the trainer's routed count m is not the number of batch rows its
    /// trace's route tensor sends to this expert. Opens the route tensor (one chunk) through the selectIndex leaf.
    function contestRouted(
        uint256 gameId,
        ProgramLeaf.Op calldata select,
        bytes32[] calldata selectProof,
        bytes32 routeRoot,
        bytes32[] calldata routeProof,
        bytes calldata routeChunk,
        bytes32[] calldata chunkProof
    ) external {
        Game storage g = _turn(gameId, Phase.PickOp);
        if (g.routeCount == 0 || select.kind != SELECT_INDEX || select.args.length != 1) revert GameDataInvalid(gameId, 10);
        _programLeaf(gameId, g, select, selectProof);
        uint32 route = select.args[0];
        if (route >= g.traceCount || TensorMerkle.rootFromItem(g.traceCount, route, routeRoot, routeProof) != g.traceRoot) {
            revert GameDataInvalid(gameId, 9);
        }
        uint32 cols = select.argCols[0];
        if (select.argRows[0] != 1 || TensorMerkle.chunkCount(1, cols) != 1) revert GameDataInvalid(gameId, 10);
        if (TensorMerkle.rootFromChunk(1, cols, 0, routeChunk, chunkProof) != routeRoot) revert GameDataInvalid(gameId, 12);
        uint256 expert = select.scalars[0];
        uint256 count = 0;
        for (uint256 k = 0; k < cols; k++) {
            if (_wordLE(routeChunk, 4 * k) == expert) count++;
        }
        _end(gameId, g, count != g.m, Reason.RoutedCount);
    }

    /// @notice Trainer: the chunk leaves (sha256 of each 8 KiB chunk) of the picked output, which must make its root.
    function postChunks(uint256 gameId, bytes32[] calldata leaves) external {
        Game storage g = _turn(gameId, Phase.Chunks);
        bool fits = leaves.length == TensorMerkle.chunkCount(g.rows, g.cols);
        if (!fits || TensorMerkle.rootOfChunkLeaves(g.rows, g.cols, leaves) != g.opRoot) revert GameDataInvalid(gameId, 11);
        g.a = keccak256(abi.encode(leaves));
        emit ChunksPosted(gameId, leaves);
        _next(gameId, g, Phase.PickChunk, 0);
    }

    /// @notice Challenger: the chunk that holds an element it disputes.
    function pickChunk(uint256 gameId, bytes32[] calldata leaves, uint32 chunk) external {
        Game storage g = _turn(gameId, Phase.PickChunk);
        if (keccak256(abi.encode(leaves)) != g.a) revert GameDataInvalid(gameId, 11);
        if (chunk >= leaves.length) revert GameDataInvalid(gameId, 5);
        g.chunk = chunk;
        g.a = leaves[chunk];
        _next(gameId, g, Phase.Open, chunk);
    }

    /// @notice Trainer: the picked chunk's bytes.
    function open(uint256 gameId, bytes calldata data) external {
        Game storage g = _turn(gameId, Phase.Open);
        if (sha256(data) != g.a) revert GameDataInvalid(gameId, 12);
        emit ChunkOpened(gameId, data);
        _next(gameId, g, Phase.OneStep, 0);
    }

    /// @notice Challenger: element (i, j) of the picked output, inside the opened chunk, with the rows it reads.
    /// The trainer loses if its value differs from the recomputed one (any NaN equals any NaN), else the challenger.
    function oneStep(
        uint256 gameId,
        bytes calldata chunkData,
        ProgramLeaf.Op calldata op,
        uint256 i,
        uint256 j,
        IOneStepProver.RowOpening[] calldata reads
    ) external {
        Game storage g = _turn(gameId, Phase.OneStep);
        if (sha256(chunkData) != g.a) revert GameDataInvalid(gameId, 12);
        if (ProgramLeaf.opHash(op) != g.b) revert GameDataInvalid(gameId, 10);
        if (i >= g.rows || j >= g.cols) revert GameDataInvalid(gameId, 13);
        uint256 offset = (i * g.cols + j) * 4;
        uint256 start = uint256(g.chunk) * TensorMerkle.CHUNK_BYTES;
        if (offset < start || offset + 4 > start + chunkData.length) revert GameDataInvalid(gameId, 13);
        uint256 claimed = _wordLE(chunkData, offset - start);
        IOneStepProver.Context memory ctx = IOneStepProver.Context({
            traceRoot: g.traceRoot,
            traceCount: g.traceCount,
            datasetRoot: g.datasetRoot,
            datasetSize: g.datasetSize,
            batchBase: BatchIndices.batchSeed(g.seed, g.trainer, g.shard, g.step)
        });
        uint256 value = prover.valueOf(ctx, ProgramLeaf.routed(op, g.m), i, j, reads);
        bool same = value == claimed || (Float32.isNaN(value) && Float32.isNaN(claimed));
        _end(gameId, g, !same, Reason.OneStep);
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

    function _game(uint256 gameId) internal view returns (Game storage g) {
        g = _games[gameId];
        if (g.phase == Phase.None) revert GameUnknown(gameId);
    }

    function _trainerMoves(Phase p) internal pure returns (bool) {
        return p == Phase.Steps || p == Phase.Trace || p == Phase.Chunks || p == Phase.Open;
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
        host.closeGame(g.runId, g.round, g.trainer, g.challenger, trainerLost);
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
