// node/trainer/game-rounds.ts: the trainer's answers come from what trainRound produced (its checkpoints, tree
// and update) and the step config it trained with, recomputed per segment; played on a real chain against the
// verifier's GamePlayer, a one-op round trained by the production trainRound is slashed, and the roots it
// answers with are the ones it committed.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "mocha";
import { CommitStatus, type Claim } from "../../lib/core/index.ts";
import type { Wallet } from "../../lib/chain/index.ts";
import { initModel, loadMnist, paramsOf, type ModelState } from "../../lib/ml/index.ts";
import type { ChallengerView } from "../../lib/protocol/game-engine.ts";
import { programTree } from "../../lib/protocol/program-commit.ts";
import { stateArrays, stepBatch, trainRound, type RoundContext } from "../../lib/protocol/trajectory.ts";
import { stateBlob } from "../../lib/core/state-hash.ts";
import { BlobStore, Journal } from "../../node/journal.ts";
import type { Logger } from "../../node/log.ts";
import { journalCommitIntent, restoreRound } from "../../node/trainer/game-restore.ts";
import { oneOpConfig } from "../../node/trainer/attacks/one-op.ts";
import { GameAnswerer } from "../../node/trainer/game-answers.ts";
import { GameRounds, trainerRound, type CommittedRound } from "../../node/trainer/game-rounds.ts";
import { GamePlayer } from "../../verifier/game-player.ts";
import { CONFIG, gameRunOpen, MODEL_SEED } from "./game-scenario.ts";
import { networkHelpers, viem, type RunFixture } from "./fixture.ts";

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function committed(): Promise<RunFixture & { round: CommittedRound; claim: Claim; model: ModelState; updateBytes: Uint8Array }> {
  const f = await gameRunOpen();
  const { seed } = f;
  const model = initModel(MODEL_SEED);
  const trainer = f.trainers[0]!.account;
  const stepConfig = () => oneOpConfig(CONFIG, f.spec.checkpointInterval);
  const ctx: RoundContext = {
    runId: f.runId,
    round: 0n,
    roundSeed: seed,
    trainer: trainer.address,
    shard: 0,
    shardName: "gate",
    batchSize: f.spec.batchSize,
    localSteps: f.spec.localSteps,
    checkpointInterval: f.spec.checkpointInterval,
    frozen: paramsOf(model),
    dataset: loadMnist("train"),
    config: stepConfig(),
  };
  const traj = await trainRound(ctx, model.gate!);
  await f.coordinator.write.commit([f.runId, 0n, traj.root, traj.updateHash, traj.samples], { account: trainer });
  const claim = { root: traj.root, updateHash: traj.updateHash, samples: traj.samples };
  return { ...f, claim, model, updateBytes: traj.updateBytes, round: { ctx, checkpoints: traj.checkpoints, checkpointRoots: traj.checkpointRoots, tree: traj.tree, update: traj.delta, stepConfig } };
}

/** A trainer's data dir as trainer.ts leaves it after committing `f`'s round: the journal and the blobs. */
async function dataDirOf(f: Awaited<ReturnType<typeof committed>>) {
  const dir = mkdtempSync(join(tmpdir(), "verihive-game-restore-"));
  const journal = await Journal.open(dir);
  const blobs = await BlobStore.open(dir, { maxBlobBytes: 64 * 1024 * 1024 });
  const { ctx } = f.round;
  await journalCommitIntent(journal, blobs, { runId: f.runId, round: 0n, claim: f.claim, checkpointRoots: f.round.checkpointRoots, checkpoints: f.round.checkpoints, updateBytes: f.updateBytes }, f.model);
  for (const c of f.round.checkpoints) await blobs.put(stateBlob(stateArrays(c)));
  await blobs.put(f.updateBytes);
  const restore = (round: bigint) =>
    restoreRound({ journal, blobs, runId: f.runId, trainer: ctx.trainer, shard: 0, moe: CONFIG.spec, spec: f.spec, dataset: () => ctx.dataset, seedOf: async () => ctx.roundSeed, stepConfig: f.round.stepConfig }, round);
  return { journal, blobs, restore };
}

