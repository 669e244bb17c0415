import { existsSync, readFileSync } from "node:fs";
import { availableParallelism, platform, release, totalmem } from "node:os";

// The machine a benchmark ran on: cores, CPU model, memory, Node version.

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
