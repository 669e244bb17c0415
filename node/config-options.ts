import { VERIFIER_ATTACKS } from "../verifier/misbehaviour.ts";
import { ATTACK_NAMES } from "./trainer/attacks/index.ts";

// The settings of `npx verihive trainer|verifier` (flag, environment variable, config-file key, help text)
// and the help text built from them. node/config.ts reads and checks them.

export type Role = "trainer" | "verifier";
/** Same as lib/ml's `BackendPreference`. */
export type BackendPreference = "auto" | "gpu" | "node" | "wasm" | "cpu";
/** How a trainer combines a shard's updates: CenteredClip, or the undefended plain mean (measurements only). */
export type Aggregation = "centered-clip" | "mean";
export const AGGREGATIONS: readonly Aggregation[] = ["centered-clip", "mean"];

export const CONFIG_FILE_MAX_BYTES = 64 * 1024;
export const DEFAULT_LISTEN: readonly string[] = ["/ip4/127.0.0.1/tcp/0"];
export const KEYSTORE_PASSWORD_ENV = "VERIHIVE_KEYSTORE_PASSWORD";
export const BACKENDS: readonly BackendPreference[] = ["auto", "gpu", "node", "wasm", "cpu"];

export interface OptionSpec {
  /** Long flag and config-file key. */
  readonly name: string;
  readonly env: string;
  readonly arg: string;
  readonly text: string;
  /** The verifier's help text where it differs from `text`. */
  readonly verifierText?: string;
  readonly fallback: string;
  readonly multiple?: boolean;
  readonly trainerOnly?: boolean;
  readonly verifierOnly?: boolean;
}

/** Every setting, in help order. */
export const OPTIONS: readonly OptionSpec[] = [
  { name: "rpc", env: "VERIHIVE_RPC", arg: "URL", text: "JSON-RPC endpoint of the chain (http or https)", fallback: "required" },
  { name: "key", env: "VERIHIVE_KEY", arg: "FILE", text: "file holding the account's hex private key", fallback: "required unless --keystore" },
  { name: "keystore", env: "VERIHIVE_KEYSTORE", arg: "FILE", text: `v3 JSON keystore; its password comes from ${KEYSTORE_PASSWORD_ENV}`, fallback: "required unless --key" },
  { name: "coordinator", env: "VERIHIVE_COORDINATOR", arg: "ADDRESS", text: "address of the RunCoordinator contract", fallback: "required" },
  { name: "game", env: "VERIHIVE_GAME", arg: "ADDRESS", text: "address of the DisputeGame contract: a trainer answers the dispute games opened against it, a verifier settles exact-mode frauds by games", fallback: "none (a trainer leaves games unanswered, a verifier takes frauds to a jury)" },
  { name: "run", env: "VERIHIVE_RUN", arg: "ID", text: "id of the run (positive integer)", fallback: "required" },
  { name: "shard", env: "VERIHIVE_SHARD", arg: "NAME", text: "shard to train: gate or expert-<n>", fallback: "required", trainerOnly: true },
  { name: "stake", env: "VERIHIVE_STAKE", arg: "AMOUNT", text: "stake to hold, in tokens (decimal, e.g. 250 or 12.5)", fallback: "what the seat needs" },
  { name: "listen", env: "VERIHIVE_LISTEN", arg: "MULTIADDR", text: "libp2p listen address /ip4|ip6|dns…/tcp/PORT (repeatable)", fallback: DEFAULT_LISTEN.join(" "), multiple: true },
  { name: "bootstrap", env: "VERIHIVE_BOOTSTRAP", arg: "MULTIADDR", text: "peer to dial at start /ip4|ip6|dns…/tcp/PORT[/p2p/ID] (repeatable)", fallback: "none", multiple: true },
  { name: "backend", env: "VERIHIVE_BACKEND", arg: "KIND", text: `tfjs backend: ${BACKENDS.join(", ")} (in an exact-mode run it only evaluates: training and replays run on the reference kernels)`, fallback: "auto" },
  { name: "data-dir", env: "VERIHIVE_DATA_DIR", arg: "DIR", text: "where the journal, blobs and state files live", fallback: ".verihive/<role>-<run>[-<shard>]" },
  { name: "log", env: "VERIHIVE_LOG", arg: "FORMAT", text: "log format: auto (pretty on a terminal, else json), json or pretty", fallback: "auto" },
  {
    name: "attack",
    env: "VERIHIVE_ATTACK",
    arg: "NAME",
    text: `misbehave on purpose, test networks only: ${ATTACK_NAMES.join(", ")}`,
    verifierText: `misbehave on purpose, test networks only: ${VERIFIER_ATTACKS.join(", ")} (lazy attests without checking, false-challenge challenges honest commitments)`,
    fallback: "none",
  },
  {
    name: "watch",
    env: "VERIHIVE_WATCH",
    arg: "BPS",
    text: "also replay this share (basis points, 0-10000) of the audits assigned to other verifiers, and dispute what fails by a game (exact mode; docs/PROTOCOL.md 7.3)",
    fallback: "0",
    verifierOnly: true,
  },
  { name: "attack-lambda", env: "VERIHIVE_ATTACK_LAMBDA", arg: "X", text: "attack strength λ > 0 (sign-flip: −λ × its update; noise: λ × its norm; alie: z; ipm: ε)", fallback: "1", trainerOnly: true },
  {
    name: "aggregation",
    env: "VERIHIVE_AGGREGATION",
    arg: "KIND",
    text: `how updates are combined: ${AGGREGATIONS.join(" or ")} (mean is the undefended baseline, for measurements only)`,
    fallback: "centered-clip",
    trainerOnly: true,
  },
  { name: "config", env: "VERIHIVE_CONFIG", arg: "FILE", text: `JSON file with any of these settings (at most ${CONFIG_FILE_MAX_BYTES / 1024} KiB)`, fallback: "none" },
];