describe("node/trainer/game-rounds.ts: a trainer answers from what it trained", function () {
  this.timeout(300_000);

  it("answers with the roots it committed, and the one-op round it trained is slashed by an honest replay", async () => {
    const f = await networkHelpers.loadFixture(committed);
    const r = trainerRound(f.round, CONFIG.spec);
    for (let j = 0; j < 2; j++) {
      const roots = r.stepRoots(j);
      assert.equal(roots[0], f.round.checkpointRoots[j]);
      assert.equal(roots.at(-1), f.round.checkpointRoots[j + 1]);
      assert.equal(r.trace(4 * j + 1).startRoot, roots[1], "a trace starts where the step before ended");
    }
    const honest = trainerRound({ ...f.round, stepConfig: () => CONFIG }, CONFIG.spec);
    const view: ChallengerView = { shard: 0, stepRoots: (j) => honest.stepRoots(j), trace: (t) => honest.trace(t), batch: (t) => ({ dataset: f.round.ctx.dataset, indices: stepBatch(f.round.ctx, t).indices }) };
    const client = await viem.getPublicClient();
    const programs = programTree(f.spec.batchSize, CONFIG);
    const rounds = new GameRounds(CONFIG.spec);
    rounds.remember(0n, f.round);
    const base = { client, game: f.game.address, runId: f.runId, programs, fromBlock: 0n, log: quiet };
    const t = new GameAnswerer({ ...base, wallet: f.trainers[0]! as unknown as Wallet, trainer: f.round.ctx.trainer, roundOf: (k) => rounds.roundOf(k) });
    const v = new GamePlayer({ ...base, wallet: f.verifiers[0]! as unknown as Wallet, challenger: f.verifiers[0]!.account.address, viewOf: async () => view });
    const id = await v.challenge(0n, f.round.ctx.trainer, f.claim, 1);
    for (let turn = 0; turn < 12 && (await f.game.read.gameOf([id])).phase !== 9; turn++) {
      await t.tick();
      await v.tick();
    }
    assert.equal((await f.game.read.gameOf([id])).phase, 9);
    assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, f.round.ctx.trainer]), CommitStatus.Slashed);
  });

  it("restarted (nothing in memory), it answers from its journal and blob store: the same roots, and the fraud still loses", async () => {
    const f = await networkHelpers.loadFixture(committed);
    const { journal, restore } = await dataDirOf(f);
    const restored = (await restore(0n))!;
    assert.ok(restored, "round 0 restored");
    assert.equal(await restore(1n), undefined, "a round it never committed");
    const [a, b] = [trainerRound(restored, CONFIG.spec), trainerRound(f.round, CONFIG.spec)];
    assert.deepEqual(a.stepRoots(1), b.stepRoots(1));
    assert.equal(a.trace(5).traceRoot, b.trace(5).traceRoot);
    assert.deepEqual(a.ends().update.map((u) => Buffer.from(u.buffer).toString("hex")), b.ends().update.map((u) => Buffer.from(u.buffer).toString("hex")));
    const client = await viem.getPublicClient();
    const programs = programTree(f.spec.batchSize, CONFIG);
    const base = { client, game: f.game.address, runId: f.runId, programs, fromBlock: 0n, log: quiet };
    const rounds = new GameRounds(CONFIG.spec, restore);
    const t = new GameAnswerer({ ...base, wallet: f.trainers[0]! as unknown as Wallet, trainer: f.round.ctx.trainer, roundOf: (k) => rounds.roundOf(k), journal });
    const honest = trainerRound({ ...f.round, stepConfig: () => CONFIG }, CONFIG.spec);
    const view: ChallengerView = { shard: 0, stepRoots: (j) => honest.stepRoots(j), trace: (k) => honest.trace(k), batch: (k) => ({ dataset: f.round.ctx.dataset, indices: stepBatch(f.round.ctx, k).indices }) };
    const v = new GamePlayer({ ...base, wallet: f.verifiers[1]! as unknown as Wallet, challenger: f.verifiers[1]!.account.address, viewOf: async () => view });
    const id = await v.challenge(0n, f.round.ctx.trainer, f.claim, 0);
    for (let turn = 0; turn < 12 && (await f.game.read.gameOf([id])).phase !== 9; turn++) {
      await t.tick();
      await v.tick();
    }
    assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, f.round.ctx.trainer]), CommitStatus.Slashed);
    assert.ok(journal.records().some((r) => r.kind === "game-move" && r.move === "postTrace"), "its moves journaled");
  });
});
