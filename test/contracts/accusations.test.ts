// Attestations with an attention digest and the trainer's accusation of a blind one (docs/PROTOCOL.md 7.3), from
// both sides: a blind verifier loses a bond from its stake to the pool, an honest one cannot be accused (its
// digest is the replay's) and wins against fabricated roots; anyone may challenge a commitment through a game
// until the dispute window ends. Real rounds (game-scenario.ts).
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { keccak256, stringToHex, type Address, type Hex } from "viem";
import { CommitStatus } from "../../lib/core/index.ts";
import { attentionDigest, attentionIndex } from "../../lib/protocol/attention.ts";
import { stepsMove } from "../../lib/protocol/game.ts";
import { computeRound, gameRunOpen, replayOf, type Round } from "./game-scenario.ts";
import { GamePlay } from "./game-play.ts";
import { assignedVerifier, networkHelpers, schedule, timeTo, viem, type RunFixture } from "./fixture.ts";

type Fixture = RunFixture & { gate: Round; auditor: Address; segment: number };

/** The gate's honest round 0 committed, audits open, the assigned verifier known. */
async function audited(): Promise<Fixture> {
  const f = await gameRunOpen();
  const account = f.trainers[0]!.account;
  const gate = computeRound(f, 0n, f.seed, account.address, 0, false);
  await f.coordinator.write.commit([f.runId, 0n, gate.claim.root, gate.claim.updateHash, gate.claim.samples], { account });
  await timeTo(schedule(f.spec, 0n).commitDeadline);
  await f.coordinator.write.openAudits([f.runId, 0n]);
  const { wallet, segment } = await assignedVerifier(f, 0n, gate.trainer);
  return { ...f, gate, auditor: wallet.account.address, segment };
}

/** The root an honest replay of the audited segment has before its last step. */
function replayRoot(f: Fixture): Hex {
  const c = f.spec.checkpointInterval;
  return f.gate.stepRoots[f.segment * c + attentionIndex(c)]!;
}

async function attest(f: Fixture, digest: Hex) {
  await f.coordinator.write.attest([f.runId, 0n, f.gate.trainer, digest], { account: f.auditor });
}

/** The trainer's accusation with `roots` (its own step roots of the segment unless given). */
function accuse(f: Fixture, digest: Hex, roots?: Hex[], verifier: Address = f.auditor, segment = f.segment) {
  const c = f.spec.checkpointInterval;
  const s = stepsMove(f.gate.checkpointRoots, f.gate.tree, f.segment, roots ?? f.gate.stepRoots.slice(f.segment * c, f.segment * c + c + 1));
  return f.game.write.accuse([f.runId, 0n, verifier, segment, digest, f.gate.claim, s.roots, s.proof, s.prevStart, s.prevProof], { account: f.gate.trainer });
}

async function locked(f: RunFixture, who: Address) {
  return (await f.coordinator.read.participantOf([f.runId, who])).lockedStake;
}

async function owed(f: RunFixture, who: Address) {
  return (await f.coordinator.read.earningsOf([f.runId, who])).owed;
}

