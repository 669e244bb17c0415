// One scripted pass through every operation, recording gasUsed per operation name.
// Used by scripts/bench-gas.ts (prints figures) and test/contracts/gas.test.ts (compares with the snapshot).
import type { Hash } from "viem";
import { announcementTypedData } from "../../lib/core/index.ts";
import {
  assignedVerifier,
  createRun,
  deployCore,
  deployWithRun,
  networkHelpers,
  openAndCommit,
  openAudits,
  schedule,
  timeTo,
  trajectory,
  voteHash,
  viem,
  ATTEST_DIGEST,
} from "./fixture.ts";

export type GasReport = Record<string, number>;

export async function measureGas(): Promise<GasReport> {
  const publicClient = await viem.getPublicClient();
  const report: GasReport = {};
  const record = async (name: string, tx: Promise<Hash>) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await tx });
    if (receipt.status !== "success") throw new Error(`${name} reverted`);
    report[name] = Number(receipt.gasUsed);
  };

  // Seats: measured on a fresh run so `stake` and `join` are first-time costs.
  {
    const core = await deployCore();
    const { runId, spec } = await createRun(core);
    const [t] = core.trainers;
    const [v] = core.verifiers;
    await record("stake", core.staking.write.stake([spec.minTrainerStake], { account: t!.account }));
    await record("join", core.coordinator.write.joinAsTrainer([runId, 0], { account: t!.account }));
    await core.staking.write.stake([spec.minVerifierStake], { account: v!.account });
    await record("joinAsVerifier", core.coordinator.write.joinAsVerifier([runId], { account: v!.account }));
  }

  const f = await deployWithRun();
  const [t0, t1, t2, t3] = f.trainers.map((w) => w.account);
  const chainId = await publicClient.getChainId();

  await timeTo(schedule(f.spec, 0n).opensAt);
  await record("openRound", f.coordinator.write.openRound([f.runId, 0n]));
  const trs = [0, 1, 2, 3].map((i) => trajectory(f.runId, i < 2 ? 0 : 1, 0n, f.spec, `gas-t${i}`));
  const commitOf = (i: number) =>
    f.coordinator.write.commit([f.runId, 0n, trs[i]!.claim.root, trs[i]!.claim.updateHash, trs[i]!.claim.samples], {
      account: f.trainers[i]!.account,
    });
  await record("commit", commitOf(0));
  for (const i of [1, 2, 3]) await commitOf(i);

  await openAudits(f, 0n);
  const assigned = await assignedVerifier(f, 0n, t0!.address);
  await record("attest", f.coordinator.write.attest([f.runId, 0n, t0!.address, ATTEST_DIGEST], { account: assigned.wallet.account }));

  // A fraud dispute against t1, resolved guilty by the jury.
  const challenger = f.verifiers[0]!;
  await record(
    "challenge",
    f.coordinator.write.challenge([f.runId, 0n, t1!.address, trs[1]!.claim, trs[1]!.leafArg(2), trs[1]!.proof(2)], {
      account: challenger.account,
    }),
  );
  const disputeId = await f.coordinator.read.disputeCount();
  // The draw (how many candidates it hashes before the jury is full) follows PREVRANDAO, which otherwise depends
  // on every block the suite mined before: fixed, so the measured gas is the same in every run.
  await networkHelpers.setPrevRandao(7);
  await record("drawJury", f.coordinator.write.drawJury([disputeId]));
  const jurors = (await f.coordinator.read.disputeOf([disputeId])).jurors;
  const salt = `0x${"11".repeat(32)}` as const;
  const jurorAccounts = jurors.map((j) => f.verifiers.find((v) => v.account.address.toLowerCase() === j.toLowerCase())!.account);
  for (const [k, a] of jurorAccounts.entries()) {
    const tx = f.coordinator.write.commitVote([disputeId, voteHash(disputeId, a.address, true, salt)], { account: a });
    if (k === 0) await record("commitVote", tx);
    else await tx;
  }
  for (const [k, a] of jurorAccounts.entries()) {
    const tx = f.coordinator.write.revealVote([disputeId, true, salt], { account: a });
    if (k === 0) await record("revealVote", tx);
    else await tx;
  }
  await record("resolve", f.coordinator.write.resolve([disputeId]));

  // t2 announces a root other than the one it committed.
  const forged = { runId: f.runId, shard: 1, round: 0n, root: trs[3]!.claim.root, updateHash: trs[2]!.claim.updateHash };
  const signature = await f.trainers[2]!.signTypedData({
    account: t2!,
    ...announcementTypedData(chainId, f.coordinator.address, forged),
  });
  await record(
    "proveEquivocation",
    f.coordinator.write.proveEquivocation([f.runId, 0n, { shard: 1, root: forged.root, updateHash: forged.updateHash }, signature, trs[2]!.claim], {
      account: f.outsider.account,
    }),
  );
  const auditorOfT3 = await assignedVerifier(f, 0n, t3!.address);
  await record(
    "reportUnavailable",
    f.coordinator.write.reportUnavailable([f.runId, 0n, t3!.address, auditorOfT3.segment], { account: auditorOfT3.wallet.account }),
  );

  // Round 1 is committed before round 0 settles, so t0's second finalize hits warm earnings.
  const [tr1] = await openAndCommit(f, 1n, [{ index: 0, label: "gas-t0" }]);
  await timeTo(schedule(f.spec, 0n).disputeEnd);
  await record("finalize", f.coordinator.write.finalize([f.runId, 0n, t0!.address, trs[0]!.claim]));
  await timeTo(schedule(f.spec, 1n).disputeEnd);
  await record("finalizeRepeat", f.coordinator.write.finalize([f.runId, 1n, t0!.address, tr1!.claim]));
  await record("claim", f.coordinator.write.claim([f.runId], { account: t0! }));
  await record("leave", f.coordinator.write.leave([f.runId], { account: t0! }));
  await record("requestUnstake", f.staking.write.requestUnstake([f.spec.minTrainerStake], { account: t0! }));

  // commit must not depend on steps per round: the same commit in a run with 256x the steps.
  {
    const { runId, spec } = await createRun(f, { localSteps: 4096, checkpointInterval: 16 });
    const t = f.spare[0]!;
    await f.staking.write.stake([spec.minTrainerStake], { account: t.account });
    await f.coordinator.write.joinAsTrainer([runId, 0], { account: t.account });
    await timeTo(schedule(spec, 0n).opensAt);
    await f.coordinator.write.openRound([runId, 0n]);
    const tr = trajectory(runId, 0, 0n, spec, "gas-long");
    await record(
      "commitLongRound",
      f.coordinator.write.commit([runId, 0n, tr.claim.root, tr.claim.updateHash, tr.claim.samples], { account: t.account }),
    );
  }
  return report;
}
