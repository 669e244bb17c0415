import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "mocha";
import { measureGas, type GasReport } from "./gas-scenario.ts";

// The committed snapshot: refresh with `npm run bench:gas -- --write-snapshot` when a change is intended.
const snapshot = JSON.parse(readFileSync(new URL("../../snapshots/gas.json", import.meta.url), "utf8")) as GasReport;
const ALLOWED_RISE = 1.05;

describe("gas snapshot", () => {
  let report: GasReport;
  before(async () => {
    report = await measureGas();
  });

  it("no operation costs more than 5% over snapshots/gas.json", () => {
    const risen = Object.entries(snapshot)
      .filter(([name, gas]) => (report[name] ?? Infinity) > gas * ALLOWED_RISE)
      .map(([name, gas]) => `${name}: ${report[name]} > ${gas} * ${ALLOWED_RISE}`);
    assert.deepEqual(risen, []);
  });

  it("measures every operation the snapshot lists", () => {
    assert.deepEqual(Object.keys(report).sort(), Object.keys(snapshot).sort());
  });

  it("commit costs the same whatever the steps per round", () => {
    // 16 vs 4096 local steps: only calldata bytes may differ.
    assert.ok(Math.abs(report.commit! - report.commitLongRound!) < 200, `${report.commit} vs ${report.commitLongRound}`);
  });
});