describe("attention digests and accusations", function () {
  this.timeout(300_000);

  it("attest refuses a zero digest", async () => {
    const f = await networkHelpers.loadFixture(audited);
    await viem.assertions.revertWithCustomError(attest(f, `0x${"00".repeat(32)}`), f.coordinator, "AttestationMismatch");
  });

  it("a blind attestation is accused, and the silent verifier loses a bond from its stake to the pool", async () => {
    const f = await networkHelpers.loadFixture(audited);
    const blind = keccak256(stringToHex("a guess"));
    await attest(f, blind);
    const id = (await f.game.read.gameCount()) + 1n;
    const [stakeBefore, pool] = [await locked(f, f.auditor), (await f.coordinator.read.runOf([f.runId]))[2]];
    await viem.assertions.emitWithArgs(accuse(f, blind), f.game, "GameStarted", [id, f.runId, 0n, f.gate.trainer, f.auditor, f.segment, true]);
    const g = await f.game.read.gameOf([id]);
    assert.equal(g.phase, 2); // PickStep: the verifier's move
    assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, f.gate.trainer]), CommitStatus.Disputed);
    await timeTo(g.deadline);
    await f.game.write.timeout([id], { account: f.outsider.account });
    const bond = f.spec.challengeBond;
    assert.equal(await locked(f, f.auditor), stakeBefore - bond);
    assert.equal((await f.coordinator.read.participantOf([f.runId, f.auditor])).active, false, "left below the minimum stake, it loses its seat (REVIEW 16)");
    assert.equal((await f.coordinator.read.runOf([f.runId]))[2], pool + bond, "the penalty goes to the pool");
    assert.equal(await owed(f, f.gate.trainer), bond, "the trainer's bond comes back, and nothing more");
    assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, f.gate.trainer]), CommitStatus.Attested);
  });

  it("an honest digest cannot be accused", async () => {
    const f = await networkHelpers.loadFixture(audited);
    const digest = attentionDigest(f.auditor, replayRoot(f));
    await attest(f, digest);
    await viem.assertions.revertWithCustomErrorWithArgs(accuse(f, digest), f.game, "GameDataInvalid", [(await f.game.read.gameCount()) + 1n, 16]);
  });

  it("an accusation must name the recorded attestation, and only the trainer's own roots open against its commitment", async () => {
    const f = await networkHelpers.loadFixture(audited);
    const blind = keccak256(stringToHex("a guess"));
    await viem.assertions.revertWithCustomError(accuse(f, blind), f.coordinator, "AttestationMismatch"); // not attested yet
    await attest(f, blind);
    await viem.assertions.revertWithCustomError(accuse(f, keccak256(stringToHex("other"))), f.coordinator, "AttestationMismatch");
    await viem.assertions.revertWithCustomError(accuse(f, blind, undefined, f.outsider.account.address), f.coordinator, "AttestationMismatch");
    const other = (f.segment + 1) % (f.spec.localSteps / f.spec.checkpointInterval);
    await viem.assertions.revertWithCustomError(accuse(f, blind, undefined, f.auditor, other), f.coordinator, "AttestationMismatch");
  });

  it("a trainer that fabricates roots to frame an honest verifier loses the game and its stake", async () => {
    const f = await networkHelpers.loadFixture(audited);
    const digest = attentionDigest(f.auditor, replayRoot(f));
    await attest(f, digest);
    const c = f.spec.checkpointInterval;
    const roots = f.gate.stepRoots.slice(f.segment * c, f.segment * c + c + 1);
    roots[attentionIndex(c)] = keccak256(stringToHex("fabricated"));
    const id = (await f.game.read.gameCount()) + 1n;
    await accuse(f, digest, roots);
    // The verifier plays as a challenger of the posted roots: the first step whose end differs is the one before.
    const g = new GamePlay(f, id, f.segment, { round: f.gate, account: f.gate.trainer }, { round: replayOf(f.gate, f.segment), account: f.auditor });
    g.roots = roots;
    await g.pickStep();
    assert.equal(g.t, attentionIndex(c) - 1);
    const { deadline } = await f.game.read.gameOf([id]);
    await timeTo(deadline); // the trainer has no trace that ends at the fabricated root
    await g.send("timeout", f.game.write.timeout([id], { account: f.outsider.account }));
    assert.deepEqual(g.outcome, { trainerLost: true, reason: 1 });
    assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, f.gate.trainer]), CommitStatus.Slashed);
    assert.ok((await owed(f, f.auditor)) > f.spec.challengeBond + f.spec.auditFee, "the verifier earns the trainer's bond and half its slash");
  });

  it("anyone may open a game, with a bond, until the dispute window ends; then nobody", async () => {
    const f = await networkHelpers.loadFixture(audited);
    const outsider = f.outsider.account;
    const id = (await f.game.read.gameCount()) + 1n;
    await f.game.write.challenge([f.runId, 0n, f.gate.trainer, f.gate.claim, 0], { account: outsider });
    assert.equal((await f.game.read.gameOf([id])).challenger.toLowerCase(), outsider.address.toLowerCase());
    await timeTo(schedule(f.spec, 0n).auditEnd); // after the audit window, within the dispute window
    await f.game.write.challenge([f.runId, 0n, f.gate.trainer, f.gate.claim, 1], { account: f.spare[0]!.account });
    await timeTo(schedule(f.spec, 0n).disputeEnd);
    await viem.assertions.revertWithCustomError(
      f.game.write.challenge([f.runId, 0n, f.gate.trainer, f.gate.claim, 0], { account: outsider }),
      f.coordinator,
      "RoundWindowClosed",
    );
  });
});
