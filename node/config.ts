import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Address } from "viem";
import { VerihiveError } from "../lib/core/errors.ts";
import { VERIFIER_ATTACKS, type VerifierAttack } from "../verifier/misbehaviour.ts";
import {
  checkAddress,
  checkMultiaddr,
  checkPath,
  checkRun,
  checkShard,
  checkStake,
  checkUrl,
  oneOf,
  type Check,
  type Raw,
  type ShardName,
} from "./config-checks.ts";
import { ATTACK_NAMES, type AttackName } from "./trainer/attacks/index.ts";

// Configuration of `npx verihive trainer` and `npx verihive verifier`.
//
// Each setting comes from a flag, an environment variable or a JSON config file (`--config FILE`):
// flag > env > file > default. `--key` and `--keystore` are one setting: the highest layer naming either
// decides, and naming both in one layer is an error. Repeatable flags (--listen, --bootstrap) replace what
// lower layers give; in the environment they are comma- or space-separated. Empty variables count as unset.
// Relative paths resolve against the working directory, or in the config file against the file's folder.
// Every problem is collected and thrown at once as one ConfigError. Key material is not read here.

/** The configuration is unusable; `problems` lists every reason, one sentence each. */
export class ConfigError extends VerihiveError {
  override name = "ConfigError";
  readonly problems: readonly string[];
  constructor(role: Role, problems: readonly string[]) {
    super(`invalid ${role} configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`, { role, problems });
    this.problems = problems;
  }
}

export type Role = "trainer" | "verifier";
/** Same as lib/ml's `BackendPreference`. */
export type BackendPreference = "auto" | "gpu" | "node" | "wasm" | "cpu";
/** "auto": pretty on a terminal, JSON lines otherwise. */
export type LogFormat = "auto" | "json" | "pretty";
export type { ShardName } from "./config-checks.ts";

/** Where the account key is: a raw hex key file, or a v3 keystore and its password. */
export type KeySource =
  | { readonly kind: "key-file"; readonly path: string }
  | { readonly kind: "keystore"; readonly path: string; readonly password: string };

interface NodeConfigBase {
  readonly help: false;
  readonly rpc: string;
  readonly key: KeySource;
  readonly coordinator: Address;
  readonly runId: bigint;
  /** Stake to hold, in wei of the token; undefined: what the seat needs. */
  readonly stake: bigint | undefined;
  readonly listen: readonly string[];
  readonly bootstrap: readonly string[];
  readonly backend: BackendPreference;
  /** Absolute path of the data directory. */
  readonly dataDir: string;
  readonly log: LogFormat;
  /** Absolute path of the config file read, if any. */
  readonly configFile: string | undefined;
}

/** An attack under test (`--attack NAME`, test networks only): see node/trainer/attacks/. */
export interface AttackConfig {
  readonly name: AttackName;
  /** Strength λ, finite and > 0 (default 1). */
  readonly lambda: number;
}

/** How a trainer combines a shard's updates: CenteredClip, or the undefended plain mean (measurements only). */
export type Aggregation = "centered-clip" | "mean";
export const AGGREGATIONS: readonly Aggregation[] = ["centered-clip", "mean"];

export interface TrainerConfig extends NodeConfigBase {
  readonly role: "trainer";
  readonly shard: ShardName;
  /** `--aggregation` (default centered-clip); mean is the gauntlet's undefended baseline. */
  readonly aggregation: Aggregation;
  /** Absent for an honest trainer. */
  readonly attack?: AttackConfig;
}

export interface VerifierConfig extends NodeConfigBase {
  readonly role: "verifier";
  /** A verifier attack under test (`--attack NAME`, test networks only: verifier/misbehaviour.ts); absent for an honest verifier. */
  readonly attack?: VerifierAttack;
}

/** `--help` (or `-h`) was given: print the help text and exit. */
export interface HelpRequest {
  readonly help: true;
}

export const CONFIG_FILE_MAX_BYTES = 64 * 1024;
export const DEFAULT_LISTEN: readonly string[] = ["/ip4/127.0.0.1/tcp/0"];
export const KEYSTORE_PASSWORD_ENV = "VERIHIVE_KEYSTORE_PASSWORD";
const BACKENDS: readonly BackendPreference[] = ["auto", "gpu", "node", "wasm", "cpu"];

interface OptionSpec {
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
}

