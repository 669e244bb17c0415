// The attacks that replace the committed update (node/trainer/attacks: sign-flip, noise, alie, ipm, stale, free-ride): what
// each commits given what it sees (UpdateView), in direction and scale.
import assert from "node:assert/strict";
import { describe, it } from "mocha";
import { alieUpdate } from "../../node/trainer/attacks/alie.ts";
import { FREE_RIDE_WAIT_MS } from "../../node/trainer/attacks/free-ride.ts";
import { createAttack, type AttackParams } from "../../node/trainer/attacks/index.ts";
import type { UpdateView } from "../../node/trainer/attacks/types.ts";
import { meanStd } from "../../node/trainer/attacks/update-math.ts";

const PARAMS: AttackParams = { lambda: 1, seed: 7 };

/** An update of two arrays (params, slots) with deterministic, varied values. */
function update(offset: number, scale = 0.01): Float32Array[] {
  const arr = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.9 + k + offset) * scale);
  return [arr(10, 1), arr(4, 2)];
}

const flat = (u: readonly Float32Array[]) => u.flatMap((a) => [...a]);
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const norm = (v: number[]) => Math.sqrt(dot(v, v));

function view(parts: Partial<UpdateView> & { honest: Float32Array[] }): UpdateView {
  return { previousRound: [], ownPrevious: undefined, peerUpdate: async () => undefined, ...parts };
}

