// Verification overhead of a whole local run (a benchmark, not a test): runs `npm start` (scripts/start.ts)
// with --report, and reads Σ verifier CPU seconds ÷ Σ trainer CPU seconds from the report, and each peer's
// own CPU seconds from its summary.json in the run's work dir (the "logs and data:" line of start's stderr).
//   node scripts/bench/verification.ts [--runs K (1)] [--rounds R (5)] [--local-steps H (2000)] [--pace N|auto|default (auto)] [--json]
// The run is start's default otherwise: 4 trainers, 2 verifiers, audit rate 10 %. The windows are sized
// for this machine (--pace auto), as a run owner sizes them for the trainers' hardware: a verifier's cost
// runs per second of the round and a trainer's per step, so a round that is mostly waiting (start's
// slow-machine default, --pace default) measures the wait, not verification (docs/BENCHMARKS.md). With K > 1
// the figure is the median of K runs (each ratio taken within its run). A run's work dir is removed once read.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runChild } from "./child.ts";
import { median, round } from "./stats.ts";

const USAGE = "usage: node scripts/bench/verification.ts [--runs K (1)] [--rounds R (5)] [--local-steps H (2000)] [--pace N|auto|default (auto)] [--json]";
const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "1" },
    rounds: { type: "string", default: "5" },
    "local-steps": { type: "string", default: "2000" },
    pace: { type: "string", default: "auto" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const runs = Number(values.runs);
const rounds = Number(values.rounds);
const localSteps = Number(values["local-steps"]);
if (![runs, rounds, localSteps].every((n) => Number.isInteger(n) && n > 0)) {
  console.error(`bench verification: --runs, --rounds and --local-steps must be positive integers\n${USAGE}`);
  process.exit(2);
}
const pace = values.pace;
if (pace !== "auto" && pace !== "default" && !/^[1-9][0-9]*$/.test(pace)) {
  console.error(`bench verification: --pace must be auto, default or a positive integer (got '${pace}')\n${USAGE}`);
  process.exit(2);
}
const paceArgs = pace === "default" ? [] : ["--pace", pace];

interface PeerCpu {
  peer: string;
  cpuSeconds: number;
  /** Of which before its first round (trainer) or its poll loop (verifier). */
  startupCpuSeconds: number;
  audits?: number;
}

interface RunFigures {
  verificationOverhead: number;
  /** The same ratio without each process's start-up CPU: what verification costs per round once running. */
  afterStartup: number;
  trainerCpuSeconds: number;
  verifierCpuSeconds: number;
  /** Mean running CPU (start-up left out) per process, in ms per second of the run's wall time: a verifier's
   * is mostly a steady cost of being a peer (libp2p, chain polls), a trainer's its training. */
  cpuMsPerSecond: { trainer: number; verifier: number };
  peers: PeerCpu[];
  wallSeconds: number;
  /** The run's windows as start created them, and the pace they were sized for (undefined: start's default). */
  roundSeconds: number;
  commitSeconds: number;
  pace: number | undefined;
}

function readJson(file: string): Record<string, unknown> | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>) : undefined;
}

