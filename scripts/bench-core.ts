// Throughput of the pure core's hot paths (a benchmark, not a test).
//   node scripts/bench-core.ts          table
//   node scripts/bench-core.ts --json   one JSON object
//     { "hashGBps": n, "hashGBpsNoble": n, "aggregationMs": { "4": ms, "8": ms, "16": ms }, "updateLength": n }
// hashGBps / hashGBpsNoble: stateHash framing over a ~16 MB state with node:crypto / @noble/hashes SHA-256.
// commitGBps (Small): the chunked tensor commitments a contract opens (lib/core/tensor-commit.ts), ~16 MB (~1 MB).
// aggregationMs: CenteredClip (20 iterations) over N updates of the model's size: every shard's parameters
// and momentum slots of the default MoE (457,624 floats; --length L for another size). Every figure is the
// median of --runs (5) runs after one warm-up run.
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { sha256 } from "@noble/hashes/sha2.js";
import { centeredClip, stateHash } from "../lib/core/index.ts";
import { listRoot, tensorRoot } from "../lib/core/tensor-commit.ts";
import { DEFAULT_MOE_SPEC, shardNames } from "../lib/ml/index.ts";
import { stateSizes } from "../lib/protocol/index.ts";

const CLIP_SIZES = [4, 8, 16] as const;
const MODEL_LENGTH = shardNames(DEFAULT_MOE_SPEC).reduce((s, n) => s + stateSizes(n, DEFAULT_MOE_SPEC).reduce((a, b) => a + b, 0), 0);
const USAGE = `usage: node scripts/bench-core.ts [--json] [--runs 5] [--length ${MODEL_LENGTH}]
  state hash throughput (node:crypto and @noble/hashes SHA-256, ~16 MB and ~1 MB states)
  and CenteredClip wall time for N = 4, 8, 16 updates of --length floats (default: the model's parameters
  and slots); medians of --runs runs after a warm-up`;

function options(): { json?: boolean; runs?: string; length?: string; help?: boolean } {
  try {
    return parseArgs({ options: { json: { type: "boolean" }, runs: { type: "string" }, length: { type: "string" }, help: { type: "boolean" } } }).values;
  } catch (err) {
    console.error(`bench-core: ${(err as Error).message} (try --help)`);
    process.exit(2);
  }
}
const args = options();
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const RUNS = Number(args.runs ?? 5);
const UPDATE_LENGTH = Number(args.length ?? MODEL_LENGTH);
if (!Number.isInteger(RUNS) || RUNS < 1 || !Number.isInteger(UPDATE_LENGTH) || UPDATE_LENGTH < 1) {
  console.error("bench-core: --runs and --length must be positive integers");
  process.exit(2);
}

/** Median wall time in ms of `RUNS` calls of `fn`, after one warm-up call. */
function medianMs(fn: () => void): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(RUNS / 2)]!;
}

/** Deterministic pseudo-random floats in [-1, 1) (xorshift32), so runs are comparable. */
function filled(length: number, seed: number): Float32Array {
  const a = new Float32Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    a[i] = (x >>> 0) / 2 ** 31 - 1;
  }
  return a;
}

/** A state of about `totalBytes` in six equal tensors (e.g. weights and biases, plus two optimizer slots each). */
function stateOf(totalBytes: number): Float32Array[] {
  const perTensor = Math.floor(totalBytes / 4 / 6);
  return Array.from({ length: 6 }, (_, i) => filled(perTensor, i + 1));
}

/** Same framing as stateHash, through @noble/hashes. */
function nobleStateHash(arrays: readonly Float32Array[]): Uint8Array {
  const h = sha256.create();
  const prefix = new Uint8Array(4);
  for (const a of arrays) {
    new DataView(prefix.buffer).setUint32(0, a.length, true);
    h.update(prefix);
    h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  return h.digest();
}

function gbps(state: readonly Float32Array[], hash: (s: readonly Float32Array[]) => unknown): number {
  const bytes = state.reduce((s, a) => s + a.byteLength, 0);
  return bytes / 1e9 / (medianMs(() => hash(state)) / 1e3);
}

const large = stateOf(16 * 1024 * 1024);
const small = stateOf(1024 * 1024);
const hashGBps = gbps(large, stateHash);
const hashGBpsNoble = gbps(large, nobleStateHash);
const hashGBpsSmall = gbps(small, stateHash);
const hashGBpsNobleSmall = gbps(small, nobleStateHash);

/** The commitment a contract opens (docs/PROTOCOL.md 3.9): each tensor's chunked root, then the list root. */
function stateCommitment(arrays: readonly Float32Array[]): string {
  return listRoot(arrays.map((a) => tensorRoot(a, a.length, 1)));
}
const commitGBps = gbps(large, stateCommitment);
const commitGBpsSmall = gbps(small, stateCommitment);

const aggregationMs: Record<string, number> = {};
for (const n of CLIP_SIZES) {
  const updates = Array.from({ length: n }, (_, i) => filled(UPDATE_LENGTH, 1000 + i));
  const out = new Float32Array(UPDATE_LENGTH);
  aggregationMs[String(n)] = medianMs(() => centeredClip(updates, { tau: 10, out }));
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));
if (args.json) {
  const ms = Object.fromEntries(Object.entries(aggregationMs).map(([k, v]) => [k, round(v, 2)]));
  console.log(JSON.stringify({ hashGBps: round(hashGBps, 3), hashGBpsNoble: round(hashGBpsNoble, 3), commitGBps: round(commitGBps, 3), commitGBpsSmall: round(commitGBpsSmall, 3), aggregationMs: ms, updateLength: UPDATE_LENGTH, runs: RUNS }));
} else {
  const mb = (s: readonly Float32Array[]) => (s.reduce((t, a) => t + a.byteLength, 0) / 2 ** 20).toFixed(1);
  console.log(`state hash, ${mb(large)} MiB  node:crypto ${hashGBps.toFixed(3)} GB/s   @noble/hashes ${hashGBpsNoble.toFixed(3)} GB/s`);
  console.log(`state hash, ${mb(small)} MiB   node:crypto ${hashGBpsSmall.toFixed(3)} GB/s   @noble/hashes ${hashGBpsNobleSmall.toFixed(3)} GB/s`);
  console.log(`tensor commitments (8 KiB chunks, SHA-256 tree per tensor, list root): ${mb(large)} MiB ${commitGBps.toFixed(3)} GB/s, ${mb(small)} MiB ${commitGBpsSmall.toFixed(3)} GB/s`);
  for (const [n, ms] of Object.entries(aggregationMs)) {
    console.log(`CenteredClip N=${n.padEnd(2)} × ${UPDATE_LENGTH} floats, 20 iterations: ${ms.toFixed(1)} ms`);
  }
}
