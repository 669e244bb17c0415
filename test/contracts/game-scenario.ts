// Real rounds and real games for the DisputeGame tests and `npm run bench:gas`: a trainer's round of reference
// steps on the seed-derived MNIST batches (honest, or with the one-op fraud), committed under state roots, and
// a driver that plays a game move by move from both sides' own computations, reading what the other side posted
// from the chain's events, and records the gas of every move.
import { keccak256, parseEventLogs, stringToHex, type Address, type Hash, type Hex } from "viem";
import { batchIndices, type Claim, type RunSpec } from "../../lib/core/index.ts";
import { ListTree } from "../../lib/core/tensor-commit.ts";
import { datasetTree } from "../../lib/ml/dataset-root.ts";
import { DEFAULT_STEP_CONFIG, gatherBatch, initModel, loadMnist, paramsOf, trainStep, type ModelState, type ShardState, type StepConfig } from "../../lib/ml/index.ts";
import { oneOpConfig } from "../../node/trainer/attacks/one-op.ts";
import { chunksMove, disputedChunk, disputedOp, disputedStep, openMove, oneStepMove, stepsMove, traceMove, trajectoryTree } from "../../lib/protocol/game.ts";
import { programTree } from "../../lib/protocol/program-commit.ts";
import { shardName } from "../../lib/protocol/shards.ts";
import { stateRoot, traceStep, type StepTrace } from "../../lib/protocol/step-trace.ts";
import { disputeGameAbi } from "../../lib/chain/abi.ts";
import { viem, type RunFixture } from "./fixture.ts";

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
    juryCommitWindow: 600, // the game's move window until juries go
  };
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
}

