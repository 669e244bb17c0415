// The verifier's chain actions on the real contracts (in-process Hardhat network, test/contracts/fixture.ts):
// openAudits, attest, challenge (approving its bond), drawJury, commitVote and revealVote with the
// verifier's vote hash, resolve, reportUnavailable, proveEquivocation from a real signed announcement,
// and the chain follower reading the coordinator's logs.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "mocha";
import { keccak256, stringToHex, type PublicClient } from "viem";
import type { Wallet } from "../../lib/chain/index.ts";
import { announcementTypedData, CommitStatus, DisputeKind, roundSchedule } from "../../lib/core/index.ts";
import { Journal } from "../../node/journal.ts";
import { errorNameOf, VerifierChain } from "../../verifier/chain-actions.ts";
import { ChainFollower, coordinatorLogSource, type CoordinatorLog } from "../../verifier/chain-follower.ts";
import { EquivocationWatcher } from "../../verifier/equivocation.ts";
import { newSalt, voteHash } from "../../verifier/vote.ts";
import { ATTEST_DIGEST, deployWithRun, networkHelpers, openAndCommit, timeTo, walletOf, type RunFixture } from "../contracts/fixture.ts";
import { FakeClock, memoryLogger, tempDir } from "./helpers.ts";

type FixtureWallet = RunFixture["verifiers"][number];

const root = tempDir("chain");
after(() => rmSync(root, { recursive: true, force: true }));

const chainOf = (f: RunFixture, w: FixtureWallet) => new VerifierChain(f.publicClient as unknown as PublicClient, w as unknown as Wallet, f.coordinator.address, f.runId);

/** Trainer 0 committed round 0 and audits are open; `assigned` audits it. */
async function audited() {
  const f = await deployWithRun();
  const [tr] = await openAndCommit(f, 0n, [{ index: 0 }]);
  await timeTo(roundSchedule(f.spec, 0n).commitDeadline);
  await chainOf(f, f.verifiers[0]!).openAudits(0n);
  const t0 = f.trainers[0]!.account.address;
  const [, segment, verifier] = await f.coordinator.read.auditOf([f.runId, 0n, t0]);
  const assigned = walletOf(f, verifier) as FixtureWallet;
  const other = f.verifiers.find((v) => v.account.address.toLowerCase() !== verifier.toLowerCase())!;
  return { ...f, tr: tr!, t0, segment, assigned, other };
}