/** Every setting, in help order. */
export const OPTIONS: readonly OptionSpec[] = [
  { name: "rpc", env: "VERIHIVE_RPC", arg: "URL", text: "JSON-RPC endpoint of the chain (http or https)", fallback: "required" },
  { name: "key", env: "VERIHIVE_KEY", arg: "FILE", text: "file holding the account's hex private key", fallback: "required unless --keystore" },
  { name: "keystore", env: "VERIHIVE_KEYSTORE", arg: "FILE", text: `v3 JSON keystore; its password comes from ${KEYSTORE_PASSWORD_ENV}`, fallback: "required unless --key" },
  { name: "coordinator", env: "VERIHIVE_COORDINATOR", arg: "ADDRESS", text: "address of the RunCoordinator contract", fallback: "required" },
  { name: "run", env: "VERIHIVE_RUN", arg: "ID", text: "id of the run (positive integer)", fallback: "required" },
  { name: "shard", env: "VERIHIVE_SHARD", arg: "NAME", text: "shard to train: gate or expert-<n>", fallback: "required", trainerOnly: true },
  { name: "stake", env: "VERIHIVE_STAKE", arg: "AMOUNT", text: "stake to hold, in tokens (decimal, e.g. 250 or 12.5)", fallback: "what the seat needs" },
  { name: "listen", env: "VERIHIVE_LISTEN", arg: "MULTIADDR", text: "libp2p listen address /ip4|ip6|dns…/tcp/PORT (repeatable)", fallback: DEFAULT_LISTEN.join(" "), multiple: true },
  { name: "bootstrap", env: "VERIHIVE_BOOTSTRAP", arg: "MULTIADDR", text: "peer to dial at start /ip4|ip6|dns…/tcp/PORT[/p2p/ID] (repeatable)", fallback: "none", multiple: true },
  { name: "backend", env: "VERIHIVE_BACKEND", arg: "KIND", text: `tfjs backend: ${BACKENDS.join(", ")}`, fallback: "auto" },
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

function optionsFor(role: Role): readonly OptionSpec[] {
  return OPTIONS.filter((o) => role === "trainer" || !o.trainerOnly);
}

type Layer = Map<string, Raw>;

function show(v: string): string {
  const s = v.length > 80 ? `${v.slice(0, 77)}...` : v;
  return `'${s}'`;
}

function flagLayer(role: Role, argv: readonly string[], problems: string[]): Layer | "help" {
  const specs = optionsFor(role);
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }> = { help: { type: "boolean", short: "h" } };
  for (const o of specs) options[o.name] = o.multiple ? { type: "string", multiple: true } : { type: "string" };
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false, tokens: true });
  } catch (e) {
    if (argv.includes("--help") || argv.includes("-h")) return "help";
    // Nothing else can be read reliably from arguments that do not parse: report this alone.
    throw new ConfigError(role, [(e as Error).message.replace(/\s*\n\s*/g, " ")]);
  }
  if (parsed.values.help === true) return "help";
  const seen = new Set<string>();
  for (const t of parsed.tokens) {
    if (t.kind !== "option" || t.name === "help") continue;
    const spec = specs.find((o) => o.name === t.name)!;
    if (!spec.multiple && seen.has(t.name)) problems.push(`--${t.name} is given more than once`);
    seen.add(t.name);
  }
  const layer: Layer = new Map();
  for (const [name, value] of Object.entries(parsed.values)) {
    // Every option but help is a string or a list of strings.
    if (name !== "help" && value !== undefined) layer.set(name, { value: value as string | string[], origin: "", base: process.cwd() });
  }
  return layer;
}

function envLayer(role: Role, env: Readonly<Record<string, string | undefined>>): Layer {
  const layer: Layer = new Map();
  for (const o of optionsFor(role)) {
    const v = env[o.env];
    if (v === undefined || v.trim() === "") continue;
    const value = o.multiple ? v.split(/[\s,]+/).filter((s) => s !== "") : v;
    layer.set(o.name, { value, origin: ` from ${o.env}`, base: process.cwd() });
  }
  return layer;
}

