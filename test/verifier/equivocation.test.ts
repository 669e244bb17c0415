import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "mocha";
import { keccak256, stringToHex, type Address, type Hex } from "viem";
import { CommitStatus, defaultRunSpec, roundSchedule } from "../../lib/core/index.ts";
import { Journal } from "../../node/journal.ts";
import type { Claim, SignedClaim, VerifierChain } from "../../verifier/chain-actions.ts";
import { AnnouncementBook, conflicting, EquivocationWatcher, MAX_ANNOUNCEMENTS_PER_KEY, type HeldAnnouncement } from "../../verifier/equivocation.ts";
import type { CommitmentRef } from "../../verifier/evidence.ts";
import { FakeClock, memoryLogger, tempDir } from "./helpers.ts";

// Equivocation detection: verified announcements held per (round, trainer), compared with commitments in
// either order of arrival, proven once, before disputeEnd, and kept across a restart. The chain is a fake
// here; test/verifier/chain-actions.test.ts proves a real signed equivocation on the contract.

const TRAINER: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const h = (s: string): Hex => keccak256(stringToHex(s));
const spec = defaultRunSpec(1_000_000n);
const root = tempDir("equivocation");
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

const announcement = (round: bigint, label: string): HeldAnnouncement => ({ round, trainer: TRAINER, shard: 1, root: h(`root/${label}`), updateHash: h(`update/${label}`), signature: `0x${"11".repeat(65)}` });
const commitment = (round: bigint, label: string): CommitmentRef => ({ runId: 1n, round, trainer: TRAINER, shard: 1, root: h(`root/${label}`), updateHash: h(`update/${label}`), samples: 64n });

/** A fake chain that records proofs; statusOf answers `status`. */
function fakeChain(status: number = CommitStatus.Committed) {
  const proofs: { round: bigint; announced: SignedClaim; committed: Claim }[] = [];
  const chain = {
    statusOf: async () => status,
    proveEquivocation: async (round: bigint, announced: SignedClaim, committed: Claim) => (proofs.push({ round, announced, committed }), h(`tx/${proofs.length}`)),
  };
  return { chain: chain as unknown as VerifierChain, proofs };
}

async function watcher(dir: string, opts: { commitments?: CommitmentRef[]; status?: number; now?: number } = {}) {
  const journal = await Journal.open(dir);
  const { chain, proofs } = fakeChain(opts.status);
  const proved: string[] = [];
  const clock = new FakeClock(opts.now ?? Number(roundSchedule(spec, 0n).commitDeadline));
  const w = new EquivocationWatcher({
    runId: 1n,
    spec,
    chain,
    journal,
    clock,
    commitmentOf: async (round, trainer) => opts.commitments?.find((c) => c.round === round && c.trainer === trainer),
    onProved: (round, trainer) => void proved.push(`${round}:${trainer}`),
    log: memoryLogger(),
  });
  return { w, journal, proofs, proved, clock };
}

describe("verifier: equivocation (verifier/equivocation.ts)", () => {
  it("finds the announcement that disagrees in root or update hash, ignoring hex case", () => {
    const a = announcement(0n, "a");
    assert.equal(conflicting([a], { root: a.root.toUpperCase().replace("0X", "0x") as Hex, updateHash: a.updateHash }), undefined);
    assert.equal(conflicting([a], { root: a.root, updateHash: h("other") }), a);
    assert.equal(conflicting([a], { root: h("other"), updateHash: a.updateHash }), a);
  });

  it("keeps distinct announcements per (round, trainer), at most a few, and prunes old rounds", () => {
    const book = new AnnouncementBook();
    assert.equal(book.add(announcement(0n, "a")), true);
    assert.equal(book.add(announcement(0n, "a")), false);
    for (let i = 0; i < 10; i++) book.add(announcement(0n, `x${i}`));
    assert.equal(book.of(0n, TRAINER).length, MAX_ANNOUNCEMENTS_PER_KEY);
    book.add(announcement(1n, "b"));
    book.prune(1n);
    assert.equal(book.of(0n, TRAINER).length, 0);
    assert.equal(book.of(1n, TRAINER).length, 1);
  });

  it("proves an announcement that disagrees with the commitment logged after it, once", async () => {
    const { w, proofs, proved, journal } = await watcher(join(root, `d${dirs++}`));
    const bad = announcement(0n, "announced");
    await w.onAnnouncement(bad);
    const c = commitment(0n, "committed");
    assert.equal(await w.check(c), true);
    assert.equal(await w.check(c), false);
    assert.equal(proofs.length, 1);
    assert.equal(proofs[0]!.announced.root, bad.root);
    assert.equal(proofs[0]!.announced.signature, bad.signature);
    assert.deepEqual(proofs[0]!.committed, { root: c.root, updateHash: c.updateHash, samples: c.samples });
    assert.deepEqual(proved, [`0:${TRAINER}`]);
    assert.ok(journal.last("equivocation-proved"));
    await journal.close();
  });

  it("proves an announcement that arrives after the commitment", async () => {
    const { w, proofs, journal } = await watcher(join(root, `d${dirs++}`), { commitments: [commitment(0n, "committed")] });
    await w.onAnnouncement(announcement(0n, "announced"));
    assert.equal(proofs.length, 1);
    await journal.close();
  });

  it("does nothing for an announcement that matches the commitment", async () => {
    const { w, proofs, journal } = await watcher(join(root, `d${dirs++}`), { commitments: [commitment(0n, "same")] });
    await w.onAnnouncement(announcement(0n, "same"));
    assert.equal(await w.check(commitment(0n, "same")), false);
    assert.equal(proofs.length, 0);
    await journal.close();
  });

  it("does not try once disputeEnd has passed, or when the commitment is no longer slashable", async () => {
    const late = await watcher(join(root, `d${dirs++}`), { now: Number(roundSchedule(spec, 0n).disputeEnd) });
    await late.w.onAnnouncement(announcement(0n, "announced"));
    assert.equal(await late.w.check(commitment(0n, "committed")), false);
    assert.equal(late.proofs.length, 0);
    await late.journal.close();
    const slashed = await watcher(join(root, `d${dirs++}`), { status: CommitStatus.Slashed });
    await slashed.w.onAnnouncement(announcement(0n, "announced"));
    assert.equal(await slashed.w.check(commitment(0n, "committed")), false);
    assert.equal(slashed.proofs.length, 0);
    await slashed.journal.close();
  });

  it("still holds the announcements after a restart, and does not prove twice", async () => {
    const dir = join(root, `d${dirs++}`);
    const first = await watcher(dir);
    await first.w.onAnnouncement(announcement(0n, "announced"));
    await first.w.onAnnouncement(announcement(1n, "announced-1"));
    assert.equal(await first.w.check(commitment(1n, "committed-1")), true);
    await first.journal.close();

    const again = await watcher(dir);
    assert.equal(again.w.book.of(0n, TRAINER).length, 1);
    assert.equal(await again.w.check(commitment(0n, "committed")), true);
    assert.equal(await again.w.check(commitment(1n, "committed-1")), false); // proven before the restart
    assert.equal(again.proofs.length, 1);
    await again.journal.close();
  });
});
