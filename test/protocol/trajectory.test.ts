import assert from "node:assert/strict";
import { before, describe, it } from "mocha";
import { keccak256, stringToHex, type Hex } from "viem";
import { leafHash, stateHash, verifyProof } from "../../lib/core/index.ts";
import { stateRoot } from "../../lib/protocol/step-trace.ts";
import { DEFAULT_MOE_SPEC, initModel, loadMnist, paramsOf, selectBackend, type MnistDataset } from "../../lib/ml/index.ts";
import { applyUpdates, modelSeed, runSegment, shardIndex, shardName, stateArrays, trainRound, type RoundContext } from "../../lib/protocol/index.ts";

const TRAINER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const SEED: Hex = keccak256(stringToHex("round seed"));

describe("protocol: trajectory and aggregation (lib/protocol)", function () {
  this.timeout(60_000);
  let dataset: MnistDataset;
  before(async () => {
    await selectBackend("cpu");
    dataset = loadMnist("train");
  });

  function context(shard: string, overrides: Partial<RoundContext> = {}): { ctx: RoundContext; start: ReturnType<typeof initModel> } {
    const model = initModel(modelSeed(1n, keccak256("0x01")));
    const ctx: RoundContext = {
      runId: 1n,
      round: 0n,
      roundSeed: SEED,
      trainer: TRAINER,
      shard: shardIndex(shard),
      shardName: shard,
      batchSize: 16,
      localSteps: 8,
      checkpointInterval: 4,
      frozen: paramsOf(model),
      dataset,
      ...overrides,
    };
    return { ctx, start: model };
  }

  it("maps shard names to on-chain indices and back", () => {
    assert.equal(shardIndex("gate"), 0);
    assert.equal(shardIndex("expert-2"), 3);
    assert.equal(shardName(3), "expert-2");
    assert.throws(() => shardIndex("expert-9"), { name: "ShardError" });
  });

  it("is deterministic: the same round gives the same root and update hash", async () => {
    const { ctx, start } = context("gate");
    const a = await trainRound(ctx, start.gate!);
    const b = await trainRound(ctx, start.gate!);
    assert.equal(a.root, b.root);
    assert.equal(a.updateHash, b.updateHash);
    assert.equal(a.checkpoints.length, 3);
    assert.equal(a.samples, 128n);
  });

  it("differs for another trainer (other batches)", async () => {
    const { ctx, start } = context("gate");
    const a = await trainRound(ctx, start.gate!);
    const b = await trainRound({ ...ctx, trainer: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" }, start.gate!);
    assert.notEqual(a.root, b.root);
  });

  it("lets a verifier replay any segment from its checkpoint to the committed end hash", async () => {
    const { ctx, start } = context("expert-0");
    const tr = await trainRound(ctx, start["expert-0"]!);
    for (let j = 0; j < tr.leaves.length; j++) {
      const replay = runSegment(ctx, tr.checkpoints[j]!, j * ctx.checkpointInterval, ctx.checkpointInterval);
      assert.equal(stateRoot("expert-0", replay.state, ctx.config?.spec ?? DEFAULT_MOE_SPEC), tr.leaves[j]!.endHash);
      assert.ok(verifyProof(tr.root, leafHash(tr.leaves[j]!), tr.tree.proof(j)));
    }
  });

  it("commits to s_0 = S_r as the first leaf's start and Δ = s_0 − s_H", async () => {
    const { ctx, start } = context("gate");
    const tr = await trainRound(ctx, start.gate!);
    assert.equal(tr.leaves[0]!.startHash, stateRoot("gate", start.gate!, ctx.config?.spec ?? DEFAULT_MOE_SPEC));
    const next = stateArrays(applyUpdates(start.gate!, [tr.delta], { tau: null }));
    // s_0 − (s_0 − s_H) equals s_H up to float32 rounding.
    stateArrays(tr.finalState).forEach((a, i) => a.forEach((v, j) => assert.ok(Math.abs(v - next[i]![j]!) <= 1e-6 * Math.max(1, Math.abs(v)))));
  });

  it("aggregates honest peers' updates to the same state whichever peer computes it", async () => {
    const { ctx, start } = context("gate");
    const u1 = await (await trainRound(ctx, start.gate!)).delta;
    const u2 = await (await trainRound({ ...ctx, trainer: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" }, start.gate!)).delta;
    const a = applyUpdates(start.gate!, [u1, u2], { tau: 10 });
    const b = applyUpdates(start.gate!, [u1, u2], { tau: 10 });
    assert.equal(stateHash(stateArrays(a)), stateHash(stateArrays(b)));
  });

  it("with one update, every rule (auto τ, a τ, the mean) gives S_r − Δ, and a non-finite update is refused", async () => {
    const { ctx, start } = context("gate");
    const u = (await trainRound(ctx, start.gate!)).delta;
    const hashes = (["auto", 0.5, null] as const).map((tau) => stateHash(stateArrays(applyUpdates(start.gate!, [u], { tau }))));
    const byHand = stateArrays(start.gate!).map((a, i) => a.map((x, j) => x - u[i]![j]!));
    assert.deepEqual(hashes, [stateHash(byHand), stateHash(byHand), stateHash(byHand)]);
    const bad = u.map((a) => a.slice());
    bad[0]![3] = Number.NaN;
    assert.throws(() => applyUpdates(start.gate!, [bad], { tau: "auto" }), { name: "AggregationError" });
  });
});
