// The update game (contracts/UpdateGame.sol): a commitment's update must be s_0 ⊖ s_H element by element. On
// real rounds: the sign-flip update is slashed, a false challenge on an honest update loses, a trainer that does
// not open loses, and each move refuses what does not fit.
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { keccak256, parseEventLogs, stringToHex, type Hex } from "viem";
import { CommitStatus } from "../../lib/core/index.ts";
import { disputeGameAbi } from "../../lib/chain/abi.ts";
import { disputedUpdate, endsOf, tensorChunk, updateWriter } from "../../lib/protocol/game.ts";
import { programTree } from "../../lib/protocol/program-commit.ts";
import { stateShapes } from "../../lib/protocol/step-trace.ts";
import { stateArrays } from "../../lib/protocol/trajectory.ts";
import { shardName } from "../../lib/protocol/shards.ts";
import { computeRound, CONFIG, gameRunOpen, type Round } from "./game-scenario.ts";
import { networkHelpers, timeTo, viem, type RunFixture } from "./fixture.ts";

type Fixture = RunFixture & { honest: Round; flipped: Round };

async function committed(): Promise<Fixture> {
  const f = await gameRunOpen();
  const { seed } = f;
  const commit = async (index: number, shard: number, flip: boolean) => {
    const account = f.trainers[index]!.account;
    const round = computeRound(f, 0n, seed, account.address, shard, false, flip);
    await f.coordinator.write.commit([f.runId, 0n, round.claim.root, round.claim.updateHash, round.claim.samples], { account });
    return round;
  };
  return { ...f, honest: await commit(0, 0, false), flipped: await commit(2, 1, true) };
}

const shapesOf = (r: Round) => stateShapes(shardName(r.shard), CONFIG.spec);

/** The challenge's arguments for state tensor k, chunk c of `r`'s commitment (the writer's leaf from the program). */
function challengeArgs(f: RunFixture, r: Round, k: number, c: number) {
  const w = updateWriter(programTree(f.spec.batchSize, CONFIG), r.shard, k);
  return [f.runId, 0n, r.trainer, r.claim, k, c, w.header, w.headerProof, w.leaf, w.proof] as const;
}

/** The trainer's answer: the ends of its trajectory and chunk c of tensor k of s_0, s_H and its update. */
function openArgs(r: Round, k: number, c: number) {
  const shapes = shapesOf(r);
  const s0 = stateArrays(r.states[0]!);
  const sH = stateArrays(r.states.at(-1)!);
  return [endsOf(r.checkpointRoots, r.tree), tensorChunk(s0, shapes, k, c), tensorChunk(sH, shapes, k, c), tensorChunk(r.update, shapes, k, c)] as const;
}

async function play(f: Fixture, r: Round, verifier: number, pick: { tensor: number; chunk: number; i: number; j: number }) {
  const v = { account: f.verifiers[verifier]!.account };
  const id = (await f.game.read.gameCount()) + 1n;
  await f.game.write.challengeUpdate(challengeArgs(f, r, pick.tensor, pick.chunk), v);
  const [ends, s0, sH, u] = openArgs(r, pick.tensor, pick.chunk);
  const publicClient = await viem.getPublicClient();
  const opened = await publicClient.waitForTransactionReceipt({ hash: await f.game.write.openUpdate([id, ends, s0, sH, u], { account: r.trainer }) });
  const data = parseEventLogs({ abi: disputeGameAbi, logs: opened.logs }).find((l) => l.eventName === "UpdateOpened")!.args as { start: Hex; end: Hex; update: Hex };
  const hash = await f.game.write.checkUpdate([id, data.start, data.end, data.update, BigInt(pick.i), BigInt(pick.j)], v);
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  const ended = parseEventLogs({ abi: disputeGameAbi, logs: receipt.logs }).find((l) => l.eventName === "GameEnded")!.args;
  return { id, trainerLost: ended.trainerLost, gas: { open: Number(opened.gasUsed), check: Number(receipt.gasUsed) } };
}

