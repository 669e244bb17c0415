import { encodePacked, keccak256 } from "viem";

// Which segments a partial cheater corrupts (the model `npm run bench:detection` measures audits against),
// and the float32 clamp the update attacks share.

const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Segment `segment` of round `round` is corrupted iff keccak256(seed, round, segment), read as a fraction
 * in [0, 1) from its first 48 bits, is below `fraction`; fraction 1 corrupts every segment.
 */
export function isCorrupted(seed: number, round: bigint, segment: number, fraction: number): boolean {
  const h = keccak256(encodePacked(["uint32", "uint64", "uint32"], [seed >>> 0, round, segment >>> 0]));
  return Number.parseInt(h.slice(2, 14), 16) / 2 ** 48 < fraction;
}

/** The nearest finite float32 (±FLOAT32_MAX past the range; NaN, which finite inputs cannot give, to 0). */
export function finite32(x: number): number {
  if (Number.isNaN(x)) return 0;
  return Math.max(-FLOAT32_MAX, Math.min(FLOAT32_MAX, x));
}
