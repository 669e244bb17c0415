import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { centeredClip, mean } from "../../lib/core/index.ts";

/** Deterministic PRNG (mulberry32) so every run sees the same inputs. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function gaussian(rand: () => number, n: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = rand() || Number.MIN_VALUE;
    out[i] = scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  }
  return out;
}

function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

function scaled(a: Float32Array, k: number): Float32Array {
  return a.map((x) => k * x);
}

const DIM = 1000;

/** 5 honest updates: a shared direction of norm ~1 plus per-trainer noise of norm ~0.1. */
function honestUpdates(seed = 1, count = 5): Float32Array[] {
  const rand = rng(seed);
  const common = gaussian(rand, DIM, 1 / Math.sqrt(DIM));
  return Array.from({ length: count }, () => {
    const noise = gaussian(rand, DIM, 0.1 / Math.sqrt(DIM));
    return common.map((x, j) => x + noise[j]!);
  });
}

/**
 * τ four times the honest radius: at the fixed point each of the f attackers pulls by at most τ and the
 * n − f honest updates are unclipped, so ‖v − honestMean‖ ≤ f·τ/(n − f) = 0.6τ for 3 of 8. The tests
 * assert that bound with 0.1% slack for float32 rounding and the finite number of iterations.
 */
function clipSetup(honest: Float32Array[]): { honestMean: Float32Array; tau: number } {
  const honestMean = mean(honest);
  const radius = Math.max(...honest.map((h) => distance(h, honestMean)));
  return { honestMean, tau: 4 * radius };
}

/** f·τ/(n − f) for f = 3 attackers among n = 8, plus 0.1%. */
const BOUND = (3 / 5) * 1.001;

