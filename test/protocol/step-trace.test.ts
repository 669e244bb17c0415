import assert from "node:assert/strict";
import { before, describe, it } from "mocha";
import { listRoot, tensorRoot } from "../../lib/core/tensor-commit.ts";
import { DEFAULT_STEP_CONFIG, initModel, loadMnist, paramsOf, routeBatch, trainStep, type Batch, type ModelState, type StepConfig } from "../../lib/ml/index.ts";
import { canonicalTensor, stateRoot, traceStep } from "../../lib/protocol/index.ts";
import { batchStream } from "../ml/helpers.ts";

const REFERENCE: StepConfig = { ...DEFAULT_STEP_CONFIG, arithmetic: "reference" };
const spec = REFERENCE.spec;

describe("protocol/step-trace: a step's trace and state roots", () => {
  let model: ModelState;
  let batch: Batch;
  before(() => {
    model = initModel(11);
    batch = batchStream(loadMnist("train"), 5, 1)[0]!;
  });

  it("starts at the state's root and ends at the root of the state trainStep computes (gate, busy and idle experts)", () => {
    const counts = new Array<number>(spec.experts).fill(0);
    for (const r of routeBatch(model.gate!.params, batch.x)) counts[r]! += 1;
    const idle = counts.indexOf(0);
    const shards = ["gate", `expert-${counts.indexOf(Math.max(...counts))}`, ...(idle >= 0 ? [`expert-${idle}`] : [])];
    for (const shard of shards) {
      const trace = traceStep(shard, model[shard]!, paramsOf(model), batch, REFERENCE);
      const next = trainStep(shard, model[shard]!, paramsOf(model), batch, REFERENCE).state;
      assert.equal(trace.startRoot, stateRoot(shard, model[shard]!, spec), shard);
      assert.equal(trace.endRoot, stateRoot(shard, next, spec), shard);
      assert.equal(trace.endRoot === trace.startRoot, shard === `expert-${idle}`, `${shard}: the state moves unless no row is routed`);
    }
  });

  it("commits to NaN as 0x7fc00000 whichever NaN the processor produced, and leaves NaN-free tensors alone", () => {
    const a = Float32Array.of(1, 0, 2);
    assert.equal(canonicalTensor(a), a);
    const x86 = new Float32Array(new Uint32Array([0x3f800000, 0xffc00000, 0x7fc00001]).buffer);
    const arm = new Float32Array(new Uint32Array([0x3f800000, 0x7fc00000, 0x7fc00000]).buffer);
    assert.notEqual(tensorRoot(x86, 1, 3), tensorRoot(arm, 1, 3), "raw bytes differ");
    assert.equal(tensorRoot(canonicalTensor(x86), 1, 3), tensorRoot(arm, 1, 3));
    assert.equal(new Uint32Array(x86.buffer)[1], 0xffc00000, "the input is not changed");
  });

  it("commits to every tensor of the program in order", () => {
    const trace = traceStep("gate", model.gate!, paramsOf(model), batch, REFERENCE);
    assert.equal(trace.tensors.length, trace.program.inputs.length + trace.program.ops.length);
    assert.equal(trace.roots.length, trace.tensors.length);
    const k = trace.program.inputs.length + trace.program.ops.findIndex((op) => op.name === "gate.z1");
    assert.equal(trace.roots[k], tensorRoot(trace.tensors[k]!, batch.y.length, spec.gateHidden));
    assert.equal(trace.traceRoot, listRoot(trace.roots));
  });
});
