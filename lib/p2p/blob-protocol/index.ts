// Request/response protocol /verihive/blob/1.0.0: fetch a named blob (an update, a checkpoint, a shard
// state) from a peer by its SHA-256 hash.
//   constants.ts     protocol id, frame layout, limits, timeouts
//   frames.ts        encoding and strict decoding of the request and of the response header
//   blob-protocol.ts the service class (server side) and requestBlob (client side)
//   index.ts         init options, the narrow components, the service factory, fetchBlob
import type { AbortOptions, ComponentLogger, PeerId, Stream, StreamHandler, StreamHandlerOptions } from "@libp2p/interface";
import type { Hex } from "viem";
import { BLOB_PROTOCOL, type BlobKind } from "./constants.ts";
import { BlobProtocol, requestBlob, type BlobDialer } from "./blob-protocol.ts";
import type { BlobRequest } from "./frames.ts";

export { BLOB_PROTOCOL, BlobKind, BlobStatus, MAX_BLOB_BYTES, REQUEST_BYTES, RESPONSE_HEADER_BYTES } from "./constants.ts";
export { decodeRequest, decodeResponseHeader, encodeRequest, encodeResponseHeader, type BlobRequest, type BlobResponseHeader } from "./frames.ts";
export { BlobProtocol, requestBlob, type BlobDialer, type OpenBlobStream } from "./blob-protocol.ts";

/** Where the server finds blobs; the hash is the key. Returning undefined answers "not found". */
export interface BlobStore {
  get(hash: Hex, request: BlobRequest): Uint8Array | undefined | Promise<Uint8Array | undefined>;
}

export interface BlobProtocolInit {
  /** Blobs this node serves (default: none). */
  store?: BlobStore;
  /** Protocol id (default /verihive/blob/1.0.0). */
  protocol?: string;
  /** How long a peer has to send its request (default 5 s). */
  requestTimeoutMs?: number;
  /** How long sending one response may take (default 120 s). */
  responseTimeoutMs?: number;
  /** Bytes per send call (default 1 MiB). */
  chunkBytes?: number;
  maxInboundStreams?: number;
  maxOutboundStreams?: number;
}

/** The libp2p components the service uses (structurally, the registrar and the connection manager). */
export interface BlobProtocolComponents {
  registrar: {
    handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>;
    unhandle(protocol: string, options?: AbortOptions): Promise<void>;
  };
  connectionManager: {
    openStream(peer: PeerId, protocol: string, options?: AbortOptions): Promise<Stream>;
  };
  logger: ComponentLogger;
}

export interface FetchBlobOptions {
  /** Largest blob accepted; a longer announced length fails with BlobTooLargeError before any buffering. */
  maxBytes: number;
  /** Deadline of the whole fetch (default 60 s); BlobTimeoutError when it passes. */
  timeoutMs?: number;
  /** Caller's cancellation; BlobAbortedError when it aborts. */
  signal?: AbortSignal;
  /** What is asked for (default Update), and where it sits. */
  kind?: BlobKind;
  round?: bigint;
  segment?: number;
  /**
   * Checks the bytes against the key instead of SHA-256 (for blobs keyed otherwise, such as a Manifest by its
   * Merkle root). Returning false, or throwing, fails the fetch with BlobHashMismatchError.
   */
  verify?: (bytes: Uint8Array) => boolean;
}

/** The service as a libp2p node exposes it (`node.services.blobs`). */
export interface BlobService {
  readonly protocol: string;
  /** Replaces the store that answers requests. */
  setStore(store: BlobStore): void;
  /** Fetches a blob from `peerId` (see fetchBlob). */
  fetch(peerId: PeerId, hash: Hex, options: FetchBlobOptions): Promise<Uint8Array>;
}

export function blobProtocol(init: BlobProtocolInit = {}): (components: BlobProtocolComponents) => BlobService {
  return (components) => new BlobProtocol(components, init);
}

/**
 * Fetches the blob with SHA-256 `hash` from `peerId` over a new stream of `node`, which needs no blob
 * service of its own. Throws BlobTooLargeError, BlobHashMismatchError, BlobNotFoundError, BlobTimeoutError,
 * BlobAbortedError, BlobDialError or BlobProtocolError, each carrying the peer id and the hash.
 */
export async function fetchBlob(node: BlobDialer, peerId: PeerId, hash: Hex, options: FetchBlobOptions): Promise<Uint8Array> {
  return requestBlob((signal) => node.dialProtocol(peerId, BLOB_PROTOCOL, { signal }), peerId, hash, options);
}
