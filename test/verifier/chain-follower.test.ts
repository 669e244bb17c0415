import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "mocha";
import { ChainFollower, FollowerError, type LogSource } from "../../verifier/chain-follower.ts";
import { backoffDelay, withRetry } from "../../verifier/retry.ts";
import { memoryLogger, tempDir } from "./helpers.ts";

// The chain follower against a fake log source: ordering, the persisted cursor, restart, retry with backoff.

interface FakeLog {
  blockNumber: bigint;
  logIndex: number;
  name: string;
}

/** A chain of `head` blocks with one log per listed block; `failures` errors are thrown first. */
class FakeChain implements LogSource<FakeLog> {
  head_: bigint;
  logs_: FakeLog[];
  failHead = 0;
  failLogs = 0;
  /** Ranges wider than this fail (a provider's cap). */
  maxRange = 1_000_000n;
  requests: [bigint, bigint][] = [];
  constructor(head: bigint, logs: FakeLog[]) {
    this.head_ = head;
    this.logs_ = logs;
  }
  async head(): Promise<bigint> {
    if (this.failHead > 0) {
      this.failHead--;
      throw new Error("ECONNRESET");
    }
    return this.head_;
  }
  async logs(from: bigint, to: bigint): Promise<FakeLog[]> {
    this.requests.push([from, to]);
    if (this.failLogs > 0) {
      this.failLogs--;
      throw new Error("HTTP 503");
    }
    if (to - from + 1n > this.maxRange) throw new Error("query exceeds max block range");
    // Reversed on purpose: the follower must order them.
    return this.logs_.filter((l) => l.blockNumber >= from && l.blockNumber <= to).reverse();
  }
}

const root = tempDir("follower");
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `cursor-${n++}.json`);
const noWait = async () => undefined;
const log = (b: bigint, i: number, name = `b${b}.${i}`): FakeLog => ({ blockNumber: b, logIndex: i, name });

async function open(chain: FakeChain, file: string, extra: { maxRange?: bigint; key?: string; wait?: (ms: number) => Promise<void> } = {}) {
  return ChainFollower.open<FakeLog>({
    source: chain,
    file,
    key: extra.key ?? "chain 31337, run 1",
    startBlock: 5n,
    log: memoryLogger(),
    wait: extra.wait ?? noWait,
    ...(extra.maxRange ? { maxRange: extra.maxRange } : {}),
  });
}

async function collect(f: ChainFollower<FakeLog>): Promise<string[]> {
  const seen: string[] = [];
  await f.poll(async (logs) => void seen.push(...logs.map((l) => l.name)), new AbortController().signal);
  return seen;
}

