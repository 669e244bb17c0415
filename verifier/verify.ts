import type { Hex } from "viem";
import { canonicalStateBytes, stateBlob } from "../lib/core/state-hash.ts";
import { stateRootOf, stateShapes } from "../lib/protocol/step-trace.ts";
import { VerificationMode, type RunSpec } from "../lib/core/spec.ts";
import type { MoeSpec, ShardState } from "../lib/ml/moe.ts";
import { encodeManifest, runSegment, shardName, stateArrays, trainRound, type VerifiedManifest } from "../lib/protocol/index.ts";
import { checkStart, checkUpdate, compareSegmentEnd, toleranceOf, type CheckName, type CheckResult } from "./checks.ts";
import { checkpointOf, manifestOf, updateOfCommitment, type CommitmentRef, type EvidenceEnv } from "./evidence.ts";
import type { EvidenceItem } from "./served.ts";
import type { RoundData, RoundState } from "./round-data.ts";

// The verification of one segment of one commitment: the procedure an auditor runs on its assigned
// segment and a juror runs on a disputed one (docs/VERIFIER.md). The auditor runs all three checks; a juror
// runs the start check only for segment 0 and the update check only for the last segment, as those are the
// leaves such failures are challenged with. The segment is re-executed with runSegment, the very function
// trainers train with.

export type Role = "auditor" | "juror";

export type Verdict =
  /** `attention`: in exact mode, the state root after the segment's next-to-last step (the attestation's digest names it). */
  | { kind: "pass"; manifest: VerifiedManifest; attention?: Hex }
  /** A check failed: challenge with leaf `segment`; `evidence` is what jurors will need from us. */
  | { kind: "fail"; check: CheckName; segment: number; reason: string; manifest: VerifiedManifest; evidence: EvidenceItem[]; ends?: { s0: ShardState; sH: ShardState } }
  /**
   * The trainer's data did not arrive by the deadline. `segmentData`: it is data of the audited or disputed
   * segment itself (what jurors ask for too), not only the auditor's extra update check.
   */
  | { kind: "unavailable"; missing: string; segmentData: boolean }
  /** This node could not decide (the round's agreed state is unknown to it). */
  | { kind: "undecided"; reason: string };

export interface VerifyEnv {
  spec: RunSpec;
  moe: MoeSpec;
  rounds: RoundData;
  evidence: EvidenceEnv;
}

const same = (a: Hex, b: Hex) => a.toLowerCase() === b.toLowerCase();

