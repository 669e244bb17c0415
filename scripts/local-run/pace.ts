import { DEFAULT_STEP_CONFIG, gatherBatch, initModel, loadMnist, paramsOf, selectBackend, SplitMix32, trainStep, type BackendPreference, type StepConfig } from "../../lib/ml/index.ts";

// `npm start -- --pace auto`: how many local steps one core of this machine trains per second, measured
// here before any peer starts, so the run's windows can be sized for this machine instead of for a slow one.

/** Share of the measured rate the windows assume: the trainers share the cores with the chain, the verifiers and their own libp2p. */
export const AUTO_PACE_SHARE = 0.5;

export interface MeasuredPace {
  /** Steps per second of one trainer on one core: the mean time of a gate step and an expert step. */
  measured: number;
  /** What the windows are sized for: AUTO_PACE_SHARE of `measured`, rounded down (at least 1). */
  pace: number;
  backend: string;
}

/**
 * Times `steps` training steps of the gate and of expert-0 (batch 64 of real MNIST) after a short warm-up,
 * on a tfjs backend or ("kernels") on the reference kernels that exact mode runs.
 */
export async function measurePace(backend: BackendPreference | "kernels", steps = 30): Promise<MeasuredPace> {
  const kernels = backend === "kernels";
  const selected = kernels ? { name: "reference kernels" } : await selectBackend(backend);
  const config: StepConfig = { ...DEFAULT_STEP_CONFIG, arithmetic: kernels ? "reference" : "tfjs" };
  const train = loadMnist("train");
  const rng = new SplitMix32(7);
  const batch = () => gatherBatch(train, Uint32Array.from({ length: 64 }, () => rng.nextBelow(train.count)));
  const model = initModel(1);
  const frozen = paramsOf(model);
  let ms = 0;
  for (const shard of ["gate", "expert-0"]) {
    let s = model[shard]!;
    for (let t = 0; t < 5; t++) s = trainStep(shard, s, frozen, batch(), config).state;
    const t0 = performance.now();
    for (let t = 0; t < steps; t++) s = trainStep(shard, s, frozen, batch(), config).state;
    ms += (performance.now() - t0) / steps / 2;
  }
  const measured = 1000 / ms;
  return { measured: Math.round(measured), pace: Math.max(1, Math.floor(AUTO_PACE_SHARE * measured)), backend: selected.name };
}
