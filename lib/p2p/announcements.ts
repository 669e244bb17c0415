import { TopicValidatorResult, type GossipSub, type Message, type PublishResult } from "@libp2p/gossipsub";
import type { PeerId } from "@libp2p/interface";
import { bytesToHex, hexToBytes, isHex, type Address, type Hex, type LocalAccount } from "viem";
import { recoverAnnouncementKey, signAnnouncement, type Announcement } from "../core/announcement.ts";
import { AnnouncementDecodeError, AnnouncementSubscriptionError } from "./errors.ts";
import { peerIdOfPublicKey } from "./identity.ts";

// Signed announcements on gossipsub, one topic per run: /verihive/run/<runId>/announce/2.0.0.
//
// Wire format (fixed ANNOUNCEMENT_BYTES = 172 bytes, big-endian integers):
//   [0]         version (1)
//   [1..33)     runId       uint256
//   [33..35)    shard       uint16
//   [35..43)    round       uint64
//   [43..75)    root        bytes32
//   [75..107)   updateHash  bytes32
//   [107..172)  signature   r ‖ s ‖ v, the EIP-712 signature (v 27 or 28, low s as OpenZeppelin's ECDSA wants)
//
// The announcement's own EIP-712 signature is the only one: gossipsub runs with StrictNoSign (lib/p2p/node.ts),
// so messages carry no libp2p author, sequence number or second signature, and are identified by the hash of
// their bytes. The author's peer is the one of the recovered key (a node's libp2p key is its account's key:
// identity.ts). Version 1 (1.0.0) had gossipsub sign every message as well; checking both signatures cost
// each receiver two secp256k1 verifications per announcement for the same guarantee.
//
// Every message is checked by a gossipsub topic validator before anything sees it (and before gossipsub
// forwards it): size, layout, run, signature, signer a trainer of the shard, round not older than
// minRound(). Rejections are reported through onReject; the node keeps running.

export const ANNOUNCEMENT_VERSION = 1;
export const ANNOUNCEMENT_BYTES = 172;
/** Anything longer is rejected as oversize without decoding. */
export const MAX_ANNOUNCEMENT_BYTES = 1024;
/** How far past minRound an announcement may be: a trainer announces its current round; the rest is a pile-up. */
export const MAX_ROUNDS_AHEAD = 4n;

/** Deadline of the caller's checks (isKnownTrainer, minRound) inside the validator. */
export const VALIDATOR_TIMEOUT_MS = 2_000;
/** Deadline of publishAnnouncement (handing the message to the peers' streams). */
export const PUBLISH_TIMEOUT_MS = 10_000;

const MAX_UINT256 = (1n << 256n) - 1n;
const MAX_UINT64 = (1n << 64n) - 1n;
/** secp256k1 group order / 2: signatures with a larger s are malleable copies (rejected on-chain). */
const SECP256K1_HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/** An announcement with its EIP-712 signature (what is gossiped and what proves equivocation on-chain). */
export interface SignedAnnouncement extends Announcement {
  signature: Hex;
}

/** Why a message on the announcement topic was refused. */
export const AnnouncementRejectReason = {
  /** A gossipsub envelope with an author or signature: version 2 carries only the announcement's own. */
  Enveloped: "enveloped",
  Oversize: "oversize",
  Malformed: "malformed",
  WrongRun: "wrong-run",
  BadSignature: "bad-signature",
  UnknownTrainer: "unknown-trainer",
  StaleRound: "stale-round",
  /** More than MAX_ROUNDS_AHEAD rounds past minRound: nothing honest announces that early (REVIEW 9). */
  FutureRound: "future-round",
  ValidatorError: "validator-error",
} as const;
export type AnnouncementRejectReason = (typeof AnnouncementRejectReason)[keyof typeof AnnouncementRejectReason];

export function announcementTopic(runId: bigint): string {
  if (runId < 0n || runId > MAX_UINT256) throw new AnnouncementDecodeError("runId is not a uint256", { runId });
  return `/verihive/run/${runId.toString()}/announce/2.0.0`;
}

