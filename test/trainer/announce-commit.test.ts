// REVIEW 14: a trainer that restarted without its journal (or a second instance with the same key) used to
// announce its round before reading the chain, signing an equivocation when the chain already held another
// commitment of it. announceAndCommit reads the chain first; these cases fail with the old order.
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { announceAndCommit, type AnnounceCommitSteps, type Claim } from "../../node/trainer/announce-commit.ts";

const claim: Claim = { root: `0x${"11".repeat(32)}`, updateHash: `0x${"22".repeat(32)}`, samples: 64n };
const other: Claim = { ...claim, root: `0x${"33".repeat(32)}` };

function steps(onChain: Claim | undefined, open = true) {
  const calls: string[] = [];
  const logged: string[] = [];
  const s: AnnounceCommitSteps = {
    committed: async () => (calls.push("read"), onChain),
    announce: async () => void calls.push("announce"),
    canCommit: () => open,
    commit: async () => (calls.push("commit"), `0x${"aa".repeat(32)}`),
    log: { info: (e) => void logged.push(e), warn: (e) => void logged.push(e), error: (e) => void logged.push(`error: ${e}`) },
  };
  return { s, calls, logged };
}

describe("trainer: announce and commit in the chain's order (node/trainer/announce-commit.ts)", () => {
  it("reads the chain, then announces, then commits", async () => {
    const { s, calls } = steps(undefined);
    assert.equal((await announceAndCommit(0n, claim, s)).outcome, "committed");
    assert.deepEqual(calls, ["read", "announce", "commit"]);
  });

  it("announces nothing and commits nothing when the chain holds another commitment of the round (no equivocation)", async () => {
    const { s, calls, logged } = steps(other);
    assert.equal((await announceAndCommit(3n, claim, s)).outcome, "conflict");
    assert.deepEqual(calls, ["read"]);
    assert.ok(logged.some((e) => e.startsWith("error: the chain holds another commitment")), logged.join(" | "));
  });

  it("re-announces the same commitment without committing twice", async () => {
    const { s, calls } = steps({ ...claim, root: claim.root.toUpperCase().replace("0X", "0x") as Claim["root"] });
    assert.equal((await announceAndCommit(1n, claim, s)).outcome, "already-committed");
    assert.deepEqual(calls, ["read", "announce"]);
  });

  it("announces but does not commit after the window, and reports a failed commit", async () => {
    const late = steps(undefined, false);
    assert.equal((await announceAndCommit(0n, claim, late.s)).outcome, "missed");
    assert.deepEqual(late.calls, ["read", "announce"]);
    const failing = steps(undefined);
    failing.s.commit = async () => {
      throw new Error("CommitDuplicate");
    };
    assert.equal((await announceAndCommit(0n, claim, failing.s)).outcome, "failed");
  });
});
