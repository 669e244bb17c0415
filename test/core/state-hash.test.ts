import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "mocha";
import { canonicalStateBytes, decodeStateBytes, hashBytes, stateHash } from "../../lib/core/index.ts";

const STATE = [Float32Array.of(1, -2.5, 0.125), Float32Array.of(), Float32Array.of(3e38, -0)];

describe("state hash (lib/core/state-hash.ts)", () => {
  it("encodes floats as little-endian float32 bytes, concatenated", () => {
    const bytes = canonicalStateBytes([Float32Array.of(1), Float32Array.of(-2)]);
    assert.deepEqual(bytes, Uint8Array.of(0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0));
  });

  it("matches the committed test vector", () => {
    assert.equal(stateHash(STATE), "0x0e474b96784e006e41031311b07d5a6ad2c9bd816c0bbd18ddb4e8a5d3854693");
  });

  it("is SHA-256 over (uint32 LE count ‖ canonical bytes) per tensor", () => {
    const h = createHash("sha256");
    for (const a of STATE) {
      const prefix = new Uint8Array(4);
      new DataView(prefix.buffer).setUint32(0, a.length, true);
      h.update(prefix).update(canonicalStateBytes([a]));
    }
    assert.equal(stateHash(STATE), `0x${h.digest("hex")}`);
  });

  it("hashes views over a shared buffer by their own bytes only", () => {
    const buffer = new Float32Array([9, 1, -2.5, 0.125, 9]);
    const view = new Float32Array(buffer.buffer, 4, 3);
    assert.equal(stateHash([view, STATE[1]!, STATE[2]!]), stateHash(STATE));
  });

  it("hashes different splits of the same floats differently", () => {
    const whole = [Float32Array.of(1, 2, 3, 4)];
    const split = [Float32Array.of(1, 2), Float32Array.of(3, 4)];
    const other = [Float32Array.of(1), Float32Array.of(2, 3, 4)];
    assert.deepEqual(canonicalStateBytes(whole), canonicalStateBytes(split));
    assert.notEqual(stateHash(whole), stateHash(split));
    assert.notEqual(stateHash(split), stateHash(other));
    assert.notEqual(stateHash([...split, new Float32Array(0)]), stateHash(split));
  });

  it("distinguishes -0 from +0", () => {
    assert.notEqual(stateHash([Float32Array.of(0)]), stateHash([Float32Array.of(-0)]));
  });

  it("round-trips through decodeStateBytes with lengths or shapes, into aligned copies", () => {
    const bytes = canonicalStateBytes(STATE);
    const offset = new Uint8Array(bytes.length + 1);
    offset.set(bytes, 1);
    const decoded = decodeStateBytes(offset.subarray(1), [[3], 0, [1, 2]]);
    assert.deepEqual(decoded, STATE);
    assert.equal(stateHash(decoded), stateHash(STATE));
    for (const a of decoded) assert.equal(a.byteOffset % 4, 0);
    offset.fill(0);
    assert.deepEqual(decoded[0], STATE[0], "decoded tensors do not alias the input bytes");
  });

  it("rejects bytes of the wrong size with a StateDecodeError", () => {
    const bytes = canonicalStateBytes(STATE);
    assert.throws(() => decodeStateBytes(bytes.subarray(1), [3, 0, 2]), { name: "StateDecodeError" });
    assert.throws(() => decodeStateBytes(bytes, [3, 0, 3]), { name: "StateDecodeError" });
    assert.throws(() => decodeStateBytes(bytes, [3, 0, 1]), { name: "StateDecodeError" });
    assert.throws(() => decodeStateBytes(bytes, [3, -1, 3]), { name: "StateDecodeError" });
    assert.throws(() => decodeStateBytes(bytes, [[2.5, 2], 0, 0]), { name: "StateDecodeError" });
  });

  it("rejects NaN and Inf with a StateDecodeError naming the tensor and element", () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const bytes = canonicalStateBytes([Float32Array.of(1), Float32Array.of(2, bad)]);
      assert.throws(
        () => decodeStateBytes(bytes, [1, 2]),
        (e: Error & { context?: Record<string, unknown> }) =>
          e.name === "StateDecodeError" && e.context?.tensor === 1 && e.context?.element === 1,
      );
    }
  });

  it("hashes raw bytes with SHA-256", () => {
    assert.equal(hashBytes(new TextEncoder().encode("abc")), "0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});
