// npm start: the main job on an embedded default. Starts a Hardhat chain on 127.0.0.1, deploys the
// contracts, creates and funds a run, starts N trainer processes that find each other over libp2p,
// waits for R rounds, and prints (and optionally writes) a summary.
//   npm start -- [--trainers N] [--rounds R] [--report FILE] [--backend KIND] [--local-steps H]
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createInterface } from "node:readline";
import { formatUnits, type Address, type Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { connect, deployVerihive, runCoordinatorAbi, stakeTokenAbi, startLocalChain } from "../lib/chain/index.ts";
import { defaultRunSpec, fundingFor } from "../lib/core/index.ts";
import type { TrainerSummary } from "../node/trainer/trainer.ts";

const USAGE = `usage: npm start -- [--trainers N] [--rounds R] [--report FILE] [--backend auto|wasm|cpu] [--local-steps H]
  --trainers N     trainer processes (default 4; shards are the gate and 2 experts, assigned round-robin)
  --rounds R       training rounds (default 5)
  --report FILE    write the JSON report here
  --backend KIND   tfjs backend for the trainers (default auto)
  --local-steps H  local steps per round (default 500, a multiple of 25)`;

const { values } = parseArgs({
  options: {
    trainers: { type: "string", default: "4" },
    rounds: { type: "string", default: "5" },
    report: { type: "string" },
    backend: { type: "string", default: "auto" },
    "local-steps": { type: "string", default: "500" },
    help: { type: "boolean", short: "h" },
  },
  strict: true,
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const int = (name: string, v: string, min: number, max: number) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`start: --${name} must be an integer in [${min}, ${max}] (got '${v}')\n${USAGE}`);
    process.exit(2);
  }
  return n;
};
const trainers = int("trainers", values.trainers!, 1, 12);
const rounds = int("rounds", values.rounds!, 1, 100);
const localSteps = int("local-steps", values["local-steps"]!, 25, 5000);
if (localSteps % 25 !== 0) {
  console.error("start: --local-steps must be a multiple of 25 (the checkpoint interval)");
  process.exit(2);
}
if (!["auto", "gpu", "node", "wasm", "cpu"].includes(values.backend!)) {
  console.error(`start: --backend must be auto, gpu, node, wasm or cpu\n${USAGE}`);
  process.exit(2);
}

const MNEMONIC = "test test test test test test test test test test test junk"; // Hardhat's development accounts
const keyOf = (i: number): Hex => `0x${Buffer.from(mnemonicToAccount(MNEMONIC, { addressIndex: i }).getHdKey().privateKey!).toString("hex")}`;
const SHARDS = ["gate", "expert-0", "expert-1"];
const children: ChildProcess[] = [];
const say = (line: string) => process.stderr.write(`${line}\n`);

function stopAll() {
  for (const c of children) if (c.pid !== undefined && c.exitCode === null) process.kill(-c.pid, "SIGTERM");
}
process.on("SIGINT", () => {
  say("start: stopping (Ctrl-C)");
  stopAll();
  process.exit(130);
});

async function startChain(): Promise<string> {
  const chain = await startLocalChain();
  children.push(chain.process);
  return chain.rpc;
}

