import { ECDH } from "node:crypto";
import { privateKeyFromRaw, publicKeyFromRaw } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey, peerIdFromPublicKey } from "@libp2p/peer-id";
import type { PeerId, Secp256k1PeerId, Secp256k1PrivateKey } from "@libp2p/interface";
import { getAddress, hexToBytes, isHex, keccak256, type Address, type Hex } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { PeerIdentityError } from "./errors.ts";

// One identity for the network and the chain: the libp2p secp256k1 key is built from the Ethereum private
// key, so a peer id names an account and a node can map an incoming peer to the trainer it staked as.

/** A node's keys: the libp2p private key, its peer id, and the Ethereum account of the same key. */
export interface PeerIdentity {
  privateKey: Secp256k1PrivateKey;
  peerId: Secp256k1PeerId;
  account: PrivateKeyAccount;
  address: Address;
}

/** Builds the libp2p identity of an Ethereum private key (0x-prefixed, 32 bytes). */
export function peerIdentityFromEthKey(privateKeyHex: Hex): PeerIdentity {
  if (typeof privateKeyHex !== "string" || !isHex(privateKeyHex, { strict: true }) || privateKeyHex.length !== 66) {
    throw new PeerIdentityError("private key is not 32 bytes of 0x-prefixed hex");
  }
  // viem validates the scalar range (0 < k < n) and throws on a bad key.
  let account: PrivateKeyAccount;
  try {
    account = privateKeyToAccount(privateKeyHex);
  } catch (cause) {
    throw new PeerIdentityError("private key is not a valid secp256k1 scalar", { cause: String(cause) });
  }
  const privateKey = privateKeyFromRaw(hexToBytes(privateKeyHex));
  if (privateKey.type !== "secp256k1") throw new PeerIdentityError("key did not decode as secp256k1", { type: privateKey.type });
  const peerId = peerIdFromPrivateKey(privateKey);
  return { privateKey, peerId, account, address: account.address };
}

/** The key of a peer id, if the peer id is a secp256k1 one (the key is inlined in the id). */
function isSecp256k1(peerId: PeerId): peerId is Secp256k1PeerId {
  return peerId.type === "secp256k1";
}

/**
 * The Ethereum address of a secp256k1 peer: keccak256 of the uncompressed public key (without the 0x04
 * prefix), last 20 bytes. Throws a PeerIdentityError for any other kind of peer id.
 */
export function ethAddressOfPeer(peerId: PeerId): Address {
  if (!isSecp256k1(peerId)) throw new PeerIdentityError("peer id is not secp256k1", { peerId: peerId.toString(), type: peerId.type });
  let uncompressed: Buffer;
  try {
    // libp2p stores secp256k1 public keys compressed (33 bytes); node:crypto decompresses them.
    uncompressed = ECDH.convertKey(peerId.publicKey.raw, "secp256k1", undefined, undefined, "uncompressed") as Buffer;
  } catch (cause) {
    throw new PeerIdentityError("peer public key is not a secp256k1 point", { peerId: peerId.toString(), cause: String(cause) });
  }
  if (uncompressed.length !== 65 || uncompressed[0] !== 0x04) {
    throw new PeerIdentityError("unexpected uncompressed public key encoding", { peerId: peerId.toString() });
  }
  const digest = keccak256(uncompressed.subarray(1));
  return getAddress(`0x${digest.slice(-40)}`);
}

/**
 * The peer id of the account whose uncompressed secp256k1 public key (0x04 ‖ x ‖ y) this is: the inverse of
 * ethAddressOfPeer, for a key recovered from a signature. Throws a PeerIdentityError for anything else.
 */
export function peerIdOfPublicKey(uncompressed: Hex): PeerId {
  try {
    const compressed = ECDH.convertKey(hexToBytes(uncompressed), "secp256k1", undefined, undefined, "compressed") as Buffer;
    return peerIdFromPublicKey(publicKeyFromRaw(compressed));
  } catch (cause) {
    throw new PeerIdentityError("not an uncompressed secp256k1 public key", { cause: String(cause) });
  }
}
