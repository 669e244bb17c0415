// Logs that say what happened: one JSON object per line when stdout is not a terminal (for machines and
// the npm start orchestrator), short human lines when it is.
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

function plain(v: unknown): unknown {
  return typeof v === "bigint" ? v.toString() : v instanceof Error ? v.message : v;
}

export function createLogger(component: string, format: "auto" | "json" | "pretty" = "auto"): Logger {
  const mode = format === "auto" ? (process.stdout.isTTY ? "pretty" : "json") : format;
  const write = (level: string, event: string, fields: LogFields = {}) => {
    if (mode === "json") {
      const line = JSON.stringify({ t: new Date().toISOString(), level, component, event, ...fields }, (_k, v) => plain(v));
      process.stdout.write(`${line}\n`);
    } else {
      const rest = Object.entries(fields)
        .map(([k, v]) => `${k}=${String(plain(v))}`)
        .join(" ");
      const out = level === "info" ? process.stdout : process.stderr;
      out.write(`${new Date().toISOString().slice(11, 19)} ${component} ${level === "info" ? "" : `${level.toUpperCase()} `}${event}${rest ? ` ${rest}` : ""}\n`);
    }
  };
  return {
    info: (e, f) => write("info", e, f),
    warn: (e, f) => write("warn", e, f),
    error: (e, f) => write("error", e, f),
  };
}
