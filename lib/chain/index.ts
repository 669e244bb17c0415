// Chain bindings and actions shared by nodes and scripts (one action per file under actions/).
//   abi.ts                  generated typed ABIs (scripts/gen-abi.ts)
//   render-abi.ts           how abi.ts is rendered from artifacts (also used by the staleness test)
//   deploy.ts               deploys token, staking and coordinator over any JSON-RPC
//   errors.ts               ChainError and clear sentences for the contracts' custom errors
//   key-file.ts             raw key files and v3 JSON keystores
//   local-node.ts           a hardhat node on 127.0.0.1 (npm start, tests)
//   node-fetch.ts           the fetch viem calls: node:http(s) with keep-alive, answers capped
//   actions/connect.ts      clients for an RPC URL, with chain-id check
//   actions/read-run.ts     a run's spec (from RunCreated), owner and pool
//   actions/ensure-stake.ts approve + stake up to what a seat needs
//   actions/join-run.ts     take a trainer or verifier seat
//   actions/commit-round.ts commit a round
//   actions/read-game.ts    a dispute game's record and what its moves posted
export * from "./abi.ts";
export * from "./deploy.ts";
export * from "./errors.ts";
export * from "./key-file.ts";
export * from "./local-node.ts";
export * from "./node-fetch.ts";
export * from "./actions/connect.ts";
export * from "./actions/read-run.ts";
export * from "./actions/ensure-stake.ts";
export * from "./actions/join-run.ts";
export * from "./actions/commit-round.ts";
export * from "./actions/read-game.ts";