function readConfigFile(path: string, problems: string[]): unknown {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const size = fstatSync(fd).size;
    if (size > CONFIG_FILE_MAX_BYTES) {
      problems.push(`config file ${path} is larger than ${CONFIG_FILE_MAX_BYTES / 1024} KiB (${size} bytes)`);
      return undefined;
    }
    // Read at most one byte past the cap, in case the file grows (or is not a regular file).
    const buf = Buffer.alloc(CONFIG_FILE_MAX_BYTES + 1);
    let n = 0;
    for (let r; n < buf.length && (r = readSync(fd, buf, n, buf.length - n, null)) > 0; ) n += r;
    if (n > CONFIG_FILE_MAX_BYTES) {
      problems.push(`config file ${path} is larger than ${CONFIG_FILE_MAX_BYTES / 1024} KiB`);
      return undefined;
    }
    try {
      return JSON.parse(buf.subarray(0, n).toString("utf8")) as unknown;
    } catch (e) {
      problems.push(`config file ${path} is not valid JSON: ${(e as Error).message}`);
      return undefined;
    }
  } catch (e) {
    problems.push(`cannot read config file ${path}: ${(e as Error).message}`);
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Config-file keys that may be JSON numbers. */
const NUMERIC_KEYS: readonly string[] = ["run", "stake", "attack-lambda"];

function fileLayer(role: Role, path: string, problems: string[]): Layer {
  const layer: Layer = new Map();
  const json = readConfigFile(path, problems);
  if (json === undefined) return layer;
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    problems.push(`config file ${path} must hold a JSON object`);
    return layer;
  }
  const specs = optionsFor(role).filter((o) => o.name !== "config");
  const origin = ` from config file ${path}`;
  for (const [key, v] of Object.entries(json)) {
    const spec = specs.find((o) => o.name === key);
    if (!spec) {
      problems.push(`config file ${path}: unknown key '${key}' (known: ${specs.map((o) => o.name).join(", ")})`);
    } else if (spec.multiple) {
      if (Array.isArray(v) && v.every((s) => typeof s === "string")) layer.set(key, { value: v as string[], origin, base: dirname(path) });
      else problems.push(`config file ${path}: '${key}' must be an array of strings`);
    } else if (typeof v === "string" || (typeof v === "number" && NUMERIC_KEYS.includes(key))) {
      layer.set(key, { value: String(v), origin, base: dirname(path) });
    } else {
      problems.push(`config file ${path}: '${key}' must be a string${NUMERIC_KEYS.includes(key) ? " or a number" : ""}`);
    }
  }
  return layer;
}

/** A plain decimal number (no hex, no Infinity), e.g. 1, 0.25, 2.5e-1. */
function decimal(v: string): number | undefined {
  return /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/.test(v) && Number.isFinite(Number(v)) ? Number(v) : undefined;
}

const checkLambda: Check<number> = (v) => {
  const x = decimal(v);
  return x !== undefined && x > 0 ? { ok: x } : { problem: "must be a finite number greater than 0" };
};

/** --attack with its λ; λ without an attack is a problem. */
function attackConfig(layers: readonly Layer[], problems: string[]): AttackConfig | undefined {
  const name = scalar(layers, "attack", oneOf(ATTACK_NAMES), problems);
  const lambda = scalar(layers, "attack-lambda", checkLambda, problems);
  if (!layers.some((l) => l.has("attack"))) {
    if (layers.some((l) => l.has("attack-lambda"))) problems.push("--attack-lambda needs --attack");
    return undefined;
  }
  return name === undefined ? undefined : { name, lambda: lambda ?? 1 };
}

/** The highest layer's value of a setting, checked; a bad value adds a problem and gives undefined. */
function scalar<T>(layers: readonly Layer[], name: string, check: Check<T>, problems: string[]): T | undefined {
  const raw = layers.map((l) => l.get(name)).find((r) => r !== undefined);
  if (raw === undefined) return undefined;
  const value = raw.value as string;
  const r = check(value, raw);
  if ("ok" in r) return r.ok;
  problems.push(`--${name} ${r.problem} (got ${show(value)}${raw.origin})`);
  return undefined;
}

function list(layers: readonly Layer[], name: string, check: Check<string>, problems: string[], nonEmpty = false): string[] | undefined {
  const raw = layers.map((l) => l.get(name)).find((r) => r !== undefined);
  if (raw === undefined) return undefined;
  if (nonEmpty && raw.value.length === 0) problems.push(`--${name} needs at least one address (got none${raw.origin})`);
  const out: string[] = [];
  for (const v of raw.value as readonly string[]) {
    const r = check(v, raw);
    if ("ok" in r) out.push(r.ok);
    else problems.push(`--${name} ${r.problem} (got ${show(v)}${raw.origin})`);
  }
  return out;
}

