import type { PeerId } from "@libp2p/interface";
import type { Address, Hex, PublicClient } from "viem";
import { roundSchedule, type RunSpec } from "../../lib/core/spec.ts";
import type { MoeSpec, ModelState } from "../../lib/ml/moe.ts";
import type { BlobStore } from "../journal.ts";
import type { Logger } from "../log.ts";
import { agreedState, StateSyncError } from "../peer/agreed-state.ts";
import type { ChainClock } from "../peer/clock.ts";
import type { FetchContext } from "../peer/fetch.ts";
import { loadModel, saveModel } from "./model-file.ts";
import { aggregateRound } from "./round-work.ts";

// Where a (re)starting trainer begins: the first round whose commit deadline is more than 2 s away, from a
// state it trusts (S_0, its own saved model) or, failing that, from round first−1's agreed state (the
// majority's start hashes, checked against the chain) brought forward by that round's updates. Without a
// majority yet (a shard's committers not serving), it tries again one round later rather than guess.

export interface StartingPointParams {
  client: PublicClient;
  coordinator: Address;
  runId: bigint;
  spec: RunSpec;
  moe: MoeSpec;
  fromBlock: bigint;
  dataDir: string;
  blobs: BlobStore;
  clock: ChainClock;
  initial: ModelState;
  fetch: () => FetchContext;
  peerOf: (trainer: Address) => PeerId | undefined;
  /** Update bytes held, by hash (filled with what catching up fetches). */
  local: Map<Hex, Uint8Array>;
  aggregation: "centered-clip" | "mean";
  myName: string;
  log: Logger;
  signal: AbortSignal;
}

export interface StartingPoint {
  round: bigint;
  state: ModelState;
  savedHashes: Record<string, Hex> | undefined;
  /** It started from its saved model or its peers' state rather than from S_0 at round 0. */
  caughtUp: boolean;
}

export async function startingPoint(p: StartingPointParams): Promise<StartingPoint> {
  const { spec, log } = p;
  let first = 0n;
  while (first < BigInt(spec.rounds) && p.clock.now() >= Number(roundSchedule(spec, first).commitDeadline) - 2) first++;
  const saved = await loadModel(p.dataDir, p.blobs, p.runId, Object.keys(p.initial), p.moe).catch((e: Error) => {
    log.warn("saved model unusable", { reason: e.message });
    return undefined;
  });
  const caughtUp = first > 0n || saved !== undefined;
  if (saved && saved.round >= first) {
    log.info("resumed", { round: saved.round, from: "saved model" });
    return { round: saved.round, state: saved.state, savedHashes: saved.hashes, caughtUp };
  }
  while (first > 0n && first < BigInt(spec.rounds)) {
    const prev = first - 1n;
    log.info("catching up", { round: first, savedRound: saved?.round, via: `round ${prev}'s majority start state and updates` });
    await p.clock.sleepUntil(Number(roundSchedule(spec, prev).commitDeadline) + 1, p.signal);
    try {
      const agreed = await agreedState({
        client: p.client,
        coordinator: p.coordinator,
        runId: p.runId,
        spec,
        moe: p.moe,
        fromBlock: p.fromBlock,
        round: prev,
        fetch: p.fetch(),
        peerOf: p.peerOf,
        local: saved ?? { round: 0n, state: p.initial },
      });
      const agg = await aggregateRound({
        fetch: p.fetch(),
        state: agreed.state,
        commitments: agreed.commitments,
        shards: spec.shards,
        moe: p.moe,
        local: p.local,
        peerOf: p.peerOf,
        aggregation: p.aggregation,
      });
      const savedHashes = await saveModel(p.dataDir, p.blobs, p.runId, first, agg.next);
      log.info("caught up", { round: first, included: agg.included, myStateHash: savedHashes[p.myName] });
      return { round: first, state: agg.next, savedHashes, caughtUp };
    } catch (e) {
      if (!(e instanceof StateSyncError)) throw e;
      log.warn("cannot catch up yet", { round: first, reason: e.message });
      first++;
    }
  }
  return { round: first, state: p.initial, savedHashes: saved?.hashes, caughtUp };
}
