import type { Address, Hash, Hex, PublicClient } from "viem";
import { runCoordinatorAbi } from "../abi.ts";
import { describeChainError } from "../errors.ts";
import type { Wallet } from "./connect.ts";

export interface CommitRoundParams {
  coordinator: Address;
  runId: bigint;
  round: bigint;
  root: Hex;
  updateHash: Hex;
  samples: bigint;
}

/** Sends `commit` and waits for it; the caller journals the commitment before calling this. */
export async function commitRound(client: PublicClient, wallet: Wallet, p: CommitRoundParams): Promise<Hash> {
  try {
    const hash = await wallet.writeContract({
      address: p.coordinator,
      abi: runCoordinatorAbi,
      functionName: "commit",
      args: [p.runId, p.round, p.root, p.updateHash, p.samples],
    });
    const receipt = await client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`commit transaction ${hash} reverted`);
    return hash;
  } catch (e) {
    throw describeChainError(e, `committing round ${p.round} of run ${p.runId}`);
  }
}
