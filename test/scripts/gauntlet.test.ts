// npm run gauntlet's pure pieces (scripts/gauntlet/): the flags and the runs they lead to, a report boiled down
// to figures, the targets, the table, and what is read from npm start's stderr.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "mocha";
import type { Address } from "viem";
import {
  assembleResult,
  DEFAULTS,
  earlierRun,
  figuresOf,
  formatTable,
  GauntletUsageError,
  markdownTable,
  parseGauntletOptions,
  planRuns,
  QUICK,
  QUICK_ENTRIES,
  roundOfLine,
  runTimeoutSeconds,
  tableRows,
  targetMisses,
  workDirOf,
  type EntryResult,
  type GauntletOptions,
  type RunFigures,
} from "../../scripts/gauntlet/index.ts";
import { parseStartOptions } from "../../scripts/local-run/options.ts";
import type { PeerReport, Report } from "../../scripts/local-run/report.ts";

function parse(...argv: string[]): GauntletOptions {
  const o = parseGauntletOptions(argv);
  assert.notEqual(o, "help");
  return o as GauntletOptions;
}

function refuses(argv: string[], expected: string): void {
  assert.throws(
    () => parseGauntletOptions(argv),
    (e: unknown) => e instanceof GauntletUsageError && e.message.includes(expected),
    `expected a GauntletUsageError containing "${expected}"`,
  );
}

const addr = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as Address;

function peer(n: number, role: "trainer" | "verifier", attack: PeerReport["attack"], slashed = false, slashedInRound?: number): PeerReport {
  return {
    address: addr(n),
    role,
    shard: role === "trainer" ? "gate" : null,
    attack,
    slashed,
    ...(slashedInRound !== undefined && { slashedInRound }),
    credits: "0",
    rewards: "0",
    exitCode: 0,
  };
}

function report(accuracy: number, peers: PeerReport[]): Report {
  return { rounds: 3, accuracy, accuracyByRound: [0.8, 0.9, accuracy], stateHashesAgree: true, verificationOverhead: 0.01, peers };
}

const figures = (accuracy: number, over: Partial<RunFigures> = {}): RunFigures => ({
  accuracy,
  accuracyByRound: [accuracy],
  byzantineSlashed: 3,
  byzantine: 3,
  honestSlashed: 0,
  roundsToFirstSlash: 1,
  stateHashesAgree: true,
  exitCode: 0,
  wallSeconds: 60,
  ...over,
});

