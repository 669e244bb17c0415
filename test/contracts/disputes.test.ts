// Behaviour of RunCoordinator's dispute court: challenge, reportUnavailable, drawJury, commitVote,
// revealVote, resolve (slashing, bond distribution, juror penalties) and proveEquivocation.
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import {
  encodeAbiParameters,
  keccak256,
  parseEventLogs,
  recoverTypedDataAddress,
  stringToHex,
  type Abi,
  type Address,
  type Hex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  announcementTypedData,
  CommitStatus,
  DisputeKind,
  Role,
  signAnnouncement,
  type Announcement,
  type Claim,
} from "../../lib/core/index.ts";
import {
  assignedVerifier,
  castVotes,
  connection,
  deployWithRun,
  juryOf,
  networkHelpers,
  openAndCommit,
  openAudits,
  openFraudDispute,
  schedule,
  timeTo,
  TOKEN,
  trajectory,
  viem,
  voteHash,
  type Ballot,
  type RunFixture,
  ATTEST_DIGEST,
} from "./fixture.ts";

const STAKE = 100n * TOKEN; // minimum trainer and verifier stake of testSpec
const BOND = 10n * TOKEN; // challengeBond
const SLASH = 50n * TOKEN; // slashBps 5000 of the trainer's 100 locked
const WITHHELD_SLASH = SLASH; // upheld unavailability costs as much as fraud
const PENALTY = 1n * TOKEN; // jurorPenaltyBps 100 of a juror's 100 locked
const FUNDING = 620n * TOKEN;
const UNKNOWN = 99n;
const ZERO32 = `0x${"0".repeat(64)}` as Hex;

type Wallet = RunFixture["trainers"][number];
const addr = (w: Wallet) => w.account.address;
const at = (t: bigint) => networkHelpers.time.setNextBlockTimestamp(t);
const salt = (label: string) => keccak256(stringToHex(`salt/${label}`));

async function blockOf(f: RunFixture, hash: Hex) {
  const receipt = await f.publicClient.getTransactionReceipt({ hash });
  return f.publicClient.getBlock({ blockNumber: receipt.blockNumber });
}

/** The decoded logs named `eventName` that `contract` emitted in transaction `hash`. */
async function logsOf(f: RunFixture, hash: Hex, contract: { address: Address; abi: Abi }, eventName: string) {
  const receipt = await f.publicClient.getTransactionReceipt({ hash });
  const own = receipt.logs.filter((l) => l.address.toLowerCase() === contract.address.toLowerCase());
  return parseEventLogs({ abi: contract.abi, logs: own }).filter((l) => l.eventName === eventName);
}

/** Sum of what the coordinator owes across every fixture account in the run. */
async function totalOwed(f: RunFixture) {
  let sum = 0n;
  for (const w of f.wallets) sum += (await f.coordinator.read.earningsOf([f.runId, addr(w)])).owed;
  return sum;
}

/** The jury `drawJury` should seat, recomputed from the block's prevrandao (same algorithm as DisputeCourt). */
async function expectedJury(f: RunFixture, disputeId: bigint, prevrandao: bigint, challenger: Address) {
  const seed = keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }], [prevrandao, disputeId]));
  const count = BigInt((await f.coordinator.read.runOf([f.runId]))[1]);
  const jurors: Address[] = [];
  for (let i = 0n; i < BigInt(f.spec.jurySize) * 4n && jurors.length < f.spec.jurySize; i++) {
    const rand = BigInt(keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }], [seed, i])));
    const start = rand % count;
    const probes = count < 8n ? count : 8n;
    for (let k = 0n; k < probes; k++) {
      const v = await f.coordinator.read.verifierAt([f.runId, (start + k) % count]);
      const p = await f.coordinator.read.participantOf([f.runId, v]);
      if (v.toLowerCase() !== challenger.toLowerCase() && p.active && p.role === Role.Verifier) {
        if (!jurors.some((j) => j.toLowerCase() === v.toLowerCase())) jurors.push(v);
        break;
      }
    }
  }
  return jurors;
}

// ---- fixtures ----

/**
 * Jury draws depend on prevrandao, which on the local chain follows the block height, so a test's jury
 * would change with whatever ran before it. Draws use this fixed value instead; with it every draw in
 * these tests seats all eligible verifiers (the drawJury tests check that the jury is full).
 */
const JURY_RANDAO = keccak256(encodeAbiParameters([{ type: "uint256" }], [1n]));

async function drawJury(f: RunFixture, disputeId: bigint, caller?: Wallet) {
  await networkHelpers.setPrevRandao(JURY_RANDAO);
  return f.coordinator.write.drawJury([disputeId], caller ? { account: caller.account } : {});
}


// File-local: loadFixture caches snapshots per function, and block times after a revert follow the wall
// clock, so a snapshot shared with slower test files could be minutes stale here.
const withRun = () => deployWithRun();

/** Trainer 0 committed round 0; verifier 0 challenged segment 0 (dispute 1); no jury yet. */
async function challenged() {
  const f = await deployWithRun();
  const d = await openFraudDispute(f);
  return { ...f, ...d };
}

/** `challenged` with the jury drawn. */
async function juryDrawn() {
  const f = await challenged();
  await drawJury(f, f.disputeId);
  const jurors = await juryOf(f, f.disputeId);
  return { ...f, jurors };
}

/** Trainer 0 committed round 0 and audits are open. */
async function auditsOpen() {
  const f = await deployWithRun();
  const [tr] = await openAndCommit(f, 0n, [{ index: 0 }]);
  await openAudits(f, 0n);
  const { wallet: auditor, segment: seg } = await assignedVerifier(f, 0n, addr(f.trainers[0]!));
  return { ...f, tr: tr!, t0: f.trainers[0]!, v0: f.verifiers[0]!, auditor, seg };
}

/** An unavailability report by verifier 0 against trainer 0's round 0 (dispute 1), with the jury drawn. */
async function reported() {
  const f = await auditsOpen();
  await f.coordinator.write.reportUnavailable([f.runId, 0n, addr(f.t0), f.seg], { account: f.auditor.account });
  await drawJury(f, 1n);
  return { ...f, disputeId: 1n, jurors: await juryOf(f, 1n) };
}

/** Trainer 0's round-0 commitment attested by its auditor, then challenged by another verifier (dispute 1, jury drawn). */
async function attestedThenChallenged() {
  const f = await auditsOpen();
  const { wallet: auditor } = await assignedVerifier(f, 0n, addr(f.t0));
  await f.coordinator.write.attest([f.runId, 0n, addr(f.t0), ATTEST_DIGEST], { account: auditor.account });
  const challenger = f.verifiers.find((v) => v !== auditor)!;
  await f.coordinator.write.challenge([f.runId, 0n, addr(f.t0), f.tr.claim, f.tr.leafArg(0), f.tr.proof(0)], { account: challenger.account });
  await drawJury(f, 1n);
  return { ...f, auditor, challenger, disputeId: 1n };
}

/** Runs the vote with `ballots` and resolves the dispute; returns the resolve transaction. */
async function voteAndResolve(f: Awaited<ReturnType<typeof juryDrawn>>, ballots: Ballot[]) {
  await castVotes(f, f.disputeId, ballots);
  if (ballots.some((b) => typeof b !== "boolean")) await timeTo((await f.coordinator.read.disputeOf([f.disputeId])).revealDeadline);
  return f.coordinator.write.resolve([f.disputeId]);
}

/** Signs an announcement with a fixture wallet (eth_signTypedData_v4). */
async function signWith(f: RunFixture, w: Wallet, message: Announcement): Promise<Hex> {
  const chainId = await f.publicClient.getChainId();
  return w.signTypedData(announcementTypedData(chainId, f.coordinator.address, message));
}

/** Trainer 0 committed round 0 and signed an announcement of a different root. */
async function equivocated() {
  const f = await deployWithRun();
  const [tr] = await openAndCommit(f, 0n, [{ index: 0 }]);
  const t0 = f.trainers[0]!;
  const announcement: Announcement = {
    runId: f.runId,
    shard: 0,
    round: 0n,
    root: keccak256(stringToHex("another root")),
    updateHash: tr!.claim.updateHash,
  };
  const signature = await signWith(f, t0, announcement);
  const arg = { shard: announcement.shard, root: announcement.root, updateHash: announcement.updateHash };
  return { ...f, tr: tr!, t0, announcement, arg, signature, claim: tr!.claim };
}

