// Measured detection rate of a trainer that corrupts a fraction f of its segments, against the formula
// P(detect within n rounds) = 1 − (1 − rate·f)^n of docs/PROTOCOL.md section 6 (a benchmark, not a test).
// Uses the real contracts on the in-process Hardhat network: every round the trainer commits, openAudits
// draws the audit seed from prevrandao, and auditOf says whether it is audited and which segment; the
// round is caught when that segment is one the attack corrupted (node/trainer/attacks/segments.ts).
//   npm run bench:detection -- [--rounds N] [--fraction F] [--audit-rate BPS] [--window n] [--json]
import { parseArgs } from "node:util";
import { detectionProbability } from "../lib/core/index.ts";
import { isCorrupted } from "../node/trainer/attacks/segments.ts";
import { deployCore, openAndCommit, openAudits, seatRun } from "../test/contracts/fixture.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "1000" },
    fraction: { type: "string", default: "0.1" },
    "audit-rate": { type: "string", default: "1000" },
    window: { type: "string", default: "10" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log("usage: npm run bench:detection -- [--rounds N (1000)] [--fraction F (0.1)] [--audit-rate BPS (1000)] [--window n (10)] [--json]");
  process.exit(0);
}
const rounds = Number(values.rounds);
const fraction = Number(values.fraction);
const auditRateBps = Number(values["audit-rate"]);
const window = Number(values.window);
if (!Number.isInteger(rounds) || rounds < window || !(fraction > 0 && fraction <= 1) || !Number.isInteger(auditRateBps) || auditRateBps < 1 || auditRateBps > 10_000) {
  console.error("bench:detection: --rounds ≥ --window, --fraction in (0, 1], --audit-rate in [1, 10000]");
  process.exit(2);
}

const t0 = performance.now();
const f = await seatRun(await deployCore(), { rounds, auditRateBps, localSteps: 500, checkpointInterval: 25, roundLength: 60, commitWindow: 30 });
const segments = f.spec.localSteps / f.spec.checkpointInterval;
const seed = 12345;
const trainer = f.trainers[0]!.account.address;
const caught: boolean[] = [];
let audited = 0;
let corruptedSegments = 0;
for (let r = 0n; r < BigInt(rounds); r++) {
  await openAndCommit(f, r, [{ index: 0 }]);
  await openAudits(f, r);
  const [isAudited, segment] = await f.coordinator.read.auditOf([f.runId, r, trainer]);
  for (let j = 0; j < segments; j++) if (isCorrupted(seed, r, j, fraction)) corruptedSegments++;
  if (isAudited) audited++;
  caught.push(isAudited && isCorrupted(seed, r, Number(segment), fraction));
  if (!values.json && (r + 1n) % 100n === 0n) process.stderr.write(`\r${r + 1n}/${rounds} rounds`);
}
if (!values.json) process.stderr.write("\n");
// Sliding windows of n rounds: the share with at least one catch.
let windowsCaught = 0;
for (let s = 0; s + window <= rounds; s++) if (caught.slice(s, s + window).some(Boolean)) windowsCaught++;
const result = {
  rounds,
  segments,
  fraction,
  measuredFraction: corruptedSegments / (rounds * segments),
  auditRateBps,
  measuredAuditRate: audited / rounds,
  perRound: { measured: caught.filter(Boolean).length / rounds, formula: detectionProbability(auditRateBps, fraction, 1) },
  window,
  withinWindow: { measured: windowsCaught / (rounds - window + 1), formula: detectionProbability(auditRateBps, fraction, window) },
  seconds: Math.round((performance.now() - t0) / 1000),
};
if (values.json) console.log(JSON.stringify(result));
else {
  console.log(`${rounds} rounds on the real contracts, ${segments} segments each, trainer corrupting ${fraction} of them (measured ${result.measuredFraction.toFixed(4)})`);
  console.log(`  audited rounds        ${result.measuredAuditRate.toFixed(4)} (audit rate ${auditRateBps / 10_000})`);
  console.log(`  caught per round      ${result.perRound.measured.toFixed(4)} (formula ${result.perRound.formula.toFixed(4)})`);
  console.log(`  caught within ${window} rounds ${result.withinWindow.measured.toFixed(4)} (formula ${result.withinWindow.formula.toFixed(4)}; sliding windows)`);
}
process.exit(0);
