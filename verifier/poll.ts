import { roundSchedule, type RunSpec } from "../lib/core/spec.ts";

// How long the verifier's loop sleeps between chain polls. Each poll costs RPC round trips and the
// garbage they leave (a few ms of CPU on the development machine). Slowing idle polls from 1 s to 4 s did not
// measurably lower the verification overhead (docs/BENCHMARKS.md: the cost is spread over the whole peer),
// but it keeps an idle verifier off the RPC. Audits, challenges and juries only happen from a round's commit deadline
// to the end of its audit window, and in the disputes opened then, so the loop polls every `pollMs` there
// and while any dispute of the run is open, and every `idlePollMs` elsewhere, waking in time for the next
// commit deadline.

/** Default idle interval: 4 × the busy one. */
export const IDLE_POLL_FACTOR = 4;

/** Whether `now` (chain seconds) is within a second of some round's [commitDeadline, auditEnd). */
export function inAuditWindow(spec: RunSpec, now: number): boolean {
  for (let r = 0n; r < BigInt(spec.rounds); r++) {
    const s = roundSchedule(spec, r);
    if (now < Number(s.commitDeadline) - 1) return false;
    if (now < Number(s.auditEnd) + 1) return true;
  }
  return false;
}

/** Seconds from `now` to one second before the next commit deadline still ahead, or undefined after the last. */
function untilNextDeadline(spec: RunSpec, now: number): number | undefined {
  for (let r = 0n; r < BigInt(spec.rounds); r++) {
    const wake = Number(roundSchedule(spec, r).commitDeadline) - 1;
    if (wake > now) return wake - now;
  }
  return undefined;
}

/** Milliseconds to sleep before the next poll. */
export function pollDelayMs(spec: RunSpec, now: number, o: { pollMs: number; idlePollMs: number; openDisputes: number }): number {
  if (o.openDisputes > 0 || inAuditWindow(spec, now)) return o.pollMs;
  const next = untilNextDeadline(spec, now);
  const idle = next === undefined ? o.idlePollMs : Math.min(o.idlePollMs, Math.ceil(next * 1000));
  return Math.max(o.pollMs, idle);
}
