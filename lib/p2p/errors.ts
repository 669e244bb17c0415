import type { PeerId } from "@libp2p/interface";
import type { Hex } from "viem";
import { VerihiveError } from "../core/errors.ts";

/** A key or peer id is not a usable Verihive identity (not secp256k1, malformed private key). */
export class PeerIdentityError extends VerihiveError {
  override name = "PeerIdentityError";
}

/** None of the bootstrap addresses could be dialled (each failure is listed in `context.failures`). */
export class BootstrapError extends VerihiveError {
  override name = "BootstrapError";
}

/** Bytes received on the announcement topic are not a well-formed signed announcement. */
export class AnnouncementDecodeError extends VerihiveError {
  override name = "AnnouncementDecodeError";
}

/** Base of the blob-protocol errors: which peer and which blob the failed fetch was about. */
export class BlobError extends VerihiveError {
  override name = "BlobError";
  readonly peerId: PeerId;
  readonly hash: Hex;
  constructor(message: string, peerId: PeerId, hash: Hex, context: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, { peerId: peerId.toString(), hash, ...context });
    this.peerId = peerId;
    this.hash = hash;
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** The peer announced a blob longer than the caller's `maxBytes`; nothing was buffered. */
export class BlobTooLargeError extends BlobError {
  override name = "BlobTooLargeError";
}

/** The bytes the peer sent do not hash (SHA-256) to the requested hash. */
export class BlobHashMismatchError extends BlobError {
  override name = "BlobHashMismatchError";
}

/** The peer does not have the requested blob. */
export class BlobNotFoundError extends BlobError {
  override name = "BlobNotFoundError";
}

/** The fetch did not complete within its timeout. */
export class BlobTimeoutError extends BlobError {
  override name = "BlobTimeoutError";
}

/** The caller's AbortSignal aborted the fetch. */
export class BlobAbortedError extends BlobError {
  override name = "BlobAbortedError";
}

/** No stream could be opened to the peer (unreachable, protocol not supported). */
export class BlobDialError extends BlobError {
  override name = "BlobDialError";
}

/** The peer broke the protocol (bad status, truncated or overlong body, reset) or reported an error. */
export class BlobProtocolError extends BlobError {
  override name = "BlobProtocolError";
}

/** A blob-protocol frame (request or response header) is malformed; raised before any peer context is known. */
export class BlobFrameError extends VerihiveError {
  override name = "BlobFrameError";
}

/** An announcement subscription cannot be set up (the run's topic already has a validator). */
export class AnnouncementSubscriptionError extends VerihiveError {
  override name = "AnnouncementSubscriptionError";
}
