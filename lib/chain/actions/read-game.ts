import type { Address, PublicClient } from "viem";
import type { GameRecord, Posted } from "../../protocol/game-engine.ts";
import { disputeGameAbi } from "../abi.ts";

// A dispute game as a side sees it: its record (gameOf) and what each move posted (its events). Everything a
// move needs comes from here and the side's own data, so a restarted peer picks a game up where it stands.

export interface GameState {
  record: GameRecord & { deadline: bigint; runId: bigint; round: bigint };
  posted: Posted;
}

export async function readGame(client: PublicClient, game: Address, id: bigint, fromBlock = 0n): Promise<GameState> {
  const g = await client.readContract({ address: game, abi: disputeGameAbi, functionName: "gameOf", args: [id] });
  const logs = await client.getContractEvents({ address: game, abi: disputeGameAbi, fromBlock, args: { gameId: id } as never });
  const posted: Posted = {};
  for (const log of logs) {
    const a = log.args as Record<string, unknown>;
    if (a.gameId !== id) continue;
    if (log.eventName === "StepsPosted") posted.roots = a.roots as Posted["roots"];
    if (log.eventName === "TracePosted") posted.trace = { items: a.items as readonly `0x${string}`[], m: Number(a.m) };
    if (log.eventName === "ChunksPosted") posted.leaves = a.leaves as Posted["leaves"];
    if (log.eventName === "ChunkOpened") posted.chunk = a.data as `0x${string}`;
    if (log.eventName === "ManifestPosted") posted.manifest = a.roots as Posted["manifest"];
    if (log.eventName === "UpdateOpened") posted.update = { start: a.start as `0x${string}`, end: a.end as `0x${string}`, update: a.update as `0x${string}` };
  }
  const record = {
    phase: Number(g.phase),
    trainer: g.trainer,
    challenger: g.challenger,
    segment: Number(g.segment),
    step: Number(g.step),
    tensor: Number(g.tensor),
    chunk: Number(g.chunk),
    rows: Number(g.rows),
    cols: Number(g.cols),
    m: Number(g.m),
    checkpointInterval: Number(g.checkpointInterval),
    deadline: BigInt(g.deadline),
    runId: g.runId,
    round: BigInt(g.round),
  };
  return { record, posted };
}
