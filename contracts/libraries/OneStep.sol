// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Float32} from "./Float32.sol";

/// @title OneStep
/// @notice One output element of one operation of a reference step (docs/PROTOCOL.md 3.8), from the rows of
/// its arguments: the on-chain mirror of lib/kernels/element.ts, kind by kind, in the same binary32 arithmetic
/// (Float32.sol). The caller opens each row against its tensor's commitment (TensorMerkle); this library
/// checks that the rows given are the ones the element reads, and computes it.
library OneStep {
    /// @notice A row of an operation's argument: which argument (index into the operation's arguments), which row,
    /// and its values as little-endian binary32 bytes.
    struct ArgRow {
        uint256 arg;
        uint256 row;
        bytes data;
    }

    /// @notice The rows given are not the ones the element reads (position `read` in the list).
    error OneStepReadInvalid(uint256 read, uint256 arg, uint256 row);
    /// @notice The operation kind is not one of docs/PROTOCOL.md 3.8.
    error OneStepKindUnknown(uint8 kind);

    // Kind codes: the order of OP_KINDS in lib/kernels/program.ts.
    uint8 internal constant TRANSPOSE = 0;
    uint8 internal constant MATMUL_NT = 1;
    uint8 internal constant ADD_ROW = 2;
    uint8 internal constant ADD = 3;
    uint8 internal constant RELU = 4;
    uint8 internal constant RELU_GRAD = 5;
    uint8 internal constant ROW_MAX = 6;
    uint8 internal constant ROW_SUM = 7;
    uint8 internal constant ROW_SUM_T = 8;
    uint8 internal constant ROW_ARGMAX_T = 9;
    uint8 internal constant SUB_COL = 10;
    uint8 internal constant DIV_COL = 11;
    uint8 internal constant EXP = 12;
    uint8 internal constant LOG = 13;
    uint8 internal constant PICK_LABEL = 14;
    uint8 internal constant CONCAT_COLS = 15;
    uint8 internal constant NEG_DIV = 16;
    uint8 internal constant DIV_SCALAR = 17;
    uint8 internal constant KL_GRAD = 18;
    uint8 internal constant ADD_SCALED_ROW = 19;
    uint8 internal constant SUB_SCALED_COL = 20;
    uint8 internal constant XENT_GRAD = 21;
    uint8 internal constant SELECT_INDEX = 22;
    uint8 internal constant GATHER_ROWS = 23;
    uint8 internal constant SGD_VELOCITY = 24;
    uint8 internal constant SGD_PARAM = 25;

    /// @notice Element (i, j) of an operation of kind `kind` with binary32 `scalars`, from `reads` (the rows it
    /// reads, in the order element.ts reads them). Reverts OneStepReadInvalid when a read is not the row needed.
    /// `argRows` are the row counts of the operation's arguments (only gatherRows needs them: an index past them is NaN).
    function element(uint8 kind, uint256[] calldata scalars, uint256 i, uint256 j, ArgRow[] calldata reads, uint256[] calldata argRows)
        internal
        pure
        returns (uint256)
    {
        if (kind == TRANSPOSE) return _at(_need(reads, 0, 0, j), i);
        if (kind == MATMUL_NT) {
            bytes calldata a = _need(reads, 0, 0, i);
            bytes calldata b = _need(reads, 1, 1, j);
            if (a.length != b.length) revert OneStepReadInvalid(1, 1, j);
            return Float32.dotLE(a, b);
        }
        if (kind == ADD_ROW) return Float32.add(_at(_need(reads, 0, 0, i), j), _at(_need(reads, 1, 1, 0), j));
        if (kind == ADD) return Float32.add(_at(_need(reads, 0, 0, i), j), _at(_need(reads, 1, 1, i), j));
        if (kind == RELU) return Float32.relu(_at(_need(reads, 0, 0, i), j));
        if (kind == RELU_GRAD) {
            uint256 p = _at(_need(reads, 0, 0, i), j);
            return Float32.gt(p, 0) ? _at(_need(reads, 1, 1, i), j) : 0;
        }
        if (kind == ROW_MAX) return _rowMax(_need(reads, 0, 0, i));
        if (kind == ROW_SUM) return _rowSum(_need(reads, 0, 0, i));
        if (kind == ROW_SUM_T) return _rowSum(_need(reads, 0, 0, j));
        if (kind == ROW_ARGMAX_T) return _rowArgmax(_need(reads, 0, 0, j));
        if (kind == SUB_COL) return Float32.sub(_at(_need(reads, 0, 0, i), j), _at(_need(reads, 1, 1, i), 0));
        if (kind == DIV_COL) return Float32.div(_at(_need(reads, 0, 0, i), j), _at(_need(reads, 1, 1, i), 0));
        if (kind == EXP) return Float32.exp32(_at(_need(reads, 0, 0, i), j));
        if (kind == LOG) return Float32.log32(_at(_need(reads, 0, 0, i), j));
        return _element2(kind, scalars, i, j, reads, argRows);
    }

    function _element2(uint8 kind, uint256[] calldata scalars, uint256 i, uint256 j, ArgRow[] calldata reads, uint256[] calldata argRows)
        private
        pure
        returns (uint256)
    {
        if (kind == PICK_LABEL) {
            uint256 label = _at(_need(reads, 0, 1, i), 0); // element.ts reads the label, then the row
            bytes calldata a = _need(reads, 1, 0, i);
            (bool ok, uint256 y) = _index(label, a.length / 4);
            return ok ? _at(a, y) : Float32.NAN;
        }
        if (kind == CONCAT_COLS) return _at(_need(reads, 0, j, i), 0);
        if (kind == NEG_DIV) return Float32.div(Float32.sub(0, _at(_need(reads, 0, 0, i), j)), scalars[0]);
        if (kind == DIV_SCALAR) return Float32.div(_at(_need(reads, 0, 0, i), j), scalars[0]);
        if (kind == KL_GRAD) {
            uint256 p = _at(_need(reads, 0, 0, 0), j);
            uint256 t = Float32.add(p, scalars[1]);
            return Float32.div(Float32.mul(scalars[0], Float32.add(Float32.log32(t), Float32.div(p, t))), scalars[2]);
        }
        if (kind == ADD_SCALED_ROW) {
            uint256 a = _at(_need(reads, 0, 0, i), j);
            uint256 v = _at(_need(reads, 1, 1, 0), j);
            return Float32.add(a, Float32.mul(v, _at(_need(reads, 2, 2, i), j)));
        }
        if (kind == SUB_SCALED_COL) {
            uint256 a = _at(_need(reads, 0, 0, i), j);
            uint256 b = _at(_need(reads, 1, 1, i), j);
            return Float32.sub(a, Float32.mul(b, _at(_need(reads, 2, 2, i), 0)));
        }
        if (kind == XENT_GRAD) {
            uint256 q = Float32.div(_at(_need(reads, 0, 0, i), j), _at(_need(reads, 1, 1, i), 0));
            (bool ok, uint256 y) = _index(_at(_need(reads, 2, 2, i), 0), type(uint256).max);
            if (ok && y == j) q = Float32.sub(q, Float32.ONE);
            return Float32.div(q, scalars[0]);
        }
        if (kind == SELECT_INDEX) return _select(_need(reads, 0, 0, 0), scalars[0], j);
        if (kind == GATHER_ROWS) {
            (bool ok, uint256 r) = _index(_at(_need(reads, 0, 1, 0), i), argRows[0]);
            if (!ok) return Float32.NAN;
            return _at(_need(reads, 1, 0, r), j);
        }
        if (kind == SGD_VELOCITY) {
            uint256 v = _at(_need(reads, 0, 0, i), j);
            return Float32.add(Float32.mul(scalars[0], v), _at(_need(reads, 1, 1, i), j));
        }
        if (kind == SGD_PARAM) {
            uint256 p = _at(_need(reads, 0, 0, i), j);
            return Float32.sub(p, Float32.mul(scalars[0], _at(_need(reads, 1, 1, i), j)));
        }
        revert OneStepKindUnknown(kind);
    }

    /// @dev Read number `k` must be row `row` of argument `arg`; returns its data.
    function _need(ArgRow[] calldata reads, uint256 k, uint256 arg, uint256 row) private pure returns (bytes calldata) {
        if (k >= reads.length || reads[k].arg != arg || reads[k].row != row) revert OneStepReadInvalid(k, arg, row);
        return reads[k].data;
    }

    /// @dev Value k of a row; a column past the row's end reverts (the caller gave a row of the wrong shape).
    function _at(bytes calldata row, uint256 k) private pure returns (uint256) {
        if (k >= row.length / 4) revert OneStepReadInvalid(type(uint256).max, k, row.length);
        return Float32.wordLE(row, k);
    }

    /// @dev An index read from data: an exact binary32 integer below `n`.
    function _index(uint256 x, uint256 n) private pure returns (bool, uint256) {
        if (x & 0x7fffffff == 0) return (n > 0, 0); // ±0
        if (x >> 31 != 0 || (x >> 23) >= 0xff) return (false, 0); // negative, ±∞ or NaN
        uint256 e = x >> 23; // biased exponent ≥ 1: value = (mantissa | 2^23) · 2^(e − 150)
        if (e < 127) return (false, 0); // 0 < value < 1
        uint256 sig = (x & 0x7fffff) | 0x800000;
        if (e >= 150) {
            if (e - 150 > 40) return (false, 0);
            uint256 v = sig << (e - 150);
            return (v < n, v);
        }
        uint256 shift = 150 - e;
        if (sig & ((uint256(1) << shift) - 1) != 0) return (false, 0); // a fraction
        uint256 w = sig >> shift;
        return (w < n, w);
    }

    function _rowMax(bytes calldata row) private pure returns (uint256 m) {
        uint256 n = row.length / 4;
        m = _at(row, 0);
        for (uint256 k = 1; k < n; k++) m = Float32.max(m, Float32.wordLE(row, k));
    }

    function _rowSum(bytes calldata row) private pure returns (uint256 s) {
        uint256 n = row.length / 4;
        for (uint256 k = 0; k < n; k++) s = Float32.add(s, Float32.wordLE(row, k));
    }

    function _rowArgmax(bytes calldata row) private pure returns (uint256) {
        uint256 n = row.length / 4;
        uint256 best = 0;
        uint256 bestValue = _at(row, 0);
        for (uint256 k = 1; k < n; k++) {
            uint256 v = Float32.wordLE(row, k);
            if (Float32.gt(v, bestValue)) {
                best = k;
                bestValue = v;
            }
        }
        return Float32.fromInt(int256(best));
    }

    /// @dev The j-th index r (from 0) with row[r] = e (as floats), or NaN when there are fewer matches.
    function _select(bytes calldata row, uint256 e, uint256 j) private pure returns (uint256) {
        uint256 n = row.length / 4;
        uint256 seen = 0;
        for (uint256 r = 0; r < n; r++) {
            if (Float32.eq(Float32.wordLE(row, r), e)) {
                if (seen == j) return Float32.fromInt(int256(r));
                seen++;
            }
        }
        return Float32.NAN;
    }
}