function bigintToBytes(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let v = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function bytesToBigint(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

function isBytes32(value: unknown): value is Hex {
  return typeof value === "string" && value.length === 66 && isHex(value, { strict: true });
}

export function encodeAnnouncement(a: SignedAnnouncement): Uint8Array {
  if (typeof a.runId !== "bigint" || a.runId < 0n || a.runId > MAX_UINT256) throw new AnnouncementDecodeError("runId is not a uint256");
  if (!Number.isInteger(a.shard) || a.shard < 0 || a.shard > 0xffff) throw new AnnouncementDecodeError("shard is not a uint16");
  if (typeof a.round !== "bigint" || a.round < 0n || a.round > MAX_UINT64) throw new AnnouncementDecodeError("round is not a uint64");
  if (!isBytes32(a.root) || !isBytes32(a.updateHash)) throw new AnnouncementDecodeError("root or updateHash is not bytes32");
  if (typeof a.signature !== "string" || a.signature.length !== 132 || !isHex(a.signature, { strict: true })) {
    throw new AnnouncementDecodeError("signature is not 65 bytes");
  }
  const out = new Uint8Array(ANNOUNCEMENT_BYTES);
  out[0] = ANNOUNCEMENT_VERSION;
  out.set(bigintToBytes(a.runId, 32), 1);
  out.set(bigintToBytes(BigInt(a.shard), 2), 33);
  out.set(bigintToBytes(a.round, 8), 35);
  out.set(hexToBytes(a.root), 43);
  out.set(hexToBytes(a.updateHash), 75);
  out.set(hexToBytes(a.signature), 107);
  return out;
}

/** Strict decoding of untrusted bytes: exact length, known version, v in {27, 28}, low s. */
export function decodeAnnouncement(bytes: Uint8Array): SignedAnnouncement {
  if (!(bytes instanceof Uint8Array)) throw new AnnouncementDecodeError("announcement is not bytes");
  if (bytes.length !== ANNOUNCEMENT_BYTES) throw new AnnouncementDecodeError("announcement has the wrong length", { length: bytes.length });
  if (bytes[0] !== ANNOUNCEMENT_VERSION) throw new AnnouncementDecodeError("unknown announcement version", { version: bytes[0] });
  const s = bytesToBigint(bytes.subarray(139, 171));
  const v = bytes[171]!;
  if (v !== 27 && v !== 28) throw new AnnouncementDecodeError("signature v is not 27 or 28", { v });
  if (s === 0n || s > SECP256K1_HALF_N) throw new AnnouncementDecodeError("signature s is zero or not in the lower half order");
  return {
    runId: bytesToBigint(bytes.subarray(1, 33)),
    shard: Number(bytesToBigint(bytes.subarray(33, 35))),
    round: bytesToBigint(bytes.subarray(35, 43)),
    root: bytesToHex(bytes.subarray(43, 75)),
    updateHash: bytesToHex(bytes.subarray(75, 107)),
    signature: bytesToHex(bytes.subarray(107, 172)),
  };
}

/** Signs an announcement with the trainer's account (the same key as its libp2p identity). */
export async function signedAnnouncement(
  account: LocalAccount,
  chainId: number,
  coordinator: Address,
  message: Announcement,
): Promise<SignedAnnouncement> {
  return { ...message, signature: await signAnnouncement(account, chainId, coordinator, message) };
}

/** Publishes a signed announcement on its run's topic. Throws gossipsub's PublishError when no peer listens. */
export async function publishAnnouncement(
  pubsub: Pick<GossipSub, "publish">,
  announcement: SignedAnnouncement,
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<PublishResult> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? PUBLISH_TIMEOUT_MS);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
  signal.throwIfAborted();
  const publish = pubsub.publish(announcementTopic(announcement.runId), encodeAnnouncement(announcement));
  return new Promise<PublishResult>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    publish.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** An announcement that passed every check, with its signer's account. */
export interface VerifiedAnnouncement {
  announcement: SignedAnnouncement;
  signer: Address;
  /** The signer's libp2p peer (its key is the signer's key), whoever relayed the message. */
  author: PeerId;
}

export interface AnnouncementRejectDetail {
  /** The peer that handed us the message (the author, or a peer relaying it). */
  propagationSource: PeerId;
  /** What exactly was wrong, for logs. */
  message?: string;
}

export interface SubscribeAnnouncementsOptions {
  runId: bigint;
  /** EIP-712 domain of the run's RunCoordinator. */
  chainId: number;
  coordinator: Address;
  /** Whether `address` is a trainer of `shard` in this run (e.g. from the chain). */
  isKnownTrainer(address: Address, shard: number): boolean | Promise<boolean>;
  /** Oldest round still accepted; older announcements are replays. */
  minRound(): bigint | Promise<bigint>;
  onAnnouncement(verified: VerifiedAnnouncement, from: PeerId): void | Promise<void>;
  /** `peerId` is the peer that handed the message over (messages carry no author of their own). */
  onReject?(peerId: PeerId, reason: AnnouncementRejectReason, detail: AnnouncementRejectDetail): void;
  validatorTimeoutMs?: number;
}

export interface AnnouncementSubscription {
  readonly topic: string;
  /** Unsubscribes and removes the validator. */
  stop(): void;
}

type Verdict =
  | { ok: true; verified: VerifiedAnnouncement }
  | { ok: false; reason: AnnouncementRejectReason; result: TopicValidatorResult; message?: string };

const reject = (reason: AnnouncementRejectReason, message?: string): Verdict => ({
  ok: false,
  reason,
  result: TopicValidatorResult.Reject,
  ...(message !== undefined ? { message } : {}),
});
const ignore = (reason: AnnouncementRejectReason, message?: string): Verdict => ({
  ok: false,
  reason,
  result: TopicValidatorResult.Ignore,
  ...(message !== undefined ? { message } : {}),
});

async function withDeadline<T>(value: T | Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve(value),
      new Promise<never>((_, fail) => {
        timer = setTimeout(() => fail(new Error(`check did not answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function verify(options: SubscribeAnnouncementsOptions, msg: Message): Promise<Verdict> {
  if (msg.type !== "unsigned") return reject(AnnouncementRejectReason.Enveloped);
  if (msg.data.length > MAX_ANNOUNCEMENT_BYTES) return reject(AnnouncementRejectReason.Oversize, `${msg.data.length} bytes`);
  let announcement: SignedAnnouncement;
  try {
    announcement = decodeAnnouncement(msg.data);
  } catch (err) {
    return reject(AnnouncementRejectReason.Malformed, err instanceof Error ? err.message : String(err));
  }
  if (announcement.runId !== options.runId) return reject(AnnouncementRejectReason.WrongRun, `run ${announcement.runId}`);
  let signer: Address;
  let author: PeerId;
  try {
    const { signature, ...message } = announcement;
    const key = await recoverAnnouncementKey(options.chainId, options.coordinator, message, signature);
    signer = key.address;
    author = peerIdOfPublicKey(key.publicKey);
  } catch (err) {
    return reject(AnnouncementRejectReason.BadSignature, err instanceof Error ? err.message : String(err));
  }
  const timeoutMs = options.validatorTimeoutMs ?? VALIDATOR_TIMEOUT_MS;
  let known: boolean;
  let minRound: bigint;
  try {
    [known, minRound] = await withDeadline(
      Promise.all([options.isKnownTrainer(signer, announcement.shard), options.minRound()]),
      timeoutMs,
    );
  } catch (err) {
    return ignore(AnnouncementRejectReason.ValidatorError, err instanceof Error ? err.message : String(err));
  }
  if (known !== true) return reject(AnnouncementRejectReason.UnknownTrainer, `${signer} on shard ${announcement.shard}`);
  // A stale round is ignored rather than rejected: honest peers may relay late copies.
  if (announcement.round < minRound) return ignore(AnnouncementRejectReason.StaleRound, `round ${announcement.round} < ${minRound}`);
  // Ignored (dropped, not forwarded), not rejected: a receiver still catching up has a low minRound, and must not
  // score honest senders down for it.
  if (announcement.round > minRound + MAX_ROUNDS_AHEAD) {
    return ignore(AnnouncementRejectReason.FutureRound, `round ${announcement.round} > ${minRound} + ${MAX_ROUNDS_AHEAD}`);
  }
  return { ok: true, verified: { announcement, signer, author } };
}

/**
 * Subscribes to a run's announcement topic with a strict validator. Valid announcements reach
 * `onAnnouncement`; others are dropped (not forwarded) and reported to `onReject`.
 */
export function subscribeAnnouncements(pubsub: GossipSub, options: SubscribeAnnouncementsOptions): AnnouncementSubscription {
  const topic = announcementTopic(options.runId);
  if (pubsub.topicValidators.has(topic)) throw new AnnouncementSubscriptionError("topic already has a validator", { topic });
  // The validator and the 'message' event see the same Message object: carry the verified result over.
  const verifiedMessages = new WeakMap<Message, VerifiedAnnouncement>();

  const report = (peerId: PeerId, reason: AnnouncementRejectReason, detail: AnnouncementRejectDetail): void => {
    try {
      options.onReject?.(peerId, reason, detail);
    } catch {
      // A faulty callback must not turn into a gossipsub error.
    }
  };

  const validator = async (propagationSource: PeerId, msg: Message): Promise<TopicValidatorResult> => {
    let verdict: Verdict;
    try {
      verdict = await verify(options, msg);
    } catch (err) {
      verdict = ignore(AnnouncementRejectReason.ValidatorError, err instanceof Error ? err.message : String(err));
    }
    if (verdict.ok) {
      verifiedMessages.set(msg, verdict.verified);
      return TopicValidatorResult.Accept;
    }
    report(propagationSource, verdict.reason, { propagationSource, ...(verdict.message !== undefined ? { message: verdict.message } : {}) });
    return verdict.result;
  };

  const onMessage = (event: CustomEvent<Message>): void => {
    const msg = event.detail;
    if (msg.topic !== topic) return;
    const verified = verifiedMessages.get(msg);
    if (verified === undefined) return;
    verifiedMessages.delete(msg);
    try {
      void Promise.resolve(options.onAnnouncement(verified, verified.author)).catch(() => {});
    } catch {
      // As above: the subscriber's failure stays with the subscriber.
    }
  };

  pubsub.topicValidators.set(topic, validator);
  pubsub.addEventListener("message", onMessage);
  pubsub.subscribe(topic);
  return {
    topic,
    stop() {
      pubsub.unsubscribe(topic);
      pubsub.removeEventListener("message", onMessage);
      if (pubsub.topicValidators.get(topic) === validator) pubsub.topicValidators.delete(topic);
    },
  };
}
