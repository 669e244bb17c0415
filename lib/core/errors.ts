/** Base class of Verihive's typed errors: a fixed `name` and the context that caused it. */
export class VerihiveError extends Error {
  override name = "VerihiveError";
  readonly context: Record<string, unknown>;
  constructor(message: string, context: Record<string, unknown> = {}) {
    super(message);
    this.context = context;
  }
}

/** A Merkle tree or proof was built or used with bad input. */
export class MerkleError extends VerihiveError {
  override name = "MerkleError";
}

/** A run spec breaks one of the rules `createRun` enforces. */
export class RunSpecError extends VerihiveError {
  override name = "RunSpecError";
}

/** Updates given to an aggregator are empty, of different lengths, non-finite, or the options are bad. */
export class AggregationError extends VerihiveError {
  override name = "AggregationError";
}

/** Canonical state bytes do not decode to the expected tensors (wrong size, non-finite value). */
export class StateDecodeError extends VerihiveError {
  override name = "StateDecodeError";
}

/** Inputs to the deterministic batch derivation are malformed or out of range. */
export class BatchDerivationError extends VerihiveError {
  override name = "BatchDerivationError";
}
