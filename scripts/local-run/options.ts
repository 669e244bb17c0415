import { parseArgs } from "node:util";
import type { AttackName } from "../../node/trainer/attacks/types.ts";

// The flags of `npm start` (scripts/start.ts), checked into one StartOptions; UsageError says what is wrong.

/** Every attack a byzantine trainer can run (checked against AttackName: a new name fails to compile here). */
const ATTACKS = { "sign-flip": true, noise: true, "label-flip": true, equivocate: true, withhold: true } satisfies Record<AttackName, true>;
export const ATTACK_CHOICES = Object.keys(ATTACKS) as AttackName[];
const BACKENDS = ["auto", "gpu", "node", "wasm", "cpu"];
/** Hardhat's node funds 20 development accounts: account 0 deploys, the peers take the next ones. */
export const MAX_PEERS = 19;

export const USAGE = `usage: npm start -- [flags]
  --trainers N          trainer processes (default 4; shards are the gate and 2 experts, assigned round-robin)
  --verifiers M         verifier processes (default 2)
  --rounds R            training rounds (default 5)
  --local-steps H       local steps per round (default 500, a multiple of 25)
  --backend KIND        tfjs backend for every peer: auto, gpu, node, wasm or cpu (default auto)
  --audit-rate BPS      share of commitments audited, in basis points 0..10000 (default 1000 = 10%)
  --byzantine K         the last K trainers attack (default 0)
  --attack NAME         what they do: ${ATTACK_CHOICES.join(", ")} (required when K > 0)
  --attack-lambda X     attack strength, > 0 (default 1; sign-flip: −λ × progress, noise: λ × its norm)
  --attack-fraction F   share of segments sign-flip and noise corrupt, in (0, 1] (default 1)
  --crash I@R[+S]       kill -9 trainer I while it trains round R, restart it S s later (default 2; repeatable)
  --report FILE         write the JSON report here
  -h, --help            print this help
Exits 1 if an honest trainer or a verifier fails, or honest trainers end with different state hashes.`;

export class UsageError extends Error {
  override name = "UsageError";
}

export interface Crash {
  readonly trainer: number;
  readonly round: number;
  /** Seconds between the kill and the restart. */
  readonly delay: number;
}

export interface StartOptions {
  readonly trainers: number;
  readonly verifiers: number;
  readonly rounds: number;
  readonly localSteps: number;
  readonly backend: string;
  readonly auditRateBps: number;
  readonly byzantine: number;
  /** Set when byzantine > 0. */
  readonly attack: { readonly name: AttackName; readonly lambda?: number; readonly fraction?: number } | undefined;
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
        backend: { type: "string", default: "auto" },
        "audit-rate": { type: "string", default: "1000" },
        byzantine: { type: "string", default: "0" },
        attack: { type: "string" },
        "attack-lambda": { type: "string" },
        "attack-fraction": { type: "string" },
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
  if (!BACKENDS.includes(values.backend)) throw new UsageError(`--backend must be one of ${BACKENDS.join(", ")} (got '${values.backend}')`);
  const auditRateBps = int("audit-rate", values["audit-rate"], 0, 10_000);
  const byzantine = int("byzantine", values.byzantine, 0, trainers);
  const name = values.attack;
  if (name !== undefined && !(ATTACK_CHOICES as string[]).includes(name)) throw new UsageError(`--attack must be one of ${ATTACK_CHOICES.join(", ")} (got '${name}')`);
  const lambda = decimal("attack-lambda", values["attack-lambda"], (x) => x > 0, "a finite number greater than 0");
  const fraction = decimal("attack-fraction", values["attack-fraction"], (x) => x > 0 && x <= 1, "a number in (0, 1]");
  if (byzantine > 0 && name === undefined) throw new UsageError("--byzantine needs --attack NAME");
  if (byzantine === 0 && (name !== undefined || lambda !== undefined || fraction !== undefined)) throw new UsageError("--attack, --attack-lambda and --attack-fraction need --byzantine K > 0");
  const crashes = values.crash.map((c) => {
    const m = /^([0-9]+)@([0-9]+)(?:\+([0-9]+))?$/.exec(c);
    if (!m) throw new UsageError(`--crash must be TRAINER@ROUND[+SECONDS], like 1@2 or 1@2+25 (got '${c}')`);
    return { trainer: int("crash trainer", m[1]!, 0, trainers - 1), round: int("crash round", m[2]!, 0, rounds - 1), delay: int("crash delay", m[3] ?? "2", 0, 3600) };
  });
  const attack = byzantine > 0 ? { name: name as AttackName, ...(lambda !== undefined && { lambda }), ...(fraction !== undefined && { fraction }) } : undefined;
  return { trainers, verifiers, rounds, localSteps, backend: values.backend, auditRateBps, byzantine, attack, crashes, report: values.report };
}
