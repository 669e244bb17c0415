// Shared by the kernel, one-step and gas tests: the default model's gate and busiest-expert step programs
// run on a real batch, with every tensor kept (a trace materialises transposes too).
import type { Program } from "../../lib/kernels/program.ts";
import { ProgramRunner } from "../../lib/kernels/run.ts";
import { expertProgram, gateProgram, routes } from "../../lib/kernels/step.ts";
import { DEFAULT_STEP_CONFIG, type Batch, type ModelState } from "../../lib/ml/index.ts";

const config = DEFAULT_STEP_CONFIG;
const spec = config.spec;

export interface RanProgram {
  readonly p: Program;
  readonly tensors: Float32Array[];
}

/** Every tensor of the program run on `inputs`. */
export function runAll(p: Program, inputs: Float32Array[]): Float32Array[] {
  return new ProgramRunner(p, inputs, () => {}).run().tensors as Float32Array[];
}

/** The gate step of `model` on `batch`. */
export function ranGate(model: ModelState, batch: Batch): RanProgram {
  const p = gateProgram(batch.y.length, config);
  const experts = Array.from({ length: spec.experts }, (_, e) => model[`expert-${e}`]!.params).flat();
  return { p, tensors: runAll(p, [...model.gate!.params, ...model.gate!.slots, ...experts, batch.x, Float32Array.from(batch.y)]) };
}

/** The step of the expert the gate routes most of `batch` to, with how many rows it trains on. */
export function ranBusiestExpert(model: ModelState, batch: Batch): RanProgram & { expert: number; routed: number } {
  const counts = new Array<number>(spec.experts).fill(0);
  for (const r of routes(model.gate!.params, batch.x, batch.y.length, spec)) counts[r]! += 1;
  const expert = counts.indexOf(Math.max(...counts));
  const p = expertProgram(expert, batch.y.length, counts[expert]!, config);
  const e = model[`expert-${expert}`]!;
  return { p, tensors: runAll(p, [...e.params, ...e.slots, ...model.gate!.params, batch.x, Float32Array.from(batch.y)]), expert, routed: counts[expert]! };
}
