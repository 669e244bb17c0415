// A verifier peer: stakes, takes a verifier seat, and follows the run from the chain's logs: audits the
// commitments the chain assigns to it (attest, challenge, reportUnavailable), sits on juries, pokes the
// anyone-callable steps (openAudits, drawJury, resolve), proves equivocation from gossip, and at the end
// claims its fees and writes summary.json. docs/VERIFIER.md describes the procedure.
import { writeFileSync } from "node:fs";
import type { PeerId } from "@libp2p/interface";
import type { Address, Hex } from "viem";
import { connect, ensureStake, joinRun, readRun, runCoordinatorAbi } from "../lib/chain/index.ts";
import { VerihiveError } from "../lib/core/errors.ts";
import { gameSeconds, ReferenceBackend, roundSchedule, VerificationMode, type RunSpec } from "../lib/core/spec.ts";
import { DEFAULT_MOE_SPEC, initModel, selectBackend, trainingSetCount, trainingSetRoot, type BackendKind, type BackendPreference } from "../lib/ml/index.ts";
import { BootstrapError, createVerihiveNode, peerIdentityFromEthKey, subscribeAnnouncements, type AnnouncementSubscription, type VerihiveNode } from "../lib/p2p/index.ts";
import { checkDataset, checkModel, modelSeed } from "../lib/protocol/index.ts";
import { BlobStore, Journal } from "../node/journal.ts";
import type { Logger } from "../node/log.ts";
import { ChainClock, sleep } from "../node/peer/clock.ts";
import { roundCommitments } from "../node/peer/commitments.ts";
import type { FetchContext } from "../node/peer/fetch.ts";
import { RejectionLog, TrainerSeats } from "../node/peer/gossip-guard.ts";
import { createProgress } from "../node/progress.ts";
import type { VerifierAttack } from "./misbehaviour.ts";
import { Auditor } from "./audit.ts";
import { VerifierChain } from "./chain-actions.ts";
import { ChainFollower, coordinatorLogSource, cursorFile, type CoordinatorLog } from "./chain-follower.ts";
import { DisputeBook } from "./disputes.ts";
import { EquivocationWatcher } from "./equivocation.ts";
import type { EvidenceEnv } from "./evidence.ts";
import { VerifierGames } from "./games.ts";
import { Jury } from "./jury.ts";
import { chainRoundSource, ModelTracker } from "./model.ts";
import { IDLE_POLL_FACTOR, pollDelayMs } from "./poll.ts";
import { RoundData } from "./round-data.ts";
import { ServedEvidence } from "./served.ts";
import { withRetry } from "./retry.ts";
import { Stats, type VerifierSummary } from "./stats.ts";
import type { VerifyEnv } from "./verify.ts";

export interface VerifierOptions {
  rpc: string;
  privateKey: Hex;
  coordinator: Address;
  runId: bigint;
  /** Tokens the verifier may stake if its free stake is below the run's minimum. */
  stake: bigint;
  listen: string[];
  bootstrap: string[];
  /** "auto" replays on the run's reference backend. */
  backend: BackendPreference;
  /** Journal, cursor and evidence live here (created if missing). */
  dataDir: string;
  /** Write the JSON summary here when the run ends. */
  report?: string;
  /** Deadline of one blob fetch from one peer (default 10 s). */
  fetchTimeoutMs?: number;
  /** How often the chain is polled and duties are checked around audits and disputes (default 1 s: deadlines are windows of seconds). */
  pollMs?: number;
  /** How often elsewhere (default 4 × pollMs; verifier/poll.ts). */
  idlePollMs?: number;
  /** Draw a progress line on the terminal (stderr). */
  progress?: boolean;
  /** Misbehaviour under test (`--attack lazy|false-challenge`); honest verifiers have none. */
  attack?: VerifierAttack;
  /** `--watch BPS`: replay this share of the audits assigned to other verifiers, and dispute by a game what fails. */
  watchBps?: number;
  /** The DisputeGame contract: exact-mode frauds are settled by games this verifier plays (else by juries). */
  game?: Address;
  log: Logger;
}

/** The verifier cannot run as asked (its backend would disagree with the run's reference). */
export class VerifierError extends VerihiveError {
  override name = "VerifierError";
}

/** Seconds kept free before a deadline for the transaction: a quarter of the window, 1 to 5 s. */
export function marginFor(windowSeconds: number): number {
  return Math.min(5, Math.max(1, windowSeconds / 4));
}

/** When a verifier of the run is done: the last dispute window and the juries of the last audits are over. */
export function runEnd(spec: RunSpec): number {
  const last = roundSchedule(spec, BigInt(spec.rounds - 1));
  return Math.max(Number(last.disputeEnd), Number(last.auditEnd) + spec.juryCommitWindow + spec.juryRevealWindow) + 1;
}

