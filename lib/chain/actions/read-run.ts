import type { Address, PublicClient } from "viem";
import { runCoordinatorAbi } from "../abi.ts";
import { ChainError, describeChainError } from "../errors.ts";
import type { RunSpec } from "../../core/spec.ts";

export interface ReadRunParams {
  coordinator: Address;
  runId: bigint;
  /** Where to start looking for RunCreated (the deployment block); default 0. */
  fromBlock?: bigint;
}

export interface RunInfo {
  runId: bigint;
  spec: RunSpec;
  owner: Address;
  verifierCount: number;
  pool: bigint;
  createdAtBlock: bigint;
}

/** Reads a run: owner and pool from `runOf`, the spec from its `RunCreated` event (checked, as any RPC answer). */
export async function readRun(client: PublicClient, { coordinator, runId, fromBlock = 0n }: ReadRunParams): Promise<RunInfo> {
  let owner: Address, verifierCount: number, pool: bigint;
  try {
    [owner, verifierCount, pool] = await client.readContract({ address: coordinator, abi: runCoordinatorAbi, functionName: "runOf", args: [runId] });
  } catch (e) {
    throw describeChainError(e, `reading run ${runId}`);
  }
  const logs = await client.getContractEvents({
    address: coordinator,
    abi: runCoordinatorAbi,
    eventName: "RunCreated",
    args: { runId },
    fromBlock,
    strict: true,
  });
  const created = logs.filter((l) => l.args.runId === runId);
  if (created.length !== 1) throw new ChainError(`run ${runId}: expected one RunCreated event, the RPC returned ${created.length}`, { runId });
  const log = created[0]!;
  if (log.args.owner.toLowerCase() !== owner.toLowerCase()) throw new ChainError(`run ${runId}: RunCreated owner disagrees with runOf`, { runId });
  const spec = log.args.spec as RunSpec;
  if (spec.shards < 1 || spec.checkpointInterval < 1 || spec.localSteps % spec.checkpointInterval !== 0 || spec.rounds < 1) {
    throw new ChainError(`run ${runId}: the spec in RunCreated is malformed`, { runId });
  }
  return { runId, spec, owner, verifierCount: Number(verifierCount), pool, createdAtBlock: log.blockNumber };
}