describe("verifier: chain follower (verifier/chain-follower.ts)", () => {
  it("hands over every log from the start block in chain order, in ranges, and persists the cursor", async () => {
    const chain = new FakeChain(20n, [log(4n, 0), log(7n, 1), log(7n, 0), log(12n, 0), log(20n, 3)]);
    const file = fresh();
    const f = await open(chain, file, { maxRange: 4n });
    assert.deepEqual(await collect(f), ["b7.0", "b7.1", "b12.0", "b20.3"]); // block 4 is before the run
    assert.equal(f.cursor, 20n);
    assert.deepEqual(chain.requests, [[5n, 8n], [9n, 12n], [13n, 16n], [17n, 20n]]);
    assert.equal(JSON.parse(readFileSync(file, "utf8")).block, "20");
  });

  it("reads up to a head the caller already knows without asking for it again", async () => {
    const chain = new FakeChain(20n, [log(7n, 0), log(12n, 0), log(20n, 3)]);
    const f = await open(chain, fresh());
    chain.failHead = 1_000; // any head() call would throw (and be retried forever)
    const seen: string[] = [];
    await f.poll(async (logs) => void seen.push(...logs.map((l) => l.name)), new AbortController().signal, 12n);
    assert.deepEqual(seen, ["b7.0", "b12.0"]);
    assert.equal(f.cursor, 12n);
  });

  it("resumes after a restart from the last block it handled, and reads the gap since", async () => {
    const chain = new FakeChain(10n, [log(6n, 0), log(9n, 0)]);
    const file = fresh();
    assert.deepEqual(await collect(await open(chain, file)), ["b6.0", "b9.0"]);
    // The node is down while blocks 11..30 are mined.
    chain.head_ = 30n;
    chain.logs_.push(log(11n, 0), log(30n, 0));
    chain.requests = [];
    const restarted = await open(chain, file, { maxRange: 10n });
    assert.equal(restarted.cursor, 10n);
    assert.deepEqual(await collect(restarted), ["b11.0", "b30.0"]);
    assert.deepEqual(chain.requests[0], [11n, 20n]);
  });

  it("retries an RPC error with growing backoff, then goes on", async () => {
    const chain = new FakeChain(8n, [log(6n, 0)]);
    chain.failHead = 2;
    chain.failLogs = 1;
    const waits: number[] = [];
    const f = await open(chain, fresh(), { wait: async (ms) => void waits.push(ms) });
    assert.deepEqual(await collect(f), ["b6.0"]);
    assert.equal(waits.length, 3);
    assert.ok(waits[1]! > waits[0]!, `backoff grows: ${waits.join(", ")}`);
  });

  it("halves the block range while the provider refuses it", async () => {
    const chain = new FakeChain(40n, [log(5n, 0), log(40n, 0)]);
    chain.maxRange = 9n;
    const f = await open(chain, fresh(), { maxRange: 32n });
    assert.deepEqual(await collect(f), ["b5.0", "b40.0"]);
    assert.ok(chain.requests.every(([a, b]) => b >= a));
    assert.equal(f.cursor, 40n);
  });

  it("keeps the cursor before a range whose handler failed, and hands it over again", async () => {
    const chain = new FakeChain(6n, [log(6n, 0)]);
    const file = fresh();
    const f = await open(chain, file);
    await assert.rejects(f.poll(async () => Promise.reject(new Error("handler broke")), new AbortController().signal), /handler broke/);
    assert.equal(f.cursor, 4n);
    assert.deepEqual(await collect(f), ["b6.0"]);
  });

  it("refuses a cursor file of another run, and a chain behind its cursor", async () => {
    const chain = new FakeChain(9n, []);
    const file = fresh();
    await collect(await open(chain, file));
    await assert.rejects(open(chain, file, { key: "chain 31337, run 2" }), FollowerError);
    chain.head_ = 3n; // a reset local chain
    await assert.rejects((await open(chain, file)).checkHead(new AbortController().signal), FollowerError);
  });

  it("stops retrying when its signal aborts", async () => {
    const chain = new FakeChain(9n, []);
    chain.failHead = 1_000;
    const controller = new AbortController();
    const f = await open(chain, fresh(), { wait: async () => controller.abort(new Error("stop")) });
    await assert.rejects(f.poll(async () => undefined, controller.signal), /stop/);
  });
});

describe("verifier: retry with backoff (verifier/retry.ts)", () => {
  it("doubles the delay up to the cap, with bounded jitter", () => {
    const b = { initialMs: 100, maxMs: 1_000, factor: 2, jitter: 0.2 };
    assert.deepEqual([0, 1, 2, 3, 4, 5].map((a) => backoffDelay(a, b, () => 0.5)), [100, 200, 400, 800, 1000, 1000]);
    assert.equal(backoffDelay(0, b, () => 0), 80);
    assert.equal(backoffDelay(0, b, () => 1), 120);
  });

  it("throws at once what is not retryable, and gives up after maxAttempts", async () => {
    const signal = new AbortController().signal;
    let calls = 0;
    await assert.rejects(withRetry(async () => (calls++, Promise.reject(new Error("revert"))), { signal, retryable: () => false, wait: async () => undefined }), /revert/);
    assert.equal(calls, 1);
    calls = 0;
    await assert.rejects(withRetry(async () => (calls++, Promise.reject(new Error("down"))), { signal, maxAttempts: 3, wait: async () => undefined }), /down/);
    assert.equal(calls, 3);
  });
});
