// The arguments of OneStep.element for one element of a program's operation: the rows element.ts reads, as
// (argument, row, bytes). Shared by test/contracts/one-step.test.ts and the gas bench.
import { bytesToHex, type Hex } from "viem";
import { elementReads, rowsOf } from "../../lib/kernels/element.ts";
import { canonicalBits } from "../../lib/kernels/f32.ts";
import { OP_KINDS, type Program } from "../../lib/kernels/program.ts";

export type ArgRow = { arg: bigint; row: bigint; data: Hex };
export type OneStepArgs = [number, bigint[], bigint, bigint, ArgRow[], bigint[]];
export type OneStepHarness = {
  read: { element: (a: OneStepArgs) => Promise<bigint> };
  address: `0x${string}`;
};

/** OneStep.element's arguments for element (i, j) of p.ops[k]. */
export function oneStepCall(p: Program, tensors: Float32Array[], k: number, i: number, j: number): OneStepArgs {
  const op = p.ops[k]!;
  const row = rowsOf(p, tensors);
  const reads = elementReads(p, row, k, i, j).map(({ tensor, row: r }) => {
    const arg = op.kind === "concatCols" ? j : op.args.indexOf(tensor);
    const data = row(tensor, r);
    return { arg: BigInt(arg), row: BigInt(r), data: bytesToHex(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)) };
  });
  const scalars = op.scalars.map((s) => BigInt(canonicalBits(s)));
  const argRows = op.args.map((t) => BigInt(t < p.inputs.length ? p.inputs[t]!.shape[0] : p.ops[t - p.inputs.length]!.shape[0]));
  return [OP_KINDS.indexOf(op.kind), scalars, BigInt(i), BigInt(j), reads, argRows];
}