describe("UpdateGame", function () {
  this.timeout(300_000);

  it("slashes a sign-flipped update: the honest challenger names the first element that is not s_0 ⊖ s_H", async () => {
    const f = await networkHelpers.loadFixture(committed);
    const r = f.flipped;
    const pick = disputedUpdate(stateArrays(r.states[0]!), stateArrays(r.states.at(-1)!), r.update, shapesOf(r));
    assert.ok(pick, "the flipped update differs somewhere");
    const out = await play(f, r, 0, pick);
    assert.equal(out.trainerLost, true);
    assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, r.trainer]), CommitStatus.Slashed);
    assert.ok(out.gas.open < 5_000_000 && out.gas.check < 5_000_000);
  });

  it("an honest update survives a challenge anywhere; the challenger's bond goes to the trainer", async () => {
    const f = await networkHelpers.loadFixture(committed);
    const r = f.honest;
    assert.equal(disputedUpdate(stateArrays(r.states[0]!), stateArrays(r.states.at(-1)!), r.update, shapesOf(r)), null);
    const cols = shapesOf(r)[0]![1];
    const e = 2048 + 7; // an element of chunk 1
    const out = await play(f, r, 1, { tensor: 0, chunk: 1, i: Math.floor(e / cols), j: e % cols });
    assert.equal(out.trainerLost, false);
    assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, r.trainer]), CommitStatus.Committed);
    assert.equal((await f.coordinator.read.earningsOf([f.runId, r.trainer])).owed, f.spec.challengeBond);
  });

  it("a trainer that does not open loses; each move refuses what does not fit", async () => {
    const f = await networkHelpers.loadFixture(committed);
    const r = f.honest;
    const v = { account: f.verifiers[0]!.account };
    const args = challengeArgs(f, r, 4, 0);
    await viem.assertions.revertWithCustomError(f.game.write.challengeUpdate([...args.slice(0, 4), 8, 0, ...args.slice(6)] as unknown as typeof args, v), f.game, "GameDataInvalid");
    await viem.assertions.revertWithCustomError(f.game.write.challengeUpdate([...args.slice(0, 4), 3, 0, ...args.slice(6)] as unknown as typeof args, v), f.game, "GameDataInvalid");
    await viem.assertions.revertWithCustomError(f.game.write.challengeUpdate([...args.slice(0, 5), 999, ...args.slice(6)] as unknown as typeof args, v), f.game, "GameDataInvalid");
    const id = (await f.game.read.gameCount()) + 1n;
    await f.game.write.challengeUpdate(args, v);
    const [ends, s0, sH, u] = openArgs(r, 4, 0);
    const asT = { account: r.trainer };
    await viem.assertions.revertWithCustomErrorWithArgs(f.game.write.openUpdate([id, { ...ends, end: keccak256(stringToHex("x")) }, s0, sH, u], asT), f.game, "GameDataInvalid", [id, 3]);
    await viem.assertions.revertWithCustomErrorWithArgs(f.game.write.openUpdate([id, ends, sH, s0, u], asT), f.game, "GameDataInvalid", [id, 9]);
    // One byte of the update's chunk changed (swapping in another tensor's chunk is no test: border pixels keep
    // whole chunks of w1's velocity at zero, in s_0, s_H and Δ alike).
    const tampered = `${u.data.slice(0, 10)}${u.data.slice(10, 12) === "ff" ? "00" : "ff"}${u.data.slice(12)}` as Hex;
    await viem.assertions.revertWithCustomErrorWithArgs(f.game.write.openUpdate([id, ends, s0, sH, { ...u, data: tampered }], asT), f.game, "GameDataInvalid", [id, 12]);
    await viem.assertions.revertWithCustomError(f.game.write.openUpdate([id, ends, s0, sH, u], v), f.game, "GameNotYourMove");
    await timeTo((await f.game.read.gameOf([id])).deadline);
    await f.game.write.timeout([id]);
    assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, r.trainer]), CommitStatus.Slashed);
  });

  it("checkUpdate refuses other chunks, an element outside the chunk and the wrong party; a silent challenger loses", async () => {
    const f = await networkHelpers.loadFixture(committed);
    const r = f.flipped;
    const pick = disputedUpdate(stateArrays(r.states[0]!), stateArrays(r.states.at(-1)!), r.update, shapesOf(r))!;
    const v = { account: f.verifiers[3]!.account };
    const id = (await f.game.read.gameCount()) + 1n;
    await f.game.write.challengeUpdate(challengeArgs(f, r, pick.tensor, pick.chunk), v);
    const [ends, s0, sH, u] = openArgs(r, pick.tensor, pick.chunk);
    await f.game.write.openUpdate([id, ends, s0, sH, u], { account: r.trainer });
    const check = (a: Hex, b: Hex, c: Hex, i: number, j: number, who = v) => f.game.write.checkUpdate([id, a, b, c, BigInt(i), BigInt(j)], who);
    // (The first wrong element of a sign-flipped update is often a −0 where s_0 = s_H: its chunks of s_0 and s_H
    // may be equal, so the test changes a byte rather than swapping them.)
    const changed = `${s0.data.slice(0, -2)}${s0.data.endsWith("ff") ? "00" : "ff"}` as Hex;
    await viem.assertions.revertWithCustomErrorWithArgs(check(changed, sH.data, u.data, pick.i, pick.j), f.game, "GameDataInvalid", [id, 12]);
    const cols = shapesOf(r)[pick.tensor]![1];
    const outside = (pick.chunk + 1) * 2048; // the first element of the next chunk
    await viem.assertions.revertWithCustomErrorWithArgs(check(s0.data, sH.data, u.data, Math.floor(outside / cols), outside % cols), f.game, "GameDataInvalid", [id, 13]);
    await viem.assertions.revertWithCustomError(check(s0.data, sH.data, u.data, pick.i, pick.j, { account: f.trainers[2]!.account }), f.game, "GameNotYourMove");
    await timeTo((await f.game.read.gameOf([id])).deadline);
    await viem.assertions.revertWithCustomError(check(s0.data, sH.data, u.data, pick.i, pick.j), f.game, "GameDeadlinePassed");
    await f.game.write.timeout([id]);
    assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, r.trainer]), CommitStatus.Committed);
    assert.equal((await f.coordinator.read.earningsOf([f.runId, r.trainer])).owed, f.spec.challengeBond);
  });
});

