import { existsSync } from "node:fs";
import { ChildFailedError, nodeBin, runChild, runJson } from "./child.ts";
import type { PartName } from "./result.ts";

// What each part of `npm run bench` runs (always as a child process, one after the other: the parts
// would otherwise share the cores they time), in full and in --quick mode, and what --quick changes.

const node = process.execPath;
/** Debian's python3 (where apt's python3-torch lives), else the first python3 on PATH. */
const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
/** torch_step.py's exit code when torch cannot be imported. */
const NO_TORCH = 3;

export interface Part {
  name: PartName;
  /** What the part measures (a progress line). */
  what: string;
  /** How --quick differs (a note in the output), when it does. */
  quickNote?: string;
  /** It runs several processes at once (its own load, not other work's). */
  manyProcesses?: true;
  run(quick: boolean): Promise<Record<string, unknown>>;
}

const min = 60_000;

export const PARTS: readonly Part[] = [
  {
    name: "gas",
    what: "gas per operation (hardhat build, then scripts/bench-gas.ts under tsx)",
    async run() {
      await runChild(node, [nodeBin("hardhat"), "build", "--quiet"], { timeoutMs: 5 * min });
      return runJson(node, [nodeBin("tsx"), "scripts/bench-gas.ts", "--json"], { timeoutMs: 5 * min });
    },
  },
  {
    name: "core",
    what: "state hash GB/s and CenteredClip ms (scripts/bench-core.ts)",
    run: () => runJson(node, ["scripts/bench-core.ts", "--json"], { timeoutMs: 3 * min }),
  },
  {
    name: "p2p",
    what: "update transfer MB/s between two processes (scripts/bench-p2p.ts)",
    run: () => runJson(node, ["scripts/bench-p2p.ts", "--json"], { timeoutMs: 3 * min }),
  },
  {
    name: "ml",
    what: "training steps/s per tfjs backend (scripts/bench-ml.ts)",
    run: () => runJson(node, ["scripts/bench-ml.ts", "--json", "--steps", "40"], { timeoutMs: 10 * min }),
  },
  {
    name: "baseline",
    what: `the same gate step in PyTorch on CPU (${PYTHON} scripts/bench/torch_step.py)`,
    async run() {
      try {
        return await runJson(PYTHON, ["scripts/bench/torch_step.py", "--json", "--steps", "40"], { timeoutMs: 10 * min });
      } catch (e) {
        if (e instanceof ChildFailedError && e.code === NO_TORCH) return { skipped: "python3-torch is not installed (Debian: apt install python3-torch)" };
        if (e instanceof ChildFailedError && e.notStarted) return { skipped: `${PYTHON} cannot be started` };
        throw e;
      }
    },
  },
  {
    name: "protocol",
    what: "a round's compute with the whole protocol ÷ the same local steps alone (scripts/bench-protocol.ts)",
    run: () => runJson(node, ["scripts/bench-protocol.ts", "--json", "--steps", "500"], { timeoutMs: 10 * min }),
  },
  {
    name: "scaling",
    what: "update exchange at 2, 4, 8 trainers (scripts/bench/scaling.ts)",
    quickNote: "scaling: median of 3 rounds (5 in full)",
    manyProcesses: true,
    run: (quick) => runJson(node, ["scripts/bench/scaling.ts", "--json", "--rounds", quick ? "3" : "5"], { timeoutMs: 10 * min }),
  },
  {
    name: "verification",
    what: "verifier CPU ÷ trainer CPU of an npm start run (scripts/bench/verification.ts)",
    manyProcesses: true,
    quickNote: "verification overhead: one npm start run of 2 rounds × 100 local steps (full: median of 3 runs of 5 rounds × 2000 steps; both with windows sized for this machine, --pace auto); a verifier's fixed cost weighs more in a short run",
    run: (quick) =>
      runJson(node, ["scripts/bench/verification.ts", "--json", ...(quick ? ["--rounds", "2", "--local-steps", "100"] : ["--runs", "3"])], { timeoutMs: (quick ? 10 : 40) * min }),
  },
];
