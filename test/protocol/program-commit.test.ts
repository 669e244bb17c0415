// The programs under modelHash (lib/protocol/program-commit.ts): every leaf opens against the root, an expert's
// symbolic leaves become the concrete program's for any m, and a peer refuses a run whose modelHash is not its
// model's. (The contract side is exercised by the game tests in test/contracts.)
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { expertProgram, gateProgram } from "../../lib/kernels/step.ts";
import { defaultRunSpec, VerificationMode, verifyProof } from "../../lib/core/index.ts";
import { DEFAULT_MOE_SPEC } from "../../lib/ml/index.ts";
import { stepConfigFor } from "../../lib/protocol/shards.ts";
import { checkModel, headerHash, modelRoot, opLeafHash, opLeafOf, programTree, withRouted } from "../../lib/protocol/program-commit.ts";

const spec = defaultRunSpec(0n, { batchSize: 16 });
const config = stepConfigFor(spec, DEFAULT_MOE_SPEC);

describe("protocol: the programs under modelHash (lib/protocol/program-commit.ts)", () => {
  it("every header and operation leaf opens against the root", () => {
    const tree = programTree(16, config);
    for (const s of tree.shards) {
      const { header, proof } = tree.header(s.header.shard);
      assert.ok(verifyProof(tree.root, headerHash(header), proof));
      for (const o of s.ops) assert.ok(verifyProof(tree.root, opLeafHash(o), tree.op(o.shard, o.index).proof));
    }
    assert.equal(tree.shards[0]!.header.count, gateProgram(16, config).inputs.length + gateProgram(16, config).ops.length);
  });

  it("an expert's symbolic leaves are the concrete program's once m is put in, for every m", () => {
    const tree = programTree(16, config);
    for (const m of [1, 2, 11, 16]) {
      const p = expertProgram(2, 16, m, config);
      for (const o of tree.shards[3]!.ops) assert.equal(opLeafHash(withRouted(o, m)), opLeafHash(opLeafOf(p, 3, o.index)), `op ${o.index}, m ${m}`);
    }
  });

  it("a peer checks the run's modelHash: its own root passes, zero is unchecked, another model's is refused", () => {
    const root = modelRoot(spec, DEFAULT_MOE_SPEC);
    assert.deepEqual(checkModel({ ...spec, modelHash: root }, DEFAULT_MOE_SPEC), { checked: true, root });
    assert.equal(checkModel(spec, DEFAULT_MOE_SPEC).checked, false);
    const other = modelRoot({ ...spec, batchSize: 32 }, DEFAULT_MOE_SPEC);
    assert.notEqual(other, root);
    assert.throws(() => checkModel({ ...spec, modelHash: other }, DEFAULT_MOE_SPEC), /ProgramCommitError|not the root/);
    assert.notEqual(modelRoot({ ...spec, mode: VerificationMode.Tolerance }, DEFAULT_MOE_SPEC), undefined);
  });
});
