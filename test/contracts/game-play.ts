// A dispute game played move by move from both sides' own computations (lib/protocol/game.ts), each side
// reading what the other posted from the chain's events, with the gas of every move recorded. Tests call the
// moves one at a time (to stop, time out or tamper anywhere); `play` runs a whole game.
import { parseEventLogs, type Address, type Hash, type Hex } from "viem";
import { ListTree } from "../../lib/core/tensor-commit.ts";
import { chunksMove, disputedChunk, disputedOp, disputedStep, openMove, oneStepMove, stepsMove, traceMove, type OpPick } from "../../lib/protocol/game.ts";
import { programTree } from "../../lib/protocol/program-commit.ts";
import type { StepTrace } from "../../lib/protocol/step-trace.ts";
import { disputeGameAbi } from "../../lib/chain/abi.ts";
import { batchOf, CONFIG, dataset, datasetTreeOnce, traceOf, type Round } from "./game-scenario.ts";
import { viem, type RunFixture } from "./fixture.ts";

export type Outcome = { trainerLost: boolean; reason: number };

export class GamePlay {
  readonly gas: Record<string, number> = {};
  readonly programs;
  roots: Hex[] = [];
  t = -1;
  theirTrace?: StepTrace;
  myTrace?: StepTrace;
  items: readonly Hex[] = [];
  m = 0;
  pick: OpPick | null = null;
  leaves: Hex[] = [];
  chunk = -1;
  data: Hex = "0x";
  outcome?: Outcome;

  readonly f: RunFixture;
  readonly gameId: bigint;
  readonly segment: number;
  readonly trainer: { round: Round; account: Address };
  /** The challenger's own (correct) computation; a liar disputes the first of everything whatever the data say. */
  readonly challenger: { round: Round; account: Address; liar?: boolean };

  constructor(f: RunFixture, gameId: bigint, segment: number, trainer: GamePlay["trainer"], challenger: GamePlay["challenger"]) {
    this.f = f;
    this.gameId = gameId;
    this.segment = segment;
    this.trainer = trainer;
    this.challenger = challenger;
    this.programs = programTree(f.spec.batchSize, CONFIG);
  }

