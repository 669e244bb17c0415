// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IRunCoordinator} from "./interfaces/IRunCoordinator.sol";
import {IOneStepProver} from "./interfaces/IOneStepProver.sol";
import {TrajectoryLeaf} from "./libraries/TrajectoryLeaf.sol";
import {TensorMerkle} from "./libraries/TensorMerkle.sol";
import {BatchIndices} from "./libraries/BatchIndices.sol";
import {Float32} from "./libraries/Float32.sol";
import {ProgramLeaf} from "./libraries/ProgramLeaf.sol";
import {UpdateGame} from "./UpdateGame.sol";

/// @title DisputeGame
/// @notice The fraud game of docs/PROTOCOL.md 7.1: a challenge on one segment of a commitment narrows, move by
/// move, to one step, one operation of its program, one chunk of that operation's output and one element of it,
/// which OneStepProver recomputes from agreed inputs. Each move has a deadline; a party that lets it pass loses.
/// Several games may run on one commitment; none blocks another. The coordinator (IGameHost) holds the bond,
/// keeps the commitment Disputed while a game runs and settles the loser's side.
/// The update game (UpdateGame) checks a commitment's update against its trajectory's ends.
contract DisputeGame is UpdateGame {
    uint8 internal constant SELECT_INDEX = 22;
    uint32 internal constant MAX_ROUTED = 1 << 20;
    /// @notice The segment of a challenge on a trajectory that was not served (see `challenge`).
    uint32 public constant ANY_SEGMENT = type(uint32).max;

    constructor(IOneStepProver prover_) UpdateGame(prover_) {}

    /// @notice Opens a game on `segment` of a commitment; the coordinator takes the caller's bond. `ANY_SEGMENT`
    /// (the trainer did not serve its trajectory) first makes the trainer post its manifest, from which the
    /// challenger picks the segment.
    function challenge(uint256 runId, uint64 round, address trainer, IRunCoordinator.Claim calldata claim, uint32 segment)
        external
        returns (uint256 gameId)
    {
        Game storage g;
        (gameId, g) = _open(runId, round, trainer, msg.sender, claim, segment, 0);
        if (segment != ANY_SEGMENT && segment >= g.segments) revert GameDataInvalid(gameId, 1);
        _next(gameId, g, segment == ANY_SEGMENT ? Phase.Manifest : Phase.Steps, 0);
    }

    /// @notice Trainer, on a challenge of ANY_SEGMENT: every checkpoint root of its trajectory (segments + 1), each
    /// leaf (j, roots[j], roots[j + 1]) with its proof against the commitment's root.
    function postManifest(uint256 gameId, bytes32[] calldata roots, bytes32[][] calldata proofs) external {
        Game storage g = _turn(gameId, Phase.Manifest);
        uint32 n = g.segments;
        if (roots.length != n + 1 || proofs.length != n) revert GameDataInvalid(gameId, 15);
        for (uint32 j; j < n; ++j) {
            bytes32 leaf = TrajectoryLeaf.hash(g.runId, g.shard, g.round, j, roots[j], roots[j + 1]);
            if (!MerkleProof.verifyCalldata(proofs[j], g.claimRoot, leaf)) revert GameDataInvalid(gameId, 3);
        }
        emit ManifestPosted(gameId, roots);
        _next(gameId, g, Phase.PickSegment, 0);
    }

    /// @notice Challenger: the segment of the posted manifest it disputes; the game goes on as a challenge of it.
    function pickSegment(uint256 gameId, uint32 segment) external {
        Game storage g = _turn(gameId, Phase.PickSegment);
        if (segment >= g.segments) revert GameDataInvalid(gameId, 1);
        g.segment = segment;
        _next(gameId, g, Phase.Steps, segment);
    }

    /// @notice Trainer: the c + 1 state roots of the segment's steps, its leaf's proof and, after segment 0, the
    /// proof of the previous leaf, which must end where this one starts.
    function postSteps(uint256 gameId, bytes32[] calldata roots, bytes32[] calldata proof, bytes32 prevStart, bytes32[] calldata prevProof)
        external
    {
        _postSteps(gameId, _turn(gameId, Phase.Steps), roots, proof, prevStart, prevProof);
    }

    /// @notice Trainer: accuses the verifier that attested its commitment of attesting without the replay
    /// (PROTOCOL.md 7.3). It names the attestation (`verifier`, `segment`, `digest`, from CommitmentAttested), posts
    /// the segment's step roots as in `postSteps` and its bond; the attestation's
    /// digest must differ from keccak256(abi.encode(verifier, roots[c - 1])). The verifier must then win the step game
    /// against these roots (as a challenger) or lose a bond from its stake.
    function accuse(
        uint256 runId,
        uint64 round,
        address verifier,
        uint32 segment,
        bytes32 digest,
        IRunCoordinator.Claim calldata claim,
        bytes32[] calldata roots,
        bytes32[] calldata proof,
        bytes32 prevStart,
        bytes32[] calldata prevProof
    ) external returns (uint256 gameId) {
        Game storage g;
        (gameId, g) = _open(runId, round, msg.sender, verifier, claim, segment, keccak256(abi.encode(verifier, segment, digest)));
        _postSteps(gameId, g, roots, proof, prevStart, prevProof);
        if (keccak256(abi.encode(verifier, roots[roots.length - 2])) == digest) revert GameDataInvalid(gameId, 16);
    }

    function _postSteps(
        uint256 gameId,
        Game storage g,
        bytes32[] calldata roots,
        bytes32[] calldata proof,
        bytes32 prevStart,
        bytes32[] calldata prevProof
    ) private {
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

}
