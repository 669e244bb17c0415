// Full lifecycles through the contracts, one story per test, with balances checked at the end.
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import type { Address, Hex } from "viem";
import { announcementTypedData, CommitStatus, fundingFor, Role } from "../../lib/core/index.ts";
import {
  assignedVerifier,
  deployWithRun,
  networkHelpers,
  openAndCommit,
  openAudits,
  schedule,
  timeTo,
  UNBONDING,
  viem,
  voteHash,
  type RunFixture,
  ATTEST_DIGEST,
} from "./fixture.ts";

const SALT: Hex = `0x${"ab".repeat(32)}`;

/** Draws the jury of `disputeId` and has each juror vote as `vote(juror)` says (null: never reveals). */
async function juryVotes(f: RunFixture, disputeId: bigint, vote: (juror: Address) => boolean | null, minJurors = 1) {
  // The draw follows PREVRANDAO, which depends on every block the suite mined before: a test that needs
  // several jurors sets it, trying values until the draw seats enough (a test of the votes, not of the draw).
  let jurors: readonly Address[] = [];
  for (let prevRandao = 1; jurors.length < minJurors; prevRandao++) {
    const before = await networkHelpers.takeSnapshot();
    await networkHelpers.setPrevRandao(prevRandao);
    await f.coordinator.write.drawJury([disputeId]);
    jurors = (await f.coordinator.read.disputeOf([disputeId])).jurors;
    if (jurors.length < minJurors) await before.restore();
  }
  const walletOf = (a: Address) => f.verifiers.find((v) => v.account.address.toLowerCase() === a.toLowerCase())!;
  for (const j of jurors) {
    const guilty = vote(j) ?? true;
    await f.coordinator.write.commitVote([disputeId, voteHash(disputeId, j, guilty, SALT)], { account: walletOf(j).account });
  }
  const d = await f.coordinator.read.disputeOf([disputeId]);
  await timeTo(d.commitDeadline);
  for (const j of jurors) {
    const guilty = vote(j);
    if (guilty !== null) await f.coordinator.write.revealVote([disputeId, guilty, SALT], { account: walletOf(j).account });
  }
  await timeTo(d.revealDeadline);
  await f.coordinator.write.resolve([disputeId]);
  return jurors;
}

async function balances(f: RunFixture) {
  return {
    staking: await f.token.read.balanceOf([f.staking.address]),
    coordinator: await f.token.read.balanceOf([f.coordinator.address]),
  };
}