describe("RunCoordinator: disputes", () => {
  describe("challenge", () => {
    it("opens a fraud dispute on a committed segment and emits DisputeOpened", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      const [tr] = await openAndCommit(f, 0n, [{ index: 0 }]);
      const t0 = addr(f.trainers[0]!);
      const v0 = f.verifiers[0]!;
      await viem.assertions.emitWithArgs(
        f.coordinator.write.challenge([f.runId, 0n, t0, tr!.claim, tr!.leafArg(2), tr!.proof(2)], { account: v0.account }),
        f.coordinator,
        "DisputeOpened",
        [1n, f.runId, 0n, t0, addr(v0), DisputeKind.Fraud, tr!.leafArg(2), BOND],
      );
    });

    it("takes the challenge bond from the challenger", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      const [tr] = await openAndCommit(f, 0n, [{ index: 0 }]);
      const v0 = f.verifiers[0]!;
      await viem.assertions.emitWithArgs(
        f.coordinator.write.challenge([f.runId, 0n, addr(f.trainers[0]!), tr!.claim, tr!.leafArg(0), tr!.proof(0)], { account: v0.account }),
        f.token,
        "Transfer",
        [addr(v0), f.coordinator.address, BOND],
      );
      assert.equal(await f.token.read.balanceOf([f.coordinator.address]), FUNDING + BOND);
    });

    it("marks the commitment Disputed and counts the dispute for trainer and challenger", async () => {
      const f = await networkHelpers.loadFixture(challenged);
      assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, addr(f.trainer)]), CommitStatus.Disputed);
      assert.equal((await f.coordinator.read.participantOf([f.runId, addr(f.trainer)])).openDisputes, 1);
      assert.equal((await f.coordinator.read.participantOf([f.runId, addr(f.challenger)])).openDisputes, 1);
      assert.equal(await f.coordinator.read.disputeCount(), 1n);
    });

    it("records the dispute in disputeOf", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      const [tr] = await openAndCommit(f, 0n, [{ index: 0 }]);
      const t0 = addr(f.trainers[0]!);
      const hash = await f.coordinator.write.challenge([f.runId, 0n, t0, tr!.claim, tr!.leafArg(3), tr!.proof(3)], {
        account: f.verifiers[1]!.account,
      });
      const block = await blockOf(f, hash);
      const d = await f.coordinator.read.disputeOf([1n]);
      assert.deepEqual({ ...d, trainer: d.trainer.toLowerCase(), challenger: d.challenger.toLowerCase() }, {
        runId: f.runId,
        trainer: t0.toLowerCase(),
        round: 0n,
        kind: DisputeKind.Fraud,
        resolved: false,
        juryDrawn: false,
        challenger: addr(f.verifiers[1]!).toLowerCase(),
        openedBlock: block.number,
        segment: 3,
        bond: BOND,
        commitDeadline: 0n,
        revealDeadline: 0n,
        guiltyVotes: 0,
        innocentVotes: 0,
        committed: 0,
        revealed: 0,
        jurors: [],
      });
    });

    it("accepts a challenge of an attested commitment", async () => {
      const f = await networkHelpers.loadFixture(auditsOpen);
      const { wallet } = await assignedVerifier(f, 0n, addr(f.t0));
      await f.coordinator.write.attest([f.runId, 0n, addr(f.t0), ATTEST_DIGEST], { account: wallet.account });
      const challenger = f.verifiers.find((v) => v !== wallet)!;
      await viem.assertions.emit(
        f.coordinator.write.challenge([f.runId, 0n, addr(f.t0), f.tr.claim, f.tr.leafArg(1), f.tr.proof(1)], { account: challenger.account }),
        f.coordinator,
        "DisputeOpened",
      );
      assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, addr(f.t0)]), CommitStatus.Disputed);
    });

    it("accepts a challenge one second before the audit window ends", async () => {
      const f = await networkHelpers.loadFixture(auditsOpen);
      await at(schedule(f.spec, 0n).auditEnd - 1n);
      await viem.assertions.emit(
        f.coordinator.write.challenge([f.runId, 0n, addr(f.t0), f.tr.claim, f.tr.leafArg(1), f.tr.proof(1)], { account: f.v0.account }),
        f.coordinator,
        "DisputeOpened",
      );
    });

    it("reverts for an unknown run", async () => {
      const f = await networkHelpers.loadFixture(auditsOpen);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.challenge([UNKNOWN, 0n, addr(f.t0), f.tr.claim, f.tr.leafArg(0), f.tr.proof(0)], { account: f.v0.account }),
        f.coordinator,
        "RunUnknown",
        [UNKNOWN],
      );
    });

    it("reverts for a caller that is not a verifier of the run", async () => {
      const f = await networkHelpers.loadFixture(auditsOpen);
      const t1 = f.trainers[1]!;
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.challenge([f.runId, 0n, addr(f.t0), f.tr.claim, f.tr.leafArg(0), f.tr.proof(0)], { account: t1.account }),
        f.coordinator,
        "RunNotParticipant",
        [f.runId, addr(t1), Role.Verifier],
      );
    });

    it("reverts for a verifier that left", async () => {
      const f = await networkHelpers.loadFixture(auditsOpen);
      await f.coordinator.write.leave([f.runId], { account: f.v0.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.challenge([f.runId, 0n, addr(f.t0), f.tr.claim, f.tr.leafArg(0), f.tr.proof(0)], { account: f.v0.account }),
        f.coordinator,
        "RunNotParticipant",
        [f.runId, addr(f.v0), Role.Verifier],
      );
    });

    it("reverts at the end of the audit window", async () => {
      const f = await networkHelpers.loadFixture(auditsOpen);
      const s = schedule(f.spec, 0n);
      await at(s.auditEnd);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.challenge([f.runId, 0n, addr(f.t0), f.tr.claim, f.tr.leafArg(0), f.tr.proof(0)], { account: f.v0.account }),
        f.coordinator,
        "RoundWindowClosed",
        [f.runId, 0n, s.opensAt, s.auditEnd],
      );
    });

    it("reverts before the round opens", async () => {
      const f = await networkHelpers.loadFixture(auditsOpen);
      const s = schedule(f.spec, 1n);
      await at(s.opensAt - 1n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.challenge([f.runId, 1n, addr(f.t0), f.tr.claim, f.tr.leafArg(0), f.tr.proof(0)], { account: f.v0.account }),
        f.coordinator,
        "RoundWindowClosed",
        [f.runId, 1n, s.opensAt, s.auditEnd],
      );
    });

    it("reverts for a round past the last one", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      const s = schedule(f.spec, 5n);
      const tr = trajectory(f.runId, 0, 5n, f.spec, "t0");
      await timeTo(s.opensAt);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.challenge([f.runId, 5n, addr(f.trainers[0]!), tr.claim, tr.leafArg(0), tr.proof(0)], {
          account: f.verifiers[0]!.account,
        }),
        f.coordinator,
        "RoundWindowClosed",
        [f.runId, 5n, s.opensAt, s.auditEnd],
      );
    });

    it("reverts for a trainer that did not commit", async () => {
      const f = await networkHelpers.loadFixture(auditsOpen);
      const t1 = addr(f.trainers[1]!);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.challenge([f.runId, 0n, t1, f.tr.claim, f.tr.leafArg(0), f.tr.proof(0)], { account: f.v0.account }),
        f.coordinator,
        "CommitStatusInvalid",
        [f.runId, 0n, t1, CommitStatus.None],
      );
    });

    it("reverts for a commitment already under dispute", async () => {
      const f = await networkHelpers.loadFixture(challenged);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.challenge([f.runId, 0n, addr(f.trainer), f.tr.claim, f.tr.leafArg(1), f.tr.proof(1)], {
          account: f.verifiers[1]!.account,
        }),
        f.coordinator,
        "CommitStatusInvalid",
        [f.runId, 0n, addr(f.trainer), CommitStatus.Disputed],
      );
    });

    it("reverts for a commitment already slashed for equivocation", async () => {
      const f = await networkHelpers.loadFixture(equivocated);
      await f.coordinator.write.proveEquivocation([f.runId, 0n, f.arg, f.signature, f.claim]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.challenge([f.runId, 0n, addr(f.t0), f.claim, f.tr.leafArg(0), f.tr.proof(0)], {
          account: f.verifiers[0]!.account,
        }),
        f.coordinator,
        "CommitStatusInvalid",
        [f.runId, 0n, addr(f.t0), CommitStatus.Slashed],
      );
    });

    it("reverts when the claim does not match the commitment", async () => {
      const f = await networkHelpers.loadFixture(auditsOpen);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.challenge(
          [f.runId, 0n, addr(f.t0), { ...f.tr.claim, updateHash: ZERO32 }, f.tr.leafArg(0), f.tr.proof(0)],
          { account: f.v0.account },
        ),
        f.coordinator,
        "CommitClaimMismatch",
        [f.runId, 0n, addr(f.t0)],
      );
    });

    it("reverts when the Merkle proof does not match the root", async () => {
      const f = await networkHelpers.loadFixture(auditsOpen);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.challenge([f.runId, 0n, addr(f.t0), f.tr.claim, f.tr.leafArg(1), f.tr.proof(2)], { account: f.v0.account }),
        f.coordinator,
        "ChallengeLeafInvalid",
        [1],
      );
    });

    it("reverts when the leaf was altered", async () => {
      const f = await networkHelpers.loadFixture(auditsOpen);
      const leaf = { ...f.tr.leafArg(1), endHash: keccak256(stringToHex("forged")) };
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.challenge([f.runId, 0n, addr(f.t0), f.tr.claim, leaf, f.tr.proof(1)], { account: f.v0.account }),
        f.coordinator,
        "ChallengeLeafInvalid",
        [1],
      );
    });

    it("reverts for a segment index out of range", async () => {
      const f = await networkHelpers.loadFixture(auditsOpen);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.challenge([f.runId, 0n, addr(f.t0), f.tr.claim, { ...f.tr.leafArg(0), segment: 4 }, f.tr.proof(0)], {
          account: f.v0.account,
        }),
        f.coordinator,
        "ChallengeLeafInvalid",
        [4],
      );
    });

    it("reverts when the challenger has not approved the bond", async () => {
      const f = await networkHelpers.loadFixture(auditsOpen);
      await f.token.write.approve([f.coordinator.address, BOND - 1n], { account: f.v0.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.challenge([f.runId, 0n, addr(f.t0), f.tr.claim, f.tr.leafArg(0), f.tr.proof(0)], { account: f.v0.account }),
        f.token,
        "ERC20InsufficientAllowance",
        [f.coordinator.address, BOND - 1n, BOND],
      );
    });
  });

  describe("reportUnavailable", () => {
    it("opens an unavailability dispute and emits DisputeOpened with an empty leaf", async () => {
      const f = await networkHelpers.loadFixture(auditsOpen);
      await viem.assertions.emitWithArgs(
        f.coordinator.write.reportUnavailable([f.runId, 0n, addr(f.t0), f.seg], { account: f.auditor.account }),
        f.coordinator,
        "DisputeOpened",
        [1n, f.runId, 0n, addr(f.t0), addr(f.auditor), DisputeKind.Unavailable, { segment: f.seg, startHash: ZERO32, endHash: ZERO32 }, BOND],
      );
    });

    it("takes the bond and marks the commitment Disputed", async () => {
      const f = await networkHelpers.loadFixture(auditsOpen);
      await viem.assertions.emitWithArgs(
        f.coordinator.write.reportUnavailable([f.runId, 0n, addr(f.t0), f.seg], { account: f.auditor.account }),
        f.token,
        "Transfer",
        [addr(f.auditor), f.coordinator.address, BOND],
      );
      assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, addr(f.t0)]), CommitStatus.Disputed);
      const d = await f.coordinator.read.disputeOf([1n]);
      assert.equal(d.kind, DisputeKind.Unavailable);
      assert.equal(d.segment, f.seg);
    });

    it("reverts for an unknown run", async () => {
      const f = await networkHelpers.loadFixture(auditsOpen);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.reportUnavailable([UNKNOWN, 0n, addr(f.t0), 0], { account: f.auditor.account }),
        f.coordinator,
        "RunUnknown",
        [UNKNOWN],
      );
    });

    it("reverts while audits of the round are not open", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      await openAndCommit(f, 0n, [{ index: 0 }]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.reportUnavailable([f.runId, 0n, addr(f.trainers[0]!), 0], { account: f.verifiers[0]!.account }),
        f.coordinator,
        "AuditsNotOpen",
        [f.runId, 0n],
      );
    });

    it("reverts for a caller that is not a verifier of the run", async () => {
      const f = await networkHelpers.loadFixture(auditsOpen);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.reportUnavailable([f.runId, 0n, addr(f.t0), 0], { account: f.outsider.account }),
        f.coordinator,
        "RunNotParticipant",
        [f.runId, addr(f.outsider), Role.Verifier],
      );
    });

    it("reverts at the end of the audit window", async () => {
      const f = await networkHelpers.loadFixture(auditsOpen);
      const s = schedule(f.spec, 0n);
      await at(s.auditEnd);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.reportUnavailable([f.runId, 0n, addr(f.t0), 0], { account: f.auditor.account }),
        f.coordinator,
        "RoundWindowClosed",
        [f.runId, 0n, s.commitDeadline, s.auditEnd],
      );
    });

    it("reverts for a trainer that did not commit", async () => {
      const f = await networkHelpers.loadFixture(auditsOpen);
      const t2 = addr(f.trainers[2]!);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.reportUnavailable([f.runId, 0n, t2, 0], { account: f.auditor.account }),
        f.coordinator,
        "CommitStatusInvalid",
        [f.runId, 0n, t2, CommitStatus.None],
      );
    });

    it("reverts for a commitment already under dispute", async () => {
      const f = await networkHelpers.loadFixture(auditsOpen);
      await f.coordinator.write.reportUnavailable([f.runId, 0n, addr(f.t0), f.seg], { account: f.auditor.account });
      const other = f.verifiers.find((v) => v !== f.auditor)!;
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.reportUnavailable([f.runId, 0n, addr(f.t0), f.seg], { account: other.account }),
        f.coordinator,
        "CommitStatusInvalid",
        [f.runId, 0n, addr(f.t0), CommitStatus.Disputed],
      );
    });

    it("reverts for a segment other than the audited one", async () => {
      const f = await networkHelpers.loadFixture(auditsOpen);
      const wrong = (f.seg + 1) % 4;
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.reportUnavailable([f.runId, 0n, addr(f.t0), wrong], { account: f.auditor.account }),
        f.coordinator,
        "ChallengeLeafInvalid",
        [wrong],
      );
    });

    it("reverts for a verifier other than the assigned one (a Sybil cannot pre-empt a fraud challenge)", async () => {
      const f = await networkHelpers.loadFixture(auditsOpen);
      const other = f.verifiers.find((v) => v !== f.auditor)!;
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.reportUnavailable([f.runId, 0n, addr(f.t0), f.seg], { account: other.account }),
        f.coordinator,
        "AuditNotAssigned",
        [f.runId, 0n, addr(f.t0), addr(f.auditor)],
      );
    });
  });

  describe("drawJury", () => {
    it("seats the jurors drawn from the block's randomness and emits JuryDrawn with the deadlines", async () => {
      const f = await networkHelpers.loadFixture(challenged);
      const hash = await drawJury(f, f.disputeId, f.outsider);
      const block = await blockOf(f, hash);
      const expected = await expectedJury(f, f.disputeId, BigInt(block.mixHash), addr(f.challenger));
      const commitDeadline = block.timestamp + BigInt(f.spec.juryCommitWindow);
      const revealDeadline = commitDeadline + BigInt(f.spec.juryRevealWindow);
      await viem.assertions.emitWithArgs(Promise.resolve(hash), f.coordinator, "JuryDrawn", [
        f.disputeId,
        (jurors: readonly Address[]) =>
          jurors.length === expected.length && jurors.every((j, i) => j.toLowerCase() === expected[i]!.toLowerCase()),
        commitDeadline,
        revealDeadline,
      ]);
      const d = await f.coordinator.read.disputeOf([f.disputeId]);
      assert.equal(d.juryDrawn, true);
      assert.equal(d.commitDeadline, commitDeadline);
      assert.equal(d.revealDeadline, revealDeadline);
    });

    it("seats jurySize distinct verifiers, never the challenger", async () => {
      const f = await networkHelpers.loadFixture(juryDrawn);
      const jurors = f.jurors.map(addr);
      assert.equal(jurors.length, f.spec.jurySize);
      assert.equal(new Set(jurors).size, jurors.length);
      assert.ok(!jurors.includes(addr(f.challenger)));
      assert.ok(jurors.every((j) => f.verifiers.some((v) => addr(v) === j)));
    });

    it("counts the dispute against each juror, so jurors cannot leave", async () => {
      const f = await networkHelpers.loadFixture(juryDrawn);
      for (const j of f.jurors) assert.equal((await f.coordinator.read.participantOf([f.runId, addr(j)])).openDisputes, 1);
      const j = f.jurors[0]!;
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.leave([f.runId], { account: j.account }),
        f.coordinator,
        "RunLeaveBlocked",
        [f.runId, addr(j), 1, schedule(f.spec, BigInt(f.spec.rounds - 1)).disputeEnd],
      );
    });

    it("skips verifiers that left", async () => {
      const f = await networkHelpers.loadFixture(challenged);
      await f.coordinator.write.leave([f.runId], { account: f.verifiers[1]!.account });
      await drawJury(f, f.disputeId);
      const jurors = (await juryOf(f, f.disputeId)).map(addr);
      assert.deepEqual(new Set(jurors), new Set([addr(f.verifiers[2]!), addr(f.verifiers[3]!)]));
    });

    it("seats nobody when the challenger is the only active verifier", async () => {
      const f = await networkHelpers.loadFixture(challenged);
      for (const v of f.verifiers.slice(1)) await f.coordinator.write.leave([f.runId], { account: v.account });
      await viem.assertions.emitWithArgs(drawJury(f, f.disputeId), f.coordinator, "JuryDrawn", [
        f.disputeId,
        [],
        (t: bigint) => t > 0n,
        (t: bigint) => t > 0n,
      ]);
    });

    it("reverts for an unknown dispute", async () => {
      const f = await networkHelpers.loadFixture(challenged);
      await viem.assertions.revertWithCustomErrorWithArgs(f.coordinator.write.drawJury([UNKNOWN]), f.coordinator, "DisputeUnknown", [UNKNOWN]);
    });

    it("reverts in the block in which the dispute was opened", async () => {
      const f = await networkHelpers.loadFixture(auditsOpen);
      await connection.provider.request({ method: "evm_setAutomine", params: [false] });
      try {
        await f.coordinator.write.challenge([f.runId, 0n, addr(f.t0), f.tr.claim, f.tr.leafArg(0), f.tr.proof(0)], { account: f.v0.account });
        // Simulated on top of the pending block, which holds the challenge.
        await viem.assertions.revertWithCustomErrorWithArgs(
          f.coordinator.simulate.drawJury([1n], { blockTag: "pending" }),
          f.coordinator,
          "DisputePhaseInvalid",
          [1n, 0n, 0n],
        );
      } finally {
        await connection.provider.request({ method: "evm_mine", params: [] });
        await connection.provider.request({ method: "evm_setAutomine", params: [true] });
      }
      assert.equal(await f.coordinator.read.disputeCount(), 1n);
    });

    it("reverts when the jury is already drawn", async () => {
      const f = await networkHelpers.loadFixture(juryDrawn);
      await viem.assertions.revertWithCustomErrorWithArgs(f.coordinator.write.drawJury([f.disputeId]), f.coordinator, "DisputePhaseInvalid", [
        f.disputeId,
        0n,
        0n,
      ]);
    });
  });

  describe("commitVote", () => {
    it("records a juror's hidden vote and emits VoteCommitted", async () => {
      const f = await networkHelpers.loadFixture(juryDrawn);
      const j = f.jurors[0]!;
      await viem.assertions.emitWithArgs(
        f.coordinator.write.commitVote([f.disputeId, voteHash(f.disputeId, addr(j), true, salt("a"))], { account: j.account }),
        f.coordinator,
        "VoteCommitted",
        [f.disputeId, addr(j)],
      );
      assert.equal(await f.coordinator.read.voteOf([f.disputeId, addr(j)]), 1);
      assert.equal((await f.coordinator.read.disputeOf([f.disputeId])).committed, 1);
    });

    it("is accepted one second before the commit deadline", async () => {
      const f = await networkHelpers.loadFixture(juryDrawn);
      const j = f.jurors[0]!;
      await at((await f.coordinator.read.disputeOf([f.disputeId])).commitDeadline - 1n);
      await viem.assertions.emit(
        f.coordinator.write.commitVote([f.disputeId, voteHash(f.disputeId, addr(j), true, salt("a"))], { account: j.account }),
        f.coordinator,
        "VoteCommitted",
      );
    });

    it("reverts for an unknown dispute", async () => {
      const f = await networkHelpers.loadFixture(juryDrawn);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.commitVote([UNKNOWN, ZERO32], { account: f.jurors[0]!.account }),
        f.coordinator,
        "DisputeUnknown",
        [UNKNOWN],
      );
    });

    it("reverts before the jury is drawn", async () => {
      const f = await networkHelpers.loadFixture(challenged);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.commitVote([f.disputeId, ZERO32], { account: f.verifiers[1]!.account }),
        f.coordinator,
        "DisputePhaseInvalid",
        [f.disputeId, 0n, 0n],
      );
    });

    it("reverts at the commit deadline", async () => {
      const f = await networkHelpers.loadFixture(juryDrawn);
      const { commitDeadline } = await f.coordinator.read.disputeOf([f.disputeId]);
      await at(commitDeadline);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.commitVote([f.disputeId, ZERO32], { account: f.jurors[0]!.account }),
        f.coordinator,
        "DisputePhaseInvalid",
        [f.disputeId, 0n, commitDeadline],
      );
    });

    it("reverts for a caller not on the jury", async () => {
      const f = await networkHelpers.loadFixture(juryDrawn);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.commitVote([f.disputeId, ZERO32], { account: f.challenger.account }),
        f.coordinator,
        "DisputeNotJuror",
        [f.disputeId, addr(f.challenger)],
      );
    });

    it("reverts on a second commit by the same juror", async () => {
      const f = await networkHelpers.loadFixture(juryDrawn);
      const j = f.jurors[1]!;
      await f.coordinator.write.commitVote([f.disputeId, ZERO32], { account: j.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.commitVote([f.disputeId, ZERO32], { account: j.account }),
        f.coordinator,
        "DisputeVoteDuplicate",
        [f.disputeId, addr(j)],
      );
    });
  });

  describe("revealVote", () => {
    /** Every juror committed: jurors 0 and 1 guilty, juror 2 not guilty. */
    async function committed() {
      const f = await juryDrawn();
      const votes = [true, true, false];
      for (const [i, j] of f.jurors.entries()) {
        await f.coordinator.write.commitVote([f.disputeId, voteHash(f.disputeId, addr(j), votes[i]!, salt(`${i}`))], { account: j.account });
      }
      return { ...f, votes };
    }

    it("reveals a guilty vote once every juror has committed and emits VoteRevealed", async () => {
      const f = await networkHelpers.loadFixture(committed);
      const j = f.jurors[0]!;
      await viem.assertions.emitWithArgs(
        f.coordinator.write.revealVote([f.disputeId, true, salt("0")], { account: j.account }),
        f.coordinator,
        "VoteRevealed",
        [f.disputeId, addr(j), true],
      );
      assert.equal(await f.coordinator.read.voteOf([f.disputeId, addr(j)]), 2);
    });

    it("reveals a not-guilty vote", async () => {
      const f = await networkHelpers.loadFixture(committed);
      const j = f.jurors[2]!;
      await viem.assertions.emitWithArgs(
        f.coordinator.write.revealVote([f.disputeId, false, salt("2")], { account: j.account }),
        f.coordinator,
        "VoteRevealed",
        [f.disputeId, addr(j), false],
      );
      assert.equal(await f.coordinator.read.voteOf([f.disputeId, addr(j)]), 3);
    });

    it("tallies revealed votes in disputeOf", async () => {
      const f = await networkHelpers.loadFixture(committed);
      for (const [i, j] of f.jurors.entries()) {
        await f.coordinator.write.revealVote([f.disputeId, f.votes[i]!, salt(`${i}`)], { account: j.account });
      }
      const d = await f.coordinator.read.disputeOf([f.disputeId]);
      assert.deepEqual([d.committed, d.revealed, d.guiltyVotes, d.innocentVotes], [3, 3, 2, 1]);
    });

    it("opens at the commit deadline when a juror did not commit", async () => {
      const f = await networkHelpers.loadFixture(juryDrawn);
      const j = f.jurors[0]!;
      await f.coordinator.write.commitVote([f.disputeId, voteHash(f.disputeId, addr(j), true, salt("x"))], { account: j.account });
      await at((await f.coordinator.read.disputeOf([f.disputeId])).commitDeadline);
      await viem.assertions.emitWithArgs(
        f.coordinator.write.revealVote([f.disputeId, true, salt("x")], { account: j.account }),
        f.coordinator,
        "VoteRevealed",
        [f.disputeId, addr(j), true],
      );
    });

    it("reverts for an unknown dispute", async () => {
      const f = await networkHelpers.loadFixture(committed);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.revealVote([UNKNOWN, true, salt("0")], { account: f.jurors[0]!.account }),
        f.coordinator,
        "DisputeUnknown",
        [UNKNOWN],
      );
    });

    it("reverts before the jury is drawn", async () => {
      const f = await networkHelpers.loadFixture(challenged);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.revealVote([f.disputeId, true, salt("0")], { account: f.verifiers[1]!.account }),
        f.coordinator,
        "DisputePhaseInvalid",
        [f.disputeId, 0n, 0n],
      );
    });

    it("reverts before the commit deadline while a juror has not committed", async () => {
      const f = await networkHelpers.loadFixture(juryDrawn);
      const j = f.jurors[0]!;
      await f.coordinator.write.commitVote([f.disputeId, voteHash(f.disputeId, addr(j), true, salt("x"))], { account: j.account });
      const d = await f.coordinator.read.disputeOf([f.disputeId]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.revealVote([f.disputeId, true, salt("x")], { account: j.account }),
        f.coordinator,
        "DisputePhaseInvalid",
        [f.disputeId, d.commitDeadline, d.revealDeadline],
      );
    });

    it("reverts at the reveal deadline", async () => {
      const f = await networkHelpers.loadFixture(committed);
      const d = await f.coordinator.read.disputeOf([f.disputeId]);
      await at(d.revealDeadline);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.revealVote([f.disputeId, true, salt("0")], { account: f.jurors[0]!.account }),
        f.coordinator,
        "DisputePhaseInvalid",
        [f.disputeId, d.commitDeadline, d.revealDeadline],
      );
    });

    it("reverts for a caller not on the jury", async () => {
      const f = await networkHelpers.loadFixture(committed);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.revealVote([f.disputeId, true, salt("0")], { account: f.outsider.account }),
        f.coordinator,
        "DisputeNotJuror",
        [f.disputeId, addr(f.outsider)],
      );
    });

    it("reverts for a juror that did not commit", async () => {
      const f = await networkHelpers.loadFixture(juryDrawn);
      const j = f.jurors[1]!;
      await timeTo((await f.coordinator.read.disputeOf([f.disputeId])).commitDeadline);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.revealVote([f.disputeId, true, salt("1")], { account: j.account }),
        f.coordinator,
        "DisputeNotJuror",
        [f.disputeId, addr(j)],
      );
    });

    it("reverts on a second reveal", async () => {
      const f = await networkHelpers.loadFixture(committed);
      const j = f.jurors[0]!;
      await f.coordinator.write.revealVote([f.disputeId, true, salt("0")], { account: j.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.revealVote([f.disputeId, true, salt("0")], { account: j.account }),
        f.coordinator,
        "DisputeVoteDuplicate",
        [f.disputeId, addr(j)],
      );
    });

    it("reverts when the vote differs from the committed one", async () => {
      const f = await networkHelpers.loadFixture(committed);
      const j = f.jurors[0]!;
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.revealVote([f.disputeId, false, salt("0")], { account: j.account }),
        f.coordinator,
        "DisputeRevealMismatch",
        [f.disputeId, addr(j)],
      );
    });

    it("reverts when the salt differs from the committed one", async () => {
      const f = await networkHelpers.loadFixture(committed);
      const j = f.jurors[0]!;
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.revealVote([f.disputeId, true, salt("1")], { account: j.account }),
        f.coordinator,
        "DisputeRevealMismatch",
        [f.disputeId, addr(j)],
      );
    });
  });

  describe("resolve", () => {
    describe("a unanimous guilty fraud verdict", () => {
      it("emits DisputeResolved with the vote counts", async () => {
        const f = await networkHelpers.loadFixture(juryDrawn);
        await viem.assertions.emitWithArgs(voteAndResolve(f, [true, true, true]), f.coordinator, "DisputeResolved", [f.disputeId, true, 3, 0]);
        assert.equal((await f.coordinator.read.disputeOf([f.disputeId])).resolved, true);
      });

      it("resolves before the reveal deadline once every juror has revealed", async () => {
        const f = await networkHelpers.loadFixture(juryDrawn);
        await castVotes(f, f.disputeId, [true, true, true]);
        const { revealDeadline } = await f.coordinator.read.disputeOf([f.disputeId]);
        assert.ok(BigInt(await networkHelpers.time.latest()) < revealDeadline);
        await viem.assertions.emit(f.coordinator.write.resolve([f.disputeId]), f.coordinator, "DisputeResolved");
      });

      it("slashes slashBps of the trainer's run stake and emits TrainerSlashed", async () => {
        const f = await networkHelpers.loadFixture(juryDrawn);
        await viem.assertions.emitWithArgs(voteAndResolve(f, [true, true, true]), f.coordinator, "TrainerSlashed", [
          f.runId,
          0n,
          addr(f.trainer),
          SLASH,
          false,
        ]);
      });

      it("moves the slashed stake from the vault to the coordinator", async () => {
        const f = await networkHelpers.loadFixture(juryDrawn);
        await viem.assertions.emitWithArgs(voteAndResolve(f, [true, true, true]), f.staking, "StakeSlashed", [
          addr(f.trainer),
          SLASH,
          f.coordinator.address,
        ]);
        assert.deepEqual(await f.staking.read.accountOf([addr(f.trainer)]), {
          staked: STAKE - SLASH,
          locked: STAKE - SLASH,
          unbonding: 0n,
          releaseAt: 0n,
        });
      });

      it("removes the trainer from the run and emits TrainerRemoved", async () => {
        const f = await networkHelpers.loadFixture(juryDrawn);
        await viem.assertions.emitWithArgs(voteAndResolve(f, [true, true, true]), f.coordinator, "TrainerRemoved", [f.runId, addr(f.trainer)]);
        assert.equal(await f.coordinator.read.shardSize([f.runId, 0]), 1);
      });

      it("bans the trainer and marks the commitment Slashed", async () => {
        const f = await networkHelpers.loadFixture(juryDrawn);
        await voteAndResolve(f, [true, true, true]);
        assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, addr(f.trainer)]), CommitStatus.Slashed);
        assert.deepEqual(await f.coordinator.read.participantOf([f.runId, addr(f.trainer)]), {
          role: Role.Trainer,
          active: false,
          banned: true,
          shard: 0,
          openDisputes: 0,
          lastCommitRound: 1,
          lockedStake: STAKE - SLASH,
        });
      });

      it("credits the challenger its bond plus half the slash", async () => {
        const f = await networkHelpers.loadFixture(juryDrawn);
        await viem.assertions.emitWithArgs(voteAndResolve(f, [true, true, true]), f.coordinator, "EarningsCredited", [
          f.runId,
          addr(f.challenger),
          BOND + SLASH / 2n,
        ]);
        assert.equal((await f.coordinator.read.earningsOf([f.runId, addr(f.challenger)])).owed, BOND + SLASH / 2n);
      });

      it("shares the other half of the slash among the jurors and returns the remainder to the pool", async () => {
        const f = await networkHelpers.loadFixture(juryDrawn);
        const hash = await voteAndResolve(f, [true, true, true]);
        const share = SLASH / 2n / 3n;
        const credits = await logsOf(f, hash, f.coordinator, "EarningsCredited");
        for (const j of f.jurors) {
          assert.ok(credits.some((l) => (l.args as { account: Address }).account.toLowerCase() === addr(j).toLowerCase()));
          assert.equal((await f.coordinator.read.earningsOf([f.runId, addr(j)])).owed, share);
        }
        assert.equal((await f.coordinator.read.runOf([f.runId]))[2], FUNDING + (SLASH / 2n - share * 3n));
      });

      it("penalizes no juror", async () => {
        const f = await networkHelpers.loadFixture(juryDrawn);
        const hash = await voteAndResolve(f, [true, true, true]);
        assert.equal((await logsOf(f, hash, f.coordinator, "JurorPenalized")).length, 0);
      });

      it("closes the dispute for trainer, challenger and jurors", async () => {
        const f = await networkHelpers.loadFixture(juryDrawn);
        await voteAndResolve(f, [true, true, true]);
        for (const w of [f.trainer, f.challenger, ...f.jurors]) {
          assert.equal((await f.coordinator.read.participantOf([f.runId, addr(w)])).openDisputes, 0);
        }
      });

      it("keeps the coordinator's balance equal to the pool plus everything owed", async () => {
        const f = await networkHelpers.loadFixture(juryDrawn);
        await voteAndResolve(f, [true, true, true]);
        const pool = (await f.coordinator.read.runOf([f.runId]))[2];
        assert.equal(await f.token.read.balanceOf([f.coordinator.address]), pool + (await totalOwed(f)));
      });

      it("lets the slashed trainer leave with its remaining stake, still banned", async () => {
        const f = await networkHelpers.loadFixture(juryDrawn);
        await voteAndResolve(f, [true, true, true]);
        await timeTo(schedule(f.spec, 0n).disputeEnd);
        await viem.assertions.emitWithArgs(f.coordinator.write.leave([f.runId], { account: f.trainer.account }), f.coordinator, "ParticipantLeft", [
          f.runId,
          addr(f.trainer),
          STAKE - SLASH,
        ]);
        assert.equal((await f.coordinator.read.participantOf([f.runId, addr(f.trainer)])).banned, true);
        assert.equal(await f.coordinator.read.shardSize([f.runId, 0]), 1);
      });

      it("leaves the slashed commitment unfinalizable", async () => {
        const f = await networkHelpers.loadFixture(juryDrawn);
        await voteAndResolve(f, [true, true, true]);
        await timeTo(schedule(f.spec, 0n).disputeEnd);
        await viem.assertions.revertWithCustomErrorWithArgs(
          f.coordinator.write.finalize([f.runId, 0n, addr(f.trainer), f.tr.claim]),
          f.coordinator,
          "CommitStatusInvalid",
          [f.runId, 0n, addr(f.trainer), CommitStatus.Slashed],
        );
      });

      it("stops the slashed trainer from committing again", async () => {
        const f = await networkHelpers.loadFixture(juryDrawn);
        await voteAndResolve(f, [true, true, true]);
        await timeTo(schedule(f.spec, 1n).opensAt);
        await f.coordinator.write.openRound([f.runId, 1n]);
        await viem.assertions.revertWithCustomErrorWithArgs(
          f.coordinator.write.commit([f.runId, 1n, f.tr.claim.root, f.tr.claim.updateHash, 1n], { account: f.trainer.account }),
          f.coordinator,
          "RunNotParticipant",
          [f.runId, addr(f.trainer), Role.Trainer],
        );
      });

      it("stops the slashed trainer from rejoining, even after leaving", async () => {
        const f = await networkHelpers.loadFixture(juryDrawn);
        await voteAndResolve(f, [true, true, true]);
        await timeTo(schedule(f.spec, 0n).disputeEnd);
        await f.coordinator.write.leave([f.runId], { account: f.trainer.account });
        await viem.assertions.revertWithCustomErrorWithArgs(
          f.coordinator.write.joinAsTrainer([f.runId, 0], { account: f.trainer.account }),
          f.coordinator,
          "RunAlreadyJoined",
          [f.runId, addr(f.trainer)],
        );
      });
    });

    describe("a split guilty verdict (2 guilty, 1 not guilty)", () => {
      it("penalizes the minority juror jurorPenaltyBps of its run stake", async () => {
        const f = await networkHelpers.loadFixture(juryDrawn);
        const minority = f.jurors[2]!;
        const hash = await voteAndResolve(f, [true, true, false]);
        await viem.assertions.emitWithArgs(Promise.resolve(hash), f.coordinator, "JurorPenalized", [f.disputeId, addr(minority), PENALTY]);
        await viem.assertions.emitWithArgs(Promise.resolve(hash), f.staking, "StakeSlashed", [addr(minority), PENALTY, f.coordinator.address]);
        assert.equal((await logsOf(f, hash, f.coordinator, "JurorPenalized")).length, 1);
        assert.equal((await f.coordinator.read.participantOf([f.runId, addr(minority)])).lockedStake, STAKE - PENALTY);
      });

      it("shares half the slash plus the penalty between the majority jurors", async () => {
        const f = await networkHelpers.loadFixture(juryDrawn);
        await voteAndResolve(f, [true, true, false]);
        const share = (SLASH / 2n + PENALTY) / 2n;
        assert.equal((await f.coordinator.read.earningsOf([f.runId, addr(f.jurors[0]!)])).owed, share);
        assert.equal((await f.coordinator.read.earningsOf([f.runId, addr(f.jurors[1]!)])).owed, share);
        assert.equal((await f.coordinator.read.earningsOf([f.runId, addr(f.jurors[2]!)])).owed, 0n);
        assert.equal((await f.coordinator.read.earningsOf([f.runId, addr(f.challenger)])).owed, BOND + SLASH / 2n);
      });
    });

    describe("a not-guilty verdict", () => {
      it("emits DisputeResolved and restores an unattested commitment to Committed", async () => {
        const f = await networkHelpers.loadFixture(juryDrawn);
        await viem.assertions.emitWithArgs(voteAndResolve(f, [true, false, false]), f.coordinator, "DisputeResolved", [
          f.disputeId,
          false,
          1,
          2,
        ]);
        assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, addr(f.trainer)]), CommitStatus.Committed);
      });

      it("does not slash the trainer", async () => {
        const f = await networkHelpers.loadFixture(juryDrawn);
        const hash = await voteAndResolve(f, [false, false, false]);
        assert.equal((await logsOf(f, hash, f.coordinator, "TrainerSlashed")).length, 0);
        assert.equal((await f.coordinator.read.participantOf([f.runId, addr(f.trainer)])).lockedStake, STAKE);
      });

      it("credits half the bond to the trainer", async () => {
        const f = await networkHelpers.loadFixture(juryDrawn);
        await viem.assertions.emitWithArgs(voteAndResolve(f, [false, false, false]), f.coordinator, "EarningsCredited", [
          f.runId,
          addr(f.trainer),
          BOND / 2n,
        ]);
      });

      it("shares the other half of the bond and the minority's penalty among the majority", async () => {
        const f = await networkHelpers.loadFixture(juryDrawn);
        const hash = await voteAndResolve(f, [true, false, false]);
        await viem.assertions.emitWithArgs(Promise.resolve(hash), f.coordinator, "JurorPenalized", [f.disputeId, addr(f.jurors[0]!), PENALTY]);
        const share = (BOND / 2n + PENALTY) / 2n;
        assert.equal((await f.coordinator.read.earningsOf([f.runId, addr(f.jurors[1]!)])).owed, share);
        assert.equal((await f.coordinator.read.earningsOf([f.runId, addr(f.jurors[2]!)])).owed, share);
      });

      it("returns nothing to the challenger", async () => {
        const f = await networkHelpers.loadFixture(juryDrawn);
        await voteAndResolve(f, [false, false, false]);
        assert.equal((await f.coordinator.read.earningsOf([f.runId, addr(f.challenger)])).owed, 0n);
      });

      it("lets the commitment be finalized afterwards", async () => {
        const f = await networkHelpers.loadFixture(juryDrawn);
        await voteAndResolve(f, [false, false, false]);
        await timeTo(schedule(f.spec, 0n).disputeEnd);
        await viem.assertions.emit(f.coordinator.write.finalize([f.runId, 0n, addr(f.trainer), f.tr.claim]), f.coordinator, "CommitmentFinalized");
      });

      it("restores an attested commitment to Attested", async () => {
        const f = await networkHelpers.loadFixture(attestedThenChallenged);
        await castVotes(f, f.disputeId, [false, false, false]);
        await f.coordinator.write.resolve([f.disputeId]);
        assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, addr(f.t0)]), CommitStatus.Attested);
      });

      it("does not let the auditor be paid a second time for the same commitment", async () => {
        const f = await networkHelpers.loadFixture(attestedThenChallenged);
        await castVotes(f, f.disputeId, [false, false, false]);
        await f.coordinator.write.resolve([f.disputeId]);
        assert.ok(BigInt(await networkHelpers.time.latest()) < schedule(f.spec, 0n).auditEnd);
        await viem.assertions.revertWithCustomErrorWithArgs(
          f.coordinator.write.attest([f.runId, 0n, addr(f.t0), ATTEST_DIGEST], { account: f.auditor.account }),
          f.coordinator,
          "CommitStatusInvalid",
          [f.runId, 0n, addr(f.t0), CommitStatus.Attested],
        );
      });

      it("counts a tie as not guilty and penalizes the guilty voter and the juror who did not reveal", async () => {
        const f = await networkHelpers.loadFixture(juryDrawn);
        const hash = await voteAndResolve(f, [true, false, "unrevealed"]);
        await viem.assertions.emitWithArgs(Promise.resolve(hash), f.coordinator, "DisputeResolved", [f.disputeId, false, 1, 1]);
        const penalized = (await logsOf(f, hash, f.coordinator, "JurorPenalized")).map((l) =>
          (l.args as { juror: Address }).juror.toLowerCase(),
        );
        assert.deepEqual(new Set(penalized), new Set([addr(f.jurors[0]!).toLowerCase(), addr(f.jurors[2]!).toLowerCase()]));
        assert.equal((await f.coordinator.read.earningsOf([f.runId, addr(f.jurors[1]!)])).owed, BOND / 2n + 2n * PENALTY);
        assert.equal((await f.coordinator.read.earningsOf([f.runId, addr(f.trainer)])).owed, BOND / 2n);
      });
    });

    describe("a dispute without a verdict", () => {
      it("refunds the challenger's bond when no juror revealed", async () => {
        const f = await networkHelpers.loadFixture(juryDrawn);
        const hash = await voteAndResolve(f, ["unrevealed", "absent", "unrevealed"]);
        await viem.assertions.emitWithArgs(Promise.resolve(hash), f.coordinator, "DisputeResolved", [f.disputeId, false, 0, 0]);
        await viem.assertions.emitWithArgs(Promise.resolve(hash), f.coordinator, "EarningsCredited", [f.runId, addr(f.challenger), BOND]);
        assert.equal((await f.coordinator.read.earningsOf([f.runId, addr(f.trainer)])).owed, 0n);
        assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, addr(f.trainer)]), CommitStatus.Committed);
      });

      it("penalizes every silent juror and returns the penalties to the pool", async () => {
        const f = await networkHelpers.loadFixture(juryDrawn);
        const hash = await voteAndResolve(f, ["unrevealed", "absent", "unrevealed"]);
        assert.equal((await logsOf(f, hash, f.coordinator, "JurorPenalized")).length, 3);
        for (const j of f.jurors) {
          await viem.assertions.emitWithArgs(Promise.resolve(hash), f.coordinator, "JurorPenalized", [f.disputeId, addr(j), PENALTY]);
          assert.equal((await f.coordinator.read.earningsOf([f.runId, addr(j)])).owed, 0n);
        }
        assert.equal((await f.coordinator.read.runOf([f.runId]))[2], FUNDING + 3n * PENALTY);
      });

      it("resolves at once with an empty jury and refunds the challenger", async () => {
        const f = await networkHelpers.loadFixture(challenged);
        for (const v of f.verifiers.slice(1)) await f.coordinator.write.leave([f.runId], { account: v.account });
        await drawJury(f, f.disputeId);
        const hash = await f.coordinator.write.resolve([f.disputeId]);
        await viem.assertions.emitWithArgs(Promise.resolve(hash), f.coordinator, "DisputeResolved", [f.disputeId, false, 0, 0]);
        await viem.assertions.emitWithArgs(Promise.resolve(hash), f.coordinator, "EarningsCredited", [f.runId, addr(f.challenger), BOND]);
      });
    });

    describe("an unavailability report", () => {
      it("upheld: marks the commitment Withheld and emits CommitmentWithheld", async () => {
        const f = await networkHelpers.loadFixture(reported);
        await castVotes(f, f.disputeId, [true, true, true]);
        await viem.assertions.emitWithArgs(f.coordinator.write.resolve([f.disputeId]), f.coordinator, "CommitmentWithheld", [
          f.runId,
          0n,
          addr(f.t0),
          WITHHELD_SLASH,
        ]);
        assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, addr(f.t0)]), CommitStatus.Withheld);
      });

      it("upheld: takes a fraud-sized slash, frees the seat without a ban and pays the reporter its bond and half of it", async () => {
        const f = await networkHelpers.loadFixture(reported);
        await castVotes(f, f.disputeId, [true, true, true]);
        const hash = await f.coordinator.write.resolve([f.disputeId]);
        await viem.assertions.emitWithArgs(Promise.resolve(hash), f.coordinator, "EarningsCredited", [
          f.runId,
          addr(f.auditor),
          BOND + WITHHELD_SLASH / 2n,
        ]);
        assert.equal((await logsOf(f, hash, f.coordinator, "TrainerSlashed")).length, 0);
        const p = await f.coordinator.read.participantOf([f.runId, addr(f.t0)]);
        assert.equal(p.lockedStake, STAKE - WITHHELD_SLASH);
        assert.equal(p.active, false);
        assert.equal(p.banned, false);
        await viem.assertions.emitWithArgs(Promise.resolve(hash), f.coordinator, "TrainerRemoved", [f.runId, addr(f.t0)]);
        assert.equal(await f.coordinator.read.shardSize([f.runId, 0]), 1);
      });

      it("upheld: the withheld commitment earns nothing", async () => {
        const f = await networkHelpers.loadFixture(reported);
        await castVotes(f, f.disputeId, [true, true, true]);
        await f.coordinator.write.resolve([f.disputeId]);
        await timeTo(schedule(f.spec, 0n).disputeEnd);
        await viem.assertions.revertWithCustomErrorWithArgs(
          f.coordinator.write.finalize([f.runId, 0n, addr(f.t0), f.tr.claim]),
          f.coordinator,
          "CommitStatusInvalid",
          [f.runId, 0n, addr(f.t0), CommitStatus.Withheld],
        );
      });

      it("rejected: restores the commitment to Committed", async () => {
        const f = await networkHelpers.loadFixture(reported);
        await castVotes(f, f.disputeId, [false, false, false]);
        await viem.assertions.emitWithArgs(f.coordinator.write.resolve([f.disputeId]), f.coordinator, "DisputeResolved", [
          f.disputeId,
          false,
          0,
          3,
        ]);
        assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, addr(f.t0)]), CommitStatus.Committed);
      });
    });

    it("reverts for an unknown dispute", async () => {
      const f = await networkHelpers.loadFixture(juryDrawn);
      await viem.assertions.revertWithCustomErrorWithArgs(f.coordinator.write.resolve([UNKNOWN]), f.coordinator, "DisputeUnknown", [UNKNOWN]);
    });

    it("reverts before the jury is drawn", async () => {
      const f = await networkHelpers.loadFixture(challenged);
      await viem.assertions.revertWithCustomErrorWithArgs(f.coordinator.write.resolve([f.disputeId]), f.coordinator, "DisputePhaseInvalid", [
        f.disputeId,
        0n,
        0n,
      ]);
    });

    it("reverts before the reveal deadline while a juror has not revealed", async () => {
      const f = await networkHelpers.loadFixture(juryDrawn);
      await castVotes(f, f.disputeId, [true, true, "unrevealed"]);
      const { revealDeadline } = await f.coordinator.read.disputeOf([f.disputeId]);
      await at(revealDeadline - 1n);
      await viem.assertions.revertWithCustomErrorWithArgs(f.coordinator.write.resolve([f.disputeId]), f.coordinator, "DisputePhaseInvalid", [
        f.disputeId,
        revealDeadline,
        0n,
      ]);
    });

    it("resolves at the reveal deadline even if a juror has not revealed", async () => {
      const f = await networkHelpers.loadFixture(juryDrawn);
      await castVotes(f, f.disputeId, [true, true, "unrevealed"]);
      await at((await f.coordinator.read.disputeOf([f.disputeId])).revealDeadline);
      await viem.assertions.emitWithArgs(f.coordinator.write.resolve([f.disputeId]), f.coordinator, "DisputeResolved", [f.disputeId, true, 2, 0]);
    });

    it("reverts on a second resolution", async () => {
      const f = await networkHelpers.loadFixture(juryDrawn);
      await voteAndResolve(f, [true, true, true]);
      const { revealDeadline } = await f.coordinator.read.disputeOf([f.disputeId]);
      await viem.assertions.revertWithCustomErrorWithArgs(f.coordinator.write.resolve([f.disputeId]), f.coordinator, "DisputePhaseInvalid", [
        f.disputeId,
        revealDeadline,
        0n,
      ]);
    });
  });

  describe("proveEquivocation", () => {
    it("slashes the trainer and emits TrainerSlashed marked as equivocation", async () => {
      const f = await networkHelpers.loadFixture(equivocated);
      await viem.assertions.emitWithArgs(
        f.coordinator.write.proveEquivocation([f.runId, 0n, f.arg, f.signature, f.claim], { account: f.outsider.account }),
        f.coordinator,
        "TrainerSlashed",
        [f.runId, 0n, addr(f.t0), SLASH, true],
      );
    });

    it("credits a bounty of one challenge bond to the caller and the rest of the slash to the pool", async () => {
      const f = await networkHelpers.loadFixture(equivocated);
      const hash = await f.coordinator.write.proveEquivocation([f.runId, 0n, f.arg, f.signature, f.claim], { account: f.outsider.account });
      await viem.assertions.emitWithArgs(Promise.resolve(hash), f.coordinator, "EarningsCredited", [f.runId, addr(f.outsider), BOND]);
      await viem.assertions.emitWithArgs(Promise.resolve(hash), f.coordinator, "PoolCredited", [f.runId, SLASH - BOND]);
      assert.equal((await f.coordinator.read.earningsOf([f.runId, addr(f.outsider)])).owed, BOND);
      assert.equal((await f.coordinator.read.runOf([f.runId]))[2], FUNDING + SLASH - BOND);
      assert.equal(await f.token.read.balanceOf([f.coordinator.address]), FUNDING + SLASH);
    });

    it("leaves a trainer that proves its own equivocation poorer by the slash less the bounty", async () => {
      const f = await networkHelpers.loadFixture(equivocated);
      await f.coordinator.write.proveEquivocation([f.runId, 0n, f.arg, f.signature, f.claim], { account: f.t0.account });
      const p = await f.coordinator.read.participantOf([f.runId, addr(f.t0)]);
      const owed = (await f.coordinator.read.earningsOf([f.runId, addr(f.t0)])).owed;
      assert.equal(STAKE - p.lockedStake - owed, SLASH - BOND);
    });

    it("removes and bans the trainer and marks the commitment Slashed", async () => {
      const f = await networkHelpers.loadFixture(equivocated);
      await viem.assertions.emitWithArgs(
        f.coordinator.write.proveEquivocation([f.runId, 0n, f.arg, f.signature, f.claim]),
        f.coordinator,
        "TrainerRemoved",
        [f.runId, addr(f.t0)],
      );
      assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, addr(f.t0)]), CommitStatus.Slashed);
      const p = await f.coordinator.read.participantOf([f.runId, addr(f.t0)]);
      assert.deepEqual([p.active, p.banned, p.lockedStake], [false, true, STAKE - SLASH]);
    });

    it("takes the slash from the trainer's stake in the vault", async () => {
      const f = await networkHelpers.loadFixture(equivocated);
      await viem.assertions.emitWithArgs(
        f.coordinator.write.proveEquivocation([f.runId, 0n, f.arg, f.signature, f.claim]),
        f.staking,
        "StakeSlashed",
        [addr(f.t0), SLASH, f.coordinator.address],
      );
    });

    it("is proven by a different update hash alone", async () => {
      const f = await networkHelpers.loadFixture(equivocated);
      const message = { ...f.announcement, root: f.claim.root, updateHash: keccak256(stringToHex("another update")) };
      const signature = await signWith(f, f.t0, message);
      await viem.assertions.emitWithArgs(
        f.coordinator.write.proveEquivocation([f.runId, 0n, { shard: 0, root: message.root, updateHash: message.updateHash }, signature, f.claim]),
        f.coordinator,
        "TrainerSlashed",
        [f.runId, 0n, addr(f.t0), SLASH, true],
      );
    });

    it("is proven up to one second before the dispute window closes", async () => {
      const f = await networkHelpers.loadFixture(equivocated);
      await at(schedule(f.spec, 0n).disputeEnd - 1n);
      await viem.assertions.emit(
        f.coordinator.write.proveEquivocation([f.runId, 0n, f.arg, f.signature, f.claim]),
        f.coordinator,
        "TrainerSlashed",
      );
    });

    it("accepts an announcement signed with signAnnouncement by a local account, under this chain's and coordinator's domain only", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      const local = privateKeyToAccount(keccak256(stringToHex("verihive/equivocating-trainer")));
      await networkHelpers.setBalance(local.address, 10n ** 20n);
      await f.token.write.transfer([local.address, STAKE]);
      await f.token.write.approve([f.staking.address, STAKE], { account: local });
      await f.staking.write.stake([STAKE], { account: local });
      await f.coordinator.write.leave([f.runId], { account: f.trainers[1]!.account });
      await f.coordinator.write.joinAsTrainer([f.runId, 0], { account: local });
      await openAndCommit(f, 0n, []);
      const tr = trajectory(f.runId, 0, 0n, f.spec, "local");
      await f.coordinator.write.commit([f.runId, 0n, tr.claim.root, tr.claim.updateHash, tr.claim.samples], { account: local });
      const message: Announcement = { runId: f.runId, shard: 0, round: 0n, root: ZERO32, updateHash: tr.claim.updateHash };
      const signature = await signAnnouncement(local, await f.publicClient.getChainId(), f.coordinator.address, message);
      // The domain is Verihive v1 of this chain and this coordinator (AnnouncementSignature): the same message
      // signed for another contract or chain recovers another address, which has no commitment.
      const arg = { shard: 0, root: ZERO32, updateHash: tr.claim.updateHash };
      const chainId = await f.publicClient.getChainId();
      for (const other of [await signAnnouncement(local, chainId, f.staking.address, message), await signAnnouncement(local, chainId + 1, f.coordinator.address, message)]) {
        await viem.assertions.revertWithCustomError(f.coordinator.write.proveEquivocation([f.runId, 0n, arg, other, tr.claim]), f.coordinator, "CommitStatusInvalid");
      }
      await viem.assertions.emitWithArgs(f.coordinator.write.proveEquivocation([f.runId, 0n, arg, signature, tr.claim]), f.coordinator, "TrainerSlashed", [
        f.runId,
        0n,
        local.address,
        SLASH,
        true,
      ]);
    });

    it("slashes a disputed commitment, after which a guilty verdict only returns the bond", async () => {
      const f = await networkHelpers.loadFixture(equivocated);
      await f.coordinator.write.challenge([f.runId, 0n, addr(f.t0), f.claim, f.tr.leafArg(0), f.tr.proof(0)], {
        account: f.verifiers[0]!.account,
      });
      await f.coordinator.write.proveEquivocation([f.runId, 0n, f.arg, f.signature, f.claim], { account: f.outsider.account });
      await drawJury(f, 1n);
      const jurors = await castVotes(f, 1n, [true, true, true]);
      const hash = await f.coordinator.write.resolve([1n]);
      await viem.assertions.emitWithArgs(Promise.resolve(hash), f.coordinator, "EarningsCredited", [f.runId, addr(f.verifiers[0]!), BOND]);
      assert.equal((await logsOf(f, hash, f.coordinator, "TrainerSlashed")).length, 0);
      for (const j of jurors) assert.equal((await f.coordinator.read.earningsOf([f.runId, addr(j)])).owed, 0n);
      assert.equal((await f.coordinator.read.participantOf([f.runId, addr(f.t0)])).openDisputes, 0);
    });

    it("reverts for an unknown run", async () => {
      const f = await networkHelpers.loadFixture(equivocated);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.proveEquivocation([UNKNOWN, 0n, f.arg, f.signature, f.claim]),
        f.coordinator,
        "RunUnknown",
        [UNKNOWN],
      );
    });

    it("reverts when the signer made no commitment in the round", async () => {
      const f = await networkHelpers.loadFixture(equivocated);
      const signature = await signWith(f, f.outsider, f.announcement);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.proveEquivocation([f.runId, 0n, f.arg, signature, f.claim]),
        f.coordinator,
        "CommitStatusInvalid",
        [f.runId, 0n, addr(f.outsider), CommitStatus.None],
      );
    });

    it("reverts for the other signer recovered when the round differs from the signed one", async () => {
      const f = await networkHelpers.loadFixture(equivocated);
      const chainId = await f.publicClient.getChainId();
      const other = await recoverTypedDataAddress({
        ...announcementTypedData(chainId, f.coordinator.address, { ...f.announcement, round: 1n }),
        signature: f.signature,
      });
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.proveEquivocation([f.runId, 1n, f.arg, f.signature, f.claim]),
        f.coordinator,
        "CommitStatusInvalid",
        [f.runId, 1n, other, CommitStatus.None],
      );
    });

    it("reverts once the dispute window has closed", async () => {
      const f = await networkHelpers.loadFixture(equivocated);
      await at(schedule(f.spec, 0n).disputeEnd);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.proveEquivocation([f.runId, 0n, f.arg, f.signature, f.claim]),
        f.coordinator,
        "CommitStatusInvalid",
        [f.runId, 0n, addr(f.t0), CommitStatus.Committed],
      );
    });

    it("reverts for a commitment already slashed", async () => {
      const f = await networkHelpers.loadFixture(equivocated);
      await f.coordinator.write.proveEquivocation([f.runId, 0n, f.arg, f.signature, f.claim]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.proveEquivocation([f.runId, 0n, f.arg, f.signature, f.claim]),
        f.coordinator,
        "CommitStatusInvalid",
        [f.runId, 0n, addr(f.t0), CommitStatus.Slashed],
      );
    });

    it("reverts when the claimed commitment is not the stored one", async () => {
      const f = await networkHelpers.loadFixture(equivocated);
      const wrong: Claim = { ...f.claim, samples: f.claim.samples - 1n };
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.proveEquivocation([f.runId, 0n, f.arg, f.signature, wrong]),
        f.coordinator,
        "CommitClaimMismatch",
        [f.runId, 0n, addr(f.t0)],
      );
    });

    it("reverts when the announcement agrees with the commitment", async () => {
      const f = await networkHelpers.loadFixture(equivocated);
      const message = { ...f.announcement, root: f.claim.root };
      const signature = await signWith(f, f.t0, message);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.proveEquivocation([f.runId, 0n, { ...f.arg, root: f.claim.root }, signature, f.claim]),
        f.coordinator,
        "EquivocationNotProven",
        [f.runId, 0n, addr(f.t0)],
      );
    });

    it("reverts for a signature that is not 65 bytes long", async () => {
      const f = await networkHelpers.loadFixture(equivocated);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.proveEquivocation([f.runId, 0n, f.arg, f.signature.slice(0, 2 + 128) as Hex, f.claim]),
        f.coordinator,
        "ECDSAInvalidSignatureLength",
        [64n],
      );
    });

    it("reverts for a signature from which no signer can be recovered", async () => {
      const f = await networkHelpers.loadFixture(equivocated);
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.proveEquivocation([f.runId, 0n, f.arg, `0x${"00".repeat(65)}`, f.claim]),
        f.coordinator,
        "ECDSAInvalidSignature",
        [],
      );
    });

    it("reverts for a malleable signature with a high s", async () => {
      const f = await networkHelpers.loadFixture(equivocated);
      const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
      const s = BigInt(`0x${f.signature.slice(66, 130)}`);
      const v = parseInt(f.signature.slice(130, 132), 16);
      const highS = (n - s).toString(16).padStart(64, "0");
      const flipped = `${f.signature.slice(0, 66)}${highS}${(v === 27 ? 28 : 27).toString(16)}` as Hex;
      await viem.assertions.revertWithCustomErrorWithArgs(
        f.coordinator.write.proveEquivocation([f.runId, 0n, f.arg, flipped, f.claim]),
        f.coordinator,
        "ECDSAInvalidSignatureS",
        [`0x${highS}`],
      );
    });
  });

  describe("views", () => {
    it("disputeOf reverts for an unknown dispute", async () => {
      const f = await networkHelpers.loadFixture(withRun);
      await viem.assertions.revertWithCustomErrorWithArgs(f.coordinator.read.disputeOf([1n]), f.coordinator, "DisputeUnknown", [1n]);
    });

    it("disputeOf lists the drawn jurors", async () => {
      const f = await networkHelpers.loadFixture(juryDrawn);
      const d = await f.coordinator.read.disputeOf([f.disputeId]);
      assert.deepEqual(d.jurors.map((j) => j.toLowerCase()), f.jurors.map((j) => addr(j).toLowerCase()));
    });

    it("voteOf is 0 for an account that has not voted", async () => {
      const f = await networkHelpers.loadFixture(juryDrawn);
      assert.equal(await f.coordinator.read.voteOf([f.disputeId, addr(f.jurors[0]!)]), 0);
      assert.equal(await f.coordinator.read.voteOf([f.disputeId, addr(f.outsider)]), 0);
    });
  });
});

