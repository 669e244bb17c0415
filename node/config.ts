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
import {
  AGGREGATIONS,
  BACKENDS,
  CONFIG_FILE_MAX_BYTES,
  DEFAULT_LISTEN,
  KEYSTORE_PASSWORD_ENV,
  optionsFor,
  type Aggregation,
  type BackendPreference,
  type Role,
} from "./config-options.ts";
import { ATTACK_NAMES, type AttackName } from "./trainer/attacks/index.ts";

export {
  AGGREGATIONS,
  CONFIG_FILE_MAX_BYTES,
  DEFAULT_LISTEN,
  KEYSTORE_PASSWORD_ENV,
  OPTIONS,
  trainerHelp,
  verifierHelp,
  type Aggregation,
  type BackendPreference,
  type OptionSpec,
  type Role,
} from "./config-options.ts";

// Configuration of `npx verihive trainer` and `npx verihive verifier`.
//
// Each setting comes from a flag, an environment variable or a JSON config file (`--config FILE`):
// flag > env > file > default. `--key` and `--keystore` are one setting: the highest layer naming either
// decides, and naming both in one layer is an error. Repeatable flags (--listen, --bootstrap) replace what
// lower layers give; in the environment they are comma- or space-separated. Empty variables count as unset.
// Relative paths resolve against the working directory, or in the config file against the file's folder.
// Every problem is collected and thrown at once as one ConfigError. Key material is not read here.
// The settings themselves and the help text are in config-options.ts.

/** The configuration is unusable; `problems` lists every reason, one sentence each. */
export class ConfigError extends VerihiveError {
  override name = "ConfigError";
  readonly problems: readonly string[];
  constructor(role: Role, problems: readonly string[]) {
    super(`invalid ${role} configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`, { role, problems });
    this.problems = problems;
  }
}

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
  /** The DisputeGame contract, if given. */
  readonly game: Address | undefined;
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
  /** `--watch BPS`: the share of other verifiers' audits it replays too (0: none). */
  readonly watchBps: number;
}

/** `--help` (or `-h`) was given: print the help text and exit. */
export interface HelpRequest {
  readonly help: true;
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
const NUMERIC_KEYS: readonly string[] = ["run", "stake", "attack-lambda", "watch"];

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

/** Basis points: an integer from 0 to 10000. */
const checkBps: Check<number> = (v) => (/^[0-9]{1,5}$/.test(v) && Number(v) <= 10_000 ? { ok: Number(v) } : { problem: "must be an integer from 0 to 10000 (basis points)" });

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
  const game = scalar(layers, "game", checkAddress, problems);
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
  const watchBps = role === "verifier" ? (scalar(layers, "watch", checkBps, problems) ?? 0) : 0;

  if (problems.length > 0 || rpc === undefined || key === undefined || coordinator === undefined || runId === undefined) {
    throw new ConfigError(role, problems);
  }
  const dataDir = dataDirGiven ?? resolve(".verihive", role === "trainer" ? `trainer-${runId}-${shard}` : `verifier-${runId}`);
  const base = { help: false as const, rpc, key, coordinator, game, runId, stake, listen, bootstrap, backend, dataDir, log, configFile };
  if (role === "verifier") return verifierAttack === undefined ? { role, ...base, watchBps } : { role, ...base, watchBps, attack: verifierAttack };
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
