// Deploys Verihive's contracts to any EVM chain over JSON-RPC.
//   npx tsx scripts/deploy.ts --rpc URL --key FILE [--token ADDRESS] [--unbonding SECONDS] [--out FILE]
// The key file holds one 0x-prefixed 32-byte hex private key. Writes the addresses as JSON.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { isAddress, type Address, type Hex } from "viem";
import { connect, deployVerihive, readKeyFile, redactRpc, type Connection } from "../lib/chain/index.ts";

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
let privateKey: Hex;
try {
  privateKey = readKeyFile(values.key);
} catch (e) {
  fail((e as Error).message);
}
if (values.token !== undefined && !isAddress(values.token)) fail(`--token ${values.token} is not an address`);
if (!/^[0-9]+$/.test(values.unbonding!)) fail("--unbonding must be a whole number of seconds");

let conn: Connection;
try {
  conn = await connect({ rpc: values.rpc, privateKey });
} catch (e) {
  fail((e as Error).message);
}
const { wallet, publicClient: client, chainId } = conn;
console.error(`deploying from ${wallet.account.address} to chain ${chainId} at ${redactRpc(values.rpc!)}`);
const deployment = await deployVerihive(wallet, client, {
  token: values.token as Address | undefined,
  unbondingPeriod: BigInt(values.unbonding!),
});
const json = JSON.stringify(deployment, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2);
if (values.out) writeFileSync(values.out, `${json}\n`);
console.log(json);