function keySource(layers: readonly Layer[], where: readonly string[], env: Readonly<Record<string, string | undefined>>, problems: string[]): KeySource | undefined {
  const index = layers.findIndex((l) => l.has("key") || l.has("keystore"));
  const layer = layers[index];
  if (layer === undefined) {
    problems.push("give exactly one of --key and --keystore (or VERIHIVE_KEY / VERIHIVE_KEYSTORE)");
    return undefined;
  }
  if (layer.has("key") && layer.has("keystore")) {
    problems.push(`give exactly one of --key and --keystore (both are set ${where[index]})`);
    return undefined;
  }
  const name = layer.has("key") ? "key" : "keystore";
  const path = scalar([layer], name, checkPath, problems);
  if (path === undefined) return undefined;
  if (name === "key") return { kind: "key-file", path };
  const password = env[KEYSTORE_PASSWORD_ENV];
  if (password === undefined) {
    problems.push(`--keystore needs its password in ${KEYSTORE_PASSWORD_ENV}`);
    return undefined;
  }
  return { kind: "keystore", path, password };
}

function required<T>(value: T | undefined, name: string, env: string, layers: readonly Layer[], problems: string[]): T | undefined {
  if (value === undefined && !layers.some((l) => l.has(name))) problems.push(`--${name} is required (or set ${env})`);
  return value;
}

function parse(role: Role, argv: readonly string[], env: Readonly<Record<string, string | undefined>>): TrainerConfig | VerifierConfig | HelpRequest {
  const problems: string[] = [];
  const flags = flagLayer(role, argv, problems);
  if (flags === "help") return { help: true };
  const envs = envLayer(role, env);
  const configRaw = flags.get("config") ?? envs.get("config");
  let configFile: string | undefined;
  let file: Layer = new Map();
  if (configRaw !== undefined) {
    configFile = scalar([flags, envs], "config", checkPath, problems);
    if (configFile !== undefined) file = fileLayer(role, configFile, problems);
  }
  const layers = [flags, envs, file];

  const rpc = required(scalar(layers, "rpc", checkUrl, problems), "rpc", "VERIHIVE_RPC", layers, problems);
  const key = keySource(layers, ["as flags", "in the environment", `in config file ${configFile}`], env, problems);
  const coordinator = required(scalar(layers, "coordinator", checkAddress, problems), "coordinator", "VERIHIVE_COORDINATOR", layers, problems);
  const runId = required(scalar(layers, "run", checkRun, problems), "run", "VERIHIVE_RUN", layers, problems);
  const shard = role === "trainer" ? required(scalar(layers, "shard", checkShard, problems), "shard", "VERIHIVE_SHARD", layers, problems) : undefined;
  const stake = scalar(layers, "stake", checkStake, problems);
  const listen = list(layers, "listen", checkMultiaddr(false), problems, true) ?? [...DEFAULT_LISTEN];
  const bootstrap = list(layers, "bootstrap", checkMultiaddr(true), problems) ?? [];
  const backend = scalar(layers, "backend", oneOf(BACKENDS), problems) ?? "auto";
  const log = scalar(layers, "log", oneOf<LogFormat>(["auto", "json", "pretty"]), problems) ?? "auto";
  const dataDirGiven = scalar(layers, "data-dir", checkPath, problems);
  const attack = role === "trainer" ? attackConfig(layers, problems) : undefined;
  const aggregation = role === "trainer" ? (scalar(layers, "aggregation", oneOf(AGGREGATIONS), problems) ?? "centered-clip") : undefined;
  const verifierAttack = role === "verifier" ? scalar(layers, "attack", oneOf(VERIFIER_ATTACKS), problems) : undefined;

  if (problems.length > 0 || rpc === undefined || key === undefined || coordinator === undefined || runId === undefined) {
    throw new ConfigError(role, problems);
  }
  const dataDir = dataDirGiven ?? resolve(".verihive", role === "trainer" ? `trainer-${runId}-${shard}` : `verifier-${runId}`);
  const base = { help: false as const, rpc, key, coordinator, runId, stake, listen, bootstrap, backend, dataDir, log, configFile };
  if (role === "verifier") return verifierAttack === undefined ? { role, ...base } : { role, ...base, attack: verifierAttack };
  const trainer = { role, ...base, shard: shard!, aggregation: aggregation! };
  return attack === undefined ? trainer : { ...trainer, attack };
}

/** Configuration of `npx verihive trainer` from its arguments (after the subcommand) and the environment. */
export function parseTrainerConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): TrainerConfig | HelpRequest {
  return parse("trainer", argv, env) as TrainerConfig | HelpRequest;
}

/** Configuration of `npx verihive verifier` from its arguments (after the subcommand) and the environment. */
export function parseVerifierConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): VerifierConfig | HelpRequest {
  return parse("verifier", argv, env) as VerifierConfig | HelpRequest;
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
