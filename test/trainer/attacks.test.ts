import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { keccak256, type Hex } from "viem";
import type { MnistDataset } from "../../lib/ml/mnist.ts";
import { ATTACK_NAMES, AttackError, createAttack, type AttackParams } from "../../node/trainer/attacks/index.ts";
import { isCorrupted } from "../../node/trainer/attacks/segments.ts";

const PARAMS: AttackParams = { lambda: 1, seed: 7 };

describe("trainer attacks (node/trainer/attacks)", () => {
  it("lists the nine attacks and builds each by name", () => {
    assert.deepEqual([...ATTACK_NAMES].sort(), ["alie", "equivocate", "free-ride", "hide-one-op", "ipm", "label-flip", "noise", "one-op", "sign-flip", "stale", "withhold"]);
    for (const name of ATTACK_NAMES) assert.equal(createAttack(name, PARAMS).name, name);
  });

  it("refuses an unknown name, a bad lambda or a bad seed", () => {
    assert.throws(() => createAttack("scale-update", PARAMS), AttackError);
    for (const lambda of [0, -1, Infinity, NaN]) assert.throws(() => createAttack("noise", { ...PARAMS, lambda }), AttackError);
    for (const seed of [0.5, NaN, 2 ** 60]) assert.throws(() => createAttack("sign-flip", { ...PARAMS, seed }), AttackError);
  });

  describe("isCorrupted (the partial cheater bench:detection models)", () => {
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
  });

  describe("label-flip", () => {
    it("maps labels y to 9 - y on a copy and leaves the real dataset intact", () => {
      const labels = Uint8Array.from({ length: 20 }, (_, i) => i % 10);
      const real: MnistDataset = { pixels: new Uint8Array(20 * 784).fill(128), labels, count: 20 };
      const before = labels.slice();
      const flipped = createAttack("label-flip", PARAMS).trainingData!(real);
      assert.equal(flipped.count, 20);
      assert.deepEqual([...flipped.labels], [...before].map((y) => 9 - y));
      assert.deepEqual(real.labels, before);
      assert.notEqual(flipped.labels, real.labels);
      assert.equal(flipped.pixels, real.pixels);
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
      assert.equal(a.replaceUpdate, undefined);
      assert.equal(a.trainingData, undefined);
      assert.equal(a.announced, undefined);
    });

    it("is the only attack that withholds, with hide-one-op (one-op that withholds)", () => {
      for (const name of ATTACK_NAMES) if (name !== "withhold" && name !== "hide-one-op") assert.equal(createAttack(name, PARAMS).servesAuditData, true);
      const hidden = createAttack("hide-one-op", PARAMS);
      assert.equal(hidden.servesAuditData, false, "hide-one-op withholds too");
      assert.equal(hidden.stepConfig, createAttack("one-op", PARAMS).stepConfig, "with one-op's fraud");
    });
  });
});
