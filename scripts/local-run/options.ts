import { parseArgs } from "node:util";
import type { AttackName } from "../../node/trainer/attacks/types.ts";
import { VERIFIER_ATTACKS, type VerifierAttack } from "../../verifier/misbehaviour.ts";

// The flags of `npm start` (scripts/start.ts), checked into one StartOptions; UsageError says what is wrong.

/** Every attack a byzantine trainer can run (checked against AttackName: a new name fails to compile here). */
const ATTACKS = {
  "sign-flip": true,
  noise: true,
  "label-flip": true,
  equivocate: true,
  withhold: true,
  alie: true,
  ipm: true,
  stale: true,
  "free-ride": true,
  "one-op": true,
  "hide-one-op": true,
} satisfies Record<AttackName, true>;
export const ATTACK_CHOICES = Object.keys(ATTACKS) as AttackName[];
const BACKENDS = ["auto", "gpu", "node", "wasm", "cpu"];
const MODES = ["exact", "tolerance"] as const;
export type ModeName = (typeof MODES)[number];
/** τ = 0.1 (toleranceMicros = τ × 1e6) when --mode tolerance is given without --tolerance-micros. */
export const DEFAULT_TOLERANCE_MICROS = 100_000;
const UINT32_MAX = 2 ** 32 - 1;
/** Hardhat's node funds 20 development accounts: account 0 deploys, the peers take the next ones. */
export const MAX_PEERS = 19;

export const USAGE = `usage: npm start -- [flags]
  --trainers N              trainer processes (default 4; shards are the gate and 2 experts, assigned round-robin)
  --verifiers M             verifier processes (default 2)
  --rounds R                training rounds (default 5)
  --local-steps H           local steps per round (default 500, a multiple of 25)
  --pace N|auto             local steps per second one core trains, which sizes the round windows: N, or auto
                            to measure this machine first and assume half of it (default: windows sized for a
                            slow machine, about 100 steps per core-second, so trainers wait most of a round)
  --backend KIND            tfjs backend for every peer: auto, gpu, node, wasm or cpu (default auto)
  --trainer-backends LIST   one backend per trainer, comma-separated, in order (e.g. wasm,cpu,wasm,wasm);
                            overrides --backend for trainers; verifiers keep --backend
  --mode M                  verification mode: exact (bit for bit: every peer trains and replays on the
                            reference kernels, lib/kernels, whatever its tfjs backend) or tolerance (each
                            trainer on its tfjs backend, a replay on wasm within τ × the segment's
                            progress) (default exact)
  --tolerance-micros N      τ × 1e6, an integer > 0; tolerance mode only (default 100000, τ = 0.1)
  --audit-rate BPS          share of commitments audited, in basis points 0..10000 (default 1000 = 10%)
  --undefended              no defence, the gauntlet's baseline: trainers aggregate with the plain mean
                            (--aggregation mean) and the run's audit rate is 0 (verifiers still run and
                            prove equivocation, but are never assigned an audit); not with --audit-rate
  --byzantine K             the last K trainers attack (default 0)
  --attack LIST             what they do: ${ATTACK_CHOICES.join(", ")} (required when K > 0):
                            one name for all of them, or K comma-separated names in trainer order
                            (e.g. sign-flip,label-flip)
  --attack-lambda X         attack strength, > 0 (default 1; sign-flip: −λ × its update, noise: λ × its norm,
                            alie: z, ipm: ε)
  --byzantine-verifiers J   the last J verifiers attack (default 0)
  --verifier-attack LIST    what they do: ${VERIFIER_ATTACKS.join(", ")} (required when J > 0): lazy attests
                            without checking, false-challenge challenges honest commitments; one name for
                            all of them, or J comma-separated names in verifier order
  --watch BPS               honest verifiers also replay this share (basis points 0..10000) of the audits
                            assigned to others and dispute what fails by a game (exact mode; default 0)
  --crash I@R[+S]           kill -9 trainer I while it trains round R, restart it S s later (default 2; repeatable);
                            I@game[+S] kills trainer I, vJ@game[+S] verifier J, right after its first
                            dispute-game move (the restarted process must play on)
  --report FILE             write the JSON report here
  -h, --help                print this help
Exits 1 if an honest trainer or an honest verifier fails or is slashed, or honest trainers end with different
state hashes; byzantine peers' failures and slashes are reported, not failures.`;

export class UsageError extends Error {
  override name = "UsageError";
}

export interface Crash {
  readonly role: "trainer" | "verifier";
  readonly index: number;
  /** A round (a trainer killed while it trains it), or "game": right after the peer's first game move. */
  readonly at: number | "game";
  /** Seconds between the kill and the restart. */
  readonly delay: number;
}

