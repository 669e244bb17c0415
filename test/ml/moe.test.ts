import assert from "node:assert/strict";
import { describe, it } from "mocha";
import {
  DEFAULT_MOE_SPEC,
  initModel,
  initShard,
  parseShard,
  shardNames,
  shardShapes,
  ShardStateError,
  SplitMix32,
} from "../../lib/ml/index.ts";
import { bytesOf } from "./helpers.ts";

describe("ml/moe", () => {
  it("names the gate and E experts", () => {
    assert.deepEqual(shardNames(), ["gate", "expert-0", "expert-1", "expert-2", "expert-3"]);
    assert.deepEqual(parseShard("expert-3"), { kind: "expert", index: 3 });
    for (const bad of ["expert-4", "expert--1", "expert-1.0", "Gate", ""]) assert.throws(() => parseShard(bad), ShardStateError);
  });

  it("exports each shard's parameter shapes in a fixed order", () => {
    assert.deepEqual(shardShapes("gate"), [[784, 32], [32], [32, 4], [4]]);
    assert.deepEqual(shardShapes("expert-2"), [[784, 64], [64], [64, 10], [10]]);
    assert.deepEqual(shardShapes("gate", { ...DEFAULT_MOE_SPEC, experts: 2, gateHidden: 8 }), [[784, 8], [8], [8, 2], [2]]);
    assert.throws(() => shardNames({ ...DEFAULT_MOE_SPEC, experts: 1 }), ShardStateError);
  });

  it("initialises every peer to the same bytes from the same seed, and shards differ", () => {
    const a = initModel(42);
    const b = initModel(42);
    for (const name of shardNames()) assert.ok(bytesOf(a[name]!.params).equals(bytesOf(b[name]!.params)));
    assert.ok(!bytesOf(a["expert-0"]!.params).equals(bytesOf(a["expert-1"]!.params)));
    assert.ok(!bytesOf(initShard("gate", 43).params).equals(bytesOf(a.gate!.params)));
    assert.deepEqual([...a.gate!.params[0]!.subarray(0, 3)], [0.02556881494820118, 0.016216155141592026, 0.04865191876888275]);
  });

  it("uses Glorot-uniform weights, zero biases and zero slots", () => {
    const { params, slots } = initShard("expert-0", 1);
    const limit = Math.sqrt(6 / (784 + 64));
    let sumSq = 0;
    for (const w of params[0]!) {
      assert.ok(Math.abs(w) <= limit);
      sumSq += w * w;
    }
    // Var of U(−l, l) is l²/3.
    assert.ok(Math.abs(sumSq / params[0]!.length / (limit * limit / 3) - 1) < 0.02);
    assert.ok(params[1]!.every((v) => v === 0) && params[3]!.every((v) => v === 0));
    assert.ok(slots.every((s) => s.every((v) => v === 0)));
  });

  it("keeps the PRNG stream fixed (a change here changes every run's S_0)", () => {
    const rng = new SplitMix32(0);
    assert.deepEqual([rng.nextUint32(), rng.nextUint32(), rng.nextUint32()], FIRST_THREE);
    const r2 = new SplitMix32(9);
    for (let i = 0; i < 1000; i++) {
      const k = r2.nextBelow(10);
      assert.ok(Number.isInteger(k) && k >= 0 && k < 10);
    }
  });
});

const FIRST_THREE = [1684164658, 3653269916, 2939563536];
