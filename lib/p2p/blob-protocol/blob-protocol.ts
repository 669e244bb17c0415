import type { AbortOptions, Connection, Logger, PeerId, Startable, Stream } from "@libp2p/interface";
import type { Hex } from "viem";
import { hashBytes } from "../../core/state-hash.ts";
import {
  BlobAbortedError,
  BlobDialError,
  BlobError,
  BlobFrameError,
  BlobHashMismatchError,
  BlobNotFoundError,
  BlobProtocolError,
  BlobTimeoutError,
  BlobTooLargeError,
} from "../errors.ts";
import {
  BLOB_PROTOCOL,
  BlobKind,
  BlobStatus,
  CHUNK_BYTES,
  FETCH_TIMEOUT_MS,
  MAX_BLOB_BYTES,
  MAX_INBOUND_STREAMS,
  MAX_OUTBOUND_STREAMS,
  MAX_REQUEST_BUFFER_BYTES,
  REQUEST_BYTES,
  REQUEST_TIMEOUT_MS,
  RESPONSE_HEADER_BYTES,
  RESPONSE_TIMEOUT_MS,
} from "./constants.ts";
import { decodeRequest, decodeResponseHeader, encodeRequest, encodeResponseHeader, type BlobRequest } from "./frames.ts";
import type { BlobProtocolComponents, BlobProtocolInit, BlobService, BlobStore, FetchBlobOptions } from "./index.ts";

// The blob protocol: the server (BlobProtocol.handleStream) and the client (requestBlob, used by
// BlobProtocol.fetch and by fetchBlob in index.ts).

