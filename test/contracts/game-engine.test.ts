// The move engine the peers will run (lib/protocol/game-engine.ts with lib/chain/actions/read-game.ts): each
// move is computed afresh from the chain (gameOf and the game's events) and the side's own data, as a peer
// restarted mid-game (kill -9) would. Whole games on real rounds, step game and update game, both outcomes.
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import type { Address, Hash } from "viem";
import { CommitStatus } from "../../lib/core/index.ts";
import { readGame } from "../../lib/chain/actions/read-game.ts";
import { ANY_SEGMENT, challengerMove, GamePhase, trainerMove, trainerToMove, updateChallenge, type GameMove } from "../../lib/protocol/game-engine.ts";
import { programTree } from "../../lib/protocol/program-commit.ts";
import { shardName } from "../../lib/protocol/shards.ts";
import { stateShapes } from "../../lib/protocol/step-trace.ts";
import { stateArrays } from "../../lib/protocol/trajectory.ts";
import { challengerViewOf, computeRound, CONFIG, gameRunOpen, replayOf, type Round, trainerRoundOf } from "./game-scenario.ts";
import { networkHelpers, timeTo, viem, type RunFixture } from "./fixture.ts";

/** The challenger's side: its replay of the disputed segment, and (for a challenge of ANY_SEGMENT) its derived round. */
type Sides = { trainer: Round; challenger: Round; derived?: Round };

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
      : challengerMove(id, record, posted, viewOf(sides, record.segment), programs);
    if (!move) return record.phase;
    await publicClient.waitForTransactionReceipt({ hash: await write[move.functionName]!(move.args, { account: trainerTurn ? record.trainer : record.challenger }) });
  }
  throw new Error("the game did not end in 20 moves");
}

function viewOf(sides: Sides, segment: number) {
  const derived = sides.derived;
  // After pickSegment the challenger replays the picked segment from its (derived, agreed) start.
  const mine = derived && segment !== ANY_SEGMENT ? replayOf(sides.trainer, segment) : sides.challenger;
  return { ...challengerViewOf(mine), ...(derived ? { trajectory: () => derived.checkpointRoots } : {}) };
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

  it("a trajectory not served: the trainer posts its manifest, the challenger picks the first segment off its derived round, and the fraud is slashed", async () => {
    const f = await networkHelpers.loadFixture(committed);
    const derived = computeRound(f, 0n, f.fraud.seed, f.fraud.trainer, 0); // what S_r and the seed give
    const id = (await f.game.read.gameCount()) + 1n;
    await f.game.write.challenge([f.runId, 0n, f.fraud.trainer, f.fraud.claim, ANY_SEGMENT], { account: f.verifiers[0]!.account });
    assert.equal((await f.game.read.gameOf([id])).phase, GamePhase.Manifest);
    assert.equal(await drive(f, id, { trainer: f.fraud, challenger: derived, derived }), GamePhase.Over);
    assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, f.fraud.trainer]), CommitStatus.Slashed);
    const state = await readGame(await viem.getPublicClient(), f.game.address, id);
    assert.deepEqual(state.posted.manifest, f.fraud.checkpointRoots, "the manifest is on-chain, in the game's events");
    assert.equal(state.record.segment, 0, "the one-op fraud's first segment was picked");
  });

  it("a manifest that does not open to the commitment is refused; a trainer that posts none is slashed", async () => {
    const f = await networkHelpers.loadFixture(committed);
    const r = f.honest;
    const id = (await f.game.read.gameCount()) + 1n;
    await f.game.write.challenge([f.runId, 0n, r.trainer, r.claim, ANY_SEGMENT], { account: f.verifiers[1]!.account });
    const proofs = r.checkpointRoots.slice(0, -1).map((_, j) => r.tree.proof(j));
    const asT = { account: r.trainer };
    await viem.assertions.revertWithCustomErrorWithArgs(f.game.write.postManifest([id, r.checkpointRoots.slice(1), proofs], asT), f.game, "GameDataInvalid", [id, 15]);
    const swapped = [r.checkpointRoots[0]!, r.checkpointRoots[2]!, r.checkpointRoots[1]!];
    await viem.assertions.revertWithCustomErrorWithArgs(f.game.write.postManifest([id, swapped, proofs], asT), f.game, "GameDataInvalid", [id, 3]);
    await viem.assertions.revertWithCustomError(f.game.write.postManifest([id, r.checkpointRoots, proofs], { account: f.verifiers[1]!.account }), f.game, "GameNotYourMove");
    await timeTo((await f.game.read.gameOf([id])).deadline);
    await f.game.write.timeout([id]);
    assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, r.trainer]), CommitStatus.Slashed);
  });

  it("an honest trainer's manifest leaves the challenger nothing to pick: it loses at the deadline", async () => {
    const f = await networkHelpers.loadFixture(committed);
    const id = (await f.game.read.gameCount()) + 1n;
    await f.game.write.challenge([f.runId, 0n, f.honest.trainer, f.honest.claim, ANY_SEGMENT], { account: f.verifiers[1]!.account });
    assert.equal(await drive(f, id, { trainer: f.honest, challenger: f.honest, derived: f.honest }), GamePhase.PickSegment);
    await viem.assertions.revertWithCustomErrorWithArgs(f.game.write.pickSegment([id, 2], { account: f.verifiers[1]!.account }), f.game, "GameDataInvalid", [id, 1]);
    await timeTo((await f.game.read.gameOf([id])).deadline);
    await f.game.write.timeout([id]);
    assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, f.honest.trainer]), CommitStatus.Committed);
  });
});
