import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "mocha";
import type { Hex } from "viem";
import { hashBytes } from "../../lib/core/state-hash.ts";
import { BLOB_DIR, BlobStore, BlobStoreError } from "../../node/index.ts";
import { runCrashWriter } from "./helpers.ts";

const root = mkdtempSync(join(tmpdir(), "verihive-blobs-"));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(root, `d${dirs++}`);
const MAX = 1024 * 1024;

function fileOf(dataDir: string, hash: Hex): string {
  return join(dataDir, BLOB_DIR, hash.slice(2));
}

describe("blob store (node/journal.ts)", () => {
  it("stores bytes under their SHA-256 and returns them", async () => {
    const dir = freshDir();
    const store = await BlobStore.open(dir, { maxBlobBytes: MAX });
    const bytes = Uint8Array.from(randomBytes(1000));
    const hash = await store.put(bytes);
    assert.equal(hash, hashBytes(bytes));
    assert.equal(hash, `0x${createHash("sha256").update(bytes).digest("hex")}`);
    assert.deepEqual(await store.get(hash), bytes);
    assert.equal(await store.has(hash), true);
    assert.deepEqual(readFileSync(fileOf(dir, hash)), Buffer.from(bytes));
  });

  it("stores the empty blob and blobs of exactly the cap", async () => {
    const store = await BlobStore.open(freshDir(), { maxBlobBytes: MAX });
    const empty = await store.put(new Uint8Array(0));
    assert.deepEqual(await store.get(empty), new Uint8Array(0));
    const full = Uint8Array.from(randomBytes(MAX));
    assert.deepEqual(await store.get(await store.put(full)), full);
  });

  it("accepts upper-case hashes", async () => {
    const store = await BlobStore.open(freshDir(), { maxBlobBytes: MAX });
    const hash = await store.put(Uint8Array.of(1, 2, 3));
    assert.deepEqual(await store.get(`0x${hash.slice(2).toUpperCase()}`), Uint8Array.of(1, 2, 3));
  });

  it("reports absent blobs as missing", async () => {
    const store = await BlobStore.open(freshDir(), { maxBlobBytes: MAX });
    const hash = hashBytes(Uint8Array.of(9));
    assert.equal(await store.get(hash), undefined);
    assert.equal(await store.has(hash), false);
    assert.equal(await store.delete(hash), false);
  });

  it("refuses blobs over the cap and malformed hashes", async () => {
    const store = await BlobStore.open(freshDir(), { maxBlobBytes: 16 });
    await assert.rejects(store.put(new Uint8Array(17)), BlobStoreError);
    await assert.rejects(store.get("0x1234"), BlobStoreError);
    await assert.rejects(store.has(`0x${"g".repeat(64)}` as Hex), BlobStoreError);
    await assert.rejects(store.delete(`${"0".repeat(64)}` as Hex), BlobStoreError);
    await assert.rejects(BlobStore.open(freshDir(), { maxBlobBytes: -1 }), BlobStoreError);
  });

  it("deletes a corrupted blob on read, reports it as missing and tells onCorrupt", async () => {
    const dir = freshDir();
    const seen: [Hex, string][] = [];
    const store = await BlobStore.open(dir, { maxBlobBytes: MAX, onCorrupt: (hash, reason) => seen.push([hash, reason]) });
    const bytes = Uint8Array.from(randomBytes(4096));
    const hash = await store.put(bytes);
    const corrupted = Buffer.from(bytes);
    corrupted[100]! ^= 1;
    writeFileSync(fileOf(dir, hash), corrupted);
    assert.equal(await store.get(hash), undefined);
    assert.equal(await store.has(hash), false);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]![0], hash);
    assert.match(seen[0]![1], /content hashes to 0x/);
    assert.equal(await store.put(bytes), hash);
    assert.deepEqual(await store.get(hash), bytes);
  });

  it("treats a file over the cap as corrupt", async () => {
    const dir = freshDir();
    const store = await BlobStore.open(dir, { maxBlobBytes: 8 });
    const hash = await store.put(Uint8Array.of(1));
    writeFileSync(fileOf(dir, hash), new Uint8Array(9));
    assert.equal(await store.get(hash), undefined);
    assert.equal(await store.has(hash), false);
  });

  it("deletes, lists and prunes", async () => {
    const store = await BlobStore.open(freshDir(), { maxBlobBytes: MAX });
    const hashes = await Promise.all([1, 2, 3, 4].map((n) => store.put(Uint8Array.of(n))));
    assert.deepEqual((await store.list()).sort(), [...hashes].sort());
    assert.equal(await store.delete(hashes[0]!), true);
    const removed = await store.prune(new Set([hashes[1]!, `0x${hashes[2]!.slice(2).toUpperCase()}` as Hex]));
    assert.deepEqual(removed, [hashes[3]]);
    assert.deepEqual((await store.list()).sort(), [hashes[1], hashes[2]].sort());
  });

  it("removes temp files left by a crash when opened, and leaves none after puts", async () => {
    const dir = freshDir();
    const store = await BlobStore.open(dir, { maxBlobBytes: MAX });
    await store.put(Uint8Array.of(1));
    assert.deepEqual(readdirSync(join(dir, BLOB_DIR)).filter((n) => n.startsWith(".")), []);
    writeFileSync(join(dir, BLOB_DIR, ".tmp-deadbeef"), "partial");
    await BlobStore.open(dir, { maxBlobBytes: MAX });
    assert.deepEqual(readdirSync(join(dir, BLOB_DIR)).filter((n) => n.startsWith(".")), []);
  });

  it("never shows a partial blob after SIGKILL during 4 MiB writes", async function () {
    this.timeout(15_000);
    const dir = freshDir();
    const acked = (await runCrashWriter("blobs", dir, 200)) as Hex[];
    assert.ok(acked.length > 0);

    // Before any cleanup: every file named like a blob holds exactly the bytes of its name.
    const names = readdirSync(join(dir, BLOB_DIR));
    const blobs = names.filter((n) => /^[0-9a-f]{64}$/.test(n));
    assert.deepEqual(names.filter((n) => !blobs.includes(n) && !n.startsWith(".tmp-")), []);
    for (const name of blobs) {
      const bytes = readFileSync(join(dir, BLOB_DIR, name));
      assert.equal(bytes.length, 4 * 1024 * 1024, name);
      assert.equal(hashBytes(bytes), `0x${name}`);
    }

    const store = await BlobStore.open(dir, { maxBlobBytes: 4 * 1024 * 1024 });
    assert.deepEqual(readdirSync(join(dir, BLOB_DIR)).filter((n) => n.startsWith(".")), []);
    for (const hash of acked) assert.equal((await store.get(hash))?.length, 4 * 1024 * 1024, hash);
  });
});
