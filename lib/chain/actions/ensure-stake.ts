import type { Address, PublicClient } from "viem";
import { stakeTokenAbi, stakingAbi } from "../abi.ts";
import { describeChainError } from "../errors.ts";
import type { Wallet } from "./connect.ts";

export interface EnsureStakeParams {
  staking: Address;
  /** Free stake the account must end up with. */
  needed: bigint;
  /** Tokens the user allowed us to add (the --stake flag); 0 stakes nothing. */
  allowance: bigint;
}

export interface EnsureStakeResult {
  free: bigint;
  staked: bigint;
}

/** Approves and stakes just enough (within `allowance`) for `needed` free stake; one transaction at a time. */
export async function ensureStake(client: PublicClient, wallet: Wallet, { staking, needed, allowance }: EnsureStakeParams): Promise<EnsureStakeResult> {
  const me = wallet.account.address;
  const free = await client.readContract({ address: staking, abi: stakingAbi, functionName: "freeStakeOf", args: [me] });
  if (free >= needed || allowance === 0n) return { free, staked: 0n };
  const amount = needed - free < allowance ? needed - free : allowance;
  const token = await client.readContract({ address: staking, abi: stakingAbi, functionName: "token" });
  try {
    const allowed = await client.readContract({ address: token, abi: stakeTokenAbi, functionName: "allowance", args: [me, staking] });
    if (allowed < amount) {
      const approve = await wallet.writeContract({ address: token, abi: stakeTokenAbi, functionName: "approve", args: [staking, amount] });
      await client.waitForTransactionReceipt({ hash: approve });
    }
    const hash = await wallet.writeContract({ address: staking, abi: stakingAbi, functionName: "stake", args: [amount] });
    await client.waitForTransactionReceipt({ hash });
  } catch (e) {
    throw describeChainError(e, "staking");
  }
  return { free: free + amount, staked: amount };
}
