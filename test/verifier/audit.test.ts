// verifier/audit.ts: what the auditor does with each verdict (REVIEW T8: its choices were tested only end to end).
// Exact mode disputes by game only (a wrong segment: a step game; a wrong update: an update game on the first
// element that differs; unserved data: a manifest-first game; a wrong start: nothing, no game can show it);
// tolerance mode by a jury. The chain and the games are recorders here; the journal, the served evidence and the
// checks' verdicts are real values.
import assert from "node:assert/strict";
import { after, before, describe, it } from "mocha";
import type { Address, Hex } from "viem";
import { CommitStatus, defaultRunSpec, VerificationMode, type RunSpec } from "../../lib/core/spec.ts";
import { canonicalStateBytes } from "../../lib/core/state-hash.ts";
import { DEFAULT_MOE_SPEC, initModel, type ShardState } from "../../lib/ml/index.ts";
import { trajectoryTree } from "../../lib/protocol/game.ts";
import { stateShapes, updateRootOf } from "../../lib/protocol/step-trace.ts";
import { updateOf } from "../../lib/protocol/trajectory.ts";
import { BlobStore, Journal } from "../../node/journal.ts";
import { Auditor, type AuditorParams } from "../../verifier/audit.ts";
import type { VerifierChain } from "../../verifier/chain-actions.ts";
import type { CommitmentRef } from "../../verifier/evidence.ts";
import { ServedEvidence } from "../../verifier/served.ts";
import { Stats } from "../../verifier/stats.ts";
import type { Verdict } from "../../verifier/verify.ts";
import { FakeClock, memoryLogger, tempDir } from "./helpers.ts";

const TRAINER: Address = "0x00000000000000000000000000000000000000a1";
const ROOT: Hex = `0x${"11".repeat(32)}`;