/** Rounds of data a verifier keeps (and serves) after the current one: a game opened at auditEnd may need them. */
function retention(spec: RunSpec): bigint {
  const tail = spec.auditWindow + Math.max(spec.disputeWindow + spec.juryCommitWindow + spec.juryRevealWindow, gameSeconds(spec));
  return BigInt(Math.max(2, Math.ceil(tail / spec.roundLength) + 1));
}

/** The tfjs backend a tolerance-mode run replays on. */
function referenceKind(spec: RunSpec): BackendKind {
  const entry = Object.entries(ReferenceBackend).find(([, v]) => v === spec.referenceBackend);
  if (!entry || entry[0] === "kernels") {
    throw new VerifierError(`the tolerance-mode run names reference backend ${spec.referenceBackend}, which is not a tfjs backend this verifier knows (0 cpu, 1 wasm, 2 node, 3 gpu)`);
  }
  return entry[0] as BackendKind;
}

export async function runVerifier(opts: VerifierOptions, signal: AbortSignal): Promise<VerifierSummary> {
  const progress = createProgress(opts.progress === true, "verifier");
  const log = progress.wrap(opts.log);
  const pollMs = opts.pollMs ?? 1000;
  const idlePollMs = opts.idlePollMs ?? IDLE_POLL_FACTOR * pollMs;

  const { publicClient, wallet, chainId } = await connect({ rpc: opts.rpc, privateKey: opts.privateKey });
  const chain = new VerifierChain(publicClient, wallet, opts.coordinator, opts.runId);
  const me = chain.me;
  const run = await readRun(publicClient, { coordinator: opts.coordinator, runId: opts.runId });
  const spec = run.spec;
  const moe = { ...DEFAULT_MOE_SPEC, experts: spec.shards - 1 };
  log.info("run", { runId: opts.runId, shards: spec.shards, rounds: spec.rounds, mode: spec.mode === VerificationMode.Exact ? "exact" : "tolerance", account: me, chainId });

  // Exact mode replays on the reference kernels (lib/kernels), the same bits on every machine, whatever the
  // tfjs backend. Tolerance mode replays on the run's reference tfjs backend.
  const exact = spec.mode === VerificationMode.Exact;
  const reference = exact ? "kernels" : referenceKind(spec);
  const wanted = exact || opts.backend !== "auto" ? opts.backend : (reference as BackendKind);
  const backend = await selectBackend(wanted);
  log.info("backend", { backend: backend.name, detail: backend.detail, reference });
  // Replays read the local MNIST and games open the run's programs: refuse before staking if either is not the run's.
  const dataset = checkDataset(spec, trainingSetRoot(), trainingSetCount());
  log.info("content", { dataset: { root: dataset.root, checked: dataset.checked }, model: checkModel(spec, moe) });

  const staking = await publicClient.readContract({ address: opts.coordinator, abi: runCoordinatorAbi, functionName: "staking" });
  const staked = await ensureStake(publicClient, wallet, { staking, needed: spec.minVerifierStake, allowance: opts.stake });
  if (staked.staked > 0n) log.info("staked", { amount: staked.staked });
  if (await joinRun(publicClient, wallet, { coordinator: opts.coordinator, runId: opts.runId, role: "verifier" })) log.info("joined", { role: "verifier" });
  await chain.ensureBond(spec.challengeBond).catch((e: Error) => log.warn("cannot post challenge bonds", { reason: e.message }));

  const journal = await Journal.open(opts.dataDir);
  let node: VerihiveNode | undefined;
  let subscription: AnnouncementSubscription | undefined;
  try {
    const blobs = await BlobStore.open(opts.dataDir, { maxBlobBytes: 64 * 1024 * 1024 });
    const served = new ServedEvidence(blobs, journal, opts.runId);
    const stats = new Stats(journal, opts.runId);
    if (stats.audits + stats.votes > 0) log.info("journal", { records: journal.records().length, ...stats.fields() });

    const identity = peerIdentityFromEthKey(opts.privateKey);
    // A bootstrap peer that is slow to answer (a loaded machine, a peer still starting) is tried again.
    const p2p = await withRetry(() => createVerihiveNode({ privateKey: identity.privateKey, listen: opts.listen, bootstrap: opts.bootstrap, blobs: { store: served }, signal }), {
      signal,
      maxAttempts: 5,
      backoff: { initialMs: 1_000, maxMs: 8_000, factor: 2, jitter: 0.2 },
      retryable: (e) => e instanceof BootstrapError,
      onRetry: (e, attempt, delayMs) => log.warn("bootstrap failed", { attempt: attempt + 1, delayMs, failures: (e as BootstrapError).context.failures }),
    });
    node = p2p;
    log.info("listening", { peerId: p2p.peerId.toString(), addrs: p2p.getMultiaddrs().map(String) });

    const clock = new ChainClock();
    const peerByAddress = new Map<string, PeerId>();
    const peerOf = (t: Address) => peerByAddress.get(t.toLowerCase());
    let banned = new Set<string>();
    const slow = new Set<string>(); // peers that let a fetch time out: asked last, for the whole run (REVIEW 10)
    const fetch = (): FetchContext => ({ node: p2p, banned, slow, timeoutMs: opts.fetchTimeoutMs ?? 10_000, log, signal });
    const evidence: EvidenceEnv = { fetch, served, clock, peerOf, retryMs: 1_000, signal };
    const initial = initModel(modelSeed(opts.runId, spec.modelHash), moe);
    // The run as chain readers see it (logs are read from its creation block).
    const runRef = { client: publicClient, coordinator: opts.coordinator, runId: opts.runId, spec, moe, fromBlock: run.createdAtBlock };
    const rounds: RoundData = new RoundData({
      ...runRef,
      initial,
      recorded: (r) => model.record(r),
      evidence,
      log,
    });
    const model: ModelTracker = new ModelTracker({
      runId: opts.runId,
      spec,
      moe,
      initial,
      source: chainRoundSource({ ...runRef, evidence, agreed: (r, deadline) => rounds.agreed(r, deadline) }),
      serve: (r, hash, blob) => served.keep(r, hash, blob),
      blobs,
      journal,
      log,
    });
    const loaded = await model.load();
    if (loaded !== undefined) log.info("model record loaded", { round: loaded });
    const verify: VerifyEnv = { spec, moe, rounds, evidence };
    const report = () => void reportProgress().catch(() => undefined);
    const games = opts.game
      ? new VerifierGames({ spec, moe, chain, game: opts.game, runId: opts.runId, fromBlock: run.createdAtBlock, rounds, evidence, stats, journal, onChange: report, log })
      : undefined;
    if (!games && exact) log.warn("no --game given: this verifier can attest, but not dispute, in an exact-mode run (disputes are games only)");
    const auditor = new Auditor({
      spec,
      chain,
      clock,
      rounds,
      verify,
      served,
      stats,
      commitmentsOf: async (r) => (await roundCommitments(publicClient, opts.coordinator, opts.runId, r, run.createdAtBlock)).map((c) => ({ ...c, runId: opts.runId, round: r })),
      marginSeconds: marginFor(spec.auditWindow),
      onChange: report,
      ...(opts.attack ? { attack: opts.attack } : {}),
      ...(games ? { games } : {}),
      ...(opts.watchBps ? { watchBps: opts.watchBps } : {}),
      log,
      signal,
    });
    const jury = new Jury({ spec, chain, clock, rounds, verify, stats, marginSeconds: marginFor(spec.juryCommitWindow), pollMs, onChange: report, ...(opts.attack ? { attack: opts.attack } : {}), log, signal });
    const disputes = new DisputeBook({ runId: opts.runId, client: publicClient, coordinator: opts.coordinator, fromBlock: run.createdAtBlock, chain, clock, jury, stats, onChange: report, log });
    const equivocation = new EquivocationWatcher({
      runId: opts.runId,
      spec,
      chain,
      journal,
      clock,
      commitmentOf: (r, t) => rounds.commitment(r, t),
      onProved: () => (stats.countEquivocation(), report()),
      log,
    });

    const currentRound = (): bigint => {
      const now = BigInt(Math.floor(clock.now()));
      if (now < spec.startTime) return 0n;
      const r = (now - spec.startTime) / BigInt(spec.roundLength);
      return r < BigInt(spec.rounds) ? r : BigInt(spec.rounds - 1);
    };
    // Cached, rate-limited seat checks and summarized rejections: a flood costs little (REVIEW 8).
    const seats = new TrainerSeats((address) => chain.participantOf(address));
    const rejections = new RejectionLog(log);
    subscription = subscribeAnnouncements(p2p.services.pubsub, {
      runId: opts.runId,
      chainId,
      coordinator: opts.coordinator,
      isKnownTrainer: (address, shard) => seats.isKnownTrainer(address, shard),
      minRound: () => (currentRound() > 0n ? currentRound() - 1n : 0n),
      onAnnouncement: async ({ announcement: a, signer }, from) => {
        peerByAddress.set(signer.toLowerCase(), from);
        await equivocation
          .onAnnouncement({ round: a.round, trainer: signer, shard: a.shard, root: a.root, updateHash: a.updateHash, signature: a.signature })
          .catch((e: Error) => log.warn("announcement not checked", { round: a.round, trainer: signer, reason: e.message }));
      },
      onReject: (peer, reason, detail) => rejections.note(peer.toString(), reason, detail.message),
    });

    // Round r's inclusion set, read at commitDeadline(r) + 1 s as the trainers read it, and what S_r the
    // majority of its manifests cannot give (verifier/model.ts).
    const advanced = new Set<bigint>();
    function advanceModel(): void {
      const now = clock.now();
      let r = -1n;
      while (r + 1n < BigInt(spec.rounds) && now >= Number(roundSchedule(spec, r + 1n).commitDeadline) + 1) r++;
      if (r < 0n || advanced.has(r)) return;
      advanced.add(r);
      const deadline = Number(roundSchedule(spec, r + 1n).commitDeadline);
      void model.advance(r, deadline).catch((e: Error) => {
        if (signal.aborted) return;
        log.warn("round not recorded", { round: r, error: e.name, reason: e.message });
        advanced.delete(r); // tried again at the next poll (late: the inclusion set is read after the deadline)
      });
    }

    async function reportProgress(): Promise<void> {
      const { owed } = await chain.earningsOf();
      const earned = owed + stats.claimed;
      progress.update({ round: `${currentRound() + 1n}/${spec.rounds}`, ...stats.fields(), earned: earned.toString() });
      log.info("progress", { round: currentRound(), ...stats.fields(), owed, claimed: stats.claimed });
    }

    async function onLogs(logs: CoordinatorLog[]): Promise<void> {
      for (const l of logs) {
        if (l.eventName === "RoundCommitted" && l.args.runId === opts.runId) {
          const a = l.args;
          const ref = { runId: a.runId, round: a.round, trainer: a.trainer, shard: a.shard, root: a.root, updateHash: a.updateHash, samples: a.samples };
          rounds.remember(ref);
          await equivocation.check(ref);
        } else if (l.eventName === "AuditsOpened" && l.args.runId === opts.runId) {
          auditor.tick();
        }
        await disputes.onLog(l);
      }
    }

    const follower = await ChainFollower.open({
      source: coordinatorLogSource(publicClient, opts.coordinator),
      file: cursorFile(opts.dataDir),
      key: `chain ${chainId}, coordinator ${opts.coordinator.toLowerCase()}, run ${opts.runId}`,
      startBlock: run.createdAtBlock,
      log,
    });
    await follower.checkHead(signal);
    log.info("following", { fromBlock: follower.cursor + 1n });
    await disputes.load(follower.cursor);

    const end = runEnd(spec);
    const hardEnd = end + Math.max(spec.juryCommitWindow + spec.juryRevealWindow, gameSeconds(spec)) + 60;
    let seenRound = -1n;
    const startupCpu = process.cpuUsage(); // since the process started: module loading and set-up
    for (;;) {
      signal.throwIfAborted();
      try {
        const head = await clock.sync(publicClient);
        await follower.poll(onLogs, signal, head);
      } catch (e) {
        signal.throwIfAborted();
        log.warn("chain poll failed", { reason: (e as Error).message.split("\n")[0] });
      }
      auditor.tick();
      disputes.tick();
      void games?.tick();
      advanceModel();
      const r = currentRound();
      if (r !== seenRound) {
        seenRound = r;
        banned = new Set();
        const keep = retention(spec);
        if (r > keep) {
          rounds.prune(r - keep);
          equivocation.book.prune(r - keep);
          await served.pruneBefore(r - keep, r - keep - 1n, model.keys());
        }
        report();
      }
      const now = clock.now();
      if (now >= end && !disputes.party && !games?.open) break;
      if (now >= hardEnd) {
        log.warn("leaving with disputes unresolved", { open: disputes.open, games: games?.open ?? 0 });
        break;
      }
      await sleep(pollDelayMs(spec, clock.now(), { pollMs, idlePollMs, openDisputes: disputes.open + (games?.open ?? 0) }), signal);
    }

    await auditor.idle();
    await jury.idle();
    await games?.tick();
    const claimed = await chain.claim();
    if (claimed > 0n) await stats.note("claimed", { amount: claimed.toString() });
    log.info("settled", { claimed, rewards: stats.claimed, ...stats.fields() });
    const cpu = process.cpuUsage(); // the whole process, module loading included
    const summary = stats.summary(me, (cpu.user + cpu.system) / 1e6, (startupCpu.user + startupCpu.system) / 1e6);
    if (opts.report) writeFileSync(opts.report, `${JSON.stringify(summary, null, 2)}\n`);
    return summary;
  } finally {
    progress.stop();
    subscription?.stop();
    await node?.stop();
    await journal.close();
  }
}
