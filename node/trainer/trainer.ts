// A trainer peer: stakes, joins a shard, and every round trains it, commits, exchanges updates over
// libp2p and aggregates them with CenteredClip; then finalizes and claims what it earned. A restarted or
// late trainer first catches up on S_r (its saved model, else the state the majority committed to).
import { performance } from "node:perf_hooks";
import { writeFileSync } from "node:fs";
import type { PeerId } from "@libp2p/interface";
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ChainError, commitRound, connect, ensureStake, joinRun, readRun, runCoordinatorAbi } from "../../lib/chain/index.ts";
import { canonicalStateBytes, CommitStatus, decodeStateBytes, gameSeconds, roundSchedule, Role, stateHash, VerificationMode } from "../../lib/core/index.ts";
import { DEFAULT_MOE_SPEC, evaluate, initModel, loadMnist, trainingSetCount, trainingSetRoot, paramsOf, selectBackend, type BackendPreference, type ModelState } from "../../lib/ml/index.ts";
import { BlobKind, createVerihiveNode, peerIdentityFromEthKey, publishAnnouncement, signedAnnouncement, subscribeAnnouncements } from "../../lib/p2p/index.ts";
import { checkDataset, checkModel, modelSeed, type RoundContext, shardIndex, shardName, stateArrays, stateShapes, stateSizes, stepConfigFor, trainRound, updateRootOf } from "../../lib/protocol/index.ts";
import type { Logger } from "../log.ts";
import { BlobStore, Journal } from "../journal.ts";
import { ChainClock } from "../peer/clock.ts";
import { roundCommitments } from "../peer/commitments.ts";
import { candidatePeers, fetchFromAny, updateVerifier, type FetchContext } from "../peer/fetch.ts";
import { createProgress } from "../progress.ts";
import type { TrainerAttack } from "./attacks/types.ts";
import { announceAndCommit } from "./announce-commit.ts";
import { RejectionLog, TrainerSeats, type Seat } from "../peer/gossip-guard.ts";
import { claimOwed, committedClaimOf, ensureRoundSeed, finalizeOwn } from "./chain-view.ts";
import { startingPoint } from "./catch-up.ts";
import { modelKeys, saveModel } from "./model-file.ts";
import { journalCommitIntent, restoreRound } from "./game-restore.ts";
import { startGameAnswers } from "./game-rounds.ts";
import { aggregateRound, retentionRounds } from "./round-work.ts";
import { ServedData, type CommittedClaim } from "./served.ts";

export interface TrainerOptions {
  rpc: string;
  privateKey: Hex;
  coordinator: Address;
  game?: Address; // the DisputeGame contract: the trainer answers the games opened against it
  runId: bigint;
  shard: string;
  /** Tokens the trainer may stake if its free stake is below the run's minimum. */
  stake: bigint;
  listen: string[];
  bootstrap: string[];
  backend: BackendPreference;
  /** Write a JSON summary here when the run ends. */
  report?: string;
  /** Journal, blobs and the latest model live here (created if missing). */
  dataDir: string;
  /** Test images to evaluate on each round (default: all 10,000). */
  evalLimit?: number;
  fetchTimeoutMs?: number;
  /** An attack under test (`--attack`); honest trainers have none. */
  attack?: TrainerAttack;
  /** Draw a progress line on the terminal (stderr). */
  progress?: boolean;
  /** How updates are combined: CenteredClip (default) or the undefended plain mean (for measurements only). */
  aggregation?: "centered-clip" | "mean";
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
  committed: boolean;
  stateHashes: Record<string, Hex>;
}

export interface TrainerSummary {
  address: Address;
  shard: string;
  backend: string;
  attack: string | null;
  rounds: RoundSummary[];
  accuracy: number;
  stateHashes: Record<string, Hex>;
  credits: string;
  rewards: string;
  /** Removed from the run (slashed for fraud or withholding) before its end. */
  removed: boolean;
  /** It started from its saved model or from the peers' state rather than from S_0. */
  caughtUp: boolean;
  cpuSeconds: number;
  /** CPU seconds spent before its first round (Node, tfjs, MNIST, chain and libp2p set-up): fixed per process. */
  startupCpuSeconds: number;
}

