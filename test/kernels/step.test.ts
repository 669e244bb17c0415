import assert from "node:assert/strict";
import { before, describe, it } from "mocha";
import { stateHash } from "../../lib/core/state-hash.ts";
import { gateStep } from "../../lib/kernels/step.ts";
import {
  DEFAULT_STEP_CONFIG,
  initModel,
  loadMnist,
  paramsOf,
  selectBackend,
  ShardStateError,
  trainStep,
  type Batch,
  type ModelState,
  type ShardState,
  type StepConfig,
} from "../../lib/ml/index.ts";
import { batchStream } from "../ml/helpers.ts";

const REFERENCE: StepConfig = { ...DEFAULT_STEP_CONFIG, arithmetic: "reference" };
const TFJS: StepConfig = { ...DEFAULT_STEP_CONFIG, arithmetic: "tfjs" };

function run(shard: string, start: ModelState, batches: Batch[], config: StepConfig): { state: ShardState; routed: number } {
  const frozen = paramsOf(start);
  let state = start[shard]!;
  let routed = 0;
  for (const batch of batches) {
    const out = trainStep(shard, state, frozen, batch, config);
    state = out.state;
    routed += out.routed;
  }
  return { state, routed };
}

const hashOf = (s: ShardState) => stateHash([...s.params, ...s.slots]);

/** ‖a − b‖ / ‖b − origin‖ over parameters: how far two trajectories end apart, relative to the progress made. */
function relativeGap(a: ShardState, b: ShardState, origin: ShardState): number {
  let gap = 0;
  let progress = 0;
  a.params.forEach((p, k) => {
    for (let i = 0; i < p.length; i++) {
      gap += (p[i]! - b.params[k]![i]!) ** 2;
      progress += (b.params[k]![i]! - origin.params[k]![i]!) ** 2;
    }
  });
  return Math.sqrt(gap / progress);
}

describe("kernels/step (the reference step of exact mode)", () => {
  let start: ModelState;
  let batches: Batch[];

  before(() => {
    start = initModel(11);
    batches = batchStream(loadMnist("train"), 5, 3);
  });

  // Any change of the arithmetic (an operation, its order, a constant) changes these hashes.
  const PINNED: Record<string, { routed: number; hash: string }> = {
    gate: { routed: 192, hash: "0xb9902e43ffb349423aa7f1453432ff620aa8911fdd308eaa38426353c0709e8d" },
    "expert-1": { routed: 170, hash: "0x3de4511425535bcd4dcbc025875e7f1e8f69a2c2e43f79b6e4658d05a088ac85" },
    "expert-2": { routed: 13, hash: "0xfc3f9eb36187a5e5c9acb54b21ff1aea3d70ec7ec40ff057336a1e8ae0cfdc6e" },
  };
  for (const [shard, want] of Object.entries(PINNED)) {
    it(`pins the state hash of three ${shard} steps`, () => {
      const out = run(shard, start, batches, REFERENCE);
      assert.equal(out.routed, want.routed);
      assert.equal(hashOf(out.state), want.hash);
    });
  }

  it("does not depend on the active tfjs backend", async () => {
    await selectBackend("cpu");
    const onCpu = hashOf(run("gate", start, batches, REFERENCE).state);
    await selectBackend("wasm");
    assert.equal(hashOf(run("gate", start, batches, REFERENCE).state), onCpu);
  });

  for (const backend of ["wasm", "cpu"] as const) {
    it(`agrees with the tfjs step on ${backend} up to float32 noise (gate and experts, 3 steps)`, async () => {
      await selectBackend(backend);
      for (const shard of ["gate", "expert-1", "expert-2"]) {
        const ref = run(shard, start, batches, REFERENCE);
        const tf = run(shard, start, batches, TFJS);
        assert.equal(ref.routed, tf.routed, `${shard}: same routing`);
        const gap = relativeGap(ref.state, tf.state, start[shard]!);
        assert.ok(gap < 1e-5, `${shard}: relative gap ${gap}`);
        assert.ok(gap > 0 || shard !== "gate", "the two implementations are distinct (else the test checks nothing)");
      }
    });
  }

  it("returns fresh copies of the state when no sample is routed", () => {
    const out = trainStep("expert-0", start["expert-0"]!, paramsOf(start), batches[0]!, REFERENCE);
    assert.equal(out.routed, 0);
    assert.equal(out.loss, 0);
    assert.equal(hashOf(out.state), hashOf(start["expert-0"]!));
    assert.notEqual(out.state.params[0], start["expert-0"]!.params[0]);
  });

  it("validates its inputs like the tfjs step", () => {
    const bad = { ...start.gate!, params: start.gate!.params.slice(0, 3) };
    assert.throws(() => trainStep("gate", bad, paramsOf(start), batches[0]!, REFERENCE), ShardStateError);
    assert.throws(() => trainStep("gate", start.gate!, paramsOf(start), batches[0]!, { ...REFERENCE, arithmetic: "fma" as never }), ShardStateError);
  });

  it("traces every operation in the spec's order, each output once", () => {
    const names: string[] = [];
    const sizes = new Map<string, number>();
    gateStep(start.gate!, paramsOf(start), batches[0]!.x, batches[0]!.y, DEFAULT_STEP_CONFIG, (name, values, op) => {
      assert.equal(op, names.length, "ops are numbered in order");
      names.push(name);
      sizes.set(name, values.length);
    });
    assert.equal(new Set(names).size, names.length, "no name twice");
    const forward = ["W1T", "z1", "a1", "h", "W2T", "z2", "logits", "max", "shifted", "exp", "sumexp", "logsum", "logp", "ll"];
    assert.deepEqual(names.slice(0, forward.length), forward.map((n) => `expert-0.${n}`));
    assert.equal(names.at(-1), "sgd.p3");
    assert.equal(sizes.get("gate.z1"), 64 * 32);
    assert.equal(sizes.get("gate.dW1"), 784 * 32);
    assert.equal(sizes.get("expert-3.logp"), 64 * 10);
  });
});
