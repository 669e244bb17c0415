import type { Address, PublicClient } from "viem";
import { disputeGameAbi } from "../../lib/chain/abi.ts";
import { readGame, type GameState } from "../../lib/chain/actions/read-game.ts";
import { describeChainError, type Wallet } from "../../lib/chain/index.ts";
import { GamePhase, type GameMove } from "../../lib/protocol/game-engine.ts";
import type { Journal } from "../journal.ts";
import type { Logger } from "../log.ts";

// What both sides of the dispute games share (node/trainer/game-answers.ts, verifier/game-player.ts): finding,
// from the GameStarted logs, the games a side is party to, and a tick that makes every move due in them and
// ends, by `timeout`, a game whose other side let its deadline pass (nobody else has a reason to). Only game
// ids are kept, so a restarted side finds its games again from the logs.

export interface GameSideParams {
  client: PublicClient;
  wallet: Wallet;
  game: Address;
  runId: bigint;
  /** Where the run's logs start. */
  fromBlock: bigint;
  /** Each move is journaled here before it is sent. */
  journal?: Journal;
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

  /** Finds new games, makes every move due, claims every timeout due; returns how many transactions it sent. */
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
        if ((await this.move(id)) || (await this.#claimTimeout(id))) sent++;
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
  protected async send(id: bigint, phase: number, move: GameMove): Promise<void> {
    const { client, game, runId, log, wallet, journal } = this.base;
    await journal?.append("game-move", { runId: runId.toString(), game: id.toString(), phase, move: move.functionName });
    const hash = await wallet.writeContract({ address: game, abi: disputeGameAbi, functionName: move.functionName as never, args: move.args as never });
    await client.waitForTransactionReceipt({ hash });
    log.info("game move", { game: id, move: move.functionName, tx: hash });
  }

  /** Ends game `id` by timeout when the other side's deadline has passed (the silent side loses). */
  async #claimTimeout(id: bigint): Promise<boolean> {
    const { client, game } = this.base;
    const g = await client.readContract({ address: game, abi: disputeGameAbi, functionName: "gameOf", args: [id] });
    const phase = Number(g.phase);
    if (phase === GamePhase.Over || this.myTurn(phase)) return false;
    // The next block is stamped no earlier than the latest one, nor (on a live chain) than now.
    const latest = (await client.getBlock()).timestamp;
    if (BigInt(Math.max(Number(latest), Math.floor(Date.now() / 1000))) < BigInt(g.deadline)) return false;
    try {
      await this.send(id, phase, { functionName: "timeout", args: [id] });
      return true;
    } catch (e) {
      // The chain's clock is behind ours: not yet.
      if (describeChainError(e, "timeout").context.errorName === "GameDeadlineAhead") return false;
      throw e;
    }
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

  /** Whether this side moves in `phase`. */
  protected abstract myTurn(phase: number): boolean;

  /** Makes the move due in game `id`, if it is this side's; true when it sent one. */
  protected abstract move(id: bigint): Promise<boolean>;
}
