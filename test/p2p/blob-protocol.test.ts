import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "mocha";
import type { Stream } from "@libp2p/interface";
import type { Hex } from "viem";
import { hashBytes } from "../../lib/core/index.ts";
import {
  BLOB_PROTOCOL,
  BlobAbortedError,
  BlobHashMismatchError,
  BlobNotFoundError,
  BlobProtocolError,
  BlobStatus,
  BlobTimeoutError,
  BlobTooLargeError,
  decodeResponseHeader,
  encodeResponseHeader,
  fetchBlob,
  type VerihiveNode,
} from "../../lib/p2p/index.ts";
import { startNode, stopAll } from "./helpers.ts";

const MiB = 1024 * 1024;

/** Reads a whole stream into one buffer. */
async function readAll(stream: Stream): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of stream) parts.push(chunk instanceof Uint8Array ? chunk : chunk.subarray());
  return Buffer.concat(parts);
}

describe("blob protocol (lib/p2p/blob-protocol)", function () {
  this.timeout(20_000);
  const blobs = new Map<Hex, Uint8Array>();
  const big = new Uint8Array(randomBytes(16 * MiB));
  const bigHash = hashBytes(big);
  const small = new Uint8Array(randomBytes(1000));
  const smallHash = hashBytes(small);
  // A lying entry: served under the hash of other bytes.
  const liedHash = hashBytes(new Uint8Array([1, 2, 3]));
  let server: VerihiveNode | undefined;
  let client: VerihiveNode | undefined;
  let staller: VerihiveNode | undefined;
  let garbler: VerihiveNode | undefined;
  const stalled: Stream[] = [];

  before(async () => {
    blobs.set(bigHash, big);
    blobs.set(smallHash, small);
    blobs.set(liedHash, new Uint8Array(randomBytes(64)));
    server = await startNode("blob-server", { blobs: { store: { get: (hash) => blobs.get(hash) }, requestTimeoutMs: 300 } });
    // A server whose handler reads the request and never answers.
    staller = await startNode("blob-staller");
    await staller.handle(BLOB_PROTOCOL, (stream) => void stalled.push(stream), { force: true });
    // A server that answers with an unknown status, or a body shorter than announced.
    garbler = await startNode("blob-garbler");
    const garbage = [Uint8Array.of(9, 0, 0, 0, 0), Uint8Array.of(0, 0, 0, 0, 10, 1, 2, 3), Uint8Array.of(0, 0, 0)];
    let answered = 0;
    await garbler.handle(
      BLOB_PROTOCOL,
      async (stream) => {
        await readAll(stream);
        stream.send(garbage[answered++ % garbage.length]!);
        await stream.close();
      },
      { force: true },
    );
    client = await startNode("blob-client", {}, [server, staller, garbler]);
  });

  after(async () => {
    for (const s of stalled) s.abort(new Error("test over"));
    await stopAll([client, server, staller, garbler]);
  });

  it("fetches a 16 MiB blob and returns its exact bytes", async () => {
    const got = await fetchBlob(client!, server!.peerId, bigHash, { maxBytes: 16 * MiB, timeoutMs: 10_000 });
    assert.equal(got.length, big.length);
    assert.ok(Buffer.from(got).equals(Buffer.from(big)));
  });

  it("fetches through the node's own blob service as well", async () => {
    const got = await client!.services.blobs.fetch(server!.peerId, smallHash, { maxBytes: 1000 });
    assert.ok(Buffer.from(got).equals(Buffer.from(small)));
  });

  it("fails with BlobTooLargeError, carrying the peer id, when the blob exceeds maxBytes", async () => {
    await assert.rejects(fetchBlob(client!, server!.peerId, bigHash, { maxBytes: MiB }), (err: unknown) => {
      assert.ok(err instanceof BlobTooLargeError);
      assert.equal(err.name, "BlobTooLargeError");
      assert.ok(err.peerId.equals(server!.peerId));
      assert.equal(err.context.announced, 16 * MiB);
      return true;
    });
    // The connection and the server survive the reset.
    const got = await fetchBlob(client!, server!.peerId, smallHash, { maxBytes: 1000 });
    assert.equal(got.length, 1000);
  });

  it("fails with BlobHashMismatchError when the server sends other bytes", async () => {
    await assert.rejects(fetchBlob(client!, server!.peerId, liedHash, { maxBytes: MiB }), (err: unknown) => {
      assert.ok(err instanceof BlobHashMismatchError);
      assert.ok(err.peerId.equals(server!.peerId));
      assert.equal(err.hash, liedHash);
      return true;
    });
  });

  it("fails with BlobNotFoundError for a hash the server does not have", async () => {
    const unknown = hashBytes(new Uint8Array([9]));
    await assert.rejects(fetchBlob(client!, server!.peerId, unknown, { maxBytes: MiB }), (err: unknown) => {
      assert.ok(err instanceof BlobNotFoundError);
      assert.ok(err.peerId.equals(server!.peerId));
      return true;
    });
  });

  it("fails with BlobTimeoutError when the server stalls", async () => {
    const started = Date.now();
    await assert.rejects(fetchBlob(client!, staller!.peerId, smallHash, { maxBytes: MiB, timeoutMs: 300 }), (err: unknown) => {
      assert.ok(err instanceof BlobTimeoutError);
      assert.ok(err.peerId.equals(staller!.peerId));
      return true;
    });
    assert.ok(Date.now() - started < 2_000);
  });

  it("fails with BlobAbortedError when the caller aborts", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(
      fetchBlob(client!, staller!.peerId, smallHash, { maxBytes: MiB, timeoutMs: 10_000, signal: controller.signal }),
      BlobAbortedError,
    );
  });

  it("fails with BlobProtocolError on an unknown status, a truncated body or a truncated header", async () => {
    for (let i = 0; i < 3; i++) {
      await assert.rejects(fetchBlob(client!, garbler!.peerId, smallHash, { maxBytes: MiB }), (err: unknown) => {
        assert.ok(err instanceof BlobProtocolError);
        assert.ok(err.peerId.equals(garbler!.peerId));
        return true;
      });
    }
  });

  it("answers BadRequest to an oversized or malformed request and keeps serving", async () => {
    for (const request of [new Uint8Array(100), new Uint8Array(46)]) {
      const stream = await client!.dialProtocol(server!.peerId, BLOB_PROTOCOL);
      stream.send(request);
      await stream.close();
      const response = await readAll(stream);
      assert.deepEqual(decodeResponseHeader(response), { status: BlobStatus.BadRequest, length: 0 });
    }
    assert.deepEqual(encodeResponseHeader(BlobStatus.NotFound, 0), Uint8Array.of(1, 0, 0, 0, 0));
    const got = await fetchBlob(client!, server!.peerId, smallHash, { maxBytes: 1000 });
    assert.equal(got.length, 1000);
  });

  it("resets a stream whose request does not arrive in time and keeps serving", async () => {
    const stream = await client!.dialProtocol(server!.peerId, BLOB_PROTOCOL);
    const started = Date.now();
    await assert.rejects(readAll(stream));
    assert.ok(Date.now() - started < 2_000);
    const got = await fetchBlob(client!, server!.peerId, smallHash, { maxBytes: 1000 });
    assert.equal(got.length, 1000);
  });
});
