// One trainer of the scaling harness (scripts/bench/scaling.ts spawns N of them): a libp2p node serving an
// update of its shard's real size, which fetches and aggregates every other trainer's update through the
// trainer's own code (node/trainer/round-work.ts aggregateRound: all-to-all, hash-checked, CenteredClip).
//   node scripts/bench/scaling-peer.ts --index I
// Talks JSON lines: prints { ready } first; then on stdin
//   { "peers": [ready, …] }  dials the others with a lower index, answers { failures }
//   { "round": r }           fetches and aggregates everyone's update, answers { round, ms, received, included, missing }
//   { "stats": true }        answers { served, requests, peers }: update bytes served (payload) and requests so
//                            far, and the peers connected
// and stops when stdin ends.
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { peerIdFromString } from "@libp2p/peer-id";
import type { PeerId } from "@libp2p/interface";
import type { Address, Hex } from "viem";
import { canonicalStateBytes } from "../../lib/core/index.ts";
import { DEFAULT_MOE_SPEC, initModel } from "../../lib/ml/index.ts";
import { createVerihiveNode, dialBootstrap, peerIdentityFromEthKey } from "../../lib/p2p/index.ts";
import { shardName, stateShapes, stateSizes, updateRootOf } from "../../lib/protocol/index.ts";
import type { RoundCommitment } from "../../node/peer/commitments.ts";
import { aggregateRound } from "../../node/trainer/round-work.ts";

/** npm start's model: the gate and two experts, one shard per trainer, round-robin. */
const SCALING_MOE = { ...DEFAULT_MOE_SPEC, experts: 2 };
const SCALING_SHARDS = 3;

export interface PeerReady {
  index: number;
  addr: string;
  peerId: string;
  address: Address;
  shard: number;
  updateHash: Hex;
  updateBytes: number;
}

const index = Number(parseArgs({ options: { index: { type: "string" } } }).values.index);
if (!Number.isInteger(index) || index < 0) {
  console.error("scaling-peer: --index must be a non-negative integer");
  process.exit(2);
}
const send = (v: unknown) => process.stdout.write(`${JSON.stringify(v)}\n`);
const silent = { info: () => undefined, warn: (e: string, f?: object) => console.error(`peer ${index}: ${e} ${JSON.stringify(f ?? {})}`), error: () => undefined };

// An update Δ of small pseudo-random values (xorshift32), params then slots, as a trainer commits it.
const shard = index % SCALING_SHARDS;
let x = 0x9e3779b9 ^ (index + 1);
const delta = stateSizes(shardName(shard, SCALING_MOE), SCALING_MOE).map((n) =>
  Float32Array.from({ length: n }, () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return ((x >>> 0) / 2 ** 32 - 0.5) * 1e-2;
  }),
);
const update = canonicalStateBytes(delta);
const updateHash = updateRootOf(delta, stateShapes(shardName(shard, SCALING_MOE), SCALING_MOE)).toLowerCase() as Hex;
const counters = { served: 0, requests: 0 };

const id = peerIdentityFromEthKey(`0x${(index + 1).toString(16).padStart(64, "0")}`);
const node = await createVerihiveNode({
  privateKey: id.privateKey,
  blobs: {
    store: {
      get: (h) => {
        if (h.toLowerCase() !== updateHash) return undefined;
        counters.served += update.length;
        counters.requests++;
        return update;
      },
    },
  },
});
const ready: PeerReady = { index, addr: node.getMultiaddrs()[0]!.toString(), peerId: node.peerId.toString(), address: id.address, shard, updateHash, updateBytes: update.length };
send({ ready });

const state = initModel(1, SCALING_MOE);
let others: PeerReady[] = [];
const peerIds = new Map<string, PeerId>();
for await (const line of createInterface({ input: process.stdin })) {
  const msg = JSON.parse(line) as { peers?: PeerReady[]; round?: number; stats?: boolean };
  if (msg.peers) {
    others = msg.peers.filter((p) => p.index !== index);
    for (const p of others) peerIds.set(p.address.toLowerCase(), peerIdFromString(p.peerId));
    // Each pair is dialled once, by its higher index (two simultaneous dials between a pair can both fail).
    // libp2p refuses more than a few inbound connections per second from one host: retry a second later.
    let failures: { addr: string; reason: string }[] = [];
    for (let attempt = 0; attempt < 10; attempt++) {
      const connected = new Set(node.getPeers().map((p) => p.toString()));
      const todo = others.filter((p) => p.index < index && !connected.has(p.peerId));
      if (todo.length === 0) break;
      if (attempt > 0) await new Promise((r) => setTimeout(r, 1000));
      failures = (await dialBootstrap(node, todo.map((p) => p.addr), { timeoutMs: 30_000 })).failures;
    }
    send({ failures: node.getPeers().length >= others.filter((p) => p.index < index).length ? [] : failures });
  } else if (msg.round !== undefined) {
    const commitments: RoundCommitment[] = [ready, ...others]
      .map((p) => ({ trainer: p.address, shard: p.shard, root: p.updateHash, updateHash: p.updateHash, samples: 0n }))
      .sort((a, b) => (a.trainer.toLowerCase() < b.trainer.toLowerCase() ? -1 : 1));
    const local = new Map<Hex, Uint8Array>([[updateHash, update]]);
    const t0 = performance.now();
    const agg = await aggregateRound({
      fetch: { node, banned: new Set(), timeoutMs: 30_000, log: silent },
      state,
      commitments,
      shards: SCALING_SHARDS,
      moe: SCALING_MOE,
      local,
      peerOf: (a) => peerIds.get(a.toLowerCase()),
    });
    const ms = performance.now() - t0;
    const received = [...local.entries()].reduce((s, [h, b]) => s + (h === updateHash ? 0 : b.length), 0);
    send({ round: msg.round, ms, received, included: agg.included, missing: agg.missing });
  } else if (msg.stats) {
    send({ ...counters, peers: node.getPeers().length });
  }
}
await node.stop();
process.exit(0);
