// npm run gauntlet: the Byzantine gauntlet. One clean run, then for each attack the same npm start run twice:
// defended (CenteredClip, audits, slashing) and undefended (plain mean, no audits: npm start --undefended).
// Prints a table of accuracy and slashes and, with --json FILE, writes the result; every run's report and
// logs stay in --out. `npm run gauntlet -- --help` lists the flags; scripts/gauntlet/ holds the pieces, and
// docs/SECURITY.md what the figures mean.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  assembleResult,
  earlierRun,
  figuresOf,
  formatTable,
  GauntletUsageError,
  isVerifierEntry,
  markdownTable,
  parseGauntletOptions,
  planRuns,
  runOnce,
  runTimeoutSeconds,
  stopCurrentRun,
  tableRows,
  type EntryResult,
  type GauntletOptions,
  type RunFigures,
  USAGE,
} from "./gauntlet/index.ts";

const say = (line: string) => process.stderr.write(`${line}\n`);
const minutes = (s: number) => `${(s / 60).toFixed(1)} min`;

async function main(o: GauntletOptions): Promise<number> {
  const out = o.out === undefined ? mkdtempSync(join(tmpdir(), "verihive-gauntlet-")) : resolve(o.out);
  mkdirSync(out, { recursive: true });
  const runs = planRuns(o);
  const timeout = runTimeoutSeconds(o, availableParallelism());
  say(
    `gauntlet: ${runs.length} runs of ${o.trainers} trainers (${o.byzantine} byzantine), ${o.verifiers} verifiers, ${o.rounds} rounds of ${o.localSteps} steps, ` +
      `audit rate ${o.auditRateBps / 100}% when defended; reports and logs in ${out}`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    say(`gauntlet: stopping (${signal}); finished runs' reports stay in ${out} (--resume reuses them)`);
    if (!stopCurrentRun()) process.exit(130);
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  const figures = new Map<string, RunFigures | { error: string }>();
  /** The entries whose runs are all done, and the result so far. */
  const resultSoFar = (partial: boolean) => {
    const done = o.entries.filter((name) => figures.has(`${name}-defended`) && (!o.undefended || isVerifierEntry(name) || figures.has(`${name}-undefended`)));
    const attacks: EntryResult[] = done.map((name) => ({ name, defended: figures.get(`${name}-defended`)!, undefended: figures.get(`${name}-undefended`) ?? null }));
    return assembleResult(o, figures.get("clean")!, attacks, { date: new Date().toISOString(), out, partial });
  };
  const t0 = performance.now();
  /** Seconds each run started here took (for the time left). */
  const ran: number[] = [];
  for (const [k, run] of runs.entries()) {
    const label = `[${k + 1}/${runs.length}] ${run.id}`;
    const eta = ran.length === 0 ? "" : `, about ${minutes((ran.reduce((a, s) => a + s, 0) / ran.length) * (runs.length - k))} left`;
    say(`gauntlet: ${label}: npm start -- ${run.args.join(" ")}${eta}`);
    const earlier = o.resume ? earlierRun(run, out) : undefined;
    if (earlier) say(`gauntlet: ${label}: reusing the earlier run's report (--resume)`);
    const r = earlier ?? (await runOnce(run, out, timeout, (line) => say(`gauntlet: ${label}: ${line}`)));
    if (stopping) break;
    if (!earlier) ran.push(r.wallSeconds);
    const f = r.report === undefined ? { error: r.error ?? "no report" } : figuresOf(r.report, r.exitCode, r.wallSeconds);
    figures.set(run.id, f);
    if ("error" in f) say(`gauntlet: ${label}: FAILED: ${f.error}`);
    else {
      const slashes = run.defence === "clean" ? "" : `, byzantine slashed ${f.byzantineSlashed}/${f.byzantine}`;
      say(`gauntlet: ${label}: accuracy ${f.accuracy.toFixed(4)}${slashes}, honest slashed ${f.honestSlashed}, ${minutes(f.wallSeconds)}${r.exitCode === 0 ? "" : ` (start exited ${r.exitCode})`}`);
    }
    if (o.json && k < runs.length - 1) writeFileSync(o.json, `${JSON.stringify(resultSoFar(true), null, 2)}\n`);
  }
  if (stopping) return 130;
  const result = resultSoFar(false);
  console.log(
    `\n${o.trainers} trainers (${o.byzantine} byzantine), ${o.verifiers} verifiers, ${o.rounds} rounds of ${o.localSteps} local steps, ` +
      `audit rate ${o.auditRateBps / 100}% defended / 0% undefended; ${minutes((performance.now() - t0) / 1000)}\n`,
  );
  console.log(formatTable(tableRows(result)));
  console.log(result.misses.length === 0 ? "\nall targets met" : `\ntargets missed:\n${result.misses.map((m) => `- ${m}`).join("\n")}`);
  console.log(`reports and logs: ${out}`);
  if (o.json) {
    writeFileSync(o.json, `${JSON.stringify(result, null, 2)}\n`);
    say(`gauntlet: wrote ${o.json}`);
  }
  if (o.markdown) {
    writeFileSync(o.markdown, `${markdownTable(result)}\n`);
    say(`gauntlet: wrote ${o.markdown}`);
  }
  return result.misses.length === 0 ? 0 : 1;
}

let options: GauntletOptions | "help";
try {
  options = parseGauntletOptions(process.argv.slice(2));
} catch (e) {
  if (!(e instanceof GauntletUsageError)) throw e;
  console.error(`gauntlet: ${e.message}\n${USAGE}`);
  process.exit(2);
}
if (options === "help") {
  console.log(USAGE);
  process.exit(0);
}
process.exit(await main(options));
