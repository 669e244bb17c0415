// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IRunCoordinator} from "./interfaces/IRunCoordinator.sol";
import {IOneStepProver} from "./interfaces/IOneStepProver.sol";
import {TrajectoryLeaf} from "./libraries/TrajectoryLeaf.sol";
import {TensorMerkle} from "./libraries/TensorMerkle.sol";
import {Float32} from "./libraries/Float32.sol";
import {ProgramLeaf} from "./libraries/ProgramLeaf.sol";
import {GameBase} from "./GameBase.sol";

/// @title UpdateGame
/// @notice The update game (docs/PROTOCOL.md 7.2): a commitment's update Δ (its `updateHash` is the state root of
/// Δ, laid out as a state) must be s_0 ⊖ s_H element by element, s_0 and s_H being its trajectory's first start
/// and last end. The challenger names a state tensor and a chunk where it is not; the trainer opens that chunk of
/// s_0, s_H and Δ with the two leaves; the challenger names an element, which the contract subtracts in binary32.
abstract contract UpdateGame is GameBase {
    /// @notice The first leaf of a trajectory and its last (equal when the round has one segment), with proofs.
    struct Ends {
        bytes32 start; // s_0
        bytes32 firstEnd;
        bytes32[] firstProof;
        bytes32 lastStart;
        bytes32 end; // s_H
        bytes32[] lastProof;
    }

    /// @notice One chunk of one tensor of a state-shaped list root: the tensor's root with its list proof, and the chunk.
    struct TensorChunk {
        bytes32 root;
        bytes32[] rootProof;
        bytes data;
        bytes32[] proof;
    }

    uint8 internal constant SGD_VELOCITY = 24;
    uint8 internal constant SGD_PARAM = 25;

    constructor(IOneStepProver prover_) GameBase(prover_) {}

    /// @notice Opens an update game on chunk `chunk` of state tensor `tensor` (0–3 parameters, 4–7 velocities). The
    /// tensor's shape comes from the program (`header` and the leaf of the SGD operation that writes the tensor).
    function challengeUpdate(
        uint256 runId,
        uint64 round,
        address trainer,
        IRunCoordinator.Claim calldata claim,
        uint32 tensor,
        uint32 chunk,
        ProgramLeaf.Header calldata header,
        bytes32[] calldata headerProof,
        ProgramLeaf.Op calldata op,
        bytes32[] calldata opProof
    ) external returns (uint256 gameId) {
        Game storage g;
        (gameId, g) = _open(runId, round, trainer, msg.sender, claim, type(uint32).max, 0);
        if (!MerkleProof.verifyCalldata(headerProof, g.modelHash, ProgramLeaf.headerHash(g.shard, header))) {
            revert GameDataInvalid(gameId, 6);
        }
        _programLeaf(gameId, g, op, opProof);
        // The step's last eight outputs: velocities v0…v3, then parameters p0…p3.
        bool param = tensor < 4;
        uint256 writer = header.count - (param ? 4 : 8) + (tensor % 4);
        bool symbolic = op.rows == ProgramLeaf.M_SYMBOL || op.cols == ProgramLeaf.M_SYMBOL;
        if (tensor >= STATE_TENSORS || op.index != writer || op.kind != (param ? SGD_PARAM : SGD_VELOCITY) || symbolic) {
            revert GameDataInvalid(gameId, 14);
        }
        if (chunk >= TensorMerkle.chunkCount(op.rows, op.cols)) revert GameDataInvalid(gameId, 5);
        g.tensor = tensor;
        g.chunk = chunk;
        g.rows = op.rows;
        g.cols = op.cols;
        _next(gameId, g, Phase.UpdateOpen, chunk);
    }

    /// @notice Trainer: the trajectory's ends, and the picked chunk of s_0, s_H and Δ.
    function openUpdate(
        uint256 gameId,
        Ends calldata ends,
        TensorChunk calldata start,
        TensorChunk calldata end,
        TensorChunk calldata update
    ) external {
        Game storage g = _turn(gameId, Phase.UpdateOpen);
        bytes32 first = TrajectoryLeaf.hash(g.runId, g.shard, g.round, 0, ends.start, ends.firstEnd);
        bytes32 last = TrajectoryLeaf.hash(g.runId, g.shard, g.round, g.segments - 1, ends.lastStart, ends.end);
        bool proven = MerkleProof.verifyCalldata(ends.firstProof, g.claimRoot, first);
        if (!proven || !MerkleProof.verifyCalldata(ends.lastProof, g.claimRoot, last)) revert GameDataInvalid(gameId, 3);
        g.a = _chunkOf(gameId, g, start, ends.start);
        g.b = _chunkOf(gameId, g, end, ends.end);
        g.opRoot = _chunkOf(gameId, g, update, g.updateRoot);
        emit UpdateOpened(gameId, start.data, end.data, update.data);
        _next(gameId, g, Phase.UpdateElement, 0);
    }

    /// @notice Challenger: element (i, j) of the tensor, inside the opened chunk. The trainer loses iff Δ[i][j] is
    /// not s_0[i][j] ⊖ s_H[i][j] (any NaN equals any NaN).
    function checkUpdate(uint256 gameId, bytes calldata start, bytes calldata end, bytes calldata update, uint256 i, uint256 j) external {
        Game storage g = _turn(gameId, Phase.UpdateElement);
        if (sha256(start) != g.a || sha256(end) != g.b || sha256(update) != g.opRoot) revert GameDataInvalid(gameId, 12);
        if (i >= g.rows || j >= g.cols) revert GameDataInvalid(gameId, 13);
        uint256 offset = (i * g.cols + j) * 4;
        uint256 from = uint256(g.chunk) * TensorMerkle.CHUNK_BYTES;
        if (offset < from || offset + 4 > from + update.length) revert GameDataInvalid(gameId, 13);
        uint256 at = offset - from;
        uint256 expected = prover.subtract(_wordLE(start, at), _wordLE(end, at));
        uint256 claimed = _wordLE(update, at);
        bool same = expected == claimed || (Float32.isNaN(expected) && Float32.isNaN(claimed));
        _end(gameId, g, !same, Reason.OneStep);
    }

    /// @dev Checks a chunk of tensor g.tensor of the state-shaped list under `listRoot`; returns sha256 of its bytes.
    function _chunkOf(uint256 gameId, Game storage g, TensorChunk calldata c, bytes32 listRoot) private view returns (bytes32) {
        if (TensorMerkle.rootFromItem(uint32(STATE_TENSORS), g.tensor, c.root, c.rootProof) != listRoot) revert GameDataInvalid(gameId, 9);
        if (TensorMerkle.rootFromChunk(g.rows, g.cols, g.chunk, c.data, c.proof) != c.root) revert GameDataInvalid(gameId, 12);
        return sha256(c.data);
    }
}
