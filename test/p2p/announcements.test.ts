import assert from "node:assert/strict";
import { after, before, describe, it } from "mocha";
import type { PeerId } from "@libp2p/interface";
import { keccak256, type Address, type Hex } from "viem";
import {
  ANNOUNCEMENT_BYTES,
  AnnouncementDecodeError,
  announcementTopic,
  decodeAnnouncement,
  encodeAnnouncement,
  publishAnnouncement,
  signedAnnouncement,
  MAX_ROUNDS_AHEAD,
  subscribeAnnouncements,
  type AnnouncementRejectReason,
  type AnnouncementSubscription,
  type SignedAnnouncement,
  type VerifiedAnnouncement,
  type VerihiveNode,
} from "../../lib/p2p/index.ts";
import { identity, startNode, stopAll, until } from "./helpers.ts";

const CHAIN_ID = 31337;
const COORDINATOR: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const RUN_ID = 7n;
const SHARD = 2;
const trainer = identity("gossip-trainer");
const stranger = identity("gossip-stranger");

function message(round: bigint, runId = RUN_ID) {
  return { runId, shard: SHARD, round, root: keccak256(`0x0${round % 10n}`), updateHash: keccak256(`0x1${round % 10n}`) };
}

describe("announcement wire format (lib/p2p/announcements.ts)", () => {
  it("round-trips a signed announcement through its fixed 172-byte layout", async () => {
    const signed = await signedAnnouncement(trainer.account, CHAIN_ID, COORDINATOR, message(5n));
    const bytes = encodeAnnouncement(signed);
    assert.equal(bytes.length, ANNOUNCEMENT_BYTES);
    assert.deepEqual(decodeAnnouncement(bytes), signed);
  });

  it("rejects wrong lengths, versions and malleable signatures", async () => {
    const bytes = encodeAnnouncement(await signedAnnouncement(trainer.account, CHAIN_ID, COORDINATOR, message(5n)));
    assert.throws(() => decodeAnnouncement(bytes.subarray(1)), AnnouncementDecodeError);
    assert.throws(() => decodeAnnouncement(Uint8Array.of(2, ...bytes.subarray(1))), AnnouncementDecodeError);
    const badV = bytes.slice();
    badV[171] = 1;
    assert.throws(() => decodeAnnouncement(badV), AnnouncementDecodeError);
    const highS = bytes.slice();
    highS.fill(0xff, 139, 171);
    assert.throws(() => decodeAnnouncement(highS), AnnouncementDecodeError);
  });
});

interface Rejection {
  peerId: PeerId;
  reason: AnnouncementRejectReason;
}

