import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, describe, it } from "mocha";
import { keccak256, stringToHex, type Hex } from "viem";
import { defaultRunSpec, stateBlob, VerificationMode, type RunSpec } from "../../lib/core/index.ts";
import { stateRoot } from "../../lib/protocol/step-trace.ts";
import { DEFAULT_MOE_SPEC, DEFAULT_STEP_CONFIG, initModel, loadMnist, paramsOf, selectBackend, type ModelState, type ShardState } from "../../lib/ml/index.ts";
import { encodeManifest, modelSeed, stateArrays, trainRound, verifyManifest, type RoundContext, type RoundTrajectory } from "../../lib/protocol/index.ts";
import { BlobStore, Journal } from "../../node/journal.ts";
import type { CommitmentRef, EvidenceEnv } from "../../verifier/evidence.ts";
import type { RoundData, RoundState } from "../../verifier/round-data.ts";
import { ServedEvidence } from "../../verifier/served.ts";
import { verifySegment, type VerifyEnv } from "../../verifier/verify.ts";
import { FakeClock, tempDir } from "./helpers.ts";

// verifySegment, the procedure auditors and jurors share, on real trajectories with the data already at
// hand (no network): what an auditor and a juror conclude for an honest trainer, a corrupted segment, a
// wrong start state and data nobody serves.

const TRAINER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const moe = { ...DEFAULT_MOE_SPEC, experts: 2 };
const dir = tempDir("verify");
after(() => rmSync(dir, { recursive: true, force: true }));

