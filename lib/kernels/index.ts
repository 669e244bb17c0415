// The reference arithmetic of exact mode (docs/PROTOCOL.md 3.7–3.8): no tfjs, no I/O, the same bits on every machine.
//   f32.ts          binary32 scalar operations: add sub mul div (correctly rounded), max, relu, exp32, log32
//   matmul.ts       the sequential-order matrix product: matmulScalar (the definition) and matmul (same bits, SIMD)
//   matmul-wasm.ts  the WebAssembly SIMD module behind matmul, assembled byte by byte
//   program.ts      a step as data: input tensors and operations (kind, arguments, shape, scalars)
//   run.ts          ProgramRunner: a program on whole tensors, fast, with a trace of every output
//   element.ts      elementOf: one output element of one operation from its argument rows (what a dispute re-executes)
//   step.ts         the gate and expert steps as programs (gateProgram, expertProgram) and their runs (gateStep, expertStep)
export * from "./f32.ts";
export * from "./matmul.ts";
export * from "./program.ts";
export * from "./run.ts";
export * from "./element.ts";
export * from "./step.ts";
