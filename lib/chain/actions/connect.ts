import { createPublicClient, createWalletClient, http, type Account, type Chain, type PublicClient, type Transport, type WalletClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Hex } from "viem";
import { ChainError } from "../errors.ts";
import { nodeHttpFetch } from "../node-fetch.ts";

export type Wallet = WalletClient<Transport, Chain, Account>;

export interface ConnectParams {
  rpc: string;
  privateKey: Hex;
  /** Refuse to run when the endpoint reports another chain id. */
  expectedChainId?: number;
  timeoutMs?: number;
}

export interface Connection {
  publicClient: PublicClient;
  wallet: Wallet;
  chainId: number;
}

/**
 * An RPC URL as logs and errors may show it: scheme, host and port only. Providers put API keys in the path, the
 * query or the user part (REVIEW 22), so none of those is ever printed.
 */
export function redactRpc(rpc: string): string {
  try {
    const u = new URL(rpc);
    const hidden = u.username !== "" || u.password !== "" || (u.pathname !== "/" && u.pathname !== "") || u.search !== "" || u.hash !== "";
    return `${u.protocol}//${u.host}${hidden ? "/…" : ""}`;
  } catch {
    return "(not a URL)";
  }
}

/** Connects to a JSON-RPC endpoint with retries and timeouts, checking the chain id. */
export async function connect({ rpc: url, privateKey, expectedChainId, timeoutMs = 30_000 }: ConnectParams): Promise<Connection> {
  const rpc = redactRpc(url);
  if (!/^https?:\/\//.test(url)) throw new ChainError(`--rpc ${rpc} is not an http(s) URL`, { rpc });
  // node:http with keep-alive rather than the global fetch: about half the CPU per call (lib/chain/node-fetch.ts).
  // Calls made in the same tick go as one JSON-RPC batch: 8 reads cost 1.5 ms of CPU instead of 4.6 ms.
  const transport = http(url, { timeout: timeoutMs, retryCount: 3, retryDelay: 250, fetchFn: nodeHttpFetch(), batch: { wait: 0 } });
  const probe = createPublicClient({ transport });
  let chainId: number;
  try {
    chainId = await probe.getChainId();
  } catch (e) {
    throw new ChainError(`cannot reach ${rpc}: ${(e as Error).message.split("\n")[0]}`, { rpc });
  }
  if (!Number.isSafeInteger(chainId) || chainId <= 0) throw new ChainError(`${rpc} answered an invalid chain id`, { rpc });
  if (expectedChainId !== undefined && chainId !== expectedChainId) {
    throw new ChainError(`wrong chain: ${rpc} is chain ${chainId}, expected ${expectedChainId}`, { rpc, chainId, expectedChainId });
  }
  const chain: Chain = {
    id: chainId,
    name: `chain-${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [url] } },
  };
  const publicClient = createPublicClient({ chain, transport }) as PublicClient;
  const wallet = serialWrites(createWalletClient({ account: privateKeyToAccount(privateKey), chain, transport }));
  return { publicClient, wallet, chainId };
}

/**
 * The same wallet, its transactions sent one at a time: each send waits until the node has accepted (or
 * refused) the one before, so concurrent senders of one process (a trainer's commit and its game answers, a
 * verifier's audits and game moves) never read the same pending nonce and knock each other out.
 */
export function serialWrites(wallet: Wallet): Wallet {
  let last: Promise<unknown> = Promise.resolve();
  const queued =
    <A extends unknown[], R>(f: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      const next = last.then(
        () => f(...args),
        () => f(...args),
      );
      last = next.catch(() => undefined);
      return next;
    };
  return {
    ...wallet,
    writeContract: queued(wallet.writeContract.bind(wallet) as never),
    sendTransaction: queued(wallet.sendTransaction.bind(wallet) as never),
    deployContract: queued(wallet.deployContract.bind(wallet) as never),
  } as Wallet;
}
