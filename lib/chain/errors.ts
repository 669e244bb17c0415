import { BaseError, ContractFunctionRevertedError, formatUnits } from "viem";
import { VerihiveError } from "../core/errors.ts";

/** A chain call failed; `message` says what happened in words a user can act on. */
export class ChainError extends VerihiveError {
  override name = "ChainError";
}

const roles = ["none", "trainer", "verifier"];
const tokens = (v: unknown) => `${formatUnits(BigInt(v as bigint), 18)} tokens`;
// A deadline can be "never" (2^64 − 1) or otherwise past what a Date holds: print the number then.
const time = (v: unknown) => {
  const ms = Number(v) * 1000;
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `timestamp ${String(v)}`;
};

/** Human sentences for the contracts' custom errors (args in declaration order). */
const MESSAGES: Record<string, (a: readonly unknown[]) => string> = {
  RunUnknown: (a) => `run ${a[0]} does not exist on this chain`,
  RunEnded: (a) => `run ${a[0]} ended at ${time(a[1])}`,
  RunFull: (a) => `run ${a[0]} has no free ${roles[Number(a[1])]} seat${Number(a[1]) === 1 ? ` in shard ${a[2]}` : ""}`,
  RunShardInvalid: (a) => `run ${a[0]} has ${a[2]} shards; shard ${a[1]} does not exist`,
  RunStakeBelowMinimum: (a) => `free stake of ${a[1]} is ${tokens(a[2])}, below the run's minimum of ${tokens(a[3])} (pass --stake)`,
  RunAlreadyJoined: (a) => `${a[1]} already holds a seat in run ${a[0]} (or was banned from it)`,
  RunNotParticipant: (a) => `${a[1]} holds no active ${roles[Number(a[2])]} seat in run ${a[0]}`,
  RunLeaveBlocked: (a) => `${a[1]} cannot leave run ${a[0]} yet: ${a[2]} open disputes, last commitment settles at ${time(a[3])}`,
  RoundWindowClosed: (a) => `round ${a[1]} of run ${a[0]}: the window is ${time(a[2])} to ${time(a[3])}`,
  RoundNotOpen: (a) => `round ${a[1]} of run ${a[0]} has no seed yet`,
  CommitDuplicate: (a) => `${a[2]} already committed round ${a[1]} of run ${a[0]}`,
  TrainerBanned: (a) => `${a[1]} was removed from run ${a[0]} for fraud or equivocation`,
  StakingInsufficientFree: (a) => `free stake of ${a[0]} is ${tokens(a[2])}, below ${tokens(a[1])}`,
  StakingStillUnbonding: (a) => `stake of ${a[0]} unbonds at ${time(a[1])}`,
};

/** Turns a viem error from a contract call into a ChainError with a clear sentence (or rethrows others). */
export function describeChainError(error: unknown, action: string): ChainError {
  if (error instanceof BaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError && reverted.data?.errorName) {
      const { errorName, args = [] } = reverted.data;
      const say = MESSAGES[errorName];
      const detail = say ? say(args) : `${errorName}(${args.map(String).join(", ")})`;
      return new ChainError(`${action}: ${detail}`, { errorName, args });
    }
    return new ChainError(`${action}: ${error.shortMessage}`, { cause: error.name });
  }
  return new ChainError(`${action}: ${(error as Error)?.message ?? String(error)}`);
}
