import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { encodeAbiParameters, hexToBytes, keccak256, stringToHex, type Address } from "viem";
import { batchIndices, batchSeed, type BatchParams } from "../../lib/core/index.ts";
import { viem } from "../contracts/fixture.ts";

const BASE: BatchParams = {
  roundSeed: keccak256(stringToHex("round-seed")),
  trainer: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  shard: 2,
  step: 17,
  batchSize: 64,
  sliceStart: 20_000,
  sliceLength: 10_000,
};

function same(a: Uint32Array, b: Uint32Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

describe("batch derivation (lib/core/batches.ts)", () => {
  it("is deterministic", () => {
    assert.deepEqual(batchIndices(BASE), batchIndices({ ...BASE }));
    assert.deepEqual(batchIndices(BASE), batchIndices({ ...BASE, trainer: BASE.trainer.toLowerCase() as Address }));
  });

  it("matches the committed test vector", () => {
    assert.deepEqual(Array.from(batchIndices({ ...BASE, batchSize: 8 })), [22967, 23163, 23648, 20456, 23525, 27352, 24028, 26337]);
  });

  it("follows the documented counter-mode encoding", () => {
    const base = keccak256(
      encodeAbiParameters(
        [{ type: "bytes32" }, { type: "address" }, { type: "uint16" }, { type: "uint32" }],
        [BASE.roundSeed, BASE.trainer, BASE.shard, BASE.step],
      ),
    );
    assert.equal(batchSeed(BASE), base);
    // With a power-of-two slice nothing is rejected: word w of block i is index 8i + w.
    const p = { ...BASE, sliceStart: 5, sliceLength: 1024, batchSize: 16 };
    const expected: number[] = [];
    for (let i = 0; i < 2; i++) {
      const block = hexToBytes(keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }], [base, BigInt(i)])));
      const view = new DataView(block.buffer);
      for (let w = 0; w < 8; w++) expected.push(5 + (view.getUint32(4 * w, false) % 1024));
    }
    assert.deepEqual(Array.from(batchIndices(p)), expected);
  });

  it("differs per trainer, shard, step and seed", () => {
    const ref = batchIndices(BASE);
    const variants: Partial<BatchParams>[] = [
      { trainer: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" },
      { shard: 3 },
      { step: 18 },
      { roundSeed: keccak256(stringToHex("other-seed")) },
    ];
    for (const v of variants) assert.ok(!same(ref, batchIndices({ ...BASE, ...v })), JSON.stringify(v));
  });

  it("keeps every index inside the slice", () => {
    for (const sliceLength of [1, 2, 3, 7, 1000, 2 ** 31 + 1]) {
      const idx = batchIndices({ ...BASE, sliceLength, batchSize: 256 });
      for (const x of idx) assert.ok(x >= BASE.sliceStart && x < BASE.sliceStart + sliceLength, `${x} outside slice of ${sliceLength}`);
    }
    assert.ok(batchIndices({ ...BASE, sliceStart: 0, sliceLength: 2 ** 32 }).length === 64);
  });

  it("is roughly uniform over the slice (chi-square over 20,480 draws)", () => {
    const bins = 37;
    const counts = new Array<number>(bins).fill(0);
    let draws = 0;
    for (let step = 0; step < 80; step++) {
      for (const x of batchIndices({ ...BASE, step, batchSize: 256, sliceStart: 100, sliceLength: bins })) {
        counts[x - 100]!++;
        draws++;
      }
    }
    const expected = draws / bins;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    // 36 degrees of freedom: mean 36, P(chi2 > 80) < 1e-4.
    assert.ok(chi2 < 80, `chi-square ${chi2.toFixed(1)} over ${bins} bins`);
  });

  it("rejects malformed inputs with a BatchDerivationError", () => {
    const bad: Partial<BatchParams>[] = [
      { roundSeed: "0x1234" },
      { roundSeed: `0x${"zz".repeat(32)}` },
      { trainer: "0x1234" as Address },
      { trainer: "0x70997970c51812dc3A010C7d01b50e0d17dc79C8" }, // bad checksum
      { shard: -1 },
      { shard: 65_536 },
      { step: 2 ** 32 },
      { step: 1.5 },
      { batchSize: 0 },
      { batchSize: 2 ** 20 + 1 },
      { sliceLength: 0 },
      { sliceStart: -1 },
      { sliceStart: 2 ** 32 - 5, sliceLength: 10 },
    ];
    for (const b of bad) assert.throws(() => batchIndices({ ...BASE, ...b }), { name: "BatchDerivationError" }, JSON.stringify(b));
  });
});

describe("core/batches against BatchIndices.sol", () => {
  it("gives every index of random batches as the contract computes it, one at a time", async () => {
    const harness = (await viem.deployContract("BatchIndicesHarness")) as unknown as {
      read: { indexAt: (a: [`0x${string}`, `0x${string}`, number, number, bigint, bigint, bigint]) => Promise<bigint> };
    };
    for (const [seed, sliceStart, sliceLength] of [
      ["a", 0, 60_000],
      ["b", 100, 3],
      ["c", 7, 2 ** 31 + 1],
    ] as const) {
      const p = { roundSeed: keccak256(stringToHex(seed)), trainer: "0x90F79bf6EB2c4f870365E785982E1f101E93b906" as const, shard: 2, step: 41, batchSize: 64, sliceStart, sliceLength };
      const want = batchIndices(p);
      for (const i of [0, 1, 7, 8, 33, 63]) {
        const got = await harness.read.indexAt([p.roundSeed, p.trainer, p.shard, p.step, BigInt(i), BigInt(sliceStart), BigInt(sliceLength)]);
        assert.equal(Number(got), want[i], `${seed} index ${i}`);
      }
    }
  });
});
