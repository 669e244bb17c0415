import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "mocha";
import { renderAbiModule } from "../../lib/chain/render-abi.ts";

describe("generated bindings (lib/chain/abi.ts)", () => {
  it("match the compiled artifacts (run `npm run build` when this fails)", () => {
    const committed = readFileSync(new URL("../../lib/chain/abi.ts", import.meta.url), "utf8");
    assert.equal(committed, renderAbiModule());
  });
});
