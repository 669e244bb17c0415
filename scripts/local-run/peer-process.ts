import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { createInterface } from "node:readline";

// One peer process of `npm start` (`node node/cli.ts trainer|verifier …`), in its own process group,
// with its JSON log lines parsed and appended to a log file. It can be killed with SIGKILL and restarted
// with the same arguments (a crash test); `done` resolves with the exit code of its last run.

/** A JSON log line of a peer (node/log.ts): `event` plus whatever fields that event carries. */
export interface LogRecord {
  readonly event?: string;
  readonly level?: string;
  readonly round?: number | string;
  readonly addrs?: readonly string[];
  readonly [field: string]: unknown;
}

export interface PeerProcessOptions {
  /** "trainer 0", "verifier 1": prefixes what is echoed. */
  readonly label: string;
  /** Arguments after the Node binary. */
  readonly args: () => readonly string[];
  readonly logFile: string;
  /** Called for every JSON line of stdout. */
  readonly onRecord?: (rec: LogRecord, line: string) => void;
  /** Echo the peer's stderr (default true). */
  readonly echoStderr?: boolean;
  /**
   * Start it again (after 2 s, with `args()` read afresh) when it exits before it listens, up to this many
   * times (default 0): on a loaded machine a peer can fail to dial its bootstrap peer while that one is busy
   * loading its data, and a later start gets more bootstrap addresses.
   */
  readonly retriesBeforeListening?: number;
}

export class PeerProcess {
  readonly label: string;
  restarts = 0;
  /** How its latest run ended: an exit code or a signal name. */
  exit: number | string | undefined;
  /** First listen address of its latest run, once logged. */
  address: string | undefined;
  /** Resolves with the first address it listens on; rejects if it exits before that with no retry left. */
  readonly listening: Promise<string>;
  /** Exit code of its last run (1 for a signal). */
  readonly done: Promise<number>;
  private child!: ChildProcess;
  private restarting = false;
  private stopped = false;
  private listened = false;
  private retriesLeft: number;
  private readonly log: WriteStream;
  private resolveListening!: (addr: string) => void;
  private rejectListening!: (e: Error) => void;
  private resolveDone!: (code: number) => void;

  private readonly opts: PeerProcessOptions;

  constructor(opts: PeerProcessOptions) {
    this.opts = opts;
    this.label = opts.label;
    this.retriesLeft = opts.retriesBeforeListening ?? 0;
    this.log = createWriteStream(opts.logFile, { flags: "a" });
    this.log.on("error", (e) => process.stderr.write(`${opts.label}: cannot write its log ${opts.logFile}: ${e.message}\n`));
    this.listening = new Promise((resolve, reject) => ((this.resolveListening = resolve), (this.rejectListening = reject)));
    this.listening.catch(() => {}); // observed by whoever awaits it; not an unhandled rejection otherwise
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.start();
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private start(): void {
    const child = spawn(process.execPath, [...this.opts.args()], { stdio: ["ignore", "pipe", "pipe"], detached: true });
    this.child = child;
    child.stderr!.on("data", (b: Buffer) => {
      this.log.write(b);
      if (this.opts.echoStderr !== false) process.stderr.write(`${this.label}: ${b}`);
    });
    createInterface({ input: child.stdout! }).on("line", (line) => {
      this.log.write(`${line}\n`);
      let rec: LogRecord;
      try {
        rec = JSON.parse(line) as LogRecord;
      } catch {
        return;
      }
      if (rec.event === "listening" && typeof rec.addrs?.[0] === "string") {
        this.address = rec.addrs[0];
        this.listened = true;
        this.resolveListening(rec.addrs[0]);
      }
      this.opts.onRecord?.(rec, line);
    });
    // "close", not "exit": stdout and stderr are drained by then, so nothing is written after the log ends.
    child.on("close", (code, signal) => {
      this.exit = signal ?? code ?? undefined;
      if (!this.listened && !this.restarting && !this.stopped && this.retriesLeft > 0) {
        this.retriesLeft--;
        this.log.write(`--- ${this.label} exited with ${code ?? signal} before listening; starting it again ---\n`);
        if (this.opts.echoStderr !== false) process.stderr.write(`${this.label}: exited before listening; starting it again in 2 s\n`);
        setTimeout(() => (this.stopped ? this.finish(code ?? 1) : this.start()), 2000);
        return;
      }
      this.rejectListening(new Error(`${this.label} exited with ${code ?? signal} before listening`));
      if (this.restarting) return;
      this.finish(code ?? 1);
    });
  }

  private finish(code: number): void {
    this.log.end();
    this.resolveDone(code);
  }

  /** SIGKILLs the whole process group, waits `delayMs` after it is gone, and starts it again. */
  async crashAndRestart(delayMs: number): Promise<void> {
    if (!this.running || this.restarting) return;
    this.restarting = true;
    const exited = new Promise<void>((resolve) => this.child.once("close", () => resolve()));
    this.signal("SIGKILL");
    await exited;
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (this.stopped) {
      this.log.end();
      this.resolveDone(137);
      return;
    }
    this.restarts++;
    this.log.write(`--- ${this.label} restarted after kill -9 ---\n`);
    this.restarting = false;
    this.start();
  }

  /** Sends `signal` to its process group (no-op once it has exited). */
  signal(signal: NodeJS.Signals): void {
    if (this.child.pid === undefined || !this.running) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // already gone
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs` if it is still running; resolves with the exit code. */
  async stop(graceMs: number): Promise<number> {
    this.stopped = true;
    this.signal("SIGTERM");
    const timer = setTimeout(() => this.signal("SIGKILL"), graceMs);
    const code = await this.done;
    clearTimeout(timer);
    return code;
  }
}