/** CenteredClip as the paper writes it, every iteration run: what the early stop must reproduce bit for bit. */
function referenceClip(updates: Float32Array[], tau: number, iterations: number): Float32Array {
  const v = centeredClip(updates, { tau, iterations: 0 });
  const n = updates.length;
  for (let it = 0; it < iterations; it++) {
    const acc = new Float64Array(v.length);
    for (const g of updates) {
      let sq = 0;
      for (let j = 0; j < v.length; j++) sq += (g[j]! - v[j]!) ** 2;
      const scale = Math.min(1, tau / Math.sqrt(sq));
      for (let j = 0; j < v.length; j++) acc[j]! += scale === 1 ? g[j]! - v[j]! : (g[j]! - v[j]!) * scale;
    }
    for (let j = 0; j < v.length; j++) v[j]! += acc[j]! / n;
  }
  return v;
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

describe("CenteredClip (lib/core/centered-clip.ts)", () => {
  it("gives the same bits as running every iteration (it stops only at a float32 fixed point)", () => {
    const honest = honestUpdates(7, 5);
    const { tau } = clipSetup(honest);
    const rand = rng(99);
    const attacked = [...honestUpdates(8, 5), ...[0, 1, 2].map(() => gaussian(rand, DIM, 1000 / Math.sqrt(DIM)))];
    const zeros = [new Float32Array(DIM), new Float32Array(DIM).fill(-0), honest[0]!];
    for (const [name, ups, t] of [
      ["honest", honest, tau],
      ["honest, every update clipped", honest, tau / 100],
      ["3 of 8 far away", attacked, clipSetup(attacked.slice(0, 5)).tau],
      ["zeros of both signs", zeros, 1],
    ] as const) {
      for (const iterations of [1, 3, 20, 60]) {
        assert.ok(sameBits(centeredClip([...ups], { tau: t, iterations }), referenceClip([...ups], t, iterations)), `${name}, ${iterations} iterations`);
      }
    }
  });

  it("equals the plain mean when no update is clipped", () => {
    const updates = honestUpdates(2, 8);
    const plain = mean(updates);
    const clipped = centeredClip(updates, { tau: 1e6 });
    for (let j = 0; j < DIM; j++) assert.ok(Math.abs(clipped[j]! - plain[j]!) <= 1e-6 * Math.max(1, Math.abs(plain[j]!)));
  });

  it("stays within 0.6·tau of the honest mean with 3 of 8 updates in random directions at 1000x honest norm", () => {
    const honest = honestUpdates(3);
    const { honestMean, tau } = clipSetup(honest);
    const rand = rng(99);
    const big = 1000 * norm(honestMean);
    const attackers = [0, 1, 2].map(() => {
      const g = gaussian(rand, DIM);
      return scaled(g, big / norm(g));
    });
    const updates = [honest[0]!, attackers[0]!, honest[1]!, honest[2]!, attackers[1]!, honest[3]!, attackers[2]!, honest[4]!];
    const result = centeredClip(updates, { tau });
    const d = distance(result, honestMean);
    assert.ok(d <= BOUND * tau, `‖v − honestMean‖ = ${(d / tau).toFixed(4)}τ > 0.6τ`);
    assert.ok(distance(mean(updates), honestMean) > 100 * tau, "the plain mean is dragged far away");
  });

  it("stays within 0.6·tau of the honest mean when 3 of 8 send the sign-flipped update -1000·honest", () => {
    const honest = honestUpdates(4);
    const { honestMean, tau } = clipSetup(honest);
    const flipped = scaled(honestMean, -1000);
    const updates = [...honest, flipped, flipped.slice(), flipped.slice()];
    const result = centeredClip(updates, { tau });
    const d = distance(result, honestMean);
    assert.ok(d <= BOUND * tau, `‖v − honestMean‖ = ${(d / tau).toFixed(4)}τ > 0.6τ`);
    assert.ok(distance(mean(updates), honestMean) > 100 * tau, "the plain mean is dragged far away");
  });

  it("returns the coordinate-wise median with zero iterations", () => {
    const a = Float32Array.of(1, 5, -2);
    const b = Float32Array.of(3, 4, 100);
    const c = Float32Array.of(2, -9, 0);
    assert.deepEqual(centeredClip([a, b, c], { tau: 1, iterations: 0 }), Float32Array.of(2, 4, 0));
    assert.deepEqual(centeredClip([a, b], { tau: 1, iterations: 0 }), Float32Array.of(2, 4.5, 49));
  });

  it("is deterministic and writes into out when given", () => {
    const updates = [...honestUpdates(5, 6), scaled(honestUpdates(6, 1)[0]!, -500)];
    const first = centeredClip(updates, { tau: 0.05 });
    const out = new Float32Array(DIM);
    const second = centeredClip(updates, { tau: 0.05, out });
    assert.equal(second, out);
    assert.deepEqual(new Uint8Array(second.buffer), new Uint8Array(first.buffer));
  });

  it("rejects empty input, mismatched lengths and non-finite values with an AggregationError", () => {
    const ok = Float32Array.of(1, 2, 3);
    assert.throws(() => centeredClip([], { tau: 1 }), { name: "AggregationError" });
    assert.throws(() => mean([]), { name: "AggregationError" });
    assert.throws(() => centeredClip([ok, Float32Array.of(1, 2)], { tau: 1 }), { name: "AggregationError" });
    for (const bad of [NaN, Infinity, -Infinity]) {
      assert.throws(
        () => centeredClip([ok, ok, Float32Array.of(1, bad, 3)], { tau: 1 }),
        (e: Error & { context?: Record<string, unknown> }) =>
          e.name === "AggregationError" && e.context?.index === 2 && e.context?.element === 1,
      );
      assert.throws(() => mean([Float32Array.of(bad)]), { name: "AggregationError" });
    }
  });

  it("rejects a bad tau, bad iterations and an out that is the wrong size or aliases an input", () => {
    const ok = Float32Array.of(1, 2, 3);
    for (const tau of [0, -1, NaN, Infinity]) assert.throws(() => centeredClip([ok], { tau }), { name: "AggregationError" });
    assert.throws(() => centeredClip([ok], { tau: 1, iterations: 1.5 }), { name: "AggregationError" });
    assert.throws(() => centeredClip([ok], { tau: 1, out: new Float32Array(2) }), { name: "AggregationError" });
    assert.throws(() => centeredClip([ok, ok.slice()], { tau: 1, out: ok }), { name: "AggregationError" });
  });
});
