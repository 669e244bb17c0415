import assert from "node:assert/strict";
import { before, describe, it } from "mocha";
import { elementOf, elementReads, rowsOf } from "../../lib/kernels/element.ts";
import { canonicalBits } from "../../lib/kernels/f32.ts";
import type { Program } from "../../lib/kernels/program.ts";
import { DEFAULT_STEP_CONFIG, initModel, loadMnist, SplitMix32, type Batch, type ModelState } from "../../lib/ml/index.ts";
import { batchStream } from "../ml/helpers.ts";
import { ranBusiestExpert, ranGate } from "./programs.ts";

const config = DEFAULT_STEP_CONFIG;
const spec = config.spec;

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

describe("kernels/element: one element of one operation, from its argument rows", function () {
  this.timeout(120_000);
  let model: ModelState;
  let batch: Batch;
  before(() => {
    model = initModel(11);
    batch = batchStream(loadMnist("train"), 5, 1)[0]!;
  });

  it("gives every checked element of a gate step the bits of the whole-tensor run", () => {
    const { p, tensors } = ranGate(model, batch);
    const n = checkElements(p, tensors, 3000, 1);
    assert.ok(n > 50_000, `${n} elements checked`);
  });

  it("gives every checked element of an expert step (routing, row selection, training) the bits of the run", () => {
    const { p, tensors, routed } = ranBusiestExpert(model, batch);
    assert.ok(p.ops.some((op) => op.kind === "selectIndex" && op.shape[1] === routed));
    checkElements(p, tensors, 3000, 2);
  });

  it("agrees where values overflow to ±∞ and turn into NaN", () => {
    const big = structuredClone(model);
    for (const name of Object.keys(big)) for (const w of [0, 2]) big[name]!.params[w]!.forEach((v, i, a) => (a[i] = v * (w === 0 ? 2e38 : 1)));
    const { p, tensors } = ranGate(big, batch);
    assert.ok(tensors.some((t) => t.some((v) => Number.isNaN(v))), "NaN appears");
    assert.ok(tensors.some((t) => t.some((v) => Math.abs(v) === Number.POSITIVE_INFINITY)), "±∞ appears");
    checkElements(p, tensors, 500, 3);
  });

  it("refuses an element outside the output and an operation that does not exist", () => {
    const { p, tensors } = ranGate(model, { x: batch.x.subarray(0, 4 * spec.inputSize), y: batch.y.subarray(0, 4) });
    const row = rowsOf(p, tensors);
    assert.throws(() => elementOf(p, row, 0, p.ops[0]!.shape[0], 0), { name: "ProgramError" });
    assert.throws(() => elementOf(p, row, 0, 0, -1), { name: "ProgramError" });
    assert.throws(() => elementOf(p, row, p.ops.length, 0, 0), { name: "ProgramError" });
  });
});
