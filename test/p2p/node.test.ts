import assert from "node:assert/strict";
import { after, before, describe, it } from "mocha";
import { BootstrapError, DHT_PROTOCOL, dialBootstrap, ethAddressOfPeer, KEEP_ALIVE_TAG, stopClosestPeerTagger, type VerihiveNode } from "../../lib/p2p/index.ts";
import { identity, startNode, stopAll } from "./helpers.ts";

describe("verihive node (lib/p2p/node.ts)", function () {
  this.timeout(20_000);
  let hub: VerihiveNode | undefined;
  let left: VerihiveNode | undefined;
  let right: VerihiveNode | undefined;

  before(async () => {
    hub = await startNode("node-hub");
    left = await startNode("node-left", {}, [hub]);
    right = await startNode("node-right", {}, [hub]);
  });

  after(async () => {
    await stopAll([left, right, hub]);
  });

  it("listens on loopback with the peer id of its Ethereum key", () => {
    assert.ok(hub!.peerId.equals(identity("node-hub").peerId));
    assert.equal(ethAddressOfPeer(hub!.peerId), identity("node-hub").address);
    assert.ok(hub!.getMultiaddrs().every((ma) => ma.toString().startsWith("/ip4/127.0.0.1/tcp/")));
    assert.ok(hub!.getProtocols().includes(DHT_PROTOCOL));
  });

  it("finds a peer it never dialled through the DHT on loopback", async () => {
    // Until the routing tables fill (via the hub, over loopback addresses) the query waits.
    const found = await left!.peerRouting.findPeer(right!.peerId, { signal: AbortSignal.timeout(5_000) });
    assert.ok(found.id.equals(right!.peerId));
    assert.ok(found.multiaddrs.some((ma) => ma.toString().startsWith("/ip4/127.0.0.1/")));
  });

  it("runs without kad-dht's closest-peer tagger, which it can still reach", () => {
    const tagger = (hub!.services.dht as unknown as { routingTable: { closestPeerTagger: { running: boolean } } }).routingTable.closestPeerTagger;
    assert.equal(tagger.running, false);
    // If a kad-dht upgrade moves the tagger, this fails here instead of silently costing CPU again.
    assert.equal(stopClosestPeerTagger(hub!.services.dht), true);
  });

  it("tags the Verihive peers it has identified keep-alive, so libp2p redials them", async () => {
    for (let i = 0; i < 50; i++) {
      const peer = await hub!.peerStore.get(left!.peerId);
      if (peer.tags.has(KEEP_ALIVE_TAG)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`the hub never tagged its peer ${KEEP_ALIVE_TAG}`);
  });

  it("reports bootstrap addresses that fail, and the peers that answered", async () => {
    const good = hub!.getMultiaddrs().map(String);
    const result = await dialBootstrap(left!, [...good, "/ip4/127.0.0.1/tcp/1", "not-a-multiaddr"], { timeoutMs: 3_000 });
    assert.equal(result.connected.length, 1);
    assert.ok(result.connected[0]!.equals(hub!.peerId));
    assert.equal(result.failures.length, 2);
  });

  it("refuses to start when no bootstrap peer answers", async () => {
    await assert.rejects(startNode("node-lonely", { bootstrap: ["/ip4/127.0.0.1/tcp/1"], bootstrapTimeoutMs: 2_000 }), BootstrapError);
  });
});
