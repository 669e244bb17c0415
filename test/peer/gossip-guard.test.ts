// REVIEW 8: an announcement flood signed with a fresh key per message used to cost its receiver one RPC call and
// one log line per message. TrainerSeats caches seats and rate-limits lookups of new addresses; RejectionLog
// summarizes. (The validator turns the rate limit's error into "ignore": test/p2p/announcements.test.ts covers
// validator errors.)
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { privateKeyToAccount, generatePrivateKey } from "viem/accounts";
import type { Address } from "viem";
import { Role } from "../../lib/core/spec.ts";
import { RejectionLog, SeatLookupsLimitedError, TrainerSeats, type Seat } from "../../node/peer/gossip-guard.ts";

const TRAINER = privateKeyToAccount(generatePrivateKey()).address;
const seatOf = async (a: Address): Promise<Seat> => (a === TRAINER ? { role: Role.Trainer, active: true, shard: 1 } : { role: 0, active: false, shard: 0 });

describe("gossip guard: cached, rate-limited seat checks and summarized rejections (node/peer/gossip-guard.ts)", () => {
  it("a flood of fresh keys costs at most the bucket's lookups; the rest are refused without an RPC call", async () => {
    let now = 0;
    const seats = new TrainerSeats(seatOf, { lookupsPerSecond: 20, now: () => now });
    let limited = 0;
    for (let k = 0; k < 1000; k++) {
      try {
        assert.equal(await seats.isKnownTrainer(privateKeyToAccount(generatePrivateKey()).address, 1), false);
      } catch (e) {
        assert.ok(e instanceof SeatLookupsLimitedError);
        limited++;
      }
    }
    assert.equal(seats.lookups, 20);
    assert.equal(limited, 980);
    now += 1000; // a second later the bucket is full again
    assert.equal(await seats.isKnownTrainer(TRAINER, 1), true);
  });

  it("answers a seated trainer from its cache until the entry expires, and bounds the cache", async () => {
    let now = 0;
    const seats = new TrainerSeats(seatOf, { ttlMs: 30_000, maxEntries: 8, now: () => now });
    assert.equal(await seats.isKnownTrainer(TRAINER, 1), true);
    assert.equal(await seats.isKnownTrainer(TRAINER, 0), false, "another shard");
    assert.equal(seats.lookups, 1);
    now += 30_000;
    assert.equal(await seats.isKnownTrainer(TRAINER, 1), true);
    assert.equal(seats.lookups, 2);
    for (let k = 0; k < 8; k++) await seats.isKnownTrainer(privateKeyToAccount(generatePrivateKey()).address, 1);
    now += 1;
    await seats.isKnownTrainer(TRAINER, 1);
    assert.equal(seats.lookups, 11, "the oldest entry was evicted");
  });

  it("logs the first rejection of a kind at once, then one summary line per period", () => {
    let now = 0;
    const lines: { event: string; fields: Record<string, unknown> }[] = [];
    const log = { info: () => undefined, warn: (event: string, fields?: Record<string, unknown>) => void lines.push({ event, fields: fields ?? {} }), error: () => undefined };
    const r = new RejectionLog(log, 10_000, () => now);
    for (let k = 0; k < 500; k++, now += 10) r.note(`peer${k}`, "bad-signature", "x");
    assert.equal(lines.length, 1);
    now = 10_000;
    r.note("peerZ", "bad-signature", "y");
    assert.equal(lines.length, 2);
    assert.equal(lines[1]!.fields.count, 500);
    assert.equal(lines[1]!.fields.lastPeer, "peerZ");
  });
});
