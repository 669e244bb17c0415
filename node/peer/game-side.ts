import type { Address, PublicClient } from "viem";
import { disputeGameAbi } from "../../lib/chain/abi.ts";
import { readGame, type GameState } from "../../lib/chain/actions/read-game.ts";
import { describeChainError, type Wallet } from "../../lib/chain/index.ts";
import { GamePhase, type GameMove } from "../../lib/protocol/game-engine.ts";
import type { Journal } from "../journal.ts";
import type { Logger } from "../log.ts";

// What both sides of the dispute games share (node/trainer/game-answers.ts, verifier/game-player.ts): finding,
// from the GameStarted logs, the games a side is party to, and a tick that makes every move due in them. Only
// game ids are kept, so a restarted side finds its games again from the logs.

export interface GameSideParams {
  client: PublicClient;
  game: Address;
  runId: bigint;
  /** Where the run's logs start. */
  fromBlock: bigint;
  log: Logger;
}

export abstract class GameSide {
  protected readonly base: GameSideParams;
  readonly #open = new Set<bigint>();
  #scanned: bigint;

  constructor(base: GameSideParams) {
    this.base = base;
    this.#scanned = base.fromBlock;
  }

  /** Games this side is party to that have not ended (as of the last tick). */
  get open(): readonly bigint[] {
    return [...this.#open];
  }

  /** Finds new games, makes every move due; returns how many moves it sent. */
  async tick(): Promise<number> {
    const { client, game, runId, log } = this.base;
    const head = await client.getBlockNumber();
    if (head >= this.#scanned) {
      const started = await client.getContractEvents({ address: game, abi: disputeGameAbi, eventName: "GameStarted", args: { runId }, fromBlock: this.#scanned, toBlock: head });
      for (const e of started) if (this.isMine(e.args.trainer!, e.args.challenger!)) this.#open.add(e.args.gameId!);
      this.#scanned = head + 1n;
    }
    let sent = 0;
    for (const id of this.#open) {
      try {
        if (await this.move(id)) sent++;
      } catch (e) {
        const err = describeChainError(e, `moving in dispute game ${id}`);
        log.warn("game move failed", { game: id, error: err.context.errorName ?? err.name, reason: err.message });
      }
    }
    return sent;
  }

  /** Game `id` as it stands, or undefined once it is over (then it is dropped). */
  protected async current(id: bigint): Promise<GameState | undefined> {
    const state = await readGame(this.base.client, this.base.game, id, this.base.fromBlock);
    if (state.record.phase !== GamePhase.Over) return state;
    this.ended(id);
    return undefined;
  }

  /** Journals a move, then sends it and waits for it to land. */
  protected async send(id: bigint, phase: number, move: GameMove, wallet: Wallet, journal?: Journal): Promise<void> {
    const { client, game, runId, log } = this.base;
    await journal?.append("game-move", { runId: runId.toString(), game: id.toString(), phase, move: move.functionName });
    const hash = await wallet.writeContract({ address: game, abi: disputeGameAbi, functionName: move.functionName as never, args: move.args as never });
    await client.waitForTransactionReceipt({ hash });
    log.info("game move", { game: id, move: move.functionName, tx: hash });
  }

  protected track(id: bigint): void {
    this.#open.add(id);
  }

  protected ended(id: bigint): void {
    this.#open.delete(id);
    this.base.log.info("game over", { game: id });
  }

  /** Whether a game between `trainer` and `challenger` is this side's. */
  protected abstract isMine(trainer: Address, challenger: Address): boolean;

  /** Makes the move due in game `id`, if it is this side's; true when it sent one. */
  protected abstract move(id: bigint): Promise<boolean>;
}
