import type { PeerId } from "@libp2p/interface";
import type { Address, Hex, PublicClient } from "viem";
import { VerihiveError } from "../../lib/core/errors.ts";
import type { RunSpec } from "../../lib/core/spec.ts";
import { stateRootOf, stateShapes } from "../../lib/protocol/step-trace.ts";
import { BlobKind } from "../../lib/p2p/index.ts";
import { initModel, type MoeSpec, type ModelState, type ShardName, type ShardState } from "../../lib/ml/index.ts";
import { applyUpdates, modelSeed, shardName, shardStateOf, stateArrays } from "../../lib/protocol/index.ts";
import type { VerifiedManifest } from "../../lib/protocol/manifest.ts";
import { roundCommitments, type RoundCommitment } from "./commitments.ts";
import { candidatePeers, fetchManifest, fetchState, type FetchContext } from "./fetch.ts";
import { collectShardUpdates } from "./update-exchange.ts";

// The agreed state S_r of a run: what the honest majority of each shard started round r from. Nothing
// on-chain holds h(S_r), but every commitment's leaf 0 starts at h(S_r[shard]), and a manifest is checked
// against its on-chain root. So: per shard, take the start hash that more than half of the verified
// manifests of the latest round with commitments agree on, download that state from any peer (its hash is
// checked), and bring it forward over the rounds that followed. Late joiners, restarted trainers and
// verifiers (frozen shards of a replay, the s_0 check) all use this.

/** The agreed state cannot be established (no majority, nobody serves the data). */
export class StateSyncError extends VerihiveError {
  override name = "StateSyncError";
}

export interface AgreedStateParams {
  client: PublicClient;
  coordinator: Address;
  runId: bigint;
  spec: RunSpec;
  moe: MoeSpec;
  /** Block to read logs from (the run's creation block). */
  fromBlock: bigint;
  /** The state wanted is S_round; round's commit deadline must have passed. */
  round: bigint;
  fetch: FetchContext;
  /** The peer of a trainer, when known (from its announcements). */
  peerOf: (trainer: Address) => PeerId | undefined;
  /** A state this node trusts (its own, from disk): S_{local.round} of every shard. */
  local?: { round: bigint; state: ModelState };
  /**
   * S_round of shards the caller establishes itself (a verifier's carried shards: verifier/model.ts): no
   * majority is sought for them, and they are returned as given.
   */
  known?: ModelState;
}

export interface AgreedState {
  /** S_round, every shard. */
  state: ModelState;
  /** h(S_round[shard]) by shard name. */
  hashes: Record<string, Hex>;
  /** Verified manifests of round `round`'s included commitments, by lower-case trainer address. */
  manifests: Map<string, VerifiedManifest>;
  /** Round `round`'s inclusion set. */
  commitments: RoundCommitment[];
}

/** The start hash more than half of `hashes` share, or undefined. */
export function majorityHash(hashes: readonly Hex[]): Hex | undefined {
  const counts = new Map<string, number>();
  for (const h of hashes) counts.set(h.toLowerCase(), (counts.get(h.toLowerCase()) ?? 0) + 1);
  for (const [h, n] of counts) if (2 * n > hashes.length) return h as Hex;
  return undefined;
}

/** The manifests of `cs` (commitments of `round`) that some peer serves, each checked against its root. */
export async function verifiedManifests(
  p: Pick<AgreedStateParams, "fetch" | "peerOf" | "runId" | "spec">,
  round: bigint,
  cs: readonly RoundCommitment[],
): Promise<{ c: RoundCommitment; m: VerifiedManifest }[]> {
  const segments = p.spec.localSteps / p.spec.checkpointInterval;
  const out: { c: RoundCommitment; m: VerifiedManifest }[] = [];
  for (const c of cs) {
    const m = await fetchManifest(p.fetch, candidatePeers(p.fetch, p.peerOf(c.trainer)), { runId: p.runId, shard: c.shard, round, segments, root: c.root });
    if (m) out.push({ c, m });
  }
  return out;
}

