import type { Address, Hex, PublicClient } from "viem";
import { runCoordinatorAbi } from "../lib/chain/abi.ts";
import type { RunSpec } from "../lib/core/spec.ts";
import { stateBlob } from "../lib/core/state-hash.ts";
import { loadMnist, paramsOf, type MnistDataset, type MoeSpec, type ModelState } from "../lib/ml/index.ts";
import { encodeManifest, shardName, stateArrays, stepConfigFor, type RoundContext } from "../lib/protocol/index.ts";
import type { Logger } from "../node/log.ts";
import { agreedState, type AgreedState } from "../node/peer/agreed-state.ts";
import { sleep } from "../node/peer/clock.ts";
import type { CommitmentRef, EvidenceEnv } from "./evidence.ts";

// What re-executing a round needs, shared by the auditor and the jurors and cached per round: the agreed
// state S_r of every shard (from the majority of committed start hashes: node/peer/agreed-state.ts), the
// round's data seed, each commitment as RoundCommitted logged it, and the replay context of a commitment
// (the real MNIST training set, the other shards frozen at S_r, the run's step config).

const ZERO32 = `0x${"0".repeat(64)}`;

export interface RoundDataParams {
  client: PublicClient;
  coordinator: Address;
  runId: bigint;
  spec: RunSpec;
  moe: MoeSpec;
  /** The run's creation block (logs are read from there). */
  fromBlock: bigint;
  /** S_0, which every peer derives from the run id and model hash. */
  initial: ModelState;
  /** What this node recorded of round `round`, if it did (ModelTracker): the shards it carries itself. */
  recorded?: (round: bigint) => { carried: ModelState } | undefined;
  evidence: EvidenceEnv;
  log: Logger;
}

