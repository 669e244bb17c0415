import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { keccak256, type Hex } from "viem";
import type { MnistDataset } from "../../lib/ml/mnist.ts";
import type { ShardState } from "../../lib/ml/moe.ts";
import { ATTACK_NAMES, AttackError, createAttack, type AttackParams } from "../../node/trainer/attacks/index.ts";
import { isCorrupted } from "../../node/trainer/attacks/segments.ts";

const PARAMS: AttackParams = { lambda: 1, fraction: 1, seed: 7 };

/** A small state with deterministic, varied values (two params and two slots arrays). */
function state(offset: number): ShardState {
  const arr = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7 + k + offset) * 0.5);
  return { params: [arr(12, 1), arr(3, 2)], slots: [arr(12, 3), arr(3, 4)] };
}

const flat = (s: ShardState) => [...s.params, ...s.slots].flatMap((a) => [...a]);
const norm = (v: number[]) => Math.sqrt(v.reduce((a, x) => a + x * x, 0));
const minus = (a: ShardState, b: ShardState) => flat(a).map((x, i) => x - flat(b)[i]!);

function frozenCopies(...states: ShardState[]): ShardState[] {
  return states.map((s) => ({ params: s.params.map((a) => a.slice()), slots: s.slots.map((a) => a.slice()) }));
}

