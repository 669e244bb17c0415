import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, describe, it } from "mocha";
import type { Address, Hex } from "viem";
import { defaultRunSpec, stateHash } from "../../lib/core/index.ts";
import { DEFAULT_MOE_SPEC, initModel, type ModelState, type ShardState } from "../../lib/ml/index.ts";
import { applyUpdates, modelSeed, shardName, stateArrays, stateSizes } from "../../lib/protocol/index.ts";
import { BlobStore, Journal } from "../../node/journal.ts";
import type { RoundCommitment } from "../../node/peer/commitments.ts";
import { ModelTracker, type RoundSource } from "../../verifier/model.ts";
import { memoryLogger, tempDir } from "./helpers.ts";

// ModelTracker (verifier/model.ts) over a scripted RoundSource: what it records each round, which shards it
// carries itself (no commitment, or no majority of manifests), what it computes them from, and what a
// restarted tracker picks up from its journal. The chain and peer side of the source is the same code the
// trainers and agreedState use (roundCommitments, fetchManifest, fetchState, collectShardUpdates).

const moe = { ...DEFAULT_MOE_SPEC, experts: 2 };
const spec = defaultRunSpec(0n, { shards: 3 });
const initial = initModel(modelSeed(1n, spec.modelHash), moe);
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const hashOf = (s: ShardState) => stateHash(stateArrays(s));
const trainer = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as Address;
const commitment = (n: number, shard: number): RoundCommitment => ({ trainer: trainer(n), shard, root: `0x${"ab".repeat(32)}`, updateHash: `0x${n.toString(16).padStart(64, "0")}`, samples: 64n });
/** A small update of shard `shard` (params then slots), distinct per trainer. */
function update(shard: number, n: number): Float32Array[] {
  return stateSizes(shardName(shard, moe), moe).map((len, i) => Float32Array.from({ length: len }, (_, j) => ((j % 7) - 3 + n + i) * 1e-3));
}

/** A source scripted per round: who committed, what their manifests start from, who serves what. */
class ScriptedSource implements RoundSource {
  readonly calls: string[] = [];
  readonly script: {
    inclusion: Map<bigint, RoundCommitment[]>;
    /** Start hashes served for a round's shard; default: every committer's, all h(states[round][shard]). */
    starts?: (round: bigint, shard: number, cs: readonly RoundCommitment[]) => Hex[];
    states: Map<bigint, ModelState>;
  };
  constructor(script: ScriptedSource["script"]) {
    this.script = script;
  }
  async inclusion(round: bigint) {
    this.calls.push(`inclusion ${round}`);
    return this.script.inclusion.get(round) ?? [];
  }
  async startHashes(round: bigint, cs: readonly RoundCommitment[]) {
    const shard = cs[0]!.shard;
    this.calls.push(`manifests ${round} ${shard}`);
    return this.script.starts?.(round, shard, cs) ?? cs.map(() => hashOf(this.script.states.get(round)![shardName(shard, moe)]!));
  }
  async state(round: bigint, shard: number, hash: Hex) {
    this.calls.push(`state ${round} ${shard}`);
    const s = this.script.states.get(round)?.[shardName(shard, moe)];
    return s && hashOf(s) === hash ? s : undefined;
  }
  async updates(shard: number, cs: readonly RoundCommitment[]) {
    this.calls.push(`updates ${shard} ${cs.map((c) => Number(BigInt(c.trainer))).join(",")}`);
    return { updates: cs.map((c) => update(shard, Number(BigInt(c.trainer)))), missing: [] };
  }
  async agreed(): Promise<undefined> {
    this.calls.push("agreed");
    return undefined;
  }
}

async function tracker(source: RoundSource, dir = tempDir("model")): Promise<{ model: ModelTracker; dir: string; journal: Journal; served: Hex[] }> {
  dirs.push(dir);
  const journal = await Journal.open(dir);
  const blobs = await BlobStore.open(dir, { maxBlobBytes: 1 << 24 });
  const served: Hex[] = [];
  const model = new ModelTracker({ runId: 1n, spec, moe, initial, source, serve: (_r, hash) => void served.push(hash), blobs, journal, log: memoryLogger() });
  return { model, dir, journal, served };
}

/** Round 0: all three shards committed (gate by trainers 1 and 4, expert-0 by 2, expert-1 by 3). */
const ROUND0 = [commitment(1, 0), commitment(2, 1), commitment(3, 2), commitment(4, 0)];