/** The chunks of a stream message (a Uint8Array or a Uint8ArrayList of them). */
function* buffersOf(chunk: Uint8Array | Iterable<Uint8Array>): Generator<Uint8Array> {
  if (chunk instanceof Uint8Array) yield chunk;
  else yield* chunk;
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** Sends `bytes`, waiting for the stream to drain whenever its buffer is full. */
async function sendAll(stream: Stream, bytes: Uint8Array, chunkBytes: number, signal: AbortSignal): Promise<void> {
  for (let offset = 0; offset < bytes.length; offset += chunkBytes) {
    signal.throwIfAborted();
    if (!stream.send(bytes.subarray(offset, Math.min(offset + chunkBytes, bytes.length)))) {
      await stream.onDrain({ signal });
    }
  }
}

/**
 * Reads the fixed-size request. Returns the raw bytes, or undefined when the peer sent more than a request
 * or closed early. The caller's deadline aborts the stream, which ends the read with an error.
 */
async function readRequest(stream: Stream): Promise<Uint8Array | undefined> {
  const request = new Uint8Array(REQUEST_BYTES);
  let filled = 0;
  for await (const chunk of stream) {
    for (const buf of buffersOf(chunk)) {
      if (filled + buf.length > REQUEST_BYTES) return undefined;
      request.set(buf, filled);
      filled += buf.length;
    }
    if (filled === REQUEST_BYTES) return request;
  }
  return undefined;
}

export class BlobProtocol implements BlobService, Startable {
  readonly protocol: string;
  private readonly components: BlobProtocolComponents;
  private readonly log: Logger;
  private store: BlobStore;
  private readonly requestTimeoutMs: number;
  private readonly responseTimeoutMs: number;
  private readonly chunkBytes: number;
  private readonly maxInboundStreams: number;
  private readonly maxOutboundStreams: number;
  /** Aborted by stop(): ends every response in flight. */
  private shutdown = new AbortController();
  private started = false;

  constructor(components: BlobProtocolComponents, init: BlobProtocolInit = {}) {
    this.components = components;
    this.log = components.logger.forComponent("verihive:blob");
    this.store = init.store ?? { get: () => undefined };
    this.protocol = init.protocol ?? BLOB_PROTOCOL;
    this.requestTimeoutMs = init.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    this.responseTimeoutMs = init.responseTimeoutMs ?? RESPONSE_TIMEOUT_MS;
    this.chunkBytes = init.chunkBytes ?? CHUNK_BYTES;
    this.maxInboundStreams = init.maxInboundStreams ?? MAX_INBOUND_STREAMS;
    this.maxOutboundStreams = init.maxOutboundStreams ?? MAX_OUTBOUND_STREAMS;
    this.handleStream = this.handleStream.bind(this);
  }

  readonly [Symbol.toStringTag] = "@verihive/blob-protocol";

  async start(): Promise<void> {
    if (this.started) return;
    this.shutdown = new AbortController();
    await this.components.registrar.handle(this.protocol, this.handleStream, {
      maxInboundStreams: this.maxInboundStreams,
      maxOutboundStreams: this.maxOutboundStreams,
    });
    this.started = true;
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.shutdown.abort(new Error("blob protocol stopped"));
    await this.components.registrar.unhandle(this.protocol);
  }

  isStarted(): boolean {
    return this.started;
  }

  setStore(store: BlobStore): void {
    this.store = store;
  }

  async fetch(peerId: PeerId, hash: Hex, options: FetchBlobOptions): Promise<Uint8Array> {
    return requestBlob(
      (signal) => this.components.connectionManager.openStream(peerId, this.protocol, { signal }),
      peerId,
      hash,
      options,
    );
  }

  /** Serves one request. Never throws: a misbehaving peer only gets its stream reset. */
  async handleStream(stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer;
    stream.maxReadBufferLength = MAX_REQUEST_BUFFER_BYTES;
    const requestDeadline = AbortSignal.timeout(this.requestTimeoutMs);
    const responseDeadline = AbortSignal.any([AbortSignal.timeout(this.responseTimeoutMs), this.shutdown.signal]);
    const onAbort = (signal: AbortSignal) => () => stream.abort(asError(signal.reason));
    const onRequestTimeout = onAbort(requestDeadline);
    const onResponseTimeout = onAbort(responseDeadline);
    requestDeadline.addEventListener("abort", onRequestTimeout, { once: true });
    responseDeadline.addEventListener("abort", onResponseTimeout, { once: true });
    try {
      const raw = await readRequest(stream);
      requestDeadline.removeEventListener("abort", onRequestTimeout);
      let request: BlobRequest | undefined;
      try {
        if (raw !== undefined) request = decodeRequest(raw);
      } catch (err) {
        if (!(err instanceof BlobFrameError)) throw err;
      }
      if (request === undefined) {
        this.log("bad request from %p", peer);
        await this.respond(stream, BlobStatus.BadRequest, undefined, responseDeadline);
        return;
      }
      let blob: Uint8Array | undefined;
      try {
        blob = await this.store.get(request.hash, request);
      } catch (err) {
        this.log.error("blob store failed for %s - %e", request.hash, err);
        await this.respond(stream, BlobStatus.ServerError, undefined, responseDeadline);
        return;
      }
      if (blob !== undefined && !(blob instanceof Uint8Array && blob.length <= MAX_BLOB_BYTES)) {
        this.log.error("blob store returned an unusable value for %s", request.hash);
        await this.respond(stream, BlobStatus.ServerError, undefined, responseDeadline);
        return;
      }
      await this.respond(stream, blob === undefined ? BlobStatus.NotFound : BlobStatus.Ok, blob, responseDeadline);
      this.log.trace("served %s (%d bytes) to %p", request.hash, blob?.length ?? 0, peer);
    } catch (err) {
      this.log("blob stream from %p failed - %e", peer, err);
      stream.abort(asError(err));
    } finally {
      requestDeadline.removeEventListener("abort", onRequestTimeout);
      responseDeadline.removeEventListener("abort", onResponseTimeout);
    }
  }

  private async respond(stream: Stream, status: BlobStatus, blob: Uint8Array | undefined, signal: AbortSignal): Promise<void> {
    if (stream.writeStatus !== "writable") return;
    stream.send(encodeResponseHeader(status, blob?.length ?? 0));
    if (blob !== undefined) await sendAll(stream, blob, this.chunkBytes, signal);
    await stream.close({ signal });
  }
}

/** Opens a stream on the blob protocol to the peer being asked. */
export type OpenBlobStream = (signal: AbortSignal) => Promise<Stream>;

/**
 * Fetches a blob over a fresh stream: sends the request, checks the announced length against `maxBytes`
 * before allocating, reads exactly that many bytes into one buffer and checks their SHA-256.
 */
export async function requestBlob(open: OpenBlobStream, peerId: PeerId, hash: Hex, options: FetchBlobOptions): Promise<Uint8Array> {
  const { maxBytes, timeoutMs = FETCH_TIMEOUT_MS } = options;
  const request: BlobRequest = { kind: options.kind ?? BlobKind.Update, hash };
  if (options.round !== undefined) request.round = options.round;
  if (options.segment !== undefined) request.segment = options.segment;
  let frame: Uint8Array;
  try {
    frame = encodeRequest(request);
  } catch (err) {
    throw new BlobProtocolError("invalid request", peerId, hash, { reason: asError(err).message }, { cause: err });
  }
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new BlobProtocolError("maxBytes is not a non-negative integer", peerId, hash, { maxBytes });
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new BlobProtocolError("timeoutMs is not positive", peerId, hash, { timeoutMs });

  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
  const aborted = (cause?: unknown): BlobError =>
    options.signal?.aborted === true
      ? new BlobAbortedError("fetch aborted", peerId, hash, {}, { cause: cause ?? options.signal.reason })
      : new BlobTimeoutError(`fetch did not complete within ${timeoutMs} ms`, peerId, hash, { timeoutMs }, { cause });
  if (signal.aborted) throw aborted();

  let stream: Stream;
  try {
    stream = await open(signal);
  } catch (err) {
    if (signal.aborted) throw aborted(err);
    throw new BlobDialError("could not open a blob stream", peerId, hash, { reason: asError(err).message }, { cause: err });
  }
  const onAbort = () => stream.abort(asError(signal.reason));
  signal.addEventListener("abort", onAbort, { once: true });
  let failure: Error | undefined;
  try {
    stream.send(frame);
    await stream.close({ signal });
    return await readResponse(stream, peerId, hash, maxBytes, options.verify);
  } catch (err) {
    failure = asError(err);
    if (signal.aborted) throw aborted(err);
    if (err instanceof BlobError) throw err;
    throw new BlobProtocolError("blob stream failed", peerId, hash, { reason: failure.message }, { cause: err });
  } finally {
    signal.removeEventListener("abort", onAbort);
    if (failure !== undefined) stream.abort(failure);
  }
}

async function readResponse(
  stream: Stream,
  peerId: PeerId,
  hash: Hex,
  maxBytes: number,
  verify: ((bytes: Uint8Array) => boolean) | undefined,
): Promise<Uint8Array> {
  const header = new Uint8Array(RESPONSE_HEADER_BYTES);
  let headerFilled = 0;
  let body: Uint8Array | undefined;
  let bodyFilled = 0;
  for await (const chunk of stream) {
    for (const buf of buffersOf(chunk)) {
      let offset = 0;
      if (body === undefined) {
        offset = Math.min(RESPONSE_HEADER_BYTES - headerFilled, buf.length);
        header.set(buf.subarray(0, offset), headerFilled);
        headerFilled += offset;
        if (headerFilled < RESPONSE_HEADER_BYTES) continue;
        body = openBody(header, peerId, hash, maxBytes);
      }
      const rest = buf.length - offset;
      if (bodyFilled + rest > body.length) {
        throw new BlobProtocolError("peer sent more bytes than it announced", peerId, hash, { announced: body.length });
      }
      body.set(offset === 0 ? buf : buf.subarray(offset), bodyFilled);
      bodyFilled += rest;
    }
  }
  if (body === undefined) throw new BlobProtocolError("stream ended before the response header", peerId, hash, { received: headerFilled });
  if (bodyFilled !== body.length) {
    throw new BlobProtocolError("stream ended before the whole blob", peerId, hash, { announced: body.length, received: bodyFilled });
  }
  if (verify !== undefined) {
    let ok = false;
    let reason: string | undefined;
    try {
      ok = verify(body);
    } catch (err) {
      reason = asError(err).message;
    }
    if (!ok) throw new BlobHashMismatchError("blob bytes do not match the requested key", peerId, hash, reason === undefined ? {} : { reason });
    return body;
  }
  const actual = hashBytes(body);
  if (actual !== hash.toLowerCase()) throw new BlobHashMismatchError("blob bytes do not match the requested hash", peerId, hash, { actual });
  return body;
}

/** Decodes the header and, for an Ok within `maxBytes`, allocates the body; throws the typed error otherwise. */
function openBody(header: Uint8Array, peerId: PeerId, hash: Hex, maxBytes: number): Uint8Array {
  let decoded;
  try {
    decoded = decodeResponseHeader(header);
  } catch (err) {
    throw new BlobProtocolError("malformed response header", peerId, hash, { reason: asError(err).message }, { cause: err });
  }
  switch (decoded.status) {
    case BlobStatus.Ok:
      if (decoded.length > maxBytes) {
        throw new BlobTooLargeError(`peer announced ${decoded.length} bytes, more than ${maxBytes}`, peerId, hash, {
          announced: decoded.length,
          maxBytes,
        });
      }
      return new Uint8Array(decoded.length);
    case BlobStatus.NotFound:
      throw new BlobNotFoundError("peer does not have the blob", peerId, hash);
    default:
      throw new BlobProtocolError("peer refused the request", peerId, hash, { status: decoded.status });
  }
}

/** Narrow view of a libp2p node that can open a blob stream. */
export interface BlobDialer {
  dialProtocol(peer: PeerId, protocols: string | string[], options?: AbortOptions): Promise<Stream>;
}
