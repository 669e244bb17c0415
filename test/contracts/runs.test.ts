// Behaviour of RunCoordinator's run lifecycle: createRun, seats (join/leave), rounds (openRound/commit),
// audits (openAudits/attest/auditOf), accreditation (finalize), payouts (claim/reclaimPool) and views.
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { encodeAbiParameters, keccak256, zeroAddress, type Address, type Hex } from "viem";
import { announcementTypedData, CommitStatus, fundingFor, Role, segmentCount, VerificationMode, type RunSpec } from "../../lib/core/index.ts";
import {
  assignedVerifier,
  createRun,
  deployCore,
  deployWithRun,
  deployWithRunSpec,
  MAX_UINT64,
  networkHelpers,
  openAndCommit,
  openAudits,
  openFraudDispute,
  schedule,
  testSpec,
  timeTo,
  TOKEN,
  trajectory,
  UNBONDING,
  viem,
  walletOf,
  type RunFixture,
  ATTEST_DIGEST,
} from "./fixture.ts";

const STAKE = 100n * TOKEN; // testSpec's minTrainerStake and minVerifierStake
const FUNDING = 620n * TOKEN; // 120 x 5 rounds + 1 x 5 rounds x 4 seats
const MAX_SAMPLES = 128n; // localSteps 16 x batchSize 8
const FULL_REWARD = 30n * TOKEN; // 120 x 128 / (2 shards x 2 seats x 128)
const RECLAIM_GRACE = 7n * 86_400n;
const UNKNOWN_RUN = 99n;
const ZERO32 = `0x${"0".repeat(64)}` as Hex;
const emptyParticipant = {
  role: Role.None,
  active: false,
  banned: false,
  shard: 0,
  openDisputes: 0,
  lastCommitRound: 0,
  lockedStake: 0n,
};

// File-local fixtures: loadFixture caches snapshots per function, and block times after a revert follow
// the wall clock, so a snapshot shared with slower test files could be minutes stale here.
const coreOnly = () => deployCore();
const withRun = () => deployWithRun();

/** Mines a block and returns its timestamp: specs built from it start in the future whatever the snapshot age. */
async function chainNow() {
  await networkHelpers.mine();
  return BigInt(await networkHelpers.time.latest());
}

/** Core + a fresh run nobody has joined; every trainer, verifier and spare account has staked the minimum. */
async function emptyRun() {
  const core = await deployCore();
  const { runId, spec } = await createRun(core);
  for (const w of [...core.trainers, ...core.verifiers, ...core.spare]) {
    await core.staking.write.stake([STAKE], { account: w.account });
  }
  return { ...core, runId, spec };
}

/** The full fixture run (4 trainers, 4 verifiers) plus a spare account that has staked the minimum. */
async function fullRun() {
  const f = await deployWithRun();
  await f.staking.write.stake([STAKE], { account: f.spare[0]!.account });
  return f;
}

/** A full run whose commitments are never audited. */
async function unauditedRun() {
  return deployWithRunSpec({ auditRateBps: 0 });
}

/** A full run where trainer 0 committed round 0 and the commitment has been finalized. */
async function finalizedRun() {
  const f = await deployWithRun();
  const [tr] = await openAndCommit(f, 0n, [{ index: 0 }]);
  await timeTo(schedule(f.spec, 0n).disputeEnd);
  await f.coordinator.write.finalize([f.runId, 0n, f.trainers[0]!.account.address, tr!.claim]);
  return { ...f, tr: tr! };
}

const at = (t: bigint) => networkHelpers.time.setNextBlockTimestamp(t);

async function blockOf(f: { publicClient: RunFixture["publicClient"] }, hash: Hex) {
  const receipt = await f.publicClient.getTransactionReceipt({ hash });
  return f.publicClient.getBlock({ blockNumber: receipt.blockNumber });
}

function addr(w: { account: { address: Address } }) {
  return w.account.address;
}

/** What `auditOf` should return, recomputed from the audit seed (same formulas as RunCoordinator._auditOf). */
async function expectedAudit(f: RunFixture, round: bigint, trainer: Address): Promise<[boolean, number, Address]> {
  const rs = await f.coordinator.read.roundOf([f.runId, round]);
  const draw = (k: bigint) =>
    BigInt(
      keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "address" }, { type: "uint256" }], [rs.auditSeed, trainer, k])),
    );
  const audited = draw(0n) % 10_000n < BigInt(f.spec.auditRateBps);
  const segment = Number(draw(1n) % BigInt(segmentCount(f.spec)));
  const count = BigInt(rs.auditVerifierCount);
  let verifier: Address = zeroAddress;
  if (count > 0n) {
    const start = draw(2n) % count;
    const probes = count < 8n ? count : 8n;
    for (let k = 0n; k < probes; k++) {
      const v = await f.coordinator.read.verifierAt([f.runId, (start + k) % count]);
      const p = await f.coordinator.read.participantOf([f.runId, v]);
      if (p.active && p.role === Role.Verifier) {
        verifier = v;
        break;
      }
    }
  }
  return [audited, segment, verifier];
}

