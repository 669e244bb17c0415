import type { RunSpec } from "./spec.ts";

// The economic condition of docs/PROTOCOL.md: faking steps must lose money in expectation, whichever
// way a caught trainer settles (fraud verdict, upheld unavailability, or proving its own equivocation).

const BPS = 10_000n;

/** P(detect) for a trainer that fakes a fraction `f` of its segments over `n` audited-or-not rounds. */
export function detectionProbability(auditRateBps: number, f: number, n: number): number {
  return 1 - (1 - (auditRateBps / 10_000) * f) ** n;
}

/** Reward of one full commitment: rewardPerRound split over every trainer seat. */
export function fullCommitmentReward(spec: RunSpec): bigint {
  return spec.rewardPerRound / (BigInt(spec.shards) * BigInt(spec.maxTrainersPerShard));
}

/**
 * Expected loss minus the most a faker can save, per faked segment-fraction, for each way out once caught
 * (token base units, scaled by 10,000 to stay in integers). Positive everywhere means cheating does not pay
 * even when the faked compute is worth the whole reward.
 */
export function cheatingMargins(spec: RunSpec): { fraud: bigint; withheld: bigint; selfEquivocation: bigint } {
  const reward = fullCommitmentReward(spec);
  const slash = (spec.minTrainerStake * BigInt(spec.slashBps)) / BPS;
  const bounty = slash < spec.challengeBond ? slash : spec.challengeBond;
  const rate = BigInt(spec.auditRateBps);
  const margin = (loss: bigint) => rate * (loss + reward) - BPS * reward;
  return { fraud: margin(slash), withheld: margin(slash), selfEquivocation: margin(slash - bounty) };
}
