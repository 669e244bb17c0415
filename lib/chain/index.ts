// Chain bindings shared by nodes and scripts.
//   abi.ts         generated typed ABIs (scripts/gen-abi.ts)
//   render-abi.ts  how abi.ts is rendered from artifacts (also used by the staleness test)
export * from "./abi.ts";
