// Update exchange at 2, 4 and 8 trainers (a benchmark, not a test): N processes (scaling-peer.ts), each a
// libp2p node on 127.0.0.1 serving one update of its shard's real size (npm start's model: gate and two
// experts, round-robin), all dialled to each other. A round: every trainer fetches every other trainer's
// update and aggregates each shard (the trainer's own aggregateRound). Per N: one warm-up round, then R
// timed rounds.
//   roundMs            median over the R rounds of the time from "go" to the last trainer done
//   bytesSentPerPeer   update payload bytes a trainer served per round (mean over trainers; noise and
//                      yamux framing not counted), and bytesReceivedPerPeer likewise
//   sentOverUpdate     bytesSentPerPeer ÷ the mean update size: N − 1 for the all-to-all exchange the
//                      trainers use today, about 2 for butterfly partitioning
// All N processes share this machine's cores, so roundMs grows with N/cores as well as with the traffic.
//   node scripts/bench/scaling.ts [--trainers 2,4,8] [--rounds R (5)] [--json]
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import type { PeerReady } from "./scaling-peer.ts";
import type { ScalingResult, ScalingRow } from "./result.ts";
import { median, round } from "./stats.ts";

const USAGE = "usage: node scripts/bench/scaling.ts [--trainers 2,4,8] [--rounds R (5)] [--json]";
const REPLY_TIMEOUT_MS = 120_000;
const { values } = parseArgs({
  options: {
    trainers: { type: "string", default: "2,4,8" },
    rounds: { type: "string", default: "5" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const sizes = values.trainers!.split(",").map(Number);
const rounds = Number(values.rounds);
if (!sizes.every((n) => Number.isInteger(n) && n >= 2) || !Number.isInteger(rounds) || rounds < 1) {
  console.error(`bench scaling: --trainers is a list of integers ≥ 2, --rounds a positive integer\n${USAGE}`);
  process.exit(2);
}

/** A child's JSON lines, one at a time. */
class Peer {
  readonly child: ChildProcess;
  private readonly queue: Record<string, unknown>[] = [];
  private waiting: ((v: Record<string, unknown>) => void) | undefined;
  private stderr = "";
  constructor(index: number) {
    const script = fileURLToPath(new URL("scaling-peer.ts", import.meta.url));
    this.child = spawn(process.execPath, [script, "--index", String(index)], { stdio: ["pipe", "pipe", "pipe"] });
    this.child.stderr!.setEncoding("utf8").on("data", (c: string) => (this.stderr = (this.stderr + c).slice(-2000)));
    createInterface({ input: this.child.stdout! }).on("line", (line) => {
      if (!line.startsWith("{")) return; // tfjs prints a banner on stdout
      const v = JSON.parse(line) as Record<string, unknown>;
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w(v);
      } else this.queue.push(v);
    });
  }
  send(v: unknown): void {
    this.child.stdin!.write(`${JSON.stringify(v)}\n`);
  }
  async next(): Promise<Record<string, unknown>> {
    const queued = this.queue.shift();
    if (queued) return queued;
    const exited = once(this.child, "exit").then(() => {
      throw new Error(`scaling peer exited: ${this.stderr.trim().split("\n").slice(-3).join(" | ")}`);
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("scaling peer did not answer in time")), REPLY_TIMEOUT_MS)));
    try {
      return await Promise.race([new Promise<Record<string, unknown>>((resolve) => (this.waiting = resolve)), exited, timeout]);
    } finally {
      clearTimeout(timer);
      this.waiting = undefined;
    }
  }
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, "exit");
    this.child.stdin!.end();
    const killer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(killer);
  }
}

const all = <T>(peers: readonly Peer[], f: (p: Peer) => Promise<T>) => Promise.all(peers.map(f));

async function measure(n: number): Promise<ScalingRow> {
  const peers = Array.from({ length: n }, (_, i) => new Peer(i));
  try {
    const ready = (await all(peers, (p) => p.next())).map((m) => m.ready as PeerReady);
    for (const p of peers) p.send({ peers: ready });
    const dialled = await all(peers, (p) => p.next());
    const failed = dialled.flatMap((d) => d.failures as unknown[]);
    if (failed.length > 0) throw new Error(`dials failed: ${JSON.stringify(failed)}`);
    const runRound = async (r: number) => {
      const t0 = performance.now();
      for (const p of peers) p.send({ round: r });
      const done = await all(peers, (p) => p.next());
      const ms = performance.now() - t0;
      const short = done.find((d) => d.included !== n || d.missing !== 0);
      if (short) throw new Error(`a trainer aggregated ${String(short.included)} of ${n} updates`);
      return { ms, received: done.reduce((s, d) => s + Number(d.received), 0) };
    };
    const stats = async () => {
      for (const p of peers) p.send({ stats: true });
      const got = await all(peers, (p) => p.next());
      if (got.some((d) => d.peers !== n - 1)) throw new Error(`not every trainer is connected to the ${n - 1} others`);
      return got.reduce((s, d) => s + Number(d.served), 0);
    };
    await stats();
    await runRound(-1);
    const servedBefore = await stats();
    const timed: { ms: number; received: number }[] = [];
    for (let r = 0; r < rounds; r++) timed.push(await runRound(r));
    const served = (await stats()) - servedBefore;
    const updateBytes = ready.reduce((s, p) => s + p.updateBytes, 0) / n;
    const bytesSentPerPeer = served / rounds / n;
    return {
      trainers: n,
      roundMs: round(median(timed.map((t) => t.ms)), 1),
      bytesSentPerPeer: Math.round(bytesSentPerPeer),
      bytesReceivedPerPeer: Math.round(timed.reduce((s, t) => s + t.received, 0) / rounds / n),
      updateBytes: Math.round(updateBytes),
      sentOverUpdate: round(bytesSentPerPeer / updateBytes, 3),
    };
  } finally {
    await Promise.all(peers.map((p) => p.stop()));
  }
}

const rows: ScalingRow[] = [];
for (const n of sizes) {
  if (!values.json) process.stderr.write(`${n} trainers …\n`);
  rows.push(await measure(n));
}
const result: ScalingResult = { partitioning: "all-to-all", rounds, rows };
if (values.json) console.log(JSON.stringify(result));
else {
  console.log(`update exchange, all-to-all, one process per trainer on 127.0.0.1; median of ${rounds} rounds after a warm-up`);
  console.log("trainers  round ms  sent/peer/round  received/peer/round  update  sent ÷ update");
  for (const r of rows) {
    const kb = (b: number) => `${(b / 1e3).toFixed(0)} kB`;
    console.log(`${String(r.trainers).padStart(8)}  ${r.roundMs.toFixed(0).padStart(8)}  ${kb(r.bytesSentPerPeer).padStart(15)}  ${kb(r.bytesReceivedPerPeer).padStart(19)}  ${kb(r.updateBytes).padStart(6)}  ${r.sentOverUpdate.toFixed(2).padStart(13)}`);
  }
}