  async send(name: string, tx: Promise<Hash>) {
    const publicClient = await viem.getPublicClient();
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await tx });
    if (receipt.status !== "success") throw new Error(`${name} reverted`);
    this.gas[name] = Number(receipt.gasUsed);
    const logs = parseEventLogs({ abi: disputeGameAbi, logs: receipt.logs });
    const ended = logs.find((l) => l.eventName === "GameEnded");
    if (ended) {
      const { trainerLost, reason } = ended.args as Outcome;
      this.outcome = { trainerLost, reason };
    }
    return logs;
  }

  get asTrainer() {
    return { account: this.trainer.account };
  }

  get asChallenger() {
    return { account: this.challenger.account };
  }

  get step() {
    return this.segment * this.f.spec.checkpointInterval + this.t;
  }

  stepsArgs() {
    const c = this.f.spec.checkpointInterval;
    const tr = this.trainer.round;
    return stepsMove(tr.checkpointRoots, tr.tree, this.segment, tr.stepRoots.slice(this.segment * c, this.segment * c + c + 1));
  }

  async postSteps() {
    const s = this.stepsArgs();
    const logs = await this.send("postSteps", this.f.game.write.postSteps([this.gameId, s.roots, s.proof, s.prevStart, s.prevProof], this.asTrainer));
    this.roots = [...(logs.find((l) => l.eventName === "StepsPosted")!.args as { roots: readonly Hex[] }).roots];
  }

  async pickStep() {
    const c = this.f.spec.checkpointInterval;
    const mine = this.challenger.round.stepRoots.slice(this.segment * c, this.segment * c + c + 1);
    const t = this.challenger.liar ? 0 : disputedStep(mine, this.roots);
    if (t === null) throw new Error(`nothing to dispute in the steps: mine ${mine.map((r) => r.slice(0, 8)).join(",")} theirs ${this.roots.map((r) => r.slice(0, 8)).join(",")}`);
    this.t = t;
    await this.send("pickStep", this.f.game.write.pickStep([this.gameId, this.roots, t], this.asChallenger));
  }

  traceArgs() {
    this.theirTrace ??= traceOf(this.trainer.round, this.step);
    return traceMove(this.theirTrace, this.programs, this.trainer.round.shard);
  }

  async postTrace() {
    const a = this.traceArgs();
    const logs = await this.send("postTrace", this.f.game.write.postTrace([this.gameId, a.items, a.m, a.header, a.headerProof], this.asTrainer));
    const posted = logs.find((l) => l.eventName === "TracePosted")!.args as { items: readonly Hex[]; m: number };
    this.items = posted.items;
    this.m = posted.m;
  }

  opPick(): OpPick {
    this.myTrace ??= traceOf(this.challenger.round, this.step);
    const shard = this.trainer.round.shard;
    let pick = disputedOp(this.myTrace, this.items, this.m, this.programs, shard);
    if (this.challenger.liar && pick?.move !== "contestRouted") {
      const t = this.myTrace.program.inputs.length;
      const { leaf, proof } = this.programs.op(shard, t);
      pick = { move: "pickOp", t, root: this.items[t]!, rootProof: new ListTree(this.items).proof(t), op: leaf, opProof: proof };
    }
    if (pick === null) throw new Error("nothing to dispute in the trace");
    return pick;
  }

  async pickOp() {
    const p = this.opPick();
    this.pick = p;
    if (p.move === "contestRouted") {
      await this.send("contestRouted", this.f.game.write.contestRouted([this.gameId, p.select, p.selectProof, p.routeRoot, p.routeProof, p.routeChunk, p.chunkProof], this.asChallenger));
      return;
    }
    await this.send("pickOp", this.f.game.write.pickOp([this.gameId, p.t, p.root, p.rootProof, p.op, p.opProof], this.asChallenger));
  }

  get tensor(): number {
    if (this.pick?.move !== "pickOp") throw new Error("no operation picked");
    return this.pick.t;
  }

  async postChunks() {
    this.theirTrace ??= traceOf(this.trainer.round, this.step);
    const logs = await this.send("postChunks", this.f.game.write.postChunks([this.gameId, chunksMove(this.theirTrace, this.tensor)], this.asTrainer));
    this.leaves = [...(logs.find((l) => l.eventName === "ChunksPosted")!.args as { leaves: readonly Hex[] }).leaves];
  }

  async pickChunk() {
    this.myTrace ??= traceOf(this.challenger.round, this.step);
    const c = this.challenger.liar ? 0 : disputedChunk(this.myTrace, this.tensor, this.leaves);
    if (c === null) throw new Error("nothing to dispute in the chunks");
    this.chunk = c;
    await this.send("pickChunk", this.f.game.write.pickChunk([this.gameId, this.leaves, c], this.asChallenger));
  }

  async open() {
    this.theirTrace ??= traceOf(this.trainer.round, this.step);
    const logs = await this.send("open", this.f.game.write.open([this.gameId, openMove(this.theirTrace, this.tensor, this.chunk)], this.asTrainer));
    this.data = (logs.find((l) => l.eventName === "ChunkOpened")!.args as { data: Hex }).data;
  }

  oneStepArgs() {
    this.myTrace ??= traceOf(this.challenger.round, this.step);
    const bytes = Uint8Array.from(Buffer.from(this.data.slice(2), "hex"));
    const batch = { dataset, tree: datasetTreeOnce, indices: batchOf(this.challenger.round, this.step).indices };
    const shard = this.trainer.round.shard;
    let one = oneStepMove(this.myTrace, this.items, this.tensor, this.chunk, bytes, batch, this.programs, shard);
    if (this.challenger.liar && one === null) {
      // A liar names the chunk's first element anyway, with honest openings: the recomputation decides.
      const flipped = Uint8Array.from(bytes);
      flipped[0] = flipped[0]! ^ 1;
      one = { ...oneStepMove(this.myTrace, this.items, this.tensor, this.chunk, flipped, batch, this.programs, shard)!, chunk: this.data };
    }
    if (one === null) throw new Error("nothing to dispute in the chunk");
    return one;
  }

  async oneStep() {
    const a = this.oneStepArgs();
    await this.send("oneStep", this.f.game.write.oneStep([this.gameId, a.chunk, a.op, BigInt(a.i), BigInt(a.j), a.reads], this.asChallenger));
  }

  /** Every move in order until the game ends. */
  async play(): Promise<Outcome> {
    await this.postSteps();
    await this.pickStep();
    await this.postTrace();
    await this.pickOp();
    if (this.outcome) return this.outcome;
    await this.postChunks();
    await this.pickChunk();
    await this.open();
    await this.oneStep();
    if (!this.outcome) throw new Error("the game did not end");
    return this.outcome;
  }
}
