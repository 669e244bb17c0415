import type { MerkleTree } from "../../lib/core/merkle.ts";
import type { MoeSpec, ShardState } from "../../lib/ml/moe.ts";
import { trainStep, type StepConfig } from "../../lib/ml/step.ts";
import type { TrainerRound } from "../../lib/protocol/game-engine.ts";
import { programTree } from "../../lib/protocol/program-commit.ts";
import { Accuser, type AccuserParams } from "./accusations.ts";
import { GameAnswerer, type GameAnswererParams } from "./game-answers.ts";
import { stateRootOf, stateShapes, traceStep } from "../../lib/protocol/step-trace.ts";
import { stateArrays, stepBatch, type RoundContext } from "../../lib/protocol/trajectory.ts";

// What a trainer answers its dispute games with (node/trainer/game-answers.ts): for each round it committed,
// the round's context, its checkpoints and tree, and the update it committed. A step or a trace is recomputed
// from the checkpoint that starts its segment, with a fresh copy of the step config the round was trained with
// (an attack's config counts steps from the first it sees, and segments start at multiples of c), so the answer
// is the computation the commitment was made of, whatever it was.

export interface CommittedRound {
  /** The round's context as trained (frozen S_r, seed, dataset, batch size, c). */
  ctx: RoundContext;
  checkpoints: readonly ShardState[];
  checkpointRoots: readonly `0x${string}`[];
  tree: MerkleTree;
  /** The update committed (Δ, or what an attack replaced it with), laid out as a state. */
  update: readonly Float32Array[];
  /** A fresh step config as the round was trained with. */
  stepConfig: () => StepConfig;
}

/** A committed round as the game engine's trainer side reads it. */
export function trainerRound(r: CommittedRound, moe: MoeSpec): TrainerRound {
  const { ctx } = r;
  const c = ctx.checkpointInterval;
  const shapes = stateShapes(ctx.shardName, moe);
  /** The state before local step t, from the checkpoint of its segment, and the config instance that ran it. */
  const before = (t: number) => {
    const config = r.stepConfig();
    let s = r.checkpoints[Math.floor(t / c)]!;
    for (let k = t - (t % c); k < t; k++) s = trainStep(ctx.shardName, s, ctx.frozen, stepBatch(ctx, k).batch, config).state;
    return { state: s, config };
  };
  return {
    shard: ctx.shard,
    checkpointRoots: r.checkpointRoots,
    tree: r.tree,
    stepRoots(segment) {
      const config = r.stepConfig();
      let s = r.checkpoints[segment]!;
      const roots = [stateRootOf(stateArrays(s), shapes)];
      for (let t = segment * c; t < (segment + 1) * c; t++) {
        s = trainStep(ctx.shardName, s, ctx.frozen, stepBatch(ctx, t).batch, config).state;
        roots.push(stateRootOf(stateArrays(s), shapes));
      }
      return roots;
    },
    trace(step) {
      const { state, config } = before(step);
      return traceStep(ctx.shardName, state, ctx.frozen, stepBatch(ctx, step).batch, config);
    },
    ends: () => ({ s0: stateArrays(r.checkpoints[0]!), sH: stateArrays(r.checkpoints.at(-1)!), update: r.update, shapes }),
  };
}

/** The trainer's committed rounds still open to games (a few rounds back). */
export class GameRounds {
  readonly #rounds = new Map<bigint, CommittedRound>();
  readonly #moe: MoeSpec;
  readonly #restore: ((round: bigint) => Promise<CommittedRound | undefined>) | undefined;

  /** `restore`: a round this process did not train (it restarted since), rebuilt from the journal. */
  constructor(moe: MoeSpec, restore?: (round: bigint) => Promise<CommittedRound | undefined>) {
    this.#moe = moe;
    this.#restore = restore;
  }

  remember(round: bigint, r: CommittedRound): void {
    this.#rounds.set(round, r);
  }

  /** Forgets the rounds before `round` (no game can open on them any more). */
  forgetBefore(round: bigint): void {
    for (const k of this.#rounds.keys()) if (k < round) this.#rounds.delete(k);
  }

  async roundOf(round: bigint): Promise<TrainerRound | undefined> {
    let r = this.#rounds.get(round);
    if (!r && this.#restore) {
      r = await this.#restore(round);
      if (r) this.#rounds.set(round, r);
    }
    return r && trainerRound(r, this.#moe);
  }
}

/** The trainer's game side, ticking in the background: remember each committed round, stop at the end. */
export function startGameAnswers(
  p: Omit<GameAnswererParams, "roundOf" | "programs"> & {
    moe: MoeSpec;
    batchSize: number;
    config: StepConfig;
    keepRounds: bigint;
    restore?: (round: bigint) => Promise<CommittedRound | undefined>;
    everyMs?: number;
    /** Checks the attestations of this trainer's commitments and accuses blind ones (exact mode; PROTOCOL.md 7.3). */
    accusations?: Omit<AccuserParams, "roundOf" | "client" | "wallet" | "game" | "runId" | "fromBlock" | "trainer" | "log">;
  },
): { remember(round: bigint, r: CommittedRound): void; stop(): Promise<void> } {
  const rounds = new GameRounds(p.moe, p.restore);
  const roundOf = (round: bigint) => rounds.roundOf(round);
  const answerer = new GameAnswerer({ ...p, programs: programTree(p.batchSize, p.config), roundOf });
  const accuser = p.accusations && new Accuser({ ...p, ...p.accusations, roundOf });
  let busy: Promise<unknown> = Promise.resolve();
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    busy = Promise.all([answerer.tick(), accuser?.tick()])
      .catch((e: Error) => p.log.warn("dispute games not checked", { reason: e.message }))
      .finally(() => (running = false));
  }, p.everyMs ?? 2_000);
  return {
    remember(round, r) {
      rounds.remember(round, r);
      rounds.forgetBefore(round + 1n - p.keepRounds);
    },
    async stop() {
      clearInterval(timer);
      await busy;
    },
  };
}
