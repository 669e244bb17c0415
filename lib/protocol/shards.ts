import { encodeAbiParameters, keccak256, type Hex } from "viem";
import { DEFAULT_MOE_SPEC, expertName, parseShard, shardShapes, type MoeSpec, type ShardName } from "../ml/moe.ts";
import { DEFAULT_STEP_CONFIG, type StepConfig } from "../ml/step.ts";
import { VerihiveError } from "../core/errors.ts";
import { VerificationMode, type RunSpec } from "../core/spec.ts";

/** A shard name or index does not belong to the run's model. */
export class ShardError extends VerihiveError {
  override name = "ShardError";
}

// On-chain shard k: 0 is the gate, k >= 1 is expert k-1. A run's `shards` must be 1 + experts.

export function shardIndex(name: string, spec: MoeSpec = DEFAULT_MOE_SPEC): number {
  let ref;
  try {
    ref = parseShard(name, spec);
  } catch {
    throw new ShardError(`shard must be 'gate' or 'expert-0' … 'expert-${spec.experts - 1}' (got '${name}')`, { name });
  }
  return ref.kind === "gate" ? 0 : ref.index + 1;
}

export function shardName(index: number, spec: MoeSpec = DEFAULT_MOE_SPEC): ShardName {
  if (!Number.isInteger(index) || index < 0 || index > spec.experts) throw new ShardError(`no shard ${index}`, { index });
  return index === 0 ? "gate" : expertName(index - 1);
}

/** The uint32 seed of S_0: every peer derives the same initial model from the run id and model hash. */
export function modelSeed(runId: bigint, modelHash: Hex): number {
  const h = keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "bytes32" }], [runId, modelHash]));
  return Number.parseInt(h.slice(2, 10), 16);
}

/** Element counts of a shard's canonical state (params then slots) or of its update (same layout). */
export function stateSizes(name: string, spec: MoeSpec = DEFAULT_MOE_SPEC): number[] {
  const params = shardShapes(name, spec).map((s) => s.reduce((a, b) => a * b, 1));
  return [...params, ...params];
}

/**
 * The step config a run implies: its MoE spec, and the arithmetic. Exact mode runs the reference kernels
 * (lib/kernels: bit-identical on every machine, whatever the tfjs backend); tolerance mode runs tfjs.
 */
export function stepConfigFor(spec: Pick<RunSpec, "mode">, moe: MoeSpec): StepConfig {
  return { ...DEFAULT_STEP_CONFIG, spec: moe, arithmetic: spec.mode === VerificationMode.Exact ? "reference" : "tfjs" };
}
