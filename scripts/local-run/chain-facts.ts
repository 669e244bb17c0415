import type { Address, PublicClient } from "viem";
import { runCoordinatorAbi } from "../../lib/chain/index.ts";

// What the chain says about the peers of a run, for the report: who was slashed (and why), and each
// account's credits. A peer's own summary is not trusted for either.

export type SlashReason = "fraud" | "equivocation" | "withheld";

/** Slashes of run `runId` by trainer address (lower case): TrainerSlashed, and CommitmentWithheld with slashed > 0. */
export async function slashesOf(client: PublicClient, coordinator: Address, runId: bigint): Promise<Map<string, SlashReason[]>> {
  const base = { address: coordinator, abi: runCoordinatorAbi, args: { runId }, fromBlock: 0n, toBlock: "latest" } as const;
  const [slashed, withheld] = await Promise.all([
    client.getContractEvents({ ...base, eventName: "TrainerSlashed" }),
    client.getContractEvents({ ...base, eventName: "CommitmentWithheld" }),
  ]);
  const out = new Map<string, SlashReason[]>();
  const add = (trainer: Address | undefined, reason: SlashReason) => {
    if (trainer === undefined) return;
    const key = trainer.toLowerCase();
    out.set(key, [...(out.get(key) ?? []), reason]);
  };
  for (const e of slashed) add(e.args.trainer, e.args.byEquivocation ? "equivocation" : "fraud");
  for (const e of withheld) if ((e.args.slashed ?? 0n) > 0n) add(e.args.trainer, "withheld");
  return out;
}

/** Samples credited to `account` in run `runId` (finalized commitments). */
export async function creditsOf(client: PublicClient, coordinator: Address, runId: bigint, account: Address): Promise<bigint> {
  const e = await client.readContract({ address: coordinator, abi: runCoordinatorAbi, functionName: "earningsOf", args: [runId, account] });
  return e.credits;
}