describe("npm run gauntlet (scripts/gauntlet/)", () => {
  describe("flags", () => {
    it("defaults to every trainer attack on 8 trainers of which 3 byzantine, 2 verifiers", () => {
      const o = parse();
      assert.deepEqual(o.entries, ["sign-flip", "noise", "label-flip", "equivocate", "withhold", "alie", "ipm", "stale", "free-ride", "one-op", "hide-one-op"]);
      assert.deepEqual([o.trainers, o.byzantine, o.verifiers, o.rounds, o.localSteps, o.auditRateBps], [8, 3, 2, DEFAULTS.rounds, DEFAULTS.localSteps, DEFAULTS.auditRateBps]);
      assert.equal(o.undefended, true);
      assert.equal(planRuns(o).length, 23);
    });

    it("shortens runs and the list with --quick, unless rounds, steps or attacks are given", () => {
      const q = parse("--quick");
      assert.deepEqual([q.rounds, q.localSteps], [QUICK.rounds, QUICK.localSteps]);
      assert.deepEqual(q.entries, QUICK_ENTRIES);
      const given = parse("--quick", "--rounds", "6", "--local-steps", "100", "--attacks", "noise");
      assert.deepEqual([given.rounds, given.localSteps, given.entries], [6, 100, ["noise"]]);
    });

    it("refuses unknown or repeated attacks, bad counts and steps", () => {
      refuses(["--attacks", "sign-flip,krum"], "--attacks: each must be one of sign-flip, noise");
      refuses(["--attacks", "ipm,ipm"], "--attacks names an attack twice");
      refuses(["--trainers", "4", "--byzantine", "4"], "--byzantine must be an integer in [1, 3] (got '4')");
      refuses(["--local-steps", "110"], "--local-steps must be a multiple of 25");
      refuses(["--audit-rate", "0"], "--audit-rate must be an integer in [1, 10000]");
      refuses(["--attacks", "lazy", "--verifiers", "1"], "a verifier attack needs --verifiers 2 or more");
      refuses(["--bogus"], "Unknown option '--bogus'");
    });

    it("returns help for -h", () => {
      assert.equal(parseGauntletOptions(["-h"]), "help");
    });
  });

  describe("runs", () => {
    it("runs clean first, then each attack defended and undefended with the same shape", () => {
      const runs = planRuns(parse("--attacks", "ipm,withhold", "--rounds", "3"));
      assert.deepEqual(runs.map((r) => r.id), ["clean", "ipm-defended", "ipm-undefended", "withhold-defended", "withhold-undefended"]);
      const flags = runs.map((r) => parseStartOptions(r.args));
      for (const f of flags) assert.ok(f !== "help" && f.trainers === 8 && f.rounds === 3 && f.verifiers === 2);
      const [clean, ipmD, ipmU] = flags as Exclude<(typeof flags)[number], "help">[];
      assert.deepEqual([clean!.byzantine, clean!.auditRateBps, clean!.undefended], [0, 5000, false]);
      assert.deepEqual([ipmD!.byzantine, ipmD!.attack?.names[0], ipmD!.attack?.lambda, ipmD!.auditRateBps, ipmD!.undefended], [3, "ipm", 4, 5000, false]);
      assert.deepEqual([ipmU!.byzantine, ipmU!.attack?.names[0], ipmU!.attack?.lambda, ipmU!.auditRateBps, ipmU!.undefended], [3, "ipm", 4, 0, true]);
      assert.equal((flags[3] as Exclude<(typeof flags)[number], "help">).attack?.lambda, undefined);
    });

    it("runs a verifier attack defended only, beside sign-flip trainers", () => {
      const runs = planRuns(parse("--attacks", "lazy"));
      assert.deepEqual(runs.map((r) => r.id), ["clean", "lazy-defended"]);
      const f = parseStartOptions(runs[1]!.args);
      assert.ok(f !== "help");
      assert.deepEqual([f.byzantineVerifiers, f.verifierAttacks?.[0], f.attack?.names[0]], [1, "lazy", "sign-flip"]);
    });

    it("skips the undefended runs with --no-undefended", () => {
      assert.deepEqual(planRuns(parse("--attacks", "ipm", "--no-undefended")).map((r) => r.id), ["clean", "ipm-defended"]);
    });

    it("gives a run time for start-up, the rounds and settlement", () => {
      const short = runTimeoutSeconds({ rounds: 2, localSteps: 100, trainers: 8, verifiers: 2, auditRateBps: 5000 }, 2);
      const long = runTimeoutSeconds({ rounds: 10, localSteps: 100, trainers: 8, verifiers: 2, auditRateBps: 5000 }, 2);
      assert.ok(short > 360 && long > short);
    });
  });

  describe("figures", () => {
    it("counts byzantine and honest slashes and the first slashed round from a report", () => {
      const r = report(0.97, [
        peer(1, "trainer", null),
        peer(2, "trainer", "ipm", true, 2),
        peer(3, "trainer", "ipm", true, 0),
        peer(4, "trainer", "ipm"),
        peer(5, "verifier", null, true),
        peer(6, "verifier", null),
      ]);
      const f = figuresOf(r, 1, 123.4);
      assert.deepEqual(
        { ...f },
        { accuracy: 0.97, accuracyByRound: [0.8, 0.9, 0.97], byzantineSlashed: 2, byzantine: 3, honestSlashed: 1, roundsToFirstSlash: 1, stateHashesAgree: true, exitCode: 1, wallSeconds: 123 },
      );
    });

    it("has no first slash when nobody byzantine was slashed, and counts byzantine verifiers apart", () => {
      const f = figuresOf(report(0.9, [peer(1, "trainer", null), peer(2, "trainer", "sign-flip"), peer(3, "verifier", "lazy")]), 0, 1);
      assert.equal(f.roundsToFirstSlash, null);
      assert.equal(f.byzantineVerifiersSlashed, 0);
      assert.equal(f.honestSlashed, 0);
    });
  });

  describe("targets", () => {
    const entry = (name: EntryResult["name"], defended: EntryResult["defended"], undefended: EntryResult["undefended"] = figures(0.5)): EntryResult => ({ name, defended, undefended });

    it("meets them: clean at 0.97 or more, each defended run within a point, all byzantine slashed, no honest one", () => {
      assert.deepEqual(targetMisses(figures(0.975), [entry("ipm", figures(0.966)), entry("alie", figures(0.99))]), []);
    });

    it("names each miss", () => {
      const misses = targetMisses(figures(0.96), [
        entry("ipm", figures(0.9)),
        entry("noise", figures(0.96, { byzantineSlashed: 2 })),
        entry("stale", figures(0.96, { honestSlashed: 1 })),
        entry("withhold", { error: "no report" }),
        entry("alie", figures(0.96), { error: "timed out" }),
      ]);
      assert.deepEqual(misses, [
        "clean accuracy 0.9600 is below 0.97",
        "ipm defended: accuracy 0.9000 is more than 1 point below the clean run's 0.9600",
        "noise defended: 2 of 3 byzantine trainers slashed",
        "stale defended: 1 honest peer(s) slashed",
        "withhold defended: the run failed: no report",
        "alie undefended: the run failed: timed out",
      ]);
    });

    it("does not ask for slashes under lazy, which nothing catches", () => {
      assert.deepEqual(targetMisses(figures(0.975), [entry("lazy", figures(0.97, { byzantineSlashed: 0 }), null)]), []);
    });
  });

  describe("table and JSON", () => {
    it("has the clean run, then a row per attack with its verdict", () => {
      const o = parse("--attacks", "ipm,lazy");
      const result = assembleResult(o, figures(0.975), [{ name: "ipm", defended: figures(0.97, { roundsToFirstSlash: 2 }), undefended: figures(0.42) }, { name: "lazy", defended: figures(0.9, { byzantineSlashed: 1, byzantineVerifiersSlashed: 0 }), undefended: null }], { date: "d", out: "/tmp/x" });
      const rows = tableRows(result);
      assert.deepEqual(rows[1], ["(clean)", "0.9750", "", "", "0", "", "", ""]);
      assert.deepEqual(rows[2], ["ipm", "0.9700", "-0.50", "3/3", "0", "2", "0.4200", "ok"]);
      assert.deepEqual(rows[3], ["lazy", "0.9000", "-7.50", "1/3 (verifier 0)", "0", "1", "-", "MISS (accuracy)"]);
      const text = formatTable(rows);
      assert.match(text.split("\n")[0]!, /^attack\s+defended acc/);
      assert.equal(text.split("\n").length, 5);
      assert.deepEqual(Object.keys(result), ["clean", "attacks", "setup", "misses", "date", "out"]);
      assert.deepEqual(Object.keys(result.attacks[0]!.defended), Object.keys(figures(0)));
      const md = markdownTable(result).split("\n");
      assert.equal(md[0], "| attack | defended acc | Δ clean | byz slashed | honest slashed | rounds to 1st slash | undefended acc | verdict |");
      assert.equal(md[3], "| ipm | 0.9700 | -0.50 | 3/3 | 0 | 2 | 0.4200 | ok |");
      assert.ok(md.includes("- ipm undefended: 0.420"));
    });
  });

  describe("start's stderr", () => {
    it("reads trainer 0's round lines and nobody else's", () => {
      assert.deepEqual(roundOfLine("trainer 0 round 3: loss 0.118 accuracy 0.9592"), { round: 3, accuracy: "0.9592" });
      assert.equal(roundOfLine("trainer 1 round 3: loss 0.118 accuracy 0.9592"), undefined);
      assert.equal(roundOfLine("trainer 10 round 3: loss 0.118 accuracy 0.9592"), undefined);
    });

    it("finds the work dir", () => {
      assert.equal(workDirOf("a\nlogs and data: /tmp/verihive-start-x\nb"), "/tmp/verihive-start-x");
      assert.equal(workDirOf("nothing"), undefined);
    });
  });
});

