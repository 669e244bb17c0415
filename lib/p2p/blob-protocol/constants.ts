// Wire constants, limits and timeouts of the blob protocol (/verihive/blob/1.0.0).
//
// Request (fixed REQUEST_BYTES = 46 bytes, client → server, then the client closes its write side):
//   [0]      kind      BlobKind (1 update, 2 checkpoint, 3 shard state, 4 trajectory manifest)
//   [1]      flags     bit 0: round present, bit 1: segment present; other bits zero
//   [2..34)  hash      SHA-256 of the blob
//   [34..42) round     uint64 big-endian (zero when absent)
//   [42..46) segment   uint32 big-endian (zero when absent)
// Response (server → client, then the server closes its write side):
//   [0]      status    BlobStatus
//   [1..5)   length    uint32 big-endian; zero unless status is Ok
//   [5..)    the blob, `length` bytes, streamed in chunks

export const PROTOCOL_PREFIX = "verihive";
export const PROTOCOL_NAME = "blob";
export const PROTOCOL_VERSION = "1.0.0";
export const BLOB_PROTOCOL = `/${PROTOCOL_PREFIX}/${PROTOCOL_NAME}/${PROTOCOL_VERSION}`;

/**
 * What a blob is; the server may use it (with round and segment) to find the blob, the hash is the key.
 * Blobs are keyed by their SHA-256, except a Manifest, keyed by the Merkle root it rebuilds (the caller
 * passes `verify`).
 */
export const BlobKind = { Update: 1, Checkpoint: 2, ShardState: 3, Manifest: 4 } as const;
export type BlobKind = (typeof BlobKind)[keyof typeof BlobKind];

/** First byte of a response. */
export const BlobStatus = { Ok: 0, NotFound: 1, BadRequest: 2, ServerError: 3 } as const;
export type BlobStatus = (typeof BlobStatus)[keyof typeof BlobStatus];

export const REQUEST_BYTES = 46;
export const RESPONSE_HEADER_BYTES = 5;
export const FLAG_ROUND = 0x01;
export const FLAG_SEGMENT = 0x02;

/** Largest blob the length field can carry (uint32). */
export const MAX_BLOB_BYTES = 0xffff_ffff;

/** Server: how long a peer has to send its request. */
export const REQUEST_TIMEOUT_MS = 5_000;
/** Server: how long sending one response may take (a 1 GiB blob at ~10 MB/s). */
export const RESPONSE_TIMEOUT_MS = 120_000;
/** Client: default deadline of a whole fetch (dial, request, response). */
export const FETCH_TIMEOUT_MS = 60_000;
/** Server: bytes per `send` call; backpressure is honoured between chunks. */
export const CHUNK_BYTES = 1024 * 1024;
/** Server: most bytes buffered from a peer's request before the stream is reset. */
export const MAX_REQUEST_BUFFER_BYTES = 4096;

export const MAX_INBOUND_STREAMS = 8;
export const MAX_OUTBOUND_STREAMS = 8;
