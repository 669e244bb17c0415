// Gas used per protocol operation on the in-process Hardhat network (a benchmark, not a test).
//   npm run bench:gas            table
//   npm run bench:gas -- --json  one JSON object { operation: gasUsed }
//   npm run bench:gas -- --write-snapshot   also refresh snapshots/gas.json (the gas test compares against it)
import { writeFileSync } from "node:fs";
import { measureFloat32Gas } from "../test/contracts/float32-gas.ts";
import { measureGas } from "../test/contracts/gas-scenario.ts";
import { measureGameGas } from "../test/contracts/game-gas.ts";

// oneStepMax: the arithmetic of the largest one-element check of the reference step; game.*: every move of a whole
// game (issue 15: no transaction over 5 M, gameTotal ≤ 10 M).
// attest: 80 k before the attention digest took a storage word (PROTOCOL.md 7.3).
const TARGETS: Record<string, number> = { commit: 70_000, finalize: 80_000, attest: 105_000, proveEquivocation: 150_000, oneStepMax: 5_000_000, gameTotal: 10_000_000 };

const args = process.argv.slice(2);
if (args.includes("--help")) {
  console.log("usage: npm run bench:gas -- [--json] [--write-snapshot]");
  process.exit(0);
}
const unknown = args.filter((a) => a !== "--json" && a !== "--write-snapshot");
if (unknown.length > 0) {
  console.error(`bench:gas: unknown argument(s) ${unknown.join(" ")} (try --help)`);
  process.exit(2);
}

const report = await measureGas();
if (args.includes("--write-snapshot")) {
  writeFileSync(new URL("../snapshots/gas.json", import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
}
// Not in the snapshot: the Float32 library's figures (f32.<op>, the median over typical operands) and oneStepMax.
Object.assign(report, await measureFloat32Gas(), await measureGameGas());
if (args.includes("--json")) {
  console.log(JSON.stringify(report));
} else {
  console.log("operation                    gas      target");
  for (const [name, gas] of Object.entries(report)) {
    const target = TARGETS[name] ?? (name.startsWith("game.") || name.startsWith("update.") || name.startsWith("manifest.") ? 5_000_000 : undefined);
    const verdict = target === undefined ? "" : `${target}  ${gas <= target ? "ok" : "OVER"}`;
    console.log(`${name.padEnd(26)} ${String(gas).padStart(9)}  ${verdict}`);
  }
}
process.exit(0);