export async function verifySegment(env: VerifyEnv, role: Role, ref: CommitmentRef, segment: number, deadline: number): Promise<Verdict> {
  const { spec, moe } = env;
  const segments = spec.localSteps / spec.checkpointInterval;
  const last = segments - 1;
  const name = shardName(ref.shard, moe);
  const shapes = stateShapes(name, moe);
  const tolerance = toleranceOf(spec);
  const exact = spec.mode === VerificationMode.Exact;

  const agreed = await env.rounds.agreed(ref.round, deadline);
  if (!agreed) return { kind: "undecided", reason: `the agreed state of round ${ref.round} could not be established` };
  const agreedHash = agreed.hashes[name]!;
  /** Data not served: in exact mode the trajectory is public (S_r, the seed, the dataset), so it is derived. */
  const withheld = async (missing: string, segmentData: boolean): Promise<Verdict> =>
    (exact && (await derivedVerdict(env, ref, agreed, segment, missing))) || { kind: "unavailable", missing, segmentData };
  const manifest = agreed.manifests.get(ref.trainer.toLowerCase()) ?? (await manifestOf(env.evidence, ref, segments, deadline));
  if (!manifest) return withheld("manifest", true);
  const evidence: EvidenceItem[] = [{ key: ref.root, bytes: encodeManifest(manifest.checkpointRoots) }];
  const failed = (r: CheckResult & { ok: false }, ends?: { s0: ShardState; sH: ShardState }): Verdict =>
    agreed.confirmed
      ? { kind: "fail", check: r.check, segment: r.segment, reason: r.reason, manifest, evidence, ...(ends ? { ends } : {}) }
      : { kind: "undecided", reason: `${r.reason}, but round ${ref.round}'s agreed state rests on this node's own copy only` };
  const hashes = manifest.checkpointRoots;
  /** s_{ic}: the agreed state when it is s_0, else fetched by its committed state root. */
  const checkpoint = (i: number): Promise<ShardState | undefined> =>
    same(hashes[i]!, agreedHash) ? Promise.resolve(agreed.state[name]!) : checkpointOf(env.evidence, ref, hashes[i]!, shapes, Math.min(i, last), deadline);

  // 1. The start: the trajectory begins at S_r[shard].
  if (role === "auditor" || segment === 0) {
    const r = checkStart(hashes, agreedHash);
    if (!r.ok) return failed(r);
  }

  // 2. The segment, replayed from its committed start.
  const start = await checkpoint(segment);
  if (!start) return withheld(`checkpoint ${segment}`, true);
  evidence.push({ key: hashes[segment]!, bytes: stateBlob(stateArrays(start)) });
  let end: ShardState | undefined;
  if (!exact) {
    end = await checkpoint(segment + 1);
    if (!end) return { kind: "unavailable", missing: `checkpoint ${segment + 1}`, segmentData: true };
    evidence.push({ key: hashes[segment + 1]!, bytes: stateBlob(stateArrays(end)) });
  }
  const ctx = await env.rounds.context(ref, agreed);
  const c = spec.checkpointInterval;
  // Yield first: a replay holds the event loop, and peers and the chain follower should get a turn.
  await new Promise<void>((resolve) => setImmediate(resolve));
  // In two parts: the state before the last step is what the attention digest names (lib/protocol/attention.ts).
  const beforeLast = runSegment(ctx, start, segment * c, c - 1).state;
  const attention = exact && c >= 2 ? stateRootOf(stateArrays(beforeLast), shapes) : undefined;
  const replayed = runSegment(ctx, beforeLast, segment * c + c - 1, 1).state;
  const seg = compareSegmentEnd({ segment, tolerance, start, replayed, endHash: hashes[segment + 1]!, shapes, ...(end ? { end } : {}) });
  if (!seg.ok) return failed(seg);

  // 3. The update: Δ = s_0 − s_H.
  if (role === "auditor" || segment === last) {
    const extra = segment !== last; // data jurors of this segment would not ask for
    const s0 = await checkpoint(0);
    if (!s0) return withheld("checkpoint 0", !extra);
    // After an exact pass of the last segment, the replayed state is s_H (same hash, same bytes).
    const sH = segment === last && exact && same(stateRootOf(stateArrays(replayed), shapes), hashes[segments]!) ? replayed : segment === last && end ? end : await checkpoint(segments);
    if (!sH) return withheld(`checkpoint ${segments}`, !extra);
    let update: Float32Array[] | undefined;
    if (!exact) {
      update = await updateOfCommitment(env.evidence, ref, shapes, deadline);
      if (!update) return { kind: "unavailable", missing: "update", segmentData: !extra };
    }
    const u = checkUpdate({ lastSegment: last, tolerance, s0, sH, updateHash: ref.updateHash, shapes, ...(update ? { update } : {}) });
    if (!u.ok) {
      evidence.push({ key: hashes[0]!, bytes: stateBlob(stateArrays(s0)) }, { key: hashes[segments]!, bytes: stateBlob(stateArrays(sH)) });
      if (update) evidence.push({ key: ref.updateHash, bytes: canonicalStateBytes(update) });
      return failed(u, { s0, sH });
    }
  }
  return { kind: "pass", manifest, ...(attention ? { attention } : {}) };
}

/**
 * Exact mode, data withheld: the trajectory derived from S_r and the round's seed (trainRound, what an honest
 * trainer computes). When its root is the commitment's, the commitment is that trajectory, served or not: its
 * update is checked against the derived Δ (a wrong one is then a failed update check, which an update game
 * settles); when it is not, undefined (the data is missing and nothing public says what it was).
 */
async function derivedVerdict(env: VerifyEnv, ref: CommitmentRef, agreed: RoundState, segment: number, missing: string): Promise<Verdict | undefined> {
  const ctx = await env.rounds.context(ref, agreed);
  const traj = await trainRound(ctx, agreed.state[ctx.shardName]!, { pause: () => new Promise<void>((resolve) => setImmediate(resolve)) });
  if (!same(traj.root, ref.root)) return undefined;
  const c = ctx.checkpointInterval;
  const last = traj.checkpoints.length - 2;
  if (same(traj.updateHash, ref.updateHash)) {
    const beforeLast = runSegment(ctx, traj.checkpoints[segment]!, segment * c, c - 1).state;
    return { kind: "pass", manifest: traj, attention: stateRootOf(stateArrays(beforeLast), stateShapes(ctx.shardName, env.moe)) };
  }
  const reason = `${missing} withheld; the trajectory derived from S_r is the committed one, but its update ${traj.updateHash} is not the committed ${ref.updateHash}`;
  if (!agreed.confirmed) return { kind: "undecided", reason: `${reason}, and round ${ref.round}'s agreed state rests on this node's own copy only` };
  return { kind: "fail", check: "update", segment: last, reason, manifest: traj, evidence: [], ends: { s0: traj.checkpoints[0]!, sH: traj.finalState } };
}