function batchOf(r: Pick<Round, "seed" | "trainer" | "shard" | "batchSize">, step: number) {
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

/** Runs a trainer's round from S_r (the model of MODEL_SEED); `fraud` applies the one-op attack. */
export function computeRound(f: Pick<RunFixture, "runId" | "spec">, round: bigint, seed: Hex, trainer: Address, shard: number, fraud = false): Round {
  const model: ModelState = initModel(MODEL_SEED);
  const name = shardName(shard);
  const base = { trainer, shard, seed, frozen: paramsOf(model), fraud, batchSize: f.spec.batchSize, checkpointInterval: f.spec.checkpointInterval };
  const { states, stepRoots } = run(base, model[name]!, 0, f.spec.localSteps, fraud);
  const checkpointRoots = stepRoots.filter((_, t) => t % f.spec.checkpointInterval === 0);
  const { tree } = trajectoryTree({ runId: f.runId, shard, round }, checkpointRoots);
  const samples = BigInt(f.spec.localSteps * f.spec.batchSize);
  const claim = { root: tree.root, updateHash: keccak256(stringToHex(`${trainer}/${round}/update`)), samples };
  return { ...base, states, stepRoots, checkpointRoots, tree, claim };
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

export type Outcome = { trainerLost: boolean; reason: number; gas: Record<string, number> };

/**
 * Plays game `gameId` to the end: the trainer answers from `trainer`, the challenger disputes from `challenger`
 * (its own correct round). With `liar`, the challenger disputes the first step, operation output, chunk and
 * element whatever the data say (a false challenge). Returns the verdict and each move's gas.
 */
export async function playGame(
  f: RunFixture,
  gameId: bigint,
  segment: number,
  trainer: { round: Round; account: Address },
  challenger: { round: Round; account: Address; liar?: boolean },
): Promise<Outcome> {
  const publicClient = await viem.getPublicClient();
  const gas: Record<string, number> = {};
  const send = async (name: string, tx: Promise<Hash>) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await tx });
    if (receipt.status !== "success") throw new Error(`${name} reverted`);
    gas[name] = Number(receipt.gasUsed);
    return parseEventLogs({ abi: disputeGameAbi, logs: receipt.logs });
  };
  const c = f.spec.checkpointInterval;
  const programs = programTree(f.spec.batchSize, CONFIG);
  const tr = trainer.round;
  const mine = challenger.round;
  const asTrainer = { account: trainer.account };
  const asChallenger = { account: challenger.account };

  const steps = stepsMove(tr.checkpointRoots, tr.tree, segment, tr.stepRoots.slice(segment * c, segment * c + c + 1));
  let logs = await send("postSteps", f.game.write.postSteps([gameId, steps.roots, steps.proof, steps.prevStart, steps.prevProof], asTrainer));
  const posted = logs.find((l) => l.eventName === "StepsPosted")!.args.roots as Hex[];
  const t = challenger.liar ? 0 : disputedStep(mine.stepRoots.slice(segment * c, segment * c + c + 1), posted);
  if (t === null) throw new Error("nothing to dispute in the steps");
  await send("pickStep", f.game.write.pickStep([gameId, posted, t], asChallenger));

  const step = segment * c + t;
  const theirTrace = traceOf(tr, step);
  const move = traceMove(theirTrace, programs, tr.shard);
  logs = await send("postTrace", f.game.write.postTrace([gameId, move.items, move.m, move.header, move.headerProof], asTrainer));
  const traced = logs.find((l) => l.eventName === "TracePosted")!.args as { items: readonly Hex[]; m: number };
  const myTrace = traceOf(mine, step);
  let pick = disputedOp(myTrace, traced.items, traced.m, programs, tr.shard);
  if (challenger.liar) {
    const tLie = myTrace.program.inputs.length;
    const { leaf, proof } = programs.op(tr.shard, tLie);
    pick = { move: "pickOp", t: tLie, root: traced.items[tLie]!, rootProof: new ListTree(traced.items).proof(tLie), op: leaf, opProof: proof };
  }
  if (pick === null) throw new Error("nothing to dispute in the trace");
  if (pick.move === "contestRouted") {
    logs = await send("contestRouted", f.game.write.contestRouted([gameId, pick.select, pick.selectProof, pick.routeRoot, pick.routeProof, pick.routeChunk, pick.chunkProof], asChallenger));
    const ended = logs.find((l) => l.eventName === "GameEnded")!.args as { trainerLost: boolean; reason: number };
    return { trainerLost: ended.trainerLost, reason: ended.reason, gas };
  }
  await send("pickOp", f.game.write.pickOp([gameId, pick.t, pick.root, pick.rootProof, pick.op, pick.opProof], asChallenger));

  logs = await send("postChunks", f.game.write.postChunks([gameId, chunksMove(theirTrace, pick.t)], asTrainer));
  const leaves = logs.find((l) => l.eventName === "ChunksPosted")!.args.leaves as Hex[];
  const chunk = challenger.liar ? 0 : disputedChunk(myTrace, pick.t, leaves);
  if (chunk === null) throw new Error("nothing to dispute in the chunks");
  await send("pickChunk", f.game.write.pickChunk([gameId, leaves, chunk], asChallenger));

  logs = await send("open", f.game.write.open([gameId, openMove(theirTrace, pick.t, chunk)], asTrainer));
  const data = logs.find((l) => l.eventName === "ChunkOpened")!.args.data as Hex;
  const bytes = Uint8Array.from(Buffer.from(data.slice(2), "hex"));
  const batch = { dataset, tree: datasetTreeOnce, indices: batchOf(mine, step).indices };
  let one = oneStepMove(myTrace, traced.items, pick.t, chunk, bytes, batch, tr.shard);
  if (challenger.liar && one === null) {
    // A liar names the chunk's first element anyway, with honest openings: the recomputation decides.
    const flipped = Uint8Array.from(bytes);
    flipped[0] = flipped[0]! ^ 1;
    const fake = oneStepMove(myTrace, traced.items, pick.t, chunk, flipped, batch, tr.shard)!;
    one = { ...fake, chunk: data };
  }
  if (one === null) throw new Error("nothing to dispute in the chunk");
  logs = await send("oneStep", f.game.write.oneStep([gameId, one.chunk, one.op, BigInt(one.i), BigInt(one.j), one.reads], asChallenger));
  const ended = logs.find((l) => l.eventName === "GameEnded")!.args as { trainerLost: boolean; reason: number };
  return { trainerLost: ended.trainerLost, reason: ended.reason, gas };
}