describe("verifier/audit.ts: the auditor's choice of dispute", function () {
  this.timeout(60_000);
  let journal: Journal;
  let served: ServedEvidence;
  let s0: ShardState;
  let sH: ShardState;

  before(async () => {
    const dir = tempDir("audit");
    journal = await Journal.open(dir);
    served = new ServedEvidence(await BlobStore.open(dir, { maxBlobBytes: 1 << 24 }), journal, 1n);
    const model = initModel(3);
    s0 = model.gate!;
    sH = { params: s0.params.map((a) => a.map((v) => v * 0.5)), slots: s0.slots };
  });
  after(async () => journal?.close());

  /** An auditor over a run of `mode` whose checks return `verdict`; what it sent is in `calls`. */
  function auditor(mode: VerificationMode, verdict: Verdict, opts: { games?: boolean; mine?: boolean; watchBps?: number } = {}) {
    const calls: string[] = [];
    const spec: RunSpec = defaultRunSpec(0n, { mode, toleranceMicros: mode === VerificationMode.Exact ? 0 : 1000, localSteps: 4, checkpointInterval: 2, shards: 3 });
    const chain = {
      me: "0x00000000000000000000000000000000000000b2",
      assignedToMe: async () => ({ mine: opts.mine ?? true, segment: 1, audited: true }),
      statusOf: async () => CommitStatus.Committed,
      attest: async () => (calls.push("attest"), "0xa" as Hex),
      challenge: async () => (calls.push("jury challenge"), { hash: "0xb" as Hex, disputeId: 1n }),
      reportUnavailable: async () => (calls.push("reportUnavailable"), { hash: "0xc" as Hex, disputeId: 2n }),
    } as unknown as VerifierChain;
    const games = {
      challengeSegment: async (_c: CommitmentRef, j: number) => (calls.push(`step game ${j}`), 7n),
      challengeUpdate: async (_c: CommitmentRef, a: ShardState, b: ShardState, u: readonly Float32Array[]) => {
        const differs = u.some((t, k) => t.some((v, e) => !Object.is(v, Math.fround(updateOf(a, b)[k]![e]!))));
        calls.push(`update game${differs ? "" : " on a right update"}`);
        return 8n;
      },
      challengeManifest: async () => (calls.push("manifest game"), 9n),
    };
    const p: AuditorParams = {
      spec,
      chain,
      clock: new FakeClock(Number(spec.startTime) + spec.commitWindow + 1),
      rounds: {} as AuditorParams["rounds"],
      verify: { spec, moe: DEFAULT_MOE_SPEC, rounds: {} as AuditorParams["rounds"], evidence: { fetch: () => assert.fail("no fetch"), served, clock: new FakeClock(0), peerOf: () => undefined, retryMs: 1, signal: new AbortController().signal } },
      served,
      stats: new Stats(journal, 1n),
      commitmentsOf: async () => [],
      marginSeconds: 1,
      onChange: () => undefined,
      ...(opts.games === false ? {} : { games }),
      verifySegment: async () => (calls.push("replay"), verdict),
      ...(opts.watchBps !== undefined ? { watchBps: opts.watchBps } : {}),
      log: memoryLogger(),
      signal: new AbortController().signal,
    };
    return { auditor: new Auditor(p), calls, stats: p.stats };
  }

  let round = 0n;
  /** A fresh commitment (each audit is journaled once per round and trainer). */
  const ref = (updateHash: Hex = ROOT): CommitmentRef => ({ runId: 1n, round: round++, trainer: TRAINER, shard: 0, root: ROOT, updateHash, samples: 64n });
  const checkpointRoots: Hex[] = [`0x${"21".repeat(32)}`, `0x${"22".repeat(32)}`, `0x${"23".repeat(32)}`];
  const manifest = { checkpointRoots, ...trajectoryTree({ runId: 1n, shard: 0, round: 0n }, checkpointRoots) };
  const fail = (check: "start" | "segment" | "update", ends?: { s0: ShardState; sH: ShardState }): Verdict => ({ kind: "fail", check, segment: 1, reason: "test", manifest, evidence: [], ...(ends ? { ends } : {}) });

  it("exact mode, a wrong segment: a step game on that segment", async () => {
    const a = auditor(VerificationMode.Exact, fail("segment"));
    await a.auditor.auditOne(ref());
    assert.deepEqual(a.calls, ["replay", "step game 1"]);
  });

  it("a watcher replays another verifier's audit and opens a game on a fraud, never attests, and replays nothing without --watch", async () => {
    const watching = auditor(VerificationMode.Exact, fail("segment"), { mine: false, watchBps: 10_000 });
    await watching.auditor.auditOne(ref());
    assert.deepEqual(watching.calls, ["replay", "step game 1"]);
    assert.equal(watching.stats.find("watch-result", (r) => r.round === String(round - 1n))?.outcome, "challenged");
    const fine = auditor(VerificationMode.Exact, { kind: "pass", manifest }, { mine: false, watchBps: 10_000 });
    await fine.auditor.auditOne(ref());
    assert.deepEqual(fine.calls, ["replay"], "a watcher is not the auditor: nothing to attest");
    assert.equal(fine.stats.watched, 2);
    const off = auditor(VerificationMode.Exact, fail("segment"), { mine: false });
    await off.auditor.auditOne(ref());
    assert.deepEqual(off.calls, []);
    const tolerance = auditor(VerificationMode.Tolerance, fail("segment"), { mine: false, watchBps: 10_000 });
    await tolerance.auditor.auditOne(ref());
    assert.deepEqual(tolerance.calls, [], "watching is exact mode only (games)");
  });

  it("exact mode, a wrong update: the committed update is read and an update game opened where it differs", async () => {
    const wrong = updateOf(s0, sH).map((t) => t.map((v) => -v));
    const shapes = stateShapes("gate", DEFAULT_MOE_SPEC);
    const c = ref(updateRootOf(wrong, shapes));
    served.keep(c.round, c.updateHash, canonicalStateBytes(wrong));
    const a = auditor(VerificationMode.Exact, fail("update", { s0, sH }));
    await a.auditor.auditOne(c);
    assert.deepEqual(a.calls, ["replay", "update game"]);
  });

  it("exact mode, a wrong start or a verifier without --game: no dispute at all (never a jury)", async () => {
    const start = auditor(VerificationMode.Exact, fail("start"));
    await start.auditor.auditOne(ref());
    assert.deepEqual(start.calls, ["replay"]);
    assert.equal(start.stats.find("audit-result", (r) => r.round === String(round - 1n))?.outcome, "failed");
    const without = auditor(VerificationMode.Exact, fail("segment"), { games: false });
    await without.auditor.auditOne(ref());
    assert.deepEqual(without.calls, ["replay"]);
    const unserved = auditor(VerificationMode.Exact, { kind: "unavailable", missing: "manifest", segmentData: true }, { games: false });
    await unserved.auditor.auditOne(ref());
    assert.deepEqual(unserved.calls, ["replay"]);
  });

  it("exact mode, unserved data the auditor could not derive: a manifest-first game", async () => {
    const a = auditor(VerificationMode.Exact, { kind: "unavailable", missing: "checkpoint 1", segmentData: true });
    await a.auditor.auditOne(ref());
    assert.deepEqual(a.calls, ["replay", "manifest game"]);
    assert.equal(a.stats.find("audit-result", (r) => r.round === String(round - 1n))?.outcome, "challenged");
  });

  it("tolerance mode: a jury challenge or an unavailability report, never a game; a pass attests", async () => {
    const wrong = auditor(VerificationMode.Tolerance, fail("segment"));
    await wrong.auditor.auditOne(ref());
    assert.deepEqual(wrong.calls, ["replay", "jury challenge"]);
    const unserved = auditor(VerificationMode.Tolerance, { kind: "unavailable", missing: "checkpoint 1", segmentData: true });
    await unserved.auditor.auditOne(ref());
    assert.deepEqual(unserved.calls, ["replay", "reportUnavailable"]);
    const fine = auditor(VerificationMode.Tolerance, { kind: "pass", manifest });
    await fine.auditor.auditOne(ref());
    assert.deepEqual(fine.calls, ["replay", "attest"]);
  });
});
