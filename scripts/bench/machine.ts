import { existsSync, readFileSync } from "node:fs";
import { availableParallelism, loadavg, platform, release, totalmem } from "node:os";

// The machine a benchmark ran on: cores, CPU model, memory, Node version; and how busy it was.

/** The 1-minute load average, to two decimals. */
export const load1 = (): number => Number(loadavg()[0]!.toFixed(2));

/** A note when other work shared the cores (a load average above the core count before a part), else undefined. */
export function busyNote(loads: readonly number[], cores: number): string | undefined {
  const worst = Math.max(...loads);
  return worst > cores ? `the machine was busy with other work (1-min load average up to ${worst} on ${cores} cores): times are unreliable, ratios less so` : undefined;
}

export function machineInfo(): Record<string, string | number> {
  const cpuinfo = existsSync("/proc/cpuinfo") ? readFileSync("/proc/cpuinfo", "utf8") : "";
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.+)$`, "m").exec(cpuinfo)?.[1]?.trim();
  const family = field("cpu family");
  const mhz = field("cpu MHz");
  const model = `${field("model name") ?? "unknown"}${family ? `, family ${family}` : ""}${mhz ? `, ${Math.round(Number(mhz))} MHz` : ""}`;
  return {
    cores: availableParallelism(),
    cpu: model,
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    os: `${platform()} ${release()}`,
  };
}
