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
