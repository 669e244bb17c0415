import { spawn } from "node:child_process";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { lastJsonObject } from "./stats.ts";

// Running one benchmark part as a child process and reading the JSON object it prints last.

/** The repository root (the children run there). */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A bin of node_modules/.bin (hardhat, tsx) as a script path, so it runs on this Node, not on PATH's. */
export function nodeBin(name: string): string {
  return realpathSync(`${ROOT}node_modules/.bin/${name}`);
}

export class ChildFailedError extends Error {
  override name = "ChildFailedError";
  readonly command: string;
  /** Exit code; null when killed by a signal or never started. */
  readonly code: number | null;
  /** The command could not be started (not found, not executable). */
  readonly notStarted: boolean;
  constructor(command: string, code: number | null, detail: string, notStarted = false) {
    super(`${command}: ${detail}`);
    this.command = command;
    this.code = code;
    this.notStarted = notStarted;
  }
}

export interface ChildOutput {
  stdout: string;
  stderr: string;
}

/**
 * Runs `command args` in the repository root; resolves with its output once it exits 0. Fails on another
 * exit code, a signal, or `timeoutMs` (the child then gets SIGTERM, SIGKILL 10 s later). `onStderr` sees
 * each chunk of stderr as it comes (progress).
 */
export function runChild(command: string, args: readonly string[], opts: { timeoutMs: number; onStderr?: (chunk: string) => void }): Promise<ChildOutput> {
  const shown = [command === process.execPath ? "node" : command, ...args].join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      stderr += c;
      opts.onStderr?.(c);
    });
    let timedOut = false;
    let killer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGTERM");
      killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    }, opts.timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new ChildFailedError(shown, null, e.message, true));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      clearTimeout(killer);
      if (code === 0 && !timedOut) return resolve({ stdout, stderr });
      const why = timedOut ? `timed out after ${Math.round(opts.timeoutMs / 1000)} s` : signal ? `killed by ${signal}` : `exit ${code}`;
      const tail = stderr.trim().split("\n").slice(-3).join(" | ");
      reject(new ChildFailedError(shown, code, `${why}${tail ? ` (${tail})` : ""}`));
    });
  });
}

/** Runs a child and returns the last JSON object it printed on stdout. */
export async function runJson(command: string, args: readonly string[], opts: { timeoutMs: number; onStderr?: (chunk: string) => void }): Promise<Record<string, unknown>> {
  const { stdout } = await runChild(command, args, opts);
  return lastJsonObject(stdout);
}
