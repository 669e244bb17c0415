// A trainer peer: stakes, joins a shard, and every round trains it, commits, exchanges updates over
// libp2p and aggregates them with CenteredClip; then finalizes and claims what it earned.
import { performance } from "node:perf_hooks";
import { writeFileSync } from "node:fs";
import type { PeerId } from "@libp2p/interface";
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { commitRound, connect, ensureStake, joinRun, readRun, runCoordinatorAbi } from "../../lib/chain/index.ts";
import { roundSchedule, Role, stateHash } from "../../lib/core/index.ts";
import { DEFAULT_MOE_SPEC, DEFAULT_STEP_CONFIG, evaluate, initModel, loadMnist, paramsOf, selectBackend, type BackendPreference, type ModelState } from "../../lib/ml/index.ts";
import {
  createVerihiveNode,
  peerIdentityFromEthKey,
  publishAnnouncement,
  signedAnnouncement,
  subscribeAnnouncements,
} from "../../lib/p2p/index.ts";
import { applyUpdates, modelSeed, shardIndex, shardName, stateArrays, stateSizes, trainRound } from "../../lib/protocol/index.ts";
import type { Logger } from "../log.ts";
import { BlobStore, Journal } from "../journal.ts";
import { claimOwed, ensureRoundSeed, finalizeOwn, roundCommitments } from "./chain-view.ts";
import { collectShardUpdates } from "../peer/update-exchange.ts";

export interface TrainerOptions {
  rpc: string;
  privateKey: Hex;
  coordinator: Address;
  runId: bigint;
  shard: string;
  /** Tokens the trainer may stake if its free stake is below the run's minimum. */
  stake: bigint;
  listen: string[];
  bootstrap: string[];
  backend: BackendPreference;
  /** Write a JSON summary here when the run ends. */
  report?: string;
  /** Journal and blobs live here (created if missing). */
  dataDir: string;
  /** Test images to evaluate on each round (default: all 10,000). */
  evalLimit?: number;
  fetchTimeoutMs?: number;
  log: Logger;
}

export interface RoundSummary {
  round: number;
  loss: number;
  accuracy: number;
  samplesPerSecond: number;
  peers: number;
  included: number;
  missing: number;
  stateHashes: Record<string, Hex>;
}

export interface TrainerSummary {
  address: Address;
  shard: string;
  backend: string;
  rounds: RoundSummary[];
  accuracy: number;
  stateHashes: Record<string, Hex>;
  credits: string;
  rewards: string;
}

// Chain time: a local chain that mined many blocks in one second runs ahead of the wall clock (each block
// takes at least prev + 1 s), so deadlines are compared with wall time plus that lead (never minus: on a
// live chain the latest block is simply a few seconds old).
let chainLead = 0;
const nowSeconds = () => Date.now() / 1000 + chainLead;

async function syncChainClock(client: { getBlock(): Promise<{ timestamp: bigint }> }): Promise<void> {
  const { timestamp } = await client.getBlock();
  chainLead = Math.max(0, Number(timestamp) - Date.now() / 1000);
}

function sleepUntil(unixSeconds: number, signal: AbortSignal): Promise<void> {
  const ms = Math.max(0, (unixSeconds - nowSeconds()) * 1000);
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });
}

