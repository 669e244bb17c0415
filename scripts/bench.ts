// npm run bench: every benchmark, one after the other, each in its own child process; prints a table with
// the targets and optionally writes everything as JSON (a benchmark, not a test). docs/BENCHMARKS.md says
// how each figure is measured. scripts/bench/ holds the pieces:
//   parts.ts         what each part runs (full and --quick)
//   child.ts         running a child and reading the JSON object it prints last
//   result.ts        the JSON written (BenchResult) and how it is put together
//   table.ts         the table printed
//   stats.ts         median, rounding, JSON-line parsing
//   machine.ts       cores, CPU model, memory, Node version
//   scaling.ts, scaling-peer.ts   update exchange at 2, 4, 8 trainers
//   verification.ts  verifier CPU ÷ trainer CPU of an npm start run
//   torch_step.py    the PyTorch CPU baseline
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { busyNote, load1, machineInfo } from "./bench/machine.ts";
import { PARTS } from "./bench/parts.ts";
import { assemble, PART_NAMES, type PartName } from "./bench/result.ts";
import { formatTable, tableRows } from "./bench/table.ts";

const USAGE = `usage: npm run bench -- [--quick] [--json FILE] [--only LIST] [--skip LIST]
  --quick      fewer rounds and runs (about 2–4 min instead of about 13 on 2 cores): a shorter npm start run for
               the verification overhead, among others; the output says what changed
  --json FILE  write the result as JSON (figures, each part's own JSON, machine, notes, errors)
  --only LIST  run only these parts, comma-separated; --skip LIST: all but these
parts, in order: ${PART_NAMES.join(", ")}`;

function options(): { quick: boolean; json?: string; only?: string; skip?: string; help?: boolean } {
  try {
    const { values } = parseArgs({
      options: {
        quick: { type: "boolean", default: false },
        json: { type: "string" },
        only: { type: "string" },
        skip: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    return values;
  } catch (e) {
    console.error(`bench: ${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

function partList(list: string | undefined): Set<PartName> | undefined {
  if (list === undefined) return undefined;
  const names = list.split(",").map((s) => s.trim());
  const bad = names.filter((n) => !(PART_NAMES as readonly string[]).includes(n));
  if (bad.length > 0) {
    console.error(`bench: unknown part(s) ${bad.join(", ")}\n${USAGE}`);
    process.exit(2);
  }
  return new Set(names as PartName[]);
}

const o = options();
if (o.help) {
  console.log(USAGE);
  process.exit(0);
}
const only = partList(o.only);
const skip = partList(o.skip) ?? new Set<PartName>();
const say = (line: string) => process.stderr.write(`${line}\n`);

const details: Partial<Record<PartName, Record<string, unknown>>> = {};
const errors: Record<string, string> = {};
const notes: string[] = [];
const t0 = performance.now();
// The 1-minute load average before each part, except after a part that ran many processes itself.
const loads: number[] = [];
let ownLoad = false;
for (const part of PARTS) {
  if ((only && !only.has(part.name)) || skip.has(part.name)) {
    notes.push(`${part.name}: not run (--only/--skip)`);
    continue;
  }
  if (!ownLoad) loads.push(load1());
  ownLoad = part.manyProcesses === true;
  say(`bench: ${part.name}: ${part.what} …`);
  const started = performance.now();
  try {
    details[part.name] = await part.run(o.quick);
    if (o.quick && part.quickNote) notes.push(`quick: ${part.quickNote}`);
    say(`bench: ${part.name} done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  } catch (e) {
    errors[part.name] = (e as Error).message;
    say(`bench: ${part.name} FAILED: ${(e as Error).message}`);
  }
}
const b = details.baseline;
if (b && typeof b.skipped === "string") notes.push(`baseline skipped: ${b.skipped}`);
if (details.gas) notes.push(`gas: ${Object.keys(details.gas).length} operations measured, those with a target shown; all in the JSON and in npm run bench:gas`);
if (details.scaling) notes.push("scaling: the trainers exchange updates all-to-all (every trainer fetches every other trainer's update); butterfly partitioning would send about 2× an update per peer");

const machine: Record<string, string | number> = { ...machineInfo(), loadAverages: loads.join(" ") };
const busy = busyNote(loads, Number(machine.cores));
if (busy) notes.push(busy);

const result = assemble(details, { quick: o.quick, date: new Date().toISOString(), machine, notes, errors });
const m = result.machine;
console.log(`\n${m.cores} cores, ${m.cpu}, ${m.memoryGiB} GiB, Node ${m.node}${o.quick ? "; --quick" : ""}; ${((performance.now() - t0) / 60_000).toFixed(1)} min\n`);
console.log(formatTable(tableRows(result)));
if (notes.length > 0) console.log(`\n${notes.map((n) => `- ${n}`).join("\n")}`);
for (const [name, message] of Object.entries(errors)) console.log(`- ${name} FAILED: ${message}`);
if (o.json) {
  writeFileSync(o.json, `${JSON.stringify(result, null, 2)}\n`);
  say(`bench: wrote ${o.json}`);
}
process.exit(Object.keys(errors).length === 0 ? 0 : 1);
