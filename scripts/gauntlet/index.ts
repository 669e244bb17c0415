// The pieces of `npm run gauntlet` (scripts/gauntlet.ts): every attack against the defended and the
// undefended protocol, on npm start runs.
//   plan.ts     the flags, each attack's strength, and the runs (npm start flags): clean, then each attack
//               defended and undefended
//   run.ts      one run: npm start as a child, progress from its round lines, its report and logs kept
//   summary.ts  a report boiled down to the gauntlet's figures, the targets, the JSON written
//   table.ts    the table printed
export * from "./plan.ts";
export * from "./run.ts";
export * from "./summary.ts";
export * from "./table.ts";
