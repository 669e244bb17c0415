import type { LogFields, Logger } from "./log.ts";

// A one-line progress display for a terminal: redrawn in place on stderr, cleared before each log line so
// the two never interleave. Off (a no-op) when stderr is not a terminal or logs are JSON: the structured
// logs then carry the same figures.

export interface Progress {
  /** Replaces the fields shown (merged with the previous ones) and redraws. */
  update(fields: Record<string, string | number | undefined>): void;
  /** A logger whose lines do not collide with the status line. */
  wrap(log: Logger): Logger;
  stop(): void;
}

export function createProgress(enabled: boolean, title: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  const fields: Record<string, string | number | undefined> = {};
  let shown = false;
  const clear = () => {
    if (shown) stream.write("\r\x1b[2K");
    shown = false;
  };
  const draw = () => {
    if (!enabled) return;
    const text = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k} ${v}`)
      .join(" · ");
    const width = stream.columns ?? 120;
    stream.write(`\r\x1b[2K${`${title} ▸ ${text}`.slice(0, Math.max(20, width - 1))}`);
    shown = true;
  };
  return {
    update(next) {
      Object.assign(fields, next);
      draw();
    },
    wrap(log) {
      if (!enabled) return log;
      const around =
        (f: (event: string, fields?: LogFields) => void) =>
        (event: string, extra?: LogFields) => {
          clear();
          f(event, extra);
          draw();
        };
      return { info: around(log.info), warn: around(log.warn), error: around(log.error) };
    },
    stop() {
      clear();
    },
  };
}