describe("verifier: the model tracker (verifier/model.ts)", () => {
  it("records a round whose shards all have a majority without fetching a state or an update", async () => {
    const source = new ScriptedSource({ inclusion: new Map([[0n, ROUND0]]), states: new Map([[0n, initial]]) });
    const { model, journal } = await tracker(source);
    const rec = await model.advance(0n, 100);
    assert.deepEqual(Object.keys(rec.carried), []);
    assert.deepEqual(rec.majority, { gate: hashOf(initial.gate!), "expert-0": hashOf(initial["expert-0"]!), "expert-1": hashOf(initial["expert-1"]!) });
    assert.deepEqual(source.calls, ["inclusion 0", "manifests 0 0", "manifests 0 1", "manifests 0 2"]);
    assert.equal(journal.last("model")?.round, "0");
    await journal.close();
  });

  it("carries a shard nobody committed to from the previous round's majority state and updates, over the inclusion set recorded then", async () => {
    const inclusion = new Map([[0n, ROUND0], [1n, [commitment(1, 0), commitment(2, 1), commitment(4, 0)]]]);
    const states = new Map([[0n, initial], [1n, initial]]);
    const source = new ScriptedSource({ inclusion, states });
    const { model, served, journal } = await tracker(source);
    await model.advance(0n, 100);
    // Trainer 3 is slashed after round 0's deadline: the chain now leaves it out, but everyone aggregated it.
    inclusion.set(0n, ROUND0.filter((c) => c.trainer !== trainer(3)));
    const rec = await model.advance(1n, 200);
    assert.deepEqual(Object.keys(rec.carried), ["expert-1"]);
    const want = applyUpdates(initial["expert-1"]!, [update(2, 3)], { tau: "auto" });
    assert.equal(hashOf(rec.carried["expert-1"]!), hashOf(want));
    assert.notEqual(hashOf(want), hashOf(initial["expert-1"]!));
    assert.deepEqual(source.calls.slice(4), ["inclusion 1", "manifests 1 0", "manifests 1 1", "state 0 2", "updates 2 3"]);
    assert.equal(served.length, 1, "the carried state is served");
    assert.deepEqual(model.record(1n)?.carried, rec.carried);
    await journal.close();
  });

  it("carries a shard whose committers withhold their manifests, and keeps carrying it without fetching again", async () => {
    const inclusion = new Map([[0n, ROUND0], [1n, ROUND0], [2n, ROUND0]]);
    const source = new ScriptedSource({ inclusion, states: new Map([[0n, initial]]), starts: (round, shard, cs) => (shard === 2 ? [] : cs.map(() => hashOf(initial[shardName(shard, moe)]!))) });
    const { model, journal } = await tracker(source);
    const r0 = await model.advance(0n, 100);
    assert.equal(hashOf(r0.carried["expert-1"]!), hashOf(initial["expert-1"]!), "round 0 without a majority is S_0");
    const r1 = await model.advance(1n, 200);
    const s1 = applyUpdates(initial["expert-1"]!, [update(2, 3)], { tau: "auto" });
    assert.equal(hashOf(r1.carried["expert-1"]!), hashOf(s1));
    const r2 = await model.advance(2n, 300);
    assert.equal(hashOf(r2.carried["expert-1"]!), hashOf(applyUpdates(s1, [update(2, 3)], { tau: "auto" })));
    assert.ok(!source.calls.some((c) => c.startsWith("state")), "nothing fetched by hash: the previous state was carried");
    await journal.close();
  });

  it("a restarted tracker loads the last record and carries from it", async () => {
    const inclusion = new Map([[0n, ROUND0], [1n, [commitment(1, 0), commitment(2, 1)]], [2n, [commitment(1, 0), commitment(2, 1)]]]);
    const states = new Map([[0n, initial], [1n, initial], [2n, initial]]);
    const first = await tracker(new ScriptedSource({ inclusion, states }));
    await first.model.advance(0n, 100);
    const r1 = await first.model.advance(1n, 200);
    await first.journal.close();

    const source = new ScriptedSource({ inclusion, states });
    const again = await tracker(source, first.dir);
    dirs.pop();
    assert.equal(await again.model.load(), 1n);
    assert.equal(hashOf(again.model.record(1n)!.carried["expert-1"]!), hashOf(r1.carried["expert-1"]!));
    assert.deepEqual(again.model.keys(), first.model.keys());
    const r2 = await again.model.advance(2n, 300);
    // Nobody committed to expert-1 in round 1 either: S_2 = S_1, with no fetch and no update.
    assert.equal(hashOf(r2.carried["expert-1"]!), hashOf(r1.carried["expert-1"]!));
    assert.deepEqual(source.calls, ["inclusion 2", "manifests 2 0", "manifests 2 1"]);
    await again.journal.close();
  });

  it("refuses to carry a shard whose previous state nobody serves, so the round is recorded again later", async () => {
    const inclusion = new Map([[0n, ROUND0], [1n, [commitment(1, 0), commitment(2, 1)]]]);
    const source = new ScriptedSource({ inclusion, states: new Map([[0n, initial], [1n, initial]]) });
    source.state = async () => undefined;
    const { model, journal } = await tracker(source);
    await model.advance(0n, 100);
    await assert.rejects(model.advance(1n, 200), { name: "StateSyncError" });
    assert.equal(model.record(1n), undefined);
    await journal.close();
  });
});
