// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IOneStepProver} from "./interfaces/IOneStepProver.sol";
import {BatchIndices} from "./libraries/BatchIndices.sol";
import {Float32} from "./libraries/Float32.sol";
import {OneStep} from "./libraries/OneStep.sol";
import {TensorMerkle} from "./libraries/TensorMerkle.sol";

// Assembly here: comparing calldata words, the pixel table lookups, and reading calldata arrays as the types
// OneStep takes (each block says why that is sound).
/* solhint-disable no-inline-assembly */

/// @title OneStepProver
/// @notice The leaf of the dispute game (docs/PROTOCOL.md 7.1): element (i, j) of one operation of a reference step,
/// recomputed by OneStep.sol from the rows it reads once each row is opened. A trace argument's row is opened by its
/// tensor's root (an item of the step's trace list) and the consecutive 8 KiB chunks that hold the row (TensorMerkle);
/// a batch argument's row (x: pixels, y: labels) by the dataset example that row of the step's batch must be
/// (BatchIndices) and its proof against the run's dataset root, the row's values derived from the example's bytes
/// as lib/ml/mnist.ts derives them (pixel p is the binary32 p / 255, a label its integer value).
contract OneStepProver is IOneStepProver {
    /// @notice Where an argument's rows come from (Op.argSources): the step's trace, or the batch's pixels or labels.
    uint8 public constant SOURCE_TRACE = 0;
    uint8 public constant SOURCE_PIXELS = 1;
    uint8 public constant SOURCE_LABELS = 2;

    uint256 private constant IMAGE_SIZE = 784;
    uint256 private constant EXAMPLE_BYTES = 1 + IMAGE_SIZE; // label, then the pixels (lib/ml/dataset-root.ts)
    uint256 private constant CHUNK = TensorMerkle.CHUNK_BYTES;

    /// @dev Entry p (4 bytes, little-endian) is the binary32 of p / 255, rounded to nearest: Math.fround(p / 255),
    /// as lib/ml/mnist.ts scales a pixel (test/contracts/one-step-prover.test.ts checks every entry).
    bytes private constant PIXEL_LE =
        hex"000000008180803b8180003cc1c0403c8180803ca1a0a03cc1c0c03ce1e0e03c"
        hex"8180003d9190103da1a0203db1b0303dc1c0403dd1d0503de1e0603df1f0703d"
        hex"8180803d8988883d9190903d9998983da1a0a03da9a8a83db1b0b03db9b8b83d"
        hex"c1c0c03dc9c8c83dd1d0d03dd9d8d83de1e0e03de9e8e83df1f0f03df9f8f83d"
        hex"8180003e8584043e8988083e8d8c0c3e9190103e9594143e9998183e9d9c1c3e"
        hex"a1a0203ea5a4243ea9a8283eadac2c3eb1b0303eb5b4343eb9b8383ebdbc3c3e"
        hex"c1c0403ec5c4443ec9c8483ecdcc4c3ed1d0503ed5d4543ed9d8583edddc5c3e"
        hex"e1e0603ee5e4643ee9e8683eedec6c3ef1f0703ef5f4743ef9f8783efdfc7c3e"
        hex"8180803e8382823e8584843e8786863e8988883e8b8a8a3e8d8c8c3e8f8e8e3e"
        hex"9190903e9392923e9594943e9796963e9998983e9b9a9a3e9d9c9c3e9f9e9e3e"
        hex"a1a0a03ea3a2a23ea5a4a43ea7a6a63ea9a8a83eabaaaa3eadacac3eafaeae3e"
        hex"b1b0b03eb3b2b23eb5b4b43eb7b6b63eb9b8b83ebbbaba3ebdbcbc3ebfbebe3e"
        hex"c1c0c03ec3c2c23ec5c4c43ec7c6c63ec9c8c83ecbcaca3ecdcccc3ecfcece3e"
        hex"d1d0d03ed3d2d23ed5d4d43ed7d6d63ed9d8d83edbdada3edddcdc3edfdede3e"
        hex"e1e0e03ee3e2e23ee5e4e43ee7e6e63ee9e8e83eebeaea3eedecec3eefeeee3e"
        hex"f1f0f03ef3f2f23ef5f4f43ef7f6f63ef9f8f83efbfafa3efdfcfc3efffefe3e"
        hex"8180003f8281013f8382023f8483033f8584043f8685053f8786063f8887073f"
        hex"8988083f8a89093f8b8a0a3f8c8b0b3f8d8c0c3f8e8d0d3f8f8e0e3f908f0f3f"
        hex"9190103f9291113f9392123f9493133f9594143f9695153f9796163f9897173f"
        hex"9998183f9a99193f9b9a1a3f9c9b1b3f9d9c1c3f9e9d1d3f9f9e1e3fa09f1f3f"
        hex"a1a0203fa2a1213fa3a2223fa4a3233fa5a4243fa6a5253fa7a6263fa8a7273f"
        hex"a9a8283faaa9293fabaa2a3facab2b3fadac2c3faead2d3fafae2e3fb0af2f3f"
        hex"b1b0303fb2b1313fb3b2323fb4b3333fb5b4343fb6b5353fb7b6363fb8b7373f"
        hex"b9b8383fbab9393fbbba3a3fbcbb3b3fbdbc3c3fbebd3d3fbfbe3e3fc0bf3f3f"
        hex"c1c0403fc2c1413fc3c2423fc4c3433fc5c4443fc6c5453fc7c6463fc8c7473f"
        hex"c9c8483fcac9493fcbca4a3fcccb4b3fcdcc4c3fcecd4d3fcfce4e3fd0cf4f3f"
        hex"d1d0503fd2d1513fd3d2523fd4d3533fd5d4543fd6d5553fd7d6563fd8d7573f"
        hex"d9d8583fdad9593fdbda5a3fdcdb5b3fdddc5c3fdedd5d3fdfde5e3fe0df5f3f"
        hex"e1e0603fe2e1613fe3e2623fe4e3633fe5e4643fe6e5653fe7e6663fe8e7673f"
        hex"e9e8683feae9693febea6a3feceb6b3fedec6c3feeed6d3fefee6e3ff0ef6f3f"
        hex"f1f0703ff2f1713ff3f2723ff4f3733ff5f4743ff6f5753ff7f6763ff8f7773f"
        hex"f9f8783ffaf9793ffbfa7a3ffcfb7b3ffdfc7c3ffefd7d3ffffe7e3f0000803f"
;

    /// @notice The element (i, j) is not in the operation's rows × cols output.
    error ElementOutOfShape(uint256 i, uint256 j);
    /// @notice The operation's argument lists differ in length, or a scalar or row count does not fit 32 bits.
    error OpMalformed();

    /// @inheritdoc IOneStepProver
    function subtract(uint256 a, uint256 b) external pure returns (uint256) {
        return Float32.sub(a, b);
    }

    /// @inheritdoc IOneStepProver
    function valueOf(Context calldata ctx, Op calldata op, uint256 i, uint256 j, RowOpening[] calldata reads)
        external
        pure
        returns (uint256 bits)
    {
        uint256 n = op.args.length;
        if (op.argRows.length != n || op.argCols.length != n || op.argSources.length != n) revert OpMalformed();
        if (i >= op.rows || j >= op.cols) revert ElementOutOfShape(i, j);
        for (uint256 q = 0; q < reads.length; q++) {
            uint256 free = _freeMemory();
            if (!_opens(ctx, op, reads[q])) revert RowOpeningInvalid(q);
            _releaseMemory(free); // what an opening allocated (chunk copies for hashing) is not read again
        }
        return OneStep.element(op.kind, _words(op.scalars), i, j, _argRows(reads), _words(op.argRows));
    }

    /// @dev Whether read `r` opens against `ctx` as a row of its argument.
    function _opens(Context calldata ctx, Op calldata op, RowOpening calldata r) private pure returns (bool) {
        uint256 arg = r.arg;
        if (arg >= op.args.length || r.row >= op.argRows[arg]) return false;
        uint8 source = op.argSources[arg];
        uint32 cols = op.argCols[arg];
        if (source == SOURCE_TRACE) return _opensTrace(ctx, op.args[arg], op.argRows[arg], cols, r);
        if (source == SOURCE_PIXELS) return cols == IMAGE_SIZE && _opensExample(ctx, r) && _isPixelRow(r.data, r.example);
        if (source == SOURCE_LABELS) {
            return cols == 1 && _opensExample(ctx, r) && r.data.length == 4
                && Float32.wordLE(r.data, 0) == Float32.fromInt(int256(uint256(uint8(r.example[0]))));
        }
        return false;
    }

    /// @dev Row r.row of trace tensor t (rows × cols): its root is item t of the trace list, and r.chunks are the
    /// consecutive chunks that hold bytes [row·cols·4, (row + 1)·cols·4), in order, whose bytes there are r.data.
    function _opensTrace(Context calldata ctx, uint256 t, uint32 rows, uint32 cols, RowOpening calldata r) private pure returns (bool) {
        uint32 count = ctx.traceCount;
        if (t >= count || r.rootProof.length != TensorMerkle.depth(count)) return false;
        if (TensorMerkle.rootFromItem(count, t, r.root, r.rootProof) != ctx.traceRoot) return false;
        uint256 rowBytes = uint256(cols) * 4;
        if (rowBytes == 0 || r.data.length != rowBytes) return false;
        uint256 start = r.row * rowBytes; // row < rows, so the row lies inside the tensor
        uint256 end = start + rowBytes;
        uint256 first = start / CHUNK;
        if (r.chunks.length != (end - 1) / CHUNK - first + 1) return false;
        uint256 total = uint256(rows) * cols * 4;
        uint256 proofLength = TensorMerkle.depth(TensorMerkle.chunkCount(rows, cols));
        for (uint256 c = 0; c < r.chunks.length; c++) {
            ChunkOpening calldata chunk = r.chunks[c];
            uint256 index = first + c;
            uint256 base = index * CHUNK;
            uint256 size = total - base < CHUNK ? total - base : CHUNK;
            if (chunk.index != index || chunk.data.length != size || chunk.proof.length != proofLength) return false;
            uint256 from = start > base ? start : base;
            uint256 to = end < base + size ? end : base + size;
            if (!_sameBytes(r.data, from - start, chunk.data, from - base, to - from)) return false;
            if (TensorMerkle.rootFromChunk(rows, cols, index, chunk.data, chunk.proof) != r.root) return false;
        }
        return true;
    }

    /// @dev r.example is the dataset example that row r.row of the step's batch is.
    function _opensExample(Context calldata ctx, RowOpening calldata r) private pure returns (bool) {
        uint32 size = ctx.datasetSize;
        if (r.example.length != EXAMPLE_BYTES || size == 0 || r.exampleProof.length != TensorMerkle.depth(size)) return false;
        uint256 index = BatchIndices.indexAt(ctx.batchBase, r.row, 0, size);
        return TensorMerkle.rootFromItem(size, index, sha256(r.example), r.exampleProof) == ctx.datasetRoot;
    }

    /// @dev data is the 784 little-endian binary32 values p / 255 of the example's pixels p.
    function _isPixelRow(bytes calldata data, bytes calldata example) private pure returns (bool same) {
        if (data.length != IMAGE_SIZE * 4) return false;
        bytes memory table = PIXEL_LE;
        assembly ("memory-safe") {
            let tab := add(table, 32)
            let pixels := add(example.offset, 1)
            same := 1
            // word w of data holds values 8w … 8w + 7: the entries of pixels 8w … 8w + 7, in order
            for { let w := 0 } lt(w, 3136) { w := add(w, 32) } {
                let p := calldataload(add(pixels, shr(2, w))) // its first 8 bytes are the 8 pixels
                // entry k of the table (its 4 bytes, in data's byte order) is the word at tab + 4k, shifted down
                let v := shl(224, shr(224, mload(add(tab, shl(2, byte(0, p))))))
                v := or(v, shl(192, shr(224, mload(add(tab, shl(2, byte(1, p)))))))
                v := or(v, shl(160, shr(224, mload(add(tab, shl(2, byte(2, p)))))))
                v := or(v, shl(128, shr(224, mload(add(tab, shl(2, byte(3, p)))))))
                v := or(v, shl(96, shr(224, mload(add(tab, shl(2, byte(4, p)))))))
                v := or(v, shl(64, shr(224, mload(add(tab, shl(2, byte(5, p)))))))
                v := or(v, shl(32, shr(224, mload(add(tab, shl(2, byte(6, p)))))))
                v := or(v, shr(224, mload(add(tab, shl(2, byte(7, p))))))
                if iszero(eq(v, calldataload(add(data.offset, w)))) {
                    same := 0
                    break
                }
            }
        }
    }

    /// @dev a[ao, ao + n) = b[bo, bo + n), 32 bytes at a time (the caller keeps both ranges inside a and b).
    function _sameBytes(bytes calldata a, uint256 ao, bytes calldata b, uint256 bo, uint256 n) private pure returns (bool same) {
        assembly ("memory-safe") {
            let pa := add(a.offset, ao)
            let pb := add(b.offset, bo)
            let whole := and(n, not(31))
            same := 1
            for { let k := 0 } lt(k, whole) { k := add(k, 32) } {
                if iszero(eq(calldataload(add(pa, k)), calldataload(add(pb, k)))) {
                    same := 0
                    break
                }
            }
            let tail := and(n, 31)
            if and(same, gt(tail, 0)) {
                let mask := not(shr(shl(3, tail), not(0))) // the first `tail` bytes of a word
                same := eq(and(calldataload(add(pa, whole)), mask), and(calldataload(add(pb, whole)), mask))
            }
        }
    }

    /// @dev RowOpening begins with ArgRow's three fields (uint256 arg, uint256 row, bytes data), so in the ABI
    /// encoding each RowOpening's head starts as an ArgRow's (the offset of data is relative to the struct's start
    /// in both): the same calldata array read as ArgRow[] gives OneStep each read's (arg, row, data).
    function _argRows(RowOpening[] calldata reads) private pure returns (OneStep.ArgRow[] calldata rows) {
        assembly ("memory-safe") {
            rows.offset := reads.offset
            rows.length := reads.length
        }
    }

    /// @dev A uint32[] read as the uint256[] OneStep takes (the same ABI words), once every word fits 32 bits.
    function _words(uint32[] calldata a) private pure returns (uint256[] calldata w) {
        bool clean = true;
        assembly ("memory-safe") {
            for { let k := 0 } lt(k, a.length) { k := add(k, 1) } {
                if shr(32, calldataload(add(a.offset, shl(5, k)))) { clean := 0 }
            }
            w.offset := a.offset
            w.length := a.length
        }
        if (!clean) revert OpMalformed();
    }

    function _freeMemory() private pure returns (uint256 free) {
        assembly ("memory-safe") {
            free := mload(0x40)
        }
    }

    function _releaseMemory(uint256 free) private pure {
        assembly ("memory-safe") {
            mstore(0x40, free)
        }
    }
}
