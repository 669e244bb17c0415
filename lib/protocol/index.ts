// The training protocol shared by trainers (who run it) and verifiers (who replay it): one module, two callers.
//   shards.ts      shard index <-> name, the model seed of a run, the step config a run implies (stepConfigFor)
//   trajectory.ts  a round's local steps: segments, checkpoint hashes, Merkle tree, the update Δ = s_0 − s_H
//   aggregate.ts   S_{r+1} from S_r and the committed updates (CenteredClip, outer step)
//   dataset.ts     checkDataset: the local MNIST against the run's datasetRoot
//   step-trace.ts  traceStep: a step's program, every tensor and its root, the trace root; stateRoot
//   manifest.ts    a commitment's checkpoint hashes, served keyed by its Merkle root and checked by rebuilding it
//   attention.ts   the digest an exact-mode attestation carries (a state root only the replay yields)
export * from "./shards.ts";
export * from "./trajectory.ts";
export * from "./aggregate.ts";
export * from "./manifest.ts";
export * from "./dataset.ts";
export * from "./step-trace.ts";
export * from "./program-commit.ts";
export * from "./attention.ts";
