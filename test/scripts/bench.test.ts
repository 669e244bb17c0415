// The pure helpers of `npm run bench` (scripts/bench/): nothing here times anything.
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { busyNote } from "../../scripts/bench/machine.ts";
import { assemble, missingKeys, REQUIRED_KEYS } from "../../scripts/bench/result.ts";
import { lastJsonObject, median, round } from "../../scripts/bench/stats.ts";
import { formatTable, tableRows, verdict } from "../../scripts/bench/table.ts";

const meta = { quick: true, date: "2026-01-01T00:00:00.000Z", machine: { cores: 2 }, notes: [], errors: {} };

describe("bench helpers", () => {
  describe("median", () => {
    it("takes the middle value of an odd count, in any order", () => assert.equal(median([5, 1, 3]), 3));
    it("averages the two middle values of an even count", () => assert.equal(median([4, 1, 3, 2]), 2.5));
    it("does not reorder its input", () => {
      const xs = [3, 1, 2];
      median(xs);
      assert.deepEqual(xs, [3, 1, 2]);
    });
    it("refuses an empty list", () => assert.throws(() => median([]), RangeError));
  });

  it("round keeps the asked decimals", () => assert.equal(round(1.23456, 2), 1.23));

  describe("lastJsonObject", () => {
    it("skips a banner and takes the last object line", () => {
      assert.deepEqual(lastJsonObject('Hi, looks like you are running TensorFlow.js\n{"a":1}\n{"b":2}\n'), { b: 2 });
    });
    it("ignores a line that only starts like JSON", () => assert.deepEqual(lastJsonObject('{"a":1}\n{not json\n'), { a: 1 }));
    it("fails when there is no object", () => assert.throws(() => lastJsonObject("[1]\nplain\n"), SyntaxError));
  });

  describe("assemble", () => {
    it("carries every required key even when every part failed", () => {
      const r = assemble({}, meta);
      assert.deepEqual(missingKeys(r as unknown as Record<string, unknown>), []);
      for (const k of REQUIRED_KEYS) assert.equal(r[k], null, k);
    });

    it("takes each figure from its part", () => {
      const r = assemble(
        {
          gas: { commit: 69_000 },
          core: { hashGBps: 2, commitGBps: 1.2, aggregationMs: { "4": 80, "8": 150, "16": 330 } },
          p2p: { exchangeMBps: 190 },
          ml: { stepsPerSecond: { wasm: 300, cpu: 50 }, referenceOverWasm: 1.4 },
          protocol: { protocolOverhead: 1.01 },
          verification: {
            verificationOverhead: 0.2,
            verificationOverheadAfterStartup: 0.05,
            cpuMsPerSecond: { trainer: 60, verifier: 12.5 },
            perRun: [
              { verificationOverhead: 0.3, peers: [{ peer: "trainer-0", cpuSeconds: 9 }] },
              { verificationOverhead: 0.2, peers: [{ peer: "trainer-0", cpuSeconds: 10 }, { peer: "verifier-0", cpuSeconds: 2 }] },
            ],
          },
          scaling: { partitioning: "all-to-all", rounds: 3, rows: [] },
          baseline: { backend: "pytorch-cpu", version: "1.13", threads: 1, stepsPerSecond: 200 },
        },
        meta,
      );
      assert.deepEqual(r.gas, { commit: 69_000 });
      assert.equal(r.hashGBps, 2);
      assert.equal(r.commitGBps, 1.2);
      assert.deepEqual(r.aggregationMs, { "4": 80, "8": 150, "16": 330 });
      assert.equal(r.exchangeMBps, 190);
      assert.equal(r.referenceOverWasm, 1.4);
      assert.equal(r.protocolOverhead, 1.01);
      assert.equal(r.verificationOverhead, 0.2);
      assert.equal(r.verificationOverheadAfterStartup, 0.05);
      assert.deepEqual(r.verificationCpuSeconds, { trainers: [10], verifiers: [2] });
      assert.deepEqual(r.verificationCpuMsPerSecond, { trainer: 60, verifier: 12.5 });
      assert.equal(r.scaling?.partitioning, "all-to-all");
      assert.deepEqual(r.baseline, { backend: "pytorch-cpu", version: "1.13", threads: 1, stepsPerSecond: 200, ratio: { wasm: 1.5, cpu: 0.25 } });
    });

    it("keeps a skipped baseline as a note", () => {
      assert.deepEqual(assemble({ baseline: { skipped: "python3-torch is not installed" } }, meta).baseline, { skipped: "python3-torch is not installed" });
    });

    it("drops a figure that is not a finite number", () => {
      assert.equal(assemble({ core: { hashGBps: "fast", aggregationMs: { "4": null } } }, meta).hashGBps, null);
      assert.equal(assemble({ core: { aggregationMs: { "4": null } } }, meta).aggregationMs, null);
    });
  });

  describe("table", () => {
    it("judges a figure against an upper bound", () => {
      assert.equal(verdict(1.02, 1.05), "ok");
      assert.equal(verdict(0.138, 0.03), "over");
      assert.equal(verdict(null, 0.03), "");
      assert.equal(verdict(3, undefined), "");
    });

    it("shows the targets, with a dash for a missing figure", () => {
      const rows = tableRows(assemble({ protocol: { protocolOverhead: 1.2 } }, meta));
      const protocol = rows.find((r) => r.figure === "protocol overhead")!;
      assert.deepEqual([protocol.value, protocol.target, protocol.verdict], ["1.200", "≤ 1.05", "over"]);
      assert.equal(rows.find((r) => r.figure === "verification overhead")!.value, "-");
    });

    it("formats rows as a Markdown table with aligned columns", () => {
      const text = formatTable([
        { figure: "a", value: "1", target: "", verdict: "" },
        { figure: "longer", value: "22", target: "≤ 3", verdict: "ok" },
      ]);
      const lines = text.split("\n");
      assert.equal(lines.length, 4);
      assert.match(lines[1]!, /^\| -+ \| -+ \| -+ \| -+ \|$/);
      assert.ok(lines.every((l) => l.length === lines[0]!.length));
    });
  });

  describe("busyNote", () => {
    it("is silent while the load stays within the cores", () => assert.equal(busyNote([0.5, 1.9, 2], 2), undefined));
    it("names the highest load above the core count", () => assert.match(busyNote([1, 6.5, 3], 2)!, /up to 6\.5 on 2 cores/));
  });
});