async function oneRun(): Promise<RunFigures> {
  const out = mkdtempSync(join(tmpdir(), "verihive-bench-"));
  const reportFile = join(out, "report.json");
  const t0 = performance.now();
  const { stderr } = await runChild(process.execPath, ["scripts/start.ts", "--rounds", String(rounds), "--local-steps", String(localSteps), ...paceArgs, "--report", reportFile], {
    timeoutMs: (120 + rounds * (60 + localSteps / 10)) * 1000,
  });
  const wallSeconds = (performance.now() - t0) / 1000;
  const report = readJson(reportFile);
  const workDir = /^logs and data: (.+)$/m.exec(stderr)?.[1];
  rmSync(out, { recursive: true, force: true });
  if (typeof report?.verificationOverhead !== "number") throw new Error("start's report has no verificationOverhead");
  if (workDir === undefined) throw new Error("start did not name its work dir");
  const windows = /rounds of ([0-9]+) s \(commit ([0-9]+) s/.exec(stderr);
  if (!windows) throw new Error("start did not print its run's windows");
  const sized = /windows sized for ([0-9]+)/.exec(stderr)?.[1] ?? (/^[0-9]+$/.test(pace) ? pace : undefined);
  const peers: PeerCpu[] = [];
  for (const role of ["trainer", "verifier"]) {
    for (let i = 0; existsSync(join(workDir, `${role}-${i}`)); i++) {
      const s = readJson(join(workDir, `${role}-${i}`, "summary.json"));
      if (typeof s?.cpuSeconds !== "number" || typeof s.startupCpuSeconds !== "number") throw new Error(`${role} ${i} reported no cpuSeconds or startupCpuSeconds`);
      peers.push({
        peer: `${role}-${i}`,
        cpuSeconds: round(s.cpuSeconds, 2),
        startupCpuSeconds: round(s.startupCpuSeconds, 2),
        ...(typeof s.audits === "number" && { audits: s.audits }),
      });
    }
  }
  rmSync(workDir, { recursive: true, force: true });
  const sum = (prefix: string) => peers.filter((p) => p.peer.startsWith(prefix)).reduce((a, p) => a + p.cpuSeconds, 0);
  const running = (prefix: string) => peers.filter((p) => p.peer.startsWith(prefix)).reduce((a, p) => a + p.cpuSeconds - p.startupCpuSeconds, 0);
  const perSecond = (prefix: string) => (1000 * running(prefix)) / peers.filter((p) => p.peer.startsWith(prefix)).length / wallSeconds;
  return {
    verificationOverhead: round(report.verificationOverhead, 4),
    afterStartup: round(running("verifier") / running("trainer"), 4),
    trainerCpuSeconds: round(sum("trainer"), 2),
    verifierCpuSeconds: round(sum("verifier"), 2),
    cpuMsPerSecond: { trainer: round(perSecond("trainer"), 1), verifier: round(perSecond("verifier"), 1) },
    peers,
    wallSeconds: Math.round(wallSeconds),
    roundSeconds: Number(windows[1]),
    commitSeconds: Number(windows[2]),
    pace: sized === undefined ? undefined : Number(sized),
  };
}

const perRun: RunFigures[] = [];
for (let k = 0; k < runs; k++) {
  if (!values.json) process.stderr.write(`run ${k + 1}/${runs}: npm start -- --rounds ${rounds} --local-steps ${localSteps} ${paceArgs.join(" ")} …\n`);
  perRun.push(await oneRun());
}
const result = {
  verificationOverhead: round(median(perRun.map((r) => r.verificationOverhead)), 4),
  verificationOverheadAfterStartup: round(median(perRun.map((r) => r.afterStartup)), 4),
  cpuMsPerSecond: {
    trainer: round(median(perRun.map((r) => r.cpuMsPerSecond.trainer)), 1),
    verifier: round(median(perRun.map((r) => r.cpuMsPerSecond.verifier)), 1),
  },
  run: {
    trainers: perRun[0]!.peers.filter((p) => p.peer.startsWith("trainer")).length,
    verifiers: perRun[0]!.peers.filter((p) => p.peer.startsWith("verifier")).length,
    rounds,
    localSteps,
    auditRate: 0.1,
    /** Steps per core-second the windows were sized for (null: start's slow-machine default), and the windows. */
    pace: perRun[0]!.pace ?? null,
    roundSeconds: perRun[0]!.roundSeconds,
    commitSeconds: perRun[0]!.commitSeconds,
  },
  runs,
  perRun,
};
if (values.json) console.log(JSON.stringify(result));
else {
  const sizing = result.run.pace === null ? "start's slow-machine windows" : `windows sized for ${result.run.pace} steps per core-second`;
  console.log(`npm start, ${result.run.trainers} trainers, ${result.run.verifiers} verifiers, ${rounds} rounds of ${localSteps} local steps (${sizing}: rounds of ${result.run.roundSeconds} s, commit ${result.run.commitSeconds} s), audit rate 10 %: median of ${runs} run(s)`);
  console.log(`  verification overhead  ${result.verificationOverhead}  (target <= 0.03)`);
  console.log(`  after start-up         ${result.verificationOverheadAfterStartup}  (each process's CPU before its first round left out)`);
  console.log(`  CPU ms per wall second, running: trainer ${result.cpuMsPerSecond.trainer}, verifier ${result.cpuMsPerSecond.verifier} (means over processes)`);
  for (const [k, r] of perRun.entries()) {
    const peers = r.peers.map((p) => `${p.peer} ${p.cpuSeconds} s (start-up ${p.startupCpuSeconds})`).join(", ");
    console.log(`  run ${k + 1}: ${r.verificationOverhead} = ${r.verifierCpuSeconds} s ÷ ${r.trainerCpuSeconds} s CPU, ${r.afterStartup} after start-up; ${peers}`);
  }
}
