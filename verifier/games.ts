import type { Address } from "viem";
import { disputeGameAbi } from "../lib/chain/abi.ts";
import type { RunSpec } from "../lib/core/spec.ts";
import { datasetTree } from "../lib/ml/dataset-root.ts";
import type { MoeSpec, ShardState } from "../lib/ml/moe.ts";
import { trainStep } from "../lib/ml/step.ts";
import type { GameState } from "../lib/chain/actions/read-game.ts";
import { ANY_SEGMENT, GamePhase, updateChallenge, type ChallengerView } from "../lib/protocol/game-engine.ts";
import { programTree, type ProgramTree } from "../lib/protocol/program-commit.ts";
import { shardName, stepConfigFor } from "../lib/protocol/shards.ts";
import { stateRootOf, stateShapes, traceStep, type StepTrace } from "../lib/protocol/step-trace.ts";
import { stateArrays, stepBatch, trainRound, type RoundTrajectory } from "../lib/protocol/trajectory.ts";
import type { Journal } from "../node/journal.ts";
import type { Logger } from "../node/log.ts";
import type { VerifierChain } from "./chain-actions.ts";
import { checkpointOf, heldState, type CommitmentRef, type EvidenceEnv } from "./evidence.ts";
import { GamePlayer } from "./game-player.ts";
import type { RoundData } from "./round-data.ts";
import type { Stats } from "./stats.ts";

// The verifier's dispute games (docs/PROTOCOL.md 7.1–7.2, docs/VERIFIER.md): in exact mode an audit whose
// segment replays to another state root opens a step game on that segment, and one whose update is not
// s_0 − s_H opens an update game on the first element where it differs. GamePlayer then makes every move from
// the chain and this node's own replay of the segment, which is rebuilt from the start state the trainer posted
// (fetched by its root: this node persisted it with the challenge, so a restart finds it on disk), the round's
// agreed state and seed. Each game's outcome is journaled once (Stats: games won and lost).

export interface VerifierGamesParams {
  spec: RunSpec;
  moe: MoeSpec;
  chain: VerifierChain;
  game: Address;
  runId: bigint;
  fromBlock: bigint;
  rounds: RoundData;
  evidence: EvidenceEnv;
  stats: Stats;
  journal: Journal;
  onChange: () => void;
  log: Logger;
}

export class VerifierGames {
  readonly #p: VerifierGamesParams;
  readonly #player: GamePlayer;
  readonly #programs: ProgramTree;
  readonly #views = new Map<string, Promise<ChallengerView | undefined>>();
  readonly #derived = new Map<string, Promise<RoundTrajectory | undefined>>();
  #ticking: Promise<void> | undefined;