describe("announcements over gossipsub (lib/p2p/announcements.ts)", function () {
  this.timeout(20_000);
  let receiver: VerihiveNode | undefined;
  let trainerNode: VerihiveNode | undefined;
  let strangerNode: VerihiveNode | undefined;
  let subscription: AnnouncementSubscription | undefined;
  const delivered: { verified: VerifiedAnnouncement; from: PeerId }[] = [];
  const rejected: Rejection[] = [];
  let minRound = 3n;
  const topic = announcementTopic(RUN_ID);

  before(async () => {
    receiver = await startNode("gossip-receiver");
    subscription = subscribeAnnouncements(receiver.services.pubsub, {
      runId: RUN_ID,
      chainId: CHAIN_ID,
      coordinator: COORDINATOR,
      isKnownTrainer: (address, shard) => address === trainer.address && shard === SHARD,
      minRound: () => minRound,
      onAnnouncement: (verified, from) => void delivered.push({ verified, from }),
      onReject: (peerId, reason) => void rejected.push({ peerId, reason }),
    });
    trainerNode = await createPeer("gossip-trainer");
    strangerNode = await createPeer("gossip-stranger");
  });

  async function createPeer(name: string): Promise<VerihiveNode> {
    const node = await startNode(name, {}, [receiver!]);
    await until(() => node.services.pubsub.getSubscribers(topic).some((p) => p.equals(receiver!.peerId)), 5_000, "subscription");
    return node;
  }

  after(async () => {
    subscription?.stop();
    await stopAll([trainerNode, strangerNode, receiver]);
  });

  /** Publishes `bytes` from `node` and waits for the receiver to deliver or reject one more message. */
  async function send(node: VerihiveNode, bytes: Uint8Array): Promise<void> {
    const before = delivered.length + rejected.length;
    await node.services.pubsub.publish(topic, bytes);
    await until(() => delivered.length + rejected.length > before, 5_000, "delivery or rejection");
  }

  async function expectRejected(node: VerihiveNode, bytes: Uint8Array, reason: AnnouncementRejectReason): Promise<void> {
    const seen = delivered.length;
    await send(node, bytes);
    assert.equal(delivered.length, seen, "the message was delivered");
    const last = rejected.at(-1)!;
    assert.equal(last.reason, reason);
    assert.ok(last.peerId.equals(node.peerId), "the rejection names the sender");
  }

  /** After a rejection the receiver still delivers a valid announcement. */
  async function expectStillWorking(round: bigint): Promise<void> {
    const signed = await signedAnnouncement(trainer.account, CHAIN_ID, COORDINATOR, message(round));
    await publishAnnouncement(trainerNode!.services.pubsub, signed);
    await until(() => delivered.some((d) => d.verified.announcement.round === round), 5_000, `round ${round}`);
  }

  it("delivers a valid signed announcement with its signer and sender", async () => {
    const signed = await signedAnnouncement(trainer.account, CHAIN_ID, COORDINATOR, message(4n));
    const result = await publishAnnouncement(trainerNode!.services.pubsub, signed);
    assert.ok(result.recipients.some((p) => p.equals(receiver!.peerId)));
    await until(() => delivered.length === 1, 5_000, "delivery");
    const { verified, from } = delivered[0]!;
    assert.deepEqual(verified.announcement, signed);
    assert.equal(verified.signer, trainer.address);
    assert.ok(from.equals(trainerNode!.peerId));
  });

  it("rejects a bad signature, reports the sender, and keeps working", async () => {
    const signed = await signedAnnouncement(trainer.account, CHAIN_ID, COORDINATOR, message(5n));
    // Tampered values recover to some other account, which is no trainer.
    const tampered: SignedAnnouncement = { ...signed, updateHash: keccak256("0xdead") };
    await expectRejected(trainerNode!, encodeAnnouncement(tampered), "unknown-trainer");
    // r = 0 is no curve point: recovery itself fails.
    const garbage = encodeAnnouncement({ ...signed, signature: `0x${"00".repeat(32)}${"00".repeat(31)}011b` as Hex });
    await expectRejected(trainerNode!, garbage, "bad-signature");
    await expectStillWorking(5n);
  });

  it("accepts a trainer's announcement relayed by another peer, and names the trainer's peer as its author", async () => {
    const signed = await signedAnnouncement(trainer.account, CHAIN_ID, COORDINATOR, message(6n));
    await strangerNode!.services.pubsub.publish(topic, encodeAnnouncement(signed));
    await until(() => delivered.some((d) => d.verified.announcement.round === 6n), 5_000, "relayed delivery");
    const got = delivered.find((d) => d.verified.announcement.round === 6n)!;
    assert.equal(got.verified.signer, trainer.address);
    assert.ok(got.from.equals(trainerNode!.peerId), "author derived from the signature");
    assert.ok(got.verified.author.equals(trainerNode!.peerId));
  });

  it("gossips messages without a libp2p envelope: no author, sequence number or second signature", async () => {
    minRound = 7n; // rounds 10 and 11 are within MAX_ROUNDS_AHEAD
    const seen = delivered.length;
    await expectStillWorking(10n);
    assert.equal(delivered.length, seen + 1);
    const msgs: { type: string }[] = [];
    const listener = (e: CustomEvent<{ type: string }>) => void msgs.push(e.detail);
    receiver!.services.pubsub.addEventListener("message", listener);
    await expectStillWorking(11n);
    receiver!.services.pubsub.removeEventListener("message", listener);
    assert.deepEqual(msgs.map((m) => m.type), ["unsigned"]);
  });

  it("rejects an announcement from a peer that is not a trainer of the shard", async () => {
    const signed = await signedAnnouncement(stranger.account, CHAIN_ID, COORDINATOR, message(7n));
    await expectRejected(strangerNode!, encodeAnnouncement(signed), "unknown-trainer");
    await expectStillWorking(7n);
  });

  it("rejects an announcement of a round older than minRound (a replay older than gossip's seen-cache)", async () => {
    minRound = 8n;
    // Gossip drops the same bytes again while they are in its seen-cache (messages are identified by their
    // hash); an old announcement it no longer remembers meets the round check.
    const old = await signedAnnouncement(trainer.account, CHAIN_ID, COORDINATOR, message(2n));
    await expectRejected(trainerNode!, encodeAnnouncement(old), "stale-round");
    await expectStillWorking(8n);
  });

  it("rejects an announcement more than MAX_ROUNDS_AHEAD rounds past minRound, so future rounds cannot pile up (REVIEW 9)", async () => {
    minRound = 8n;
    const far = await signedAnnouncement(trainer.account, CHAIN_ID, COORDINATOR, message(8n + MAX_ROUNDS_AHEAD + 1n));
    await expectRejected(trainerNode!, encodeAnnouncement(far), "future-round");
    await expectStillWorking(8n + MAX_ROUNDS_AHEAD);
  });

  it("rejects oversize and malformed messages and announcements of another run", async () => {
    await expectRejected(strangerNode!, new Uint8Array(2048).fill(1), "oversize");
    await expectRejected(strangerNode!, new Uint8Array(ANNOUNCEMENT_BYTES), "malformed");
    const otherRun = await signedAnnouncement(trainer.account, CHAIN_ID, COORDINATOR, message(9n, RUN_ID + 1n));
    await expectRejected(trainerNode!, encodeAnnouncement(otherRun), "wrong-run");
    await expectStillWorking(9n);
  });
});
