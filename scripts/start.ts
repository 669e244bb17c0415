// npm start: the main job on an embedded default. Starts a Hardhat chain on 127.0.0.1, deploys the
// contracts, creates and funds a run (exact or tolerance verification), starts N trainer processes (the
// last K of them byzantine, each on its own tfjs backend if asked) and M verifier processes (the last J
// of them byzantine) that find each other over libp2p, optionally kills and restarts a trainer mid-round,
// waits for R rounds, and prints (and optionally writes) a report. `npm start -- --help` lists the flags;
// scripts/local-run/ holds the pieces.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import type { Address, Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { connect, deployVerihive, runCoordinatorAbi, stakeTokenAbi, startLocalChain, type LocalChain } from "../lib/chain/index.ts";
import { fundingFor } from "../lib/core/index.ts";
import { DEFAULT_MOE_SPEC, trainingSetRoot, type BackendPreference } from "../lib/ml/index.ts";
import { modelRoot } from "../lib/protocol/program-commit.ts";
import { ensureBundle } from "../node/bundle.ts";
import type { TrainerSummary } from "../node/trainer/trainer.ts";
import { creditsOf, gamesOf, slashesOf, slashRoundsOf } from "./local-run/chain-facts.ts";
import { parseStartOptions, trainerAttack, UsageError, USAGE, verifierAttack, type StartOptions } from "./local-run/options.ts";
import { PeerProcess, type LogRecord } from "./local-run/peer-process.ts";
import { buildReport, reportTable, type TrainerOutcome, type VerifierOutcome, type VerifierSummary } from "./local-run/report.ts";
import { AUTO_PACE_SHARE, measurePace, type MeasuredPace } from "./local-run/pace.ts";
import { localRunSpec, settledBy, SHARDS } from "./local-run/run-spec.ts";

const MNEMONIC = "test test test test test test test test test test test junk"; // Hardhat's development accounts
const account = (i: number) => mnemonicToAccount(MNEMONIC, { addressIndex: i });
const keyOf = (i: number): Hex => `0x${Buffer.from(account(i).getHdKey().privateKey!).toString("hex")}`;
const TOKEN = 10n ** 18n;
/** Seconds past the run's settlement before peers still running are stopped. */
const SETTLE_SLACK_S = 90;

const say = (line: string) => process.stderr.write(`${line}\n`);
const peers: PeerProcess[] = [];
let chain: LocalChain | undefined;

function stopAll(): void {
  for (const p of peers) p.signal("SIGTERM");
  chain?.stop();
}
process.on("SIGINT", () => {
  say("start: stopping (Ctrl-C)");
  stopAll();
  process.exit(130);
});

function readJson<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

const roundOf = (rec: LogRecord) => (rec.round === undefined ? undefined : Number(rec.round));

/** Echoes what a human wants to follow of a trainer's log. */
function trainerLine(label: string, rec: LogRecord, line: string): void {
  if (rec.event === "round") {
    const acc = typeof rec.accuracy === "number" ? rec.accuracy.toFixed(4) : "?";
    const loss = typeof rec.loss === "number" ? rec.loss.toFixed(3) : "?";
    say(`${label} round ${roundOf(rec)}: loss ${loss} accuracy ${acc}`);
  } else if (rec.level === "warn" || rec.level === "error" || rec.event === "removed from the run") {
    say(`${label}: ${line}`);
  }
}

const VERIFIER_EVENTS = new Set(["challenged", "unavailable-reported", "dispute-resolved", "equivocation-proved"]);
function verifierLine(label: string, rec: LogRecord, line: string): void {
  if (VERIFIER_EVENTS.has(rec.event ?? "") || rec.level === "warn" || rec.level === "error") say(`${label}: ${line}`);
}

/** --pace auto: the slowest of the trainers' backends, measured here before any peer starts. */
async function autoPace(backends: readonly string[]): Promise<number> {
  let slowest: MeasuredPace | undefined;
  for (const b of new Set(backends)) {
    const m = await measurePace(b as BackendPreference | "kernels");
    say(`start: pace: one core trains ${m.measured} steps/s on ${m.backend}; windows sized for ${m.pace} (${AUTO_PACE_SHARE * 100}%)`);
    if (!slowest || m.pace < slowest.pace) slowest = m;
  }
  return slowest!.pace;
}

