import type { Hex } from "viem";
import { VerificationMode, type RunSpec } from "../lib/core/spec.ts";
import type { Shape } from "../lib/kernels/program.ts";
import { DEFAULT_STEP_CONFIG } from "../lib/ml/step.ts";
import { stateRootOf, stateShapes, updateRootOf } from "../lib/protocol/step-trace.ts";
import type { ShardState } from "../lib/ml/moe.ts";
import { runSegment, stateArrays, updateOf, type RoundContext } from "../lib/protocol/index.ts";

// The three checks an auditor and a juror run on a commitment (docs/VERIFIER.md, "Checks"). Pure: the
// caller fetches the data (hash-checked) and passes it in. Each failing check names the leaf that a
// challenge carries: leaf 0 for a wrong start, leaf j for a wrong segment j, the last leaf for a wrong update.
//   start    h(s_0) committed in the manifest == h(S_r[shard]), the round's agreed state
//   segment  replaying segment j from s_{jc} (runSegment: the trainer's own step function) reaches the
//            committed h(s_{(j+1)c}) exactly, or in Tolerance mode lands within τ·‖s_end − s_start‖ of s_end
//   update   the committed update is s_0 − s_H bit for bit, or in Tolerance mode within τ·‖s_0 − s_H‖

export type CheckName = "start" | "segment" | "update";
export type CheckResult = { ok: true } | { ok: false; check: CheckName; segment: number; reason: string };

export interface Tolerance {
  mode: VerificationMode;
  /** Relative tolerance τ = toleranceMicros / 1e6 (unused in Exact mode). */
  tau: number;
}

const PASS: CheckResult = { ok: true };
const same = (a: Hex, b: Hex) => a.toLowerCase() === b.toLowerCase();

export function toleranceOf(spec: Pick<RunSpec, "mode" | "toleranceMicros">): Tolerance {
  return { mode: spec.mode, tau: spec.toleranceMicros / 1e6 };
}

/** L2 norm of a − b over all arrays (float64 accumulation); Infinity when the layouts differ. */
export function distance(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  if (a.length !== b.length) return Infinity;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.length !== y.length) return Infinity;
    for (let j = 0; j < x.length; j++) {
      const d = x[j]! - y[j]!;
      sum += d * d;
    }
  }
  return Math.sqrt(sum);
}

/** Check 1: the trajectory starts at the round's agreed state of its shard. */
export function checkStart(checkpointRoots: readonly Hex[], agreedHash: Hex): CheckResult {
  const h0 = checkpointRoots[0];
  if (h0 !== undefined && same(h0, agreedHash)) return PASS;
  return { ok: false, check: "start", segment: 0, reason: `the trajectory starts at ${h0}, the round's agreed state is ${agreedHash}` };
}

/** Compares a replayed end state with the committed one (Exact: by hash; Tolerance: by distance). */
export function compareSegmentEnd(p: {
  segment: number;
  tolerance: Tolerance;
  start: ShardState;
  replayed: ShardState;
  /** The committed end's state root. */
  endHash: Hex;
  /** The shard state's tensor shapes (parameters then slots): a state root binds them. */
  shapes: readonly Shape[];
  /** s_{(j+1)c} as committed (fetched by endHash); needed in Tolerance mode. */
  end?: ShardState;
}): CheckResult {
  const fail = (reason: string): CheckResult => ({ ok: false, check: "segment", segment: p.segment, reason });
  const replayedHash = stateRootOf(stateArrays(p.replayed), p.shapes);
  if (p.tolerance.mode === VerificationMode.Exact) {
    return same(replayedHash, p.endHash) ? PASS : fail(`segment ${p.segment} replays to ${replayedHash}, the trainer committed ${p.endHash}`);
  }
  if (!p.end) return fail(`segment ${p.segment}: the committed end state is missing`);
  if (!same(stateRootOf(stateArrays(p.end), p.shapes), p.endHash)) return fail(`segment ${p.segment}: the end state given is not the committed one`);
  const off = distance(stateArrays(p.replayed), stateArrays(p.end));
  const length = distance(stateArrays(p.end), stateArrays(p.start));
  if (off <= p.tolerance.tau * length) return PASS;
  return fail(`segment ${p.segment} replays ${off.toExponential(3)} away from the committed end, over τ·‖Δ‖ = ${(p.tolerance.tau * length).toExponential(3)}`);
}

/** Check 2: segment j (steps [jc, (j+1)c)) replayed from s_{jc} with the trainer's step function. */
export function checkSegment(p: {
  ctx: RoundContext;
  segment: number;
  tolerance: Tolerance;
  start: ShardState;
  endHash: Hex;
  end?: ShardState;
}): CheckResult {
  const c = p.ctx.checkpointInterval;
  const replayed = runSegment(p.ctx, p.start, p.segment * c, c).state;
  const shapes = stateShapes(p.ctx.shardName, (p.ctx.config ?? DEFAULT_STEP_CONFIG).spec);
  return compareSegmentEnd({ ...p, replayed, shapes });
}

/** Check 3: the committed update is Δ = s_0 − s_H. */
export function checkUpdate(p: {
  /** Index of the last segment (the leaf a failure is challenged with). */
  lastSegment: number;
  tolerance: Tolerance;
  s0: ShardState;
  sH: ShardState;
  /** The committed updateHash: the update's root (PROTOCOL 3.9). */
  updateHash: Hex;
  /** The state's (and so the update's) tensor shapes. */
  shapes: readonly Shape[];
  /** The update's arrays (fetched by updateHash and decoded); needed in Tolerance mode. */
  update?: Float32Array[];
}): CheckResult {
  const fail = (reason: string): CheckResult => ({ ok: false, check: "update", segment: p.lastSegment, reason });
  const expected = updateOf(p.s0, p.sH);
  if (p.tolerance.mode === VerificationMode.Exact) {
    // The root binds every bit of the update, so comparing roots compares the update bit for bit.
    const h = updateRootOf(expected, p.shapes);
    return same(h, p.updateHash) ? PASS : fail(`s_0 − s_H has the root ${h}, the trainer committed the update ${p.updateHash}`);
  }
  if (!p.update) return fail("the committed update is missing");
  if (!same(updateRootOf(p.update, p.shapes), p.updateHash)) return fail("the update given is not the committed one");
  const off = distance(p.update, expected);
  const norm = distance(expected, expected.map((a) => new Float32Array(a.length)));
  if (off <= p.tolerance.tau * norm) return PASS;
  return fail(`the update is ${off.toExponential(3)} away from s_0 − s_H, over τ·‖s_0 − s_H‖ = ${(p.tolerance.tau * norm).toExponential(3)}`);
}
