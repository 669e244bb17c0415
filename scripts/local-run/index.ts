// The pieces of `npm start` (scripts/start.ts): a local chain, a run, and trainer and verifier processes.
//   options.ts       the flags (--trainers, --verifiers, --byzantine/--attack…, --byzantine-verifiers, --mode,
//                    --trainer-backends, --crash I@R, …) and the usage text
//   run-spec.ts      the run spec: shards, windows sized for one machine, jury and verifier seats
//   peer-process.ts  one peer process: JSON log lines, log file, kill -9 and restart, stop
//   chain-facts.ts   slashes (TrainerSlashed, CommitmentWithheld, JurorPenalized, lost challenge bonds) and
//                    credits, read from the chain
//   report.ts        the JSON report, the failures that make npm start exit 1, and the printed table
export * from "./options.ts";
export * from "./run-spec.ts";
export * from "./peer-process.ts";
export * from "./chain-facts.ts";
export * from "./report.ts";
