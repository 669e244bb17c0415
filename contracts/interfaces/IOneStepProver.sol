// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IOneStepProver
/// @notice The leaf of the dispute game (docs/PROTOCOL.md 7.1): one output element of one operation of a
/// reference step recomputed from rows opened against agreed commitments: the step's trace (3.9) for inputs
/// and earlier outputs, the run's dataset root for the batch. Stateless; DisputeGame calls it.
interface IOneStepProver {
    /// @notice One operation as the program tree commits it (lib/protocol/program-commit.ts), with the routed
    /// count m already put in place of the m-dependent dimensions and scalars.
    struct Op {
        uint8 kind; // OneStep kind code (OP_KINDS order)
        uint32 rows;
        uint32 cols;
        uint32[] scalars; // binary32 bits
        uint32[] args; // tensor indices in the trace list
        uint32[] argRows;
        uint32[] argCols;
        uint8[] argSources; // SOURCE_TRACE, SOURCE_PIXELS or SOURCE_LABELS
    }

    /// @notice One chunk of a tensor (8 KiB of its little-endian binary32 bytes) and its proof.
    struct ChunkOpening {
        uint32 index;
        bytes data;
        bytes32[] proof;
    }

    /// @notice One row the element reads, in the order lib/kernels/element.ts reads them, with what opens it:
    /// for a trace argument, the argument tensor's root (item args[arg] of the trace list) with its list proof and
    /// the chunks that hold the row; for a batch argument, the dataset example (785 bytes: label, 784 pixels)
    /// with its list proof against the dataset root.
    struct RowOpening {
        uint256 arg; // index into op.args
        uint256 row;
        bytes data; // the row's binary32 bytes, little-endian
        bytes32 root;
        bytes32[] rootProof;
        ChunkOpening[] chunks;
        bytes example;
        bytes32[] exampleProof;
    }

    /// @notice What the rows are opened against.
    struct Context {
        bytes32 traceRoot; // list root of the step's tensor roots
        uint32 traceCount; // tensors in the trace list
        bytes32 datasetRoot;
        uint32 datasetSize; // examples under the dataset root; batch indices are drawn from [0, datasetSize)
        bytes32 batchBase; // BatchIndices.batchSeed(roundSeed, trainer, shard, local step)
    }

    /// @notice A row does not open against its commitment (position `read` in the list).
    error RowOpeningInvalid(uint256 read);

    /// @notice a ⊖ b in binary32 (bits in, bits out): the update game's one element, here so that the game's own
    /// bytecode carries no float arithmetic.
    function subtract(uint256 a, uint256 b) external pure returns (uint256);

    /// @notice Element (i, j) of `op`, recomputed from `reads` (each opened against `ctx`), as binary32 bits.
    function valueOf(Context calldata ctx, Op calldata op, uint256 i, uint256 j, RowOpening[] calldata reads)
        external
        view
        returns (uint256 bits);
}
