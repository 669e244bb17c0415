import type { Address, Hex, PublicClient } from "viem";
import { runCoordinatorAbi } from "../../lib/chain/abi.ts";
import { describeChainError, type Wallet } from "../../lib/chain/index.ts";
import { CommitStatus } from "../../lib/core/spec.ts";

export { roundCommitments, type RoundCommitment } from "../peer/commitments.ts";

const ZERO32 = `0x${"0".repeat(64)}`;

/** The round's seed, opening the round first if nobody has (racing peers: RoundAlreadyOpen is fine). */
export async function ensureRoundSeed(client: PublicClient, wallet: Wallet, coordinator: Address, runId: bigint, round: bigint): Promise<Hex> {
  const read = async () => (await client.readContract({ address: coordinator, abi: runCoordinatorAbi, functionName: "roundOf", args: [runId, round] })).seed;
  let seed = await read();
  if (seed !== ZERO32) return seed;
  // The node may simulate on a block from just before the window opened: RoundWindowClosed then only
  // means "not yet", so it is retried for a few seconds.
  for (let attempt = 0; ; attempt++) {
    try {
      const hash = await wallet.writeContract({ address: coordinator, abi: runCoordinatorAbi, functionName: "openRound", args: [runId, round] });
      await client.waitForTransactionReceipt({ hash });
      break;
    } catch (e) {
      const err = describeChainError(e, `opening round ${round}`);
      if (err.context.errorName === "RoundAlreadyOpen") break;
      if (err.context.errorName !== "RoundWindowClosed" || attempt >= 20) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  seed = await read();
  if (seed === ZERO32) throw describeChainError(new Error("the round seed is still unset"), `opening round ${round}`);
  return seed;
}

/** The trainer's commitment of `round` as RoundCommitted logged it, if it committed one (REVIEW 14: read before announcing). */
export async function committedClaimOf(client: PublicClient, coordinator: Address, runId: bigint, round: bigint, trainer: Address, fromBlock: bigint) {
  const [e] = await client.getContractEvents({ address: coordinator, abi: runCoordinatorAbi, eventName: "RoundCommitted", args: { runId, round, trainer }, fromBlock, strict: true });
  return e && { root: e.args.root, updateHash: e.args.updateHash, samples: e.args.samples };
}

/** Finalizes the caller's commitment of `round` if it can be (returns false when it is not finalizable). */
export async function finalizeOwn(
  client: PublicClient,
  wallet: Wallet,
  coordinator: Address,
  runId: bigint,
  round: bigint,
  claim: { root: Hex; updateHash: Hex; samples: bigint },
): Promise<boolean> {
  const me = wallet.account.address;
  const status = await client.readContract({ address: coordinator, abi: runCoordinatorAbi, functionName: "statusOf", args: [runId, round, me] });
  if (status !== CommitStatus.Committed && status !== CommitStatus.Attested) return false;
  try {
    const hash = await wallet.writeContract({ address: coordinator, abi: runCoordinatorAbi, functionName: "finalize", args: [runId, round, me, claim] });
    await client.waitForTransactionReceipt({ hash });
    return true;
  } catch (e) {
    throw describeChainError(e, `finalizing round ${round}`);
  }
}

/** Claims what the caller is owed in the run; returns the amount (0 when nothing is owed). */
export async function claimOwed(client: PublicClient, wallet: Wallet, coordinator: Address, runId: bigint): Promise<bigint> {
  const { owed } = await client.readContract({ address: coordinator, abi: runCoordinatorAbi, functionName: "earningsOf", args: [runId, wallet.account.address] });
  if (owed === 0n) return 0n;
  try {
    const hash = await wallet.writeContract({ address: coordinator, abi: runCoordinatorAbi, functionName: "claim", args: [runId] });
    await client.waitForTransactionReceipt({ hash });
  } catch (e) {
    throw describeChainError(e, "claiming");
  }
  return owed;
}
