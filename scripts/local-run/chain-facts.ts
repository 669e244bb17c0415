import type { Address, PublicClient } from "viem";
import { disputeGameAbi, runCoordinatorAbi } from "../../lib/chain/index.ts";

// What the chain says about the peers of a run, for the report: who was slashed (and why), and each
// account's credits. A peer's own summary is not trusted for either.

/**
 * Trainers: fraud (a guilty verdict), equivocation (a proof), withheld (unavailability upheld).
 * Verifiers: juror-penalty (a juror that voted against the verdict or did not reveal), bond-lost (its
 * challenge was rejected by a jury that voted, or it lost a dispute game it opened), blind-attestation (it lost
 * the accusation of an attestation whose digest was not the replay's: PROTOCOL.md 7.3).
 */
export type SlashReason = "fraud" | "equivocation" | "withheld" | "juror-penalty" | "bond-lost" | "blind-attestation";

/**
 * Slashes of run `runId` by peer address (lower case): TrainerSlashed, CommitmentWithheld with slashed > 0,
 * JurorPenalized, and the challenger of a DisputeResolved that is not guilty with votes (its bond goes).
 */
export async function slashesOf(client: PublicClient, coordinator: Address, runId: bigint, game?: Address): Promise<Map<string, SlashReason[]>> {
  const base = { address: coordinator, abi: runCoordinatorAbi, fromBlock: 0n, toBlock: "latest" } as const;
  const [slashed, withheld, opened] = await Promise.all([
    client.getContractEvents({ ...base, args: { runId }, eventName: "TrainerSlashed" }),
    client.getContractEvents({ ...base, args: { runId }, eventName: "CommitmentWithheld" }),
    client.getContractEvents({ ...base, args: { runId }, eventName: "DisputeOpened" }),
  ]);
  // JurorPenalized and DisputeResolved name the dispute, not the run: keep this run's disputes.
  const challengerOf = new Map(opened.flatMap((e) => (e.args.disputeId === undefined || e.args.challenger === undefined ? [] : [[e.args.disputeId, e.args.challenger] as const])));
  const [penalized, resolved] =
    challengerOf.size === 0
      ? [[], []]
      : await Promise.all([client.getContractEvents({ ...base, eventName: "JurorPenalized" }), client.getContractEvents({ ...base, eventName: "DisputeResolved" })]);
  const out = new Map<string, SlashReason[]>();
  const add = (peer: Address | undefined, reason: SlashReason) => {
    if (peer === undefined) return;
    const key = peer.toLowerCase();
    out.set(key, [...(out.get(key) ?? []), reason]);
  };
  const ours = (id: bigint | undefined) => id !== undefined && challengerOf.has(id);
  for (const e of slashed) add(e.args.trainer, e.args.byEquivocation ? "equivocation" : "fraud");
  for (const e of withheld) if ((e.args.slashed ?? 0n) > 0n) add(e.args.trainer, "withheld");
  for (const e of penalized) if (ours(e.args.disputeId) && (e.args.amount ?? 0n) > 0n) add(e.args.juror, "juror-penalty");
  for (const e of resolved) {
    const votes = (e.args.guiltyVotes ?? 0) + (e.args.innocentVotes ?? 0);
    if (ours(e.args.disputeId) && e.args.guilty === false && votes > 0) add(challengerOf.get(e.args.disputeId!), "bond-lost");
  }
  if (game) for (const g of await gamesOf(client, game, runId)) if (g.trainerLost === false) add(g.challenger, g.accusation ? "blind-attestation" : "bond-lost");
  return out;
}

export interface GameFact {
  id: bigint;
  round: bigint;
  trainer: Address;
  challenger: Address;
  /** The trainer's accusation of its attester (the challenger), not a challenge. */
  accusation: boolean;
  /** Undefined while the game runs. */
  trainerLost?: boolean;
}

/** The dispute games of run `runId` (GameStarted, GameEnded). */
export async function gamesOf(client: PublicClient, game: Address, runId: bigint): Promise<GameFact[]> {
  const base = { address: game, abi: disputeGameAbi, fromBlock: 0n, toBlock: "latest" } as const;
  const [started, ended] = await Promise.all([
    client.getContractEvents({ ...base, eventName: "GameStarted", args: { runId }, strict: true }),
    client.getContractEvents({ ...base, eventName: "GameEnded", strict: true }),
  ]);
  const lost = new Map(ended.map((e) => [e.args.gameId, e.args.trainerLost] as const));
  return started.map((e) => ({
    id: e.args.gameId,
    round: e.args.round,
    trainer: e.args.trainer,
    challenger: e.args.challenger,
    accusation: e.args.accusation,
    ...(lost.has(e.args.gameId) ? { trainerLost: lost.get(e.args.gameId)! } : {}),
  }));
}

/**
 * The earliest round in which each trainer of run `runId` had a commitment slashed (TrainerSlashed, or
 * CommitmentWithheld with slashed > 0), by address (lower case).
 */
export async function slashRoundsOf(client: PublicClient, coordinator: Address, runId: bigint): Promise<Map<string, number>> {
  const base = { address: coordinator, abi: runCoordinatorAbi, fromBlock: 0n, toBlock: "latest", args: { runId } } as const;
  const [slashed, withheld] = await Promise.all([
    client.getContractEvents({ ...base, eventName: "TrainerSlashed" }),
    client.getContractEvents({ ...base, eventName: "CommitmentWithheld" }),
  ]);
  const out = new Map<string, number>();
  const add = (trainer: Address | undefined, round: bigint | undefined) => {
    if (trainer === undefined || round === undefined) return;
    const key = trainer.toLowerCase();
    out.set(key, Math.min(out.get(key) ?? Infinity, Number(round)));
  };
  for (const e of slashed) add(e.args.trainer, e.args.round);
  for (const e of withheld) if ((e.args.slashed ?? 0n) > 0n) add(e.args.trainer, e.args.round);
  return out;
}

/** Samples credited to `account` in run `runId` (finalized commitments). */
export async function creditsOf(client: PublicClient, coordinator: Address, runId: bigint, account: Address): Promise<bigint> {
  const e = await client.readContract({ address: coordinator, abi: runCoordinatorAbi, functionName: "earningsOf", args: [runId, account] });
  return e.credits;
}
