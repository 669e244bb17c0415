import assert from "node:assert/strict";
import { before, describe, it } from "mocha";
import { keccak256, stringToHex, type Hex } from "viem";
import { VerificationMode } from "../../lib/core/index.ts";
import { stateRoot, stateShapes, updateRootOf } from "../../lib/protocol/step-trace.ts";
import { DEFAULT_MOE_SPEC, DEFAULT_STEP_CONFIG, initModel, loadMnist, paramsOf, selectBackend, type ShardState } from "../../lib/ml/index.ts";
import { modelSeed, stateArrays, trainRound, updateOf, type RoundContext, type RoundTrajectory } from "../../lib/protocol/index.ts";
import { checkSegment, checkStart, checkUpdate, distance, toleranceOf, type Tolerance } from "../../verifier/checks.ts";

// The three checks on a real trajectory (the trainer's trainRound, replayed with runSegment): an honest
// commitment passes; a corrupted end state, a wrong start hash and an update that is not s_0 − s_H fail,
// in exact and in tolerance mode.

const EXACT: Tolerance = toleranceOf({ mode: VerificationMode.Exact, toleranceMicros: 0 });
const TOLERANCE: Tolerance = toleranceOf({ mode: VerificationMode.Tolerance, toleranceMicros: 1_000 }); // τ = 1e-3

/** `s` with every value moved by `by` times its own size (plus a floor for zeros). */
function nudged(s: ShardState, by: number): ShardState {
  const move = (arrays: Float32Array[]) => arrays.map((a) => a.map((v, i) => v + by * (Math.abs(v) + 1e-3) * (i % 2 === 0 ? 1 : -1)));
  return { params: move(s.params), slots: move(s.slots) };
}

describe("verifier: checks (verifier/checks.ts)", function () {
  this.timeout(120_000);
  let ctx: RoundContext;
  let start: ShardState;
  let tr: RoundTrajectory;

  before(async () => {
    await selectBackend("cpu");
    const moe = { ...DEFAULT_MOE_SPEC, experts: 2 };
    const model = initModel(modelSeed(7n, keccak256(stringToHex("model"))), moe);
    ctx = {
      runId: 7n,
      round: 0n,
      roundSeed: keccak256(stringToHex("round seed")),
      trainer: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      shard: 1,
      shardName: "expert-0",
      batchSize: 16,
      localSteps: 6,
      checkpointInterval: 2,
      frozen: paramsOf(model),
      dataset: loadMnist("train"),
      config: { ...DEFAULT_STEP_CONFIG, spec: moe },
    };
    start = model["expert-0"]!;
    tr = await trainRound(ctx, start);
  });

  /** A state's root (what leaves and the agreed state name it by). */
  const rootOf = (st: ShardState) => stateRoot("expert-0", st, ctx.config!.spec);
  const segment = (j: number, tolerance: Tolerance, endHash: Hex = tr.checkpointRoots[j + 1]!, end: ShardState = tr.checkpoints[j + 1]!) =>
    checkSegment({ ctx, segment: j, tolerance, start: tr.checkpoints[j]!, endHash, end });
  const update = (tolerance: Tolerance, u: Float32Array[] = tr.delta, updateHash: Hex = tr.updateHash) =>
    checkUpdate({ lastSegment: 2, tolerance, s0: tr.checkpoints[0]!, sH: tr.checkpoints[3]!, updateHash, shapes: stateShapes("expert-0", ctx.config!.spec), update: u });

  describe("start", () => {
    it("passes when the trajectory starts at the agreed state", () => {
      assert.deepEqual(checkStart(tr.checkpointRoots, rootOf(start)), { ok: true });
    });

    it("fails with leaf 0 when the start hash is not the agreed state's", () => {
      const r = checkStart(tr.checkpointRoots, rootOf(nudged(start, 1e-3)));
      assert.equal(r.ok, false);
      assert.ok(!r.ok && r.check === "start" && r.segment === 0);
    });
  });

  for (const [mode, tolerance] of [["exact", EXACT], ["tolerance", TOLERANCE]] as const) {
    describe(`segment (${mode} mode)`, () => {
      it("passes an honest segment, replayed with the trainer's step function", () => {
        for (let j = 0; j < 3; j++) assert.deepEqual(segment(j, tolerance), { ok: true }, `segment ${j}`);
      });

      it("fails a segment whose committed end state was corrupted", () => {
        const bad = nudged(tr.checkpoints[2]!, 0.05);
        const r = segment(1, tolerance, rootOf(bad), bad);
        assert.ok(!r.ok && r.check === "segment" && r.segment === 1, JSON.stringify(r));
      });
    });

    describe(`update (${mode} mode)`, () => {
      it("passes the update s_0 − s_H", () => {
        assert.deepEqual(update(tolerance), { ok: true });
      });

      it("fails an update that is not s_0 − s_H, with the last leaf", () => {
        const flipped = tr.delta.map((a) => a.map((v) => -v));
        const r = update(tolerance, flipped, updateRootOf(flipped, stateShapes("expert-0", ctx.config!.spec)));
        assert.ok(!r.ok && r.check === "update" && r.segment === 2, JSON.stringify(r));
      });
    });
  }

  describe("tolerance mode only", () => {
    it("accepts an end state within τ·‖s_end − s_start‖ of the replay, which exact mode refuses", () => {
      const close = nudged(tr.checkpoints[1]!, 1e-7);
      const hash = rootOf(close);
      const off = distance(stateArrays(close), stateArrays(tr.checkpoints[1]!));
      assert.ok(off > 0);
      assert.deepEqual(segment(0, TOLERANCE, hash, close), { ok: true });
      assert.equal(segment(0, EXACT, hash, close).ok, false);
    });

    it("accepts an update within tolerance, but not one that does not hash to the committed hash", () => {
      const close = tr.delta.map((a) => a.map((v) => v * (1 + 1e-6)));
      assert.deepEqual(update(TOLERANCE, close, updateRootOf(close, stateShapes("expert-0", ctx.config!.spec))), { ok: true });
      assert.equal(update(TOLERANCE, close, tr.updateHash).ok, false);
    });

    it("fails when the committed end state is not supplied", () => {
      const r = checkSegment({ ctx, segment: 0, tolerance: TOLERANCE, start: tr.checkpoints[0]!, endHash: tr.checkpointRoots[1]! });
      assert.equal(r.ok, false);
    });
  });

  it("measures updateOf on the same layout the trainer commits", () => {
    assert.equal(updateRootOf(updateOf(tr.checkpoints[0]!, tr.checkpoints[3]!), stateShapes("expert-0", ctx.config!.spec)), tr.updateHash);
  });
});
