// The reference arithmetic of exact mode (docs/PROTOCOL.md 3.7–3.8): no tfjs, no I/O, the same bits on every machine.
//   f32.ts          binary32 scalar operations: add sub mul div (correctly rounded), max, relu, exp32, log32
//   matmul.ts       the sequential-order matrix product: matmulScalar (the definition) and matmul (same bits, SIMD)
//   matmul-wasm.ts  the WebAssembly SIMD module behind matmul, assembled byte by byte
//   tensor-ops.ts   the step's tensor operations: bias, relu, sums, max, argmax, softmax pieces
//   step.ts         gateStep, expertStep, momentumStep: the reference step, each operation traceable
export * from "./f32.ts";
export * from "./matmul.ts";
export * from "./step.ts";
