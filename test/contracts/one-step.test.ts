// OneStep.sol against lib/kernels/element.ts: elements of every operation of real gate and expert steps,
// given the rows element.ts reads, come out with the same bits on-chain.
import assert from "node:assert/strict";
import { before, describe, it } from "mocha";
import { elementOf, rowsOf } from "../../lib/kernels/element.ts";
import { canonicalBits, fromBits } from "../../lib/kernels/f32.ts";
import type { Program } from "../../lib/kernels/program.ts";
import { initModel, loadMnist, SplitMix32, type Batch, type ModelState } from "../../lib/ml/index.ts";
import { batchStream } from "../ml/helpers.ts";
import { viem } from "./fixture.ts";
import { ranBusiestExpert, ranGate } from "../kernels/programs.ts";
import { oneStepCall, type OneStepHarness as Harness } from "./one-step-call.ts";


async function checkProgram(harness: Harness, p: Program, tensors: Float32Array[], seed: number): Promise<number> {
  const rng = new SplitMix32(seed);
  const row = rowsOf(p, tensors);
  let checked = 0;
  for (let k = 0; k < p.ops.length; k++) {
    const [rows, cols] = p.ops[k]!.shape;
    const picks = p.ops[k]!.kind === "matmulNT" ? 1 : 3;
    for (let s = 0; s < picks; s++) {
      const e = s === 0 ? rows * cols - 1 : rng.nextBelow(rows * cols);
      const i = Math.floor(e / cols);
      const j = e % cols;
      const want = canonicalBits(elementOf(p, row, k, i, j));
      const got = Number(await harness.read.element(oneStepCall(p, tensors, k, i, j)));
      assert.equal(got, want, `${p.ops[k]!.name} (${p.ops[k]!.kind}) (${i}, ${j}): Solidity ${fromBits(got)}, TypeScript ${fromBits(want)}`);
      checked++;
    }
  }
  return checked;
}

describe("contracts/libraries/OneStep.sol against lib/kernels/element.ts", function () {
  this.timeout(300_000);
  let harness: Harness;
  let model: ModelState;
  let batch: Batch;
  before(async () => {
    harness = (await viem.deployContract("OneStepHarness")) as unknown as Harness;
    model = initModel(11);
    batch = batchStream(loadMnist("train"), 5, 1)[0]!;
  });

  it("computes elements of every operation of a gate step as element.ts does", async () => {
    const { p, tensors } = ranGate(model, batch);
    assert.ok((await checkProgram(harness, p, tensors, 1)) > 200);
  });

  it("computes elements of every operation of an expert step (routing, selection, training) as element.ts does", async () => {
    const { p, tensors } = ranBusiestExpert(model, batch);
    await checkProgram(harness, p, tensors, 2);
  });

  it("agrees where values are ±∞ and NaN", async () => {
    const big = structuredClone(model);
    for (const name of Object.keys(big)) big[name]!.params[0]!.forEach((v, i, a) => (a[i] = v * 2e38));
    const { p, tensors } = ranGate(big, batch);
    await checkProgram(harness, p, tensors, 3);
  });

  it("refuses rows other than the ones the element reads", async () => {
    const { p, tensors } = ranGate(model, batch);
    const k = p.ops.findIndex((op) => op.kind === "addRow");
    const call = oneStepCall(p, tensors, k, 3, 5);
    const wrongRow = structuredClone(call);
    wrongRow[4][0]!.row = 4n;
    await assert.rejects(harness.read.element(wrongRow), /OneStepReadInvalid/);
    const wrongArg = structuredClone(call);
    wrongArg[4][1]!.arg = 0n;
    await assert.rejects(harness.read.element(wrongArg), /OneStepReadInvalid/);
    await assert.rejects(harness.read.element([99, [], 0n, 0n, [], []]), /OneStepKindUnknown/);
  });
});
