// Real rounds for the DisputeGame tests and `npm run bench:gas`: a trainer's round of reference steps on the
// seed-derived MNIST batches (honest, or with the one-op fraud), committed under state roots, and what an honest
// verifier recomputes of it. test/contracts/game-play.ts plays games on them.
import type { Address, Hex } from "viem";
import { batchIndices, VerificationMode, type Claim, type RunSpec } from "../../lib/core/index.ts";
import { datasetTree } from "../../lib/ml/dataset-root.ts";
import { DEFAULT_STEP_CONFIG, gatherBatch, initModel, loadMnist, paramsOf, trainStep, type ModelState, type ShardState, type StepConfig } from "../../lib/ml/index.ts";
import { oneOpConfig } from "../../node/trainer/attacks/one-op.ts";
import { trajectoryTree } from "../../lib/protocol/game.ts";
import { programTree } from "../../lib/protocol/program-commit.ts";
import { shardName } from "../../lib/protocol/shards.ts";
import { stateRoot, stateRootOf, stateShapes, traceStep, type StepTrace } from "../../lib/protocol/step-trace.ts";
import { stateArrays, updateOf } from "../../lib/protocol/trajectory.ts";
import type { ChallengerView, TrainerRound } from "../../lib/protocol/game-engine.ts";
import { deployCore, schedule, seatRun, timeTo, type RunFixture } from "./fixture.ts";

export const CONFIG: StepConfig = { ...DEFAULT_STEP_CONFIG, arithmetic: "reference" };
export const MODEL_SEED = 5;
export const dataset = loadMnist("train");
export const datasetTreeOnce = datasetTree(dataset);

/** Spec overrides of a run the game can play: the real dataset and the programs of its batch size. */
export function gameSpec(batchSize = 8): Partial<RunSpec> {
  return {
    batchSize,
    localSteps: 8,
    checkpointInterval: 4,
    datasetSize: BigInt(dataset.count),
    datasetRoot: datasetTreeOnce.root,
    modelHash: programTree(batchSize, CONFIG).root,
    mode: VerificationMode.Exact, // games settle exact-mode runs only
    toleranceMicros: 0,
    juryCommitWindow: 600, // the game's move window until juries go
  };
}

/** A run the game can play, seated (4 trainers, 4 verifiers), with round 0 open: the fixture and the round's seed. */
export async function gameRunOpen(batchSize = 8): Promise<RunFixture & { seed: Hex }> {
  const f = await seatRun(await deployCore(), gameSpec(batchSize));
  await timeTo(schedule(f.spec, 0n).opensAt);
  await f.coordinator.write.openRound([f.runId, 0n]);
  const { seed } = await f.coordinator.read.roundOf([f.runId, 0n]);
  return { ...f, seed };
}

/** One trainer's round as it computed it. */
export interface Round {
  trainer: Address;
  shard: number;
  seed: Hex;
  frozen: ReturnType<typeof paramsOf>;
  fraud: boolean;
  /** The state before each step (states[localSteps] is the end). */
  states: ShardState[];
  batchSize: number;
  checkpointInterval: number;
  /** State root after each step (stepRoots[0] is the start). */
  stepRoots: Hex[];
  checkpointRoots: Hex[];
  tree: ReturnType<typeof trajectoryTree>["tree"];
  claim: Claim;
  /** The update it committed (Δ = s_0 − s_H, or something else), laid out as a state. */
  update: Float32Array[];
}

export function batchOf(r: Pick<Round, "seed" | "trainer" | "shard" | "batchSize">, step: number) {
  const indices = batchIndices({ roundSeed: r.seed, trainer: r.trainer, shard: r.shard, step, batchSize: r.batchSize, sliceStart: 0, sliceLength: dataset.count });
  return { indices, batch: gatherBatch(dataset, indices) };
}

function stepConfig(fraud: boolean, step: number, c: number): StepConfig {
  return fraud && step % c === 0 ? oneOpConfig(CONFIG, 1) : CONFIG;
}