describe("lifecycle", () => {
  it("an honest round: commit, audit, attest, finalize, claim", async () => {
    const f = await networkHelpers.loadFixture(deployWithRun);
    const t0 = f.trainers[0]!;
    const [tr] = await openAndCommit(f, 0n, [{ index: 0 }]);
    await openAudits(f, 0n);
    const { wallet: verifier } = await assignedVerifier(f, 0n, t0.account.address);
    await f.coordinator.write.attest([f.runId, 0n, t0.account.address, ATTEST_DIGEST], { account: verifier.account });
    await timeTo(schedule(f.spec, 0n).disputeEnd);
    await f.coordinator.write.finalize([f.runId, 0n, t0.account.address, tr!.claim]);

    const capacity = BigInt(f.spec.shards * f.spec.maxTrainersPerShard * f.spec.localSteps * f.spec.batchSize);
    const reward = (f.spec.rewardPerRound * tr!.claim.samples) / capacity;
    const earnings = await f.coordinator.read.earningsOf([f.runId, t0.account.address]);
    assert.equal(earnings.credits, tr!.claim.samples);
    assert.equal(earnings.owed, reward);

    const before = await f.token.read.balanceOf([t0.account.address]);
    await f.coordinator.write.claim([f.runId], { account: t0.account });
    assert.equal(await f.token.read.balanceOf([t0.account.address]), before + reward);
    const vBefore = await f.token.read.balanceOf([verifier.account.address]);
    await f.coordinator.write.claim([f.runId], { account: verifier.account });
    assert.equal(await f.token.read.balanceOf([verifier.account.address]), vBefore + f.spec.auditFee);
  });

  it("a cheating trainer is challenged, found guilty by the jury, slashed and removed", async () => {
    const f = await networkHelpers.loadFixture(deployWithRun);
    const cheater = f.trainers[1]!.account.address;
    const [tr] = await openAndCommit(f, 0n, [{ index: 1 }]);
    await openAudits(f, 0n);
    const challenger = f.verifiers[0]!;
    const before = await balances(f);
    await f.coordinator.write.challenge([f.runId, 0n, cheater, tr!.claim, tr!.leafArg(1), tr!.proof(1)], {
      account: challenger.account,
    });
    const disputeId = await f.coordinator.read.disputeCount();
    const jurors = await juryVotes(f, disputeId, () => true);
    assert.ok(jurors.length >= 1);

    const slash = (f.spec.minTrainerStake * BigInt(f.spec.slashBps)) / 10_000n;
    assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, cheater]), CommitStatus.Slashed);
    const p = await f.coordinator.read.participantOf([f.runId, cheater]);
    assert.equal(p.active, false);
    assert.equal(p.banned, true);
    assert.equal(p.lockedStake, f.spec.minTrainerStake - slash);
    assert.equal(await f.coordinator.read.shardSize([f.runId, 0]), 1);
    const owedChallenger = (await f.coordinator.read.earningsOf([f.runId, challenger.account.address])).owed;
    assert.equal(owedChallenger, f.spec.challengeBond + slash / 2n);
    const after = await balances(f);
    assert.equal(after.staking, before.staking - slash);
    assert.equal(after.coordinator, before.coordinator + slash + f.spec.challengeBond);
    // Removed trainers cannot commit again (round 3 still lies ahead after the jury's windows).
    await timeTo(schedule(f.spec, 3n).opensAt);
    await f.coordinator.write.openRound([f.runId, 3n]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.coordinator.write.commit([f.runId, 3n, tr!.claim.root, tr!.claim.updateHash, tr!.claim.samples], {
        account: f.trainers[1]!.account,
      }),
      f.coordinator,
      "RunNotParticipant",
      [f.runId, cheater, Role.Trainer],
    );
  });

  it("a false challenger loses its bond to the trainer and the jury; the trainer keeps stake and credit", async () => {
    const f = await networkHelpers.loadFixture(deployWithRun);
    const honest = f.trainers[2]!.account.address;
    const [tr] = await openAndCommit(f, 0n, [{ index: 2 }]);
    await openAudits(f, 0n);
    const liar = f.verifiers[3]!;
    await f.coordinator.write.challenge([f.runId, 0n, honest, tr!.claim, tr!.leafArg(0), tr!.proof(0)], { account: liar.account });
    const disputeId = await f.coordinator.read.disputeCount();
    const jurors = await juryVotes(f, disputeId, () => false);

    assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, honest]), CommitStatus.Committed);
    assert.equal((await f.coordinator.read.participantOf([f.runId, honest])).lockedStake, f.spec.minTrainerStake);
    assert.equal((await f.coordinator.read.earningsOf([f.runId, honest])).owed, f.spec.challengeBond / 2n);
    assert.equal((await f.coordinator.read.earningsOf([f.runId, liar.account.address])).owed, 0n);
    const jurorShare = (f.spec.challengeBond - f.spec.challengeBond / 2n) / BigInt(jurors.length);
    for (const j of jurors) assert.equal((await f.coordinator.read.earningsOf([f.runId, j])).owed, jurorShare);

    await timeTo(schedule(f.spec, 0n).disputeEnd);
    await f.coordinator.write.finalize([f.runId, 0n, honest, tr!.claim]);
    assert.equal((await f.coordinator.read.earningsOf([f.runId, honest])).credits, tr!.claim.samples);
  });

  it("equivocation is slashed at once, without a jury, and pays the prover a bounty", async () => {
    const f = await networkHelpers.loadFixture(deployWithRun);
    const eq = f.trainers[3]!;
    const [tr] = await openAndCommit(f, 0n, [{ index: 3 }]);
    const chainId = await (await viem.getPublicClient()).getChainId();
    const announced = { runId: f.runId, shard: 1, round: 0n, root: `0x${"77".repeat(32)}` as Hex, updateHash: tr!.claim.updateHash };
    const signature = await eq.signTypedData({ account: eq.account, ...announcementTypedData(chainId, f.coordinator.address, announced) });
    const prover = f.outsider;
    await f.coordinator.write.proveEquivocation(
      [f.runId, 0n, { shard: 1, root: announced.root, updateHash: announced.updateHash }, signature, tr!.claim],
      { account: prover.account },
    );
    const slash = (f.spec.minTrainerStake * BigInt(f.spec.slashBps)) / 10_000n;
    assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, eq.account.address]), CommitStatus.Slashed);
    assert.equal(await f.coordinator.read.disputeCount(), 0n);
    assert.equal((await f.coordinator.read.earningsOf([f.runId, prover.account.address])).owed, f.spec.challengeBond);
    const { pool } = await f.coordinator.read.runOf([f.runId]).then(([, , pool]) => ({ pool }));
    assert.equal(pool, fundingFor(f.spec) + slash - f.spec.challengeBond);
    // The same commitment cannot be slashed twice.
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.coordinator.write.proveEquivocation(
        [f.runId, 0n, { shard: 1, root: announced.root, updateHash: announced.updateHash }, signature, tr!.claim],
        { account: prover.account },
      ),
      f.coordinator,
      "CommitStatusInvalid",
      [f.runId, 0n, eq.account.address, CommitStatus.Slashed],
    );
  });

  it("a juror who never reveals is penalised and the others share the pot", async () => {
    const f = await networkHelpers.loadFixture(deployWithRun);
    const cheater = f.trainers[0]!.account.address;
    const [tr] = await openAndCommit(f, 0n, [{ index: 0 }]);
    await openAudits(f, 0n);
    await f.coordinator.write.challenge([f.runId, 0n, cheater, tr!.claim, tr!.leafArg(3), tr!.proof(3)], {
      account: f.verifiers[0]!.account,
    });
    const disputeId = await f.coordinator.read.disputeCount();
    let silent: Address | undefined;
    const jurors = await juryVotes(
      f,
      disputeId,
      (j) => {
        silent ??= j;
        return j === silent ? null : true;
      },
      2,
    );
    assert.ok(jurors.length >= 2, "needs two jurors");
    const penalty = (f.spec.minVerifierStake * BigInt(f.spec.jurorPenaltyBps)) / 10_000n;
    assert.equal((await f.coordinator.read.participantOf([f.runId, silent!])).lockedStake, f.spec.minVerifierStake - penalty);
    assert.equal(await f.coordinator.read.voteOf([disputeId, silent!]), 1);
    const slash = (f.spec.minTrainerStake * BigInt(f.spec.slashBps)) / 10_000n;
    const pot = slash - slash / 2n + penalty;
    const winners = BigInt(jurors.length - 1);
    for (const j of jurors.filter((j) => j !== silent)) {
      assert.equal((await f.coordinator.read.earningsOf([f.runId, j])).owed, pot / winners);
    }
  });

  it("unstake is blocked during a dispute and allowed after it settles and the unbonding period passes", async () => {
    const f = await networkHelpers.loadFixture(deployWithRun);
    const t = f.trainers[2]!;
    const [tr] = await openAndCommit(f, 0n, [{ index: 2 }]);
    await openAudits(f, 0n);
    await f.coordinator.write.challenge([f.runId, 0n, t.account.address, tr!.claim, tr!.leafArg(0), tr!.proof(0)], {
      account: f.verifiers[1]!.account,
    });
    const disputeId = await f.coordinator.read.disputeCount();
    await viem.assertions.revertWithCustomError(
      f.staking.write.requestUnstake([f.spec.minTrainerStake], { account: t.account }),
      f.staking,
      "StakingInsufficientFree",
    );
    await viem.assertions.revertWithCustomError(f.coordinator.write.leave([f.runId], { account: t.account }), f.coordinator, "RunLeaveBlocked");

    await juryVotes(f, disputeId, () => false);
    await timeTo(schedule(f.spec, 0n).disputeEnd);
    await f.coordinator.write.leave([f.runId], { account: t.account });
    await f.staking.write.requestUnstake([f.spec.minTrainerStake], { account: t.account });
    await viem.assertions.revertWithCustomError(f.staking.write.withdraw({ account: t.account }), f.staking, "StakingStillUnbonding");
    await networkHelpers.time.increase(UNBONDING);
    const before = await f.token.read.balanceOf([t.account.address]);
    await f.staking.write.withdraw({ account: t.account });
    assert.equal(await f.token.read.balanceOf([t.account.address]), before + f.spec.minTrainerStake);
  });

  it("withheld data, once upheld by the jury, earns no credit and costs a fraud-sized slash", async () => {
    const f = await networkHelpers.loadFixture(deployWithRun);
    const w = f.trainers[1]!.account.address;
    const [tr] = await openAndCommit(f, 0n, [{ index: 1 }]);
    await openAudits(f, 0n);
    const { wallet, segment } = await assignedVerifier(f, 0n, w);
    await f.coordinator.write.reportUnavailable([f.runId, 0n, w, segment], { account: wallet.account });
    await juryVotes(f, await f.coordinator.read.disputeCount(), () => true);
    assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, w]), CommitStatus.Withheld);
    const slash = (f.spec.minTrainerStake * BigInt(f.spec.slashBps)) / 10_000n;
    assert.equal((await f.coordinator.read.participantOf([f.runId, w])).lockedStake, f.spec.minTrainerStake - slash);
    await timeTo(schedule(f.spec, 0n).disputeEnd);
    await viem.assertions.revertWithCustomErrorWithArgs(
      f.coordinator.write.finalize([f.runId, 0n, w, tr!.claim]),
      f.coordinator,
      "CommitStatusInvalid",
      [f.runId, 0n, w, CommitStatus.Withheld],
    );
  });
});