export async function runTrainer(opts: TrainerOptions, signal: AbortSignal): Promise<TrainerSummary> {
  const progress = createProgress(opts.progress === true, "trainer");
  const log = progress.wrap(opts.log);
  const backend = await selectBackend(opts.backend);
  log.info("backend", { backend: backend.name, detail: backend.detail });

  const { publicClient, wallet, chainId } = await connect({ rpc: opts.rpc, privateKey: opts.privateKey });
  const me = wallet.account.address;
  const run = await readRun(publicClient, { coordinator: opts.coordinator, runId: opts.runId });
  const spec = run.spec;
  const moe = { ...DEFAULT_MOE_SPEC, experts: spec.shards - 1 };
  const config = stepConfigFor(spec, moe);
  const myShard = shardIndex(opts.shard, moe);
  const myName = shardName(myShard, moe);
  const keep = retentionRounds(spec);
  const read = <T>(functionName: string, args: unknown[]) =>
    publicClient.readContract({ address: opts.coordinator, abi: runCoordinatorAbi, functionName, args } as never) as Promise<T>;
  log.info("run", { runId: opts.runId, shards: spec.shards, rounds: spec.rounds, localSteps: spec.localSteps, account: me, chainId, attack: opts.attack?.name });
  // Exact mode trains on the reference kernels whatever the tfjs backend (which then only evaluates).
  log.info("arithmetic", { arithmetic: config.arithmetic, detail: config.arithmetic === "reference" ? "reference kernels (binary32, fixed order, WebAssembly SIMD)" : backend.detail });
  log.info("content", { dataset: checkDataset(spec, trainingSetRoot(), trainingSetCount()), model: checkModel(spec, moe) }); // refuses a local MNIST or model that is not the run's, before staking

  const staked = await ensureStake(publicClient, wallet, { staking: await read<Address>("staking", []), needed: spec.minTrainerStake, allowance: opts.stake });
  if (staked.staked > 0n) log.info("staked", { amount: staked.staked });
  if (await joinRun(publicClient, wallet, { coordinator: opts.coordinator, runId: opts.runId, role: "trainer", shard: myShard })) log.info("joined", { shard: myName });

  // What was committed is journaled (with its checkpoint hashes) before it is announced or sent, and the
  // update and checkpoints are on disk: a restart re-serves them, never commits a second root, and
  // finalizes what it committed.
  const journal = await Journal.open(opts.dataDir);
  const blobs = await BlobStore.open(opts.dataDir, { maxBlobBytes: 64 * 1024 * 1024 });
  const served = new ServedData(blobs, { servesAuditData: opts.attack?.servesAuditData ?? true });
  const committed = served.fromJournal(journal, opts.runId);
  if (committed.length > 0) log.info("journal", { records: journal.records().length, committedRounds: committed.map((c) => c.round) });

  // One identity: the libp2p key is the account's key.
  const identity = peerIdentityFromEthKey(opts.privateKey);
  const node = await createVerihiveNode({ privateKey: identity.privateKey, listen: opts.listen, bootstrap: opts.bootstrap, blobs: { store: served }, signal });
  log.info("listening", { peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map(String) });
  const peerByAddress = new Map<string, PeerId>();
  /** Update hashes other trainers announced, by "round:shard:signer" (a free-rider under test copies one). */
  const announcedUpdates = new Map<string, Hex>();
  // Cached, rate-limited seat checks and summarized rejections: a flood costs little (REVIEW 8).
  const seats = new TrainerSeats((address) => read<Seat>("participantOf", [opts.runId, address]));
  const rejections = new RejectionLog(log);
  const peerOf = (t: Address) => peerByAddress.get(t.toLowerCase());
  let currentRound = 0n;
  const subscription = subscribeAnnouncements(node.services.pubsub, {
    runId: opts.runId,
    chainId,
    coordinator: opts.coordinator,
    isKnownTrainer: (address, shard) => seats.isKnownTrainer(address, shard),
    minRound: () => (currentRound > 0n ? currentRound - 1n : 0n),
    onAnnouncement: ({ signer, announcement }, from) => {
      peerByAddress.set(signer.toLowerCase(), from);
      if (signer.toLowerCase() !== me.toLowerCase()) announcedUpdates.set(`${announcement.round}:${announcement.shard}:${signer.toLowerCase()}`, announcement.updateHash);
    },
    onReject: (peer, reason, detail) => rejections.note(peer.toString(), reason, detail.message),
  });
  const slowPeers = new Set<string>(); // peers that let a fetch time out are asked last, for the whole run
  const fetchCtx = (): FetchContext => ({
    node,
    banned: new Set(),
    slow: slowPeers,
    timeoutMs: opts.fetchTimeoutMs ?? 10_000,
    log,
    signal,
    ownData: (key) => served.own(key),
  });
  const clock = new ChainClock();
  const train = opts.attack?.trainingData ? opts.attack.trainingData(loadMnist("train")) : loadMnist("train");
  const stepConfig = () => (opts.attack?.stepConfig ? opts.attack.stepConfig(config, spec.checkpointInterval) : config);
  const seedOf = async (r: bigint) => (await read<{ seed: Hex }>("roundOf", [opts.runId, r])).seed; // games on rounds before a restart: from the journal
  const restore = (round: bigint) => restoreRound({ journal, blobs, runId: opts.runId, trainer: me, shard: myShard, moe, spec, dataset: () => train, seedOf, stepConfig }, round);
  // Blind attestations are accused in exact mode (PROTOCOL.md 7.3); a trainer under an attack never accuses (a
  // cheater would not: the verifier it accuses replays and shows its fraud).
  const accusations = spec.mode === VerificationMode.Exact && !opts.attack ? { accusations: { coordinator: opts.coordinator, spec, journal } } : {};
  const games = opts.game ? startGameAnswers({ client: publicClient, wallet, game: opts.game, runId: opts.runId, trainer: me, fromBlock: run.createdAtBlock, journal, log, moe, batchSize: spec.batchSize, config, keepRounds: keep, restore, ...accusations }) : undefined;

  try {
    const test = loadMnist("test");
    const initial = initModel(modelSeed(opts.runId, spec.modelHash), moe);
    const rounds: RoundSummary[] = [];
    const local = new Map<Hex, Uint8Array>();
    let removed = false;
    let previousShardUpdates: Float32Array[][] = [];
    let ownPrevious: Float32Array[] | undefined;

    const startupCpu = process.cpuUsage(); // since the process started: module loading and set-up
    // Where to start, and from which S_r (node/trainer/catch-up.ts).
    await clock.sync(publicClient);
    const start = await startingPoint({
      client: publicClient,
      coordinator: opts.coordinator,
      runId: opts.runId,
      spec,
      moe,
      fromBlock: run.createdAtBlock,
      dataDir: opts.dataDir,
      blobs,
      clock,
      initial,
      fetch: fetchCtx,
      peerOf,
      local,
      aggregation: opts.aggregation ?? "centered-clip",
      myName,
      log,
      signal,
    });
    const first = start.round;
    let state: ModelState = start.state;
    let savedHashes = start.savedHashes;
    const caughtUp = start.caughtUp;

    for (let r = first; r < BigInt(spec.rounds); r++) {
      currentRound = r;
      const sched = roundSchedule(spec, r);
      await clock.sync(publicClient);
      await clock.sleepUntil(Number(sched.opensAt) + 1, signal);
      const seat = await read<{ role: number; active: boolean; banned: boolean }>("participantOf", [opts.runId, me]);
      if (!seat.active || seat.role !== Role.Trainer) {
        removed = true;
        log.warn("removed from the run", { round: r, banned: seat.banned });
        break;
      }
      const roundSeed = await ensureRoundSeed(publicClient, wallet, opts.coordinator, opts.runId, r);

      log.info("training", { round: r, shard: myName });
      progress.update({ round: `${r + 1n}/${spec.rounds}`, phase: "training" });
      const t0 = performance.now();
      const segments = spec.localSteps / spec.checkpointInterval;
      let done = 0;
      const attack = opts.attack;
      const ctx: RoundContext = {
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
        config: stepConfig(),
      };
      const traj = await trainRound(
        ctx,
        state[myName]!,
        {
          pause: () => {
            progress.update({ phase: `training ${Math.round((100 * ++done) / segments)}%` });
            return new Promise((resolve) => setImmediate(resolve));
          },
        },
      );
      const samplesPerSecond = Number(traj.samples) / ((performance.now() - t0) / 1000);
      // An attack under test may commit another update than its trajectory's (alie, ipm, stale, free-ride).
      const replaced = attack?.replaceUpdate
        ? await attack.replaceUpdate(r, { honest: traj.delta, previousRound: previousShardUpdates, ownPrevious, peerUpdate: (ms) => peerUpdate(r, ms) })
        : undefined;
      const updateBytes = replaced ? canonicalStateBytes(replaced) : traj.updateBytes;
      const updateHash = replaced ? updateRootOf(replaced, stateShapes(myName, moe)) : traj.updateHash;
      ownPrevious = replaced ?? traj.delta;
      const claim: CommittedClaim["claim"] = { root: traj.root, updateHash, samples: traj.samples };

      // Journal, then persist what will be served, then announce and commit.
      const journaled = journal.last("commit-intent", (rec) => rec.runId === opts.runId.toString() && rec.round === r.toString());
      if (journaled && journaled.root !== traj.root) {
        throw new Error(`the journal holds another commitment for round ${r} (${String(journaled.root)}): refusing to equivocate`);
      }
      if (!journaled) {
        const frozen = await journalCommitIntent(journal, blobs, { runId: opts.runId, round: r, claim, checkpointRoots: traj.checkpointRoots, checkpoints: traj.checkpoints, updateBytes }, state, savedHashes);
        served.persisted(r, Object.values(frozen)); // S_r, kept on disk for the round's games
      }
      local.set(updateHash, updateBytes);
      await served.ownUpdate(r, updateHash, updateBytes);
      await served.ownTrajectory(r, traj.root, traj.checkpoints.map((c, i) => ({ root: traj.checkpointRoots[i]!, arrays: stateArrays(c) })));
      const shown = attack?.announced ? attack.announced(r, claim) : claim;
      const published = await announceAndCommit(r, claim, {
        committed: () => committedClaimOf(publicClient, opts.coordinator, opts.runId, r, me, run.createdAtBlock),
        announce: async () => void (await publishAnnouncement(node.services.pubsub, await signedAnnouncement(privateKeyToAccount(opts.privateKey), chainId, opts.coordinator, { runId: opts.runId, shard: myShard, round: r, ...shown }))),
        canCommit: () => clock.now() < Number(sched.commitDeadline) - 1,
        commit: async () => {
          const tx = await commitRound(publicClient, wallet, { coordinator: opts.coordinator, runId: opts.runId, round: r, ...claim });
          await journal.append("commit-confirmed", { runId: opts.runId.toString(), round: r.toString(), tx });
          return tx;
        },
        log,
      });
      const didCommit = published.outcome === "committed" || published.outcome === "already-committed";
      if (didCommit && !committed.some((c) => c.round === r)) committed.push({ round: r, claim });
      if (didCommit) games?.remember(r, { ctx, checkpoints: traj.checkpoints, checkpointRoots: traj.checkpointRoots, tree: traj.tree, update: ownPrevious, stepConfig });

      progress.update({ phase: "exchanging updates" });
      await clock.sleepUntil(Number(sched.commitDeadline) + 1, signal);
      const commitments = await roundCommitments(publicClient, opts.coordinator, opts.runId, r, run.createdAtBlock);
      const agg = await aggregateRound({ fetch: fetchCtx(), state, commitments, shards: spec.shards, moe, local, peerOf, aggregation: opts.aggregation ?? "centered-clip" });
      previousShardUpdates = agg.updatesByShard[myName] ?? [];
      for (const c of commitments) {
        const bytes = local.get(c.updateHash);
        if (bytes) served.update(r, c.updateHash, bytes);
      }
      state = agg.next;
      savedHashes = await saveModel(opts.dataDir, blobs, opts.runId, r + 1n, state);
      served.model(r + 1n, state, moe);
      const stateHashes = Object.fromEntries(Object.entries(state).map(([n, s]) => [n, stateHash(stateArrays(s))]));
      const { accuracy } = evaluate(state, test, { spec: moe, ...(opts.evalLimit ? { limit: opts.evalLimit } : {}) });
      const summary: RoundSummary = {
        round: Number(r),
        loss: traj.meanLoss,
        accuracy,
        samplesPerSecond,
        peers: node.getPeers().length,
        included: agg.included,
        missing: agg.missing,
        committed: didCommit,
        stateHashes,
      };
      rounds.push(summary);
      log.info("round", { ...summary, stateHashes: undefined, myStateHash: stateHashes[myName] });

      // Keep serving what audits, disputes and catching-up peers may still ask for.
      for (const h of [...local.keys()]) if (!commitments.some((c) => c.updateHash === h)) local.delete(h);
      await served.pruneBefore(r + 1n - keep, modelKeys(savedHashes));
      await finalizeDue(committed, clock.now());
      const earnings = await read<{ credits: bigint }>("earningsOf", [opts.runId, me]);
      progress.update({ phase: "done", loss: traj.meanLoss.toFixed(3), acc: accuracy.toFixed(4), "samples/s": Math.round(samplesPerSecond), peers: summary.peers, credits: earnings.credits.toString() });
    }

    // Settle: finalize the remaining commitments after their dispute windows, then claim.
    const last = committed.at(-1);
    if (last && !removed) await clock.sleepUntil(Number(roundSchedule(spec, last.round).disputeEnd) + 1, signal);
    if (!removed) {
      // A commitment under dispute is finalized once its jury acquits or its games end (never, if it is found
      // guilty); meanwhile the game answers go on.
      const giveUp = clock.now() + Math.max(spec.juryCommitWindow + spec.juryRevealWindow, gameSeconds(spec)) + 60;
      while ((await finalizeDue(committed, Infinity)) > 0 && clock.now() < giveUp) {
        log.info("waiting to finalize", { rounds: committed.map((c) => c.round) });
        await clock.sleepUntil(clock.now() + 2, signal);
      }
    }
    const claimed = await claimOwed(publicClient, wallet, opts.coordinator, opts.runId);
    const earnings = await read<{ credits: bigint }>("earningsOf", [opts.runId, me]);
    log.info("settled", { credits: earnings.credits, claimed, removed });
    const cpu = process.cpuUsage(); // the whole process, module loading included
    const result: TrainerSummary = {
      address: me,
      shard: myName,
      backend: backend.name,
      attack: opts.attack?.name ?? null,
      rounds,
      accuracy: rounds.at(-1)?.accuracy ?? 0,
      stateHashes: rounds.at(-1)?.stateHashes ?? {},
      credits: earnings.credits.toString(),
      rewards: claimed.toString(),
      removed,
      caughtUp,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      startupCpuSeconds: (startupCpu.user + startupCpu.system) / 1e6,
    };
    if (opts.report) writeFileSync(opts.report, `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    await games?.stop();
    progress.stop();
    subscription.stop();
    await node.stop();
    await journal.close();
  }

  /** Another trainer's update of `round` in this shard, once announced and served (what a free-rider copies). */
  async function peerUpdate(round: bigint, timeoutMs: number): Promise<Float32Array[] | undefined> {
    const deadline = Date.now() + timeoutMs;
    const prefix = `${round}:${myShard}:`;
    while (Date.now() < deadline) {
      for (const [key, hash] of announcedUpdates) {
        if (!key.startsWith(prefix)) continue;
        const bytes = await fetchFromAny(fetchCtx(), candidatePeers(fetchCtx(), peerByAddress.get(key.slice(prefix.length))), hash, { kind: BlobKind.Update, maxBytes: 4 * stateSizes(myName, moe).reduce((a, b) => a + b, 0), verify: updateVerifier(hash, stateShapes(myName, moe)) }, { copy: key });
        if (bytes) return decodeStateBytes(bytes, stateSizes(myName, moe));
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return undefined;
  }

  /**
   * Finalizes due commitments; one still Disputed (an acquittal makes it final) or refused for another reason
   * than a ban stays in `list` for later. Returns how many stayed.
   */
  async function finalizeDue(list: CommittedClaim[], now: number) {
    list.sort((a, b) => (a.round < b.round ? -1 : 1));
    const waiting: CommittedClaim[] = [];
    while (list.length > 0 && now >= Number(roundSchedule(spec, list[0]!.round).disputeEnd) + 1) {
      const c = list.shift()!;
      try {
        if (await finalizeOwn(publicClient, wallet, opts.coordinator, opts.runId, c.round, c.claim)) log.info("finalized", { round: c.round });
        else if ((await read<number>("statusOf", [opts.runId, c.round, me])) === CommitStatus.Disputed) waiting.push(c);
      } catch (e) {
        // Too early for the chain (its latest block may lag our clock) is worth another try; a ban is not.
        const banned = e instanceof ChainError && e.context.errorName === "TrainerBanned";
        log.warn("finalize failed", { round: c.round, reason: (e as Error).message, retry: !banned });
        if (!banned) waiting.push(c);
      }
    }
    list.unshift(...waiting);
    return waiting.length;
  }
}
