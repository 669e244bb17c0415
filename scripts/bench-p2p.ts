// Update transfer throughput between two processes over libp2p on loopback (a benchmark, not a test).
//   node scripts/bench-p2p.ts          a line of text
//   node scripts/bench-p2p.ts --json   one JSON object: { "exchangeMBps": n }
// A child process (this script on the same Node, process.execPath) serves a 16 MiB blob on /verihive/blob/1.0.0;
// this process fetches it with fetchBlob (length check, SHA-256 check included). exchangeMBps is the
// median of 5 fetches after one warm-up fetch, in MB/s (10^6 bytes per second).
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { peerIdFromString } from "@libp2p/peer-id";
import { isHex, type Hex } from "viem";
import { hashBytes } from "../lib/core/index.ts";
import { createVerihiveNode, fetchBlob, peerIdentityFromEthKey } from "../lib/p2p/index.ts";

const RUNS = 5;
const BLOB_BYTES = 16 * 1024 * 1024;
const SERVER_READY_TIMEOUT_MS = 60_000;
const FETCH_TIMEOUT_MS = 30_000;
const SERVER_KEY: Hex = `0x${"5e".repeat(32)}`;
const CLIENT_KEY: Hex = `0x${"c1".repeat(32)}`;

const args = process.argv.slice(2);
if (args.includes("--help")) {
  console.log("usage: node scripts/bench-p2p.ts [--json]");
  console.log("  fetch throughput of a 16 MiB blob from a second process over libp2p (tcp + noise + yamux) on");
  console.log("  127.0.0.1, hash-checked; median of 5 fetches after a warm-up, in MB/s (10^6 B/s)");
  process.exit(0);
}
const unknown = args.filter((a) => a !== "--json" && a !== "--serve");
if (unknown.length > 0) {
  console.error(`bench-p2p: unknown argument(s) ${unknown.join(" ")} (try --help)`);
  process.exit(2);
}

/** Child: serves one random blob, prints one JSON line { addr, peerId, hash, bytes }, exits when stdin closes. */
async function serve(): Promise<void> {
  const blob = new Uint8Array(randomBytes(BLOB_BYTES));
  const hash = hashBytes(blob);
  const node = await createVerihiveNode({
    privateKey: peerIdentityFromEthKey(SERVER_KEY).privateKey,
    blobs: { store: { get: (h) => (h === hash ? blob : undefined) } },
  });
  process.stdout.write(`${JSON.stringify({ addr: node.getMultiaddrs()[0]!.toString(), peerId: node.peerId.toString(), hash, bytes: blob.length })}\n`);
  process.stdin.resume();
  await once(process.stdin, "end");
  await node.stop();
}

interface ServerInfo {
  addr: string;
  peerId: string;
  hash: Hex;
  bytes: number;
}

function parseServerInfo(line: string): ServerInfo {
  const value: unknown = JSON.parse(line);
  if (typeof value !== "object" || value === null) throw new Error("server line is not an object");
  const { addr, peerId, hash, bytes } = value as Record<string, unknown>;
  if (typeof addr !== "string" || typeof peerId !== "string" || typeof hash !== "string" || !isHex(hash) || typeof bytes !== "number") {
    throw new Error(`unexpected server line: ${line}`);
  }
  return { addr, peerId, hash, bytes };
}

/** Spawns the serving child and waits for its first line. */
async function startServer(): Promise<{ child: ChildProcess; info: ServerInfo }> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "--serve"], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! });
  const timer = setTimeout(() => child.kill("SIGTERM"), SERVER_READY_TIMEOUT_MS);
  try {
    const [exit, line] = await Promise.race([
      once(child, "exit").then(() => ["exit", ""] as const),
      once(lines, "line").then(([l]) => ["line", String(l)] as const),
    ]);
    if (exit === "exit") throw new Error("bench server exited before it was ready");
    return { child, info: parseServerInfo(line) };
  } finally {
    clearTimeout(timer);
  }
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.stdin?.end();
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

async function bench(): Promise<number> {
  const { child, info } = await startServer();
  const client = await createVerihiveNode({ privateKey: peerIdentityFromEthKey(CLIENT_KEY).privateKey, bootstrap: [info.addr] });
  try {
    const peerId = peerIdFromString(info.peerId);
    const fetchOnce = async (): Promise<number> => {
      const t0 = performance.now();
      const bytes = await fetchBlob(client, peerId, info.hash, { maxBytes: info.bytes, timeoutMs: FETCH_TIMEOUT_MS });
      const seconds = (performance.now() - t0) / 1e3;
      if (bytes.length !== info.bytes) throw new Error(`fetched ${bytes.length} bytes, expected ${info.bytes}`);
      return bytes.length / 1e6 / seconds;
    };
    await fetchOnce();
    const rates: number[] = [];
    for (let i = 0; i < RUNS; i++) rates.push(await fetchOnce());
    rates.sort((a, b) => a - b);
    return rates[Math.floor(RUNS / 2)]!;
  } finally {
    await client.stop();
    await stopServer(child);
  }
}

if (args.includes("--serve")) {
  await serve();
} else {
  const exchangeMBps = await bench();
  if (args.includes("--json")) console.log(JSON.stringify({ exchangeMBps: Number(exchangeMBps.toFixed(1)) }));
  else console.log(`16 MiB blob, two processes over libp2p on 127.0.0.1: ${exchangeMBps.toFixed(1)} MB/s (median of ${RUNS})`);
}
