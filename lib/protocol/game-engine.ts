import type { Address, Hex } from "viem";
import type { Claim } from "../core/commitment.ts";
import type { MerkleTree } from "../core/merkle.ts";
import { CHUNK_VALUES } from "../core/tensor-commit.ts";
import type { Shape } from "../kernels/program.ts";
import {
  chunksMove,
  disputedChunk,
  disputedOp,
  disputedStep,
  disputedUpdate,
  endsOf,
  oneStepMove,
  openMove,
  stepsMove,
  tensorChunk,
  traceMove,
  updateWriter,
  type BatchSource,
} from "./game.ts";
import type { ProgramTree } from "./program-commit.ts";
import type { StepTrace } from "./step-trace.ts";

// The next move of a side in a dispute game, from the game's on-chain record and what the other side posted
// (its events) alone: a pure function, so a peer that restarts mid-game (kill -9) computes the same move again
// from the chain and its own data. docs/PROTOCOL.md 7.1–7.2; contracts/GameBase.sol numbers the phases.

export const GamePhase = {
  None: 0,
  Steps: 1,
  PickStep: 2,
  Trace: 3,
  PickOp: 4,
  Chunks: 5,
  PickChunk: 6,
  Open: 7,
  OneStep: 8,
  Over: 9,
  UpdateOpen: 10,
  UpdateElement: 11,
  Manifest: 12,
  PickSegment: 13,
} as const;

/** The segment of a challenge on a trajectory that was not served: the trainer posts its manifest first. */
export const ANY_SEGMENT = 0xffffffff;

const TRAINER_PHASES: ReadonlySet<number> = new Set([GamePhase.Steps, GamePhase.Trace, GamePhase.Chunks, GamePhase.Open, GamePhase.UpdateOpen, GamePhase.Manifest]);

/** The fields of a game's record (DisputeGame.gameOf) a move depends on. */
export interface GameRecord {
  phase: number;
  trainer: Address;
  challenger: Address;
  segment: number;
  step: number;
  tensor: number;
  chunk: number;
  rows: number;
  cols: number;
  m: number;
  checkpointInterval: number;
}

/** What the game's events carry so far (each set once its move is made). */
export interface Posted {
  roots?: readonly Hex[];
  trace?: { items: readonly Hex[]; m: number };
  leaves?: readonly Hex[];
  chunk?: Hex;
  update?: { start: Hex; end: Hex; update: Hex };
  /** Every checkpoint root, on a challenge of ANY_SEGMENT. */
  manifest?: readonly Hex[];
}

/** A move as a contract call on DisputeGame. */
export type GameMove = { functionName: string; args: readonly unknown[] };

export function trainerToMove(phase: number): boolean {
  return TRAINER_PHASES.has(phase);
}

/** What a trainer holds of its committed round. */
export interface TrainerRound {
  shard: number;
  checkpointRoots: readonly Hex[];
  tree: MerkleTree;
  /** The c + 1 state roots of segment j's steps, from its start. */
  stepRoots(segment: number): readonly Hex[];
  /** The trace of local step t (recomputed from the checkpoint before it). */
  trace(step: number): StepTrace;
  /** s_0, s_H and the committed update, as state-shaped arrays, with the state's shapes (the update game). */
  ends(): { s0: readonly Float32Array[]; sH: readonly Float32Array[]; update: readonly Float32Array[]; shapes: readonly Shape[] };
}

/** The trainer's next move in game `id`, or null when it is not the trainer's turn. */
export function trainerMove(id: bigint, g: GameRecord, posted: Posted, r: TrainerRound, programs: ProgramTree): GameMove | null {
  if (!trainerToMove(g.phase)) return null;
  switch (g.phase) {
    case GamePhase.Steps: {
      const s = stepsMove(r.checkpointRoots, r.tree, g.segment, r.stepRoots(g.segment));
      return { functionName: "postSteps", args: [id, s.roots, s.proof, s.prevStart, s.prevProof] };
    }
    case GamePhase.Trace: {
      const a = traceMove(r.trace(g.step), programs, r.shard);
      return { functionName: "postTrace", args: [id, a.items, a.m, a.header, a.headerProof] };
    }
    case GamePhase.Chunks:
      return { functionName: "postChunks", args: [id, chunksMove(r.trace(g.step), g.tensor)] };
    case GamePhase.Open:
      return { functionName: "open", args: [id, openMove(r.trace(g.step), g.tensor, g.chunk)] };
    case GamePhase.Manifest:
      return { functionName: "postManifest", args: [id, r.checkpointRoots, r.checkpointRoots.slice(0, -1).map((_, j) => r.tree.proof(j))] };
    case GamePhase.UpdateOpen: {
      const e = r.ends();
      const chunks = [e.s0, e.sH, e.update].map((a) => tensorChunk(a, e.shapes, g.tensor, g.chunk));
      return { functionName: "openUpdate", args: [id, endsOf(r.checkpointRoots, r.tree), chunks[0], chunks[1], chunks[2]] };
    }
  }
  return null;
}

