// `npm start`'s flags (scripts/local-run/options.ts, pure): the byzantine trainers' attack list, the
// byzantine verifiers, the verification mode and the per-trainer backends, good values and bad; and what
// they lead to in the run spec and the report's verdict.
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import type { Address } from "viem";
import { VerificationMode } from "../../lib/core/index.ts";
import {
  buildReport,
  DEFAULT_TOLERANCE_MICROS,
  localRunSpec,
  parseStartOptions,
  trainerAttack,
  UsageError,
  verifierAttack,
  type StartOptions,
  type TrainerOutcome,
  type VerifierOutcome,
} from "../../scripts/local-run/index.ts";
import type { TrainerSummary } from "../../node/trainer/trainer.ts";

function parse(...argv: string[]): StartOptions {
  const o = parseStartOptions(argv);
  assert.notEqual(o, "help");
  return o as StartOptions;
}

/** Parsing `argv` throws a UsageError whose message contains `expected`. */
function refuses(argv: string[], expected: string): void {
  assert.throws(
    () => parseStartOptions(argv),
    (e: unknown) => e instanceof UsageError && e.name === "UsageError" && e.message.includes(expected),
    `expected a UsageError containing "${expected}"`,
  );
}

describe("npm start options (scripts/local-run/options.ts)", () => {
  describe("defaults", () => {
    it("runs honest peers, exact mode, every trainer on --backend", () => {
      const o = parse();
      assert.equal(o.mode, "exact");
      assert.equal(o.toleranceMicros, 0);
      assert.deepEqual(o.trainerBackends, ["auto", "auto", "auto", "auto"]);
      assert.equal(o.byzantineVerifiers, 0);
      assert.equal(o.verifierAttacks, undefined);
      assert.equal(o.attack, undefined);
      assert.deepEqual([0, 1, 2, 3].map((i) => trainerAttack(o, i)), [null, null, null, null]);
    });

    it("gives --backend to every trainer when --trainer-backends is absent", () => {
      assert.deepEqual(parse("--trainers", "3", "--backend", "cpu").trainerBackends, ["cpu", "cpu", "cpu"]);
    });
  });

  describe("--attack LIST", () => {
    it("gives one name to all K attackers", () => {
      const o = parse("--trainers", "5", "--byzantine", "3", "--attack", "noise");
      assert.deepEqual(o.attack?.names, ["noise", "noise", "noise"]);
      assert.deepEqual([0, 1, 2, 3, 4].map((i) => trainerAttack(o, i)), [null, null, "noise", "noise", "noise"]);
    });

    it("gives K names to the last K trainers in order", () => {
      const o = parse("--trainers", "5", "--byzantine", "2", "--attack", "sign-flip,label-flip");
      assert.deepEqual(o.attack?.names, ["sign-flip", "label-flip"]);
      assert.deepEqual([0, 1, 2, 3, 4].map((i) => trainerAttack(o, i)), [null, null, null, "sign-flip", "label-flip"]);
    });

    it("keeps λ for every attacker, and refuses the removed --attack-fraction", () => {
      const o = parse("--byzantine", "2", "--attack", "sign-flip,noise", "--attack-lambda", "2");
      assert.deepEqual(o.attack, { names: ["sign-flip", "noise"], lambda: 2 });
      refuses(["--byzantine", "1", "--attack", "noise", "--attack-fraction", "0.5"], "Unknown option '--attack-fraction'");
    });

    it("refuses a list whose length is neither 1 nor K", () => {
      refuses(["--trainers", "5", "--byzantine", "3", "--attack", "sign-flip,label-flip"], "--attack lists 2 attacks for --byzantine 3: give one name for all of them or exactly 3");
      refuses(["--byzantine", "1", "--attack", "noise,noise"], "--attack lists 2 attacks for --byzantine 1");
    });

    it("refuses an unknown name anywhere in the list, and empty items", () => {
      refuses(["--byzantine", "2", "--attack", "sign-flip,lazy"], "--attack: each must be one of sign-flip, noise, label-flip, equivocate, withhold, alie, ipm, stale, free-ride, one-op, hide-one-op (got 'lazy')");
      refuses(["--byzantine", "2", "--attack", "sign-flip,"], "--attack must be a comma-separated list without empty items (got 'sign-flip,')");
      refuses(["--byzantine", "1", "--attack", ""], "--attack must be a comma-separated list without empty items");
    });

    it("still needs --byzantine, and --byzantine still needs it", () => {
      refuses(["--attack", "sign-flip,noise"], "--attack and --attack-lambda need --byzantine K > 0");
      refuses(["--byzantine", "2"], "--byzantine needs --attack NAME");
    });
  });

  describe("--byzantine-verifiers J and --verifier-attack NAME", () => {
    it("makes the last J verifiers run the attack", () => {
      const o = parse("--verifiers", "3", "--byzantine-verifiers", "2", "--verifier-attack", "false-challenge");
      assert.equal(o.byzantineVerifiers, 2);
      assert.deepEqual(o.verifierAttacks, ["false-challenge", "false-challenge"]);
      assert.deepEqual([0, 1, 2].map((j) => verifierAttack(o, j)), [null, "false-challenge", "false-challenge"]);
    });

    it("takes one attack per byzantine verifier, in order, and refuses a list of another length", () => {
      const o = parse("--verifiers", "3", "--byzantine-verifiers", "2", "--verifier-attack", "lazy,false-challenge");
      assert.deepEqual([0, 1, 2].map((j) => verifierAttack(o, j)), [null, "lazy", "false-challenge"]);
      refuses(["--verifiers", "3", "--byzantine-verifiers", "1", "--verifier-attack", "lazy,lazy"], "--verifier-attack lists 2 attacks for --byzantine-verifiers 1");
      refuses(["--verifiers", "3", "--byzantine-verifiers", "2", "--verifier-attack", "lazy,"], "--verifier-attack must be a comma-separated list without empty items");
    });

    it("takes lazy, and every verifier as byzantine", () => {
      const o = parse("--verifiers", "2", "--byzantine-verifiers", "2", "--verifier-attack", "lazy");
      assert.deepEqual([0, 1].map((j) => verifierAttack(o, j)), ["lazy", "lazy"]);
    });

    it("refuses more byzantine verifiers than verifiers, or a bad count", () => {
      refuses(["--verifiers", "2", "--byzantine-verifiers", "3", "--verifier-attack", "lazy"], "--byzantine-verifiers must be an integer in [0, 2] (got '3')");
      refuses(["--byzantine-verifiers=-1", "--verifier-attack", "lazy"], "--byzantine-verifiers must be an integer in [0, 2] (got '-1')");
      refuses(["--byzantine-verifiers", "one"], "--byzantine-verifiers must be an integer");
    });

    it("refuses an unknown verifier attack, trainer attacks included", () => {
      refuses(["--byzantine-verifiers", "1", "--verifier-attack", "sign-flip"], "--verifier-attack: each must be one of lazy, false-challenge (got 'sign-flip')");
      refuses(["--byzantine-verifiers", "1", "--verifier-attack", "lazy,sign-flip"], "--verifier-attack: each must be one of lazy, false-challenge (got 'sign-flip')");
    });

    it("needs both flags together", () => {
      refuses(["--byzantine-verifiers", "1"], "--byzantine-verifiers needs --verifier-attack NAME");
      refuses(["--verifier-attack", "lazy"], "--verifier-attack needs --byzantine-verifiers J > 0");
      refuses(["--byzantine-verifiers", "0", "--verifier-attack", "lazy"], "--verifier-attack needs --byzantine-verifiers J > 0");
    });
  });

  describe("--undefended", () => {
    it("is off by default, with the 10% audit rate", () => {
      const o = parse();
      assert.equal(o.undefended, false);
      assert.equal(o.auditRateBps, 1000);
    });

    it("sets the audit rate to 0, and the run spec follows", () => {
      const o = parse("--undefended", "--byzantine", "1", "--attack", "ipm");
      assert.equal(o.undefended, true);
      assert.equal(o.auditRateBps, 0);
      const spec = localRunSpec({ ...o, pace: undefined, startTime: 1000n, cores: 2 });
      assert.equal(spec.auditRateBps, 0);
    });

    it("refuses an audit rate beside it", () => {
      refuses(["--undefended", "--audit-rate", "0"], "--undefended sets the audit rate to 0: leave out --audit-rate");
      refuses(["--audit-rate", "5000", "--undefended"], "--undefended sets the audit rate to 0");
    });
  });

  describe("--pace", () => {
    const shape = { startTime: 1000n, rounds: 2, localSteps: 2000, trainers: 4, verifiers: 2, auditRateBps: 1000, mode: "exact", toleranceMicros: 0, cores: 2 } as const;

    it("is unset by default, and takes a number or auto", () => {
      assert.equal(parse().pace, undefined);
      assert.equal(parse("--pace", "170").pace, 170);
      assert.equal(parse("--pace", "auto").pace, "auto");
    });

    it("refuses anything but a positive integer or auto", () => {
      for (const bad of ["0", "-5", "1.5", "fast", "1000001"]) refuses([`--pace=${bad}`], `--pace must be an integer in [1, 1000000] (got '${bad}')`);
    });

    it("sizes the windows for training at that pace, without the machine-blind H/50 terms", () => {
      // Default: 2000 × (4 / 2) / 100 = 40 s of training, and the H/50 terms: commit 12 + 40 s, round 20 + 40 s.
      const slow = localRunSpec(shape);
      assert.deepEqual([slow.commitWindow, slow.roundLength], [52, 60]);
      // 2000 × 2 / 200 = 20 s of training: commit 28 s, round 36 s.
      const paced = localRunSpec({ ...shape, pace: 200 });
      assert.deepEqual([paced.commitWindow, paced.roundLength], [28, 36]);
      // Never below 12 s and 20 s however fast.
      const fast = localRunSpec({ ...shape, localSteps: 25, pace: 100_000 });
      assert.deepEqual([fast.commitWindow, fast.roundLength], [12, 20]);
    });
  });

  describe("--mode and --tolerance-micros", () => {
    it("defaults τ to 0.1 in tolerance mode", () => {
      const o = parse("--mode", "tolerance");
      assert.equal(o.mode, "tolerance");
      assert.equal(o.toleranceMicros, DEFAULT_TOLERANCE_MICROS);
      assert.equal(DEFAULT_TOLERANCE_MICROS, 100_000);
    });

    it("takes --tolerance-micros up to a uint32", () => {
      assert.equal(parse("--mode", "tolerance", "--tolerance-micros", "1").toleranceMicros, 1);
      assert.equal(parse("--mode", "tolerance", "--tolerance-micros", "4294967295").toleranceMicros, 2 ** 32 - 1);
      assert.equal(parse("--mode", "exact").toleranceMicros, 0);
    });

    it("refuses an unknown mode", () => {
      refuses(["--mode", "approximate"], "--mode must be one of exact, tolerance (got 'approximate')");
      refuses(["--mode", "Exact"], "--mode must be one of exact, tolerance");
    });

    it("refuses a tolerance that is not an integer above 0", () => {
      for (const bad of ["0", "-5", "0.5", "1e5", "abc", "4294967296"]) {
        refuses(["--mode", "tolerance", `--tolerance-micros=${bad}`], `--tolerance-micros must be an integer in [1, 4294967295] (got '${bad}')`);
      }
    });

    it("refuses --tolerance-micros without tolerance mode", () => {
      refuses(["--tolerance-micros", "100000"], "--tolerance-micros needs --mode tolerance");
      refuses(["--mode", "exact", "--tolerance-micros", "100000"], "--tolerance-micros needs --mode tolerance");
    });

    it("sets the run spec's mode and toleranceMicros", () => {
      const shape = { startTime: 1000n, rounds: 2, localSteps: 50, trainers: 4, verifiers: 2, auditRateBps: 10_000, cores: 4 };
      const tolerant = localRunSpec({ ...shape, ...parse("--mode", "tolerance", "--tolerance-micros", "250000"), pace: undefined });
      assert.equal(tolerant.mode, VerificationMode.Tolerance);
      assert.equal(tolerant.toleranceMicros, 250_000);
      const exact = localRunSpec({ ...shape, ...parse(), pace: undefined });
      assert.equal(exact.mode, VerificationMode.Exact);
      assert.equal(exact.toleranceMicros, 0);
    });
  });

  describe("--trainer-backends LIST", () => {
    it("gives each trainer its backend in order, leaving --backend to the verifiers", () => {
      const o = parse("--trainers", "4", "--trainer-backends", "wasm,cpu,wasm,wasm", "--backend", "wasm");
      assert.deepEqual(o.trainerBackends, ["wasm", "cpu", "wasm", "wasm"]);
      assert.equal(o.backend, "wasm");
      assert.deepEqual(parse("--trainers", "1", "--trainer-backends", "cpu").trainerBackends, ["cpu"]);
    });

    it("refuses a list whose length is not --trainers", () => {
      refuses(["--trainers", "4", "--trainer-backends", "wasm,cpu,wasm"], "--trainer-backends names 3 backends for 4 trainers: give exactly one per trainer, in order");
      refuses(["--trainer-backends", "wasm"], "--trainer-backends names 1 backends for 4 trainers");
    });

    it("refuses an unknown backend and empty items", () => {
      refuses(["--trainers", "2", "--trainer-backends", "wasm,tpu"], "--trainer-backends: each must be one of auto, gpu, node, wasm, cpu (got 'tpu')");
      refuses(["--trainers", "2", "--trainer-backends", "wasm,,cpu"], "--trainer-backends must be a comma-separated list without empty items");
    });
  });
});

