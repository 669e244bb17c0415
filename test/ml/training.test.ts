// Real MNIST, real tfjs, on the backend `auto` picks: the step learns, and the rounds produce a working MoE.
import assert from "node:assert/strict";
import { before, describe, it } from "mocha";
import {
  evaluate,
  imageRows,
  initModel,
  loadMnist,
  paramsOf,
  routeBatch,
  selectBackend,
  trainStep,
  type Batch,
  type MnistDataset,
  type ModelParams,
  type ShardState,
} from "../../lib/ml/index.ts";
import { batchStream, trainRounds } from "./helpers.ts";

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Losses of the non-empty steps of `shard` over `stream`. */
function lossCurve(shard: string, state: ShardState, frozen: ModelParams, stream: Batch[]): number[] {
  const losses: number[] = [];
  for (const batch of stream) {
    const out = trainStep(shard, state, frozen, batch);
    state = out.state;
    if (out.routed > 0) losses.push(out.loss);
  }
  return losses;
}

describe("ml/training", function () {
  let train: MnistDataset;
  let test: MnistDataset;

  before(async () => {
    const backend = await selectBackend("auto");
    console.log(`      backend: ${backend.detail}`);
    train = loadMnist("train");
    test = loadMnist("test");
  });

  it("the loss of each expert falls over 50 steps on a fixed batch stream", () => {
    const start = initModel(21);
    const frozen = paramsOf(start);
    let checked = 0;
    for (const shard of ["expert-0", "expert-1", "expert-2", "expert-3"]) {
      const losses = lossCurve(shard, start[shard]!, frozen, batchStream(train, 99, 50, 64, 10_000));
      // An expert that the initial gate rarely feeds sees a few samples per step: too noisy to judge.
      if (losses.length < 45) continue;
      checked += 1;
      const first = mean(losses.slice(0, 10));
      const last = mean(losses.slice(-10));
      console.log(`      ${shard}: mean loss ${first.toFixed(3)} → ${last.toFixed(3)} over ${losses.length} non-empty steps`);
      assert.ok(last < 0.7 * first, `${shard}: ${first} → ${last}`);
    }
    assert.ok(checked >= 2, `only ${checked} experts were fed on most steps`);
  });

  it("the gate's loss falls over 50 steps on a fixed batch stream, against experts that learned something", () => {
    const start = initModel(21);
    // One round of the experts only (gate frozen at S_0), so that routing matters.
    const experts = trainRounds(start, train, { rounds: 1, localSteps: 30, seed: 3, subset: 10_000, only: /^expert-/ });
    const losses = lossCurve("gate", start.gate!, paramsOf(experts), batchStream(train, 98, 50, 64, 10_000));
    const first = mean(losses.slice(0, 10));
    const last = mean(losses.slice(-10));
    console.log(`      gate: mean loss ${first.toFixed(3)} → ${last.toFixed(3)} over ${losses.length} steps`);
    assert.ok(last < 0.9 * first, `gate: ${first} → ${last}`);
  });

  it("six rounds of 30 local steps per shard give the combined MoE > 0.8 accuracy on 2,000 test images", () => {
    const start = initModel(5);
    const before = evaluate(start, test, { limit: 2000 });
    const final = trainRounds(start, train, { rounds: 6, localSteps: 30, seed: 17, subset: 20_000 });
    const after = evaluate(final, test, { limit: 2000 });
    console.log(`      accuracy ${before.accuracy.toFixed(3)} → ${after.accuracy.toFixed(3)}, routed per expert ${after.routed.join(" ")}`);
    assert.ok(after.accuracy > 0.8, `accuracy ${after.accuracy}`);
    // The load-balancing term keeps every expert in use.
    assert.ok(after.routed.every((n) => n > 0), `routed ${after.routed}`);
    // routeBatch agrees with evaluate's routing.
    const routes = routeBatch(final.gate!.params, imageRows(test, 0, 2000));
    assert.deepEqual(
      after.routed,
      after.routed.map((_, e) => routes.filter((r) => r === e).length),
    );
  });
});
