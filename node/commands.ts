import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { readKeyFile, readKeystore } from "../lib/chain/key-file.ts";
// Re-exported for node/cli.ts: errors thrown here are instances of this module graph's class (the bundle's own copy when bundled).
export { VerihiveError } from "../lib/core/errors.ts";
import { parseTrainerConfig, parseVerifierConfig, trainerHelp, verifierHelp, type TrainerConfig, type VerifierConfig } from "./config.ts";
import { createLogger, type Logger } from "./log.ts";

// The commands of the `verihive` CLI (node/cli.ts is the entry). Each command imports its peer when it runs:
// a verifier process does not load the trainer, nor a trainer the verifier.

const USAGE = `usage: verihive <command> [flags]

commands:
  trainer    stake, join a shard of a run, train it and exchange updates with the other peers
             (verihive trainer --help for its flags)
  verifier   stake, take a verifier seat of a run, re-execute the segments the chain assigns, attest or
             challenge them, and sit on juries (verihive verifier --help for its flags)
`;

/** An AbortController that Ctrl-C (or SIGTERM) aborts; a second signal leaves at once. */
function stopOnSignals(log: Logger): { signal: AbortSignal; stopping: () => boolean } {
  const controller = new AbortController();
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    log.info("stopping", { signal });
    controller.abort(new Error(`stopped by ${signal}`));
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  return { signal: controller.signal, stopping: () => stopping };
}

/** What both commands set up from their config: the logger, the key, the data directory, Ctrl-C, and the options both peers take. */
function setUp(role: "trainer" | "verifier", config: TrainerConfig | VerifierConfig) {
  const log = createLogger(role, config.log);
  const privateKey = config.key.kind === "key-file" ? readKeyFile(config.key.path) : readKeystore(config.key.path, config.key.password);
  mkdirSync(config.dataDir, { recursive: true });
  // A progress line only where a person watches: a terminal with human-readable logs.
  const progress = process.stderr.isTTY === true && (config.log === "pretty" || (config.log === "auto" && process.stdout.isTTY === true));
  // The options every peer takes the same way.
  const common = {
    rpc: config.rpc,
    privateKey,
    coordinator: config.coordinator,
    runId: config.runId,
    stake: config.stake ?? 2n ** 128n, // no --stake: stake what the seat needs
    listen: [...config.listen],
    bootstrap: [...config.bootstrap],
    backend: config.backend,
    dataDir: config.dataDir,
    report: join(config.dataDir, "summary.json"),
    progress,
    log,
  };
  return { log, privateKey, common, ...stopOnSignals(log) };
}

async function verifier(argv: string[]): Promise<number> {
  const parsed = parseVerifierConfig(argv, process.env);
  if (parsed.help) {
    process.stdout.write(verifierHelp());
    return 0;
  }
  const config = parsed as VerifierConfig;
  const { log, common, signal, stopping } = setUp("verifier", config);
  const { runVerifier } = await import("../verifier/verifier.ts");
  try {
    const summary = await runVerifier({ ...common, ...(config.game ? { game: config.game } : {}), ...(config.attack ? { attack: config.attack } : {}), ...(config.watchBps ? { watchBps: config.watchBps } : {}) }, signal);
    log.info("done", { audits: summary.audits, attested: summary.attested, challenged: summary.challenged, rewards: summary.rewards });
    return 0;
  } catch (e) {
    if (stopping()) {
      log.info("stopped", { dataDir: config.dataDir });
      return 130;
    }
    throw e;
  }
}

async function trainer(argv: string[]): Promise<number> {
  const parsed = parseTrainerConfig(argv, process.env);
  if (parsed.help) {
    process.stdout.write(trainerHelp());
    return 0;
  }
  const config = parsed as TrainerConfig;
  const { log, privateKey, common, signal, stopping } = setUp("trainer", config);
  const [{ runTrainer }, { createAttack }] = await Promise.all([import("./trainer/trainer.ts"), import("./trainer/attacks/index.ts")]);
  try {
    const summary = await runTrainer(
      {
        ...common,
        shard: config.shard,
        ...(config.game ? { game: config.game } : {}),
        ...(config.aggregation ? { aggregation: config.aggregation } : {}),
        ...(config.attack ? { attack: createAttack(config.attack.name, { lambda: config.attack.lambda, seed: Number(BigInt(privateKey) % 4_294_967_291n) }) } : {}),
      },
      signal,
    );
    log.info("done", { accuracy: summary.accuracy, credits: summary.credits, rewards: summary.rewards });
    return 0;
  } catch (e) {
    if (stopping()) return 130;
    throw e;
  }
}

export async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  if (command === "trainer") return trainer(rest);
  if (command === "verifier") return verifier(rest);
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  process.stderr.write(`verihive: unknown command '${command}'\n${USAGE}`);
  return 2;
}
