import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { VerificationMode } from "../../lib/core/index.ts";
import { DEFAULT_MOE_SPEC, initModel, loadMnist, paramsOf, selectBackend, trainStep } from "../../lib/ml/index.ts";
import { stepConfigFor } from "../../lib/protocol/index.ts";
import { stateHash } from "../../lib/core/state-hash.ts";
import { batchStream } from "../ml/helpers.ts";

// REVIEW finding 13 (a trainer on tfjs-node or a GPU is slashed in exact mode) is moot in exact mode: the
// step a run implies runs on the reference kernels whatever tfjs backend is active.
describe("protocol/stepConfigFor: the arithmetic a run implies", () => {
  it("is the reference kernels in exact mode and tfjs in tolerance mode, with the run's MoE spec", () => {
    const moe = { ...DEFAULT_MOE_SPEC, experts: 2 };
    assert.equal(stepConfigFor({ mode: VerificationMode.Exact }, moe).arithmetic, "reference");
    assert.equal(stepConfigFor({ mode: VerificationMode.Tolerance }, moe).arithmetic, "tfjs");
    assert.equal(stepConfigFor({ mode: VerificationMode.Exact }, moe).spec, moe);
  });

  it("gives an exact-mode trainer the same bits on every tfjs backend (finding 13 is moot there)", async () => {
    const config = stepConfigFor({ mode: VerificationMode.Exact }, DEFAULT_MOE_SPEC);
    const model = initModel(5);
    const batch = batchStream(loadMnist("train"), 9, 1)[0]!;
    const hashes = new Set<string>();
    for (const backend of ["cpu", "wasm"] as const) {
      await selectBackend(backend);
      const s = trainStep("gate", model.gate!, paramsOf(model), batch, config).state;
      hashes.add(stateHash([...s.params, ...s.slots]));
    }
    assert.equal(hashes.size, 1);
  });
});
