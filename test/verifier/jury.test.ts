import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "mocha";
import { encodeAbiParameters, keccak256, stringToHex, type Address, type Hex } from "viem";
import { defaultRunSpec, DisputeKind } from "../../lib/core/index.ts";
import { Journal } from "../../node/journal.ts";
import type { VerifierChain } from "../../verifier/chain-actions.ts";
import { Jury, voteFor, type Dispute } from "../../verifier/jury.ts";
import type { RoundData } from "../../verifier/round-data.ts";
import { Stats } from "../../verifier/stats.ts";
import type { Verdict, VerifyEnv } from "../../verifier/verify.ts";
import { newSalt, voteHash } from "../../verifier/vote.ts";
import { FakeClock, memoryLogger, tempDir } from "./helpers.ts";

// Jury duty against a fake court that checks reveals the way DisputeCourt does: the vote hash, the salt
// journaled before commitVote, the reveal of that same vote after a restart, and the vote each verdict calls for.

const ME: Address = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
const OTHER: Address = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";
const root = tempDir("jury");
after(() => rmSync(root, { recursive: true, force: true }));

/** DisputeCourt's commit–reveal for one dispute, with the juror's journal inspected at commit time. */
class FakeCourt {
  d: Dispute;
  hash: Hex | undefined;
  state = 0;
  journal: Journal | undefined;
  saltJournaledFirst = false;
  constructor(d: Dispute) {
    this.d = d;
  }
  chain(): VerifierChain {
    return {
      me: ME,
      disputeOf: async () => ({ ...this.d }),
      voteOf: async () => this.state,
      commitVote: async (id: bigint, hash: Hex) => {
        const rec = this.journal?.last("vote-intent", (r) => r.disputeId === id.toString());
        this.saltJournaledFirst = rec !== undefined && voteHash(id, ME, rec.guilty === true, rec.salt as Hex) === hash;
        this.hash = hash;
        this.state = 1;
        this.d = { ...this.d, committed: this.d.committed + 1 };
        return keccak256(stringToHex("commit"));
      },
      revealVote: async (id: bigint, guilty: boolean, salt: Hex) => {
        // As the contract: keccak256(abi.encode(disputeId, msg.sender, guilty, salt)) must be the commitment.
        const expected = keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "address" }, { type: "bool" }, { type: "bytes32" }], [id, ME, guilty, salt]));
        if (expected !== this.hash) throw new Error("DisputeRevealMismatch");
        this.state = guilty ? 2 : 3;
        return keccak256(stringToHex("reveal"));
      },
    } as unknown as VerifierChain;
  }
}

function dispute(over: Partial<Dispute> = {}): Dispute {
  return {
    runId: 1n,
    trainer: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    round: 0n,
    kind: DisputeKind.Fraud,
    resolved: false,
    juryDrawn: true,
    challenger: OTHER,
    openedBlock: 10n,
    segment: 1,
    bond: 10n,
    commitDeadline: 1_000n,
    revealDeadline: 2_000n,
    guiltyVotes: 0,
    innocentVotes: 0,
    committed: 0,
    revealed: 0,
    jurors: [ME, OTHER],
    ...over,
  };
}

async function jury(dir: string, court: FakeCourt, clock: FakeClock, signal: AbortSignal) {
  const journal = await Journal.open(dir);
  court.journal = journal;
  const stats = new Stats(journal, 1n);
  // The commitment is not in the logs here: the juror decides "not guilty" without re-executing.
  const rounds = { commitment: async () => undefined } as unknown as RoundData;
  const j = new Jury({ spec: defaultRunSpec(0n), chain: court.chain(), clock, rounds, verify: {} as VerifyEnv, stats, marginSeconds: 1, pollMs: 5, onChange: () => undefined, log: memoryLogger(), signal });
  return { j, journal, stats };
}

