// verifier/game-player.ts against node/trainer/game-answers.ts: the two production sides of a dispute game
// play it to the end on a real chain, each ticking on its own and each restarted mid-game; a fraud is slashed,
// and a challenger that finds no winning move on an honest trainer is left to lose at the deadline.
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { CommitStatus } from "../../lib/core/index.ts";
import type { Wallet } from "../../lib/chain/index.ts";
import { programTree } from "../../lib/protocol/program-commit.ts";
import type { Logger } from "../../node/log.ts";
import { GameAnswerer } from "../../node/trainer/game-answers.ts";
import { GamePlayer } from "../../verifier/game-player.ts";
import { challengerViewOf, computeRound, CONFIG, gameRunOpen, replayOf, type Round, trainerRoundOf } from "./game-scenario.ts";
import { networkHelpers, timeTo, viem, type RunFixture } from "./fixture.ts";

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function committed(): Promise<RunFixture & { fraud: Round; honest: Round }> {
  const f = await gameRunOpen();
  const { seed } = f;
  const commit = async (index: number, fraud: boolean) => {
    const account = f.trainers[index]!.account;
    const round = computeRound(f, 0n, seed, account.address, 0, fraud);
    await f.coordinator.write.commit([f.runId, 0n, round.claim.root, round.claim.updateHash, round.claim.samples], { account });
    return round;
  };
  return { ...f, fraud: await commit(0, true), honest: await commit(1, false) };
}

async function sides(f: RunFixture, r: Round, verifier: number) {
  const client = await viem.getPublicClient();
  const programs = programTree(f.spec.batchSize, CONFIG);
  const index = f.trainers.findIndex((t) => t.account.address === r.trainer);
  const trainer = () =>
    new GameAnswerer({ client, wallet: f.trainers[index]! as unknown as Wallet, game: f.game.address, runId: f.runId, trainer: r.trainer, programs, roundOf: async () => trainerRoundOf(r), fromBlock: 0n, log: quiet });
  const v = f.verifiers[verifier]!;
  const player = () =>
    new GamePlayer({
      client,
      wallet: v as unknown as Wallet,
      game: f.game.address,
      runId: f.runId,
      challenger: v.account.address,
      programs,
      viewOf: async (g) => challengerViewOf(replayOf(r, g.record.segment)),
      fromBlock: 0n,
      log: quiet,
    });
  return { trainer, player };
}

describe("verifier/game-player.ts against node/trainer/game-answers.ts", function () {
  this.timeout(300_000);

  it("the two sides play a whole game by ticking, each restarted mid-game: the one-op fraud is slashed", async () => {
    const f = await networkHelpers.loadFixture(committed);
    const make = await sides(f, f.fraud, 0);
    let [t, v] = [make.trainer(), make.player()];
    const id = await v.challenge(0n, f.fraud.trainer, f.fraud.claim, 1);
    for (let turn = 0; turn < 12; turn++) {
      await t.tick();
      await v.tick();
      if (turn === 2) [t, v] = [make.trainer(), make.player()]; // both restart: they find the game in the logs
      if ((await f.game.read.gameOf([id])).phase === 9) break;
    }
    assert.equal((await f.game.read.gameOf([id])).phase, 9);
    assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, f.fraud.trainer]), CommitStatus.Slashed);
  });

  it("on an honest trainer the challenger finds no winning move; the trainer claims the timeout and the bond", async () => {
    const f = await networkHelpers.loadFixture(committed);
    const make = await sides(f, f.honest, 1);
    const [t, v] = [make.trainer(), make.player()];
    const id = await v.challenge(0n, f.honest.trainer, f.honest.claim, 0);
    assert.equal(await t.tick(), 1);
    assert.equal(await v.tick(), 0, "nothing it can win");
    assert.equal(await t.tick(), 0, "the challenger's deadline is ahead: no timeout yet");
    await timeTo((await f.game.read.gameOf([id])).deadline);
    assert.equal(await t.tick(), 1, "the trainer ends the game by timeout itself");
    assert.equal((await f.game.read.gameOf([id])).phase, 9);
    assert.equal(await v.tick(), 0);
    assert.deepEqual(v.open, []);
    assert.equal((await f.coordinator.read.earningsOf([f.runId, f.honest.trainer])).owed, f.spec.challengeBond);
  });
});
