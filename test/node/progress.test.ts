import assert from "node:assert/strict";
import { describe, it } from "mocha";
import type { Logger } from "../../node/log.ts";
import { createProgress } from "../../node/progress.ts";

function fakeStream() {
  const writes: string[] = [];
  return { writes, stream: { columns: 60, write: (s: string) => (writes.push(s), true) } as unknown as NodeJS.WriteStream };
}

describe("progress line (node/progress.ts)", () => {
  it("redraws one line in place with the merged fields, cut to the terminal width", () => {
    const { writes, stream } = fakeStream();
    const p = createProgress(true, "trainer", stream);
    p.update({ round: "1/5", phase: "training 40%" });
    p.update({ phase: "done", acc: "0.9312", credits: "3200", "samples/s": 12000, peers: 4 });
    const last = writes.at(-1)!;
    assert.ok(last.startsWith("\r\x1b[2Ktrainer ▸ round 1/5 · phase done · acc 0.9312"), last);
    assert.ok(last.length - "\r\x1b[2K".length <= 59);
    p.stop();
    assert.equal(writes.at(-1), "\r\x1b[2K", "stop clears the line");
  });

  it("clears the line before a log line and redraws it after", () => {
    const { writes, stream } = fakeStream();
    const p = createProgress(true, "verifier", stream);
    const logged: string[] = [];
    const log: Logger = { info: (e) => void logged.push(e), warn: (e) => void logged.push(e), error: (e) => void logged.push(e) };
    p.update({ audits: 3 });
    const n = writes.length;
    p.wrap(log).warn("check failed");
    assert.deepEqual(logged, ["check failed"]);
    assert.equal(writes[n], "\r\x1b[2K");
    assert.ok(writes[n + 1]!.includes("audits 3"));
  });

  it("is silent when disabled (not a terminal, or JSON logs), and passes logs through", () => {
    const { writes, stream } = fakeStream();
    const p = createProgress(false, "trainer", stream);
    const log: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
    p.update({ round: 1 });
    assert.equal(p.wrap(log), log);
    p.stop();
    assert.deepEqual(writes, []);
  });
});