describe("RunCoordinator: runs", () => {
  describe("createRun", () => {
    it("creates a run owned by the caller and emits RunCreated with the spec and its funding", async () => {
      const core = await networkHelpers.loadFixture(coreOnly);
      const spec = testSpec((await chainNow()) + 60n);
      await viem.assertions.emitWithArgs(core.coordinator.write.createRun([spec]), core.coordinator, "RunCreated", [
        1n,
        addr(core.owner),
        spec,
        FUNDING,
      ]);
      const [owner, verifierCount, pool] = await core.coordinator.read.runOf([1n]);
      assert.equal(owner.toLowerCase(), addr(core.owner).toLowerCase());
      assert.equal(verifierCount, 0);
      assert.equal(pool, FUNDING);
    });

    it("pulls the funding from the owner into the coordinator", async () => {
      const core = await networkHelpers.loadFixture(coreOnly);
      const spec = testSpec((await chainNow()) + 60n);
      await viem.assertions.emitWithArgs(core.coordinator.write.createRun([spec]), core.token, "Transfer", [
        addr(core.owner),
        core.coordinator.address,
        FUNDING,
      ]);
      assert.equal(await core.token.read.balanceOf([core.coordinator.address]), FUNDING);
    });

    it("numbers runs from 1 upward", async () => {
      const core = await networkHelpers.loadFixture(coreOnly);
      assert.equal(await core.coordinator.read.runCount(), 0n);
      await createRun(core);
      await createRun(core);
      assert.equal(await core.coordinator.read.runCount(), 2n);
      const [owner] = await core.coordinator.read.runOf([2n]);
      assert.equal(owner.toLowerCase(), addr(core.owner).toLowerCase());
    });

    it("takes no tokens when the spec pays no rewards and no audit fees", async () => {
      const core = await networkHelpers.loadFixture(coreOnly);
      const before = await core.token.read.balanceOf([addr(core.owner)]);
      const { runId } = await createRun(core, { rewardPerRound: 0n, auditFee: 0n });
      assert.equal(await core.token.read.balanceOf([addr(core.owner)]), before);
      assert.equal((await core.coordinator.read.runOf([runId]))[2], 0n);
    });

    it("accepts a run starting in the block it is created", async () => {
      const core = await networkHelpers.loadFixture(coreOnly);
      const t = BigInt(await networkHelpers.time.latest()) + 5n;
      await at(t);
      await viem.assertions.emit(core.coordinator.write.createRun([testSpec(t)]), core.coordinator, "RunCreated");
    });

    it("accepts a tolerance-mode spec with a non-zero tolerance", async () => {
      const core = await networkHelpers.loadFixture(coreOnly);
      const spec = testSpec((await chainNow()) + 60n, { mode: VerificationMode.Tolerance, toleranceMicros: 1000 });
      await viem.assertions.emit(core.coordinator.write.createRun([spec]), core.coordinator, "RunCreated");
    });

    it("accepts settlement windows one second shorter than the unbonding period", async () => {
      const core = await networkHelpers.loadFixture(coreOnly);
      // commit 300 + audit 300 + jury commit 300 + jury reveal 300 + dispute window
      const spec = testSpec((await chainNow()) + 60n, { disputeWindow: Number(UNBONDING) - 1200 - 1 });
      await viem.assertions.emit(core.coordinator.write.createRun([spec]), core.coordinator, "RunCreated");
    });

    const invalid: [rule: number, what: string, overrides: Partial<RunSpec>][] = [
      [1, "the funding does not fit in 128 bits", { rewardPerRound: 2n ** 128n - 1n, rounds: 2 }],
      [2, "there are no shards", { shards: 0 }],
      [2, "shards have no trainer seats", { maxTrainersPerShard: 0 }],
      [2, "there are no verifier seats", { maxVerifiers: 0 }],
      [3, "there are no rounds", { rounds: 0 }],
      [3, "rounds last zero seconds", { roundLength: 0 }],
      [5, "the commit window is empty", { commitWindow: 0 }],
      [5, "the commit window is longer than a round", { commitWindow: 601 }],
      [6, "the audit window is empty", { auditWindow: 0 }],
      [6, "the jury commit window is empty", { juryCommitWindow: 0 }],
      [6, "the jury reveal window is empty", { juryRevealWindow: 0 }],
      [6, "the dispute window is empty", { disputeWindow: 0 }],
      [6, "the move (jury commit) window is 1 s, too short to answer (REVIEW 15)", { juryCommitWindow: 1 }],
      [6, "the reveal window is 4 s", { juryRevealWindow: 4 }],
      [7, "localSteps is zero", { localSteps: 0 }],
      [7, "checkpointInterval is zero", { checkpointInterval: 0 }],
      [7, "localSteps is not a multiple of checkpointInterval", { localSteps: 16, checkpointInterval: 5 }],
      [7, "an exact-mode segment has one step (no root for the attention digest)", { mode: VerificationMode.Exact, toleranceMicros: 0, checkpointInterval: 1 }],
      [8, "the batch size is zero", { batchSize: 0 }],
      [9, "the audit rate is above 10000 bps", { auditRateBps: 10_001 }],
      [9, "the slash share is above 10000 bps", { slashBps: 10_001 }],
      [9, "the juror penalty is above 1000 bps, a drain of jurors' stake (REVIEW 15)", { jurorPenaltyBps: 1_001 }],
      [10, "the jury is empty", { jurySize: 0 }],
      [10, "the jury is larger than 9", { jurySize: 11, maxVerifiers: 16 }],
      [10, "the jury size is even (votes could tie)", { jurySize: 2 }],
      [10, "the jury is not smaller than the verifier seats", { jurySize: 5, maxVerifiers: 5 }],
      [11, "the minimum trainer stake is zero", { minTrainerStake: 0n }],
      [11, "the minimum verifier stake is zero", { minVerifierStake: 0n }],
      [11, "the challenge bond is zero", { challengeBond: 0n }],
      [12, "tolerance mode has a zero tolerance", { mode: VerificationMode.Tolerance, toleranceMicros: 0 }],
      [13, "the settlement windows reach the unbonding period", { disputeWindow: Number(UNBONDING) - 1200 }],
    ];
    for (const [rule, what, overrides] of invalid) {
      it(`reverts with rule ${rule} when ${what}`, async () => {
        const core = await networkHelpers.loadFixture(coreOnly);
        const spec = testSpec((await chainNow()) + 60n, overrides);
        await viem.assertions.revertWithCustomErrorWithArgs(core.coordinator.write.createRun([spec]), core.coordinator, "RunSpecInvalid", [
          rule,
        ]);
      });
    }

    it("reverts with rule 4 when the run starts in the past", async () => {
      const core = await networkHelpers.loadFixture(coreOnly);
      const now = BigInt(await networkHelpers.time.latest());
      await at(now + 10n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        core.coordinator.write.createRun([testSpec(now + 9n)]),
        core.coordinator,
        "RunSpecInvalid",
        [4],
      );
    });

    it("reverts when the caller has not approved the funding", async () => {
      const core = await networkHelpers.loadFixture(coreOnly);
      const spec = testSpec((await chainNow()) + 60n);
      await core.token.write.approve([core.coordinator.address, FUNDING - 1n], { account: core.outsider.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        core.coordinator.write.createRun([spec], { account: core.outsider.account }),
        core.token,
        "ERC20InsufficientAllowance",
        [core.coordinator.address, FUNDING - 1n, FUNDING],
      );
    });
  });

  describe("funding (RunSpecRules.fundingFor, the library createRun links)", () => {
    it("is rewardPerRound x rounds + auditFee x rounds x trainer seats, taken into the run's pool", async () => {
      const core = await networkHelpers.loadFixture(coreOnly);
      const spec = testSpec((await chainNow()) + 60n, { rewardPerRound: 7n, auditFee: 3n, rounds: 11, shards: 3, maxTrainersPerShard: 5 });
      await core.coordinator.write.createRun([spec]);
      const [, , pool] = await core.coordinator.read.runOf([await core.coordinator.read.runCount()]);
      assert.equal(pool, 7n * 11n + 3n * 11n * 15n);
      assert.equal(pool, fundingFor(spec));
      assert.equal(fundingFor(testSpec(1n)), FUNDING);
    });
  });

  describe("joinAsTrainer", () => {
    it("seats the caller in the shard and emits ParticipantJoined with the locked stake", async () => {
      const f = await networkHelpers.loadFixture(emptyRun);
      const t = f.trainers[0]!;
      await viem.assertions.emitWithArgs(
        f.coordinator.write.joinAsTrainer([f.runId, 1], { account: t.account }),
        f.coordinator,
        "ParticipantJoined",
        [f.runId, addr(t), Role.Trainer, 1, STAKE],
      );
    });

    it("locks the trainer's minimum stake in the vault", async () => {
      const f = await networkHelpers.loadFixture(emptyRun);
      const t = f.trainers[0]!;
      await viem.assertions.emitWithArgs(
        f.coordinator.write.joinAsTrainer([f.runId, 1], { account: t.account }),
        f.staking,
        "StakeLocked",
        [addr(t), STAKE],
      );
      assert.equal(await f.staking.read.freeStakeOf([addr(t)]), 0n);
    });

    it("records the seat and counts it in the shard", async () => {
      const f = await networkHelpers.loadFixture(emptyRun);
      const t = f.trainers[0]!;
      await f.coordinator.write.joinAsTrainer([f.runId, 1], { account: t.account });
      assert.deepEqual(await f.coordinator.read.participantOf([f.runId, addr(t)]), {
        ...emptyParticipant,
        role: Role.Trainer,
        active: true,
        shard: 1,
        lockedStake: STAKE,
      });
      assert.equal(await f.coordinator.read.shardSize([f.runId, 1]), 1);
      assert.equal(await f.coordinator.read.shardSize([f.runId, 0]), 0);
    });

    it("reverts for an unknown run", async () => {
      const f = await networkHelpers.loadFixture(emptyRun);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.joinAsTrainer([UNKNOWN_RUN, 0], { account: f.trainers[0]!.account }),
        f.coordinator,
        "RunUnknown",
        [UNKNOWN_RUN],
      );
    });

    it("reverts for a shard index out of range", async () => {
      const f = await networkHelpers.loadFixture(emptyRun);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.joinAsTrainer([f.runId, 2], { account: f.trainers[0]!.account }),
        f.coordinator,
        "RunShardInvalid",
        [f.runId, 2, 2],
      );
    });

    it("reverts when the shard is full", async () => {
      const f = await networkHelpers.loadFixture(fullRun);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.joinAsTrainer([f.runId, 0], { account: f.spare[0]!.account }),
        f.coordinator,
        "RunFull",
        [f.runId, Role.Trainer, 0],
      );
    });

    it("reverts once the run has ended", async () => {
      const f = await networkHelpers.loadFixture(emptyRun);
      const endsAt = f.spec.startTime + BigInt(f.spec.rounds * f.spec.roundLength);
      await at(endsAt);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.joinAsTrainer([f.runId, 0], { account: f.trainers[0]!.account }),
        f.coordinator,
        "RunEnded",
        [f.runId, endsAt],
      );
    });

    it("is still open one second before the run ends", async () => {
      const f = await networkHelpers.loadFixture(emptyRun);
      await at(f.spec.startTime + BigInt(f.spec.rounds * f.spec.roundLength) - 1n);
      await viem.assertions.emit(
        f.coordinator.write.joinAsTrainer([f.runId, 0], { account: f.trainers[0]!.account }),
        f.coordinator,
        "ParticipantJoined",
      );
    });

    it("reverts for a caller already seated as a trainer", async () => {
      const f = await networkHelpers.loadFixture(emptyRun);
      const t = f.trainers[0]!;
      await f.staking.write.stake([STAKE], { account: t.account });
      await f.coordinator.write.joinAsTrainer([f.runId, 0], { account: t.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.joinAsTrainer([f.runId, 1], { account: t.account }),
        f.coordinator,
        "RunAlreadyJoined",
        [f.runId, addr(t)],
      );
    });

    it("reverts for a caller seated as a verifier", async () => {
      const f = await networkHelpers.loadFixture(emptyRun);
      const v = f.verifiers[0]!;
      await f.staking.write.stake([STAKE], { account: v.account });
      await f.coordinator.write.joinAsVerifier([f.runId], { account: v.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.joinAsTrainer([f.runId, 0], { account: v.account }),
        f.coordinator,
        "RunAlreadyJoined",
        [f.runId, addr(v)],
      );
    });

    it("reverts when the caller's free stake is below the minimum", async () => {
      const f = await networkHelpers.loadFixture(emptyRun);
      const o = f.outsider;
      await f.staking.write.stake([STAKE - 1n], { account: o.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.joinAsTrainer([f.runId, 0], { account: o.account }),
        f.coordinator,
        "RunStakeBelowMinimum",
        [f.runId, addr(o), STAKE - 1n, STAKE],
      );
    });

    it("does not count stake already locked in another run as free", async () => {
      const f = await networkHelpers.loadFixture(emptyRun);
      const t = f.trainers[0]!;
      await f.coordinator.write.joinAsTrainer([f.runId, 0], { account: t.account });
      const other = await createRun(f);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.joinAsTrainer([other.runId, 0], { account: t.account }),
        f.coordinator,
        "RunStakeBelowMinimum",
        [other.runId, addr(t), 0n, STAKE],
      );
    });

    it("lets a new trainer take the seat of one that left", async () => {
      const f = await networkHelpers.loadFixture(fullRun);
      await f.coordinator.write.leave([f.runId], { account: f.trainers[1]!.account });
      await viem.assertions.emitWithArgs(
        f.coordinator.write.joinAsTrainer([f.runId, 0], { account: f.spare[0]!.account }),
        f.coordinator,
        "ParticipantJoined",
        [f.runId, addr(f.spare[0]!), Role.Trainer, 0, STAKE],
      );
      assert.equal(await f.coordinator.read.shardSize([f.runId, 0]), 2);
    });
  });

  describe("joinAsVerifier", () => {
    it("seats the caller as a verifier and emits ParticipantJoined with the locked stake", async () => {
      const f = await networkHelpers.loadFixture(emptyRun);
      const v = f.verifiers[0]!;
      await viem.assertions.emitWithArgs(
        f.coordinator.write.joinAsVerifier([f.runId], { account: v.account }),
        f.coordinator,
        "ParticipantJoined",
        [f.runId, addr(v), Role.Verifier, 0, STAKE],
      );
    });

    it("locks the verifier's minimum stake in the vault", async () => {
      const f = await networkHelpers.loadFixture(emptyRun);
      const v = f.verifiers[0]!;
      await viem.assertions.emitWithArgs(f.coordinator.write.joinAsVerifier([f.runId], { account: v.account }), f.staking, "StakeLocked", [
        addr(v),
        STAKE,
      ]);
    });

    it("appends the verifier to the next slot", async () => {
      const f = await networkHelpers.loadFixture(emptyRun);
      await f.coordinator.write.joinAsVerifier([f.runId], { account: f.verifiers[2]!.account });
      await f.coordinator.write.joinAsVerifier([f.runId], { account: f.verifiers[0]!.account });
      assert.equal((await f.coordinator.read.verifierAt([f.runId, 0n])).toLowerCase(), addr(f.verifiers[2]!).toLowerCase());
      assert.equal((await f.coordinator.read.verifierAt([f.runId, 1n])).toLowerCase(), addr(f.verifiers[0]!).toLowerCase());
      assert.equal((await f.coordinator.read.runOf([f.runId]))[1], 2);
      assert.deepEqual(await f.coordinator.read.participantOf([f.runId, addr(f.verifiers[0]!)]), {
        ...emptyParticipant,
        role: Role.Verifier,
        active: true,
        lockedStake: STAKE,
      });
    });

    it("reverts for an unknown run", async () => {
      const f = await networkHelpers.loadFixture(emptyRun);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.joinAsVerifier([UNKNOWN_RUN], { account: f.verifiers[0]!.account }),
        f.coordinator,
        "RunUnknown",
        [UNKNOWN_RUN],
      );
    });

    it("reverts when every verifier slot is used", async () => {
      const f = await networkHelpers.loadFixture(fullRun);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.joinAsVerifier([f.runId], { account: f.spare[0]!.account }),
        f.coordinator,
        "RunFull",
        [f.runId, Role.Verifier, 0],
      );
    });

    it("keeps a departed verifier's slot, so it still counts toward maxVerifiers", async () => {
      const f = await networkHelpers.loadFixture(fullRun);
      await f.coordinator.write.leave([f.runId], { account: f.verifiers[0]!.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.joinAsVerifier([f.runId], { account: f.spare[0]!.account }),
        f.coordinator,
        "RunFull",
        [f.runId, Role.Verifier, 0],
      );
    });

    it("does not let a verifier that left rejoin before the run settles: no slot is re-taken once a seed is known (REVIEW 7)", async () => {
      const f = await networkHelpers.loadFixture(fullRun);
      const v = f.verifiers[1]!;
      await f.coordinator.write.leave([f.runId], { account: v.account });
      await viem.assertions.revertWithCustomErrorWithArgs(f.coordinator.write.joinAsVerifier([f.runId], { account: v.account }), f.coordinator, "RunAlreadyJoined", [f.runId, addr(v)]);
    });

    it("reverts once the run has ended", async () => {
      const f = await networkHelpers.loadFixture(emptyRun);
      const endsAt = f.spec.startTime + BigInt(f.spec.rounds * f.spec.roundLength);
      await at(endsAt);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.joinAsVerifier([f.runId], { account: f.verifiers[0]!.account }),
        f.coordinator,
        "RunEnded",
        [f.runId, endsAt],
      );
    });

    it("reverts for a caller already seated as a verifier", async () => {
      const f = await networkHelpers.loadFixture(fullRun);
      const v = f.verifiers[0]!;
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.joinAsVerifier([f.runId], { account: v.account }),
        f.coordinator,
        "RunAlreadyJoined",
        [f.runId, addr(v)],
      );
    });

    it("reverts for a caller seated as a trainer", async () => {
      const f = await networkHelpers.loadFixture(emptyRun);
      const t = f.trainers[0]!;
      await f.coordinator.write.joinAsTrainer([f.runId, 0], { account: t.account });
      await f.staking.write.stake([STAKE], { account: t.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.joinAsVerifier([f.runId], { account: t.account }),
        f.coordinator,
        "RunAlreadyJoined",
        [f.runId, addr(t)],
      );
      assert.equal((await f.coordinator.read.runOf([f.runId]))[1], 0);
    });

    it("reverts when the caller's free stake is below the minimum", async () => {
      const f = await networkHelpers.loadFixture(emptyRun);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.joinAsVerifier([f.runId], { account: f.outsider.account }),
        f.coordinator,
        "RunStakeBelowMinimum",
        [f.runId, addr(f.outsider), 0n, STAKE],
      );
    });
  });

  describe("leave", () => {
    it("removes a trainer and emits ParticipantLeft with the unlocked stake", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      const t = f.trainers[0]!;
      await viem.assertions.emitWithArgs(f.coordinator.write.leave([f.runId], { account: t.account }), f.coordinator, "ParticipantLeft", [
        f.runId,
        addr(t),
        STAKE,
      ]);
    });

    it("unlocks the seat's stake in the vault", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      const t = f.trainers[0]!;
      await viem.assertions.emitWithArgs(f.coordinator.write.leave([f.runId], { account: t.account }), f.staking, "StakeUnlocked", [
        addr(t),
        STAKE,
      ]);
      assert.equal(await f.staking.read.freeStakeOf([addr(t)]), STAKE);
    });

    it("clears the seat and frees the shard slot", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      const t = f.trainers[2]!;
      await f.coordinator.write.leave([f.runId], { account: t.account });
      assert.deepEqual(await f.coordinator.read.participantOf([f.runId, addr(t)]), emptyParticipant);
      assert.equal(await f.coordinator.read.shardSize([f.runId, 1]), 1);
    });

    it("lets a verifier leave its seat at once and unlocks its stake when the run's last round settles (REVIEW 7)", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      const v = f.verifiers[3]!;
      const settles = schedule(f.spec, BigInt(f.spec.rounds - 1)).disputeEnd;
      await viem.assertions.emitWithArgs(f.coordinator.write.leave([f.runId], { account: v.account }), f.coordinator, "ParticipantLeft", [f.runId, addr(v), 0n]);
      const parked = await f.coordinator.read.participantOf([f.runId, addr(v)]);
      assert.equal(parked.active, false);
      assert.equal(parked.lockedStake, STAKE, "the stake stays locked: join-and-leave churn is not free");
      await viem.assertions.revertWithCustomErrorWithArgs(f.coordinator.write.leave([f.runId], { account: v.account }), f.coordinator, "RunLeaveBlocked", [f.runId, addr(v), 0, settles]);
      await timeTo(settles);
      await viem.assertions.emitWithArgs(f.coordinator.write.leave([f.runId], { account: v.account }), f.coordinator, "ParticipantLeft", [f.runId, addr(v), STAKE]);
      assert.deepEqual(await f.coordinator.read.participantOf([f.runId, addr(v)]), emptyParticipant);
    });

    it("lets a trainer that left join again", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      const t = f.trainers[0]!;
      await f.coordinator.write.leave([f.runId], { account: t.account });
      await viem.assertions.emitWithArgs(f.coordinator.write.joinAsTrainer([f.runId, 0], { account: t.account }), f.coordinator, "ParticipantJoined", [
        f.runId,
        addr(t),
        Role.Trainer,
        0,
        STAKE,
      ]);
    });

    it("reverts for an unknown run", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.leave([UNKNOWN_RUN], { account: f.trainers[0]!.account }),
        f.coordinator,
        "RunUnknown",
        [UNKNOWN_RUN],
      );
    });

    it("reverts for an account without a seat", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.leave([f.runId], { account: f.outsider.account }),
        f.coordinator,
        "RunNotParticipant",
        [f.runId, addr(f.outsider), Role.None],
      );
    });

    it("reverts on a second leave", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      const t = f.trainers[0]!;
      await f.coordinator.write.leave([f.runId], { account: t.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.leave([f.runId], { account: t.account }),
        f.coordinator,
        "RunNotParticipant",
        [f.runId, addr(t), Role.None],
      );
    });

    it("reverts until the dispute window of the trainer's last commitment has closed", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      await openAndCommit(f, 0n, [{ index: 0 }]);
      const { disputeEnd } = schedule(f.spec, 0n);
      await at(disputeEnd - 1n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.leave([f.runId], { account: f.trainers[0]!.account }),
        f.coordinator,
        "RunLeaveBlocked",
        [f.runId, addr(f.trainers[0]!), 0, disputeEnd],
      );
    });

    it("succeeds as soon as the last commitment's dispute window has closed", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      await openAndCommit(f, 0n, [{ index: 0 }]);
      await at(schedule(f.spec, 0n).disputeEnd);
      await viem.assertions.emitWithArgs(
        f.coordinator.write.leave([f.runId], { account: f.trainers[0]!.account }),
        f.coordinator,
        "ParticipantLeft",
        [f.runId, addr(f.trainers[0]!), STAKE],
      );
    });

    it("reverts for a disputed trainer even after the dispute window", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      const { trainer } = await openFraudDispute(f);
      const { disputeEnd } = schedule(f.spec, 0n);
      await at(disputeEnd);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.leave([f.runId], { account: trainer.account }),
        f.coordinator,
        "RunLeaveBlocked",
        [f.runId, addr(trainer), 1, disputeEnd],
      );
    });

    it("reverts for a challenger while its dispute is open", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      const { challenger } = await openFraudDispute(f);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.leave([f.runId], { account: challenger.account }),
        f.coordinator,
        "RunLeaveBlocked",
        [f.runId, addr(challenger), 1, schedule(f.spec, BigInt(f.spec.rounds - 1)).disputeEnd],
      );
    });
  });

  describe("openRound", () => {
    it("lets anyone fix the round seed from prevrandao and emits RoundOpened", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      await timeTo(schedule(f.spec, 1n).opensAt);
      const hash = await f.coordinator.write.openRound([f.runId, 1n], { account: f.outsider.account });
      const block = await blockOf(f, hash);
      const seed = keccak256(
        encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }, { type: "uint64" }], [BigInt(block.mixHash), f.runId, 1n]),
      );
      await viem.assertions.emitWithArgs(Promise.resolve(hash), f.coordinator, "RoundOpened", [f.runId, 1n, seed]);
      assert.equal((await f.coordinator.read.roundOf([f.runId, 1n])).seed, seed);
    });

    it("opens exactly when the round opens", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      await at(schedule(f.spec, 0n).opensAt);
      await viem.assertions.emit(f.coordinator.write.openRound([f.runId, 0n]), f.coordinator, "RoundOpened");
    });

    it("reverts for an unknown run", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      await viem.assertions.revertWithCustomErrorWithArgs(f.coordinator.write.openRound([UNKNOWN_RUN, 0n]), f.coordinator, "RunUnknown", [
        UNKNOWN_RUN,
      ]);
    });

    it("reverts before the round opens", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      const s = schedule(f.spec, 0n);
      await at(s.opensAt - 1n);
      await viem.assertions.revertWithCustomErrorWithArgs(f.coordinator.write.openRound([f.runId, 0n]), f.coordinator, "RoundWindowClosed", [
        f.runId,
        0n,
        s.opensAt,
        s.commitDeadline,
      ]);
    });

    it("reverts at the commit deadline", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      const s = schedule(f.spec, 0n);
      await at(s.commitDeadline);
      await viem.assertions.revertWithCustomErrorWithArgs(f.coordinator.write.openRound([f.runId, 0n]), f.coordinator, "RoundWindowClosed", [
        f.runId,
        0n,
        s.opensAt,
        s.commitDeadline,
      ]);
    });

    it("reverts for a round past the last one", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      const s = schedule(f.spec, 5n);
      await timeTo(s.opensAt);
      await viem.assertions.revertWithCustomErrorWithArgs(f.coordinator.write.openRound([f.runId, 5n]), f.coordinator, "RoundWindowClosed", [
        f.runId,
        5n,
        s.opensAt,
        s.commitDeadline,
      ]);
    });

    it("reverts when the round is already open", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      await timeTo(schedule(f.spec, 0n).opensAt);
      await f.coordinator.write.openRound([f.runId, 0n]);
      await viem.assertions.revertWithCustomErrorWithArgs(f.coordinator.write.openRound([f.runId, 0n]), f.coordinator, "RoundAlreadyOpen", [
        f.runId,
        0n,
      ]);
    });
  });

  describe("commit", () => {
    /** The full run with round 0 opened. */
    async function openRun() {
      const f = await deployWithRun();
      await openAndCommit(f, 0n, []);
      return f;
    }

    it("stores the commitment and emits RoundCommitted with the trainer's shard", async () => {
      const f = await networkHelpers.loadFixture(openRun);
      const t = f.trainers[2]!;
      const tr = trajectory(f.runId, 1, 0n, f.spec, "x");
      await viem.assertions.emitWithArgs(
        f.coordinator.write.commit([f.runId, 0n, tr.claim.root, tr.claim.updateHash, 100n], { account: t.account }),
        f.coordinator,
        "RoundCommitted",
        [f.runId, 0n, addr(t), 1, tr.claim.root, tr.claim.updateHash, 100n],
      );
    });

    it("marks the commitment Committed and records the round in the seat", async () => {
      const f = await networkHelpers.loadFixture(openRun);
      const t = f.trainers[0]!;
      await f.coordinator.write.commit([f.runId, 0n, keccak256("0x01"), keccak256("0x02"), MAX_SAMPLES], { account: t.account });
      assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, addr(t)]), CommitStatus.Committed);
      assert.equal((await f.coordinator.read.participantOf([f.runId, addr(t)])).lastCommitRound, 1);
    });

    it("accepts commits up to one second before the commit deadline", async () => {
      const f = await networkHelpers.loadFixture(openRun);
      await at(schedule(f.spec, 0n).commitDeadline - 1n);
      await viem.assertions.emit(
        f.coordinator.write.commit([f.runId, 0n, keccak256("0x01"), keccak256("0x02"), 1n], { account: f.trainers[0]!.account }),
        f.coordinator,
        "RoundCommitted",
      );
    });

    it("reverts for an unknown run", async () => {
      const f = await networkHelpers.loadFixture(openRun);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.commit([UNKNOWN_RUN, 0n, ZERO32, ZERO32, 1n], { account: f.trainers[0]!.account }),
        f.coordinator,
        "RunUnknown",
        [UNKNOWN_RUN],
      );
    });

    it("reverts for an account without a seat", async () => {
      const f = await networkHelpers.loadFixture(openRun);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.commit([f.runId, 0n, ZERO32, ZERO32, 1n], { account: f.outsider.account }),
        f.coordinator,
        "RunNotParticipant",
        [f.runId, addr(f.outsider), Role.Trainer],
      );
    });

    it("reverts for a verifier", async () => {
      const f = await networkHelpers.loadFixture(openRun);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.commit([f.runId, 0n, ZERO32, ZERO32, 1n], { account: f.verifiers[0]!.account }),
        f.coordinator,
        "RunNotParticipant",
        [f.runId, addr(f.verifiers[0]!), Role.Trainer],
      );
    });

    it("reverts for a trainer that left", async () => {
      const f = await networkHelpers.loadFixture(openRun);
      const t = f.trainers[1]!;
      await f.coordinator.write.leave([f.runId], { account: t.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.commit([f.runId, 0n, ZERO32, ZERO32, 1n], { account: t.account }),
        f.coordinator,
        "RunNotParticipant",
        [f.runId, addr(t), Role.Trainer],
      );
    });

    it("reverts before the round opens", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      const s = schedule(f.spec, 0n);
      await at(s.opensAt - 1n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.commit([f.runId, 0n, ZERO32, ZERO32, 1n], { account: f.trainers[0]!.account }),
        f.coordinator,
        "RoundWindowClosed",
        [f.runId, 0n, s.opensAt, s.commitDeadline],
      );
    });

    it("reverts at the commit deadline", async () => {
      const f = await networkHelpers.loadFixture(openRun);
      const s = schedule(f.spec, 0n);
      await at(s.commitDeadline);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.commit([f.runId, 0n, ZERO32, ZERO32, 1n], { account: f.trainers[0]!.account }),
        f.coordinator,
        "RoundWindowClosed",
        [f.runId, 0n, s.opensAt, s.commitDeadline],
      );
    });

    it("reverts for a round past the last one", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      const s = schedule(f.spec, 5n);
      await timeTo(s.opensAt);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.commit([f.runId, 5n, ZERO32, ZERO32, 1n], { account: f.trainers[0]!.account }),
        f.coordinator,
        "RoundWindowClosed",
        [f.runId, 5n, s.opensAt, s.commitDeadline],
      );
    });

    it("reverts while the round's seed is not set", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      await timeTo(schedule(f.spec, 0n).opensAt);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.commit([f.runId, 0n, ZERO32, ZERO32, 1n], { account: f.trainers[0]!.account }),
        f.coordinator,
        "RoundNotOpen",
        [f.runId, 0n],
      );
    });

    it("reverts for zero samples", async () => {
      const f = await networkHelpers.loadFixture(openRun);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.commit([f.runId, 0n, ZERO32, ZERO32, 0n], { account: f.trainers[0]!.account }),
        f.coordinator,
        "CommitSamplesInvalid",
        [0n, MAX_SAMPLES],
      );
    });

    it("reverts for more samples than localSteps x batchSize", async () => {
      const f = await networkHelpers.loadFixture(openRun);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.commit([f.runId, 0n, ZERO32, ZERO32, MAX_SAMPLES + 1n], { account: f.trainers[0]!.account }),
        f.coordinator,
        "CommitSamplesInvalid",
        [MAX_SAMPLES + 1n, MAX_SAMPLES],
      );
    });

    it("reverts on a second commit in the same round", async () => {
      const f = await networkHelpers.loadFixture(openRun);
      const t = f.trainers[0]!;
      await f.coordinator.write.commit([f.runId, 0n, keccak256("0x01"), ZERO32, 1n], { account: t.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.commit([f.runId, 0n, keccak256("0x02"), ZERO32, 1n], { account: t.account }),
        f.coordinator,
        "CommitDuplicate",
        [f.runId, 0n, addr(t)],
      );
    });
  });

  describe("openAudits", () => {
    it("lets anyone fix the audit seed after the commit deadline and emits AuditsOpened", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      await openAndCommit(f, 0n, [{ index: 0 }]);
      await timeTo(schedule(f.spec, 0n).commitDeadline);
      const hash = await f.coordinator.write.openAudits([f.runId, 0n], { account: f.outsider.account });
      const block = await blockOf(f, hash);
      const seed = keccak256(
        encodeAbiParameters(
          [{ type: "uint256" }, { type: "uint256" }, { type: "uint64" }, { type: "string" }],
          [BigInt(block.mixHash), f.runId, 0n, "audit"],
        ),
      );
      await viem.assertions.emitWithArgs(Promise.resolve(hash), f.coordinator, "AuditsOpened", [f.runId, 0n, seed, 4]);
      const rs = await f.coordinator.read.roundOf([f.runId, 0n]);
      assert.equal(rs.auditSeed, seed);
      assert.equal(rs.auditVerifierCount, 4);
    });

    it("reverts for an unknown run", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      await viem.assertions.revertWithCustomErrorWithArgs(f.coordinator.write.openAudits([UNKNOWN_RUN, 0n]), f.coordinator, "RunUnknown", [
        UNKNOWN_RUN,
      ]);
    });

    it("reverts before the commit deadline", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      const s = schedule(f.spec, 0n);
      await at(s.commitDeadline - 1n);
      await viem.assertions.revertWithCustomErrorWithArgs(f.coordinator.write.openAudits([f.runId, 0n]), f.coordinator, "RoundWindowClosed", [
        f.runId,
        0n,
        s.commitDeadline,
        s.auditEnd,
      ]);
    });

    it("reverts at the end of the audit window", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      const s = schedule(f.spec, 0n);
      await at(s.auditEnd);
      await viem.assertions.revertWithCustomErrorWithArgs(f.coordinator.write.openAudits([f.runId, 0n]), f.coordinator, "RoundWindowClosed", [
        f.runId,
        0n,
        s.commitDeadline,
        s.auditEnd,
      ]);
    });

    it("reverts for a round past the last one", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      const s = schedule(f.spec, 5n);
      await timeTo(s.commitDeadline);
      await viem.assertions.revertWithCustomErrorWithArgs(f.coordinator.write.openAudits([f.runId, 5n]), f.coordinator, "RoundWindowClosed", [
        f.runId,
        5n,
        s.commitDeadline,
        s.auditEnd,
      ]);
    });

    it("reverts when audits are already open", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      await openAudits(f, 0n);
      await viem.assertions.revertWithCustomErrorWithArgs(f.coordinator.write.openAudits([f.runId, 0n]), f.coordinator, "RoundAlreadyOpen", [
        f.runId,
        0n,
      ]);
    });
  });

  describe("auditOf", () => {
    it("reports no audit before audits open", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      await openAndCommit(f, 0n, [{ index: 0 }]);
      assert.deepEqual(await f.coordinator.read.auditOf([f.runId, 0n, addr(f.trainers[0]!)]), [false, 0, zeroAddress]);
    });

    it("derives the audit, the segment and the verifier from the audit seed", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      await openAndCommit(f, 0n, [{ index: 0 }, { index: 1 }, { index: 2 }, { index: 3 }]);
      await openAudits(f, 0n);
      for (const t of f.trainers) {
        const [audited, segment, verifier] = await f.coordinator.read.auditOf([f.runId, 0n, addr(t)]);
        const [eAudited, eSegment, eVerifier] = await expectedAudit(f, 0n, addr(t));
        assert.equal(audited, eAudited);
        assert.equal(audited, true); // auditRateBps is 10000
        assert.equal(segment, eSegment);
        assert.equal(verifier.toLowerCase(), eVerifier.toLowerCase());
        assert.notEqual(verifier, zeroAddress);
      }
    });

    it("assigns the next active slot when the drawn verifier has left", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      const t0 = addr(f.trainers[0]!);
      await openAndCommit(f, 0n, [{ index: 0 }]);
      await openAudits(f, 0n);
      const { wallet } = await assignedVerifier(f, 0n, t0);
      await f.coordinator.write.leave([f.runId], { account: wallet.account });
      const [audited, , verifier] = await f.coordinator.read.auditOf([f.runId, 0n, t0]);
      const slot = f.verifiers.indexOf(wallet);
      assert.equal(audited, true);
      assert.equal(verifier.toLowerCase(), addr(f.verifiers[(slot + 1) % 4]!).toLowerCase());
    });

    it("assigns no verifier when every verifier has left", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      const t0 = addr(f.trainers[0]!);
      await openAndCommit(f, 0n, [{ index: 0 }]);
      for (const v of f.verifiers) await f.coordinator.write.leave([f.runId], { account: v.account });
      await openAudits(f, 0n);
      const [audited, segment, verifier] = await f.coordinator.read.auditOf([f.runId, 0n, t0]);
      assert.equal(audited, true);
      assert.equal(segment, (await expectedAudit(f, 0n, t0))[1]);
      assert.equal(verifier, zeroAddress);
    });

    it("audits nothing when the audit rate is zero", async () => {
      const f = await networkHelpers.loadFixture(unauditedRun);
      await openAndCommit(f, 0n, [{ index: 0 }, { index: 1 }, { index: 2 }, { index: 3 }]);
      await openAudits(f, 0n);
      for (const t of f.trainers) assert.equal((await f.coordinator.read.auditOf([f.runId, 0n, addr(t)]))[0], false);
    });

    it("reverts for an unknown run", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.read.auditOf([UNKNOWN_RUN, 0n, addr(f.trainers[0]!)]),
        f.coordinator,
        "RunUnknown",
        [UNKNOWN_RUN],
      );
    });
  });

  describe("attest", () => {
    /** Round 0 committed by trainers 0 and 1, audits open. */
    async function auditedRun() {
      const f = await deployWithRun();
      const trs = await openAndCommit(f, 0n, [{ index: 0 }, { index: 1 }]);
      await openAudits(f, 0n);
      const t0 = addr(f.trainers[0]!);
      const { wallet } = await assignedVerifier(f, 0n, t0);
      return { ...f, trs, t0, auditor: wallet };
    }

    it("lets the assigned verifier attest and emits CommitmentAttested with the audited segment and the digest", async () => {
      const f = await networkHelpers.loadFixture(auditedRun);
      const [, segment] = await f.coordinator.read.auditOf([f.runId, 0n, f.t0]);
      await viem.assertions.emitWithArgs(
        f.coordinator.write.attest([f.runId, 0n, f.t0, ATTEST_DIGEST], { account: f.auditor.account }),
        f.coordinator,
        "CommitmentAttested",
        [f.runId, 0n, f.t0, addr(f.auditor), segment, ATTEST_DIGEST],
      );
      assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, f.t0]), CommitStatus.Attested);
    });

    it("credits the audit fee to the verifier out of the pool", async () => {
      const f = await networkHelpers.loadFixture(auditedRun);
      await viem.assertions.emitWithArgs(
        f.coordinator.write.attest([f.runId, 0n, f.t0, ATTEST_DIGEST], { account: f.auditor.account }),
        f.coordinator,
        "EarningsCredited",
        [f.runId, addr(f.auditor), f.spec.auditFee],
      );
      assert.deepEqual(await f.coordinator.read.earningsOf([f.runId, addr(f.auditor)]), { credits: 0n, owed: f.spec.auditFee });
      assert.equal((await f.coordinator.read.runOf([f.runId]))[2], FUNDING - f.spec.auditFee);
    });

    it("is accepted up to one second before the audit window ends", async () => {
      const f = await networkHelpers.loadFixture(auditedRun);
      await at(schedule(f.spec, 0n).auditEnd - 1n);
      await viem.assertions.emit(
        f.coordinator.write.attest([f.runId, 0n, f.t0, ATTEST_DIGEST], { account: f.auditor.account }),
        f.coordinator,
        "CommitmentAttested",
      );
    });

    it("reverts for an unknown run", async () => {
      const f = await networkHelpers.loadFixture(auditedRun);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.attest([UNKNOWN_RUN, 0n, f.t0, ATTEST_DIGEST], { account: f.auditor.account }),
        f.coordinator,
        "RunUnknown",
        [UNKNOWN_RUN],
      );
    });

    it("reverts before the commit deadline", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      await openAndCommit(f, 0n, [{ index: 0 }]);
      const s = schedule(f.spec, 0n);
      await at(s.commitDeadline - 1n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.attest([f.runId, 0n, addr(f.trainers[0]!), ATTEST_DIGEST], { account: f.verifiers[0]!.account }),
        f.coordinator,
        "RoundWindowClosed",
        [f.runId, 0n, s.commitDeadline, s.auditEnd],
      );
    });

    it("reverts at the end of the audit window", async () => {
      const f = await networkHelpers.loadFixture(auditedRun);
      const s = schedule(f.spec, 0n);
      await at(s.auditEnd);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.attest([f.runId, 0n, f.t0, ATTEST_DIGEST], { account: f.auditor.account }),
        f.coordinator,
        "RoundWindowClosed",
        [f.runId, 0n, s.commitDeadline, s.auditEnd],
      );
    });

    it("reverts for a round past the last one", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      const s = schedule(f.spec, 5n);
      await timeTo(s.commitDeadline);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.attest([f.runId, 5n, addr(f.trainers[0]!), ATTEST_DIGEST], { account: f.verifiers[0]!.account }),
        f.coordinator,
        "RoundWindowClosed",
        [f.runId, 5n, s.commitDeadline, s.auditEnd],
      );
    });

    it("reverts while audits of the round are not open", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      await openAndCommit(f, 0n, [{ index: 0 }]);
      await timeTo(schedule(f.spec, 0n).commitDeadline);
      const t0 = addr(f.trainers[0]!);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.attest([f.runId, 0n, t0, ATTEST_DIGEST], { account: f.verifiers[0]!.account }),
        f.coordinator,
        "AuditNotAssigned",
        [f.runId, 0n, t0, zeroAddress],
      );
    });

    it("reverts for a verifier other than the assigned one", async () => {
      const f = await networkHelpers.loadFixture(auditedRun);
      const other = f.verifiers.find((v) => v !== f.auditor)!;
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.attest([f.runId, 0n, f.t0, ATTEST_DIGEST], { account: other.account }),
        f.coordinator,
        "AuditNotAssigned",
        [f.runId, 0n, f.t0, addr(f.auditor)],
      );
    });

    it("reverts for a commitment that is not audited", async () => {
      const f = await networkHelpers.loadFixture(unauditedRun);
      await openAndCommit(f, 0n, [{ index: 0 }]);
      await openAudits(f, 0n);
      const t0 = addr(f.trainers[0]!);
      const [, , drawn] = await f.coordinator.read.auditOf([f.runId, 0n, t0]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.attest([f.runId, 0n, t0, ATTEST_DIGEST], { account: walletOf(f, drawn).account }),
        f.coordinator,
        "AuditNotAssigned",
        [f.runId, 0n, t0, zeroAddress],
      );
    });

    it("reverts on a second attestation", async () => {
      const f = await networkHelpers.loadFixture(auditedRun);
      await f.coordinator.write.attest([f.runId, 0n, f.t0, ATTEST_DIGEST], { account: f.auditor.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.attest([f.runId, 0n, f.t0, ATTEST_DIGEST], { account: f.auditor.account }),
        f.coordinator,
        "CommitStatusInvalid",
        [f.runId, 0n, f.t0, CommitStatus.Attested],
      );
    });

    it("reverts for a trainer that did not commit", async () => {
      const f = await networkHelpers.loadFixture(auditedRun);
      const t3 = addr(f.trainers[3]!);
      const { wallet } = await assignedVerifier(f, 0n, t3);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.attest([f.runId, 0n, t3, ATTEST_DIGEST], { account: wallet.account }),
        f.coordinator,
        "CommitStatusInvalid",
        [f.runId, 0n, t3, CommitStatus.None],
      );
    });

    it("reverts for a disputed commitment", async () => {
      const f = await networkHelpers.loadFixture(auditedRun);
      const challenger = f.verifiers.find((v) => v !== f.auditor)!;
      const tr = f.trs[0]!;
      await f.coordinator.write.challenge([f.runId, 0n, f.t0, tr.claim, tr.leafArg(1), tr.proof(1)], { account: challenger.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.attest([f.runId, 0n, f.t0, ATTEST_DIGEST], { account: f.auditor.account }),
        f.coordinator,
        "CommitStatusInvalid",
        [f.runId, 0n, f.t0, CommitStatus.Disputed],
      );
    });
  });

  describe("finalize", () => {
    /** Trainer 0 committed round 0 with a full claim; trainer 1 with half the samples. */
    async function committedRun() {
      const f = await deployWithRun();
      const [tr0] = await openAndCommit(f, 0n, [{ index: 0 }]);
      const tr1 = trajectory(f.runId, 0, 0n, f.spec, "half");
      const half = { ...tr1.claim, samples: MAX_SAMPLES / 2n };
      await f.coordinator.write.commit([f.runId, 0n, half.root, half.updateHash, half.samples], { account: f.trainers[1]!.account });
      return { ...f, claim0: tr0!.claim, half, t0: addr(f.trainers[0]!), t1: addr(f.trainers[1]!) };
    }

    it("accredits the commitment after its dispute window and emits CommitmentFinalized with the reward", async () => {
      const f = await networkHelpers.loadFixture(committedRun);
      await at(schedule(f.spec, 0n).disputeEnd);
      await viem.assertions.emitWithArgs(
        f.coordinator.write.finalize([f.runId, 0n, f.t0, f.claim0], { account: f.outsider.account }),
        f.coordinator,
        "CommitmentFinalized",
        [f.runId, 0n, f.t0, MAX_SAMPLES, FULL_REWARD],
      );
      assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, f.t0]), CommitStatus.Finalized);
    });

    it("credits the reward to the trainer out of the pool", async () => {
      const f = await networkHelpers.loadFixture(committedRun);
      await timeTo(schedule(f.spec, 0n).disputeEnd);
      await viem.assertions.emitWithArgs(
        f.coordinator.write.finalize([f.runId, 0n, f.t0, f.claim0]),
        f.coordinator,
        "EarningsCredited",
        [f.runId, f.t0, FULL_REWARD],
      );
      assert.deepEqual(await f.coordinator.read.earningsOf([f.runId, f.t0]), { credits: MAX_SAMPLES, owed: FULL_REWARD });
      assert.equal((await f.coordinator.read.runOf([f.runId]))[2], FUNDING - FULL_REWARD);
    });

    it("pays in proportion to the samples claimed", async () => {
      const f = await networkHelpers.loadFixture(committedRun);
      await timeTo(schedule(f.spec, 0n).disputeEnd);
      await viem.assertions.emitWithArgs(f.coordinator.write.finalize([f.runId, 0n, f.t1, f.half]), f.coordinator, "CommitmentFinalized", [
        f.runId,
        0n,
        f.t1,
        MAX_SAMPLES / 2n,
        FULL_REWARD / 2n,
      ]);
    });

    it("finalizes an attested commitment", async () => {
      const f = await networkHelpers.loadFixture(committedRun);
      await openAudits(f, 0n);
      const { wallet } = await assignedVerifier(f, 0n, f.t0);
      await f.coordinator.write.attest([f.runId, 0n, f.t0, ATTEST_DIGEST], { account: wallet.account });
      await timeTo(schedule(f.spec, 0n).disputeEnd);
      await viem.assertions.emit(f.coordinator.write.finalize([f.runId, 0n, f.t0, f.claim0]), f.coordinator, "CommitmentFinalized");
      assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, f.t0]), CommitStatus.Finalized);
    });

    it("reverts for a trainer since removed for equivocation: its earlier commitments earn nothing", async () => {
      const f = await networkHelpers.loadFixture(committedRun);
      const [tr] = await openAndCommit(f, 1n, [{ index: 0, label: "round1" }]);
      const chainId = await f.publicClient.getChainId();
      const forged = { runId: f.runId, shard: 0, round: 1n, root: keccak256("0x0bad"), updateHash: tr!.claim.updateHash };
      const t0 = f.trainers[0]!;
      const signature = await t0.signTypedData({ account: t0.account, ...announcementTypedData(chainId, f.coordinator.address, forged) });
      await f.coordinator.write.proveEquivocation([f.runId, 1n, { shard: 0, root: forged.root, updateHash: forged.updateHash }, signature, tr!.claim], {
        account: f.outsider.account,
      });
      await timeTo(schedule(f.spec, 0n).disputeEnd);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.finalize([f.runId, 0n, f.t0, f.claim0]),
        f.coordinator,
        "TrainerBanned",
        [f.runId, f.t0],
      );
    });

    it("credits the samples but pays nothing once the pool has been reclaimed", async () => {
      const f = await networkHelpers.loadFixture(committedRun);
      await timeTo(schedule(f.spec, 4n).disputeEnd + RECLAIM_GRACE);
      await f.coordinator.write.reclaimPool([f.runId]);
      await viem.assertions.emitWithArgs(f.coordinator.write.finalize([f.runId, 0n, f.t0, f.claim0]), f.coordinator, "CommitmentFinalized", [
        f.runId,
        0n,
        f.t0,
        MAX_SAMPLES,
        0n,
      ]);
      assert.deepEqual(await f.coordinator.read.earningsOf([f.runId, f.t0]), { credits: MAX_SAMPLES, owed: 0n });
    });

    it("reverts for an unknown run", async () => {
      const f = await networkHelpers.loadFixture(committedRun);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.finalize([UNKNOWN_RUN, 0n, f.t0, f.claim0]),
        f.coordinator,
        "RunUnknown",
        [UNKNOWN_RUN],
      );
    });

    it("reverts before the dispute window has closed", async () => {
      const f = await networkHelpers.loadFixture(committedRun);
      const { disputeEnd } = schedule(f.spec, 0n);
      await at(disputeEnd - 1n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.finalize([f.runId, 0n, f.t0, f.claim0]),
        f.coordinator,
        "RoundWindowClosed",
        [f.runId, 0n, disputeEnd, MAX_UINT64],
      );
    });

    it("reverts for a trainer that did not commit", async () => {
      const f = await networkHelpers.loadFixture(committedRun);
      await timeTo(schedule(f.spec, 0n).disputeEnd);
      const t2 = addr(f.trainers[2]!);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.finalize([f.runId, 0n, t2, f.claim0]),
        f.coordinator,
        "CommitStatusInvalid",
        [f.runId, 0n, t2, CommitStatus.None],
      );
    });

    it("reverts for a commitment already finalized", async () => {
      const f = await networkHelpers.loadFixture(committedRun);
      await timeTo(schedule(f.spec, 0n).disputeEnd);
      await f.coordinator.write.finalize([f.runId, 0n, f.t0, f.claim0]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.finalize([f.runId, 0n, f.t0, f.claim0]),
        f.coordinator,
        "CommitStatusInvalid",
        [f.runId, 0n, f.t0, CommitStatus.Finalized],
      );
    });

    it("reverts for a disputed commitment", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      const { trainer, tr } = await openFraudDispute(f);
      await timeTo(schedule(f.spec, 0n).disputeEnd);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.finalize([f.runId, 0n, addr(trainer), tr.claim]),
        f.coordinator,
        "CommitStatusInvalid",
        [f.runId, 0n, addr(trainer), CommitStatus.Disputed],
      );
    });

    it("reverts when the claim does not match the commitment", async () => {
      const f = await networkHelpers.loadFixture(committedRun);
      await timeTo(schedule(f.spec, 0n).disputeEnd);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.finalize([f.runId, 0n, f.t0, { ...f.claim0, samples: MAX_SAMPLES - 1n }]),
        f.coordinator,
        "CommitClaimMismatch",
        [f.runId, 0n, f.t0],
      );
    });
  });

  describe("claim", () => {
    it("sends the caller what it is owed and emits EarningsClaimed", async () => {
      const f = await networkHelpers.loadFixture(finalizedRun);
      const t = f.trainers[0]!;
      await viem.assertions.emitWithArgs(f.coordinator.write.claim([f.runId], { account: t.account }), f.coordinator, "EarningsClaimed", [
        f.runId,
        addr(t),
        FULL_REWARD,
      ]);
    });

    it("transfers the tokens from the coordinator", async () => {
      const f = await networkHelpers.loadFixture(finalizedRun);
      const t = f.trainers[0]!;
      const before = await f.token.read.balanceOf([addr(t)]);
      await viem.assertions.emitWithArgs(f.coordinator.write.claim([f.runId], { account: t.account }), f.token, "Transfer", [
        f.coordinator.address,
        addr(t),
        FULL_REWARD,
      ]);
      assert.equal(await f.token.read.balanceOf([addr(t)]), before + FULL_REWARD);
    });

    it("zeroes what is owed but keeps the accredited samples", async () => {
      const f = await networkHelpers.loadFixture(finalizedRun);
      const t = f.trainers[0]!;
      await f.coordinator.write.claim([f.runId], { account: t.account });
      assert.deepEqual(await f.coordinator.read.earningsOf([f.runId, addr(t)]), { credits: MAX_SAMPLES, owed: 0n });
    });

    it("reverts when nothing is owed", async () => {
      const f = await networkHelpers.loadFixture(finalizedRun);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.claim([f.runId], { account: f.outsider.account }),
        f.coordinator,
        "NothingOwed",
        [f.runId, addr(f.outsider)],
      );
    });

    it("reverts on a second claim", async () => {
      const f = await networkHelpers.loadFixture(finalizedRun);
      const t = f.trainers[0]!;
      await f.coordinator.write.claim([f.runId], { account: t.account });
      await viem.assertions.revertWithCustomErrorWithArgs(f.coordinator.write.claim([f.runId], { account: t.account }), f.coordinator, "NothingOwed", [
        f.runId,
        addr(t),
      ]);
    });
  });

  describe("reclaimPool", () => {
    it("returns the unspent pool to the owner after the grace period and emits PoolReclaimed", async () => {
      const f = await networkHelpers.loadFixture(finalizedRun);
      await at(schedule(f.spec, 4n).disputeEnd + RECLAIM_GRACE);
      await viem.assertions.emitWithArgs(f.coordinator.write.reclaimPool([f.runId]), f.coordinator, "PoolReclaimed", [
        f.runId,
        FUNDING - FULL_REWARD,
      ]);
      assert.equal((await f.coordinator.read.runOf([f.runId]))[2], 0n);
    });

    it("transfers the pool to the owner", async () => {
      const f = await networkHelpers.loadFixture(finalizedRun);
      await timeTo(schedule(f.spec, 4n).disputeEnd + RECLAIM_GRACE);
      await viem.assertions.emitWithArgs(f.coordinator.write.reclaimPool([f.runId]), f.token, "Transfer", [
        f.coordinator.address,
        addr(f.owner),
        FUNDING - FULL_REWARD,
      ]);
      // What the trainer is owed stays in the coordinator.
      assert.equal(await f.token.read.balanceOf([f.coordinator.address]), FULL_REWARD);
    });

    it("reverts for an unknown run", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      await viem.assertions.revertWithCustomErrorWithArgs(f.coordinator.write.reclaimPool([UNKNOWN_RUN]), f.coordinator, "RunUnknown", [
        UNKNOWN_RUN,
      ]);
    });

    it("reverts for a caller that is not the owner", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      await timeTo(schedule(f.spec, 4n).disputeEnd + RECLAIM_GRACE);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.reclaimPool([f.runId], { account: f.outsider.account }),
        f.coordinator,
        "RunNotOwner",
        [f.runId, addr(f.outsider)],
      );
    });

    it("reverts before the last round's dispute window plus the grace period", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      const opensAt = schedule(f.spec, 4n).disputeEnd + RECLAIM_GRACE;
      await at(opensAt - 1n);
      await viem.assertions.revertWithCustomErrorWithArgs(f.coordinator.write.reclaimPool([f.runId]), f.coordinator, "RoundWindowClosed", [
        f.runId,
        4n,
        opensAt,
        MAX_UINT64,
      ]);
    });

    it("reverts when the pool is empty", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      await timeTo(schedule(f.spec, 4n).disputeEnd + RECLAIM_GRACE);
      await f.coordinator.write.reclaimPool([f.runId]);
      await viem.assertions.revertWithCustomErrorWithArgs(f.coordinator.write.reclaimPool([f.runId]), f.coordinator, "NothingOwed", [
        f.runId,
        addr(f.owner),
      ]);
    });
  });

  describe("views", () => {
    it("runOf reports the owner, the verifier slots used and the pool", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      const [owner, verifierCount, pool] = await f.coordinator.read.runOf([f.runId]);
      assert.equal(owner.toLowerCase(), addr(f.owner).toLowerCase());
      assert.equal(verifierCount, 4);
      assert.equal(pool, FUNDING);
    });

    it("runOf reverts for an unknown run", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      await viem.assertions.revertWithCustomErrorWithArgs(f.coordinator.read.runOf([UNKNOWN_RUN]), f.coordinator, "RunUnknown", [UNKNOWN_RUN]);
    });

    it("participantOf is empty for an account without a seat", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      assert.deepEqual(await f.coordinator.read.participantOf([f.runId, addr(f.outsider)]), emptyParticipant);
    });

    it("shardSize counts the trainers seated in each shard", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      assert.equal(await f.coordinator.read.shardSize([f.runId, 0]), 2);
      assert.equal(await f.coordinator.read.shardSize([f.runId, 1]), 2);
      assert.equal(await f.coordinator.read.shardSize([f.runId, 2]), 0);
    });

    it("verifierAt lists verifiers in join order and zero past the last slot", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      for (const [i, v] of f.verifiers.entries()) {
        assert.equal((await f.coordinator.read.verifierAt([f.runId, BigInt(i)])).toLowerCase(), addr(v).toLowerCase());
      }
      assert.equal(await f.coordinator.read.verifierAt([f.runId, 4n]), zeroAddress);
    });

    it("statusOf is None for a round nobody committed", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, addr(f.trainers[0]!)]), CommitStatus.None);
    });

    it("earningsOf is zero for an account never credited", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      assert.deepEqual(await f.coordinator.read.earningsOf([f.runId, addr(f.trainers[0]!)]), { credits: 0n, owed: 0n });
    });

    it("roundOf is empty before the round opens", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      assert.deepEqual(await f.coordinator.read.roundOf([f.runId, 0n]), { seed: ZERO32, auditSeed: ZERO32, auditVerifierCount: 0 });
    });

    it("reports the staking vault and no disputes", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      assert.equal((await f.coordinator.read.staking()).toLowerCase(), f.staking.address.toLowerCase());
      assert.equal(await f.coordinator.read.disputeCount(), 0n);
      assert.equal(await f.coordinator.read.runCount(), 1n);
    });

    it("keeps the coordinator's balance equal to pool + owed after a payout cycle", async () => {
      const f = await networkHelpers.loadFixture(finalizedRun);
      const [, , pool] = await f.coordinator.read.runOf([f.runId]);
      const owed = (await f.coordinator.read.earningsOf([f.runId, addr(f.trainers[0]!)])).owed;
      assert.equal(await f.token.read.balanceOf([f.coordinator.address]), pool + owed);
    });
  });
});
