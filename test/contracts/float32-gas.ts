// Gas of the Float32 library's operations and of the largest one-element check of the reference step
// (a 784-term dot product: one element of x·W1), for scripts/bench-gas.ts.
import { toHex } from "viem";
import { fromBits } from "../../lib/kernels/f32.ts";
import { SplitMix32 } from "../../lib/ml/prng.ts";
import { viem } from "./fixture.ts";

const OPS = { add: 0, sub: 1, mul: 2, div: 3, max: 4, relu: 5, exp32: 6, log32: 7 } as const;

type Harness = {
  read: { gasOf: (args: [number, bigint, bigint]) => Promise<readonly [bigint, bigint]> };
  address: `0x${string}`;
};

/** Median gas of each operation over typical operands (finite, normal, of mixed signs and sizes), and `oneStepMax`. */
export async function measureFloat32Gas(): Promise<Record<string, number>> {
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
  // The one-step check's arithmetic for the largest operation: z1[i][j] = Σ_k x[i][k] ⊗ W1[k][j], k < 784,
  // as a whole transaction (calldata included) through the harness's dot().
  const row = () => toHex(new Uint8Array(Float32Array.from({ length: 784 }, () => fromBits(Number(typical()))).buffer));
  const publicClient = await viem.getPublicClient();
  const [wallet] = await viem.getWalletClients();
  const { encodeFunctionData } = await import("viem");
  const artifact = await import("../../artifacts/contracts/test/Float32Harness.sol/Float32Harness.json", { with: { type: "json" } });
  const data = encodeFunctionData({ abi: artifact.default.abi, functionName: "dot", args: [row(), row()] });
  out.oneStepMax = Number(await publicClient.estimateGas({ account: wallet!.account, to: harness.address, data }));
  return out;
}
