// DisputeGame move by move: the deadline of every move (the silent party loses), what each move refuses, several
// games on one commitment, and the routed-count contest of an expert step. Real rounds (game-scenario.ts).
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { keccak256, stringToHex, type Hex } from "viem";
import { CommitStatus } from "../../lib/core/index.ts";
import { ListTree } from "../../lib/core/tensor-commit.ts";
import { chunksMove, disputedOp } from "../../lib/protocol/game.ts";
import { computeRound, gameRunOpen, replayOf, type Round, traceOf } from "./game-scenario.ts";
import { GamePlay } from "./game-play.ts";
import { networkHelpers, timeTo, viem, type RunFixture } from "./fixture.ts";

type Fixture = RunFixture & { gate: Round; expert: Round };

async function committed(fraud: boolean): Promise<Fixture> {
  const f = await gameRunOpen();
  const { seed } = f;
  const commit = async (index: number, shard: number) => {
    const account = f.trainers[index]!.account;
    const round = computeRound(f, 0n, seed, account.address, shard, fraud && shard === 0);
    await f.coordinator.write.commit([f.runId, 0n, round.claim.root, round.claim.updateHash, round.claim.samples], { account });
    return round;
  };
  return { ...f, gate: await commit(0, 0), expert: await commit(2, 1) };
}
const honest = () => committed(false);
const fraud = () => committed(true);

/** Verifier `v` challenges segment `segment` of `who`'s commitment; returns the game, ready to play. */
async function start(f: Fixture, who: Round, v: number, segment: number, liar = false): Promise<GamePlay> {
  const id = (await f.game.read.gameCount()) + 1n;
  await f.game.write.challenge([f.runId, 0n, who.trainer, who.claim, segment], { account: f.verifiers[v]!.account });
  const mine = liar ? who : replayOf(who, segment);
  return new GamePlay(f, id, segment, { round: who, account: who.trainer }, { round: mine, account: f.verifiers[v]!.account.address, liar });
}

async function pastDeadline(g: GamePlay) {
  const { deadline } = await g.f.game.read.gameOf([g.gameId]);
  await timeTo(deadline);
}

async function owed(f: RunFixture, who: `0x${string}`): Promise<bigint> {
  return (await f.coordinator.read.earningsOf([f.runId, who])).owed;
}

const MOVES = ["postSteps", "pickStep", "postTrace", "pickOp", "postChunks", "pickChunk", "open", "oneStep"] as const;
const TRAINER_MOVES = new Set(["postSteps", "postTrace", "postChunks", "open"]);

