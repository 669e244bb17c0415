import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "mocha";
import { keccak256, stringToHex, type Hex } from "viem";
import { hashBytes } from "../../lib/core/index.ts";
import { BlobKind } from "../../lib/p2p/index.ts";
import { BlobStore, Journal } from "../../node/journal.ts";
import { ServedEvidence } from "../../verifier/served.ts";
import { Stats } from "../../verifier/stats.ts";
import { tempDir } from "./helpers.ts";

// What a verifier serves (a challenge's evidence survives a restart) and its tally (counted from the journal).

const root = tempDir("served");
after(() => rmSync(root, { recursive: true, force: true }));
const TRAINER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

async function open(dir: string) {
  const journal = await Journal.open(dir);
  const blobs = await BlobStore.open(dir, { maxBlobBytes: 1 << 20 });
  return { journal, served: new ServedEvidence(blobs, journal, 1n) };
}

describe("verifier: served evidence (verifier/served.ts)", () => {
  it("serves a challenge's evidence under its keys after a restart, and drops it with its round", async () => {
    const dir = join(root, "evidence");
    const manifest = new Uint8Array([1, 2, 3]);
    const checkpoint = new Uint8Array([4, 5, 6, 7]);
    const rootKey: Hex = keccak256(stringToHex("root"));
    const first = await open(dir);
    await first.served.persist(2n, TRAINER, [
      { key: rootKey, bytes: manifest },
      { key: hashBytes(checkpoint), bytes: checkpoint },
    ]);
    first.served.keep(2n, keccak256(stringToHex("memory only")), new Uint8Array([9]));
    await first.journal.close();

    const again = await open(dir);
    const request = { kind: BlobKind.Manifest, hash: rootKey };
    assert.deepEqual(await again.served.get(rootKey, request), manifest);
    assert.deepEqual(await again.served.lookup(hashBytes(checkpoint)), checkpoint);
    assert.equal(await again.served.lookup(keccak256(stringToHex("memory only"))), undefined);
    await again.served.pruneBefore(3n, 2n);
    assert.deepEqual(await again.served.lookup(rootKey), manifest, "evidence of round 2 is kept while diskRound ≤ 2");
    await again.served.pruneBefore(4n, 3n);
    assert.equal(await again.served.lookup(rootKey), undefined);
    await again.journal.close();
  });
});

describe("verifier: tally (verifier/stats.ts)", () => {
  it("counts outcomes from the journal, so a restart keeps them", async () => {
    const dir = join(root, "stats");
    let journal = await Journal.open(dir);
    let stats = new Stats(journal, 1n);
    await stats.note("audit-result", { round: "0", trainer: TRAINER, outcome: "attested" });
    await stats.note("audit-result", { round: "0", trainer: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", outcome: "challenged" });
    await stats.note("audit-result", { round: "1", trainer: TRAINER, outcome: "unavailable-reported" });
    await stats.note("dispute-outcome", { disputeId: "1", won: true });
    await stats.note("dispute-outcome", { disputeId: "2", won: false });
    await stats.note("vote-committed", { disputeId: "3" });
    await stats.note("claimed", { amount: "5" });
    await journal.append("audit-result", { runId: "2", outcome: "attested" }); // another run's record
    await journal.close();

    journal = await Journal.open(dir);
    stats = new Stats(journal, 1n);
    const s = stats.summary(TRAINER, 1.5, 0.5);
    assert.deepEqual(
      { audits: s.audits, attested: s.attested, challenged: s.challenged, unavailable: s.unavailableReported, won: s.disputesWon, lost: s.disputesLost, votes: s.votes },
      { audits: 3, attested: 1, challenged: 1, unavailable: 1, won: 1, lost: 1, votes: 1 },
    );
    assert.equal(s.role, "verifier");
    assert.equal(s.credits, "0");
    assert.deepEqual([s.cpuSeconds, s.startupCpuSeconds], [1.5, 0.5]);
    assert.equal(s.rewards, "5");
    assert.equal(stats.has("audit-result", (r) => r.round === "1"), true);
    await journal.close();
  });
});