/** Starts trainer i; resolves with its first listen address once it logs it. */
function startTrainer(i: number, dir: string, rpc: string, coordinator: Address, runId: bigint, bootstrap: string[]) {
  const keyFile = join(dir, `trainer-${i}.key`);
  writeFileSync(keyFile, keyOf(i + 1));
  const args = ["node/cli.ts", "trainer", "--rpc", rpc, "--key", keyFile, "--coordinator", coordinator, "--run", String(runId)];
  args.push("--shard", SHARDS[i % SHARDS.length]!, "--backend", values.backend!, "--log", "json", "--data-dir", join(dir, `trainer-${i}`));
  for (const b of bootstrap) args.push("--bootstrap", b);
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], detached: true });
  children.push(child);
  const logFile = createWriteStream(join(dir, `trainer-${i}.log`));
  child.stderr!.pipe(logFile);
  const listening = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      logFile.write(`${line}\n`);
      let rec: { event?: string; addrs?: string[]; round?: number; accuracy?: number; loss?: number; level?: string; reason?: string };
      try {
        rec = JSON.parse(line);
      } catch {
        return;
      }
      if (rec.event === "listening" && rec.addrs?.[0]) resolve(rec.addrs[0]);
      if (rec.event === "round") say(`trainer ${i} (${SHARDS[i % SHARDS.length]}) round ${rec.round}: loss ${rec.loss?.toFixed(3)} accuracy ${rec.accuracy?.toFixed(4)}`);
      if (rec.level === "warn" || rec.level === "error") say(`trainer ${i}: ${line}`);
    });
    child.stderr!.on("data", (b: Buffer) => process.stderr.write(`trainer ${i}: ${b}`));
    child.on("exit", (code) => reject(new Error(`trainer ${i} exited with ${code} before listening`)));
  });
  const done = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
  return { listening, done, summaryFile: join(dir, `trainer-${i}`, "summary.json") };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "verihive-start-"));
  say(`start: ${trainers} trainers, ${rounds} rounds, work dir ${dir}`);
  const rpc = await startChain();
  const owner = await connect({ rpc, privateKey: keyOf(0) });
  const d = await deployVerihive(owner.wallet, owner.publicClient, { unbondingPeriod: 30n * 86_400n });
  say(`start: chain ${rpc}, coordinator ${d.coordinator}`);
  for (let i = 0; i < trainers; i++) {
    const hash = await owner.wallet.writeContract({ address: d.token, abi: stakeTokenAbi, functionName: "transfer", args: [mnemonicToAccount(MNEMONIC, { addressIndex: i + 1 }).address, 1000n * 10n ** 18n] });
    await owner.publicClient.waitForTransactionReceipt({ hash });
  }
  const block = await owner.publicClient.getBlock();
  const spec = defaultRunSpec(block.timestamp + 20n, {
    rounds,
    shards: SHARDS.length,
    maxTrainersPerShard: Math.max(2, Math.ceil(trainers / SHARDS.length)),
    localSteps,
    checkpointInterval: 25,
    batchSize: 64,
    roundLength: 20 + Math.ceil(localSteps / 50),
    commitWindow: 12 + Math.ceil(localSteps / 50),
    auditWindow: 4,
    disputeWindow: 4,
    juryCommitWindow: 4,
    juryRevealWindow: 4,
    jurySize: 1,
    maxVerifiers: 4,
  });
  await owner.publicClient.waitForTransactionReceipt({
    hash: await owner.wallet.writeContract({ address: d.token, abi: stakeTokenAbi, functionName: "approve", args: [d.coordinator, fundingFor(spec)] }),
  });
  await owner.publicClient.waitForTransactionReceipt({
    hash: await owner.wallet.writeContract({ address: d.coordinator, abi: runCoordinatorAbi, functionName: "createRun", args: [spec] }),
  });
  const runId = 1n;
  say(`start: run ${runId} created: ${spec.shards} shards, ${spec.localSteps} local steps x batch ${spec.batchSize}, rounds of ${spec.roundLength} s`);

  const first = startTrainer(0, dir, rpc, d.coordinator, runId, []);
  const bootstrap = [await first.listening];
  const rest = Array.from({ length: trainers - 1 }, (_, k) => startTrainer(k + 1, dir, rpc, d.coordinator, runId, bootstrap));
  const all = [first, ...rest];
  const codes = await Promise.all(all.map((t) => t.done));
  const summaries = all.map((t, i) => {
    if (codes[i] !== 0) return undefined;
    return JSON.parse(readFileSync(t.summaryFile, "utf8")) as TrainerSummary;
  });

  const ok = summaries.filter((s): s is TrainerSummary => s !== undefined);
  const byShard = new Map<string, Set<string>>();
  for (const s of ok) for (const [shard, h] of Object.entries(s.stateHashes)) (byShard.get(shard) ?? byShard.set(shard, new Set()).get(shard)!).add(h);
  const stateHashesAgree = ok.length === trainers && [...byShard.values()].every((set) => set.size === 1);
  const report = {
    rounds,
    accuracy: ok.length > 0 ? ok.reduce((a, s) => a + s.accuracy, 0) / ok.length : 0,
    // Every trainer evaluates the same S_{r+1}: the first one's curve stands for all.
    accuracyByRound: ok[0]?.rounds.map((r) => r.accuracy) ?? [],
    stateHashesAgree,
    peers: ok.map((s) => ({ address: s.address, role: "trainer", shard: s.shard, attack: null, slashed: false, credits: s.credits, rewards: s.rewards })),
  };
  if (values.report) writeFileSync(values.report, `${JSON.stringify(report, null, 2)}\n`);
  say("");
  say(`rounds ${rounds}   accuracy ${report.accuracy.toFixed(4)}   state hashes agree: ${stateHashesAgree ? "yes" : "NO"}`);
  for (const p of ok) say(`  ${p.address}  ${p.shard.padEnd(9)} credits ${p.credits.padStart(7)} samples   rewards ${formatUnits(BigInt(p.rewards), 18)} tokens`);
  const failed = codes.filter((c) => c !== 0).length;
  if (failed > 0) say(`start: ${failed} trainer(s) failed`);
  stopAll();
  return failed === 0 && stateHashesAgree ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    say(`start: ${(e as Error).stack ?? String(e)}`);
    stopAll();
    process.exit(1);
  },
);
