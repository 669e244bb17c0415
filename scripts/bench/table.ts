import type { BenchResult } from "./result.ts";

// The table `npm run bench` prints (Markdown, also readable in a terminal), with the targets (pure).

export interface Row {
  figure: string;
  value: string;
  target: string;
  /** "ok", "over", or "" when there is no target. */
  verdict: string;
}

/** `value` against an upper bound: "ok" or "over"; "" when either is missing. */
export function verdict(value: number | null | undefined, atMost: number | undefined): string {
  if (value === null || value === undefined || atMost === undefined) return "";
  return value <= atMost ? "ok" : "over";
}

const fmt = (x: number | null | undefined, digits: number, unit = ""): string => (x === null || x === undefined ? "-" : `${x.toFixed(digits)}${unit}`);
const entries = (o: Record<string, number> | null, digits: number, unit = ""): string =>
  o === null ? "-" : Object.entries(o).map(([k, v]) => `${k} ${v.toFixed(digits)}${unit}`).join(", ");

/** Gas targets of bench-gas.ts (operation → most gas allowed). */
export const GAS_TARGETS: Record<string, number> = { commit: 70_000, finalize: 80_000, attest: 80_000, proveEquivocation: 150_000 };

/** The table rows of a result. */
export function tableRows(r: BenchResult): Row[] {
  const rows: Row[] = [];
  // The operations with a target; the others are in the JSON (and in npm run bench:gas).
  for (const [op, t] of Object.entries(GAS_TARGETS)) {
    const gas = r.gas?.[op];
    rows.push({ figure: `gas ${op}`, value: gas === undefined ? "-" : String(gas), target: `≤ ${t}`, verdict: verdict(gas, t) });
  }
  rows.push({ figure: "state hash GB/s", value: fmt(r.hashGBps, 3), target: "", verdict: "" });
  rows.push({ figure: "tensor commitments GB/s", value: fmt(r.commitGBps, 3), target: "≥ 1", verdict: r.commitGBps === null ? "" : r.commitGBps >= 1 ? "ok" : "under" });
  rows.push({ figure: "update exchange MB/s", value: fmt(r.exchangeMBps, 1), target: "", verdict: "" });
  rows.push({ figure: "steps/s (gate step, batch 64)", value: entries(r.stepsPerSecond, 1), target: "", verdict: "" });
  rows.push({ figure: "reference kernels ÷ wasm steps/s", value: fmt(r.referenceOverWasm, 2), target: "≥ 1", verdict: r.referenceOverWasm === null ? "" : r.referenceOverWasm >= 1 ? "ok" : "under" });
  const b = r.baseline;
  if (b !== null && "skipped" in b) rows.push({ figure: "PyTorch CPU baseline", value: `skipped: ${b.skipped}`, target: "", verdict: "" });
  else if (b !== null) {
    rows.push({ figure: `PyTorch ${b.version} CPU steps/s`, value: `${b.stepsPerSecond.toFixed(1)} (${b.threads} thread${b.threads === 1 ? "" : "s"})`, target: "", verdict: "" });
    if (b.ratio) rows.push({ figure: "tfjs ÷ PyTorch steps/s", value: entries(b.ratio, 2), target: "", verdict: "" });
  }
  rows.push({ figure: "protocol overhead", value: fmt(r.protocolOverhead, 3), target: "≤ 1.05", verdict: verdict(r.protocolOverhead, 1.05) });
  rows.push({ figure: "verification overhead", value: fmt(r.verificationOverhead, 3), target: "≤ 0.03", verdict: verdict(r.verificationOverhead, 0.03) });
  rows.push({ figure: "  after start-up", value: fmt(r.verificationOverheadAfterStartup, 3), target: "", verdict: "" });
  const perSecond = r.verificationCpuMsPerSecond;
  if (perSecond) rows.push({ figure: "  CPU ms per second, running", value: `trainer ${perSecond.trainer}, verifier ${perSecond.verifier}`, target: "", verdict: "" });
  const cpu = r.verificationCpuSeconds;
  if (cpu) rows.push({ figure: "  CPU s per process", value: `trainers ${cpu.trainers.join(", ")}; verifiers ${cpu.verifiers.join(", ")}`, target: "", verdict: "" });
  rows.push({ figure: "CenteredClip ms (N updates)", value: entries(r.aggregationMs, 1), target: "", verdict: "" });
  for (const s of r.scaling?.rows ?? []) {
    const kb = (n: number) => `${(n / 1e3).toFixed(0)} kB`;
    rows.push({
      figure: `round, ${s.trainers} trainers (${r.scaling!.partitioning})`,
      value: `${s.roundMs.toFixed(0)} ms, sent ${kb(s.bytesSentPerPeer)}/peer = ${s.sentOverUpdate.toFixed(2)}× update (${kb(s.updateBytes)})`,
      target: "≈ 2× update",
      verdict: verdict(s.sentOverUpdate, 2.5),
    });
  }
  if (r.scaling === null) rows.push({ figure: "scaling", value: "-", target: "", verdict: "" });
  return rows;
}

/** Rows as a Markdown table (also readable in a terminal). */
export function formatTable(rows: readonly Row[]): string {
  const cells = (r: Row) => [r.figure, r.value, r.target, r.verdict];
  const header = ["figure", "value", "target", ""];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => cells(r)[i]!.length)));
  const line = (cs: readonly string[]) => `| ${cs.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map((r) => line(cells(r)))].join("\n");
}
