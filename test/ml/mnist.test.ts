import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "mocha";
import { DatasetError, gatherBatch, imageRows, IMAGES_MAGIC, LABELS_MAGIC, loadMnist } from "../../lib/ml/index.ts";

function idxImages(n: number, magic = IMAGES_MAGIC, side = 28, extra = 0): Buffer {
  const buf = Buffer.alloc(16 + n * side * side + extra);
  buf.writeUInt32BE(magic, 0);
  buf.writeUInt32BE(n, 4);
  buf.writeUInt32BE(side, 8);
  buf.writeUInt32BE(side, 12);
  for (let i = 16; i < buf.length; i++) buf[i] = i % 256;
  return buf;
}

function idxLabels(labels: number[], magic = LABELS_MAGIC): Buffer {
  const buf = Buffer.alloc(8 + labels.length);
  buf.writeUInt32BE(magic, 0);
  buf.writeUInt32BE(labels.length, 4);
  labels.forEach((l, i) => (buf[8 + i] = l));
  return buf;
}

const dirs: string[] = [];
function dataDir(images: Buffer, labels: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), "verihive-mnist-"));
  dirs.push(dir);
  writeFileSync(join(dir, "t10k-images-idx3-ubyte"), images);
  writeFileSync(join(dir, "t10k-labels-idx1-ubyte"), labels);
  return dir;
}

describe("ml/mnist", () => {
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("loads 60,000 training and 10,000 test images of 784 pixels in [0, 1] with labels 0..9", () => {
    for (const [split, n] of [["train", 60_000], ["test", 10_000]] as const) {
      const ds = loadMnist(split);
      assert.equal(ds.count, n);
      assert.equal(ds.pixels.length, n * 784);
      assert.equal(ds.labels.length, n);
      let min = Infinity;
      let max = -Infinity;
      for (const v of imageRows(ds, 0, n)) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      assert.equal(min, 0);
      assert.equal(max, 1);
      const seen = new Set(ds.labels);
      assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
  });

  it("matches the known first labels of each split", () => {
    assert.deepEqual([...loadMnist("train").labels.subarray(0, 8)], [5, 0, 4, 1, 9, 2, 1, 3]);
    assert.deepEqual([...loadMnist("test").labels.subarray(0, 8)], [7, 2, 1, 0, 4, 1, 4, 9]);
  });

  it("caches each split per process", () => {
    assert.equal(loadMnist("test"), loadMnist("test"));
  });

  it("gathers the requested rows into a fresh batch", () => {
    const ds = loadMnist("test");
    const batch = gatherBatch(ds, Uint32Array.of(3, 0, 3));
    assert.equal(batch.x.length, 3 * 784);
    assert.deepEqual([...batch.y], [ds.labels[3], ds.labels[0], ds.labels[3]]);
    assert.deepEqual(batch.x.subarray(784, 1568), imageRows(ds, 0, 1));
    assert.deepEqual(batch.x.subarray(0, 784), imageRows(ds, 3, 1));
    batch.x[0] = 42;
    assert.notEqual(imageRows(ds, 3, 1)[0], 42);
  });

  it("scales pixels to [0, 1] exactly as float32(byte / 255)", () => {
    const ds = loadMnist("test");
    const rows = imageRows(ds, 5, 2);
    assert.equal(rows.length, 2 * 784);
    for (let j = 0; j < rows.length; j++) assert.equal(rows[j], Math.fround(ds.pixels[5 * 784 + j]! / 255));
  });

  it("imageRows rejects a range outside the split", () => {
    const ds = loadMnist("test");
    assert.throws(() => imageRows(ds, 9_999, 2), DatasetError);
    assert.throws(() => imageRows(ds, -1, 1), DatasetError);
  });

  it("gatherBatch rejects an index out of range", () => {
    assert.throws(() => gatherBatch(loadMnist("test"), Uint32Array.of(10_000)), DatasetError);
  });

  it("reads a well-formed file set from a dataDir override", () => {
    const ds = loadMnist("test", { dataDir: dataDir(idxImages(3), idxLabels([1, 2, 9])) });
    assert.equal(ds.count, 3);
    assert.deepEqual([...ds.labels], [1, 2, 9]);
    assert.equal(ds.pixels[0], 16);
    assert.equal(imageRows(ds, 0, 1)[0], Math.fround(16 / 255));
  });

  const corrupted: [string, () => [Buffer, Buffer], RegExp][] = [
    ["a wrong image magic number", () => [idxImages(3, 2049), idxLabels([1, 2, 3])], /magic number 2049, expected 2051/],
    ["a wrong label magic number", () => [idxImages(3), idxLabels([1, 2, 3], 2051)], /magic number 2051, expected 2049/],
    ["a truncated image file", () => [idxImages(3).subarray(0, 16 + 2 * 784 + 5), idxLabels([1, 2, 3])], /bytes, expected/],
    ["trailing bytes", () => [idxImages(3, IMAGES_MAGIC, 28, 1), idxLabels([1, 2, 3])], /bytes, expected/],
    ["a header cut short", () => [idxImages(3).subarray(0, 10), idxLabels([1, 2, 3])], /shorter than its 16-byte header/],
    ["images that are not 28×28", () => [idxImages(3, IMAGES_MAGIC, 27), idxLabels([1, 2, 3])], /27×27/],
    ["counts that disagree", () => [idxImages(3), idxLabels([1, 2])], /3 images but 2 labels/],
    ["a label out of range", () => [idxImages(3), idxLabels([1, 10, 3])], /label 10 at index 1/],
  ];
  for (const [what, files, pattern] of corrupted) {
    it(`rejects ${what} with DatasetError`, () => {
      const [images, labels] = files();
      const dir = dataDir(images, labels);
      assert.throws(
        () => loadMnist("test", { dataDir: dir }),
        (err: unknown) => err instanceof DatasetError && err.name === "DatasetError" && pattern.test(err.message),
      );
    });
  }

  it("rejects a missing file with DatasetError", () => {
    const dir = mkdtempSync(join(tmpdir(), "verihive-mnist-"));
    dirs.push(dir);
    assert.throws(
      () => loadMnist("train", { dataDir: dir }),
      (err: unknown) => err instanceof DatasetError && /cannot read .*train-images-idx3-ubyte/.test(err.message),
    );
  });
});