  constructor(p: VerifierGamesParams) {
    this.#p = p;
    this.#programs = programTree(p.spec.batchSize, stepConfigFor(p.spec, p.moe));
    this.#player = new GamePlayer({
      client: p.chain.client,
      wallet: p.chain.wallet,
      game: p.game,
      runId: p.runId,
      fromBlock: p.fromBlock,
      challenger: p.chain.me,
      programs: this.#programs,
      viewOf: (s) => this.#view(s),
      onEnded: (id) => void this.#ended(id).catch((e: Error) => p.log.warn("game outcome not recorded", { game: id, reason: e.message })),
      journal: p.journal,
      log: p.log,
    });
  }

  /** Games of this verifier not yet over (as of the last tick). */
  get open(): number {
    return this.#player.open.length;
  }

  /** Opens a step game on `segment` of a commitment (its bond approved first). */
  challengeSegment(c: CommitmentRef, segment: number): Promise<bigint> {
    const claim = { root: c.root, updateHash: c.updateHash, samples: c.samples };
    return this.#p.chain.withBond(this.#p.spec.challengeBond, () => this.#player.challenge(c.round, c.trainer, claim, segment));
  }

  /**
   * Opens a game on a commitment whose data was not served and whose trajectory is not the one derived from S_r:
   * the trainer must post its manifest on-chain, and this verifier then picks the first segment that differs.
   */
  challengeManifest(c: CommitmentRef): Promise<bigint> {
    const claim = { root: c.root, updateHash: c.updateHash, samples: c.samples };
    return this.#p.chain.withBond(this.#p.spec.challengeBond, () =>
      this.#player.openGame({ functionName: "challenge", args: [this.#p.runId, c.round, c.trainer, claim, ANY_SEGMENT] }, { round: c.round, trainer: c.trainer }),
    );
  }

  /** Opens an update game on the first element where `update` is not s_0 − s_H; undefined when it is right everywhere. */
  async challengeUpdate(c: CommitmentRef, s0: ShardState, sH: ShardState, update: readonly Float32Array[]): Promise<bigint | undefined> {
    const shapes = stateShapes(shardName(c.shard, this.#p.moe), this.#p.moe);
    const claim = { root: c.root, updateHash: c.updateHash, samples: c.samples };
    const move = updateChallenge({ runId: this.#p.runId, round: c.round, trainer: c.trainer, shard: c.shard, claim }, { s0: stateArrays(s0), sH: stateArrays(sH), update, shapes }, this.#programs);
    if (!move) return undefined;
    return this.#p.chain.withBond(this.#p.spec.challengeBond, () => this.#player.openGame(move, { round: c.round, trainer: c.trainer }));
  }

  /** Finds this verifier's games and makes the moves due (one tick at a time; a tick still running is joined). */
  tick(): Promise<void> {
    this.#ticking ??= this.#player
      .tick()
      .then(() => undefined)
      .catch((e: Error) => this.#p.log.warn("dispute games not checked", { reason: e.message }))
      .finally(() => (this.#ticking = undefined));
    return this.#ticking;
  }

  /** This verifier's replay of a game's segment from the start the trainer posted (cached per segment). */
  #view(s: GameState): Promise<ChallengerView | undefined> {
    const { round, trainer, segment } = s.record;
    if (s.record.phase === GamePhase.PickSegment) return this.#trajectoryView(s);
    const start = s.posted.roots?.[0];
    if (!start) return Promise.resolve(undefined);
    const key = `${round}:${trainer.toLowerCase()}:${segment}:${start}`;
    let view = this.#views.get(key);
    if (!view) {
      view = this.#replay(s, start);
      this.#views.set(key, view);
      // A view that could not be built (data not yet fetched, agreed state unknown) is tried again next tick.
      void view.then((v) => v ?? this.#views.delete(key), () => this.#views.delete(key));
    }
    return view;
  }

  async #replay(s: GameState, start: `0x${string}`): Promise<ChallengerView | undefined> {
    const { rounds, evidence, moe, log } = this.#p;
    const { round, trainer, segment, deadline } = s.record;
    const ref = await rounds.commitment(round, trainer);
    if (!ref) return undefined;
    const agreed = await rounds.agreed(round, Number(deadline));
    if (!agreed) return undefined;
    const ctx = await rounds.context(ref, agreed);
    const shapes = stateShapes(ctx.shardName, moe);
    // Held (persisted with the challenge), else derived from S_r (a game on unserved data), else fetched.
    const from = (await heldState(evidence.served, start, shapes)) ?? (await this.#derivedState(s, start)) ?? (await checkpointOf(evidence, ref, start, shapes, segment, Number(deadline)));
    if (!from) {
      log.warn("game: the segment's start state is not available", { round, trainer, segment, start });
      return undefined;
    }
    const c = ctx.checkpointInterval;
    const first = segment * c;
    const config = () => stepConfigFor(this.#p.spec, moe);
    const states = [from];
    const step = config();
    for (let t = first; t < first + c; t++) states.push(trainStep(ctx.shardName, states.at(-1)!, ctx.frozen, stepBatch(ctx, t).batch, step).state);
    const roots = states.map((st) => stateRootOf(stateArrays(st), shapes));
    const tree = datasetTree(ctx.dataset);
    let last: { step: number; trace: StepTrace } | undefined;
    return {
      shard: ref.shard,
      stepRoots: () => roots,
      trace: (t) => {
        if (last?.step !== t) last = { step: t, trace: traceStep(ctx.shardName, states[t - first]!, ctx.frozen, stepBatch(ctx, t).batch, config()) };
        return last.trace;
      },
      batch: (t) => ({ dataset: ctx.dataset, tree, indices: stepBatch(ctx, t).indices }),
    };
  }

  /** The round of a game's commitment as an honest trainer computes it from S_r (once per commitment). */
  #derive(s: GameState): Promise<RoundTrajectory | undefined> {
    const { round, trainer, deadline } = s.record;
    const key = `${round}:${trainer.toLowerCase()}`;
    let got = this.#derived.get(key);
    if (!got) {
      got = (async () => {
        const ref = await this.#p.rounds.commitment(round, trainer);
        const agreed = ref && (await this.#p.rounds.agreed(round, Number(deadline)));
        if (!ref || !agreed) return undefined;
        const ctx = await this.#p.rounds.context(ref, agreed);
        return trainRound(ctx, agreed.state[ctx.shardName]!);
      })();
      this.#derived.set(key, got);
      void got.then((t) => t ?? this.#derived.delete(key), () => this.#derived.delete(key));
    }
    return got;
  }

  /** A checkpoint of the derived round, if `root` is one of its roots. */
  async #derivedState(s: GameState, root: `0x${string}`): Promise<ShardState | undefined> {
    const t = await this.#derive(s);
    const k = t?.checkpointRoots.findIndex((r) => r.toLowerCase() === root.toLowerCase()) ?? -1;
    return k >= 0 ? t!.checkpoints[k] : undefined;
  }

  /** What PickSegment needs: the checkpoint roots of the derived round. */
  async #trajectoryView(s: GameState): Promise<ChallengerView | undefined> {
    const [t, ref] = await Promise.all([this.#derive(s), this.#p.rounds.commitment(s.record.round, s.record.trainer)]);
    if (!t || !ref) return undefined;
    const none = (): never => {
      throw new Error("no segment is picked yet");
    };
    return { shard: ref.shard, stepRoots: none, trace: none, batch: none, trajectory: () => t.checkpointRoots };
  }

  /** Forgets the replays of a game's commitment (another game on it rebuilds them) and journals its outcome once. */
  async #ended(id: bigint): Promise<void> {
    const { stats, chain, log } = this.#p;
    const g = await chain.client.readContract({ address: this.#p.game, abi: disputeGameAbi, functionName: "gameOf", args: [id] });
    const commitment = `${g.round}:${g.trainer.toLowerCase()}`;
    for (const k of this.#views.keys()) if (k.startsWith(`${commitment}:`)) this.#views.delete(k);
    this.#derived.delete(commitment);
    if (stats.has("game-outcome", (r) => r.game === id.toString())) return;
    const logs = await chain.client.getContractEvents({ address: this.#p.game, abi: disputeGameAbi, eventName: "GameEnded", args: { gameId: id }, fromBlock: this.#p.fromBlock });
    const ended = logs.find((l) => l.args.gameId === id);
    if (!ended) return;
    const won = ended.args.trainerLost === true;
    await stats.note("game-outcome", { game: id.toString(), round: g.round.toString(), trainer: g.trainer, won, reason: Number(ended.args.reason) });
    log.info(won ? "game won" : "game lost", { game: id, round: g.round, trainer: g.trainer, reason: Number(ended.args.reason) });
    this.#p.onChange();
  }
}
