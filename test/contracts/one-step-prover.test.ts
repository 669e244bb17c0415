// contracts/OneStepProver.sol with lib/protocol/one-step-proof.ts: elements of every operation of real gate and
// expert steps (traceStep on a seed-derived batch of the real MNIST training set) come out of valueOf with the
// bits element.ts gives, each row opened against the trace root or the dataset root; and openings that do not
// hold (trace, chunks, row bytes, dataset example, batch index, pixel values, arguments, shape) are refused.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, describe, it } from "mocha";
import {
  BaseError,
  ContractFunctionRevertedError,
  encodeFunctionData,
  hexToBytes,
  keccak256,
  size,
  stringToHex,
  type Address,
  type Hex,
} from "viem";
import { batchIndices, batchSeed, type BatchParams } from "../../lib/core/batches.ts";
import type { ListTree } from "../../lib/core/tensor-commit.ts";
import { elementOf, rowsOf } from "../../lib/kernels/element.ts";
import { bitsOf, canonicalBits, fromBits } from "../../lib/kernels/f32.ts";
import { ProgramBuilder } from "../../lib/kernels/program.ts";
import { routes } from "../../lib/kernels/step.ts";
import {
  datasetTree,
  DEFAULT_STEP_CONFIG,
  gatherBatch,
  initModel,
  loadMnist,
  paramsOf,
  SplitMix32,
  type MnistDataset,
  type ModelState,
} from "../../lib/ml/index.ts";
import { proverContext, proverOp, rowOpenings, type ProverContext, type ProverOp, type RowOpening } from "../../lib/protocol/one-step-proof.ts";
import { listRoot, tensorRoot } from "../../lib/core/tensor-commit.ts";
import { traceStep, type StepTrace } from "../../lib/protocol/step-trace.ts";
import { viem } from "./fixture.ts";
import { oneStepCall, type OneStepArgs } from "./one-step-call.ts";

type Call = [ProverContext, ProverOp, bigint, bigint, RowOpening[]];
type Prover = Awaited<ReturnType<typeof viem.deployContract<"OneStepProver">>>;

const BATCH = 32;
const TRAINER: Address = "0x00000000000000000000000000000000000a11ce";
const ROUND_SEED = keccak256(stringToHex("one-step-prover test round"));

interface Step {
  trace: StepTrace;
  ctx: ProverContext;
  batch: { dataset: MnistDataset; tree: ListTree; indices: number[] };
}

/** The error name and arguments a rejected read carries. */
async function revertOf(p: Promise<unknown>): Promise<{ name: string; args: readonly unknown[] }> {
  try {
    await p;
  } catch (e) {
    const reverted = e instanceof BaseError ? e.walk((x) => x instanceof ContractFunctionRevertedError) : undefined;
    if (reverted instanceof ContractFunctionRevertedError && reverted.data) return { name: reverted.data.errorName, args: reverted.data.args ?? [] };
    throw e;
  }
  assert.fail("the call did not revert");
}

async function assertRevert(p: Promise<unknown>, name: string, args?: readonly unknown[]): Promise<void> {
  const got = await revertOf(p);
  assert.equal(got.name, name);
  if (args) assert.deepEqual(got.args, args);
}

function flipByte(h: Hex, at: number): Hex {
  const k = 2 + 2 * at;
  const b = (Number.parseInt(h.slice(k, k + 2), 16) ^ 0x01).toString(16).padStart(2, "0");
  return `${h.slice(0, k)}${b}${h.slice(k + 2)}` as Hex;
}

