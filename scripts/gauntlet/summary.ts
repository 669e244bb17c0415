import type { Report } from "../local-run/report.ts";
import { isVerifierEntry, type EntryName, type GauntletOptions } from "./plan.ts";

// The gauntlet's figures (pure): each npm start report boiled down to what the table and the JSON show, the
// targets checked against them, and the JSON written by --json.

/** Accuracy within this of the clean run's (1 point). */
export const ACCURACY_MARGIN = 0.01;
/** The clean run must reach this on the MNIST test set. */
export const CLEAN_TARGET = 0.97;
/** Entries no mechanism of this version catches (docs/SECURITY.md): their byzantine peers need not be slashed. */
export const UNDETECTED: readonly EntryName[] = ["lazy"];

export interface RunFigures {
  /** Mean final accuracy of the honest trainers (they all evaluate the same S_R). */
  accuracy: number;
  accuracyByRound: number[];
  /** Byzantine trainers slashed (fraud, equivocation or withheld), of `byzantine`. */
  byzantineSlashed: number;
  byzantine: number;
  /** Honest peers (trainers and verifiers) slashed. */
  honestSlashed: number;
  /** Rounds played until the first byzantine trainer's slashed commitment (its round + 1); null: none. */
  roundsToFirstSlash: number | null;
  /** Byzantine verifiers slashed (a lost bond or a juror penalty), when any verifier misbehaves. */
  byzantineVerifiersSlashed?: number;
  /** Honest trainers agreed on the final state hashes. */
  stateHashesAgree: boolean;
  /** npm start's exit code (1 also when an honest peer failed or was slashed). */
  exitCode: number;
  wallSeconds: number;
}

export interface EntryResult {
  name: EntryName;
  defended: RunFigures | { error: string };
  /** null: not run (a verifier attack, or --no-undefended). */
  undefended: RunFigures | { error: string } | null;
}

export interface GauntletResult {
  clean: RunFigures | { error: string };
  attacks: EntryResult[];
  setup: {
    trainers: number;
    byzantine: number;
    verifiers: number;
    rounds: number;
    localSteps: number;
    auditRateBps: number;
    quick: boolean;
  };
  /** Targets not met, one sentence each (empty: all met), among the runs done. */
  misses: string[];
  /** Set while runs are still to come (the JSON is rewritten after every run). */
  partial?: true;
  date: string;
  /** Where the runs' reports and logs are. */
  out: string;
}

/** The figures of one npm start report. */
export function figuresOf(report: Report, exitCode: number, wallSeconds: number): RunFigures {
  const trainers = report.peers.filter((p) => p.role === "trainer");
  const byzantineTrainers = trainers.filter((p) => p.attack !== null);
  const slashRounds = byzantineTrainers.flatMap((p) => (p.slashed && p.slashedInRound !== undefined ? [p.slashedInRound] : []));
  const byzantineVerifiers = report.peers.filter((p) => p.role === "verifier" && p.attack !== null);
  return {
    accuracy: report.accuracy,
    accuracyByRound: report.accuracyByRound,
    byzantineSlashed: byzantineTrainers.filter((p) => p.slashed).length,
    byzantine: byzantineTrainers.length,
    honestSlashed: report.peers.filter((p) => p.attack === null && p.slashed).length,
    roundsToFirstSlash: slashRounds.length === 0 ? null : Math.min(...slashRounds) + 1,
    ...(byzantineVerifiers.length > 0 && { byzantineVerifiersSlashed: byzantineVerifiers.filter((p) => p.slashed).length }),
    stateHashesAgree: report.stateHashesAgree,
    exitCode,
    wallSeconds: Math.round(wallSeconds),
  };
}

const isFigures = (r: RunFigures | { error: string } | null): r is RunFigures => r !== null && !("error" in r);

/** What misses the gauntlet's targets, one sentence each. */
export function targetMisses(clean: RunFigures | { error: string }, attacks: readonly EntryResult[]): string[] {
  const misses: string[] = [];
  if (!isFigures(clean)) misses.push(`the clean run failed: ${clean.error}`);
  else if (clean.accuracy < CLEAN_TARGET) misses.push(`clean accuracy ${clean.accuracy.toFixed(4)} is below ${CLEAN_TARGET}`);
  if (isFigures(clean) && clean.honestSlashed > 0) misses.push(`clean: ${clean.honestSlashed} honest peer(s) slashed`);
  for (const a of attacks) {
    const d = a.defended;
    if (!isFigures(d)) {
      misses.push(`${a.name} defended: the run failed: ${d.error}`);
      continue;
    }
    if (isFigures(clean) && d.accuracy < clean.accuracy - ACCURACY_MARGIN) {
      misses.push(`${a.name} defended: accuracy ${d.accuracy.toFixed(4)} is more than ${ACCURACY_MARGIN * 100} point below the clean run's ${clean.accuracy.toFixed(4)}`);
    }
    if (!UNDETECTED.includes(a.name) && d.byzantineSlashed < d.byzantine) misses.push(`${a.name} defended: ${d.byzantineSlashed} of ${d.byzantine} byzantine trainers slashed`);
    if (d.honestSlashed > 0) misses.push(`${a.name} defended: ${d.honestSlashed} honest peer(s) slashed`);
    if (isFigures(a.undefended) && a.undefended.honestSlashed > 0) misses.push(`${a.name} undefended: ${a.undefended.honestSlashed} honest peer(s) slashed`);
    if (a.undefended !== null && !isFigures(a.undefended)) misses.push(`${a.name} undefended: the run failed: ${a.undefended.error}`);
  }
  return misses;
}

/** The JSON written by --json. */
export function assembleResult(
  o: GauntletOptions,
  clean: RunFigures | { error: string },
  attacks: readonly EntryResult[],
  meta: { date: string; out: string; partial?: boolean },
): GauntletResult {
  return {
    clean,
    attacks: [...attacks],
    setup: { trainers: o.trainers, byzantine: o.byzantine, verifiers: o.verifiers, rounds: o.rounds, localSteps: o.localSteps, auditRateBps: o.auditRateBps, quick: o.quick },
    misses: targetMisses(clean, attacks),
    date: meta.date,
    out: meta.out,
    ...(meta.partial === true && { partial: true as const }),
  };
}

export { isFigures, isVerifierEntry };
