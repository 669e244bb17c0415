import assert from "node:assert/strict";
import { before, describe, it } from "mocha";
import { stateHash } from "../../lib/core/state-hash.ts";
import { DEFAULT_STEP_CONFIG, initModel, loadMnist, paramsOf, trainStep, type Batch, type ModelState, type StepConfig } from "../../lib/ml/index.ts";
import { createAttack } from "../../node/trainer/attacks/index.ts";
import { oneOpConfig } from "../../node/trainer/attacks/one-op.ts";
import { batchStream } from "../ml/helpers.ts";

const REFERENCE: StepConfig = { ...DEFAULT_STEP_CONFIG, arithmetic: "reference" };

describe("trainer attack one-op", () => {
  let start: ModelState;
  let batches: Batch[];
  before(() => {
    start = initModel(11);
    batches = batchStream(loadMnist("train"), 5, 4);
  });

  /** The state hash after each step of `shard` under `config`. */
  function hashes(shard: string, config: StepConfig): string[] {
    let s = start[shard]!;
    return batches.map((b) => {
      s = trainStep(shard, s, paramsOf(start), b, config).state;
      return stateHash([...s.params, ...s.slots]);
    });
  }

  it("alters one element of z1 in the first step of each segment, and nothing else", () => {
    const altered: string[] = [];
    const config = oneOpConfig(REFERENCE, 2);
    const spy: StepConfig = {
      ...config,
      trace(name, values, op) {
        const before = values[0];
        config.trace!(name, values, op);
        if (values[0] !== before) altered.push(name);
      },
    };
    hashes("gate", spy);
    assert.deepEqual(altered, ["gate.z1", "gate.z1"], "steps 0 and 2 of 4, checkpoint interval 2");
  });

  it("makes the trajectory differ from the honest one from its first step on (gate and a busy expert)", () => {
    for (const shard of ["gate", "expert-1"]) {
      const honest = hashes(shard, REFERENCE);
      const cheat = hashes(shard, oneOpConfig(REFERENCE, 2));
      assert.equal(honest.length, 4);
      honest.forEach((h, t) => assert.notEqual(cheat[t], h, `${shard} step ${t}`));
    }
  });

  it("trains honestly where there is no reference trace (tolerance mode)", () => {
    const tfjs: StepConfig = { ...DEFAULT_STEP_CONFIG, arithmetic: "tfjs" };
    assert.equal(oneOpConfig(tfjs, 2), tfjs);
    const attack = createAttack("one-op", { lambda: 1, seed: 1 });
    assert.equal(attack.name, "one-op");
    assert.equal(attack.servesAuditData, true);
    assert.equal(attack.replaceUpdate, undefined, "the committed update is its own trajectory's");
  });
});
