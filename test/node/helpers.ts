// Shared by the node tests: runs test/node/fixtures/crash-writer.ts and kills it with SIGKILL mid-write.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const TSX = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));
const WRITER = fileURLToPath(new URL("./fixtures/crash-writer.ts", import.meta.url));

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts the crash writer in `mode` on `dir`, waits for its first acknowledged write, lets it run `killAfterMs`
 * more, then SIGKILLs its whole process group (tsx runs the script in a child process of its own) and waits
 * until every process of the group is gone. Resolves to the acknowledgement lines it printed.
 */
export async function runCrashWriter(mode: "journal" | "blobs", dir: string, killAfterMs: number): Promise<string[]> {
  // Run tsx's CLI under this Node; detached puts tsx and the script in a new process group.
  const child = spawn(process.execPath, [TSX, WRITER, mode, dir], { detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const pgid = child.pid!;
  const lines: string[] = [];
  let stderr = "";
  let buffered = "";
  let killTimer: NodeJS.Timeout | undefined;
  const kill = (): void => {
    if (groupAlive(pgid)) process.kill(-pgid, "SIGKILL");
  };
  const startTimeout = setTimeout(kill, 10_000);
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout.on("data", (d: Buffer) => {
    buffered += d.toString();
    const parts = buffered.split("\n");
    buffered = parts.pop()!;
    for (const p of parts) {
      if (p !== "ready") lines.push(p);
      if (p !== "ready" && killTimer === undefined) {
        clearTimeout(startTimeout);
        killTimer = setTimeout(kill, killAfterMs);
      }
    }
  });
  const exit = await new Promise<NodeJS.Signals | number | null>((resolve) => child.on("close", (code, signal) => resolve(signal ?? code)));
  clearTimeout(startTimeout);
  clearTimeout(killTimer);
  for (let i = 0; groupAlive(pgid); i++) {
    if (i === 200) throw new Error(`crash writer's process group ${pgid} is still alive`);
    await new Promise((r) => setTimeout(r, 10));
  }
  if (killTimer === undefined) throw new Error(`crash writer acknowledged nothing (exit ${String(exit)}): ${stderr}`);
  if (exit !== "SIGKILL") throw new Error(`crash writer ended with ${String(exit)}, not SIGKILL: ${stderr}`);
  return lines;
}