describe("verifier: verifying a segment (verifier/verify.ts)", function () {
  this.timeout(120_000);
  let model: ModelState;
  let ctx: RoundContext;
  let honest: RoundTrajectory;
  let corrupt: RoundTrajectory;
  let offStart: RoundTrajectory;
  let journal: Journal;
  const spec: RunSpec = defaultRunSpec(0n, { localSteps: 6, checkpointInterval: 2, batchSize: 16, shards: 3, mode: VerificationMode.Exact });

  before(async () => {
    await selectBackend("cpu");
    model = initModel(modelSeed(1n, spec.modelHash), moe);
    ctx = {
      runId: 1n,
      round: 0n,
      roundSeed: keccak256(stringToHex("seed")),
      trainer: TRAINER,
      shard: 1,
      shardName: "expert-0",
      batchSize: 16,
      localSteps: 6,
      checkpointInterval: 2,
      frozen: paramsOf(model),
      dataset: loadMnist("train"),
      config: { ...DEFAULT_STEP_CONFIG, spec: moe },
    };
    const start = model["expert-0"]!;
    honest = await trainRound(ctx, start);
    // Segment 1 moved backwards (the sign-flip attack), the rest honest from there.
    corrupt = await trainRound(ctx, start, {
      afterSegment: (j, s, e) => (j === 1 ? { params: s.params.map((a, i) => a.map((v, k) => 2 * v - e.params[i]![k]!)), slots: e.slots } : e),
    });
    const other: ShardState = { params: start.params.map((a) => a.map((v) => v * 1.01)), slots: start.slots };
    offStart = await trainRound(ctx, other);
    journal = await Journal.open(dir);
  });
  after(async () => journal?.close());

  /** An environment in which every checkpoint of `tr` is already held (unless `withhold`), at chain time 100. */
  async function env(tr: RoundTrajectory, opts: { confirmed?: boolean; withhold?: number[] } = {}): Promise<{ v: VerifyEnv; ref: CommitmentRef }> {
    const served = new ServedEvidence(await BlobStore.open(dir, { maxBlobBytes: 1 << 24 }), journal, 1n);
    tr.checkpoints.forEach((c, i) => {
      if (!opts.withhold?.includes(i)) served.keep(0n, tr.checkpointRoots[i]!, stateBlob(stateArrays(c)));
    });
    const ref: CommitmentRef = { runId: 1n, round: 0n, trainer: TRAINER, shard: 1, root: tr.root, updateHash: tr.updateHash, samples: tr.samples };
    const manifest = verifyManifest(encodeManifest(tr.checkpointRoots), { runId: 1n, shard: 1, round: 0n, segments: 3, root: tr.root });
    const hashes = Object.fromEntries(Object.entries(model).map(([n, s]) => [n, stateRoot(n, s, moe)])) as Record<string, Hex>;
    const agreed: RoundState = { state: model, hashes, manifests: new Map([[TRAINER.toLowerCase(), manifest]]), commitments: [], confirmed: opts.confirmed ?? true };
    const rounds = { agreed: async () => agreed, context: async () => ctx } as unknown as RoundData;
    const evidence: EvidenceEnv = { fetch: () => assert.fail("no fetch expected"), served, clock: new FakeClock(100), peerOf: () => undefined, retryMs: 10, signal: new AbortController().signal };
    return { v: { spec, moe, rounds, evidence }, ref };
  }

  it("passes every segment of an honest trainer, as auditor and as juror", async () => {
    const { v, ref } = await env(honest);
    for (let j = 0; j < 3; j++) {
      assert.equal((await verifySegment(v, "auditor", ref, j, 200)).kind, "pass", `auditor, segment ${j}`);
      assert.equal((await verifySegment(v, "juror", ref, j, 200)).kind, "pass", `juror, segment ${j}`);
    }
  });

  it("fails the corrupted segment with its leaf and proof, and keeps the evidence jurors need", async () => {
    const { v, ref } = await env(corrupt);
    const r = await verifySegment(v, "auditor", ref, 1, 200);
    assert.equal(r.kind, "fail");
    if (r.kind !== "fail") return;
    assert.equal(r.check, "segment");
    assert.equal(r.segment, 1);
    assert.equal(r.manifest.leaves[1]!.startHash, corrupt.checkpointRoots[1]);
    const keys = r.evidence.map((e) => e.key);
    assert.ok(keys.includes(corrupt.root) && keys.includes(corrupt.checkpointRoots[1]!));
    assert.equal((await verifySegment(v, "juror", ref, 1, 200)).kind, "fail");
    // An audit of another segment does not see it: detection is per audited segment.
    assert.equal((await verifySegment(v, "auditor", ref, 0, 200)).kind, "pass");
  });

  it("fails a trajectory that does not start at the agreed state with leaf 0; a juror of a later segment does not check the start", async () => {
    const { v, ref } = await env(offStart);
    const r = await verifySegment(v, "auditor", ref, 2, 200);
    assert.ok(r.kind === "fail" && r.check === "start" && r.segment === 0, JSON.stringify(r.kind));
    assert.equal((await verifySegment(v, "juror", ref, 0, 200)).kind, "fail");
    assert.equal((await verifySegment(v, "juror", ref, 1, 200)).kind, "pass");
  });

  it("reports data nobody served by the deadline as unavailable, when it is not the trajectory derived from S_r", async () => {
    const { v, ref } = await env(corrupt, { withhold: [1] });
    const r = await verifySegment(v, "auditor", ref, 1, 100); // deadline now: no time to fetch
    assert.deepEqual(r, { kind: "unavailable", missing: "checkpoint 1", segmentData: true });
  });

  it("exact mode: derives withheld data from S_r and the seed; the honest trajectory passes, a wrong update fails the update check", async () => {
    const { v, ref } = await env(honest, { withhold: [1] });
    const r = await verifySegment(v, "auditor", ref, 1, 100);
    assert.equal(r.kind, "pass");
    if (r.kind === "pass") assert.deepEqual(r.manifest.checkpointRoots, honest.checkpointRoots);
    const wrong = await verifySegment(v, "auditor", { ...ref, updateHash: corrupt.updateHash }, 1, 100);
    assert.ok(wrong.kind === "fail" && wrong.check === "update" && wrong.segment === 2, wrong.kind);
    if (wrong.kind === "fail") assert.equal(stateRoot("expert-0", wrong.ends!.sH, moe), honest.checkpointRoots[3], "the update game gets the derived s_0 and s_H");
    const unsure = await env(honest, { withhold: [1], confirmed: false });
    assert.equal((await verifySegment(unsure.v, "auditor", { ...unsure.ref, updateHash: corrupt.updateHash }, 1, 100)).kind, "undecided");
  });

  it("does not accuse on an agreed state that rests on its own copy only", async () => {
    const { v, ref } = await env(corrupt, { confirmed: false });
    assert.equal((await verifySegment(v, "auditor", ref, 1, 200)).kind, "undecided");
    const fine = await env(honest, { confirmed: false });
    assert.equal((await verifySegment(fine.v, "auditor", fine.ref, 1, 200)).kind, "pass");
  });
});
