// Deploys to a real `hardhat node` process on loopback through scripts/deploy.ts, as a user would
// against another EVM chain, and checks the wiring on-chain.
import assert from "node:assert/strict";
import { spawn, execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, it } from "mocha";
import { createPublicClient, http, type Address } from "viem";
import { stakingAbi } from "../../lib/chain/abi.ts";

const run = promisify(execFile);
const HARDHAT_KEY0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

describe("scripts/deploy.ts against a JSON-RPC chain", function () {
  this.timeout(120_000);

  it("deploys token, staking and coordinator, and wires the coordinator", async () => {
    const port = await freePort();
    const node = spawn("node_modules/.bin/hardhat", ["node", "--hostname", "127.0.0.1", "--port", String(port)], {
      stdio: ["ignore", "pipe", "ignore"],
      detached: true, // its own process group, so the whole tree stops below
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("hardhat node did not start in 60 s")), 60_000);
        node.stdout.on("data", (b: Buffer) => {
          if (b.toString().includes("Started HTTP")) {
            clearTimeout(timer);
            resolve();
          }
        });
        node.on("exit", (code) => reject(new Error(`hardhat node exited with ${code}`)));
      });
      const dir = mkdtempSync(join(tmpdir(), "verihive-deploy-"));
      const keyFile = join(dir, "deployer.key");
      writeFileSync(keyFile, `${HARDHAT_KEY0}\n`);
      const rpc = `http://127.0.0.1:${port}`;
      const { stdout } = await run("node_modules/.bin/tsx", ["scripts/deploy.ts", "--rpc", rpc, "--key", keyFile, "--unbonding", "86400"]);
      const deployment = JSON.parse(stdout) as { staking: Address; coordinator: Address; chainId: number };
      assert.equal(deployment.chainId, 31337);
      const client = createPublicClient({ transport: http(rpc) });
      const wired = await client.readContract({ address: deployment.staking, abi: stakingAbi, functionName: "coordinator" });
      assert.equal(wired.toLowerCase(), deployment.coordinator.toLowerCase());
      assert.equal(await client.readContract({ address: deployment.staking, abi: stakingAbi, functionName: "unbondingPeriod" }), 86_400n);
    } finally {
      if (node.pid !== undefined) process.kill(-node.pid, "SIGTERM");
      node.stdout.destroy();
    }
  });

  it("refuses a malformed key file with a clear message", async () => {
    const dir = mkdtempSync(join(tmpdir(), "verihive-deploy-"));
    const keyFile = join(dir, "bad.key");
    writeFileSync(keyFile, "not a key\n");
    await assert.rejects(run("node_modules/.bin/tsx", ["scripts/deploy.ts", "--rpc", "http://127.0.0.1:1", "--key", keyFile]), (e: Error & { stderr: string }) => {
      assert.match(e.stderr, /does not hold a 0x-prefixed 32-byte hex key/);
      return true;
    });
  });
});
