import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { defaultRunSpec } from "../../lib/core/spec.ts";
import { inAuditWindow, pollDelayMs } from "../../verifier/poll.ts";

// Round r: opens at 1000 + 36r, commit deadline +28, audit end +38 (npm start's shape, 3 rounds).
const spec = defaultRunSpec(1000n, { rounds: 3, roundLength: 36, commitWindow: 28, auditWindow: 10, disputeWindow: 12 });
const o = { pollMs: 1000, idlePollMs: 4000, openDisputes: 0 };

describe("verifier poll interval (verifier/poll.ts)", () => {
  it("is busy from a second before each commit deadline to a second after its audit window", () => {
    for (const t of [1027, 1028, 1038.9, 1063, 1100]) assert.equal(inAuditWindow(spec, t), true, `t = ${t}`);
    for (const t of [900, 1000, 1026.9, 1039, 1062.9, 1200]) assert.equal(inAuditWindow(spec, t), false, `t = ${t}`);
  });

  it("polls every pollMs in an audit window and while a dispute is open", () => {
    assert.equal(pollDelayMs(spec, 1030, o), 1000);
    assert.equal(pollDelayMs(spec, 1045, { ...o, openDisputes: 1 }), 1000);
  });

  it("polls every idlePollMs elsewhere, waking a second before the next commit deadline", () => {
    assert.equal(pollDelayMs(spec, 1000, o), 4000);
    assert.equal(pollDelayMs(spec, 1045, o), 4000);
    assert.equal(pollDelayMs(spec, 1061, o), 2000); // next deadline 1064, wake at 1063
    assert.equal(pollDelayMs(spec, 1062.5, o), 1000); // never below pollMs
    assert.equal(pollDelayMs(spec, 1200, o), 4000); // after the last round: the run's end is checked each poll
  });
});
