import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey, peerIdFromString } from "@libp2p/peer-id";
import { privateKeyToAccount } from "viem/accounts";
import { ethAddressOfPeer, peerIdentityFromEthKey, PeerIdentityError, peerIdOfPublicKey } from "../../lib/p2p/index.ts";

// Hardhat's first default account.
const KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

describe("p2p identity (lib/p2p/identity.ts)", () => {
  it("gives a peer id whose derived address is the account of the same key", () => {
    const id = peerIdentityFromEthKey(KEY);
    assert.equal(id.peerId.type, "secp256k1");
    assert.equal(id.address, ADDRESS);
    assert.equal(privateKeyToAccount(KEY).address, ADDRESS);
    assert.equal(ethAddressOfPeer(id.peerId), ADDRESS);
  });

  it("derives the same address from a peer id parsed from its string form", () => {
    const id = peerIdentityFromEthKey(KEY);
    assert.equal(ethAddressOfPeer(peerIdFromString(id.peerId.toString())), ADDRESS);
  });

  it("gives back the peer id of an account's uncompressed public key (as recovered from a signature)", () => {
    const id = peerIdentityFromEthKey(KEY);
    const peer = peerIdOfPublicKey(privateKeyToAccount(KEY).publicKey);
    assert.ok(peer.equals(id.peerId));
    assert.throws(() => peerIdOfPublicKey(`0x04${"00".repeat(64)}`), PeerIdentityError);
    assert.throws(() => peerIdOfPublicKey("0x1234"), PeerIdentityError);
  });

  it("rejects peers that are not secp256k1", async () => {
    const peerId = peerIdFromPrivateKey(await generateKeyPair("Ed25519"));
    assert.throws(() => ethAddressOfPeer(peerId), PeerIdentityError);
  });

  it("rejects malformed or out-of-range private keys", () => {
    assert.throws(() => peerIdentityFromEthKey("0x1234"), PeerIdentityError);
    assert.throws(() => peerIdentityFromEthKey(`0x${"00".repeat(32)}`), PeerIdentityError);
    assert.throws(() => peerIdentityFromEthKey(`0x${"ff".repeat(32)}`), PeerIdentityError);
  });
});
