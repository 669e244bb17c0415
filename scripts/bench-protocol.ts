// Protocol overhead of a trainer's round, measured in one process and one run (a benchmark, not a test):
//   baseline  H local steps of the shard, nothing else
//   protocol  the same H steps through trainRound (state hash every c steps, Merkle tree, Δ encoding and
//             its hash) plus what follows the commit deadline: decoding N committed updates and
//             aggregating them with CenteredClip (auto τ)
// The chain transactions and the libp2p transfer run while the round waits for its deadline, so they are
// reported separately (see bench-p2p.ts and bench:gas) rather than added to the compute figure.
//   node scripts/bench-protocol.ts [--steps H] [--interval c] [--peers N] [--shard NAME] [--json]
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { keccak256, stringToHex } from "viem";
import { canonicalStateBytes, decodeStateBytes, batchIndices } from "../lib/core/index.ts";
import { DEFAULT_MOE_SPEC, DEFAULT_STEP_CONFIG, gatherBatch, initModel, loadMnist, paramsOf, selectBackend, trainStep, type StepConfig } from "../lib/ml/index.ts";
import { applyUpdates, modelSeed, shardIndex, stateSizes, trainRound } from "../lib/protocol/index.ts";

const { values } = parseArgs({
  options: {
    steps: { type: "string", default: "500" },
    interval: { type: "string", default: "25" },
    peers: { type: "string", default: "2" },
    shard: { type: "string", default: "gate" },
    backend: { type: "string", default: "auto" },
    arithmetic: { type: "string", default: "reference" },
    json: { type: "boolean" },
    help: { type: "boolean" },
  },
  strict: true,
});
if (values.help) {
  console.log(
    "usage: node scripts/bench-protocol.ts [--steps 500] [--interval 25] [--peers 2] [--shard gate] [--arithmetic reference|tfjs] [--backend auto] [--json]\n" +
      "  --arithmetic  reference (default): the kernels exact mode trains on; tfjs: the --backend's kernels (tolerance mode)",
  );
  process.exit(0);
}
const H = Number(values.steps);
const c = Number(values.interval);
const peers = Number(values.peers);
if (!Number.isInteger(H) || !Number.isInteger(c) || c < 1 || H % c !== 0 || !Number.isInteger(peers) || peers < 1) {
  console.error("bench-protocol: --steps must be a positive multiple of --interval, --peers a positive integer");
  process.exit(2);
}
if (values.arithmetic !== "reference" && values.arithmetic !== "tfjs") {
  console.error(`bench-protocol: --arithmetic must be reference or tfjs, got ${values.arithmetic}`);
  process.exit(2);
}
const backend = await selectBackend(values.backend as "auto");
const moe = { ...DEFAULT_MOE_SPEC, experts: 2 };
const config: StepConfig = { ...DEFAULT_STEP_CONFIG, spec: moe, arithmetic: values.arithmetic };
const shard = values.shard!;
const train = loadMnist("train");
const model = initModel(modelSeed(1n, keccak256("0x01")), moe);
const ctx = {
  runId: 1n,
  round: 0n,
  roundSeed: keccak256(stringToHex("bench")),
  trainer: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as const,
  shard: shardIndex(shard, moe),
  shardName: shard,
  batchSize: 64,
  localSteps: H,
  checkpointInterval: c,
  frozen: paramsOf(model),
  dataset: train,
  config,
};

function baseline(): number {
  const t0 = performance.now();
  let s = model[shard]!;
  for (let t = 0; t < H; t++) {
    const indices = batchIndices({ roundSeed: ctx.roundSeed, trainer: ctx.trainer, shard: ctx.shard, step: t, batchSize: 64, sliceStart: 0, sliceLength: train.count });
    s = trainStep(shard, s, ctx.frozen, gatherBatch(train, indices), config).state;
  }
  return performance.now() - t0;
}

async function protocol(): Promise<number> {
  const t0 = performance.now();
  const tr = await trainRound(ctx, model[shard]!);
  const bytes = Array.from({ length: peers }, () => canonicalStateBytes(tr.delta));
  const updates = bytes.map((b) => decodeStateBytes(b, stateSizes(shard, moe)));
  applyUpdates(model[shard]!, updates, { tau: "auto" });
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const base: number[] = [];
const proto: number[] = [];
baseline(); // warm-up
for (let i = 0; i < 5; i++) {
  base.push(baseline());
  proto.push(await protocol());
}
const result = {
  arithmetic: config.arithmetic,
  backend: backend.name,
  shard,
  localSteps: H,
  checkpointInterval: c,
  peers,
  baselineMs: Math.round(median(base)),
  protocolMs: Math.round(median(proto)),
  // The median of the five pairs' ratios: each pair ran back to back, so a change of load between pairs cancels.
  protocolOverhead: Number(median(proto.map((p, i) => p / base[i]!)).toFixed(4)),
};
if (values.json) console.log(JSON.stringify(result));
else {
  console.log(`${result.arithmetic === "reference" ? "reference kernels" : `tfjs ${result.backend}`}, shard ${shard}, H=${H}, c=${c}, ${peers} updates aggregated (medians of 5 interleaved pairs)`);
  console.log(`  local steps alone      ${result.baselineMs} ms`);
  console.log(`  with the protocol      ${result.protocolMs} ms`);
  console.log(`  overhead ratio         ${result.protocolOverhead}  (median of the pairs' ratios; target <= 1.05)`);
}
