// Gas of the Float32 library's operations, and of the one-element check (OneStep.sol) of every operation kind
// of the default model's gate and expert steps as a whole transaction (calldata included), for
// scripts/bench-gas.ts. oneStepMax is the largest: the step whose element costs most to re-execute.
import { encodeFunctionData } from "viem";
import { initModel, loadMnist } from "../../lib/ml/index.ts";
import { SplitMix32 } from "../../lib/ml/prng.ts";
import { batchStream } from "../ml/helpers.ts";
import { viem } from "./fixture.ts";
import { ranBusiestExpert, ranGate } from "../kernels/programs.ts";
import { oneStepCall, type OneStepHarness } from "./one-step-call.ts";
import type { Program } from "../../lib/kernels/program.ts";

const OPS = { add: 0, sub: 1, mul: 2, div: 3, max: 4, relu: 5, exp32: 6, log32: 7 } as const;

type Harness = { read: { gasOf: (args: [number, bigint, bigint]) => Promise<readonly [bigint, bigint]> } };

/** Median gas of each Float32 operation over typical operands (finite, normal, of mixed signs and sizes). */
async function float32Gas(): Promise<Record<string, number>> {
  const harness = (await viem.deployContract("Float32Harness")) as unknown as Harness;
  const rng = new SplitMix32(5);
  const typical = () => BigInt(new Uint32Array(Float32Array.of((rng.nextFloat() * 2 - 1) * 8).buffer)[0]!);
  const out: Record<string, number> = {};
  for (const [name, code] of Object.entries(OPS)) {
    const gas: number[] = [];
    for (let i = 0; i < 31; i++) {
      const a = name === "log32" ? typical() & 0x7fffffffn : typical(); // log32 of a positive number, not its NaN shortcut
      gas.push(Number((await harness.read.gasOf([code, a, typical()]))[0]));
    }
    gas.sort((a, b) => a - b);
    out[`f32.${name}`] = gas[15]!;
  }
  return out;
}

/** The largest transaction gas of one element per operation kind, over the gate and a busy expert step. */
async function oneStepGas(): Promise<Record<string, number>> {
  const harness = (await viem.deployContract("OneStepHarness")) as unknown as OneStepHarness;
  const artifact = await import("../../artifacts/contracts/test/OneStepHarness.sol/OneStepHarness.json", { with: { type: "json" } });
  const publicClient = await viem.getPublicClient();
  const [wallet] = await viem.getWalletClients();
  const model = initModel(11);
  const batch = batchStream(loadMnist("train"), 5, 1)[0]!;
  const gate = ranGate(model, batch);
  const expert = ranBusiestExpert(model, batch);
  const runs: [Program, Float32Array[]][] = [
    [gate.p, gate.tensors],
    [expert.p, expert.tensors],
  ];
  const out: Record<string, number> = {};
  for (const [p, tensors] of runs) {
    for (let k = 0; k < p.ops.length; k++) {
      const op = p.ops[k]!;
      const [rows, cols] = op.shape;
      const data = encodeFunctionData({ abi: artifact.default.abi, functionName: "element", args: oneStepCall(p, tensors, k, rows - 1, cols - 1) });
      const gas = Number(await publicClient.estimateGas({ account: wallet!.account, to: harness.address, data }));
      const key = `oneStep.${op.kind}`;
      out[key] = Math.max(out[key] ?? 0, gas);
    }
  }
  out.oneStepMax = Math.max(...Object.values(out));
  return out;
}

/** Float32 operation gas (f32.<op>), one-step gas per kind (oneStep.<kind>) and oneStepMax. */
export async function measureFloat32Gas(): Promise<Record<string, number>> {
  return { ...(await float32Gas()), ...(await oneStepGas()) };
}
