import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { ChainError } from "./errors.ts";

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

export interface LocalChain {
  rpc: string;
  process: ChildProcess;
  stop(): void;
}

/**
 * Starts `hardhat node` on 127.0.0.1 (never 0.0.0.0) with this process's Node binary, so it runs on the
 * project's Node 24 whatever `node` is first on PATH. Resolves once it serves JSON-RPC.
 */
export async function startLocalChain({ port, timeoutMs = 60_000 }: { port?: number; timeoutMs?: number } = {}): Promise<LocalChain> {
  const p = port ?? (await freePort());
  const cli = join(dirname(createRequire(import.meta.url).resolve("hardhat/package.json")), "dist/src/cli.js");
  const child = spawn(process.execPath, [cli, "node", "--network", "local", "--hostname", "127.0.0.1", "--port", String(p)], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group: stop() ends the whole tree
  });
  let stderr = "";
  child.stderr!.on("data", (b: Buffer) => (stderr = (stderr + b.toString()).slice(-2000)));
  const stop = () => {
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    child.stdout?.destroy();
    child.stderr?.destroy();
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => (stop(), reject(new ChainError(`hardhat node did not start within ${timeoutMs} ms`))), timeoutMs);
    child.stdout!.on("data", (b: Buffer) => {
      if (b.toString().includes("Started HTTP")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new ChainError(`hardhat node exited with ${code}: ${stderr.trim()}`));
    });
  });
  return { rpc: `http://127.0.0.1:${p}`, process: child, stop };
}