export async function agreedState(p: AgreedStateParams): Promise<AgreedState> {
  const names = Array.from({ length: p.spec.shards }, (_, k) => shardName(k, p.moe));
  const state: ModelState = {};
  const manifests = new Map<string, VerifiedManifest>();
  let commitmentsOfRound: RoundCommitment[] = [];
  const manifestsOf = (r: bigint, cs: readonly RoundCommitment[]) => verifiedManifests(p, r, cs);

  const pending = new Set<ShardName>();
  for (const name of names) {
    const known = p.known?.[name];
    if (known) state[name] = known;
    else pending.add(name);
  }
  for (let r = p.round; r >= 0n && (r === p.round || pending.size > 0); r--) {
    const commitments = await roundCommitments(p.client, p.coordinator, p.runId, r, p.fromBlock);
    if (r === p.round) commitmentsOfRound = commitments;
    for (const name of [...pending]) {
      const k = names.indexOf(name);
      const cs = commitments.filter((c) => c.shard === k);
      if (cs.length === 0) continue;
      pending.delete(name);
      // No commitment of this shard after round r: S_round[k] = S_{r+1}[k], which a trusted local state from
      // round r+1 or later already is.
      if (p.local && r < p.round && p.local.round > r && p.local.round <= p.round) {
        state[name] = p.local.state[name]!;
        continue;
      }
      const verified = await manifestsOf(r, cs);
      if (r === p.round) for (const { c, m } of verified) manifests.set(c.trainer.toLowerCase(), m);
      const agreed = majorityHash(verified.map(({ m }) => m.checkpointRoots[0]!));
      if (!agreed) {
        throw new StateSyncError(`no majority on the start state of ${name} in round ${r}`, { shard: name, round: r, committers: cs.length, verified: verified.length });
      }
      const shapes = stateShapes(name, p.moe);
      let start: ShardState | undefined;
      const own = p.local?.round === r ? p.local.state[name] : undefined;
      if (own && stateRootOf(stateArrays(own), shapes) === agreed) start = own;
      if (!start) {
        const holders = verified.filter(({ m }) => m.checkpointRoots[0] === agreed).map(({ c }) => p.peerOf(c.trainer));
        const peers = candidatePeers(p.fetch, undefined);
        const ordered = [...holders.filter((x): x is PeerId => x !== undefined), ...peers];
        const arrays = await fetchState(p.fetch, ordered, agreed, shapes, { kind: BlobKind.Checkpoint, round: r, segment: 0 });
        if (!arrays) throw new StateSyncError(`nobody served the agreed state of ${name} for round ${r}`, { shard: name, round: r, hash: agreed });
        start = shardStateOf(arrays);
      }
      if (r === p.round) {
        state[name] = start;
        continue;
      }
      // Round r's updates of the shard took S_r to S_{r+1} = S_round.
      const got = await collectShardUpdates({ ...p.fetch, commitments: cs, local: new Map(), peerOf: p.peerOf, shapes });
      if (got.missing.length > 0) throw new StateSyncError(`round ${r} updates of ${name} are not all served`, { shard: name, round: r, missing: got.missing });
      state[name] = applyUpdates(start, got.updates, { tau: "auto" });
    }
  }
  // No included commitment of the shard in any round, judged by today's statuses: either nobody ever
  // committed to it (S_0) or every committer was slashed or banned after peers had aggregated its update;
  // a trusted local copy covers the second case.
  if (pending.size > 0) {
    const initial = initModel(modelSeed(p.runId, p.spec.modelHash), p.moe);
    for (const name of pending) state[name] = p.local && p.local.round <= p.round ? p.local.state[name]! : initial[name]!;
  }
  // Each shard's S_round by its state root: what this peer serves to late joiners (they fetch by manifest roots).
  const hashes = Object.fromEntries(names.map((n) => [n, stateRootOf(stateArrays(state[n]!), stateShapes(n, p.moe))]));
  return { state, hashes, manifests, commitments: commitmentsOfRound };
}
