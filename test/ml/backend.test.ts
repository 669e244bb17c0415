import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { describe, it } from "mocha";
import { BackendUnavailableError, selectBackend, type BackendPreference } from "../../lib/ml/index.ts";

const TF_NAME = { gpu: "tensorflow", node: "tensorflow", wasm: "wasm", cpu: "cpu" } as const;

/** Whether a package resolves here (the native tfjs packages usually do not). */
async function installed(name: string): Promise<boolean> {
  try {
    await import(name);
    return true;
  } catch {
    return false;
  }
}

describe("ml/backend", () => {
  it("auto reports the backend that really runs, with a reason for each one skipped", async () => {
    const chosen = await selectBackend("auto");
    assert.equal(tf.getBackend(), chosen.tfBackend);
    assert.equal(chosen.tfBackend, TF_NAME[chosen.name]);
    for (const s of chosen.skipped) assert.match(s.reason, new RegExp(`^${s.name}: `));
    console.log(`      backend: ${chosen.detail}`);
  });

  it("auto tries tfjs-node-gpu and tfjs-node first and says why they were skipped", async function () {
    if ((await installed("@tensorflow/tfjs-node-gpu")) || (await installed("@tensorflow/tfjs-node"))) this.skip();
    const chosen = await selectBackend("auto");
    assert.deepEqual(
      chosen.skipped.slice(0, 2).map((s) => s.name),
      ["gpu", "node"],
    );
    assert.match(chosen.skipped[0]!.reason, /@tensorflow\/tfjs-node-gpu/);
    assert.match(chosen.skipped[1]!.reason, /@tensorflow\/tfjs-node/);
  });

  it("cpu is always available", async () => {
    const chosen = await selectBackend("cpu");
    assert.equal(chosen.name, "cpu");
    assert.equal(tf.getBackend(), "cpu");
  });

  it("wasm either runs for real or throws BackendUnavailableError (never a silent fallback)", async () => {
    await selectBackend("cpu");
    try {
      const chosen = await selectBackend("wasm");
      assert.equal(tf.getBackend(), "wasm");
      assert.match(chosen.detail, /^wasm \(/);
    } catch (err) {
      assert.ok(err instanceof BackendUnavailableError, String(err));
      assert.notEqual(tf.getBackend(), "wasm");
    }
  });

  for (const [kind, pkg] of [
    ["node", "@tensorflow/tfjs-node"],
    ["gpu", "@tensorflow/tfjs-node-gpu"],
  ] as const) {
    it(`an explicit '${kind}' preference that cannot run throws BackendUnavailableError naming ${pkg}`, async function () {
      if (await installed(pkg)) this.skip();
      await assert.rejects(
        selectBackend(kind),
        (err: unknown) =>
          err instanceof BackendUnavailableError && err.name === "BackendUnavailableError" && err.message.includes(pkg),
      );
    });
  }

  it("rejects an unknown preference", async () => {
    await assert.rejects(selectBackend("tpu" as BackendPreference), BackendUnavailableError);
  });
});