describe("npm run gauntlet --resume (scripts/gauntlet/run.ts)", () => {
  const out = mkdtempSync(join(tmpdir(), "verihive-gauntlet-test-"));
  after(() => rmSync(out, { recursive: true, force: true }));
  const run = planRuns(parseGauntletOptions(["--attacks", "ipm"]) as GauntletOptions)[1]!;
  const rep = report(0.96, [peer(1, "trainer", null)]);

  it("reuses a run whose report and record name the same flags", () => {
    writeFileSync(join(out, `${run.id}.json`), JSON.stringify(rep));
    writeFileSync(join(out, `${run.id}.run.json`), JSON.stringify({ args: run.args, exitCode: 1, wallSeconds: 400 }));
    assert.deepEqual(earlierRun(run, out), { report: rep, exitCode: 1, wallSeconds: 400 });
  });

  it("runs again when the flags differ, or the record or the report is missing", () => {
    writeFileSync(join(out, `${run.id}.run.json`), JSON.stringify({ args: [...run.args, "--rounds", "2"], exitCode: 0, wallSeconds: 1 }));
    assert.equal(earlierRun(run, out), undefined);
    rmSync(join(out, `${run.id}.run.json`));
    assert.equal(earlierRun(run, out), undefined);
    assert.equal(earlierRun({ ...run, id: "other" }, out), undefined);
  });

  it("needs --out", () => {
    assert.throws(() => parseGauntletOptions(["--resume"]), /--resume needs --out DIR/);
  });
});
