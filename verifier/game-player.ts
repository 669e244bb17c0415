import type { Address, Hash } from "viem";
import { disputeGameAbi } from "../lib/chain/abi.ts";
import type { GameState } from "../lib/chain/actions/read-game.ts";
import type { Claim } from "../lib/core/index.ts";
import { challengerMove, GamePhase, trainerToMove, type ChallengerView, type GameMove } from "../lib/protocol/game-engine.ts";
import type { ProgramTree } from "../lib/protocol/program-commit.ts";
import { GameSide, type GameSideParams } from "../node/peer/game-side.ts";

// A verifier's side of the dispute games it opens (docs/PROTOCOL.md 7.1): `challenge` opens a game on a segment
// whose replay differs from the commitment; every tick then finds the games it opened (GameStarted) and, where
// the move is its own, computes it from the game's record and events and its own replay
// (lib/protocol/game-engine.ts) and sends it. As on the trainer's side (node/trainer/game-answers.ts) nothing
// is kept but the game ids: a verifier restarted mid-game finds its games again and makes the due move. A game
// in which it finds no winning move (its replay agrees with what the trainer posted) is left to time out.

export interface GamePlayerParams extends GameSideParams {
  /** This verifier's address. */
  challenger: Address;
  programs: ProgramTree;
  /** Its own replay of the disputed segment (from the start the trainer posted), or undefined if it cannot build it. */
  viewOf: (game: GameState) => Promise<ChallengerView | undefined>;
  /** Called once per game of its own it sees over (also for games that ended while it was down). */
  onEnded?: (id: bigint) => void;
}

export class GamePlayer extends GameSide {
  readonly #p: GamePlayerParams;
  readonly #stuck = new Set<string>();

  constructor(p: GamePlayerParams) {
    super(p);
    this.#p = p;
  }

  protected isMine(_trainer: Address, challenger: Address): boolean {
    return challenger.toLowerCase() === this.#p.challenger.toLowerCase();
  }

  protected myTurn(phase: number): boolean {
    return !trainerToMove(phase) && phase !== GamePhase.Over;
  }

  /** Opens a step game on `segment` of a commitment (the bond must be approved); journaled first. Returns its id. */
  challenge(round: bigint, trainer: Address, claim: Claim, segment: number): Promise<bigint> {
    return this.openGame({ functionName: "challenge", args: [this.#p.runId, round, trainer, claim, segment] }, { round, trainer, segment });
  }

  /** Opens a game with `move` (challenge or challengeUpdate, from lib/protocol/game-engine.ts); journaled first. */
  async openGame(move: GameMove, about: { round: bigint; trainer: Address; segment?: number }): Promise<bigint> {
    const p = this.#p;
    await p.journal?.append("game-open", { runId: p.runId.toString(), round: about.round.toString(), trainer: about.trainer, move: move.functionName, ...(about.segment !== undefined ? { segment: about.segment } : {}) });
    const hash = await p.wallet.writeContract({ address: p.game, abi: disputeGameAbi, functionName: move.functionName as never, args: move.args as never });
    const id = await this.#started(hash);
    p.log.info("game opened", { game: id, move: move.functionName, round: about.round, trainer: about.trainer, tx: hash });
    return id;
  }

  protected async move(id: bigint): Promise<boolean> {
    const p = this.#p;
    const state = await this.current(id);
    if (!state || trainerToMove(state.record.phase)) return false;
    const { record, posted } = state;
    // The update game needs no replay: what it checks was posted by the trainer.
    const view = record.phase === GamePhase.UpdateElement ? undefined : await p.viewOf(state);
    const move = challengerMove(id, record, posted, view, p.programs);
    if (!move) {
      const key = `${id}:${record.phase}`;
      if (!this.#stuck.has(key)) p.log.warn("no winning move: the game is left to time out", { game: id, phase: record.phase });
      this.#stuck.add(key);
      return false;
    }
    await this.send(id, record.phase, move);
    return true;
  }

  protected override ended(id: bigint): void {
    super.ended(id);
    this.#p.onEnded?.(id);
  }

  async #started(hash: Hash): Promise<bigint> {
    const receipt = await this.#p.client.waitForTransactionReceipt({ hash });
    const logs = await this.#p.client.getContractEvents({ address: this.#p.game, abi: disputeGameAbi, eventName: "GameStarted", blockHash: receipt.blockHash });
    const mine = logs.find((l) => l.transactionHash === hash);
    if (!mine) throw new Error(`no GameStarted in ${hash}`);
    this.track(mine.args.gameId!);
    return mine.args.gameId!;
  }
}