describe("verifier: chain actions on the contracts (verifier/chain-actions.ts)", function () {
  this.timeout(120_000);

  it("opens audits once, and attests only as the assigned verifier", async () => {
    const f = await networkHelpers.loadFixture(audited);
    await assert.rejects(chainOf(f, f.other).openAudits(0n), (e) => errorNameOf(e) === "RoundAlreadyOpen");
    assert.deepEqual(await chainOf(f, f.other).assignedToMe(0n, f.t0), { mine: false, segment: f.segment, audited: true });
    await assert.rejects(chainOf(f, f.other).attest(0n, f.t0, ATTEST_DIGEST), (e) => errorNameOf(e) === "AuditNotAssigned");
    const mine = chainOf(f, f.assigned);
    assert.equal((await mine.assignedToMe(0n, f.t0)).mine, true);
    await mine.attest(0n, f.t0, ATTEST_DIGEST);
    assert.equal(await mine.statusOf(0n, f.t0), CommitStatus.Attested);
    assert.equal((await mine.earningsOf()).owed, f.spec.auditFee);
    assert.equal(await mine.claim(), f.spec.auditFee);
    assert.equal(await mine.claim(), 0n);
  });

  it("challenges with the leaf and proof (approving the bond), and the jury's committed votes reveal", async () => {
    const f = await networkHelpers.loadFixture(audited);
    const challenger = chainOf(f, f.assigned);
    await f.token.write.approve([f.coordinator.address, 0n], { account: f.assigned.account }); // the bond must be approved by the action
    const j = 1;
    const { disputeId } = await challenger.challenge(0n, f.t0, f.tr.claim, f.tr.leafArg(j), f.tr.proof(j), f.spec.challengeBond);
    assert.equal(disputeId, await f.coordinator.read.disputeCount());
    assert.equal(await challenger.statusOf(0n, f.t0), CommitStatus.Disputed);

    await chainOf(f, f.other).drawJury(disputeId);
    await assert.rejects(chainOf(f, f.other).drawJury(disputeId), (e) => errorNameOf(e) === "DisputePhaseInvalid");
    const d = await challenger.disputeOf(disputeId);
    assert.equal(d.kind, DisputeKind.Fraud);
    assert.equal(d.segment, j);
    const jurors = d.jurors.map((a) => walletOf(f, a) as FixtureWallet);
    const salts = jurors.map(() => newSalt());
    for (const [i, w] of jurors.entries()) await chainOf(f, w).commitVote(disputeId, voteHash(disputeId, w.account.address, true, salts[i]!));
    // A juror cannot reveal another vote than the one it committed.
    await assert.rejects(chainOf(f, jurors[0]!).revealVote(disputeId, false, salts[0]!), (e) => errorNameOf(e) === "DisputeRevealMismatch");
    for (const [i, w] of jurors.entries()) await chainOf(f, w).revealVote(disputeId, true, salts[i]!);
    assert.deepEqual(await Promise.all(jurors.map((w) => challenger.voteOf(disputeId, w.account.address))), jurors.map(() => 2));
    await chainOf(f, f.other).resolve(disputeId);
    assert.equal((await challenger.disputeOf(disputeId)).resolved, true);
    assert.equal(await challenger.statusOf(0n, f.t0), CommitStatus.Slashed);
  });

  it("reports the assigned segment unavailable, and refuses another verifier's report", async () => {
    const f = await networkHelpers.loadFixture(audited);
    await assert.rejects(chainOf(f, f.other).reportUnavailable(0n, f.t0, f.segment, f.spec.challengeBond), (e) => errorNameOf(e) === "AuditNotAssigned");
    const { disputeId } = await chainOf(f, f.assigned).reportUnavailable(0n, f.t0, f.segment, f.spec.challengeBond);
    const d = await chainOf(f, f.assigned).disputeOf(disputeId);
    assert.equal(d.kind, DisputeKind.Unavailable);
    assert.equal(d.segment, f.segment);
  });

  it("proves a signed announcement that disagrees with the commitment", async () => {
    const f = await networkHelpers.loadFixture(audited);
    const trainer = f.trainers[0]!;
    const announced = { runId: f.runId, shard: 0, round: 0n, root: keccak256(stringToHex("another root")), updateHash: f.tr.claim.updateHash };
    const chainId = await f.publicClient.getChainId();
    const signature = await trainer.signTypedData(announcementTypedData(chainId, f.coordinator.address, announced));
    const journal = await Journal.open(join(root, "equivocation"));
    const prover = chainOf(f, f.other);
    const proved: bigint[] = [];
    const watcher = new EquivocationWatcher({
      runId: f.runId,
      spec: f.spec,
      chain: prover,
      journal,
      clock: new FakeClock(await networkHelpers.time.latest()),
      commitmentOf: async () => ({ runId: f.runId, round: 0n, trainer: f.t0, shard: 0, ...f.tr.claim }),
      onProved: (round) => void proved.push(round),
      log: memoryLogger(),
    });
    await watcher.onAnnouncement({ round: 0n, trainer: f.t0, shard: 0, root: announced.root, updateHash: announced.updateHash, signature });
    assert.deepEqual(proved, [0n]);
    assert.equal(await prover.statusOf(0n, f.t0), CommitStatus.Slashed);
    assert.equal((await prover.earningsOf()).owed, f.spec.challengeBond);
    await journal.close();
  });

  it("follows the coordinator's logs of the run from its cursor", async () => {
    const f = await networkHelpers.loadFixture(audited);
    const source = coordinatorLogSource(f.publicClient as unknown as PublicClient, f.coordinator.address);
    const file = join(root, "cursor.json");
    const open = () => ChainFollower.open<CoordinatorLog>({ source, file, key: "test", startBlock: 0n, log: memoryLogger() });
    const seen: string[] = [];
    const handle = async (logs: CoordinatorLog[]) => void seen.push(...logs.map((l) => l.eventName));
    await (await open()).poll(handle, new AbortController().signal);
    assert.ok(seen.includes("RunCreated") && seen.includes("RoundCommitted") && seen.includes("AuditsOpened"), seen.join(","));
    seen.length = 0;
    await chainOf(f, f.assigned).attest(0n, f.t0, ATTEST_DIGEST);
    await (await open()).poll(handle, new AbortController().signal); // a restarted follower: only what is new
    assert.deepEqual(seen, ["CommitmentAttested", "EarningsCredited"]);
  });
});