export async function runTrainer(opts: TrainerOptions, signal: AbortSignal): Promise<TrainerSummary> {
  const { log } = opts;
  const backend = await selectBackend(opts.backend);
  log.info("backend", { backend: backend.name, detail: backend.detail });

  const { publicClient, wallet, chainId } = await connect({ rpc: opts.rpc, privateKey: opts.privateKey });
  const me = wallet.account.address;
  const run = await readRun(publicClient, { coordinator: opts.coordinator, runId: opts.runId });
  const spec = run.spec;
  const moe = { ...DEFAULT_MOE_SPEC, experts: spec.shards - 1 };
  const config = { ...DEFAULT_STEP_CONFIG, spec: moe };
  const myShard = shardIndex(opts.shard, moe);
  const myName = shardName(myShard, moe);
  log.info("run", { runId: opts.runId, shards: spec.shards, rounds: spec.rounds, localSteps: spec.localSteps, account: me, chainId });

  const staked = await ensureStake(publicClient, wallet, { staking: await stakingOf(), needed: spec.minTrainerStake, allowance: opts.stake });
  if (staked.staked > 0n) log.info("staked", { amount: staked.staked });
  if (await joinRun(publicClient, wallet, { coordinator: opts.coordinator, runId: opts.runId, role: "trainer", shard: myShard })) {
    log.info("joined", { shard: myName });
  }

  // What was committed is journaled before it is announced or sent, so a restart never double-commits
  // and always knows what it owes peers; the updates it serves are kept as blobs.
  const journal = await Journal.open(opts.dataDir);
  const blobs = await BlobStore.open(opts.dataDir, { maxBlobBytes: 64 * 1024 * 1024 });
  const previous = journal.last("commit-intent");
  if (previous) log.info("journal", { records: journal.records().length, lastCommitIntent: previous });

  // One identity: the libp2p key is the account's key.
  const identity = peerIdentityFromEthKey(opts.privateKey);
  const local = new Map<Hex, Uint8Array>();
  const node = await createVerihiveNode({
    privateKey: identity.privateKey,
    listen: opts.listen,
    bootstrap: opts.bootstrap,
    blobs: { store: { get: (hash) => local.get(hash) } },
    signal,
  });
  log.info("listening", { peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map(String) });
  const peerByAddress = new Map<string, PeerId>();
  let currentRound = 0n;
  const subscription = subscribeAnnouncements(node.services.pubsub, {
    runId: opts.runId,
    chainId,
    coordinator: opts.coordinator,
    isKnownTrainer: async (address, shard) => {
      const seat = await publicClient.readContract({ address: opts.coordinator, abi: runCoordinatorAbi, functionName: "participantOf", args: [opts.runId, address] });
      return seat.role === Role.Trainer && seat.active && seat.shard === shard;
    },
    minRound: () => (currentRound > 0n ? currentRound - 1n : 0n),
    onAnnouncement: ({ signer }, from) => void peerByAddress.set(signer.toLowerCase(), from),
    onReject: (peer, reason, detail) => log.warn("announcement rejected", { peer: peer.toString(), reason, detail: detail.message }),
  });

  try {
    const train = loadMnist("train");
    const test = loadMnist("test");
    let state: ModelState = initModel(modelSeed(opts.runId, spec.modelHash), moe);
    const rounds: RoundSummary[] = [];
    const committed: { round: bigint; claim: { root: Hex; updateHash: Hex; samples: bigint } }[] = [];

    await syncChainClock(publicClient);
    let first = 0n;
    while (first < BigInt(spec.rounds) && nowSeconds() >= Number(roundSchedule(spec, first).commitDeadline) - 2) first++;
    if (first > 0n) {
      throw new Error(`run ${opts.runId} is at round ${first}: joining late needs state sync from peers, which this version does not do yet`);
    }

    for (let r = first; r < BigInt(spec.rounds); r++) {
      currentRound = r;
      const sched = roundSchedule(spec, r);
      await syncChainClock(publicClient);
      await sleepUntil(Number(sched.opensAt) + 1, signal);
      const roundSeed = await ensureRoundSeed(publicClient, wallet, opts.coordinator, opts.runId, r);

      const t0 = performance.now();
      const traj = await trainRound(
        {
          runId: opts.runId,
          round: r,
          roundSeed,
          trainer: me,
          shard: myShard,
          shardName: myName,
          batchSize: spec.batchSize,
          localSteps: spec.localSteps,
          checkpointInterval: spec.checkpointInterval,
          frozen: paramsOf(state),
          dataset: train,
          config,
        },
        state[myName]!,
      );
      const samplesPerSecond = Number(traj.samples) / ((performance.now() - t0) / 1000);
      local.set(traj.updateHash, traj.updateBytes);
      await blobs.put(traj.updateBytes);
      const claim = { root: traj.root, updateHash: traj.updateHash, samples: traj.samples };
      const journaled = journal.last("commit-intent", (rec) => rec.runId === opts.runId.toString() && rec.round === r.toString());
      if (journaled && journaled.root !== traj.root) {
        throw new Error(`the journal holds another commitment for round ${r} (${String(journaled.root)}): refusing to equivocate`);
      }
      if (!journaled) {
        await journal.append("commit-intent", { runId: opts.runId.toString(), round: r.toString(), root: traj.root, updateHash: traj.updateHash, samples: traj.samples.toString() });
      }

      const announcement = await signedAnnouncement(privateKeyToAccount(opts.privateKey), chainId, opts.coordinator, {
        runId: opts.runId,
        shard: myShard,
        round: r,
        root: traj.root,
        updateHash: traj.updateHash,
      });
      await publishAnnouncement(node.services.pubsub, announcement).catch((e: Error) => log.warn("announcement not published", { reason: e.message }));
      if (nowSeconds() < Number(sched.commitDeadline) - 1) {
        const tx = await commitRound(publicClient, wallet, { coordinator: opts.coordinator, runId: opts.runId, round: r, ...claim });
        await journal.append("commit-confirmed", { runId: opts.runId.toString(), round: r.toString(), tx });
        committed.push({ round: r, claim });
        log.info("committed", { round: r, root: traj.root, updateHash: traj.updateHash, samples: traj.samples });
      } else {
        log.warn("commit window missed", { round: r });
      }

      await sleepUntil(Number(sched.commitDeadline) + 1, signal);
      const commitments = await roundCommitments(publicClient, opts.coordinator, opts.runId, r, run.createdAtBlock);
      const next: ModelState = {};
      const banned = new Set<string>();
      let included = 0;
      let missing = 0;
      for (let k = 0; k < spec.shards; k++) {
        const name = shardName(k, moe);
        const got = await collectShardUpdates({
          node,
          commitments: commitments.filter((c) => c.shard === k),
          local,
          peerOf: (t) => peerByAddress.get(t.toLowerCase()),
          sizes: stateSizes(name, moe),
          banned,
          timeoutMs: opts.fetchTimeoutMs ?? 10_000,
          log,
          signal,
        });
        included += got.included.length;
        missing += got.missing.length;
        next[name] = applyUpdates(state[name]!, got.updates, { tau: "auto" });
      }
      state = next;
      const stateHashes = Object.fromEntries(Object.entries(state).map(([n, s]) => [n, stateHash(stateArrays(s))]));
      const { accuracy } = evaluate(state, test, { spec: moe, ...(opts.evalLimit ? { limit: opts.evalLimit } : {}) });
      const summary: RoundSummary = {
        round: Number(r),
        loss: traj.meanLoss,
        accuracy,
        samplesPerSecond,
        peers: node.getPeers().length,
        included,
        missing,
        stateHashes,
      };
      rounds.push(summary);
      log.info("round", { ...summary, stateHashes: undefined, myStateHash: stateHashes[myName] });

      // Keep only this round's updates for peers that fetch late.
      for (const h of [...local.keys()]) if (!commitments.some((c) => c.updateHash === h)) local.delete(h);
      await blobs.prune(new Set([traj.updateHash]));
      await finalizeDue(committed, nowSeconds());
    }

    // Settle: finalize the remaining commitments after their dispute windows, then claim.
    const last = committed.at(-1);
    if (last) await sleepUntil(Number(roundSchedule(spec, last.round).disputeEnd) + 1, signal);
    await finalizeDue(committed, Infinity);
    const claimed = await claimOwed(publicClient, wallet, opts.coordinator, opts.runId);
    const earnings = await publicClient.readContract({ address: opts.coordinator, abi: runCoordinatorAbi, functionName: "earningsOf", args: [opts.runId, me] });
    log.info("settled", { credits: earnings.credits, claimed });
    const result: TrainerSummary = {
      address: me,
      shard: myName,
      backend: backend.name,
      rounds,
      accuracy: rounds.at(-1)?.accuracy ?? 0,
      stateHashes: rounds.at(-1)?.stateHashes ?? {},
      credits: earnings.credits.toString(),
      rewards: claimed.toString(),
    };
    if (opts.report) writeFileSync(opts.report, `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    subscription.stop();
    await node.stop();
    await journal.close();
  }

  async function stakingOf(): Promise<Address> {
    return publicClient.readContract({ address: opts.coordinator, abi: runCoordinatorAbi, functionName: "staking" });
  }

  async function finalizeDue(committed: { round: bigint; claim: { root: Hex; updateHash: Hex; samples: bigint } }[], now: number) {
    while (committed.length > 0 && now >= Number(roundSchedule(spec, committed[0]!.round).disputeEnd) + 1) {
      const c = committed.shift()!;
      if (await finalizeOwn(publicClient, wallet, opts.coordinator, opts.runId, c.round, c.claim)) log.info("finalized", { round: c.round });
    }
  }
}