describe("DisputeGame moves", function () {
  this.timeout(300_000);

  describe("deadlines: the party that lets its move's deadline pass loses", () => {
    for (const [k, move] of MOVES.entries()) {
      const trainerSilent = TRAINER_MOVES.has(move);
      it(`${move}: ${trainerSilent ? "the trainer is slashed" : "the challenger's bond goes to the trainer"}`, async () => {
        const f = await networkHelpers.loadFixture(fraud);
        const g = await start(f, f.gate, 0, 0);
        for (const m of MOVES.slice(0, k)) await g[m]();
        await viem.assertions.revertWithCustomError(f.game.write.timeout([g.gameId]), f.game, "GameDeadlineAhead");
        await pastDeadline(g);
        await viem.assertions.revertWithCustomError(g[move](), f.game, "GameDeadlinePassed");
        await g.send("timeout", f.game.write.timeout([g.gameId], { account: f.outsider.account }));
        assert.deepEqual(g.outcome, { trainerLost: trainerSilent, reason: 1 });
        const status = await f.coordinator.read.statusOf([f.runId, 0n, f.gate.trainer]);
        assert.equal(status, trainerSilent ? CommitStatus.Slashed : CommitStatus.Committed);
        const v = f.verifiers[0]!.account.address;
        if (trainerSilent) assert.ok((await owed(f, v)) > f.spec.challengeBond);
        else assert.equal(await owed(f, f.gate.trainer), f.spec.challengeBond);
        await viem.assertions.revertWithCustomError(f.game.write.timeout([g.gameId]), f.game, "GamePhaseInvalid");
      });
    }
  });

  describe("what each move refuses", () => {
    it("challenge: with the commitment's claim, on a segment that exists", async () => {
      const f = await networkHelpers.loadFixture(honest);
      const { runId, gate } = f;
      const asV = { account: f.verifiers[0]!.account };
      const wrong = { ...gate.claim, updateHash: keccak256(stringToHex("other")) };
      await viem.assertions.revertWithCustomError(f.game.write.challenge([runId, 0n, gate.trainer, wrong, 0], asV), f.coordinator, "CommitClaimMismatch");
      await viem.assertions.revertWithCustomErrorWithArgs(f.game.write.challenge([runId, 0n, gate.trainer, gate.claim, 2], asV), f.game, "GameDataInvalid", [1n, 1]);
      await viem.assertions.revertWithCustomError(f.coordinator.write.closeGame([runId, 0n, gate.trainer, f.verifiers[0]!.account.address, true, false]), f.coordinator, "GameHostCaller");
      await viem.assertions.revertWithCustomError(f.game.write.bind([f.coordinator.address]), f.game, "GameUnbound");
      await viem.assertions.revertWithCustomError(f.game.write.timeout([99n]), f.game, "GameUnknown");
    });

    it("postSteps: the trainer only, c + 1 roots, its leaf, and a previous leaf that ends where this one starts", async () => {
      const f = await networkHelpers.loadFixture(honest);
      const g = await start(f, f.gate, 0, 1, true);
      const s = g.stepsArgs();
      const post = (roots: Hex[], proof: Hex[], prevStart: Hex, prevProof: Hex[], account = f.gate.trainer) =>
        f.game.write.postSteps([g.gameId, roots, proof, prevStart, prevProof], { account });
      await viem.assertions.revertWithCustomError(post(s.roots, s.proof, s.prevStart, s.prevProof, f.verifiers[0]!.account.address), f.game, "GameNotYourMove");
      await viem.assertions.revertWithCustomErrorWithArgs(post(s.roots.slice(1), s.proof, s.prevStart, s.prevProof), f.game, "GameDataInvalid", [g.gameId, 2]);
      const other = [...s.roots];
      other[4] = keccak256(stringToHex("not the end"));
      await viem.assertions.revertWithCustomErrorWithArgs(post(other, s.proof, s.prevStart, s.prevProof), f.game, "GameDataInvalid", [g.gameId, 3]);
      await viem.assertions.revertWithCustomErrorWithArgs(post(s.roots, s.proof, keccak256(stringToHex("x")), s.prevProof), f.game, "GameDataInvalid", [g.gameId, 4]);
      await viem.assertions.revertWithCustomError(f.game.write.pickStep([g.gameId, s.roots, 0], { account: f.verifiers[0]!.account }), f.game, "GamePhaseInvalid");
      await g.postSteps();
    });

    it("pickStep, postTrace, pickOp: the posted roots, a step of the segment, the shard's program, the agreed state, an operation", async () => {
      const f = await networkHelpers.loadFixture(honest);
      const g = await start(f, f.gate, 0, 0, true);
      await g.postSteps();
      const asC = { account: f.verifiers[0]!.account };
      const altered = [...g.roots];
      altered[1] = keccak256(stringToHex("x"));
      await viem.assertions.revertWithCustomErrorWithArgs(f.game.write.pickStep([g.gameId, altered, 0], asC), f.game, "GameDataInvalid", [g.gameId, 2]);
      await viem.assertions.revertWithCustomErrorWithArgs(f.game.write.pickStep([g.gameId, g.roots, 4], asC), f.game, "GameDataInvalid", [g.gameId, 5]);
      await g.pickStep();

      const a = g.traceArgs();
      const asT = { account: f.gate.trainer };
      const postTrace = (items: Hex[], m: number, header = a.header, proof = a.headerProof) => f.game.write.postTrace([g.gameId, items, m, header, proof], asT);
      await viem.assertions.revertWithCustomErrorWithArgs(postTrace(a.items, 0, { ...a.header, count: a.header.count + 1 }), f.game, "GameDataInvalid", [g.gameId, 6]);
      await viem.assertions.revertWithCustomErrorWithArgs(postTrace(a.items, 3), f.game, "GameDataInvalid", [g.gameId, 7]);
      await viem.assertions.revertWithCustomErrorWithArgs(postTrace(a.items.slice(1), 0), f.game, "GameDataInvalid", [g.gameId, 8]);
      const wrongState = [...a.items];
      wrongState[3] = keccak256(stringToHex("x"));
      await viem.assertions.revertWithCustomErrorWithArgs(postTrace(wrongState, 0), f.game, "GameDataInvalid", [g.gameId, 8]);
      const wrongEnd = [...a.items];
      wrongEnd[wrongEnd.length - 1] = keccak256(stringToHex("x"));
      await viem.assertions.revertWithCustomErrorWithArgs(postTrace(wrongEnd, 0), f.game, "GameDataInvalid", [g.gameId, 8]);
      await g.postTrace();

      const p = g.opPick();
      assert.equal(p.move, "pickOp");
      if (p.move !== "pickOp") return;
      const pick = (t: number, root: Hex, proof: Hex[], op = p.op, opProof = p.opProof) => f.game.write.pickOp([g.gameId, t, root, proof, op, opProof], asC);
      const tree = new ListTree(g.items);
      await viem.assertions.revertWithCustomErrorWithArgs(pick(3, g.items[3]!, tree.proof(3), { ...p.op, index: 3 }), f.game, "GameDataInvalid", [g.gameId, 9]);
      await viem.assertions.revertWithCustomErrorWithArgs(pick(p.t, keccak256(stringToHex("x")), p.rootProof), f.game, "GameDataInvalid", [g.gameId, 9]);
      await viem.assertions.revertWithCustomErrorWithArgs(pick(p.t, p.root, p.rootProof, { ...p.op, kind: 3 }), f.game, "GameDataInvalid", [g.gameId, 10]);
      await viem.assertions.revertWithCustomErrorWithArgs(pick(p.t, p.root, p.rootProof, { ...p.op, shard: 1 }), f.game, "GameDataInvalid", [g.gameId, 10]);
      await g.pickOp();
    });

    it("postChunks, pickChunk, open, oneStep: the output's chunks, a chunk of them, its bytes, an element inside it", async () => {
      const f = await networkHelpers.loadFixture(fraud);
      const g = await start(f, f.gate, 0, 0);
      for (const m of MOVES.slice(0, 4)) await g[m]();
      const asT = { account: f.gate.trainer };
      const asC = { account: f.verifiers[0]!.account };
      const leaves = chunksMove(g.theirTrace!, g.tensor);
      const bad = [...leaves];
      bad[0] = keccak256(stringToHex("x"));
      await viem.assertions.revertWithCustomErrorWithArgs(f.game.write.postChunks([g.gameId, bad], asT), f.game, "GameDataInvalid", [g.gameId, 11]);
      await viem.assertions.revertWithCustomErrorWithArgs(f.game.write.postChunks([g.gameId, [...leaves, bad[0]!]], asT), f.game, "GameDataInvalid", [g.gameId, 11]);
      await g.postChunks();
      await viem.assertions.revertWithCustomErrorWithArgs(f.game.write.pickChunk([g.gameId, g.leaves, g.leaves.length], asC), f.game, "GameDataInvalid", [g.gameId, 5]);
      await viem.assertions.revertWithCustomErrorWithArgs(f.game.write.pickChunk([g.gameId, bad, 0], asC), f.game, "GameDataInvalid", [g.gameId, 11]);
      await g.pickChunk();
      await viem.assertions.revertWithCustomErrorWithArgs(f.game.write.open([g.gameId, "0x00"], asT), f.game, "GameDataInvalid", [g.gameId, 12]);
      await g.open();

      const a = g.oneStepArgs();
      const one = (chunk: Hex, op: typeof a.op, i: bigint, j: bigint, reads: typeof a.reads) => f.game.write.oneStep([g.gameId, chunk, op, i, j, reads], asC);
      await viem.assertions.revertWithCustomErrorWithArgs(one("0x00", a.op, BigInt(a.i), BigInt(a.j), a.reads), f.game, "GameDataInvalid", [g.gameId, 12]);
      await viem.assertions.revertWithCustomErrorWithArgs(one(a.chunk, { ...a.op, rows: a.op.rows + 1 }, BigInt(a.i), BigInt(a.j), a.reads), f.game, "GameDataInvalid", [g.gameId, 10]);
      await viem.assertions.revertWithCustomErrorWithArgs(one(a.chunk, a.op, 10n ** 6n, 0n, a.reads), f.game, "GameDataInvalid", [g.gameId, 13]);
      const tampered = a.reads.map((r, k) => (k === 0 ? { ...r, data: `${r.data.slice(0, -2)}${r.data.endsWith("00") ? "01" : "00"}` as Hex } : r));
      await viem.assertions.revertWithCustomErrorWithArgs(one(a.chunk, a.op, BigInt(a.i), BigInt(a.j), tampered), f.prover, "RowOpeningInvalid", [0n]);
      await g.oneStep();
      assert.deepEqual(g.outcome, { trainerLost: true, reason: 0 });
    });
  });

  describe("several games on one commitment", () => {
    it("none blocks another: the commitment stays Disputed until the last ends, and each false challenge pays the trainer", async () => {
      const f = await networkHelpers.loadFixture(honest);
      const a = await start(f, f.gate, 0, 0, true);
      const b = await start(f, f.gate, 1, 1, true);
      assert.deepEqual(await a.play(), { trainerLost: false, reason: 0 });
      assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, f.gate.trainer]), CommitStatus.Disputed);
      assert.equal((await f.coordinator.read.participantOf([f.runId, f.gate.trainer])).openDisputes, 1);
      assert.deepEqual(await b.play(), { trainerLost: false, reason: 0 });
      assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, f.gate.trainer]), CommitStatus.Committed);
      assert.equal(await owed(f, f.gate.trainer), 2n * f.spec.challengeBond);
    });

    it("a fraud is slashed once: a second winning challenger gets its bond back", async () => {
      const f = await networkHelpers.loadFixture(fraud);
      const a = await start(f, f.gate, 0, 0);
      const b = await start(f, f.gate, 1, 1);
      assert.deepEqual(await a.play(), { trainerLost: true, reason: 0 });
      const stake = (await f.coordinator.read.participantOf([f.runId, f.gate.trainer])).lockedStake;
      assert.deepEqual(await b.play(), { trainerLost: true, reason: 0 });
      assert.equal((await f.coordinator.read.participantOf([f.runId, f.gate.trainer])).lockedStake, stake);
      assert.equal(await owed(f, f.verifiers[1]!.account.address), f.spec.challengeBond);
      assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, f.gate.trainer]), CommitStatus.Slashed);
    });
  });

  describe("an expert step's routed count m", () => {
    it("a whole game on an expert step: a false challenge loses", async () => {
      const f = await networkHelpers.loadFixture(honest);
      assert.deepEqual(await (await start(f, f.expert, 0, 1, true)).play(), { trainerLost: false, reason: 0 });
    });

    it("contesting a true m loses; a trainer claiming a false m loses the contest", async () => {
      const f = await networkHelpers.loadFixture(honest);
      // A step of segment 0 that routes rows to this expert (which steps do depends on the round's seed).
      const t = Array.from({ length: f.spec.checkpointInterval }, (_, k) => k).find((k) => traceOf(f.expert, k).routed > 0)!;
      const g = await start(f, f.expert, 0, 0, true);
      await g.postSteps();
      await g.send("pickStep", f.game.write.pickStep([g.gameId, g.roots, t], { account: f.verifiers[0]!.account }));
      g.t = t;
      await g.postTrace();
      assert.ok(g.m > 0);
      const contest = disputedOp(traceOf(f.expert, g.step), g.items, g.m + 1, g.programs, 1);
      assert.equal(contest?.move, "contestRouted");
      if (contest?.move !== "contestRouted") return;
      const args = [g.gameId, contest.select, contest.selectProof, contest.routeRoot, contest.routeProof, contest.routeChunk, contest.chunkProof] as const;
      await g.send("contestRouted", f.game.write.contestRouted(args, { account: f.verifiers[0]!.account }));
      assert.deepEqual(g.outcome, { trainerLost: false, reason: 2 });

      const h = await start(f, f.expert, 1, 0, false);
      await h.postSteps();
      await h.send("pickStep", f.game.write.pickStep([h.gameId, h.roots, t], { account: f.verifiers[1]!.account }));
      h.t = t;
      const a = h.traceArgs();
      await h.send("postTrace", f.game.write.postTrace([h.gameId, a.items, a.m + 1, a.header, a.headerProof], { account: f.expert.trainer }));
      h.items = a.items;
      h.m = a.m + 1;
      await h.pickOp();
      assert.deepEqual(h.outcome, { trainerLost: true, reason: 2 });
    });
  });
});
