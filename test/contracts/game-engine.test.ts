// The move engine the peers will run (lib/protocol/game-engine.ts with lib/chain/actions/read-game.ts): each
// move is computed afresh from the chain (gameOf and the game's events) and the side's own data, as a peer
// restarted mid-game (kill -9) would. Whole games on real rounds, step game and update game, both outcomes.
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import type { Address, Hash } from "viem";
import { CommitStatus } from "../../lib/core/index.ts";
import { readGame } from "../../lib/chain/actions/read-game.ts";
import { challengerMove, GamePhase, trainerMove, trainerToMove, updateChallenge, type GameMove } from "../../lib/protocol/game-engine.ts";
import { programTree } from "../../lib/protocol/program-commit.ts";
import { shardName } from "../../lib/protocol/shards.ts";
import { stateShapes } from "../../lib/protocol/step-trace.ts";
import { stateArrays } from "../../lib/protocol/trajectory.ts";
import { challengerViewOf, computeRound, CONFIG, gameRunOpen, replayOf, type Round, trainerRoundOf } from "./game-scenario.ts";
import { networkHelpers, timeTo, viem, type RunFixture } from "./fixture.ts";

type Sides = { trainer: Round; challenger: Round };

/** Plays game `id` from the chain alone until it ends or a side has no move; returns the last phase. */
async function drive(f: RunFixture, id: bigint, sides: Sides): Promise<number> {
  const publicClient = await viem.getPublicClient();
  const programs = programTree(f.spec.batchSize, CONFIG);
  const write = f.game.write as unknown as Record<string, (args: readonly unknown[], o: { account: Address }) => Promise<Hash>>;
  for (let n = 0; n < 20; n++) {
    const { record, posted } = await readGame(publicClient, f.game.address, id);
    if (record.phase === GamePhase.Over) return record.phase;
    const trainerTurn = trainerToMove(record.phase);
    const move: GameMove | null = trainerTurn
      ? trainerMove(id, record, posted, trainerRoundOf(sides.trainer), programs)
      : challengerMove(id, record, posted, challengerViewOf(sides.challenger), programs);
    if (!move) return record.phase;
    await publicClient.waitForTransactionReceipt({ hash: await write[move.functionName]!(move.args, { account: trainerTurn ? record.trainer : record.challenger }) });
  }
  throw new Error("the game did not end in 20 moves");
}

async function committed(): Promise<RunFixture & { fraud: Round; honest: Round; flipped: Round }> {
  const f = await gameRunOpen();
  const { seed } = f;
  const commit = async (index: number, shard: number, fraud: boolean, flip: boolean) => {
    const account = f.trainers[index]!.account;
    const round = computeRound(f, 0n, seed, account.address, shard, fraud, flip);
    await f.coordinator.write.commit([f.runId, 0n, round.claim.root, round.claim.updateHash, round.claim.samples], { account });
    return round;
  };
  return { ...f, fraud: await commit(0, 0, true, false), honest: await commit(1, 0, false, false), flipped: await commit(2, 1, false, true) };
}

describe("the game engine: every move from the chain and the side's own data", function () {
  this.timeout(300_000);

  it("plays the step game to the end: the one-op fraud is slashed", async () => {
    const f = await networkHelpers.loadFixture(committed);
    const id = (await f.game.read.gameCount()) + 1n;
    await f.game.write.challenge([f.runId, 0n, f.fraud.trainer, f.fraud.claim, 1], { account: f.verifiers[0]!.account });
    assert.equal(await drive(f, id, { trainer: f.fraud, challenger: replayOf(f.fraud, 1) }), GamePhase.Over);
    assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, f.fraud.trainer]), CommitStatus.Slashed);
  });

  it("an honest trainer's game leaves the challenger without a move: it loses at the deadline", async () => {
    const f = await networkHelpers.loadFixture(committed);
    const id = (await f.game.read.gameCount()) + 1n;
    await f.game.write.challenge([f.runId, 0n, f.honest.trainer, f.honest.claim, 0], { account: f.verifiers[1]!.account });
    assert.equal(await drive(f, id, { trainer: f.honest, challenger: replayOf(f.honest, 0) }), GamePhase.PickStep);
    await timeTo((await f.game.read.gameOf([id])).deadline);
    await f.game.write.timeout([id]);
    assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, f.honest.trainer]), CommitStatus.Committed);
    assert.equal((await f.coordinator.read.earningsOf([f.runId, f.honest.trainer])).owed, f.spec.challengeBond);
  });

  it("plays the update game to the end: a sign-flipped update is slashed", async () => {
    const f = await networkHelpers.loadFixture(committed);
    const r = f.flipped;
    const shapes = stateShapes(shardName(r.shard), CONFIG.spec);
    const ends = { s0: stateArrays(r.states[0]!), sH: stateArrays(r.states.at(-1)!), update: r.update, shapes };
    const move = updateChallenge({ runId: f.runId, round: 0n, trainer: r.trainer, shard: r.shard, claim: r.claim }, ends, programTree(f.spec.batchSize, CONFIG))!;
    const id = (await f.game.read.gameCount()) + 1n;
    await f.game.write.challengeUpdate(move.args as never, { account: f.verifiers[2]!.account });
    assert.equal(await drive(f, id, { trainer: r, challenger: r }), GamePhase.Over);
    assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, r.trainer]), CommitStatus.Slashed);
  });
});