export interface StartOptions {
  readonly trainers: number;
  readonly verifiers: number;
  readonly rounds: number;
  readonly localSteps: number;
  /** --pace: steps per core-second the windows are sized for, "auto" to measure first, undefined for the slow-machine default. */
  readonly pace: number | "auto" | undefined;
  /** The verifiers' backend (--backend). */
  readonly backend: string;
  /** One backend per trainer, in order (--trainer-backends, else --backend for each). */
  readonly trainerBackends: readonly string[];
  readonly mode: ModeName;
  /** τ × 1e6: > 0 in tolerance mode, 0 in exact mode. */
  readonly toleranceMicros: number;
  readonly auditRateBps: number;
  /** --undefended: trainers aggregate with the plain mean, and auditRateBps is 0. */
  readonly undefended: boolean;
  readonly byzantine: number;
  /** Set when byzantine > 0: `names[k]` is what trainer `trainers − byzantine + k` does (byzantine names). */
  readonly attack: { readonly names: readonly AttackName[]; readonly lambda?: number } | undefined;
  readonly byzantineVerifiers: number;
  /** Set when byzantineVerifiers > 0: what each of the last J verifiers does. */
  /** What each of the last J verifiers does, in order (undefined when J = 0). */
  readonly verifierAttacks: readonly VerifierAttack[] | undefined;
  /** --watch: the share of other verifiers' audits each honest verifier replays too (basis points). */
  readonly watchBps: number;
  readonly crashes: readonly Crash[];
  readonly report: string | undefined;
}

