import type { Verdict } from "./verify.ts";

// Verifier misbehaviour for test networks (`verihive verifier --attack NAME`), so the gauntlet can show
// what catches it:
//   lazy             attests every commitment it is assigned without fetching or replaying anything, and
//                    votes "innocent" on juries without checking. Nothing in this version punishes it (no
//                    forced errors yet, docs/PROTOCOL.md section 7); it only lowers the effective audit rate.
//   false-challenge  challenges every commitment it audits and finds honest (with a valid leaf and proof of the
//                    audited segment), and votes "guilty" on juries. An honest jury acquits: it loses its bond.

export type VerifierAttack = "lazy" | "false-challenge";
export const VERIFIER_ATTACKS: readonly VerifierAttack[] = ["lazy", "false-challenge"];

/** What the auditor does with an honest verdict under an attack: attest, or challenge the audited leaf anyway. */
export function auditVerdict(attack: VerifierAttack | undefined, honest: Verdict, segment: number): Verdict {
  if (attack !== "false-challenge" || honest.kind !== "pass") return honest;
  return { kind: "fail", check: "segment", segment, reason: "false challenge (attack under test)", manifest: honest.manifest, evidence: [] };
}

/** A juror's vote under an attack, or undefined to decide honestly. */
export function juryVote(attack: VerifierAttack | undefined): { guilty: boolean; why: string } | undefined {
  if (attack === "lazy") return { guilty: false, why: "lazy: voted without checking" };
  if (attack === "false-challenge") return { guilty: true, why: "false-challenge: votes guilty whatever the data" };
  return undefined;
}