/** What a challenger computed itself: the segment replayed from the trainer's start. */
export interface ChallengerView {
  shard: number;
  /** Its own c + 1 state roots of segment j, from the trainer's start. */
  stepRoots(segment: number): readonly Hex[];
  /** Its own trace of local step t. */
  trace(step: number): StepTrace;
  /** The batch of local step t (dataset, its tree, the indices). */
  batch(step: number): BatchSource;
  /** Its own checkpoint roots of the whole round (derived from S_r and the seed): for a challenge of ANY_SEGMENT. */
  trajectory?(): readonly Hex[];
}

/**
 * The challenger's next move in game `id`, or null when it is not its turn or it finds nothing it can win
 * (an honest challenger then lets the game go: it opened it only on a replay that differs, so this happens
 * only if its own computation is wrong).
 */
export function challengerMove(id: bigint, g: GameRecord, posted: Posted, v: ChallengerView | undefined, programs: ProgramTree): GameMove | null {
  if (g.phase === GamePhase.UpdateElement) {
    if (!posted.update) return null;
    const e = disputedElement(posted.update, g.chunk, g.cols);
    return e && { functionName: "checkUpdate", args: [id, posted.update.start, posted.update.end, posted.update.update, BigInt(e.i), BigInt(e.j)] };
  }
  if (g.phase === GamePhase.PickSegment) {
    // The first segment whose leaf differs from its own derived trajectory (starts that differ: S_r is not on-chain).
    const j = posted.manifest && v?.trajectory ? disputedStep(v.trajectory(), posted.manifest) : null;
    return j === null ? null : { functionName: "pickSegment", args: [id, j] };
  }
  if (!v) return null; // a step game needs the challenger's own replay
  switch (g.phase) {
    case GamePhase.PickStep: {
      const t = posted.roots && disputedStep(v.stepRoots(g.segment), posted.roots);
      return t === null || t === undefined ? null : { functionName: "pickStep", args: [id, posted.roots, t] };
    }
    case GamePhase.PickOp: {
      if (!posted.trace) return null;
      const p = disputedOp(v.trace(g.step), posted.trace.items, posted.trace.m, programs, v.shard);
      if (p === null) return null;
      if (p.move === "contestRouted") {
        return { functionName: "contestRouted", args: [id, p.select, p.selectProof, p.routeRoot, p.routeProof, p.routeChunk, p.chunkProof] };
      }
      return { functionName: "pickOp", args: [id, p.t, p.root, p.rootProof, p.op, p.opProof] };
    }
    case GamePhase.PickChunk: {
      const c = posted.leaves && disputedChunk(v.trace(g.step), g.tensor, posted.leaves);
      return c === null || c === undefined ? null : { functionName: "pickChunk", args: [id, posted.leaves, c] };
    }
    case GamePhase.OneStep: {
      if (!posted.chunk || !posted.trace) return null;
      const bytes = hexBytes(posted.chunk);
      const one = oneStepMove(v.trace(g.step), posted.trace.items, g.tensor, g.chunk, bytes, v.batch(g.step), programs, v.shard);
      return one && { functionName: "oneStep", args: [id, one.chunk, one.op, BigInt(one.i), BigInt(one.j), one.reads] };
    }
  }
  return null;
}

/**
 * The challengeUpdate call that opens an update game on a commitment whose update Δ is not s_0 ⊖ s_H: on the
 * first state tensor and chunk where they differ. Null when Δ is right everywhere (nothing to win).
 */
export function updateChallenge(
  c: { runId: bigint; round: bigint; trainer: Address; shard: number; claim: Claim },
  ends: { s0: readonly Float32Array[]; sH: readonly Float32Array[]; update: readonly Float32Array[]; shapes: readonly Shape[] },
  programs: ProgramTree,
): GameMove | null {
  const pick = disputedUpdate(ends.s0, ends.sH, ends.update, ends.shapes);
  if (!pick) return null;
  const w = updateWriter(programs, c.shard, pick.tensor);
  return { functionName: "challengeUpdate", args: [c.runId, c.round, c.trainer, c.claim, pick.tensor, pick.chunk, w.header, w.headerProof, w.leaf, w.proof] };
}

function hexBytes(h: Hex): Uint8Array {
  return Uint8Array.from(Buffer.from(h.slice(2), "hex"));
}

/** The first element of opened update chunks where Δ is not s_0 ⊖ s_H (NaN equal to NaN). */
export function disputedElement(opened: { start: Hex; end: Hex; update: Hex }, chunk: number, cols: number): { i: number; j: number } | null {
  const [s0, sH, d] = [opened.start, opened.end, opened.update].map((h) => {
    const b = hexBytes(h);
    return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  });
  for (let k = 0; k < d!.length; k++) {
    const want = Math.fround(s0![k]! - sH![k]!);
    const got = d![k]!;
    if (Object.is(want, got) || (Number.isNaN(want) && Number.isNaN(got))) continue;
    const e = chunk * CHUNK_VALUES + k;
    return { i: Math.floor(e / cols), j: e % cols };
  }
  return null;
}
