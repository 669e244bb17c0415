import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { privateKeyToAccount } from "viem/accounts";
import { keccak256, stringToHex } from "viem";
import { recoverAnnouncementKey, recoverAnnouncementSigner, signAnnouncement, claimDigest, commitmentWord, CommitStatus } from "../../lib/core/index.ts";

const account = privateKeyToAccount(keccak256(stringToHex("announcement-test-key")));
const coordinator = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const message = { runId: 1n, shard: 0, round: 3n, root: keccak256("0x01"), updateHash: keccak256("0x02") };

describe("announcements (lib/core/announcement.ts)", () => {
  it("recovers the signer of a signed announcement", async () => {
    const sig = await signAnnouncement(account, 31337, coordinator, message);
    assert.equal(await recoverAnnouncementSigner(31337, coordinator, message, sig), account.address);
  });

  it("recovers the signer's public key with its address", async () => {
    const sig = await signAnnouncement(account, 31337, coordinator, message);
    assert.deepEqual(await recoverAnnouncementKey(31337, coordinator, message, sig), { address: account.address, publicKey: account.publicKey });
  });

  it("recovers a different address when any field or the domain changes", async () => {
    const sig = await signAnnouncement(account, 31337, coordinator, message);
    assert.notEqual(await recoverAnnouncementSigner(31337, coordinator, { ...message, round: 4n }, sig), account.address);
    assert.notEqual(await recoverAnnouncementSigner(1, coordinator, message, sig), account.address);
  });
});

describe("commitment word (lib/core/commitment.ts)", () => {
  it("keeps the status in the low byte and the digest above it", () => {
    const claim = { root: keccak256("0x01"), updateHash: keccak256("0x02"), samples: 512n };
    const word = commitmentWord(claim, CommitStatus.Attested);
    assert.equal(word & 0xffn, 2n);
    assert.equal(word - 2n, claimDigest(claim));
    assert.notEqual(claimDigest({ ...claim, samples: 511n }), claimDigest(claim));
  });
});