function run(r: Pick<Round, "shard" | "frozen" | "seed" | "trainer" | "batchSize" | "checkpointInterval">, from: ShardState, first: number, last: number, fraud: boolean) {
  const name = shardName(r.shard);
  const states = [from];
  const stepRoots = [stateRoot(name, from, CONFIG.spec)];
  for (let t = first; t < last; t++) {
    const next = trainStep(name, states.at(-1)!, r.frozen, batchOf(r, t).batch, stepConfig(fraud, t, r.checkpointInterval)).state;
    states.push(next);
    stepRoots.push(stateRoot(name, next, CONFIG.spec));
  }
  return { states, stepRoots };
}

/**
 * Runs a trainer's round from S_r (the model of MODEL_SEED); `fraud` applies the one-op attack, `flipUpdate`
 * commits −Δ as its update (the sign-flip attack) over an honest trajectory.
 */
export function computeRound(
  f: Pick<RunFixture, "runId" | "spec">,
  round: bigint,
  seed: Hex,
  trainer: Address,
  shard: number,
  fraud = false,
  flipUpdate = false,
): Round {
  const model: ModelState = initModel(MODEL_SEED);
  const name = shardName(shard);
  const base = { trainer, shard, seed, frozen: paramsOf(model), fraud, batchSize: f.spec.batchSize, checkpointInterval: f.spec.checkpointInterval };
  const { states, stepRoots } = run(base, model[name]!, 0, f.spec.localSteps, fraud);
  const checkpointRoots = stepRoots.filter((_, t) => t % f.spec.checkpointInterval === 0);
  const { tree } = trajectoryTree({ runId: f.runId, shard, round }, checkpointRoots);
  const samples = BigInt(f.spec.localSteps * f.spec.batchSize);
  const delta = updateOf(states[0]!, states.at(-1)!);
  const update = flipUpdate ? delta.map((d) => d.map((v) => -v)) : delta;
  const claim = { root: tree.root, updateHash: stateRootOf(update, stateShapes(name, CONFIG.spec)), samples };
  return { ...base, states, stepRoots, checkpointRoots, tree, claim, update };
}

/** What an honest verifier computes for segment j of `r`: the same round up to the segment, honest steps from its start. */
export function replayOf(r: Round, segment: number): Round {
  const c = r.checkpointInterval;
  const from = segment * c;
  const tail = run(r, r.states[from]!, from, from + c, false);
  const states = [...r.states.slice(0, from), ...tail.states];
  const stepRoots = [...r.stepRoots.slice(0, from), ...tail.stepRoots];
  return { ...r, fraud: false, states, stepRoots };
}

/** The trace of local step `step` of a round (from the state the round had before it). */
export function traceOf(r: Round, step: number): StepTrace {
  return traceStep(shardName(r.shard), r.states[step]!, r.frozen, batchOf(r, step).batch, stepConfig(r.fraud, step, r.checkpointInterval));
}

/** A round as the trainer's side of the game engine sees it (a restarted trainer rebuilds it from its checkpoints). */
export function trainerRoundOf(r: Round): TrainerRound {
  const c = r.checkpointInterval;
  return {
    shard: r.shard,
    checkpointRoots: r.checkpointRoots,
    tree: r.tree,
    stepRoots: (j) => r.stepRoots.slice(j * c, j * c + c + 1),
    trace: (t) => traceOf(r, t),
    ends: () => ({ s0: stateArrays(r.states[0]!), sH: stateArrays(r.states.at(-1)!), update: r.update, shapes: stateShapes(shardName(r.shard), CONFIG.spec) }),
  };
}

/** A challenger's own computation (`replayOf` a trainer's round) as the game engine sees it. */
export function challengerViewOf(mine: Round): ChallengerView {
  const c = mine.checkpointInterval;
  return {
    shard: mine.shard,
    stepRoots: (j) => mine.stepRoots.slice(j * c, j * c + c + 1),
    trace: (t) => traceOf(mine, t),
    batch: (t) => ({ dataset, tree: datasetTreeOnce, indices: batchOf(mine, t).indices }),
  };
}
