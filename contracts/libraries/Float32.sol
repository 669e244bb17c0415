// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Float32
/// @notice IEEE-754 binary32 arithmetic on bit patterns, the same functions as lib/kernels/f32.ts
/// (docs/PROTOCOL.md 3.7): add, sub, mul, div correctly rounded (to nearest, ties to even; subnormals,
/// signed zeros, infinities), max, relu, gt, exp32 and log32 as the same fixed sequences of those operations.
/// Every NaN result is the canonical quiet NaN 0x7fc00000. Values are uint32 bit patterns held in uint256.
library Float32 {
    uint256 internal constant NAN = 0x7fc00000;
    uint256 internal constant INF = 0x7f800000;
    uint256 internal constant SIGN = 0x80000000;
    uint256 internal constant ONE = 0x3f800000;

    // exp32 and log32 constants (lib/kernels/f32.ts)
    uint256 private constant EXP_HI = 0x42b17218;
    uint256 private constant EXP_LO = 0xc2cff1b5;
    uint256 private constant LOG2E = 0x3fb8aa3b;
    uint256 private constant ROUNDER = 0x4b400000;
    uint256 private constant LN2_HI = 0x3f317200;
    uint256 private constant LN2_LO = 0x35bfbe8e;
    uint256 private constant SQRT2 = 0x3fb504f3;
    uint256 private constant TWO_POW_23 = 0x4b000000;
    uint256 private constant HALF = 0x3f000000;
    uint256 private constant TWO = 0x40000000;

    function isNaN(uint256 x) internal pure returns (bool) {
        return (x & 0x7fffffff) > INF;
    }

    /// @notice a > b as floats (false when either is NaN; −0 equals +0).
    function gt(uint256 a, uint256 b) internal pure returns (bool) {
        if (isNaN(a) || isNaN(b)) return false;
        return _key(a) > _key(b);
    }

    /// @notice a = b as floats (false when either is NaN; −0 equals +0).
    function eq(uint256 a, uint256 b) internal pure returns (bool) {
        if (isNaN(a) || isNaN(b)) return false;
        return _key(a) == _key(b);
    }

    /// @notice b if b > a, else a (a NaN a stays NaN, canonical).
    function max(uint256 a, uint256 b) internal pure returns (uint256) {
        if (gt(b, a)) return b;
        return isNaN(a) ? NAN : a;
    }

    /// @notice a if a > 0, else +0.
    function relu(uint256 a) internal pure returns (uint256) {
        return gt(a, 0) ? a : 0;
    }

    function add(uint256 a, uint256 b) internal pure returns (uint256) {
        // unchecked: significands have at most 24 + 100 (add), 48 (mul) or 88 (div) bits and exponents stay within ±600
        unchecked {
            if (isNaN(a) || isNaN(b)) return NAN;
            uint256 sa = a & SIGN;
            uint256 sb = b & SIGN;
            uint256 ma = a & 0x7fffffff;
            uint256 mb = b & 0x7fffffff;
            if (ma == INF) return (mb == INF && sa != sb) ? NAN : a;
            if (mb == INF) return b;
            if (ma == 0) return mb == 0 ? (sa & sb) : b; // −0 + −0 = −0, else +0; 0 + b = b
            if (mb == 0) return a;
            if (mb > ma) (a, b, sa, sb, ma, mb) = (b, a, sb, sa, mb, ma); // |a| ≥ |b|
            (uint256 siga, int256 ea) = _unpack(ma);
            (uint256 sigb, int256 eb) = _unpack(mb);
            uint256 d = uint256(ea - eb); // ≥ 0 since |a| ≥ |b|
            if (d <= 100) {
                // exact: both operands at b's exponent (at most 24 + 100 bits)
                uint256 x = siga << d;
                if (sa == sb) return _round(sa, x + sigb, eb, false);
                if (x == sigb) return 0; // x − x = +0
                return _round(sa, x - sigb, eb, false);
            }
            // |b| is below 2^−76 of an ulp of a: it only decides the rounding (three guard bits and a sticky bit)
            if (sa == sb) return _round(sa, siga << 3, ea - 3, true);
            return _round(sa, (siga << 3) - 1, ea - 3, true);
        }
    }

    function sub(uint256 a, uint256 b) internal pure returns (uint256) {
        return add(a, b ^ SIGN);
    }

    function mul(uint256 a, uint256 b) internal pure returns (uint256) {
        // unchecked: significands have at most 24 + 100 (add), 48 (mul) or 88 (div) bits and exponents stay within ±600
        unchecked {
            if (isNaN(a) || isNaN(b)) return NAN;
            uint256 s = (a ^ b) & SIGN;
            uint256 ma = a & 0x7fffffff;
            uint256 mb = b & 0x7fffffff;
            if (ma == INF || mb == INF) return (ma == 0 || mb == 0) ? NAN : s | INF;
            if (ma == 0 || mb == 0) return s;
            (uint256 siga, int256 ea) = _unpack(ma);
            (uint256 sigb, int256 eb) = _unpack(mb);
            return _round(s, siga * sigb, ea + eb, false);
        }
    }

    function div(uint256 a, uint256 b) internal pure returns (uint256) {
        // unchecked: significands have at most 24 + 100 (add), 48 (mul) or 88 (div) bits and exponents stay within ±600
        unchecked {
            if (isNaN(a) || isNaN(b)) return NAN;
            uint256 s = (a ^ b) & SIGN;
            uint256 ma = a & 0x7fffffff;
            uint256 mb = b & 0x7fffffff;
            if (ma == INF) return mb == INF ? NAN : s | INF;
            if (mb == INF) return s;
            if (mb == 0) return ma == 0 ? NAN : s | INF;
            if (ma == 0) return s;
            (uint256 siga, int256 ea) = _unpack(ma);
            (uint256 sigb, int256 eb) = _unpack(mb);
            // 64 extra bits: the quotient has at least 41 significant bits, the remainder decides the sticky bit
            uint256 num = siga << 64;
            return _round(s, num / sigb, ea - eb - 64, num % sigb != 0);
        }
    }

    /// @notice Σ_k a[k] ⊗ b[k], sequential from +0 (the matrix product's element, lib/kernels/matmul.ts), over
    /// two rows of little-endian binary32 values (the canonical tensor bytes), equally long.
    function dotLE(bytes calldata a, bytes calldata b) internal pure returns (uint256 acc) {
        // unchecked: significands have at most 24 + 100 (add), 48 (mul) or 88 (div) bits and exponents stay within ±600
        unchecked {
            uint256 n = a.length / 4;
            for (uint256 k = 0; k < n; k++) {
                acc = add(acc, mul(wordLE(a, k), wordLE(b, k)));
            }
        }
    }

    /// @notice Element k of a row of little-endian binary32 values.
    function wordLE(bytes calldata row, uint256 k) internal pure returns (uint256 w) {
        uint256 word = uint32(bytes4(row[4 * k:4 * k + 4])); // big-endian read of 4 bytes → reverse the byte order
        w = ((word & 0xff) << 24) | ((word & 0xff00) << 8) | ((word >> 8) & 0xff00) | (word >> 24);
    }

    /// @notice The binary32 value of a small integer (|n| < 2^24: exact).
    function fromInt(int256 n) internal pure returns (uint256) {
        if (n == 0) return 0;
        return n < 0 ? _round(SIGN, uint256(-n), 0, false) : _round(0, uint256(n), 0, false);
    }

    /// @notice 2^k for −126 ≤ k ≤ 127.
    function pow2(int256 k) internal pure returns (uint256) {
        return uint256(k + 127) << 23;
    }

    /// @notice e^x as lib/kernels/f32.ts exp32 computes it.
    function exp32(uint256 x) internal pure returns (uint256) {
        if (isNaN(x)) return NAN;
        if (gt(x, EXP_HI)) return INF;
        if (gt(EXP_LO, x)) return 0;
        uint256 kf = sub(add(mul(x, LOG2E), ROUNDER), ROUNDER);
        uint256 r = sub(sub(x, mul(kf, LN2_HI)), mul(kf, LN2_LO));
        uint256 p = 0x39500d01; // 1/5040
        p = add(mul(p, r), 0x3ab60b61); // 1/720
        p = add(mul(p, r), 0x3c088889); // 1/120
        p = add(mul(p, r), 0x3d2aaaab); // 1/24
        p = add(mul(p, r), 0x3e2aaaab); // 1/6
        p = add(mul(p, r), HALF);
        p = add(mul(p, r), ONE);
        p = add(mul(p, r), ONE);
        int256 k = _toInt(kf);
        if (k > 127) return mul(mul(p, pow2(127)), pow2(k - 127));
        if (k < -126) return mul(mul(p, pow2(k + 64)), pow2(-64));
        return mul(p, pow2(k));
    }

    /// @notice ln x as lib/kernels/f32.ts log32 computes it.
    function log32(uint256 x) internal pure returns (uint256) {
        if (isNaN(x) || (x & SIGN != 0 && x != SIGN)) return NAN;
        if (x & 0x7fffffff == 0) return SIGN | INF;
        if (x == INF) return INF;
        int256 e = 0;
        uint256 bits = x;
        if (bits >> 23 == 0) {
            bits = mul(x, TWO_POW_23);
            e = -23;
        }
        e += int256(bits >> 23) - 127;
        uint256 m = (bits & 0x7fffff) | ONE;
        if (m > SQRT2) {
            m = mul(m, HALF);
            e += 1;
        }
        uint256 f = sub(m, ONE);
        uint256 s = div(f, add(TWO, f));
        uint256 z = mul(s, s);
        uint256 q = 0x3de38e39; // 1/9
        q = add(mul(q, z), 0x3e124925); // 1/7
        q = add(mul(q, z), 0x3e4ccccd); // 1/5
        q = add(mul(q, z), 0x3eaaaaab); // 1/3
        q = add(mul(q, z), ONE);
        uint256 lnm = mul(add(s, s), q);
        uint256 ef = fromInt(e);
        return add(mul(ef, LN2_HI), add(mul(ef, LN2_LO), lnm));
    }

    /// @dev A key that orders non-NaN floats as integers (−0 and +0 equal).
    function _key(uint256 x) private pure returns (int256) {
        int256 m = int256(x & 0x7fffffff);
        return x & SIGN != 0 ? -m : m;
    }

    /// @dev |x| (finite, nonzero) as significand × 2^exponent.
    function _unpack(uint256 m) private pure returns (uint256 sig, int256 e) {
        // unchecked: significands have at most 24 + 100 (add), 48 (mul) or 88 (div) bits and exponents stay within ±600
        unchecked {
            uint256 biased = m >> 23;
            if (biased == 0) return (m, -149);
            return ((m & 0x7fffff) | 0x800000, int256(biased) - 150);
        }
    }

    /// @dev The value of an integer-valued float (|x| < 2^31).
    function _toInt(uint256 x) private pure returns (int256) {
        uint256 m = x & 0x7fffffff;
        if (m == 0) return 0;
        (uint256 sig, int256 e) = _unpack(m);
        int256 v = e >= 0 ? int256(sig << uint256(e)) : int256(sig >> uint256(-e));
        return x & SIGN != 0 ? -v : v;
    }

    /// @dev Rounds sign × (sig + (sticky ? a fraction in (0, 1) : 0)) × 2^e to binary32, to nearest, ties to even.
    function _round(uint256 sign, uint256 sig, int256 e, bool sticky) private pure returns (uint256) {
        // unchecked: significands have at most 24 + 100 (add), 48 (mul) or 88 (div) bits and exponents stay within ±600
        unchecked {
            if (sig == 0 && !sticky) return sign;
            int256 exp = e + int256(_bitLength(sig)) - 24; // the exponent giving a 24-bit significand
            if (exp < -149) exp = -149; // subnormal: the last place is 2^−149
            uint256 r;
            if (exp <= e) {
                r = sig << uint256(e - exp); // exact (only when sig has fewer than 24 bits)
            } else {
                uint256 shift = uint256(exp - e);
                if (shift > 255) {
                    r = 0;
                    sticky = sticky || sig != 0; // far below half of the last place: rounds to zero
                } else {
                    r = sig >> shift;
                    uint256 rest = sig & ((uint256(1) << shift) - 1);
                    uint256 half = uint256(1) << (shift - 1);
                    if (rest > half || (rest == half && (sticky || r & 1 == 1))) r += 1;
                }
            }
            if (r == 1 << 24) {
                r >>= 1;
                exp += 1;
            }
            if (r < 1 << 23) return sign | r; // subnormal or zero (exp is −149)
            int256 biased = exp + 150;
            if (biased >= 255) return sign | INF;
            return sign | (uint256(biased) << 23) | (r & 0x7fffff);
        }
    }

    function _bitLength(uint256 x) private pure returns (uint256 n) {
        // unchecked: significands have at most 24 + 100 (add), 48 (mul) or 88 (div) bits and exponents stay within ±600
        unchecked {
            if (x >> 128 != 0) {
                x >>= 128;
                n += 128;
            }
            if (x >> 64 != 0) {
                x >>= 64;
                n += 64;
            }
            if (x >> 32 != 0) {
                x >>= 32;
                n += 32;
            }
            if (x >> 16 != 0) {
                x >>= 16;
                n += 16;
            }
            if (x >> 8 != 0) {
                x >>= 8;
                n += 8;
            }
            if (x >> 4 != 0) {
                x >>= 4;
                n += 4;
            }
            if (x >> 2 != 0) {
                x >>= 2;
                n += 2;
            }
            if (x >> 1 != 0) {
                x >>= 1;
                n += 1;
            }
            return n + x;
        }
    }
}