describe("npm start report verdict with byzantine verifiers (scripts/local-run/report.ts)", () => {
  const addr = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as Address;
  const summary: TrainerSummary = { stateHashes: { gate: "0x01" }, rounds: [{ accuracy: 0.9 }], accuracy: 0.9, cpuSeconds: 10, rewards: "0" } as unknown as TrainerSummary;
  const trainers: TrainerOutcome[] = [{ index: 0, address: addr(1), shard: "gate", attack: null, exitCode: 0, summary, restarts: undefined }];
  const verifier = (index: number, attack: VerifierOutcome["attack"], exitCode = 0): VerifierOutcome => ({
    index,
    address: addr(10 + index),
    attack,
    exitCode,
    summary: exitCode === 0 ? { cpuSeconds: 1 } : undefined,
  });
  const facts = (slashed: Record<string, ("juror-penalty" | "bond-lost")[]>) => ({ slashes: new Map(Object.entries(slashed)), credits: new Map<string, bigint>() });

  it("gives a slashed trainer the earliest round of its slashed commitments, when the chain facts have them", () => {
    const withRounds = { ...facts({ [addr(1)]: ["juror-penalty"] }), slashRounds: new Map([[addr(1), 2]]) };
    assert.equal(buildReport(1, trainers, [], withRounds).report.peers[0]!.slashedInRound, 2);
    assert.ok(!("slashedInRound" in buildReport(1, trainers, [], facts({})).report.peers[0]!));
  });

  it("marks a byzantine verifier's attack and does not count its failure or its slash", () => {
    const { report, failures } = buildReport(1, trainers, [verifier(0, null), verifier(1, "false-challenge", 1)], facts({ [addr(11)]: ["bond-lost"] }));
    assert.deepEqual(failures, []);
    const v = report.peers.find((p) => p.address === addr(11))!;
    assert.equal(v.attack, "false-challenge");
    assert.equal(v.slashed, true);
    assert.deepEqual(v.slashedFor, ["bond-lost"]);
  });

  it("still counts an honest verifier's failure", () => {
    const { failures } = buildReport(1, trainers, [verifier(0, null, 1), verifier(1, "lazy")], facts({}));
    assert.deepEqual(failures, ["honest verifier 0 failed (exit 1, no summary)"]);
  });

  it("counts an honest verifier's slash only where no verifier is byzantine", () => {
    const slashed = facts({ [addr(10)]: ["juror-penalty"] });
    assert.deepEqual(buildReport(1, trainers, [verifier(0, null), verifier(1, null)], slashed).failures, ["honest verifier 0 was slashed (juror-penalty)"]);
    assert.deepEqual(buildReport(1, trainers, [verifier(0, null), verifier(1, "lazy")], slashed).failures, []);
  });
});
