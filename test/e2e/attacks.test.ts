// End to end with real processes (npm start's scripts/start.ts): byzantine trainers and byzantine verifiers
// against honest trainers and verifiers on a real chain. What must happen, per docs/PROTOCOL.md and
// docs/VERIFIER.md:
//   sign-flip, label-flip,  exact mode: audited, and slashed through a dispute game (7.1, 7.2) that a single
//   one-op, hide-one-op     honest verifier wins alone, whatever the other verifiers do (lazy ones attest
//                           blind); removed, their updates left out after (one-op: one element of one
//                           operation per segment wrong, on the reference kernels; hide-one-op serves no
//                           audit data either, and must post its manifest on-chain in the game)
//   false-challenge         exact mode: loses every game it opens, its bond going to the honest trainer;
//                           tolerance mode: acquitted by the jury, the trainers keep stake and credit
//   equivocate              proved on-chain from its signed gossip, slashed without a jury
//   withhold                reported unavailable, withheld by the jury: no credit for the round
// and no honest trainer is slashed, including in tolerance mode with a trainer on another backend (cpu)
// than the run's reference (wasm).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, it } from "mocha";

const exec = promisify(execFile);

interface Peer {
  address: string;
  role: "trainer" | "verifier";
  shard: string | null;
  attack: string | null;
  slashed: boolean;
  slashedFor?: string[];
  credits: string;
  activity?: { audits: number; watched: number; challenged: number; disputesWon: number; disputesLost: number; gamesWon: number; gamesLost: number; unavailableReported: number; equivocationProofs: number; votes: number };
}
interface Report {
  rounds: number;
  accuracy: number;
  stateHashesAgree: boolean;
  peers: Peer[];
  /** Every dispute game, from the chain. */
  games: { round: number; trainer: string; challenger: string; accusation: boolean; trainerLost: boolean | null }[];
}

/**
 * Runs npm start's script and checks that it exits 0 (it exits 1 when an honest peer fails or is slashed, or
 * the honest state hashes differ); its output is kept next to the report (failure messages name the file).
 */
async function start(args: string[]): Promise<Report> {
  const dir = mkdtempSync(join(tmpdir(), "verihive-e2e-attacks-"));
  const report = join(dir, "report.json");
  const out = await exec(process.execPath, ["scripts/start.ts", "--local-steps", "50", "--audit-rate", "10000", ...args, "--report", report], {
    maxBuffer: 64 * 1024 * 1024,
  }).then(
    (ok) => ({ ...ok, code: 0 }),
    (e: { stdout?: string; stderr?: string; code?: number }) => ({ stdout: e.stdout, stderr: e.stderr, code: e.code ?? -1 }),
  );
  const log = join(dir, "start.log");
  writeFileSync(log, `${out.stdout ?? ""}${out.stderr ?? ""}`);
  assert.equal(out.code, 0, `npm start exited ${out.code}; its output: ${log}`);
  try {
    return JSON.parse(readFileSync(report, "utf8")) as Report;
  } catch {
    throw new Error(`npm start wrote no report; its output: ${log}`);
  }
}

const trainers = (r: Report) => r.peers.filter((p) => p.role === "trainer");
const honest = (r: Report) => trainers(r).filter((p) => p.attack === null);
const byAttack = (r: Report, name: string) => r.peers.find((p) => p.attack === name)!;
const peerOf = (r: Report, address: string) => r.peers.find((p) => p.address.toLowerCase() === address.toLowerCase())!;

/** Every game ended, and whoever was honest in it won: a game on a byzantine trainer by an honest verifier
 * slashed it; a game on an honest trainer, whoever opened it, left it whole. */
function honestWinEveryGame(r: Report): void {
  for (const g of r.games) {
    const trainer = peerOf(r, g.trainer);
    const challenger = peerOf(r, g.challenger);
    assert.notEqual(g.trainerLost, null, `game on ${trainer.attack ?? "honest"} trainer in round ${g.round} ended`);
    if (trainer.attack === null) assert.equal(g.trainerLost, false, `the honest trainer ${g.trainer} won the game ${challenger.attack ?? "an honest verifier"} opened`);
    else if (challenger.attack === null) assert.equal(g.trainerLost, true, `the honest verifier won its game on ${trainer.attack}`);
  }
}

