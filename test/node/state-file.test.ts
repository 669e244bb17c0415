import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "mocha";
import { MAX_STATE_FILE_BYTES, readJson, StateFileError, writeJsonAtomic } from "../../node/index.ts";

const root = mkdtempSync(join(tmpdir(), "verihive-state-"));
after(() => rmSync(root, { recursive: true, force: true }));

interface RoundState {
  round: number;
  phase: string;
}

function roundState(v: unknown): RoundState {
  const o = v as Partial<RoundState> | null;
  if (typeof o?.round !== "number" || typeof o.phase !== "string") throw new Error("not a round state");
  return { round: o.round, phase: o.phase };
}

describe("state files (node/journal.ts)", () => {
  it("writes JSON atomically and reads it back through the validator", async () => {
    const path = join(root, "nested", "round.json");
    await writeJsonAtomic(path, { round: 4, phase: "commit" });
    assert.deepEqual(await readJson(path, roundState), { round: 4, phase: "commit" });
    await writeJsonAtomic(path, { round: 5, phase: "reveal" });
    assert.deepEqual(await readJson(path, roundState), { round: 5, phase: "reveal" });
    assert.deepEqual(readdirSync(join(root, "nested")), ["round.json"]);
    assert.ok(readFileSync(path, "utf8").endsWith("}\n"));
  });

  it("returns undefined for a missing file", async () => {
    assert.equal(await readJson(join(root, "missing.json"), roundState), undefined);
  });

  it("refuses a file that is not JSON, fails validation, or is too large", async () => {
    const bad = join(root, "bad.json");
    writeFileSync(bad, "{ round: ");
    await assert.rejects(readJson(bad, roundState), (e: unknown) => e instanceof StateFileError && /not valid JSON/.test(e.message));
    writeFileSync(bad, JSON.stringify({ round: "4" }));
    await assert.rejects(readJson(bad, roundState), (e: unknown) => e instanceof StateFileError && /invalid: not a round state/.test(e.message));
    writeFileSync(bad, " ".repeat(MAX_STATE_FILE_BYTES + 1));
    await assert.rejects(readJson(bad, roundState), StateFileError);
  });

  it("refuses values that are not plain JSON and leaves the old file alone", async () => {
    const path = join(root, "keep.json");
    await writeJsonAtomic(path, { round: 1, phase: "commit" });
    for (const value of [{ round: 1n }, { x: Number.POSITIVE_INFINITY }, { x: undefined }, new Map()]) {
      await assert.rejects(writeJsonAtomic(path, value), StateFileError);
    }
    assert.deepEqual(await readJson(path, roundState), { round: 1, phase: "commit" });
  });
});
