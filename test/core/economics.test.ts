import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { cheatingMargins, defaultRunSpec, detectionProbability, fullCommitmentReward } from "../../lib/core/index.ts";

describe("economic condition (lib/core/economics.ts)", () => {
  const spec = defaultRunSpec(0n);

  it("holds for the default spec on every way out of a caught fake", () => {
    const m = cheatingMargins(spec);
    assert.ok(m.fraud > 0n, `fraud margin ${m.fraud}`);
    assert.ok(m.withheld > 0n, `withheld margin ${m.withheld}`);
    assert.ok(m.selfEquivocation > 0n, `self-equivocation margin ${m.selfEquivocation}`);
  });

  it("fails when the slash is too small for the audit rate", () => {
    const m = cheatingMargins({ ...spec, slashBps: 2000 });
    assert.ok(m.fraud < 0n);
  });

  it("pays 10 tokens per full commitment by default", () => {
    assert.equal(fullCommitmentReward(spec), 10n * 10n ** 18n);
  });

  it("gives the detection probability 1 - (1 - rate*f)^n", () => {
    assert.ok(Math.abs(detectionProbability(1000, 1, 1) - 0.1) < 1e-12);
    assert.ok(Math.abs(detectionProbability(1000, 0.1, 10) - (1 - 0.99 ** 10)) < 1e-12);
    assert.ok(Math.abs(detectionProbability(1000, 0.1, 10) - 0.0956) < 1e-4);
    assert.equal(detectionProbability(0, 1, 100), 0);
  });
});
