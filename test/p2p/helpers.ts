// Shared by the p2p tests: deterministic identities and real nodes on 127.0.0.1.
import { keccak256, stringToHex } from "viem";
import { createVerihiveNode, peerIdentityFromEthKey, type CreateVerihiveNodeOptions, type PeerIdentity, type VerihiveNode } from "../../lib/p2p/index.ts";

/** The identity of a named test key (keccak of the name). */
export function identity(name: string): PeerIdentity {
  return peerIdentityFromEthKey(keccak256(stringToHex(`verihive-p2p-test:${name}`)));
}

/** Starts a node for `name` on loopback, dialling `bootstrap` nodes. */
export async function startNode(
  name: string,
  options: Omit<CreateVerihiveNodeOptions, "privateKey"> = {},
  bootstrap: readonly VerihiveNode[] = [],
): Promise<VerihiveNode> {
  return createVerihiveNode({
    privateKey: identity(name).privateKey,
    bootstrap: bootstrap.flatMap((n) => n.getMultiaddrs().map(String)),
    ...options,
  });
}

/** Stops every node, ignoring those that failed to start. */
export async function stopAll(nodes: readonly (VerihiveNode | undefined)[]): Promise<void> {
  await Promise.all(nodes.map((n) => n?.stop()));
}

/** Resolves once `predicate` holds, polling every 10 ms; rejects after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs = 5_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