function int(name: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in [${min}, ${max}] (got '${v}')`);
  return n;
}

function decimal(name: string, v: string | undefined, ok: (x: number) => boolean, what: string): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!/^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/.test(v) || !Number.isFinite(x) || !ok(x)) throw new UsageError(`--${name} must be ${what} (got '${v}')`);
  return x;
}

/** Comma-separated items, none of them empty. */
function items(name: string, v: string): string[] {
  const out = v.split(",").map((s) => s.trim());
  if (out.some((s) => s === "")) throw new UsageError(`--${name} must be a comma-separated list without empty items (got '${v}')`);
  return out;
}

/** What trainer `i` does, or null for an honest one. */
export function trainerAttack(o: Pick<StartOptions, "trainers" | "byzantine" | "attack">, i: number): AttackName | null {
  const k = i - (o.trainers - o.byzantine);
  return k >= 0 && o.attack ? o.attack.names[k]! : null;
}

/** What verifier `j` does, or null for an honest one. */
export function verifierAttack(o: Pick<StartOptions, "verifiers" | "byzantineVerifiers" | "verifierAttacks">, j: number): VerifierAttack | null {
  const k = j - (o.verifiers - o.byzantineVerifiers);
  return k >= 0 && o.verifierAttacks ? o.verifierAttacks[k]! : null;
}

/** Parses `npm start` flags; `help` when -h/--help is given. Throws UsageError. */
export function parseStartOptions(argv: readonly string[]): StartOptions | "help" {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        trainers: { type: "string", default: "4" },
        verifiers: { type: "string", default: "2" },
        rounds: { type: "string", default: "5" },
        "local-steps": { type: "string", default: "500" },
        pace: { type: "string" },
        backend: { type: "string", default: "auto" },
        "trainer-backends": { type: "string" },
        mode: { type: "string", default: "exact" },
        "tolerance-micros": { type: "string" },
        "audit-rate": { type: "string" },
        undefended: { type: "boolean", default: false },
        byzantine: { type: "string", default: "0" },
        attack: { type: "string" },
        "attack-lambda": { type: "string" },
        "byzantine-verifiers": { type: "string", default: "0" },
        "verifier-attack": { type: "string" },
        watch: { type: "string" },
        crash: { type: "string", multiple: true, default: [] },
        report: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return "help";
  const trainers = int("trainers", values.trainers, 1, 12);
  const verifiers = int("verifiers", values.verifiers, 0, MAX_PEERS - trainers);
  const rounds = int("rounds", values.rounds, 1, 100);
  const localSteps = int("local-steps", values["local-steps"], 25, 5000);
  if (localSteps % 25 !== 0) throw new UsageError("--local-steps must be a multiple of 25 (the checkpoint interval)");
  const pace = values.pace === undefined || values.pace === "auto" ? values.pace : int("pace", values.pace, 1, 1_000_000);
  if (!BACKENDS.includes(values.backend)) throw new UsageError(`--backend must be one of ${BACKENDS.join(", ")} (got '${values.backend}')`);
  const trainerBackends = values["trainer-backends"] === undefined ? Array.from({ length: trainers }, () => values.backend) : items("trainer-backends", values["trainer-backends"]);
  for (const b of trainerBackends) if (!BACKENDS.includes(b)) throw new UsageError(`--trainer-backends: each must be one of ${BACKENDS.join(", ")} (got '${b}')`);
  if (trainerBackends.length !== trainers) throw new UsageError(`--trainer-backends names ${trainerBackends.length} backends for ${trainers} trainers: give exactly one per trainer, in order`);
  const mode = values.mode as ModeName;
  if (!MODES.includes(mode)) throw new UsageError(`--mode must be one of ${MODES.join(", ")} (got '${values.mode}')`);
  const micros = values["tolerance-micros"];
  if (micros !== undefined && mode !== "tolerance") throw new UsageError("--tolerance-micros needs --mode tolerance");
  const toleranceMicros = mode === "exact" ? 0 : micros === undefined ? DEFAULT_TOLERANCE_MICROS : int("tolerance-micros", micros, 1, UINT32_MAX);
  const undefended = values.undefended;
  if (undefended && values["audit-rate"] !== undefined) throw new UsageError("--undefended sets the audit rate to 0: leave out --audit-rate");
  const auditRateBps = undefended ? 0 : int("audit-rate", values["audit-rate"] ?? "1000", 0, 10_000);
  const byzantine = int("byzantine", values.byzantine, 0, trainers);
  const names = values.attack === undefined ? undefined : items("attack", values.attack);
  for (const n of names ?? []) if (!(ATTACK_CHOICES as string[]).includes(n)) throw new UsageError(`--attack: each must be one of ${ATTACK_CHOICES.join(", ")} (got '${n}')`);
  const lambda = decimal("attack-lambda", values["attack-lambda"], (x) => x > 0, "a finite number greater than 0");
  if (byzantine > 0 && names === undefined) throw new UsageError("--byzantine needs --attack NAME");
  if (byzantine === 0 && (names !== undefined || lambda !== undefined)) throw new UsageError("--attack and --attack-lambda need --byzantine K > 0");
  if (names !== undefined && names.length !== 1 && names.length !== byzantine) {
    throw new UsageError(`--attack lists ${names.length} attacks for --byzantine ${byzantine}: give one name for all of them or exactly ${byzantine}, in trainer order`);
  }
  const byzantineVerifiers = int("byzantine-verifiers", values["byzantine-verifiers"], 0, verifiers);
  const vNames = values["verifier-attack"] === undefined ? undefined : items("verifier-attack", values["verifier-attack"]);
  for (const n of vNames ?? []) if (!(VERIFIER_ATTACKS as readonly string[]).includes(n)) throw new UsageError(`--verifier-attack: each must be one of ${VERIFIER_ATTACKS.join(", ")} (got '${n}')`);
  if (byzantineVerifiers > 0 && vNames === undefined) throw new UsageError("--byzantine-verifiers needs --verifier-attack NAME");
  if (byzantineVerifiers === 0 && vNames !== undefined) throw new UsageError("--verifier-attack needs --byzantine-verifiers J > 0");
  if (vNames !== undefined && vNames.length !== 1 && vNames.length !== byzantineVerifiers) {
    throw new UsageError(`--verifier-attack lists ${vNames.length} attacks for --byzantine-verifiers ${byzantineVerifiers}: give one name for all of them or exactly ${byzantineVerifiers}, in verifier order`);
  }
  const crashes = values.crash.map((c): Crash => {
    const m = /^(v?)([0-9]+)@([0-9]+|game)(?:\+([0-9]+))?$/.exec(c);
    if (!m || (m[1] === "v" && m[3] !== "game")) throw new UsageError(`--crash must be TRAINER@ROUND[+SECONDS], TRAINER@game[+SECONDS] or vVERIFIER@game[+SECONDS], like 1@2, 1@2+25 or v0@game (got '${c}')`);
    const role = m[1] === "v" ? "verifier" : "trainer";
    const index = role === "verifier" ? int("crash verifier", m[2]!, 0, Math.max(0, verifiers - 1)) : int("crash trainer", m[2]!, 0, trainers - 1);
    if (role === "verifier" && verifiers === 0) throw new UsageError("--crash vJ@game needs --verifiers > 0");
    const at = m[3] === "game" ? "game" : int("crash round", m[3]!, 0, rounds - 1);
    return { role, index, at, delay: int("crash delay", m[4] ?? "2", 0, 3600) };
  });
  const attackNames = (names?.length === 1 ? Array.from({ length: byzantine }, () => names[0]!) : (names ?? [])) as AttackName[];
  const attack = byzantine > 0 ? { names: attackNames, ...(lambda !== undefined && { lambda }) } : undefined;
  return {
    trainers,
    verifiers,
    rounds,
    localSteps,
    pace,
    backend: values.backend,
    trainerBackends,
    mode,
    toleranceMicros,
    auditRateBps,
    undefended,
    byzantine,
    attack,
    byzantineVerifiers,
    verifierAttacks: byzantineVerifiers > 0 ? (Array.from({ length: byzantineVerifiers }, (_, k) => vNames![vNames!.length === 1 ? 0 : k]!) as VerifierAttack[]) : undefined,
    watchBps: int("watch", values.watch ?? "0", 0, 10_000),
    crashes,
    report: values.report,
  };
}