async function until(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; !predicate(); i++) {
    if (i > 400) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("verifier: jury duty (verifier/jury.ts, verifier/vote.ts)", () => {
  it("hashes a vote as DisputeCourt does, with the juror's address inside", () => {
    const salt = keccak256(stringToHex("salt"));
    const expected = keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "address" }, { type: "bool" }, { type: "bytes32" }], [5n, ME, true, salt]));
    assert.equal(voteHash(5n, ME, true, salt), expected);
    assert.notEqual(voteHash(5n, OTHER, true, salt), expected);
    assert.notEqual(voteHash(5n, ME, false, salt), expected);
    assert.notEqual(newSalt(), newSalt());
  });

  it("journals the vote and its salt before committing, and reveals that vote after a restart", async () => {
    const dir = join(root, "restart");
    const court = new FakeCourt(dispute());
    const clock = new FakeClock(900);
    const crash = new AbortController();
    const first = await jury(dir, court, clock, crash.signal);
    first.j.onDispute(3n, court.d);
    await until(() => court.state === 1, "the commit");
    assert.equal(court.saltJournaledFirst, true);
    assert.equal(first.stats.votes, 1);
    crash.abort(new Error("crash")); // the other juror has not committed: it waits for the commit deadline
    await first.j.idle();
    await first.journal.close();

    clock.t = 1_000; // commit phase over
    const second = await jury(dir, court, clock, new AbortController().signal);
    second.j.onDispute(3n, court.d);
    await second.j.idle();
    assert.equal(court.state, 3, "revealed innocent: the vote journaled before the crash");
    assert.equal(second.stats.votes, 1);
    assert.ok(second.journal.last("vote-revealed"));
    await second.journal.close();
  });

  it("reveals at once when every juror has committed", async () => {
    const court = new FakeCourt(dispute({ jurors: [ME] }));
    const { j, journal } = await jury(join(root, "all-committed"), court, new FakeClock(900), new AbortController().signal);
    j.onDispute(4n, court.d);
    await j.idle();
    assert.equal(court.state, 3);
    await journal.close();
  });

  it("leaves disputes it does not sit on alone", async () => {
    const court = new FakeCourt(dispute({ jurors: [OTHER] }));
    const { j, journal } = await jury(join(root, "not-mine"), court, new FakeClock(900), new AbortController().signal);
    j.onDispute(5n, court.d);
    await j.idle();
    assert.equal(court.state, 0);
    await journal.close();
  });

  it("votes guilty on a failed check, and on missing data only in an unavailability dispute", () => {
    const fail: Verdict = { kind: "fail", check: "segment", segment: 1, reason: "r", manifest: {} as never, evidence: [] };
    const missing: Verdict = { kind: "unavailable", missing: "manifest", segmentData: true };
    assert.equal(voteFor(DisputeKind.Fraud, fail).guilty, true);
    assert.equal(voteFor(DisputeKind.Unavailable, fail).guilty, true);
    assert.equal(voteFor(DisputeKind.Unavailable, missing).guilty, true);
    assert.equal(voteFor(DisputeKind.Fraud, missing).guilty, false);
    assert.equal(voteFor(DisputeKind.Fraud, { kind: "pass", manifest: {} as never }).guilty, false);
    assert.equal(voteFor(DisputeKind.Unavailable, { kind: "pass", manifest: {} as never }).guilty, false);
    assert.equal(voteFor(DisputeKind.Fraud, { kind: "undecided", reason: "no state" }).guilty, false);
  });
});

describe("verifier misbehaviour under test (verifier/misbehaviour.ts)", () => {
  it("false-challenge turns an honest verdict into a challenge of the audited leaf; lazy and honest keep it", async () => {
    const { auditVerdict, juryVote } = await import("../../verifier/misbehaviour.ts");
    const pass: Verdict = { kind: "pass", manifest: { leaves: [] } as never };
    const accused = auditVerdict("false-challenge", pass, 3);
    assert.equal(accused.kind, "fail");
    assert.equal(accused.kind === "fail" && accused.segment, 3);
    assert.equal(auditVerdict(undefined, pass, 3), pass);
    const missing: Verdict = { kind: "unavailable", missing: "manifest", segmentData: true };
    assert.equal(auditVerdict("false-challenge", missing, 3), missing, "it only lies about honest data");
    assert.equal(juryVote("lazy")?.guilty, false);
    assert.equal(juryVote("false-challenge")?.guilty, true);
    assert.equal(juryVote(undefined), undefined);
  });
});
