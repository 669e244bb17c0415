import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "mocha";
import { buildBundle, freshBundle } from "../../node/bundle.ts";

// node/bundle.ts: the peer's code bundled for a faster start, used only while it matches the sources.
// The bundles are built into a temporary folder inside node_modules/.cache (so the externals resolve).

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

describe("node/bundle.ts: the bundled peer code", function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    const cache = join(ROOT, "node_modules", ".cache"); // absent in a fresh clone until the first bundle
    mkdirSync(cache, { recursive: true });
    dir = mkdtempSync(join(cache, "verihive-bundle-test-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("builds a bundle that is fresh, loads, and exports what node/cli.ts uses", async () => {
    const url = await buildBundle(dir);
    assert.equal(freshBundle(dir), url);
    const m = (await import(url)) as typeof import("../../node/commands.ts");
    assert.equal(typeof m.main, "function");
    assert.equal(new m.VerihiveError("x").name, "VerihiveError");
  });

  it("is stale as soon as one source file it was built from differs", async () => {
    const url = await buildBundle(dir);
    const build = join(fileURLToPath(url), "..");
    const stampFile = join(build, "stamp.json");
    const stamp = JSON.parse(readFileSync(stampFile, "utf8")) as Record<string, [number, number]>;
    assert.ok(Object.keys(stamp).includes("verifier/verifier.ts"), "the verifier's sources are stamped");
    assert.ok(Object.keys(stamp).includes("node_modules/.package-lock.json"), "so is the installed dependency tree");
    assert.ok(!Object.keys(stamp).some((f) => f.startsWith("node_modules/") && f !== "node_modules/.package-lock.json"), "but no single dependency file");
    const [size, mtime] = stamp["verifier/model.ts"]!;
    writeFileSync(stampFile, JSON.stringify({ ...stamp, "verifier/model.ts": [size, mtime + 1] }));
    assert.equal(freshBundle(dir), undefined);
  });

  it("keeps the current build and the one before, and removes older ones", async () => {
    for (let i = 0; i < 3; i++) await buildBundle(dir);
    const builds = readdirSync(dir).filter((n) => n !== "current");
    assert.equal(builds.length, 2, builds.join(", "));
    assert.ok(builds.includes(readFileSync(join(dir, "current"), "utf8").trim()));
  });

  it("is not used with VERIHIVE_NO_BUNDLE=1", async () => {
    await buildBundle(dir);
    process.env.VERIHIVE_NO_BUNDLE = "1";
    try {
      assert.equal(freshBundle(dir), undefined);
    } finally {
      delete process.env.VERIHIVE_NO_BUNDLE;
    }
  });

  it("the CLI run from the bundle reports a typed error as a sentence, as from the sources", () => {
    for (const env of [{}, { VERIHIVE_NO_BUNDLE: "1" }]) {
      let out = "";
      try {
        execFileSync(process.execPath, [join(ROOT, "node", "cli.ts"), "verifier", "--rpc", "x"], { env: { ...process.env, ...env }, stdio: "pipe" });
      } catch (e) {
        out = String((e as { stderr: Buffer }).stderr);
      }
      assert.match(out, /^verihive: invalid verifier configuration:/, JSON.stringify(env));
      assert.doesNotMatch(out, /\n\s+at /, "no stack trace");
    }
  });
});
