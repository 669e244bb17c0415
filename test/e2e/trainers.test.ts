// End to end with real processes: a hardhat node on 127.0.0.1, the contracts, and 3 trainer processes
// that train the MoE on MNIST with tfjs, commit on-chain and exchange updates over libp2p (npm start).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, it } from "mocha";

const run = promisify(execFile);

interface Report {
  rounds: number;
  accuracy: number;
  accuracyByRound: number[];
  stateHashesAgree: boolean;
  peers: { address: string; role: string; shard: string | null; attack: null; slashed: boolean; credits: string; rewards: string }[];
}

describe("end to end: 3 trainers and 2 verifiers, 2 rounds", function () {
  this.timeout(300_000);

  it("commits every round on-chain, agrees on the state hash, learns, and is credited; nobody is slashed", async () => {
    const report = join(mkdtempSync(join(tmpdir(), "verihive-e2e-")), "report.json");
    await run(process.execPath, ["scripts/start.ts", "--trainers", "3", "--rounds", "2", "--local-steps", "50", "--report", report], {
      maxBuffer: 16 * 1024 * 1024,
    });
    const r = JSON.parse(readFileSync(report, "utf8")) as Report;
    assert.equal(r.rounds, 2);
    assert.equal(r.stateHashesAgree, true);
    const trainers = r.peers.filter((p) => p.role === "trainer");
    assert.equal(trainers.length, 3);
    assert.deepEqual(trainers.map((p) => p.shard).sort(), ["expert-0", "expert-1", "gate"]);
    // 2 rounds x 50 steps x batch 64, finalized on-chain for every trainer: every commitment was recorded.
    for (const p of trainers) {
      assert.equal(p.credits, "6400");
      assert.ok(BigInt(p.rewards) > 0n);
      assert.equal(p.slashed, false);
    }
    // The verifiers audited (default audit rate 10 %: maybe nothing in 2 rounds) and were never slashed.
    const verifiers = r.peers.filter((p) => p.role === "verifier");
    assert.equal(verifiers.length, 2);
    for (const v of verifiers) assert.equal(v.slashed, false);
    // Accuracy rises from the untrained model's ~0.1 and from round to round.
    assert.equal(r.accuracyByRound.length, 2);
    assert.ok(r.accuracyByRound[0]! > 0.3, `round 0 accuracy ${r.accuracyByRound[0]}`);
    assert.ok(r.accuracyByRound[1]! > r.accuracyByRound[0]!, `accuracy ${r.accuracyByRound.join(" -> ")}`);
  });
});
