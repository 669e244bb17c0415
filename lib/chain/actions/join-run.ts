import type { Address, PublicClient } from "viem";
import { runCoordinatorAbi } from "../abi.ts";
import { describeChainError } from "../errors.ts";
import { Role } from "../../core/spec.ts";
import type { Wallet } from "./connect.ts";

export interface JoinRunParams {
  coordinator: Address;
  runId: bigint;
  role: "trainer" | "verifier";
  shard?: number;
}

/** Takes a seat unless the account already holds an active one of that role; returns whether it joined now. */
export async function joinRun(client: PublicClient, wallet: Wallet, { coordinator, runId, role, shard = 0 }: JoinRunParams): Promise<boolean> {
  const seat = await client.readContract({ address: coordinator, abi: runCoordinatorAbi, functionName: "participantOf", args: [runId, wallet.account.address] });
  const wanted = role === "trainer" ? Role.Trainer : Role.Verifier;
  if (seat.active && seat.role === wanted && (role === "verifier" || seat.shard === shard)) return false;
  try {
    const hash =
      role === "trainer"
        ? await wallet.writeContract({ address: coordinator, abi: runCoordinatorAbi, functionName: "joinAsTrainer", args: [runId, shard] })
        : await wallet.writeContract({ address: coordinator, abi: runCoordinatorAbi, functionName: "joinAsVerifier", args: [runId] });
    await client.waitForTransactionReceipt({ hash });
  } catch (e) {
    throw describeChainError(e, `joining run ${runId} as ${role}`);
  }
  return true;
}
