// End to end with real processes: trainers killed with SIGKILL mid-round and restarted with the same key and
// data directory. One comes back 2 s later and resumes from its saved model; the other comes back after its
// round's commit deadline and catches up from the state the majority committed to (manifests checked against
// the chain, states against their hashes). Both must end with the others' state hashes, without committing
// twice, and keep earning.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, it } from "mocha";

const run = promisify(execFile);

interface Report {
  stateHashesAgree: boolean;
  peers: { address: string; role: string; shard: string; slashed: boolean; credits: string; restarts?: number }[];
}

describe("end to end: trainers killed mid-round and restarted", function () {
  this.timeout(420_000);

  it("resume from the saved model or catch up from the peers, and agree on the state hash", async () => {
    const report = join(mkdtempSync(join(tmpdir(), "verihive-e2e-crash-")), "report.json");
    const args = ["scripts/start.ts", "--trainers", "3", "--rounds", "4", "--local-steps", "50", "--verifiers", "0"];
    args.push("--crash", "1@2", "--crash", "2@1+25", "--report", report);
    await run(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 });
    const r = JSON.parse(readFileSync(report, "utf8")) as Report;
    assert.equal(r.stateHashesAgree, true, "every trainer ends with the same state hashes");
    const [t0, t1, t2] = r.peers.filter((p) => p.role === "trainer");
    assert.ok(t0 && t1 && t2);
    assert.equal(t1.restarts, 1);
    assert.equal(t2.restarts, 1);
    for (const p of [t0, t1, t2]) assert.equal(p.slashed, false);
    // 4 rounds x 50 steps x batch 64 = 12 800 samples for a trainer that commits every round.
    assert.equal(t0.credits, "12800");
    // Restarted 2 s later, within the commit window: it retrains the round from its saved model and commits it.
    assert.equal(t1.credits, "12800");
    // Back after round 1's commit deadline: it catches up and commits rounds 2 and 3 (and round 1 only if the
    // kill landed after its commit); never more than one commitment per round.
    assert.ok(["9600", "12800"].includes(t2.credits), `trainer 2 credits ${t2.credits}`);
  });
});
