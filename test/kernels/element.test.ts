import assert from "node:assert/strict";
import { before, describe, it } from "mocha";
import { elementOf, elementReads, rowsOf } from "../../lib/kernels/element.ts";
import { canonicalBits } from "../../lib/kernels/f32.ts";
import { ProgramRunner } from "../../lib/kernels/run.ts";
import { expertProgram, gateProgram, routes } from "../../lib/kernels/step.ts";
import type { Program } from "../../lib/kernels/program.ts";
import { DEFAULT_STEP_CONFIG, initModel, loadMnist, SplitMix32, type Batch, type ModelState } from "../../lib/ml/index.ts";
import { batchStream } from "../ml/helpers.ts";

const config = DEFAULT_STEP_CONFIG;
const spec = config.spec;

/** Every tensor of the program run on `inputs` (transposes included: a trace materialises them). */
function runAll(p: Program, inputs: Float32Array[]): Float32Array[] {
  const r = new ProgramRunner(p, inputs, () => {}).run();
  return r.tensors as Float32Array[];
}

/** Checks `count` elements of every operation (all of them when the output is no larger) against the run. */
function checkElements(p: Program, tensors: Float32Array[], count: number, seed: number): number {
  const rng = new SplitMix32(seed);
  const row = rowsOf(p, tensors);
  let checked = 0;
  p.ops.forEach((op, k) => {
    const [rows, cols] = op.shape;
    const out = tensors[p.inputs.length + k]!;
    const all = rows * cols <= count;
    for (let s = 0; s < (all ? rows * cols : count); s++) {
      const e = all ? s : s === 0 ? 0 : s === 1 ? rows * cols - 1 : rng.nextBelow(rows * cols);
      const i = Math.floor(e / cols);
      const j = e % cols;
      const got = canonicalBits(elementOf(p, row, k, i, j));
      assert.equal(got, canonicalBits(out[e]!), `${op.name} (${op.kind}) element (${i}, ${j})`);
      const reads = elementReads(p, row, k, i, j);
      assert.ok(reads.length >= 1 && reads.length <= Math.max(3, spec.experts), `${op.name} reads ${reads.length} rows`);
      checked++;
    }
  });
  return checked;
}

function gateInputs(model: ModelState, batch: Batch): Float32Array[] {
  const experts = Array.from({ length: spec.experts }, (_, e) => model[`expert-${e}`]!.params).flat();
  return [...model.gate!.params, ...model.gate!.slots, ...experts, batch.x, Float32Array.from(batch.y)];
}

describe("kernels/element: one element of one operation, from its argument rows", function () {
  this.timeout(120_000);
  let model: ModelState;
  let batch: Batch;
  before(() => {
    model = initModel(11);
    batch = batchStream(loadMnist("train"), 5, 1)[0]!;
  });

  it("gives every checked element of a gate step the bits of the whole-tensor run", () => {
    const p = gateProgram(batch.y.length, config);
    const n = checkElements(p, runAll(p, gateInputs(model, batch)), 3000, 1);
    assert.ok(n > 50_000, `${n} elements checked`);
  });

  it("gives every checked element of an expert step (routing, row selection, training) the bits of the run", () => {
    const route = routes(model.gate!.params, batch.x, batch.y.length, spec);
    const counts = new Array<number>(spec.experts).fill(0);
    for (const r of route) counts[r]! += 1;
    const busy = counts.indexOf(Math.max(...counts));
    const p = expertProgram(busy, batch.y.length, counts[busy]!, config);
    const e = model[`expert-${busy}`]!;
    const tensors = runAll(p, [...e.params, ...e.slots, ...model.gate!.params, batch.x, Float32Array.from(batch.y)]);
    assert.ok(p.ops.some((op) => op.kind === "selectIndex" && op.shape[1] === counts[busy]));
    checkElements(p, tensors, 3000, 2);
  });

  it("agrees where values overflow to ±∞ and turn into NaN", () => {
    const big = structuredClone(model);
    for (const name of Object.keys(big)) for (const w of [0, 2]) big[name]!.params[w]!.forEach((v, i, a) => (a[i] = v * (w === 0 ? 2e38 : 1)));
    const p = gateProgram(batch.y.length, config);
    const tensors = runAll(p, gateInputs(big, batch));
    assert.ok(tensors.some((t) => t.some((v) => Number.isNaN(v))), "NaN appears");
    assert.ok(tensors.some((t) => t.some((v) => Math.abs(v) === Number.POSITIVE_INFINITY)), "±∞ appears");
    checkElements(p, tensors, 500, 3);
  });

  it("refuses an element outside the output and an operation that does not exist", () => {
    const p = gateProgram(4, config);
    const tensors = runAll(p, gateInputs(model, { x: batch.x.subarray(0, 4 * spec.inputSize), y: batch.y.subarray(0, 4) }));
    const row = rowsOf(p, tensors);
    assert.throws(() => elementOf(p, row, 0, p.ops[0]!.shape[0], 0), { name: "ProgramError" });
    assert.throws(() => elementOf(p, row, 0, 0, -1), { name: "ProgramError" });
    assert.throws(() => elementOf(p, row, p.ops.length, 0, 0), { name: "ProgramError" });
  });
});
