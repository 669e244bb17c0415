import { ACCURACY_MARGIN, isFigures, UNDETECTED, type EntryResult, type GauntletResult, type RunFigures } from "./summary.ts";

// The table `npm run gauntlet` prints (pure): one row for the clean run, one per attack.

const acc = (r: RunFigures) => r.accuracy.toFixed(4);

function verdict(clean: GauntletResult["clean"], a: EntryResult): string {
  const d = a.defended;
  if (!isFigures(d)) return "FAILED";
  const notes: string[] = [];
  if (isFigures(clean) && d.accuracy < clean.accuracy - ACCURACY_MARGIN) notes.push("accuracy");
  if (!UNDETECTED.includes(a.name) && d.byzantineSlashed < d.byzantine) notes.push("not all slashed");
  if (d.honestSlashed > 0) notes.push("honest slashed");
  return notes.length === 0 ? "ok" : `MISS (${notes.join(", ")})`;
}

/** Rows of cells: the header, the clean run, then each attack. */
export function tableRows(result: GauntletResult): string[][] {
  const header = ["attack", "defended acc", "Δ clean", "byz slashed", "honest slashed", "rounds to 1st slash", "undefended acc", "verdict"];
  const clean = result.clean;
  const rows: string[][] = [header];
  rows.push(isFigures(clean) ? ["(clean)", acc(clean), "", "", String(clean.honestSlashed), "", "", ""] : ["(clean)", "FAILED", "", "", "", "", "", clean.error.slice(0, 40)]);
  for (const a of result.attacks) {
    const d = a.defended;
    const u = a.undefended;
    const undefended = u === null ? "-" : isFigures(u) ? acc(u) : "FAILED";
    if (!isFigures(d)) {
      rows.push([a.name, "FAILED", "", "", "", "", undefended, verdict(clean, a)]);
      continue;
    }
    const delta = isFigures(clean) ? `${d.accuracy >= clean.accuracy ? "+" : ""}${(100 * (d.accuracy - clean.accuracy)).toFixed(2)}` : "";
    const verifiers = d.byzantineVerifiersSlashed === undefined ? "" : ` (verifier ${d.byzantineVerifiersSlashed})`;
    rows.push([
      a.name,
      acc(d),
      delta,
      `${d.byzantineSlashed}/${d.byzantine}${verifiers}`,
      String(d.honestSlashed),
      d.roundsToFirstSlash === null ? "-" : String(d.roundsToFirstSlash),
      undefended,
      verdict(clean, a),
    ]);
  }
  return rows;
}

/** Cells padded into columns; numbers right-aligned. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const numeric = (s: string) => /^[+-]?[0-9.]+$/.test(s);
  return rows
    .map((r, i) => {
      const line = r.map((cell, c) => (i > 0 && numeric(cell) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join("  ");
      return i === 0 ? `${line.trimEnd()}\n${widths.map((w) => "-".repeat(w)).join("  ")}` : line.trimEnd();
    })
    .join("\n");
}

/** The same rows as a Markdown table (for docs/SECURITY.md), with each run's accuracy curve below it. */
export function markdownTable(result: GauntletResult): string {
  const rows = tableRows(result);
  const line = (r: readonly string[]) => `| ${r.map((c) => c || " ").join(" | ")} |`;
  const lines = [line(rows[0]!), `|${rows[0]!.map((_, c) => (c === 0 || c === rows[0]!.length - 1 ? "---" : "---:")).join("|")}|`, ...rows.slice(1).map(line)];
  const curve = (name: string, r: GauntletResult["clean"] | EntryResult["undefended"]) =>
    isFigures(r) ? [`- ${name}: ${r.accuracyByRound.map((a) => a.toFixed(3)).join(", ")}`] : [];
  lines.push("", "Accuracy after each round:", "", ...curve("clean", result.clean));
  for (const a of result.attacks) lines.push(...curve(`${a.name} defended`, a.defended), ...curve(`${a.name} undefended`, a.undefended));
  return lines.join("\n");
}
