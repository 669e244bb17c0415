import { spawn } from "node:child_process";
import { copyFileSync, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Report } from "../local-run/report.ts";
import { localRunSpec, settledBy } from "../local-run/run-spec.ts";
import type { GauntletOptions, PlannedRun } from "./plan.ts";

// One gauntlet run: `node scripts/start.ts … --report FILE` as a child, in the repository root, with its
// stderr kept in `<out>/<id>.log`, the report in `<out>/<id>.json`, how it ran (flags, exit code, seconds)
// in `<out>/<id>.run.json`, and each peer's log copied to `<out>/<id>/` before start's work dir (data
// directories, blobs) is removed. `--resume` reuses a run whose files say it ran with the same flags.

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** An honest trainer's round line of start's stderr: "trainer 0 round 3: loss 0.118 accuracy 0.9592". */
const ROUND_LINE = /^trainer 0(?: \([^)]*\))? round ([0-9]+): loss \S+ accuracy ([0-9.?]+)/;

/** Round and accuracy of trainer 0's round line (trainer 0 is never byzantine), else undefined. */
export function roundOfLine(line: string): { round: number; accuracy: string } | undefined {
  const m = ROUND_LINE.exec(line);
  return m ? { round: Number(m[1]), accuracy: m[2]! } : undefined;
}

/** start's work dir, from its "logs and data: DIR" line. */
export function workDirOf(stderr: string): string | undefined {
  return /^logs and data: (.+)$/m.exec(stderr)?.[1];
}

/** Seconds a run may take before it is stopped: start-up, the rounds, settlement and slack. */
export function runTimeoutSeconds(o: Pick<GauntletOptions, "rounds" | "localSteps" | "trainers" | "verifiers" | "auditRateBps">, cores: number): number {
  const spec = localRunSpec({ ...o, startTime: 0n, mode: "exact", toleranceMicros: 0, cores });
  return 120 + settledBy(spec) + 240;
}

/** `<out>/<id>.run.json`. */
export interface RunRecord {
  args: string[];
  exitCode: number;
  wallSeconds: number;
}

/** The outcome of an earlier run of `run` in `out` with the same flags, if its report and record are there. */
export function earlierRun(run: PlannedRun, out: string): RunOutcome | undefined {
  const [reportFile, recordFile] = [join(out, `${run.id}.json`), join(out, `${run.id}.run.json`)];
  if (!existsSync(reportFile) || !existsSync(recordFile)) return undefined;
  try {
    const record = JSON.parse(readFileSync(recordFile, "utf8")) as RunRecord;
    if (JSON.stringify(record.args) !== JSON.stringify(run.args)) return undefined;
    return { report: JSON.parse(readFileSync(reportFile, "utf8")) as Report, exitCode: record.exitCode, wallSeconds: record.wallSeconds };
  } catch {
    return undefined;
  }
}

/** The child running now, for a signal handler to stop. */
let current: ReturnType<typeof spawn> | undefined;

/** Stops the run in progress (SIGINT: start stops its peers and its chain); false when none runs. */
export function stopCurrentRun(): boolean {
  if (current === undefined || current.exitCode !== null) return false;
  current.kill("SIGINT");
  return true;
}

export interface RunOutcome {
  report: Report | undefined;
  exitCode: number;
  wallSeconds: number;
  /** Why there is no report. */
  error?: string;
}

/** Runs `run`; `progress` gets a line per round of trainer 0. */
export function runOnce(run: PlannedRun, out: string, timeoutSeconds: number, progress: (line: string) => void): Promise<RunOutcome> {
  const reportFile = join(out, `${run.id}.json`);
  const logFile = join(out, `${run.id}.log`);
  rmSync(reportFile, { force: true });
  rmSync(join(out, `${run.id}.run.json`), { force: true });
  const log = createWriteStream(logFile);
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["scripts/start.ts", ...run.args, "--report", reportFile], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
    current = child;
    let stderr = "";
    let partial = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      log.write(chunk);
      stderr += chunk;
      const lines = (partial + chunk).split("\n");
      partial = lines.pop()!;
      for (const line of lines) {
        const r = roundOfLine(line);
        if (r) progress(`round ${r.round}: accuracy ${r.accuracy}`);
      }
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGINT"); // start stops its peers and its chain on SIGINT
      setTimeout(() => child.kill("SIGKILL"), 30_000).unref();
    }, timeoutSeconds * 1000);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      log.end();
      const wallSeconds = (performance.now() - t0) / 1000;
      const workDir = workDirOf(stderr);
      if (workDir !== undefined && existsSync(workDir)) keepPeerLogs(workDir, join(out, run.id));
      const exitCode = code ?? 1;
      let report: Report | undefined;
      try {
        report = existsSync(reportFile) ? (JSON.parse(readFileSync(reportFile, "utf8")) as Report) : undefined;
      } catch {
        report = undefined;
      }
      if (report !== undefined) writeFileSync(join(out, `${run.id}.run.json`), `${JSON.stringify({ args: [...run.args], exitCode, wallSeconds: Math.round(wallSeconds) } satisfies RunRecord)}\n`);
      const why = timedOut ? `timed out after ${timeoutSeconds} s` : signal ? `killed by ${signal}` : `exit ${code}`;
      const tail = stderr.trim().split("\n").slice(-2).join(" | ");
      resolve({ report, exitCode, wallSeconds, ...(report === undefined && { error: `no report (${why}${tail ? `: ${tail}` : ""}); see ${logFile}` }) });
    });
  });
}

/** Copies the peers' logs (`*.log`) of start's work dir to `dest` and removes the work dir. */
function keepPeerLogs(workDir: string, dest: string): void {
  mkdirSync(dest, { recursive: true });
  for (const f of readdirSync(workDir)) if (f.endsWith(".log")) copyFileSync(join(workDir, f), join(dest, f));
  rmSync(workDir, { recursive: true, force: true });
}