describe("update attacks (node/trainer/attacks: sign-flip, noise, alie, ipm, stale, free-ride)", () => {
  describe("sign-flip", () => {
    it("commits -lambda times its honest update", async () => {
      const honest = update(0);
      for (const lambda of [0.5, 1, 3]) {
        const out = (await createAttack("sign-flip", { ...PARAMS, lambda }).replaceUpdate!(1n, view({ honest })))!;
        flat(out).forEach((x, k) => assert.ok(Math.abs(x + lambda * flat(honest)[k]!) < 1e-9, `λ ${lambda}, element ${k}`));
      }
    });

    it("stays finite when lambda overflows float32, and leaves the honest update untouched", async () => {
      const honest = [Float32Array.of(3e38, -3e38, 1)];
      const before = honest.map((a) => a.slice());
      const out = (await createAttack("sign-flip", { ...PARAMS, lambda: 1e30 }).replaceUpdate!(0n, view({ honest })))!;
      assert.ok(flat(out).every(Number.isFinite));
      assert.deepEqual(honest, before);
      assert.ok(out.every((a) => honest.every((h) => h !== a)));
    });
  });

  describe("noise", () => {
    it("commits lambda times the honest norm, in its own shape", async () => {
      const honest = update(1);
      const out = (await createAttack("noise", { ...PARAMS, lambda: 3 }).replaceUpdate!(2n, view({ honest })))!;
      assert.deepEqual(out.map((a) => a.length), honest.map((a) => a.length));
      const want = 3 * norm(flat(honest));
      assert.ok(Math.abs(norm(flat(out)) - want) < 1e-5 * want, `${norm(flat(out))} vs ${want}`);
    });

    it("is deterministic per seed and round, and differs across them", async () => {
      const honest = update(1);
      const run = async (seed: number, round: bigint) => flat((await createAttack("noise", { ...PARAMS, seed }).replaceUpdate!(round, view({ honest })))!);
      const a = await run(7, 2n);
      assert.deepEqual(await run(7, 2n), a);
      assert.notDeepEqual(await run(8, 2n), a);
      assert.notDeepEqual(await run(7, 3n), a);
    });

    it("points away from the honest direction (not a rescaled copy of it)", async () => {
      const h = flat(update(2));
      const out = flat((await createAttack("noise", PARAMS).replaceUpdate!(0n, view({ honest: update(2) })))!);
      const cos = dot(out, h) / (norm(out) * norm(h));
      assert.ok(Math.abs(cos) < 0.99, `cosine ${cos}`);
    });
  });

  describe("ipm", () => {
    it("commits -epsilon times its honest update", async () => {
      const honest = update(0);
      for (const lambda of [0.5, 1, 4]) {
        const out = (await createAttack("ipm", { ...PARAMS, lambda }).replaceUpdate!(3n, view({ honest })))!;
        flat(out).forEach((x, k) => assert.ok(Math.abs(x + lambda * flat(honest)[k]!) < 1e-9, `λ ${lambda}, element ${k}`));
      }
    });

    it("points against the honest direction, with lambda times its norm", async () => {
      const honest = update(1);
      const out = flat((await createAttack("ipm", { ...PARAMS, lambda: 2 }).replaceUpdate!(0n, view({ honest })))!);
      const h = flat(honest);
      assert.ok(Math.abs(dot(out, h) / (norm(out) * norm(h)) + 1) < 1e-6);
      assert.ok(Math.abs(norm(out) - 2 * norm(h)) < 1e-6 * norm(h));
    });

    it("returns new arrays and leaves the honest update untouched", async () => {
      const honest = update(2);
      const before = honest.map((a) => a.slice());
      const out = (await createAttack("ipm", PARAMS).replaceUpdate!(0n, view({ honest })))!;
      assert.deepEqual(honest, before);
      for (const a of out) assert.ok(honest.every((h) => h !== a));
    });
  });

  describe("alie", () => {
    it("commits its honest update minus z times the coordinate-wise spread of the previous round and its own", async () => {
      const honest = update(0);
      const previousRound = [update(1), update(2), update(3)];
      const { std } = meanStd([...previousRound, honest]);
      const out = (await createAttack("alie", { ...PARAMS, lambda: 1.5 }).replaceUpdate!(2n, view({ honest, previousRound })))!;
      const [h, s] = [flat(honest), flat(std)];
      flat(out).forEach((x, k) => assert.ok(Math.abs(x - (h[k]! - 1.5 * s[k]!)) < 1e-8, `element ${k}`));
    });

    it("moves every coordinate down, by z times a spread no larger than the updates' range", async () => {
      const honest = update(0);
      const previousRound = [update(1), update(5)];
      const out = flat(alieUpdate({ honest, previousRound }, 1)!);
      const h = flat(honest);
      const spread = flat(meanStd([...previousRound, honest]).std);
      out.forEach((x, k) => assert.ok(x <= h[k]!, `element ${k}`));
      // Within the honest spread: the shift is at most one standard deviation per coordinate (z = 1).
      out.forEach((x, k) => assert.ok(h[k]! - x <= spread[k]! + 1e-9));
      assert.ok(norm(out.map((x, k) => x - h[k]!)) > 0);
    });

    it("keeps the honest update in round 0, where there is no previous round to estimate from", async () => {
      assert.equal(await createAttack("alie", PARAMS).replaceUpdate!(0n, view({ honest: update(0) })), undefined);
    });

    it("keeps the honest update when the previous round's shapes differ from its own", () => {
      assert.equal(alieUpdate({ honest: update(0), previousRound: [[new Float32Array(3)]] }, 1), undefined);
    });

    it("computes the population standard deviation coordinate by coordinate", () => {
      const { mean, std } = meanStd([[Float32Array.of(1, 0)], [Float32Array.of(3, 0)]]);
      assert.deepEqual([...mean[0]!], [2, 0]);
      assert.deepEqual([...std[0]!], [1, 0]);
    });
  });

  describe("stale", () => {
    it("commits its previous update (a copy), not this round's", async () => {
      const ownPrevious = update(9);
      const out = (await createAttack("stale", PARAMS).replaceUpdate!(5n, view({ honest: update(0), ownPrevious })))!;
      assert.deepEqual(out, ownPrevious);
      for (const a of out) assert.ok(ownPrevious.every((p) => p !== a));
    });

    it("keeps the honest update when it has committed nothing before", async () => {
      assert.equal(await createAttack("stale", PARAMS).replaceUpdate!(0n, view({ honest: update(0) })), undefined);
    });
  });

  describe("free-ride", () => {
    it("commits the peer's update, waiting for it at most FREE_RIDE_WAIT_MS", async () => {
      const peer = update(4);
      const waits: number[] = [];
      const out = await createAttack("free-ride", PARAMS).replaceUpdate!(1n, view({ honest: update(0), peerUpdate: async (ms) => (waits.push(ms), peer) }));
      assert.equal(out, peer);
      assert.deepEqual(waits, [FREE_RIDE_WAIT_MS]);
    });

    it("keeps the honest update when no peer's update arrives", async () => {
      assert.equal(await createAttack("free-ride", PARAMS).replaceUpdate!(1n, view({ honest: update(0) })), undefined);
    });
  });

  it("only these six replace the update", () => {
    for (const name of ["label-flip", "equivocate", "withhold"]) assert.equal(createAttack(name, PARAMS).replaceUpdate, undefined, name);
    for (const name of ["sign-flip", "noise", "alie", "ipm", "stale", "free-ride"]) assert.equal(typeof createAttack(name, PARAMS).replaceUpdate, "function", name);
  });
});
