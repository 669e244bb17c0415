import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { gossipsub, StrictNoSign, type GossipSub } from "@libp2p/gossipsub";
import { identify, type Identify } from "@libp2p/identify";
import { KEEP_ALIVE, type Libp2p, type PeerId, type PrivateKey } from "@libp2p/interface";
import { kadDHT, passthroughMapper, type KadDHT } from "@libp2p/kad-dht";
import { ping, type Ping } from "@libp2p/ping";
import { tcp } from "@libp2p/tcp";
import { multiaddr, type Multiaddr } from "@multiformats/multiaddr";
import { createLibp2p } from "libp2p";
import { blobProtocol, type BlobProtocolInit, type BlobService } from "./blob-protocol/index.ts";
import { BootstrapError } from "./errors.ts";

// A Verihive libp2p node: TCP + Noise + Yamux, identify, ping, gossipsub (announcements), a Kademlia DHT
// under /verihive, and the blob protocol.

export const DHT_PROTOCOL = "/verihive/kad/1.0.0";
export const DEFAULT_LISTEN = ["/ip4/127.0.0.1/tcp/0"];
/** Largest gossipsub RPC frame accepted from a peer (announcements are 172 bytes). */
export const GOSSIP_MAX_INBOUND_BYTES = 1024 * 1024;
export const BOOTSTRAP_TIMEOUT_MS = 10_000;
/**
 * How often libp2p's connection monitor pings each connection (libp2p's default: 10 s). Each ping opens a
 * stream and negotiates it, on both sides; a minute still drops a dead connection within a round, and a
 * crashed peer's TCP connection closes at once anyway.
 */
export const CONNECTION_PING_INTERVAL_MS = 60_000;
/** The tag that keeps a Verihive peer connected (libp2p redials a peer tagged keep-alive* when it drops). */
export const KEEP_ALIVE_TAG = `${KEEP_ALIVE}-verihive`;

// A type alias, not an interface: libp2p's ServiceMap needs an index signature.
export type VerihiveServices = {
  identify: Identify;
  ping: Ping;
  pubsub: GossipSub;
  dht: KadDHT;
  blobs: BlobService;
};

export type VerihiveNode = Libp2p<VerihiveServices>;

export interface CreateVerihiveNodeOptions {
  /** The node's key (peerIdentityFromEthKey(...).privateKey, so peer id and account are one). */
  privateKey: PrivateKey;
  /** Listen addresses (default /ip4/127.0.0.1/tcp/0). */
  listen?: string[];
  /** Peers to dial once started; the call fails if none answers. */
  bootstrap?: string[];
  bootstrapTimeoutMs?: number;
  /** DHT mode; "server" answers queries (right on a LAN or loopback, where no public address is seen). */
  dhtMode?: "client" | "server";
  /** Options of the blob service (its store, timeouts). */
  blobs?: BlobProtocolInit;
  signal?: AbortSignal;
}

/** Creates and starts a node. Stops it again if starting, or bootstrapping, fails. */
export async function createVerihiveNode(options: CreateVerihiveNodeOptions): Promise<VerihiveNode> {
  const { signal } = options;
  signal?.throwIfAborted();
  const node = await createLibp2p({
    privateKey: options.privateKey,
    addresses: { listen: options.listen ?? DEFAULT_LISTEN },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionMonitor: { pingInterval: CONNECTION_PING_INTERVAL_MS },
    services: {
      identify: identify(),
      ping: ping(),
      // StrictNoSign: announcements carry their own EIP-712 signature (announcements.ts); a second, libp2p
      // one on every message only cost each receiver another secp256k1 verification.
      pubsub: gossipsub({ globalSignaturePolicy: StrictNoSign, maxInboundDataLength: GOSSIP_MAX_INBOUND_BYTES }),
      dht: kadDHT({
        protocol: DHT_PROTOCOL,
        clientMode: options.dhtMode === "client",
        peerInfoMapper: passthroughMapper,
      }),
      blobs: blobProtocol(options.blobs),
    },
    start: false,
  });
  try {
    await node.start();
    signal?.throwIfAborted();
    if (options.dhtMode !== "client") await node.services.dht.setMode("server");
    stopClosestPeerTagger(node.services.dht);
    keepVerihivePeersAlive(node);
    if (options.bootstrap !== undefined && options.bootstrap.length > 0) {
      const result = await dialBootstrap(node, options.bootstrap, {
        timeoutMs: options.bootstrapTimeoutMs ?? BOOTSTRAP_TIMEOUT_MS,
        ...(signal !== undefined ? { signal } : {}),
      });
      if (result.connected.length === 0) {
        throw new BootstrapError("no bootstrap peer could be dialled", { failures: result.failures });
      }
    }
    return node;
  } catch (err) {
    await node.stop();
    throw err;
  }
}

/**
 * Stops kad-dht's closest-peer tagger; true if it was found. Every 5 s it re-reads its peer set, and each
 * read re-parses every peer id from its string, which decompresses the peer's secp256k1 key twice
 * (@libp2p/peer-collections): with 5 peers, about a sixth of an idle node's CPU and an eighth of a verifier's
 * allocations (docs/BENCHMARKS.md). Its only effect is a keep-alive tag on the DHT peers nearest this
 * one, which keepVerihivePeersAlive gives every Verihive peer once per connection instead. kad-dht does
 * not expose the tagger, hence the guarded reach into its routing table (test/p2p/node.test.ts checks it).
 */
export function stopClosestPeerTagger(dht: KadDHT): boolean {
  const tagger = (dht as unknown as { routingTable?: { closestPeerTagger?: { stop?: unknown } } }).routingTable?.closestPeerTagger;
  if (typeof tagger?.stop !== "function") return false;
  (tagger.stop as () => void).call(tagger);
  return true;
}

/** Tags each identified peer that speaks the Verihive DHT keep-alive, so libp2p redials it when its connection drops. */
function keepVerihivePeersAlive(node: VerihiveNode): void {
  node.addEventListener("peer:identify", (evt) => {
    if (!evt.detail.protocols.includes(DHT_PROTOCOL)) return;
    node.peerStore.merge(evt.detail.peerId, { tags: { [KEEP_ALIVE_TAG]: { value: 1 } } }).catch(() => {
      // the peer store is in memory: this fails only while the node stops
    });
  });
}

export interface DialBootstrapOptions {
  signal?: AbortSignal;
  /** Deadline for all dials together (default 10 s). */
  timeoutMs?: number;
}

export interface DialBootstrapResult {
  connected: PeerId[];
  failures: { addr: string; reason: string }[];
}

/** Dials every address in parallel; reports which peers answered and why the others did not. */
export async function dialBootstrap(
  node: Pick<Libp2p, "dial">,
  addrs: readonly string[],
  options: DialBootstrapOptions = {},
): Promise<DialBootstrapResult> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? BOOTSTRAP_TIMEOUT_MS);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
  const result: DialBootstrapResult = { connected: [], failures: [] };
  await Promise.all(
    addrs.map(async (addr) => {
      let ma: Multiaddr;
      try {
        ma = multiaddr(addr);
      } catch (err) {
        result.failures.push({ addr, reason: `bad multiaddr: ${String(err)}` });
        return;
      }
      try {
        const connection = await node.dial(ma, { signal });
        result.connected.push(connection.remotePeer);
      } catch (err) {
        result.failures.push({ addr, reason: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
      }
    }),
  );
  options.signal?.throwIfAborted();
  return result;
}
