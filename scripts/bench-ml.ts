// Training-step throughput per tfjs backend (a benchmark, not a test).
//   npx tsx scripts/bench-ml.ts                 table
//   npx tsx scripts/bench-ml.ts --json          { "stepsPerSecond": { "<backend>": n }, ... }
//   npx tsx scripts/bench-ml.ts --steps 50      steps per timed run (default 40)
import { parseArgs } from "node:util";
import {
  BACKEND_ORDER,
  BackendUnavailableError,
  DEFAULT_STEP_CONFIG,
  gatherBatch,
  initModel,
  loadMnist,
  paramsOf,
  selectBackend,
  SplitMix32,
  trainStep,
  type Batch,
  type BackendKind,
  type ModelParams,
  type ShardState,
  type StepConfig,
} from "../lib/ml/index.ts";

const HELP = `usage: npx tsx scripts/bench-ml.ts [--json] [--steps N] [--help]

Times trainStep (lib/ml/step.ts) on every tfjs backend that initialises here, in the order
gpu (tfjs-node-gpu), node (tfjs-node), wasm, cpu: the default MoE (gate 784-32-4, four experts
784-64-10), batch 64 of real MNIST, SGD with momentum. Each figure is the median of 3 timed runs of
N chained steps, after one untimed warm-up run.

  stepsPerSecond        gate steps: forward of the gate and of all 4 frozen experts, backward of the gate
                        (the heaviest step of the model)
  expertStepsPerSecond  expert-0 steps with all 64 samples routed to it (its heaviest case): gate routing
                        forward, then forward and backward of the expert
  referenceStepsPerSecond  both steps on the reference kernels of exact mode (lib/kernels), no tfjs
  referenceOverWasm     the lower of reference ÷ wasm for the two steps (target ≥ 1)

--json prints one object: { "stepsPerSecond": { "<backend>": n }, "expertStepsPerSecond": { … },
"referenceStepsPerSecond": { "gate": n, "expert": n }, "referenceOverWasm": r, "unavailable": { "<backend>": reason } }.`;

function args(): { json?: boolean; steps?: string; help?: boolean } {
  try {
    return parseArgs({ options: { json: { type: "boolean" }, steps: { type: "string" }, help: { type: "boolean" } } }).values;
  } catch (err) {
    console.error(`bench-ml: ${(err as Error).message} (try --help)`);
    process.exit(2);
  }
}
const values = args();
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const steps = Number(values.steps ?? 40);
if (!Number.isInteger(steps) || steps < 1) {
  console.error(`bench-ml: --steps must be a positive integer, got ${values.steps}`);
  process.exit(2);
}

const train = loadMnist("train");
const rng = new SplitMix32(2024);
const batches: Batch[] = Array.from({ length: steps }, () =>
  gatherBatch(train, Uint32Array.from({ length: 64 }, () => rng.nextBelow(train.count))),
);
const start = initModel(1);
const frozen = paramsOf(start);
// A gate whose last bias sends every sample to expert-0: the expert step then trains on all 64.
const allToExpert0: ModelParams = {
  ...frozen,
  gate: start.gate!.params.map((p, i) => (i === 3 ? Float32Array.from(p, (v, k) => (k === 0 ? 1e3 : v)) : p)),
};

const TFJS: StepConfig = { ...DEFAULT_STEP_CONFIG, arithmetic: "tfjs" };
const REFERENCE: StepConfig = { ...DEFAULT_STEP_CONFIG, arithmetic: "reference" };

function timeRun(shard: string, state: ShardState, fixed: ModelParams, n: number, config: StepConfig): number {
  let s = state;
  const t0 = performance.now();
  for (let t = 0; t < n; t++) s = trainStep(shard, s, fixed, batches[t % batches.length]!, config).state;
  return n / ((performance.now() - t0) / 1000);
}

function medianRate(shard: string, fixed: ModelParams, config: StepConfig = TFJS): number {
  timeRun(shard, start[shard]!, fixed, Math.min(5, steps), config);
  const rates = [0, 1, 2].map(() => timeRun(shard, start[shard]!, fixed, steps, config)).sort((a, b) => a - b);
  return Math.round(rates[1]! * 10) / 10;
}

const stepsPerSecond: Partial<Record<BackendKind, number>> = {};
const expertStepsPerSecond: Partial<Record<BackendKind, number>> = {};
const unavailable: Partial<Record<BackendKind, string>> = {};
const details: Partial<Record<BackendKind, string>> = {};
for (const kind of BACKEND_ORDER) {
  try {
    details[kind] = (await selectBackend(kind)).detail;
  } catch (err) {
    if (!(err instanceof BackendUnavailableError)) throw err;
    unavailable[kind] = err.message;
    continue;
  }
  stepsPerSecond[kind] = medianRate("gate", frozen);
  expertStepsPerSecond[kind] = medianRate("expert-0", allToExpert0);
}

// The reference kernels of exact mode (lib/kernels), timed in the same run: the target is
// reference ≥ wasm for both steps; referenceOverWasm is the lower of the two ratios.
const reference = { gate: medianRate("gate", frozen, REFERENCE), expert: medianRate("expert-0", allToExpert0, REFERENCE) };
const wasmGate = stepsPerSecond.wasm;
const wasmExpert = expertStepsPerSecond.wasm;
const referenceOverWasm =
  wasmGate === undefined || wasmExpert === undefined ? null : Number(Math.min(reference.gate / wasmGate, reference.expert / wasmExpert).toFixed(3));

if (values.json) {
  console.log(JSON.stringify({ stepsPerSecond, expertStepsPerSecond, referenceStepsPerSecond: reference, referenceOverWasm, unavailable }));
} else {
  console.log(`trainStep, batch 64, median of 3 runs of ${steps} steps`);
  console.log("backend  gate steps/s  expert steps/s  what runs");
  for (const kind of BACKEND_ORDER) {
    if (unavailable[kind] !== undefined) {
      console.log(`${kind.padEnd(8)} ${"-".padStart(12)}  ${"-".padStart(14)}  unavailable: ${unavailable[kind]}`);
    } else {
      const g = String(stepsPerSecond[kind]).padStart(12);
      const e = String(expertStepsPerSecond[kind]).padStart(14);
      console.log(`${kind.padEnd(8)} ${g}  ${e}  ${details[kind]}`);
    }
  }
  console.log(`${"kernels".padEnd(8)} ${String(reference.gate).padStart(12)}  ${String(reference.expert).padStart(14)}  reference kernels of exact mode (lib/kernels: binary32, fixed order, WebAssembly SIMD)`);
  console.log(`reference ÷ wasm (lower of gate and expert): ${referenceOverWasm ?? "- (wasm unavailable)"}`);
}
process.exit(0);
