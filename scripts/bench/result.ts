// What `npm run bench -- --json FILE` writes, and how it is put together from each part's JSON (pure).

/** One row of scaling: N trainers exchanging their updates for a few rounds. */
export interface ScalingRow {
  trainers: number;
  /** Median over rounds of the time from "go" until every trainer has fetched and aggregated. */
  roundMs: number;
  /** Update payload bytes each peer served, per round (mean over peers). */
  bytesSentPerPeer: number;
  bytesReceivedPerPeer: number;
  /** Mean update size of the trainers (bytes). */
  updateBytes: number;
  /** bytesSentPerPeer ÷ updateBytes: N − 1 for all-to-all, about 2 for butterfly partitioning. */
  sentOverUpdate: number;
}

export interface ScalingResult {
  partitioning: "all-to-all" | "butterfly";
  rounds: number;
  rows: ScalingRow[];
}

export interface BaselineResult {
  backend: string;
  version: string;
  threads: number;
  stepsPerSecond: number;
  /** tfjs steps/s ÷ PyTorch steps/s, per tfjs backend, within this run. */
  ratio?: Record<string, number>;
}

/** What `npm run bench -- --json FILE` writes. A figure is null when its part failed or was skipped. */
export interface BenchResult {
  quick: boolean;
  date: string;
  machine: Record<string, string | number>;
  gas: Record<string, number> | null;
  hashGBps: number | null;
  /** Tensor commitments (lib/core/tensor-commit.ts) over a ~16 MB state, GB/s (target ≥ 1). */
  commitGBps: number | null;
  exchangeMBps: number | null;
  stepsPerSecond: Record<string, number> | null;
  /** Reference-kernel steps/s ÷ tfjs wasm steps/s, the lower of the gate and the expert step, same run (target ≥ 1). */
  referenceOverWasm: number | null;
  protocolOverhead: number | null;
  verificationOverhead: number | null;
  /** The same without each process's start-up CPU (Node, tfjs, MNIST, chain and libp2p set-up). */
  verificationOverheadAfterStartup: number | null;
  /** Running CPU (start-up left out) per process and wall second of the run, medians: what the ratio is made of. */
  verificationCpuMsPerSecond: { trainer: number; verifier: number } | null;
  /** CPU seconds of each process in the run whose verificationOverhead is the median. */
  verificationCpuSeconds: { trainers: number[]; verifiers: number[] } | null;
  aggregationMs: Record<string, number> | null;
  scaling: ScalingResult | null;
  baseline: BaselineResult | { skipped: string } | null;
  /** Each part's own JSON, for the figures the table does not show. */
  details: Record<string, unknown>;
  notes: string[];
  errors: Record<string, string>;
}

/** The keys the issue asks for; a test checks BenchResult still carries them. */
export const REQUIRED_KEYS = [
  "gas",
  "hashGBps",
  "exchangeMBps",
  "stepsPerSecond",
  "referenceOverWasm",
  "protocolOverhead",
  "verificationOverhead",
  "aggregationMs",
  "scaling",
  "baseline",
] as const;

/** Keys of REQUIRED_KEYS missing from `value` (null counts as present: a failed part). */
export function missingKeys(value: Record<string, unknown>): string[] {
  return REQUIRED_KEYS.filter((k) => !(k in value));
}


/** The parts `npm run bench` runs, in order; each is a child process printing one JSON object. */
export const PART_NAMES = ["gas", "core", "p2p", "ml", "baseline", "protocol", "scaling", "verification"] as const;
export type PartName = (typeof PART_NAMES)[number];

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
/** An object of finite numbers, or null. */
export function numbers(v: unknown): Record<string, number> | null {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return null;
  const e = Object.entries(v);
  return e.every(([, x]) => num(x) !== null) ? (Object.fromEntries(e) as Record<string, number>) : null;
}

function baselineOf(b: Record<string, unknown> | undefined, steps: Record<string, number> | null): BenchResult["baseline"] {
  if (b === undefined) return null;
  if (typeof b.skipped === "string") return { skipped: b.skipped };
  const rate = num(b.stepsPerSecond);
  if (rate === null || rate <= 0) return null;
  const ratio = steps === null ? undefined : Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, Number((v / rate).toFixed(3))]));
  return { backend: String(b.backend), version: String(b.version), threads: num(b.threads) ?? 0, stepsPerSecond: rate, ...(ratio && { ratio }) };
}

function cpuOf(v: Record<string, unknown> | undefined): BenchResult["verificationCpuSeconds"] {
  const overhead = num(v?.verificationOverhead);
  if (overhead === null || !Array.isArray(v?.perRun) || v.perRun.length === 0) return null;
  type Run = { verificationOverhead: number; peers: { peer: string; cpuSeconds: number }[] };
  const runs = v.perRun as Run[];
  const run = runs.reduce((best, r) => (Math.abs(r.verificationOverhead - overhead) < Math.abs(best.verificationOverhead - overhead) ? r : best));
  const of = (role: string) => run.peers.filter((p) => p.peer.startsWith(role)).map((p) => p.cpuSeconds);
  return { trainers: of("trainer"), verifiers: of("verifier") };
}

function msPerSecondOf(v: unknown): BenchResult["verificationCpuMsPerSecond"] {
  const n = numbers(v);
  return n !== null && typeof n.trainer === "number" && typeof n.verifier === "number" ? { trainer: n.trainer, verifier: n.verifier } : null;
}

/** The result from each part's JSON (a part missing from `details` failed or was skipped: its figures are null). */
export function assemble(
  details: Partial<Record<PartName, Record<string, unknown>>>,
  meta: { quick: boolean; date: string; machine: Record<string, string | number>; notes: string[]; errors: Record<string, string> },
): BenchResult {
  const { core, p2p, ml, protocol, verification, scaling } = details;
  const stepsPerSecond = numbers(ml?.stepsPerSecond);
  return {
    quick: meta.quick,
    date: meta.date,
    machine: meta.machine,
    gas: numbers(details.gas),
    hashGBps: num(core?.hashGBps),
    commitGBps: num(core?.commitGBps),
    exchangeMBps: num(p2p?.exchangeMBps),
    stepsPerSecond,
    referenceOverWasm: num(ml?.referenceOverWasm),
    protocolOverhead: num(protocol?.protocolOverhead),
    verificationOverhead: num(verification?.verificationOverhead),
    verificationOverheadAfterStartup: num(verification?.verificationOverheadAfterStartup),
    verificationCpuMsPerSecond: msPerSecondOf(verification?.cpuMsPerSecond),
    verificationCpuSeconds: cpuOf(verification),
    aggregationMs: numbers(core?.aggregationMs),
    scaling: scaling && Array.isArray(scaling.rows) ? (scaling as unknown as ScalingResult) : null,
    baseline: baselineOf(details.baseline, stepsPerSecond),
    details,
    notes: meta.notes,
    errors: meta.errors,
  };
}
