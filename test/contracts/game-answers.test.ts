// node/trainer/game-answers.ts: a trainer answers the games opened against it from the logs and its own round
// data, also after a restart mid-game; journals each move. Real chain, real rounds; the challenger plays with
// the same engine.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "mocha";
import type { Address, Hash } from "viem";
import { CommitStatus } from "../../lib/core/index.ts";
import { readGame } from "../../lib/chain/actions/read-game.ts";
import type { Wallet } from "../../lib/chain/index.ts";
import { challengerMove, GamePhase } from "../../lib/protocol/game-engine.ts";
import { programTree } from "../../lib/protocol/program-commit.ts";
import { Journal } from "../../node/journal.ts";
import type { Logger } from "../../node/log.ts";
import { GameAnswerer } from "../../node/trainer/game-answers.ts";
import { challengerViewOf, computeRound, CONFIG, gameRunOpen, replayOf, type Round, trainerRoundOf } from "./game-scenario.ts";
import { networkHelpers, viem, type RunFixture } from "./fixture.ts";

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function committed(): Promise<RunFixture & { fraud: Round }> {
  const f = await gameRunOpen();
  const { seed } = f;
  const account = f.trainers[0]!.account;
  const fraud = computeRound(f, 0n, seed, account.address, 0, true);
  await f.coordinator.write.commit([f.runId, 0n, fraud.claim.root, fraud.claim.updateHash, fraud.claim.samples], { account });
  return { ...f, fraud };
}

describe("node/trainer/game-answers.ts: the trainer's side of its games", function () {
  this.timeout(300_000);

  it("answers every move due from the logs, keeps going after a restart, journals each move; the fraud still loses", async () => {
    const f = await networkHelpers.loadFixture(committed);
    const client = await viem.getPublicClient();
    const journal = await Journal.open(mkdtempSync(join(tmpdir(), "vh-answers-")));
    const answerer = () =>
      new GameAnswerer({
        client,
        wallet: f.trainers[0]! as unknown as Wallet,
        game: f.game.address,
        runId: f.runId,
        trainer: f.fraud.trainer,
        programs: programTree(f.spec.batchSize, CONFIG),
        roundOf: async (round) => (round === 0n ? trainerRoundOf(f.fraud) : undefined),
        fromBlock: 0n,
        journal,
        log: quiet,
      });
    let trainerSide = answerer();
    assert.equal(await trainerSide.tick(), 0, "no game yet");
    const id = (await f.game.read.gameCount()) + 1n;
    const v = f.verifiers[0]!;
    await f.game.write.challenge([f.runId, 0n, f.fraud.trainer, f.fraud.claim, 1], { account: v.account });
    const programs = programTree(f.spec.batchSize, CONFIG);
    const write = f.game.write as unknown as Record<string, (args: readonly unknown[], o: { account: Address }) => Promise<Hash>>;
    for (let turn = 0; turn < 10; turn++) {
      assert.equal(await trainerSide.tick(), 1, `turn ${turn}: the trainer moves`);
      if (turn === 1) trainerSide = answerer(); // a restart: a fresh answerer finds the game in the logs
      const { record, posted } = await readGame(client, f.game.address, id);
      if (record.phase === GamePhase.Over) break;
      const move = challengerMove(id, record, posted, challengerViewOf(replayOf(f.fraud, 1)), programs)!;
      await client.waitForTransactionReceipt({ hash: await write[move.functionName]!(move.args, { account: v.account.address }) });
      if ((await readGame(client, f.game.address, id)).record.phase === GamePhase.Over) break;
    }
    assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, f.fraud.trainer]), CommitStatus.Slashed);
    assert.equal(await trainerSide.tick(), 0);
    assert.deepEqual(trainerSide.open, []);
    const moves = journal.records().filter((r) => r.kind === "game-move").map((r) => r.move);
    assert.deepEqual(moves, ["postSteps", "postTrace", "postChunks", "open"]);
    await journal.close();
  });
});