async function main(o: StartOptions): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "verihive-start-"));
  const honest = o.trainers - o.byzantine;
  say(
    `start: ${o.trainers} trainers (${o.byzantine} byzantine${o.attack ? `: ${o.attack.names.join(", ")}` : ""}), ` +
      `${o.verifiers} verifiers (${o.byzantineVerifiers} byzantine${o.verifierAttacks ? `: ${o.verifierAttacks.join(",")}` : ""}), ${o.rounds} rounds, ` +
      `${o.undefended ? "UNDEFENDED (plain mean, no audits), " : ""}work dir ${dir}`,
  );
  // Exact mode trains and replays on the reference kernels (lib/kernels), whatever each peer's tfjs backend,
  // which then only evaluates; tolerance mode trains on each trainer's backend and replays on wasm.
  const pace = o.pace === "auto" ? await autoPace(o.mode === "exact" ? ["kernels"] : o.trainerBackends) : o.pace;
  // The peers' code as one bundle, built here once rather than by every peer at once (node/bundle.ts).
  const bundled = await ensureBundle();
  say(`start: peers load ${bundled ? "the bundled code (node/bundle.ts)" : "the sources (no bundle: VERIHIVE_NO_BUNDLE=1, or esbuild failed)"}`);
  chain = await startLocalChain();
  const rpc = chain.rpc;
  const owner = await connect({ rpc, privateKey: keyOf(0) });
  const d = await deployVerihive(owner.wallet, owner.publicClient, { unbondingPeriod: 30n * 86_400n });
  say(`start: chain ${rpc}, coordinator ${d.coordinator}`);
  // Accounts: 0 deploys, 1..N train, N+1..N+M verify.
  const trainerAccount = (i: number) => i + 1;
  const verifierAccount = (j: number) => o.trainers + 1 + j;
  for (let a = 1; a <= o.trainers + o.verifiers; a++) {
    const hash = await owner.wallet.writeContract({ address: d.token, abi: stakeTokenAbi, functionName: "transfer", args: [account(a).address, 1000n * TOKEN] });
    await owner.publicClient.waitForTransactionReceipt({ hash });
  }
  const block = await owner.publicClient.getBlock();
  // 20 s to start, plus 2 s for every peer past 6 sharing the machine's cores while they load.
  const lead = 20n + 2n * BigInt(Math.max(0, o.trainers + o.verifiers - 6));
  const shape = localRunSpec({ ...o, pace, startTime: block.timestamp + lead, cores: availableParallelism(), datasetRoot: trainingSetRoot() });
  // The run names its programs (PROTOCOL 3.10), which every peer checks before it stakes.
  const spec = { ...shape, modelHash: modelRoot(shape, { ...DEFAULT_MOE_SPEC, experts: shape.shards - 1 }) };
  await owner.publicClient.waitForTransactionReceipt({
    hash: await owner.wallet.writeContract({ address: d.token, abi: stakeTokenAbi, functionName: "approve", args: [d.coordinator, fundingFor(spec)] }),
  });
  await owner.publicClient.waitForTransactionReceipt({
    hash: await owner.wallet.writeContract({ address: d.coordinator, abi: runCoordinatorAbi, functionName: "createRun", args: [spec] }),
  });
  const runId = 1n;
  say(
    `start: run ${runId} created: ${spec.shards} shards, ${spec.localSteps} local steps x batch ${spec.batchSize}, rounds of ${spec.roundLength} s ` +
      `(commit ${spec.commitWindow} s, audit ${spec.auditWindow} s, dispute ${spec.disputeWindow} s), audit rate ${spec.auditRateBps / 100}%, jury ${spec.jurySize}, ` +
      (o.mode === "exact" ? "exact mode" : `tolerance mode (τ = ${o.toleranceMicros / 1e6})`),
  );

  const common = (role: string, key: number, dataDir: string, backend: string) => {
    const keyFile = join(dir, `${dataDir}.key`);
    writeFileSync(keyFile, keyOf(key), { mode: 0o600 });
    return ["node/cli.ts", role, "--rpc", rpc, "--key", keyFile, "--coordinator", d.coordinator, "--game", d.game, "--run", String(runId), "--backend", backend, "--log", "json", "--data-dir", join(dir, dataDir)];
  };
  /** Kills a peer with SIGKILL where `--crash` says (a trainer's round, or its first game move) and restarts it. */
  const crashWatch = (role: "trainer" | "verifier", index: number, label: string) => {
    const crashes = o.crashes.filter((c) => c.role === role && c.index === index).map((c) => ({ ...c, done: false }));
    return (rec: LogRecord, p: PeerProcess) => {
      const crash = crashes.find((c) => !c.done && (c.at === "game" ? rec.event === "game move" : rec.event === "training" && roundOf(rec) === c.at));
      if (!crash) return;
      crash.done = true;
      say(`start: kill -9 ${label} ${crash.at === "game" ? "right after its first game move" : `while it trains round ${crash.at}`}; restarting it in ${crash.delay} s`);
      p.crashAndRestart(crash.delay * 1000).then(() => say(`start: ${label} restarted`));
    };
  };
  const trainerList: PeerProcess[] = [];
  /** Every other trainer's latest address (a restarted trainer 0 gets a new port). */
  const bootstrapFor = (i: number) => trainerList.filter((p, k) => k !== i && p.address !== undefined).map((p) => p.address!);
  const startTrainer = (i: number) => {
    const base = common("trainer", trainerAccount(i), `trainer-${i}`, o.trainerBackends[i]!);
    base.push("--shard", SHARDS[i % SHARDS.length]!);
    if (o.undefended) base.push("--aggregation", "mean");
    const attack = trainerAttack(o, i);
    if (attack !== null) {
      base.push("--attack", attack);
      if (o.attack?.lambda !== undefined) base.push("--attack-lambda", String(o.attack.lambda));
    }
    const label = `trainer ${i}${attack === null ? "" : ` (${attack})`}`;
    const crash = crashWatch("trainer", i, label);
    const p: PeerProcess = new PeerProcess({
      label,
      args: () => [...base, ...bootstrapFor(i).flatMap((b) => ["--bootstrap", b])],
      logFile: join(dir, `trainer-${i}.log`),
      retriesBeforeListening: 3,
      onRecord: (rec, line) => {
        trainerLine(label, rec, line);
        crash(rec, p);
      },
    });
    trainerList[i] = p;
    peers.push(p);
    return p;
  };
  const startVerifier = (j: number, bootstrap: string) => {
    const attack = verifierAttack(o, j);
    const label = `verifier ${j}${attack === null ? "" : ` (${attack})`}`;
    const base = common("verifier", verifierAccount(j), `verifier-${j}`, o.backend);
    if (attack !== null) base.push("--attack", attack);
    else if (o.watchBps > 0) base.push("--watch", String(o.watchBps));
    const crash = crashWatch("verifier", j, label);
    const p: PeerProcess = new PeerProcess({
      label,
      // Every trainer's latest address: a trainer restarted after a crash listens on a new port.
      args: () => [...base, ...(bootstrapFor(-1).length > 0 ? bootstrapFor(-1) : [bootstrap]).flatMap((b) => ["--bootstrap", b])],
      logFile: join(dir, `verifier-${j}.log`),
      retriesBeforeListening: 3,
      onRecord: (rec, line) => {
        verifierLine(label, rec, line);
        crash(rec, p);
      },
    });
    peers.push(p);
    return p;
  };

  // Trainer 0 first: its address is everyone else's bootstrap peer. Then the rest and the verifiers at once.
  const first = startTrainer(0);
  const bootstrap = await first.listening;
  for (let i = 1; i < o.trainers; i++) startTrainer(i);
  const verifiers = Array.from({ length: o.verifiers }, (_, j) => startVerifier(j, bootstrap));

  // Every peer should be done by the run's settlement; whatever still runs well after it is stopped.
  const deadlineMs = (settledBy(spec) + SETTLE_SLACK_S) * 1000 - Date.now();
  const watchdog = setTimeout(() => {
    say(`start: peers still running ${SETTLE_SLACK_S} s after the run settled: stopping them`);
    for (const p of peers) void p.stop(10_000);
  }, Math.max(0, deadlineMs));
  const trainerCodes = await Promise.all(trainerList.map((p) => p.done));
  const verifierCodes = await Promise.all(verifiers.map((p) => p.done));
  clearTimeout(watchdog);
  for (const p of peers) if (p.exit !== 0) say(`start: ${p.label} ended with ${p.exit}`);

  const facts = {
    slashes: await slashesOf(owner.publicClient, d.coordinator, runId, d.game),
    credits: new Map<string, bigint>(),
    slashRounds: await slashRoundsOf(owner.publicClient, d.coordinator, runId),
  };
  const addresses: Address[] = [...trainerList.map((_, i) => account(trainerAccount(i)).address), ...verifiers.map((_, j) => account(verifierAccount(j)).address)];
  for (const a of addresses) facts.credits.set(a.toLowerCase(), await creditsOf(owner.publicClient, d.coordinator, runId, a));
  const trainers: TrainerOutcome[] = trainerList.map((p, i) => ({
    index: i,
    address: account(trainerAccount(i)).address,
    shard: SHARDS[i % SHARDS.length]!,
    attack: trainerAttack(o, i),
    exitCode: trainerCodes[i]!,
    summary: readJson<TrainerSummary>(join(dir, `trainer-${i}`, "summary.json")),
    restarts: o.crashes.some((c) => c.role === "trainer" && c.index === i) ? p.restarts : undefined,
  }));
  const verifierOutcomes: VerifierOutcome[] = verifiers.map((_, j) => ({
    index: j,
    address: account(verifierAccount(j)).address,
    attack: verifierAttack(o, j),
    exitCode: verifierCodes[j]!,
    summary: readJson<Partial<VerifierSummary>>(join(dir, `verifier-${j}`, "summary.json")),
    restarts: o.crashes.some((c) => c.role === "verifier" && c.index === j) ? verifiers[j]!.restarts : undefined,
  }));
  const built = buildReport(o.rounds, trainers, verifierOutcomes, facts);
  const setup = {
    trainers: o.trainers,
    verifiers: o.verifiers,
    byzantine: o.byzantine,
    byzantineVerifiers: o.byzantineVerifiers,
    localSteps: o.localSteps,
    auditRateBps: o.auditRateBps,
    aggregation: o.undefended ? ("mean" as const) : ("centered-clip" as const),
  };
  // Every dispute game of the run, as the chain records it (who played whom, who lost), for tests and readers.
  const games = (await gamesOf(owner.publicClient, d.game, runId)).map((g) => ({ id: Number(g.id), round: Number(g.round), trainer: g.trainer, challenger: g.challenger, accusation: g.accusation, trainerLost: g.trainerLost ?? null }));
  const report = { setup, ...built.report, games };
  const failures = built.failures;
  if (o.report) writeFileSync(o.report, `${JSON.stringify(report, null, 2)}\n`);
  say("");
  say(reportTable(report));
  say(`logs and data: ${dir}`);
  for (const f of failures) say(`start: ${f}`);
  if (honest === 0) say("start: no honest trainer: accuracy and state hashes say nothing");
  stopAll();
  return failures.length === 0 ? 0 : 1;
}

let options: StartOptions | "help";
try {
  options = parseStartOptions(process.argv.slice(2));
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  console.error(`start: ${e.message}\n${USAGE}`);
  process.exit(2);
}
if (options === "help") {
  console.log(USAGE);
  process.exit(0);
}
main(options).then(
  (code) => process.exit(code),
  (e: unknown) => {
    say(`start: ${(e as Error).stack ?? String(e)}`);
    stopAll();
    process.exit(1);
  },
);
