// One peer process of npm start (scripts/local-run/peer-process.ts): started again when it exits before it
// listens, as often as it is allowed to, with its arguments read afresh.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "mocha";
import { PeerProcess } from "../../scripts/local-run/peer-process.ts";

const dir = mkdtempSync(join(tmpdir(), "verihive-peer-process-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const FAIL = ["-e", "process.exit(3)"];
const LISTEN = ["-e", `console.log(JSON.stringify({ event: "listening", addrs: ["/ip4/127.0.0.1/tcp/1"] }))`];

describe("npm start peer process (scripts/local-run/peer-process.ts)", function () {
  this.timeout(20_000);

  it("starts a peer again when it exits before listening, reading its arguments afresh", async () => {
    let starts = 0;
    const p = new PeerProcess({ label: "t", args: () => (++starts === 1 ? FAIL : LISTEN), logFile: join(dir, "a.log"), echoStderr: false, retriesBeforeListening: 2 });
    assert.equal(await p.listening, "/ip4/127.0.0.1/tcp/1");
    assert.equal(await p.done, 0);
    assert.equal(starts, 2);
    assert.match(readFileSync(join(dir, "a.log"), "utf8"), /exited with 3 before listening; starting it again/);
  });

  it("gives up after its retries, with the last exit code", async () => {
    let starts = 0;
    const p = new PeerProcess({ label: "t", args: () => (starts++, FAIL), logFile: join(dir, "b.log"), echoStderr: false, retriesBeforeListening: 1 });
    await assert.rejects(p.listening, /exited with 3 before listening/);
    assert.equal(await p.done, 3);
    assert.equal(starts, 2);
  });

  it("does not retry by default", async () => {
    const p = new PeerProcess({ label: "t", args: () => FAIL, logFile: join(dir, "c.log"), echoStderr: false });
    assert.equal(await p.done, 3);
  });
});
