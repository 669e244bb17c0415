// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IOneStepProver} from "../interfaces/IOneStepProver.sol";
import {Float32} from "./Float32.sol";

/// @title ProgramLeaf
/// @notice The leaves of a run's program tree, whose root is its `modelHash` (lib/protocol/program-commit.ts,
/// docs/PROTOCOL.md 3.10): a header per shard and one leaf per operation output, with an expert's m-dependent
/// dimensions and scalars written as M_SYMBOL; and the operation with a game's m put in their place.
library ProgramLeaf {
    uint32 internal constant M_SYMBOL = type(uint32).max;
    uint32 internal constant HEADER = type(uint32).max;

    /// @notice An operation leaf.
    struct Op {
        uint16 shard;
        uint32 index;
        uint8 kind;
        uint32 rows;
        uint32 cols;
        uint32[] scalars;
        uint32[] args;
        uint32[] argRows;
        uint32[] argCols;
        uint8[] argSources;
    }

    /// @notice A shard's program header.
    struct Header {
        uint32 inputs;
        uint32 count;
        uint32 routeCount;
    }

    /// @notice An operation leaf whose argument lists differ in length.
    error ProgramLeafMalformed();

    function opHash(Op calldata o) internal pure returns (bytes32) {
        bytes memory encoded =
            abi.encode(o.shard, o.index, o.kind, o.rows, o.cols, o.scalars, o.args, o.argRows, o.argCols, o.argSources);
        return keccak256(bytes.concat(keccak256(encoded)));
    }

    function headerHash(uint16 shard, Header calldata h) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(shard, HEADER, h.inputs, h.count, h.routeCount))));
    }

    function dim(uint32 v, uint32 m) internal pure returns (uint32) {
        return v == M_SYMBOL ? m : v;
    }

    /// @notice The operation with the routed count m in place of M_SYMBOL (dimensions m, scalars binary32 m).
    function routed(Op calldata o, uint32 m) internal pure returns (IOneStepProver.Op memory op) {
        uint256 n = o.args.length;
        if (o.argRows.length != n || o.argCols.length != n || o.argSources.length != n) revert ProgramLeafMalformed();
        op.kind = o.kind;
        op.rows = dim(o.rows, m);
        op.cols = dim(o.cols, m);
        uint32 mBits = uint32(Float32.fromInt(int256(uint256(m))));
        op.scalars = new uint32[](o.scalars.length);
        for (uint256 k = 0; k < o.scalars.length; k++) op.scalars[k] = o.scalars[k] == M_SYMBOL ? mBits : o.scalars[k];
        op.args = o.args;
        op.argSources = o.argSources;
        op.argRows = new uint32[](n);
        op.argCols = new uint32[](n);
        for (uint256 k = 0; k < n; k++) {
            op.argRows[k] = dim(o.argRows[k], m);
            op.argCols[k] = dim(o.argCols[k], m);
        }
    }
}
