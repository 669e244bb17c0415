// Shared by the verifier's unit tests: temporary directories, a silent logger, a settable chain clock.
// No top-level side effects (mocha loads every .ts under test/).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "../../node/log.ts";
import { ChainClock } from "../../node/peer/clock.ts";

/** A fresh temporary directory. */
export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `verihive-verifier-${label}-`));
}

/** A logger that keeps what it is told (for assertions) and prints nothing. */
export function memoryLogger(): Logger & { lines: { level: string; event: string; fields: Record<string, unknown> }[] } {
  const lines: { level: string; event: string; fields: Record<string, unknown> }[] = [];
  const at = (level: string) => (event: string, fields: Record<string, unknown> = {}) => void lines.push({ level, event, fields });
  return { lines, info: at("info"), warn: at("warn"), error: at("error") };
}

/** A chain clock whose time the test sets (seconds). */
export class FakeClock extends ChainClock {
  t: number;
  constructor(t: number) {
    super();
    this.t = t;
  }
  override now(): number {
    return this.t;
  }
}