export function optionsFor(role: Role): readonly OptionSpec[] {
  return OPTIONS.filter((o) => (role === "trainer" ? !o.verifierOnly : !o.trainerOnly));
}

function help(role: Role, summary: string, usage: string, example: string): string {
  const lines = [`Usage: npx verihive ${role} ${usage}`, "", summary, "", "Options (each also from an environment variable or the --config file; flag > env > file > default):"];
  for (const o of optionsFor(role)) {
    lines.push(`  --${o.name} ${o.arg}`.padEnd(28) + (role === "verifier" && o.verifierText !== undefined ? o.verifierText : o.text));
    lines.push(" ".repeat(28) + `default: ${o.fallback}; env: ${o.env}`);
  }
  lines.push("  -h, --help".padEnd(28) + "print this help");
  lines.push(
    "",
    `The keystore password is read from ${KEYSTORE_PASSWORD_ENV} only. Repeatable settings are comma- or`,
    "space-separated in the environment; a flag given for them replaces the environment's and the file's list.",
    "",
    `Config file: a JSON object (at most ${CONFIG_FILE_MAX_BYTES / 1024} KiB) whose keys are the flag names (unknown keys are refused);`,
    "repeatable settings are arrays, run, stake and attack-lambda may be numbers, relative paths",
    "resolve against the file's folder:",
    `  { "rpc": "http://127.0.0.1:8545", "keystore": "${role}.json", "run": 1, "bootstrap": ["/dns4/boot.example/tcp/4001"] }`,
    "",
    "Example:",
    example,
  );
  return lines.join("\n") + "\n";
}

/** Help text of `npx verihive trainer`. */
export function trainerHelp(): string {
  return help(
    "trainer",
    "Trains one shard of a Verihive run: stakes, takes a trainer seat, trains each round, commits and serves its updates.",
    "--rpc URL (--key FILE | --keystore FILE) --coordinator ADDRESS --run ID --shard NAME [options]",
    [
      `  ${KEYSTORE_PASSWORD_ENV}=… npx verihive trainer --rpc http://127.0.0.1:8545 --keystore ./trainer.json \\`,
      "    --coordinator 0x5FbDB2315678afecb367f032d93F642f64180aa3 --run 1 --shard expert-0 --stake 250 \\",
      "    --listen /ip4/0.0.0.0/tcp/4001 --bootstrap /ip4/10.0.0.5/tcp/4001",
    ].join("\n"),
  );
}

/** Help text of `npx verihive verifier`. */
export function verifierHelp(): string {
  return help(
    "verifier",
    "Verifies a Verihive run: stakes, takes a verifier seat, replays trainers' steps and challenges the ones that do not match.",
    "--rpc URL (--key FILE | --keystore FILE) --coordinator ADDRESS --run ID [options]",
    [
      "  npx verihive verifier --rpc http://127.0.0.1:8545 --key ./verifier.key \\",
      "    --coordinator 0x5FbDB2315678afecb367f032d93F642f64180aa3 --run 1 --bootstrap /ip4/10.0.0.5/tcp/4001",
    ].join("\n"),
  );
}