/** Resolves with `p`'s value, or undefined once chain time passes `deadline`. */
export async function beforeDeadline<T>(env: EvidenceEnv, deadline: number, p: Promise<T>): Promise<T | undefined> {
  const ms = Math.max(0, (deadline - env.clock.now()) * 1000);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * S_r with what it rests on. `confirmed`: every shard that has commitments in the round was read from the
 * majority of its manifests (agreedState); false when a shard's committers withheld them and this node's
 * own carried S_r[shard] stands in (verifier/model.ts): good enough to attest a segment that replays to the
 * committed hash, or to report missing data, but not to accuse anyone of fraud.
 */
export type RoundState = AgreedState & { confirmed: boolean };

export class RoundData {
  readonly #p: RoundDataParams;
  readonly #agreed = new Map<bigint, Promise<RoundState>>();
  readonly #seeds = new Map<bigint, Hex>();
  readonly #commitments = new Map<string, CommitmentRef>();
  #dataset: MnistDataset | undefined;

  constructor(p: RoundDataParams) {
    this.#p = p;
  }

  /** S_round (computed once per round and shared), or undefined if it cannot be established by `deadline`. */
  async agreed(round: bigint, deadline: number): Promise<RoundState | undefined> {
    const env = this.#p.evidence;
    while (env.clock.now() < deadline) {
      let pending = this.#agreed.get(round);
      if (!pending) {
        pending = this.#compute(round);
        this.#agreed.set(round, pending);
        pending.catch((e: Error) => {
          this.#agreed.delete(round); // a later caller tries again
          this.#p.log.warn("agreed state not established", { round, error: e.name, reason: e.message });
        });
      }
      const got = await beforeDeadline(env, deadline, pending.catch(() => undefined));
      if (got) return got;
      const pause = Math.min(env.retryMs, (deadline - env.clock.now()) * 1000);
      if (pause > 0) await sleep(pause, env.signal);
    }
    return undefined;
  }

  async #compute(round: bigint): Promise<RoundState> {
    const p = this.#p;
    // A shard with no majority in this round (nobody committed, or its committers withhold their manifests)
    // has its S_r carried by this node's tracker; agreedState would otherwise walk the logs back with today's
    // statuses, which is not what trainers aggregated at the time.
    const known = p.recorded?.(round)?.carried ?? {};
    const got = await agreedState({
      client: p.client,
      coordinator: p.coordinator,
      runId: p.runId,
      spec: p.spec,
      moe: p.moe,
      fromBlock: p.fromBlock,
      round,
      fetch: p.evidence.fetch(),
      peerOf: p.evidence.peerOf,
      local: { round: 0n, state: p.initial },
      known,
    });
    const withheld = Object.keys(known).filter((name) => got.commitments.some((c) => shardName(c.shard, p.moe) === name));
    const confirmed = withheld.length === 0;
    if (!confirmed) p.log.warn("agreed state rests on this node's carried copy of shards whose committers withheld their manifests", { round, shards: withheld });
    // Serve what was established: peers catching up and jurors may ask this node.
    for (const [name, hash] of Object.entries(got.hashes)) p.evidence.served.keep(round, hash, stateBlob(stateArrays(got.state[name]!)));
    for (const c of got.commitments) {
      const m = got.manifests.get(c.trainer.toLowerCase());
      if (m) p.evidence.served.keep(round, c.root, encodeManifest(m.checkpointRoots));
    }
    p.log.info("agreed state", { round, hashes: got.hashes, commitments: got.commitments.length, confirmed });
    return { ...got, confirmed };
  }

  /** The round's data seed (zero until someone opened the round). */
  async seed(round: bigint): Promise<Hex> {
    const cached = this.#seeds.get(round);
    if (cached) return cached;
    const rs = await this.#p.client.readContract({ address: this.#p.coordinator, abi: runCoordinatorAbi, functionName: "roundOf", args: [this.#p.runId, round] });
    if (rs.seed !== ZERO32) this.#seeds.set(round, rs.seed);
    return rs.seed;
  }

  /** A trainer's commitment of a round, as RoundCommitted logged it (undefined if it never committed). */
  async commitment(round: bigint, trainer: Address): Promise<CommitmentRef | undefined> {
    const key = `${round}:${trainer.toLowerCase()}`;
    const cached = this.#commitments.get(key);
    if (cached) return cached;
    const p = this.#p;
    const logs = await p.client.getContractEvents({
      address: p.coordinator,
      abi: runCoordinatorAbi,
      eventName: "RoundCommitted",
      args: { runId: p.runId, round, trainer },
      fromBlock: p.fromBlock,
      strict: true,
    });
    const log = logs.find((l) => l.args.runId === p.runId && l.args.round === round && l.args.trainer.toLowerCase() === trainer.toLowerCase());
    if (!log) return undefined;
    const a = log.args;
    const ref: CommitmentRef = { runId: p.runId, round, trainer: a.trainer, shard: a.shard, root: a.root, updateHash: a.updateHash, samples: a.samples };
    this.#commitments.set(key, ref);
    return ref;
  }

  /** Records a commitment seen in the logs (saves a lookup later). */
  remember(ref: CommitmentRef): void {
    this.#commitments.set(`${ref.round}:${ref.trainer.toLowerCase()}`, ref);
  }

  /** The replay context of a commitment: what runSegment needs besides the starting state. */
  async context(ref: CommitmentRef, agreed: { state: ModelState }): Promise<RoundContext> {
    const p = this.#p;
    this.#dataset ??= loadMnist("train");
    return {
      runId: p.runId,
      round: ref.round,
      roundSeed: await this.seed(ref.round),
      trainer: ref.trainer,
      shard: ref.shard,
      shardName: shardName(ref.shard, p.moe),
      batchSize: p.spec.batchSize,
      localSteps: p.spec.localSteps,
      checkpointInterval: p.spec.checkpointInterval,
      frozen: paramsOf(agreed.state),
      dataset: this.#dataset,
      config: stepConfigFor(p.spec, p.moe),
    };
  }

  /** Forgets rounds before `round`. */
  prune(round: bigint): void {
    for (const r of this.#agreed.keys()) if (r < round) this.#agreed.delete(r);
    for (const r of this.#seeds.keys()) if (r < round) this.#seeds.delete(r);
    for (const [k, c] of this.#commitments) if (c.round < round) this.#commitments.delete(k);
  }
}
