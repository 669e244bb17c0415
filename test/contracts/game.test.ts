// DisputeGame behaviour, on real rounds (reference steps on the seed-derived MNIST batches, committed under
// state roots): an honest challenger beats the one-op fraud, a false challenge loses to an honest trainer,
// silence loses at every move, several games share a commitment, and every move refuses what does not fit.
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { type Address, type Hex } from "viem";
import { CommitStatus } from "../../lib/core/index.ts";
import { computeRound, gameRunOpen, replayOf, type Round } from "./game-scenario.ts";
import { GamePlay } from "./game-play.ts";
import { networkHelpers, type RunFixture } from "./fixture.ts";

/** A run the game can play, round 0 open, with trainer 0 (gate) and trainer 2 (expert-0) committed. */
async function committed(fraud: { gate?: boolean; expert?: boolean } = {}) {
  const f = await gameRunOpen();
  const { seed } = f;
  const commit = async (index: number, shard: number, bad: boolean) => {
    const account = f.trainers[index]!.account;
    const round = computeRound(f, 0n, seed, account.address, shard, bad);
    await f.coordinator.write.commit([f.runId, 0n, round.claim.root, round.claim.updateHash, round.claim.samples], { account });
    return round;
  };
  const gate = await commit(0, 0, fraud.gate ?? false);
  const expert = await commit(2, 1, fraud.expert ?? false);
  return { ...f, seed, gate, expert };
}

const honestRun = () => committed();
const fraudRun = () => committed({ gate: true });
const expertFraudRun = () => committed({ expert: true });

async function challenge(f: RunFixture, trainer: Round, verifier: number, segment: number): Promise<bigint> {
  const id = (await f.game.read.gameCount()) + 1n;
  await f.game.write.challenge([f.runId, 0n, trainer.trainer, trainer.claim, segment], { account: f.verifiers[verifier]!.account });
  return id;
}

async function owed(f: RunFixture, who: Address): Promise<bigint> {
  return (await f.coordinator.read.earningsOf([f.runId, who])).owed;
}

describe("DisputeGame", function () {
  this.timeout(300_000);

  describe("a whole game", () => {
    it("slashes the one-op fraud: an honest challenger narrows it to the wrong element and the contract recomputes it", async () => {
      const f = await networkHelpers.loadFixture(fraudRun);
      const v = f.verifiers[0]!.account.address;
      const id = await challenge(f, f.gate, 0, 1);
      const play = new GamePlay(f, id, 1, { round: f.gate, account: f.gate.trainer }, { round: replayOf(f.gate, 1), account: v });
      const out = await play.play();
      assert.deepEqual([out.trainerLost, out.reason], [true, 0]);
      assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, f.gate.trainer]), CommitStatus.Slashed);
      const p = await f.coordinator.read.participantOf([f.runId, f.gate.trainer]);
      assert.equal(p.banned, true);
      const slashed = f.spec.minTrainerStake - p.lockedStake;
      assert.ok(slashed > 0n);
      assert.equal(await owed(f, v), f.spec.challengeBond + slashed / 2n);
      assert.equal((await f.coordinator.read.participantOf([f.runId, v])).openDisputes, 0);
      for (const gas of Object.values(play.gas)) assert.ok(gas < 5_000_000, `a move took ${gas} gas`);
    });

    it("slashes the one-op fraud in an expert step (routing, selection, training: the wrong element is in expert.z1)", async () => {
      const f = await networkHelpers.loadFixture(expertFraudRun);
      const v = f.verifiers[2]!.account.address;
      const id = await challenge(f, f.expert, 2, 0);
      const play = new GamePlay(f, id, 0, { round: f.expert, account: f.expert.trainer }, { round: replayOf(f.expert, 0), account: v });
      assert.deepEqual(await play.play(), { trainerLost: true, reason: 0 });
      assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, f.expert.trainer]), CommitStatus.Slashed);
    });

    it("a false challenge loses its bond to an honest trainer, whose commitment goes back to Committed", async () => {
      const f = await networkHelpers.loadFixture(honestRun);
      const v = f.verifiers[1]!.account.address;
      const id = await challenge(f, f.gate, 1, 0);
      assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, f.gate.trainer]), CommitStatus.Disputed);
      const out = await new GamePlay(f, id, 0, { round: f.gate, account: f.gate.trainer }, { round: f.gate, account: v, liar: true }).play();
      assert.deepEqual([out.trainerLost, out.reason], [false, 0]);
      assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, f.gate.trainer]), CommitStatus.Committed);
      assert.equal(await owed(f, f.gate.trainer), f.spec.challengeBond);
      assert.equal(await owed(f, v), 0n);
    });
  });
});

export type { Hex };
