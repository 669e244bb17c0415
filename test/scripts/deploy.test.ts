// Deploys to a real `hardhat node` process on loopback through scripts/deploy.ts, as a user would
// against another EVM chain, and checks the wiring on-chain.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, it } from "mocha";
import { createPublicClient, http, type Address } from "viem";
import { stakingAbi, startLocalChain } from "../../lib/chain/index.ts";

const run = promisify(execFile);
const HARDHAT_KEY0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

describe("scripts/deploy.ts against a JSON-RPC chain", function () {
  this.timeout(120_000);

  it("deploys token, staking and coordinator, and wires the coordinator", async () => {
    const chain = await startLocalChain();
    try {
      const dir = mkdtempSync(join(tmpdir(), "verihive-deploy-"));
      const keyFile = join(dir, "deployer.key");
      writeFileSync(keyFile, `${HARDHAT_KEY0}\n`);
      const rpc = chain.rpc;
      const { stdout } = await run(process.execPath, ["scripts/deploy.ts", "--rpc", rpc, "--key", keyFile, "--unbonding", "86400"]);
      const deployment = JSON.parse(stdout) as { staking: Address; coordinator: Address; chainId: number };
      assert.equal(deployment.chainId, 31337);
      const client = createPublicClient({ transport: http(rpc) });
      const wired = await client.readContract({ address: deployment.staking, abi: stakingAbi, functionName: "coordinator" });
      assert.equal(wired.toLowerCase(), deployment.coordinator.toLowerCase());
      assert.equal(await client.readContract({ address: deployment.staking, abi: stakingAbi, functionName: "unbondingPeriod" }), 86_400n);
    } finally {
      chain.stop();
    }
  });

  it("refuses a malformed key file with a clear message", async () => {
    const dir = mkdtempSync(join(tmpdir(), "verihive-deploy-"));
    const keyFile = join(dir, "bad.key");
    writeFileSync(keyFile, "not a key\n");
    await assert.rejects(run(process.execPath, ["scripts/deploy.ts", "--rpc", "http://127.0.0.1:1", "--key", keyFile]), (e: Error & { stderr: string }) => {
      assert.match(e.stderr, /does not hold a 32-byte hex private key/);
      return true;
    });
  });
});
