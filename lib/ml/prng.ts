// A tiny seeded PRNG (splitmix32) in exact 32-bit integer arithmetic: the same seed gives the same
// sequence on every JavaScript engine, so every peer derives the same initial weights.

/** Mixes a 32-bit state once (the splitmix32 finaliser); a pure function of its argument. */
export function mix32(x: number): number {
  let t = (x + 0x9e3779b9) | 0;
  t = Math.imul(t ^ (t >>> 16), 0x21f0aaad);
  t = Math.imul(t ^ (t >>> 15), 0x735a2d97);
  return (t ^ (t >>> 15)) >>> 0;
}

/** FNV-1a over the UTF-16 code units of `text`, mixed with `seed`: derives a sub-seed per shard name. */
export function deriveSeed(seed: number, text: string): number {
  let h = (0x811c9dc5 ^ mix32(seed >>> 0)) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  }
  return mix32(h);
}

/** A splitmix32 stream. */
export class SplitMix32 {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Next uniform unsigned 32-bit integer. */
  nextUint32(): number {
    const out = mix32(this.state);
    this.state = (this.state + 0x9e3779b9) >>> 0;
    return out;
  }

  /** Uniform in [0, 1) on a 2^-24 grid (exact in float32). */
  nextFloat(): number {
    return (this.nextUint32() >>> 8) / 16_777_216;
  }

  /** Uniform integer in [0, n), n ≤ 2^32, without modulo bias (rejection sampling). */
  nextBelow(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 2 ** 32) throw new RangeError(`nextBelow: bad bound ${n}`);
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const u = this.nextUint32();
      if (u < limit) return u % n;
    }
  }
}
