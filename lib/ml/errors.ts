import { VerihiveError } from "../core/errors.ts";

/** A backend that was asked for explicitly cannot run here (module absent, init failed, silent fallback). */
export class BackendUnavailableError extends VerihiveError {
  override name = "BackendUnavailableError";
}

/** An MNIST IDX file is missing, truncated, or has the wrong magic number, count or image size. */
export class DatasetError extends VerihiveError {
  override name = "DatasetError";
}

/** A shard name, shard state or frozen parameter set does not match the model spec (shape, count, finiteness). */
export class ShardStateError extends VerihiveError {
  override name = "ShardStateError";
}

/** A training batch has the wrong size, a label out of range, or a non-finite pixel. */
export class BatchError extends VerihiveError {
  override name = "BatchError";
}