describe("end to end: attacks are caught, honest peers are not harmed", function () {
  this.timeout(480_000);

  it("sign-flip, label-flip, one-op and hide-one-op trainers are slashed through dispute games won by a single verifier (exact mode, no jury)", async () => {
    // 7 trainers: every shard keeps an honest one (a shard left without committers has no agreed S_r: issue 18).
    const r = await start(["--trainers", "7", "--rounds", "3", "--verifiers", "1", "--byzantine", "4", "--attack", "sign-flip,label-flip,one-op,hide-one-op"]);
    for (const name of ["sign-flip", "label-flip", "one-op", "hide-one-op"]) {
      const p = byAttack(r, name);
      assert.equal(p.slashed, true, `${name} slashed (exit code ${(p as { exitCode?: number }).exitCode})`);
      assert.ok(p.slashedFor?.includes("fraud"), `${name} slashed for fraud (${p.slashedFor?.join(",")})`);
      assert.equal(p.credits, "0", `${name}: banned, so no commitment of it is ever credited`);
    }
    for (const p of honest(r)) {
      assert.equal(p.slashed, false, `honest ${p.address} not slashed`);
      assert.equal(p.credits, "9600", "3 rounds x 50 steps x 64 credited"); // every honest commitment finalized
    }
    honestWinEveryGame(r);
    const [v] = r.peers.filter((p) => p.role === "verifier");
    assert.ok((v!.activity?.gamesWon ?? 0) >= 4, `every attacker lost a game, hide-one-op after posting its manifest (${JSON.stringify(v!.activity)})`);
    assert.equal(v!.activity?.gamesLost, 0, "the honest verifier loses no game");
    assert.equal((v!.activity?.disputesWon ?? 0) + (v!.activity?.disputesLost ?? 0), 0, "no jury was needed");
    assert.equal(v!.slashed, false);
    assert.equal(r.stateHashesAgree, true, "honest trainers end with the same state");
    // Their updates are left out once they are banned: the model still learns.
    assert.ok(r.accuracy > 0.6, `accuracy ${r.accuracy}`);
  });

  it("one honest verifier among three, two of them lazy, the honest one watching: every fraud is slashed through a game, every blind attestation of an honest commitment is accused and costs its verifier, no honest party loses anything", async () => {
    const r = await start([
      ...["--trainers", "5", "--rounds", "2", "--byzantine", "2", "--attack", "one-op,label-flip"],
      ...["--verifiers", "3", "--byzantine-verifiers", "2", "--verifier-attack", "lazy,lazy", "--watch", "10000"],
    ]);
    honestWinEveryGame(r);
    const verifiers = r.peers.filter((p) => p.role === "verifier");
    const [good] = verifiers.filter((p) => p.attack === null);
    assert.equal(good!.activity?.gamesLost, 0, "the honest verifier loses no game");
    assert.equal(good!.activity?.gamesWon, good!.activity?.challenged, "it wins every game it opens");
    assert.equal(good!.slashed, false);
    for (const lazy of verifiers.filter((p) => p.attack === "lazy")) assert.equal(lazy.activity?.challenged, 0, "lazy verifiers attest blind");
    for (const p of honest(r)) {
      assert.equal(p.slashed, false, `honest ${p.address} not slashed`);
      assert.equal(p.credits, "6400", "every honest commitment credited");
    }
    // Each fraud the honest verifier audited or watched was slashed (PROTOCOL.md 7.1): what the lazy ones attested too.
    for (const g of r.games.filter((x) => !x.accusation)) assert.ok(peerOf(r, g.trainer).slashedFor?.includes("fraud"), `${g.trainer}, whose fraud it caught, slashed`);
    for (const name of ["one-op", "label-flip"]) assert.ok(byAttack(r, name).slashedFor?.includes("fraud"), `${name} slashed, audited by whoever`);
    assert.ok((good!.activity?.watched ?? 0) > 0, "the honest verifier watched the lazy ones' audits");
    // Each accusation of a lazy verifier by an honest trainer cost the verifier (7.3); the honest verifier is never accused.
    const accusations = r.games.filter((x) => x.accusation);
    assert.ok(accusations.some((g) => peerOf(r, g.trainer).attack === null), "honest trainers accused blind attestations");
    for (const g of accusations) {
      assert.equal(peerOf(r, g.challenger).attack, "lazy", "only lazy verifiers are accused");
      if (peerOf(r, g.trainer).attack === null) assert.ok(peerOf(r, g.challenger).slashedFor?.includes("blind-attestation"), `${g.challenger} lost the accusation`);
    }
    assert.equal(r.stateHashesAgree, true);
  });

  it("an equivocator is proved and slashed, a withholder is withheld, a false challenger loses; tolerance mode across cpu and wasm", async () => {
    const r = await start([
      ...["--trainers", "5", "--rounds", "2", "--byzantine", "2", "--attack", "equivocate,withhold"],
      ...["--verifiers", "3", "--byzantine-verifiers", "1", "--verifier-attack", "false-challenge"],
      ...["--mode", "tolerance", "--trainer-backends", "wasm,cpu,wasm,wasm,wasm"],
    ]);
    const equivocator = byAttack(r, "equivocate");
    assert.ok(equivocator.slashedFor?.includes("equivocation"), `equivocator: ${equivocator.slashedFor?.join(",")}`);
    const withholder = byAttack(r, "withhold");
    assert.ok(withholder.slashedFor?.includes("withheld"), `withholder: ${withholder.slashedFor?.join(",")}`);
    assert.ok(BigInt(withholder.credits) < 6400n, "no credit for a withheld round");
    for (const p of honest(r)) {
      assert.equal(p.slashed, false, `honest ${p.address} (${p.shard}) not slashed, even on cpu against a wasm reference`);
      assert.equal(p.credits, "6400", "every honest commitment credited, false challenges included");
    }
    const liar = r.peers.find((p) => p.role === "verifier" && p.attack === "false-challenge")!;
    assert.ok((liar.activity?.challenged ?? 0) >= 1, "the false challenger challenged");
    // It may also win against the withholder, whose data it honestly reports missing.
    assert.ok((liar.activity?.disputesLost ?? 0) >= 1, "it lost its challenges of honest trainers");
    assert.ok(liar.slashedFor?.includes("bond-lost"), "and their bonds");
    for (const v of r.peers.filter((p) => p.role === "verifier" && p.attack === null)) {
      assert.equal(v.slashed, false, `honest verifier ${v.address} loses nothing to the false challenger`);
      assert.equal(v.activity?.disputesLost ?? 0, 0);
    }
    assert.equal(r.stateHashesAgree, true);
  });
});
