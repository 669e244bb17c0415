import type { Address, Hex, PublicClient } from "viem";
import { runCoordinatorAbi } from "../../lib/chain/abi.ts";
import { CommitStatus } from "../../lib/core/spec.ts";

// What the chain says a round's commitments are: read from RoundCommitted logs (the claim is only in the
// event) and the current status of each, shared by trainers (aggregation, state sync) and verifiers.

/** One on-chain commitment of a round, as RoundCommitted logged it. */
export interface RoundCommitment {
  trainer: Address;
  shard: number;
  root: Hex;
  updateHash: Hex;
  samples: bigint;
}

/**
 * The inclusion set of a round: every RoundCommitted of the run and round whose commitment is not slashed or
 * withheld and whose trainer is not banned,
 * one per trainer (the contract allows no more), sorted by trainer address so every peer aggregates in the same order.
 */
export async function roundCommitments(client: PublicClient, coordinator: Address, runId: bigint, round: bigint, fromBlock: bigint): Promise<RoundCommitment[]> {
  const logs = await client.getContractEvents({
    address: coordinator,
    abi: runCoordinatorAbi,
    eventName: "RoundCommitted",
    args: { runId, round },
    fromBlock,
    strict: true,
  });
  const seen = new Map<string, RoundCommitment>();
  for (const log of logs) {
    const a = log.args;
    if (a.runId !== runId || a.round !== round) continue; // an RPC that ignores the filter
    seen.set(a.trainer.toLowerCase(), { trainer: a.trainer, shard: a.shard, root: a.root, updateHash: a.updateHash, samples: a.samples });
  }
  // Every read at once: the clients batch concurrent calls into one HTTP request (connect()).
  const included = await Promise.all(
    [...seen.values()].map(async (c) => {
      const [status, seat] = await Promise.all([
        client.readContract({ address: coordinator, abi: runCoordinatorAbi, functionName: "statusOf", args: [runId, round, c.trainer] }),
        client.readContract({ address: coordinator, abi: runCoordinatorAbi, functionName: "participantOf", args: [runId, c.trainer] }),
      ]);
      if (status === CommitStatus.Slashed || status === CommitStatus.Withheld || status === CommitStatus.None) return undefined;
      // A banned trainer's other commitments never finalize: its updates are left out from then on too.
      return seat.banned ? undefined : c;
    }),
  );
  return included.filter((c): c is RoundCommitment => c !== undefined).sort((x, y) => (x.trainer.toLowerCase() < y.trainer.toLowerCase() ? -1 : 1));
}
