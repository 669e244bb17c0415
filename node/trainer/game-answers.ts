import type { Address, PublicClient } from "viem";
import { disputeGameAbi } from "../../lib/chain/abi.ts";
import { readGame } from "../../lib/chain/actions/read-game.ts";
import { describeChainError, type Wallet } from "../../lib/chain/index.ts";
import { GamePhase, trainerMove, trainerToMove, type TrainerRound } from "../../lib/protocol/game-engine.ts";
import type { ProgramTree } from "../../lib/protocol/program-commit.ts";
import type { Journal } from "../journal.ts";
import type { Logger } from "../log.ts";

// A trainer's side of its dispute games (docs/PROTOCOL.md 7.1–7.2): every tick it finds the games opened
// against it (GameStarted, trainer indexed) and, where the move is its own, computes it from the game's record
// and events and its own round data (lib/protocol/game-engine.ts) and sends it. Nothing is kept but the game
// ids: a trainer restarted mid-game (kill -9) finds its games again from the logs and makes the due move, and
// a move sent twice only reverts (the phase has moved on). Each move is journaled before it is sent.

export interface GameAnswererParams {
  client: PublicClient;
  wallet: Wallet;
  game: Address;
  /** Games of this run only. */
  runId: bigint;
  trainer: Address;
  /** The run's program tree (the one its modelHash names). */
  programs: ProgramTree;
  /** The trainer's data of one of its committed rounds, or undefined if it no longer holds it. */
  roundOf: (round: bigint) => Promise<TrainerRound | undefined>;
  /** Where the run's logs start. */
  fromBlock: bigint;
  journal?: Journal;
  log: Logger;
}

export class GameAnswerer {
  readonly #p: GameAnswererParams;
  readonly #open = new Set<bigint>();
  #scanned: bigint;

  constructor(p: GameAnswererParams) {
    this.#p = p;
    this.#scanned = p.fromBlock;
  }

  /** Games opened against this trainer that have not ended (as of the last tick). */
  get open(): readonly bigint[] {
    return [...this.#open];
  }

  /** Finds new games, makes every move due; returns how many moves it sent. */
  async tick(): Promise<number> {
    const p = this.#p;
    const head = await p.client.getBlockNumber();
    if (head >= this.#scanned) {
      const started = await p.client.getContractEvents({
        address: p.game,
        abi: disputeGameAbi,
        eventName: "GameStarted",
        args: { runId: p.runId, trainer: p.trainer },
        fromBlock: this.#scanned,
        toBlock: head,
      });
      for (const e of started) this.#open.add(e.args.gameId!);
      this.#scanned = head + 1n;
    }
    let sent = 0;
    for (const id of this.#open) {
      try {
        if (await this.#answer(id)) sent++;
      } catch (e) {
        const err = describeChainError(e, `answering dispute game ${id}`);
        p.log.warn("game move failed", { game: id, error: err.context.errorName ?? err.name, reason: err.message });
      }
    }
    return sent;
  }

  async #answer(id: bigint): Promise<boolean> {
    const p = this.#p;
    const { record, posted } = await readGame(p.client, p.game, id, p.fromBlock);
    if (record.phase === GamePhase.Over) {
      this.#open.delete(id);
      p.log.info("game over", { game: id });
      return false;
    }
    if (!trainerToMove(record.phase)) return false;
    const round = await p.roundOf(record.round);
    if (!round) {
      p.log.error("cannot answer a game: the round's data is gone", { game: id, round: record.round });
      return false;
    }
    const move = trainerMove(id, record, posted, round, p.programs);
    if (!move) return false;
    await p.journal?.append("game-move", { runId: p.runId.toString(), game: id.toString(), phase: record.phase, move: move.functionName });
    const hash = await p.wallet.writeContract({ address: p.game, abi: disputeGameAbi, functionName: move.functionName as never, args: move.args as never });
    await p.client.waitForTransactionReceipt({ hash });
    p.log.info("game move", { game: id, round: record.round, move: move.functionName, tx: hash });
    return true;
  }
}
