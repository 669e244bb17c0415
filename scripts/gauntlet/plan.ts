import { parseArgs } from "node:util";
import type { AttackName } from "../../node/trainer/attacks/types.ts";
import { VERIFIER_ATTACKS, type VerifierAttack } from "../../verifier/misbehaviour.ts";
import { ATTACK_CHOICES, MAX_PEERS } from "../local-run/options.ts";

// What `npm run gauntlet` runs (pure): its flags, each attack's settings, and the list of npm start runs
// (scripts/start.ts flags) the gauntlet is made of: one clean run, then each attack defended and undefended.

export class GauntletUsageError extends Error {
  override name = "GauntletUsageError";
}

/** A gauntlet entry: a trainer attack, or a verifier attack (which runs beside a trainer attack). */
export type EntryName = AttackName | VerifierAttack;

/** How strong each trainer attack is in the gauntlet (npm start --attack-lambda), and why. */
export const ATTACK_LAMBDA: Readonly<Record<AttackName, number>> = {
  "sign-flip": 1, // −1 × its honest update, the issue's definition at its default strength
  noise: 4, // a random direction at ipm's norm (4 × the honest one): the two differ only in direction
  "label-flip": 1, // no strength
  equivocate: 1, // no strength
  withhold: 1, // no strength
  alie: 1, // z = 1: one standard deviation below its honest update, coordinate by coordinate
  ipm: 4, // −4 × its honest update: a plain mean of 3 with one of these goes backwards, (2 − 4)/3
  stale: 1, // no strength
  "free-ride": 1, // no strength
  "one-op": 1, // no strength: +1 in one element of one operation per segment (exact mode)
  "hide-one-op": 1, // no strength: one-op that serves no audit data
};

/** The trainer attack the byzantine trainers run beside a verifier attack. */
export const VERIFIER_ENTRY_TRAINER_ATTACK: AttackName = "sign-flip";

/** Every trainer attack, the default list (in table order). */
export const DEFAULT_ENTRIES: readonly EntryName[] = ATTACK_CHOICES;
/** --quick's list when --attacks is not given. */
export const QUICK_ENTRIES: readonly EntryName[] = ["sign-flip", "ipm", "alie"];
export const ENTRY_CHOICES: readonly EntryName[] = [...ATTACK_CHOICES, ...VERIFIER_ATTACKS];

export const DEFAULTS = { trainers: 8, byzantine: 3, verifiers: 2, rounds: 10, localSteps: 500, auditRateBps: 5000 } as const;
export const QUICK = { rounds: 4, localSteps: 250 } as const;

export const USAGE = `usage: npm run gauntlet -- [flags]
One clean run, then for each attack the same run twice: defended (CenteredClip, audits, slashing) and
undefended (plain mean, audit rate 0: npm start --undefended). Prints a table; each run's report and
start's log are kept in --out.
  --attacks LIST       comma-separated, in order (default: every trainer attack:
                       ${DEFAULT_ENTRIES.join(", ")});
                       verifier attacks ${VERIFIER_ATTACKS.join(", ")} run defended only: the last verifier
                       misbehaves while the byzantine trainers run ${VERIFIER_ENTRY_TRAINER_ATTACK}
  --rounds R           rounds per run (default ${DEFAULTS.rounds}; --quick ${QUICK.rounds})
  --local-steps H      local steps per round, a multiple of 25 (default ${DEFAULTS.localSteps}; --quick ${QUICK.localSteps})
  --trainers N         trainers per run (default ${DEFAULTS.trainers})
  --byzantine K        of them byzantine, the last K (default ${DEFAULTS.byzantine})
  --verifiers M        verifiers per run (default ${DEFAULTS.verifiers})
  --audit-rate BPS     audit rate of the defended and clean runs, basis points (default ${DEFAULTS.auditRateBps} = ${DEFAULTS.auditRateBps / 100}%)
  --quick              ${QUICK.rounds} rounds of ${QUICK.localSteps} steps, and attacks ${QUICK_ENTRIES.join(", ")} unless --attacks is given
  --no-undefended      skip the undefended runs
  --resume             reuse a run whose report is already in --out from the same npm start flags
  --json FILE          write the result as JSON (rewritten after every run, "partial": true until the end)
  --markdown FILE      write the table as Markdown, with each run's accuracy by round (docs/SECURITY.md)
  --out DIR            where each run's report and log go (default: a new folder under the system's temp dir)
  -h, --help           print this help
Attack strengths (--attack-lambda): ${Object.entries(ATTACK_LAMBDA)
  .filter(([n]) => ["sign-flip", "noise", "alie", "ipm"].includes(n))
  .map(([n, l]) => `${n} ${l}`)
  .join(", ")}.`;

export interface GauntletOptions {
  readonly entries: readonly EntryName[];
  readonly rounds: number;
  readonly localSteps: number;
  readonly trainers: number;
  readonly byzantine: number;
  readonly verifiers: number;
  readonly auditRateBps: number;
  readonly quick: boolean;
  readonly undefended: boolean;
  readonly resume: boolean;
  readonly json: string | undefined;
  readonly markdown: string | undefined;
  readonly out: string | undefined;
}

