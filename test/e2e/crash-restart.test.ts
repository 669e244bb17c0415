// End to end with real processes killed with SIGKILL and restarted with the same key and data directory.
// Mid-round: one trainer comes back 2 s later and resumes from its saved model; the other comes back after its
// round's commit deadline and catches up from the state the majority committed to (manifests checked against
// the chain, states against their hashes). Both must end with the others' state hashes, without committing
// twice, and keep earning. Mid-game: a trainer and a verifier each killed right after a dispute-game move
// find their games in the logs and play them to the end.
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
  peers: {
    address: string;
    role: string;
    shard: string;
    attack: string | null;
    slashed: boolean;
    slashedFor?: string[];
    credits: string;
    rewards: string;
    restarts?: number;
    activity?: { challenged: number; gamesWon: number; gamesLost: number };
  }[];
  games?: { trainer: string; challenger: string; trainerLost: boolean | null }[];
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

  it("a trainer and a verifier killed mid-game (kill -9 after their first move) play on from the chain and their journals", async () => {
    const report = join(mkdtempSync(join(tmpdir(), "verihive-e2e-crash-game-")), "report.json");
    // One verifier that challenges everything it audits (all of it): false challenges on the honest trainers,
    // a true one on the one-op trainer. Trainer 0 dies after its first move in a (false) game, the verifier
    // after its first move in any game.
    const args = ["scripts/start.ts", "--trainers", "3", "--rounds", "2", "--local-steps", "50", "--audit-rate", "10000", "--byzantine", "1", "--attack", "one-op"];
    args.push("--verifiers", "1", "--byzantine-verifiers", "1", "--verifier-attack", "false-challenge", "--crash", "0@game+1", "--crash", "v0@game+1", "--report", report);
    await run(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 });
    const r = JSON.parse(readFileSync(report, "utf8")) as Report;
    const [t0, t1, cheat] = r.peers.filter((p) => p.role === "trainer");
    const [v] = r.peers.filter((p) => p.role === "verifier");
    assert.equal(t0!.restarts, 1, "trainer 0 was killed mid-game");
    assert.equal(v!.restarts, 1, "the verifier was killed mid-game");
    for (const t of [t0!, t1!]) {
      assert.equal(t.slashed, false, `honest ${t.address} wins its games, restarted or not`);
      assert.equal(t.credits, "6400", "and is credited for both rounds");
    }
    assert.ok(cheat!.slashedFor?.includes("fraud"), "the one-op trainer loses the game the restarted verifier plays on");
    assert.ok((v!.activity?.gamesWon ?? 0) >= 1, `the verifier won the true game (${JSON.stringify(v!.activity)})`);
    assert.equal((v!.activity?.gamesWon ?? 0) + (v!.activity?.gamesLost ?? 0), v!.activity?.challenged, "every game it opened ended");
    // The false challenger lost every game it opened on an honest trainer, and won the one on the fraud.
    for (const g of r.games!) assert.equal(g.trainerLost, g.trainer.toLowerCase() === cheat!.address.toLowerCase(), `game on ${g.trainer}`);
    assert.ok(r.games!.some((g) => g.trainerLost === false), "it opened false games");
    assert.equal(r.stateHashesAgree, true);
  });
});
