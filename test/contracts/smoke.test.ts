import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { CommitStatus } from "../../lib/core/index.ts";
import { deployWithRun, networkHelpers, openAndCommit, openAudits, assignedVerifier, schedule, timeTo, ATTEST_DIGEST } from "./fixture.ts";

describe("smoke", () => {
  it("an honest round commits, is attested and finalized", async () => {
    const f = await networkHelpers.loadFixture(deployWithRun);
    const [tr] = await openAndCommit(f, 0n, [{ index: 0 }]);
    await openAudits(f, 0n);
    const t0 = f.trainers[0]!.account.address;
    const { wallet } = await assignedVerifier(f, 0n, t0);
    await f.coordinator.write.attest([f.runId, 0n, t0, ATTEST_DIGEST], { account: wallet.account });
    await timeTo(schedule(f.spec, 0n).disputeEnd);
    await f.coordinator.write.finalize([f.runId, 0n, t0, tr!.claim]);
    assert.equal(await f.coordinator.read.statusOf([f.runId, 0n, t0]), CommitStatus.Finalized);
  });
});