function int(name: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) throw new GauntletUsageError(`--${name} must be an integer in [${min}, ${max}] (got '${v}')`);
  return n;
}

/** Parses the gauntlet's flags; `help` for -h/--help. Throws GauntletUsageError. */
export function parseGauntletOptions(argv: readonly string[]): GauntletOptions | "help" {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        attacks: { type: "string" },
        rounds: { type: "string" },
        "local-steps": { type: "string" },
        trainers: { type: "string", default: String(DEFAULTS.trainers) },
        byzantine: { type: "string", default: String(DEFAULTS.byzantine) },
        verifiers: { type: "string", default: String(DEFAULTS.verifiers) },
        "audit-rate": { type: "string", default: String(DEFAULTS.auditRateBps) },
        quick: { type: "boolean", default: false },
        "no-undefended": { type: "boolean", default: false },
        resume: { type: "boolean", default: false },
        json: { type: "string" },
        markdown: { type: "string" },
        out: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (e) {
    throw new GauntletUsageError((e as Error).message);
  }
  if (values.help) return "help";
  if (values.resume && values.out === undefined) throw new GauntletUsageError("--resume needs --out DIR (the folder of the earlier runs)");
  const quick = values.quick;
  let entries: EntryName[];
  if (values.attacks === undefined) entries = [...(quick ? QUICK_ENTRIES : DEFAULT_ENTRIES)];
  else {
    entries = values.attacks.split(",").map((s) => s.trim()) as EntryName[];
    for (const n of entries) if (!(ENTRY_CHOICES as string[]).includes(n)) throw new GauntletUsageError(`--attacks: each must be one of ${ENTRY_CHOICES.join(", ")} (got '${n}')`);
    if (new Set(entries).size !== entries.length) throw new GauntletUsageError(`--attacks names an attack twice (got '${values.attacks}')`);
  }
  const trainers = int("trainers", values.trainers, 2, 12);
  const byzantine = int("byzantine", values.byzantine, 1, trainers - 1);
  const verifiers = int("verifiers", values.verifiers, 1, MAX_PEERS - trainers);
  if (entries.some((e) => (VERIFIER_ATTACKS as readonly string[]).includes(e)) && verifiers < 2) {
    throw new GauntletUsageError("a verifier attack needs --verifiers 2 or more (one honest verifier beside the byzantine one)");
  }
  const rounds = int("rounds", values.rounds ?? String(quick ? QUICK.rounds : DEFAULTS.rounds), 1, 100);
  const localSteps = int("local-steps", values["local-steps"] ?? String(quick ? QUICK.localSteps : DEFAULTS.localSteps), 25, 5000);
  if (localSteps % 25 !== 0) throw new GauntletUsageError("--local-steps must be a multiple of 25 (the checkpoint interval)");
  return {
    entries,
    rounds,
    localSteps,
    trainers,
    byzantine,
    verifiers,
    auditRateBps: int("audit-rate", values["audit-rate"], 1, 10_000),
    quick,
    undefended: !values["no-undefended"],
    resume: values.resume,
    json: values.json,
    markdown: values.markdown,
    out: values.out,
  };
}

export type Defence = "clean" | "defended" | "undefended";

/** One npm start run of the gauntlet. */
export interface PlannedRun {
  /** "clean", or the entry's name. */
  readonly entry: EntryName | "clean";
  readonly defence: Defence;
  /** A file-name-safe id: "clean", "sign-flip-defended", … */
  readonly id: string;
  /** scripts/start.ts flags, without --report. */
  readonly args: readonly string[];
}

export function isVerifierEntry(e: EntryName | "clean"): e is VerifierAttack {
  return (VERIFIER_ATTACKS as readonly string[]).includes(e);
}

/** The runs, in order: clean first, then each entry defended, then (trainer attacks only) undefended. */
export function planRuns(o: GauntletOptions): PlannedRun[] {
  const shape = ["--trainers", String(o.trainers), "--verifiers", String(o.verifiers), "--rounds", String(o.rounds), "--local-steps", String(o.localSteps)];
  const audits = ["--audit-rate", String(o.auditRateBps)];
  const runs: PlannedRun[] = [{ entry: "clean", defence: "clean", id: "clean", args: [...shape, ...audits] }];
  for (const entry of o.entries) {
    const attack = isVerifierEntry(entry) ? VERIFIER_ENTRY_TRAINER_ATTACK : entry;
    const byzantine = ["--byzantine", String(o.byzantine), "--attack", attack, ...(ATTACK_LAMBDA[attack] !== 1 ? ["--attack-lambda", String(ATTACK_LAMBDA[attack])] : [])];
    const verifiers = isVerifierEntry(entry) ? ["--byzantine-verifiers", "1", "--verifier-attack", entry] : [];
    runs.push({ entry, defence: "defended", id: `${entry}-defended`, args: [...shape, ...audits, ...byzantine, ...verifiers] });
    if (o.undefended && !isVerifierEntry(entry)) runs.push({ entry, defence: "undefended", id: `${entry}-undefended`, args: [...shape, "--undefended", ...byzantine] });
  }
  return runs;
}
