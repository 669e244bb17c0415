import type { Address } from "viem";
import { trainerMove, trainerToMove, type TrainerRound } from "../../lib/protocol/game-engine.ts";
import type { ProgramTree } from "../../lib/protocol/program-commit.ts";
import { GameSide, type GameSideParams } from "../peer/game-side.ts";

// A trainer's side of its dispute games (docs/PROTOCOL.md 7.1–7.2): every tick it finds the games opened
// against it (GameStarted, trainer indexed) and, where the move is its own, computes it from the game's record
// and events and its own round data (lib/protocol/game-engine.ts) and sends it. Nothing is kept but the game
// ids: a trainer restarted mid-game (kill -9) finds its games again from the logs and makes the due move, and
// a move sent twice only reverts (the phase has moved on). Each move is journaled before it is sent.

export interface GameAnswererParams extends GameSideParams {
  trainer: Address;
  /** The run's program tree (the one its modelHash names). */
  programs: ProgramTree;
  /** The trainer's data of one of its committed rounds, or undefined if it no longer holds it. */
  roundOf: (round: bigint) => Promise<TrainerRound | undefined>;
}

export class GameAnswerer extends GameSide {
  readonly #p: GameAnswererParams;

  constructor(p: GameAnswererParams) {
    super(p);
    this.#p = p;
  }

  protected isMine(trainer: Address): boolean {
    return trainer.toLowerCase() === this.#p.trainer.toLowerCase();
  }

  protected myTurn(phase: number): boolean {
    return trainerToMove(phase);
  }

  protected async move(id: bigint): Promise<boolean> {
    const p = this.#p;
    const state = await this.current(id);
    if (!state || !trainerToMove(state.record.phase)) return false;
    const { record, posted } = state;
    const round = await p.roundOf(record.round);
    if (!round) {
      p.log.error("cannot answer a game: the round's data is gone", { game: id, round: record.round });
      return false;
    }
    const move = trainerMove(id, record, posted, round, p.programs);
    if (!move) return false;
    await this.send(id, record.phase, move);
    return true;
  }
}
