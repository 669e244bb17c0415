// Deploys Verihive's contracts to any EVM chain over JSON-RPC.
//   npx tsx scripts/deploy.ts --rpc URL --key FILE [--token ADDRESS] [--unbonding SECONDS] [--out FILE]
// The key file holds one 0x-prefixed 32-byte hex private key. Writes the addresses as JSON.
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createPublicClient, createWalletClient, http, isAddress, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { deployVerihive } from "../lib/chain/deploy.ts";

const USAGE = `usage: npx tsx scripts/deploy.ts --rpc URL --key FILE [--token ADDRESS] [--unbonding SECONDS] [--out FILE]
  --rpc        JSON-RPC endpoint of the chain (e.g. http://127.0.0.1:8545)
  --key        file holding the deployer's private key (0x + 64 hex digits)
  --token      existing ERC-20 to stake (default: deploy a StakeToken and mint to the deployer)
  --unbonding  unbonding period in seconds (default 2592000 = 30 days)
  --out        write the deployment JSON here (default: print it)`;

function fail(message: string): never {
  console.error(`deploy: ${message}\n${USAGE}`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    rpc: { type: "string" },
    key: { type: "string" },
    token: { type: "string" },
    unbonding: { type: "string", default: "2592000" },
    out: { type: "string" },
    help: { type: "boolean" },
  },
  strict: true,
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (!values.rpc || !/^https?:\/\//.test(values.rpc)) fail("--rpc must be an http(s) URL");
if (!values.key) fail("--key is required");
let keyText: string;
try {
  keyText = readFileSync(values.key, "utf8").trim();
} catch (e) {
  fail(`cannot read key file ${values.key}: ${(e as Error).message}`);
}
if (!/^0x[0-9a-fA-F]{64}$/.test(keyText)) fail(`key file ${values.key} does not hold a 0x-prefixed 32-byte hex key`);
if (values.token !== undefined && !isAddress(values.token)) fail(`--token ${values.token} is not an address`);
if (!/^[0-9]+$/.test(values.unbonding!)) fail("--unbonding must be a whole number of seconds");

const account = privateKeyToAccount(keyText as Hex);
const transport = http(values.rpc, { timeout: 30_000, retryCount: 3 });
const client = createPublicClient({ transport });
const chainId = await client.getChainId().catch((e: Error) => fail(`cannot reach ${values.rpc}: ${e.message}`));
const chain = { id: chainId, name: `chain-${chainId}`, nativeCurrency: { name: "ETH", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [values.rpc] } } };
const wallet = createWalletClient({ account, transport, chain });
console.error(`deploying from ${account.address} to chain ${chainId} at ${values.rpc}`);
const deployment = await deployVerihive(wallet, client, {
  token: values.token as Address | undefined,
  unbondingPeriod: BigInt(values.unbonding!),
});
const json = JSON.stringify(deployment, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2);
if (values.out) writeFileSync(values.out, `${json}\n`);
console.log(json);