describe("trainer attacks (node/trainer/attacks)", () => {
  it("lists the nine attacks and builds each by name", () => {
    assert.deepEqual([...ATTACK_NAMES].sort(), ["alie", "equivocate", "free-ride", "ipm", "label-flip", "noise", "sign-flip", "stale", "withhold"]);
    for (const name of ATTACK_NAMES) assert.equal(createAttack(name, PARAMS).name, name);
  });

  it("refuses an unknown name, a bad lambda or a bad fraction", () => {
    assert.throws(() => createAttack("scale-update", PARAMS), AttackError);
    for (const lambda of [0, -1, Infinity, NaN]) assert.throws(() => createAttack("noise", { ...PARAMS, lambda }), AttackError);
    for (const fraction of [0, -0.1, 1.01, NaN]) assert.throws(() => createAttack("sign-flip", { ...PARAMS, fraction }), AttackError);
  });

  describe("sign-flip", () => {
    it("reverses the segment's progress, scaled by lambda", () => {
      const [start, end] = [state(0), state(1)];
      const out = createAttack("sign-flip", { ...PARAMS, lambda: 2 }).afterSegment!(0n, 0, start, end);
      const progress = minus(end, start);
      minus(out, start).forEach((d, i) => assert.ok(Math.abs(d + 2 * progress[i]!) < 1e-6, `element ${i}`));
    });

    it("returns new arrays and leaves its inputs untouched", () => {
      const [start, end] = [state(0), state(1)];
      const [start0, end0] = frozenCopies(start, end);
      const attack = createAttack("sign-flip", { ...PARAMS, fraction: 0.5 });
      for (let j = 0; j < 8; j++) {
        const out = attack.afterSegment!(0n, j, start, end);
        for (const a of [...out.params, ...out.slots]) assert.ok(![...start.params, ...start.slots, ...end.params, ...end.slots].includes(a));
      }
      assert.deepEqual(start, start0);
      assert.deepEqual(end, end0);
    });

    it("keeps values finite when lambda overflows float32", () => {
      const start = { params: [Float32Array.of(-3e38)], slots: [Float32Array.of(3e38)] };
      const end = { params: [Float32Array.of(3e38)], slots: [Float32Array.of(-3e38)] };
      const out = createAttack("sign-flip", { ...PARAMS, lambda: 1e30 }).afterSegment!(0n, 0, start, end);
      assert.ok(flat(out).every(Number.isFinite));
    });
  });

  describe("noise", () => {
    it("moves the state by lambda times the honest progress's norm", () => {
      const [start, end] = [state(0), state(1)];
      const out = createAttack("noise", { ...PARAMS, lambda: 3 }).afterSegment!(1n, 2, start, end);
      const want = 3 * norm(minus(end, start));
      assert.ok(Math.abs(norm(minus(out, start)) - want) < 1e-5 * want, `${norm(minus(out, start))} vs ${want}`);
      assert.ok(flat(out).every(Number.isFinite));
    });

    it("is deterministic per seed, round and segment, and differs across them", () => {
      const [start, end] = [state(0), state(1)];
      const a = createAttack("noise", PARAMS).afterSegment!(1n, 2, start, end);
      const b = createAttack("noise", PARAMS).afterSegment!(1n, 2, start, end);
      assert.deepEqual(a, b);
      assert.notDeepEqual(createAttack("noise", { ...PARAMS, seed: 8 }).afterSegment!(1n, 2, start, end), a);
      assert.notDeepEqual(createAttack("noise", PARAMS).afterSegment!(1n, 3, start, end), a);
      assert.notDeepEqual(createAttack("noise", PARAMS).afterSegment!(2n, 2, start, end), a);
    });

    it("points away from the honest direction (not a rescaled copy of it)", () => {
      const [start, end] = [state(0), state(1)];
      const honest = minus(end, start);
      const d = minus(createAttack("noise", PARAMS).afterSegment!(0n, 0, start, end), start);
      const cos = d.reduce((a, x, i) => a + x * honest[i]!, 0) / (norm(d) * norm(honest));
      assert.ok(Math.abs(cos) < 0.99, `cosine ${cos}`);
    });
  });

  describe("fraction", () => {
    it("corrupts every segment at fraction 1", () => {
      for (let j = 0; j < 100; j++) assert.ok(isCorrupted(7, 3n, j, 1));
    });

    it("corrupts about that share of segments, the same ones each time", () => {
      for (const fraction of [0.1, 0.5, 0.9]) {
        let n = 0;
        for (let r = 0n; r < 20n; r++) for (let j = 0; j < 100; j++) if (isCorrupted(11, r, j, fraction)) n++;
        assert.ok(Math.abs(n / 2000 - fraction) < 0.04, `fraction ${fraction}: ${n} of 2000`);
      }
      const picks = (seed: number) => Array.from({ length: 64 }, (_, j) => isCorrupted(seed, 0n, j, 0.5));
      assert.deepEqual(picks(1), picks(1));
      assert.notDeepEqual(picks(1), picks(2));
    });

    it("passes uncorrupted segments through unchanged (as new arrays)", () => {
      const [start, end] = [state(0), state(1)];
      const attack = createAttack("sign-flip", { ...PARAMS, fraction: 0.5 });
      let passed = 0;
      for (let j = 0; j < 32; j++) {
        if (isCorrupted(PARAMS.seed, 0n, j, 0.5)) continue;
        const out = attack.afterSegment!(0n, j, start, end);
        assert.deepEqual(out, end);
        assert.notEqual(out.params[0], end.params[0]);
        passed++;
      }
      assert.ok(passed > 0);
    });
  });

  describe("label-flip", () => {
    it("maps labels y to 9 - y on a copy and leaves the real dataset intact", () => {
      const labels = Uint8Array.from({ length: 20 }, (_, i) => i % 10);
      const real: MnistDataset = { images: new Float32Array(20 * 784).fill(0.5), labels, count: 20 };
      const before = labels.slice();
      const flipped = createAttack("label-flip", PARAMS).trainingData!(real);
      assert.equal(flipped.count, 20);
      assert.deepEqual([...flipped.labels], [...before].map((y) => 9 - y));
      assert.deepEqual(real.labels, before);
      assert.notEqual(flipped.labels, real.labels);
      assert.equal(flipped.images.length, real.images.length);
    });
  });

  describe("equivocate", () => {
    it("announces another root and update hash than the real ones", () => {
      const claim: { root: Hex; updateHash: Hex } = { root: keccak256("0x01"), updateHash: keccak256("0x02") };
      const announced = createAttack("equivocate", PARAMS).announced!(0n, claim);
      assert.notEqual(announced.root, claim.root);
      assert.notEqual(announced.updateHash, claim.updateHash);
      assert.match(announced.root, /^0x[0-9a-f]{64}$/);
      assert.deepEqual(createAttack("equivocate", PARAMS).announced!(0n, claim), announced);
    });
  });

  describe("withhold", () => {
    it("stops serving audit data and changes nothing else", () => {
      const a = createAttack("withhold", PARAMS);
      assert.equal(a.servesAuditData, false);
      assert.equal(a.afterSegment, undefined);
      assert.equal(a.trainingData, undefined);
      assert.equal(a.announced, undefined);
    });

    it("is the only attack that withholds", () => {
      for (const name of ATTACK_NAMES) if (name !== "withhold") assert.equal(createAttack(name, PARAMS).servesAuditData, true);
    });
  });
});
