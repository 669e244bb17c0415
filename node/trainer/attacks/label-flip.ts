import { CLASSES, type MnistDataset } from "../../../lib/ml/mnist.ts";
import type { AttackParams, TrainerAttack } from "./types.ts";

// label-flip: trains honestly, but on poisoned data: every label y becomes 9 − y. The steps are real
// SGD steps, so the update looks like a normal one in size.
// Caught by: a verifier replaying any audited segment with the real labels (different end state:
// challenge, TrainerSlashed). Without audits, only CenteredClip stands between it and the model.

/** A dataset with labels y → 9 − y; the images are the real (read-only) ones, the labels a new array. */
export function flipLabels(real: MnistDataset): MnistDataset {
  const labels = new Uint8Array(real.labels.length);
  for (let i = 0; i < labels.length; i++) labels[i] = CLASSES - 1 - real.labels[i]!;
  return { pixels: real.pixels, labels, count: real.count };
}

export function labelFlip(_params: AttackParams): TrainerAttack {
  return { name: "label-flip", servesAuditData: true, trainingData: flipLabels };
}