/** Row data with binary32 value k replaced by `bits`. */
function withValue(h: Hex, k: number, bits: number): Hex {
  const le = new Uint8Array(4);
  new DataView(le.buffer).setUint32(0, bits, true);
  const hex = [...le].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 2 + 8 * k)}${hex}${h.slice(2 + 8 * k + 8)}` as Hex;
}

function valueAt(h: Hex, k: number): number {
  const s = h.slice(2 + 8 * k, 2 + 8 * k + 8);
  return new DataView(Uint8Array.from(s.match(/../g)!, (b) => Number.parseInt(b, 16)).buffer).getUint32(0, true);
}

function callOf(step: Step, t: number, i: number, j: number): Call {
  return [step.ctx, proverOp(step.trace.program, t), BigInt(i), BigInt(j), rowOpenings(step.trace, t, i, j, step.batch)];
}

function stepOf(shard: string, shardIndex: number, model: ModelState, dataset: MnistDataset, tree: ListTree): Step {
  const params: BatchParams = { roundSeed: ROUND_SEED, trainer: TRAINER, shard: shardIndex, step: 3, batchSize: BATCH, sliceStart: 0, sliceLength: dataset.count };
  const indices = [...batchIndices(params)];
  const trace = traceStep(shard, model[shard]!, paramsOf(model), gatherBatch(dataset, Uint32Array.from(indices)), DEFAULT_STEP_CONFIG);
  return { trace, ctx: proverContext(trace, tree.root, dataset.count, batchSeed(params)), batch: { dataset, tree, indices } };
}

/** valueOf against element.ts for one or more elements of every operation; returns how many were checked. */
async function checkEveryOp(prover: Prover, step: Step, seed: number): Promise<number> {
  const { program, tensors } = step.trace;
  const rng = new SplitMix32(seed);
  const row = rowsOf(program, tensors);
  let checked = 0;
  for (let k = 0; k < program.ops.length; k++) {
    const op = program.ops[k]!;
    const [rows, cols] = op.shape;
    const picks = op.kind === "matmulNT" ? 2 : 3;
    for (let s = 0; s < picks; s++) {
      const e = s === 0 ? rows * cols - 1 : rng.nextBelow(rows * cols);
      const i = Math.floor(e / cols);
      const j = e % cols;
      const want = canonicalBits(elementOf(program, row, k, i, j));
      const got = Number(await prover.read.valueOf(callOf(step, program.inputs.length + k, i, j)));
      assert.equal(got, want, `${op.name} (${op.kind}) (${i}, ${j}): on-chain ${fromBits(got)}, element.ts ${fromBits(want)}`);
      checked++;
    }
  }
  return checked;
}

/** The first operation of the step reading argument `name` (an input), as tensor index. */
function firstReading(trace: StepTrace, kind: string, input: string): number {
  const { program } = trace;
  const a = program.inputs.findIndex((d) => d.name === input);
  const k = program.ops.findIndex((op) => op.kind === kind && op.args.includes(a));
  assert.ok(k >= 0, `no ${kind} reading ${input}`);
  return program.inputs.length + k;
}

describe("contracts/OneStepProver.sol: one-step proofs of real steps", function () {
  this.timeout(300_000);
  let prover: Prover;
  let gate: Step;
  let expert: Step;

  before(async () => {
    prover = await viem.deployContract("OneStepProver");
    const dataset = loadMnist("train");
    const tree = datasetTree(dataset);
    const model = initModel(11);
    gate = stepOf("gate", 0, model, dataset, tree);
    // The first expert (shard e + 1) that the gate routes some of its own batch to.
    for (let e = 0; e < DEFAULT_STEP_CONFIG.spec.experts && !expert; e++) {
      const params: BatchParams = { roundSeed: ROUND_SEED, trainer: TRAINER, shard: e + 1, step: 3, batchSize: BATCH, sliceStart: 0, sliceLength: dataset.count };
      const x = gatherBatch(dataset, batchIndices(params)).x;
      if (routes(model.gate!.params, x, BATCH, DEFAULT_STEP_CONFIG.spec).includes(e)) expert = stepOf(`expert-${e}`, e + 1, model, dataset, tree);
    }
    assert.ok(expert, "no expert is routed a row");
  });

  it("recomputes elements of every operation of a gate step (batch rows opened against the dataset root)", async () => {
    const n = await checkEveryOp(prover, gate, 1);
    console.log("      checked", n, "of", gate.trace.program.ops.length, "ops");
    assert.ok(n > 150);
  });

  it("recomputes elements of every operation of an expert step (routing, selection, training)", async () => {
    assert.notEqual(expert.trace.endRoot, expert.trace.startRoot, "the expert trains on its routed rows");
    const n = await checkEveryOp(prover, expert, 2);
    console.log("      checked", n, "of", expert.trace.program.ops.length, "ops");
  });

  it("reads x through the dataset in the first matmul and y in pickLabel, xentGrad's inputs and gatherRows", async () => {
    const mm = firstReading(gate.trace, "matmulNT", "x");
    const op = proverOp(gate.trace.program, mm);
    assert.deepEqual(op.argSources, [1, 0]);
    const call = callOf(gate, mm, 5, 2);
    assert.equal(call[4][0]!.chunks.length, 0);
    assert.equal(size(call[4][0]!.example), 785);
    assert.equal(call[4][1]!.chunks.length, 2, "row 2 of a 784-column tensor spans chunks 0 and 1");
    const pick = firstReading(gate.trace, "pickLabel", "y");
    assert.deepEqual(proverOp(gate.trace.program, pick).argSources, [0, 2]);
    assert.equal(proverOp(expert.trace.program, firstReading(expert.trace, "gatherRows", "y")).argSources[0], 2);
    assert.equal(proverOp(expert.trace.program, firstReading(expert.trace, "gatherRows", "x")).argSources[0], 1);
  });

  it("the pixel table is Math.fround(p / 255) for every p, in the source and on-chain", async () => {
    const source = readFileSync(new URL("../../contracts/OneStepProver.sol", import.meta.url), "utf8");
    const literal = /PIXEL_LE =\s*((?:hex"[0-9a-f]*"\s*)+);/.exec(source);
    assert.ok(literal, "PIXEL_LE not found");
    const table = [...literal[1]!.matchAll(/hex"([0-9a-f]*)"/g)].map((m) => m[1]).join("");
    const want = Array.from({ length: 256 }, (_, p) => valueHex(bitsOf(Math.fround(p / 255)))).join("");
    assert.equal(table, want);
    // Float32.div(p, 255) on-chain is the same rounding.
    const f32 = (await viem.deployContract("Float32Harness")) as unknown as { read: { run: (a: [number, bigint[]]) => Promise<readonly bigint[]> } };
    const ops = Array.from({ length: 256 }, (_, p) => (BigInt(bitsOf(p)) << 32n) | BigInt(bitsOf(255)));
    assert.deepEqual((await f32.read.run([3, ops])).map(Number), Array.from({ length: 256 }, (_, p) => bitsOf(Math.fround(p / 255))));
    // A pixel row holding every value 0…255 opens (each entry compared), and relu of it comes back.
    const count = 3;
    const pixels = new Uint8Array(count * 784).map((_, k) => (k * 7 + Math.floor(k / 784)) % 256);
    const dataset: MnistDataset = { pixels, labels: Uint8Array.of(1, 2, 3), count };
    const b = new ProgramBuilder();
    const x = b.input("x", [1, 784]);
    b.op("r", "relu", [x], [1, 784]);
    const program = b.program();
    const params: BatchParams = { roundSeed: ROUND_SEED, trainer: TRAINER, shard: 0, step: 0, batchSize: 1, sliceStart: 0, sliceLength: count };
    const index = batchIndices(params)[0]!;
    const xs = Float32Array.from(pixels.subarray(index * 784, (index + 1) * 784), (p) => p / 255);
    const tensors = [xs, xs.slice()];
    const roots = tensors.map((v) => tensorRoot(v, 1, 784));
    const trace: StepTrace = { program, tensors, roots, traceRoot: listRoot(roots), startRoot: roots[0]!, endRoot: roots[0]!, routed: 1 };
    const tree = datasetTree(dataset);
    const step: Step = { trace, ctx: proverContext(trace, tree.root, count, batchSeed(params)), batch: { dataset, tree, indices: [index] } };
    for (const j of [0, 1, 37, 500, 783]) {
      assert.equal(Number(await prover.read.valueOf(callOf(step, 1, 0, j))), bitsOf(xs[j]!));
    }
  });

  describe("refuses openings that do not hold", () => {
    // Element (5, 2) of the gate's first matmul: read 0 is x row 5 (dataset), read 1 is w1 row 2 (chunks 0 and 1).
    let call: Call;
    let mm: number;
    const mutate = (f: (c: Call) => void): Call => {
      const c = structuredClone(call);
      f(c);
      return c;
    };
    const invalid = (q: number) => ["RowOpeningInvalid", [BigInt(q)]] as const;
    before(() => {
      mm = firstReading(gate.trace, "matmulNT", "x");
      call = callOf(gate, mm, 5, 2);
    });

    it("takes the honest call (and reports its gas)", async () => {
      const want = canonicalBits(elementOf(gate.trace.program, rowsOf(gate.trace.program, gate.trace.tensors), mm - gate.trace.program.inputs.length, 5, 2));
      assert.equal(Number(await prover.read.valueOf(call)), want);
      const client = await viem.getPublicClient();
      const data = encodeFunctionData({ abi: prover.abi, functionName: "valueOf", args: call });
      const gas = await client.estimateGas({ to: prover.address, data });
      const bytes = hexToBytes(data);
      const intrinsic = 21_000 + bytes.reduce((g, b) => g + (b === 0 ? 4 : 16), 0);
      // The arithmetic alone (OneStep.element through its harness), to see what the openings add.
      const harness = (await viem.deployContract("OneStepHarness")) as unknown as { read: { gasOf: (a: OneStepArgs) => Promise<readonly [bigint, bigint]> } };
      const [arithmetic] = await harness.read.gasOf(oneStepCall(gate.trace.program, gate.trace.tensors, mm - gate.trace.program.inputs.length, 5, 2));
      console.log(
        `      valueOf of the gate's first matmulNT (x row, w1 row over 2 chunks): ${gas} gas in all, ${bytes.length} bytes of calldata ` +
          `(${intrinsic} intrinsic), ${Number(gas) - intrinsic} executed of which ${arithmetic} arithmetic`,
      );
      assert.ok(gas < 3_000_000n);
    });

    it("a wrong trace root, root or list proof", async () => {
      await assertRevert(prover.read.valueOf(mutate((c) => (c[0].traceRoot = flipByte(c[0].traceRoot, 0)))), ...invalid(1));
      await assertRevert(prover.read.valueOf(mutate((c) => (c[4][1]!.root = flipByte(c[4][1]!.root, 31)))), ...invalid(1));
      await assertRevert(prover.read.valueOf(mutate((c) => (c[4][1]!.rootProof[0] = flipByte(c[4][1]!.rootProof[0]!, 3)))), ...invalid(1));
      await assertRevert(prover.read.valueOf(mutate((c) => c[4][1]!.rootProof.pop())), ...invalid(1));
      await assertRevert(prover.read.valueOf(mutate((c) => (c[0].traceCount += 1))), ...invalid(1));
    });

    it("a tampered chunk byte, inside the row (with the row's data to match) or outside it", async () => {
      const at = 6272 + 100; // row 2 starts at byte 2·3136 of chunk 0
      await assertRevert(
        prover.read.valueOf(
          mutate((c) => {
            c[4][1]!.chunks[0]!.data = flipByte(c[4][1]!.chunks[0]!.data, at);
            c[4][1]!.data = flipByte(c[4][1]!.data, 100);
          }),
        ),
        ...invalid(1),
      );
      await assertRevert(prover.read.valueOf(mutate((c) => (c[4][1]!.chunks[0]!.data = flipByte(c[4][1]!.chunks[0]!.data, 7)))), ...invalid(1));
      await assertRevert(prover.read.valueOf(mutate((c) => (c[4][1]!.chunks[1]!.proof[0] = flipByte(c[4][1]!.chunks[1]!.proof[0]!, 0)))), ...invalid(1));
    });

    it("a chunk missing, out of order, repeated or with the wrong index", async () => {
      await assertRevert(prover.read.valueOf(mutate((c) => c[4][1]!.chunks.pop())), ...invalid(1));
      await assertRevert(prover.read.valueOf(mutate((c) => c[4][1]!.chunks.shift())), ...invalid(1));
      await assertRevert(prover.read.valueOf(mutate((c) => c[4][1]!.chunks.reverse())), ...invalid(1));
      await assertRevert(prover.read.valueOf(mutate((c) => c[4][1]!.chunks.push(c[4][1]!.chunks[1]!))), ...invalid(1));
      await assertRevert(prover.read.valueOf(mutate((c) => (c[4][1]!.chunks[1]!.index = 2))), ...invalid(1));
    });

    it("row data that is not the chunks' bytes", async () => {
      await assertRevert(prover.read.valueOf(mutate((c) => (c[4][1]!.data = flipByte(c[4][1]!.data, 3135)))), ...invalid(1)); // the tail
      await assertRevert(prover.read.valueOf(mutate((c) => (c[4][1]!.data = flipByte(c[4][1]!.data, 2000)))), ...invalid(1)); // in chunk 1
      await assertRevert(prover.read.valueOf(mutate((c) => (c[4][1]!.data = c[4][1]!.data.slice(0, -8) as Hex))), ...invalid(1));
      // another row of the same tensor, opened correctly, is not the row the element reads
      const other = rowOpenings(gate.trace, mm, 5, 3, gate.batch)[1]!;
      await assertRevert(prover.read.valueOf(mutate((c) => (c[4][1] = other))), "OneStepReadInvalid");
    });

    it("a wrong dataset example, proof, root or batch base", async () => {
      await assertRevert(prover.read.valueOf(mutate((c) => (c[4][0]!.example = flipByte(c[4][0]!.example, 0)))), ...invalid(0)); // the label byte
      await assertRevert(prover.read.valueOf(mutate((c) => (c[4][0]!.exampleProof[4] = flipByte(c[4][0]!.exampleProof[4]!, 9)))), ...invalid(0));
      await assertRevert(prover.read.valueOf(mutate((c) => (c[4][0]!.example = c[4][0]!.example.slice(0, -2) as Hex))), ...invalid(0));
      await assertRevert(prover.read.valueOf(mutate((c) => (c[0].datasetRoot = flipByte(c[0].datasetRoot, 0)))), ...invalid(0));
      await assertRevert(prover.read.valueOf(mutate((c) => (c[0].batchBase = flipByte(c[0].batchBase, 0)))), ...invalid(0));
      await assertRevert(prover.read.valueOf(mutate((c) => (c[0].datasetSize -= 1))), ...invalid(0));
    });

    it("the example of another batch row, with its own valid proof and values", async () => {
      const row6 = rowOpenings(gate.trace, mm, 6, 2, gate.batch)[0]!;
      await assertRevert(prover.read.valueOf(mutate((c) => Object.assign(c[4][0]!, { example: row6.example, exampleProof: row6.exampleProof, data: row6.data }))), ...invalid(0));
    });

    it("a pixel row with one value changed, or of the wrong length", async () => {
      const k = 400;
      await assertRevert(prover.read.valueOf(mutate((c) => (c[4][0]!.data = withValue(c[4][0]!.data, k, valueAt(c[4][0]!.data, k) + 1)))), ...invalid(0));
      await assertRevert(prover.read.valueOf(mutate((c) => (c[4][0]!.data = withValue(c[4][0]!.data, 783, 0x3f800001)))), ...invalid(0));
      await assertRevert(prover.read.valueOf(mutate((c) => (c[4][0]!.data = c[4][0]!.data.slice(0, -8) as Hex))), ...invalid(0));
    });

    it("a label that is not the example's", async () => {
      const pick = firstReading(gate.trace, "pickLabel", "y");
      const c = callOf(gate, pick, 4, 0);
      assert.equal(Number(await prover.read.valueOf(c)), canonicalBits(elementOf(gate.trace.program, rowsOf(gate.trace.program, gate.trace.tensors), pick - gate.trace.program.inputs.length, 4, 0)));
      const label = valueAt(c[4][0]!.data, 0);
      const wrong = structuredClone(c);
      wrong[4][0]!.data = withValue(wrong[4][0]!.data, 0, bitsOf(fromBits(label) + 1));
      await assertRevert(prover.read.valueOf(wrong), ...invalid(0));
      const asPixels = structuredClone(c);
      asPixels[1].argSources[1] = 1;
      await assertRevert(prover.read.valueOf(asPixels), ...invalid(0));
    });

    it("an argument out of range, a row past its argument, a source that does not fit", async () => {
      await assertRevert(prover.read.valueOf(mutate((c) => (c[4][0]!.arg = 2n))), ...invalid(0));
      await assertRevert(prover.read.valueOf(mutate((c) => (c[4][1]!.row = BigInt(c[1].argRows[1]!)))), ...invalid(1));
      await assertRevert(prover.read.valueOf(mutate((c) => (c[1].argSources[0] = 0))), ...invalid(0)); // x opened as a trace row
      await assertRevert(prover.read.valueOf(mutate((c) => (c[1].argSources[1] = 3))), ...invalid(1));
      await assertRevert(prover.read.valueOf(mutate((c) => c[1].argCols.pop())), "OpMalformed");
    });

    it("an element out of the operation's shape", async () => {
      await assertRevert(prover.read.valueOf(mutate((c) => (c[2] = BigInt(c[1].rows)))), "ElementOutOfShape");
      await assertRevert(prover.read.valueOf(mutate((c) => (c[3] = BigInt(c[1].cols)))), "ElementOutOfShape");
    });
  });
});

function valueHex(bits: number): string {
  return [0, 8, 16, 24].map((s) => ((bits >>> s) & 0xff).toString(16).padStart(2, "0")).join("");
}
