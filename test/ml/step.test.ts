import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { before, describe, it } from "mocha";
import {
  BACKEND_ORDER,
  BackendUnavailableError,
  BatchError,
  DEFAULT_STEP_CONFIG,
  initModel,
  loadMnist,
  paramsOf,
  routeBatch,
  selectBackend,
  ShardStateError,
  trainStep,
  type Batch,
  type ModelState,
  type ShardState,
} from "../../lib/ml/index.ts";
import { batchStream, bytesOf } from "./helpers.ts";

const SEED = 11;

function run(shard: string, start: ModelState, batches: Batch[]): { state: ShardState; losses: number[]; routed: number } {
  const frozen = paramsOf(start);
  let state = start[shard]!;
  const losses: number[] = [];
  let routed = 0;
  for (const batch of batches) {
    const out = trainStep(shard, state, frozen, batch);
    state = out.state;
    losses.push(out.loss);
    routed += out.routed;
  }
  return { state, losses, routed };
}

describe("ml/step", function () {
  let start: ModelState;
  let batches: Batch[];
  /** The expert the initial gate routes most of `batches` to, so its steps are not identities. */
  let busyExpert: string;
  const finals = new Map<string, ShardState>();

  before(async () => {
    await selectBackend("cpu");
    start = initModel(SEED);
    batches = batchStream(loadMnist("train"), 5, 3);
    const counts = new Array<number>(DEFAULT_STEP_CONFIG.spec.experts).fill(0);
    for (const b of batches) for (const e of routeBatch(start.gate!.params, b.x)) counts[e]! += 1;
    busyExpert = `expert-${counts.indexOf(Math.max(...counts))}`;
  });

  for (const kind of BACKEND_ORDER) {
    describe(`on the ${kind} backend`, () => {
      before(async function () {
        try {
          await selectBackend(kind);
        } catch (err) {
          if (err instanceof BackendUnavailableError) this.skip();
          throw err;
        }
      });

      it("gate and expert steps are bit-identical across two runs from the same inputs", () => {
        for (const shard of ["gate", busyExpert]) {
          const a = run(shard, start, batches);
          const b = run(shard, start, batches);
          assert.ok(a.routed > 0, `${shard} got no samples`);
          assert.deepEqual(a.losses, b.losses);
          assert.ok(bytesOf(a.state.params).equals(bytesOf(b.state.params)), `${shard} params differ`);
          assert.ok(bytesOf(a.state.slots).equals(bytesOf(b.state.slots)), `${shard} slots differ`);
          assert.ok(!bytesOf(a.state.params).equals(bytesOf(start[shard]!.params)), `${shard} did not move`);
          finals.set(`${kind}:${shard}`, a.state);
        }
      });

      it("leaves no tensor behind across steps", () => {
        run("gate", start, batches.slice(0, 1));
        run(busyExpert, start, batches.slice(0, 1));
        const before = tf.memory().numTensors;
        run("gate", start, batches);
        run(busyExpert, start, batches);
        assert.equal(tf.memory().numTensors, before);
      });
    });
  }

  describe("across backends", () => {
  it("cpu and wasm results agree to float32 rounding (tolerance mode), when wasm runs", function () {
    const cpu = finals.get(`cpu:gate`);
    const wasm = finals.get(`wasm:gate`);
    if (!cpu || !wasm) this.skip();
    for (const shard of ["gate", busyExpert]) {
      const a = finals.get(`cpu:${shard}`)!;
      const b = finals.get(`wasm:${shard}`)!;
      let diff = 0;
      let update = 0;
      a.params.forEach((p, k) => {
        for (let i = 0; i < p.length; i++) {
          diff += (p[i]! - b.params[k]![i]!) ** 2;
          update += (p[i]! - start[shard]!.params[k]![i]!) ** 2;
        }
      });
      const rel = Math.sqrt(diff / update);
      console.log(`      ${shard}: ‖cpu − wasm‖ / ‖update‖ = ${rel.toExponential(2)}`);
      assert.ok(rel < 1e-4, `${shard}: ${rel}`);
    }
  });
  });

  describe("inputs and outputs (cpu)", () => {
    before(async () => {
      await selectBackend("cpu");
    });

    it("an expert that the gate routes nothing to takes an identity step", () => {
      const gate = start.gate!.params.map((p) => p.slice());
      gate[3]![0] = 1e3; // b2[0]: every sample goes to expert-0
      const frozen = { ...paramsOf(start), gate };
      const out = trainStep("expert-1", start["expert-1"]!, frozen, batches[0]!);
      assert.equal(out.routed, 0);
      assert.equal(out.loss, 0);
      assert.ok(bytesOf(out.state.params).equals(bytesOf(start["expert-1"]!.params)));
      assert.ok(bytesOf(out.state.slots).equals(bytesOf(start["expert-1"]!.slots)));
      assert.notEqual(out.state.params[0], start["expert-1"]!.params[0]);
    });

    it("returns fresh arrays and leaves its inputs untouched", () => {
      const before = bytesOf([...start.gate!.params, ...start.gate!.slots]);
      const out = trainStep("gate", start.gate!, paramsOf(start), batches[0]!);
      assert.ok(bytesOf([...start.gate!.params, ...start.gate!.slots]).equals(before));
      out.state.params.forEach((p, i) => assert.notEqual(p, start.gate!.params[i]));
      assert.equal(out.routed, 64);
    });

    it("applies v' = μv + g, θ' = θ − ηv' (slots are the momentum velocities)", () => {
      const s1 = trainStep("gate", start.gate!, paramsOf(start), batches[0]!).state;
      // From zero velocity, v1 = g, so θ1 = θ0 − η·v1.
      const { learningRate: lr } = DEFAULT_STEP_CONFIG;
      for (let i = 0; i < 100; i++) {
        assert.equal(s1.params[0]![i], Math.fround(start.gate!.params[0]![i]! - lr * s1.slots[0]![i]!));
      }
    });

    it("rejects an unknown shard, a wrong shape, a non-finite value and missing frozen shards", () => {
      const frozen = paramsOf(start);
      const batch = batches[0]!;
      assert.throws(() => trainStep("expert-4", start.gate!, frozen, batch), ShardStateError);
      assert.throws(() => trainStep("expert-01", start.gate!, frozen, batch), ShardStateError);
      assert.throws(() => trainStep("gate", start["expert-0"]!, frozen, batch), ShardStateError);
      const nan = { params: start.gate!.params.map((p) => p.slice()), slots: start.gate!.slots };
      nan.params[1]![0] = Number.NaN;
      assert.throws(() => trainStep("gate", nan, frozen, batch), /not finite/);
      const { "expert-2": _dropped, ...partial } = frozen;
      assert.throws(() => trainStep("gate", start.gate!, partial, batch), /expert-2 frozen params/);
      assert.throws(() => trainStep("expert-0", start["expert-0"]!, { "expert-1": frozen["expert-1"]! }, batch), /gate frozen/);
    });

    it("rejects a malformed batch with BatchError", () => {
      const frozen = paramsOf(start);
      const batch = batches[0]!;
      const bad: Batch[] = [
        { x: batch.x.subarray(0, 100), y: batch.y },
        { x: new Float32Array(0), y: new Uint8Array(0) },
        { x: batch.x, y: Uint8Array.from(batch.y, (v, i) => (i === 5 ? 10 : v)) },
        { x: Float32Array.from(batch.x, (v, i) => (i === 7 ? Infinity : v)), y: batch.y },
      ];
      for (const b of bad) assert.throws(() => trainStep("gate", start.gate!, frozen, b), BatchError);
    });
  });
});
