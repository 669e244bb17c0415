import { bytesToHex, hexToBytes, isHex, type Hex } from "viem";
import { BlobFrameError } from "../errors.ts";
import {
  BlobKind,
  BlobStatus,
  FLAG_ROUND,
  FLAG_SEGMENT,
  MAX_BLOB_BYTES,
  REQUEST_BYTES,
  RESPONSE_HEADER_BYTES,
} from "./constants.ts";

// Pure encoding and strict decoding of the blob protocol's frames (layout in constants.ts).

/** What a client asks for: the hash is the key, kind/round/segment help the server find the blob. */
export interface BlobRequest {
  kind: BlobKind;
  hash: Hex;
  round?: bigint;
  segment?: number;
}

export interface BlobResponseHeader {
  status: BlobStatus;
  length: number;
}

const KINDS = new Set<number>(Object.values(BlobKind));
const STATUSES = new Set<number>(Object.values(BlobStatus));
const MAX_UINT64 = (1n << 64n) - 1n;

function isHash(value: unknown): value is Hex {
  return typeof value === "string" && value.length === 66 && isHex(value, { strict: true });
}

/** Checks a request built locally; throws a BlobFrameError naming the bad field. */
export function validateRequest(request: BlobRequest): void {
  if (!KINDS.has(request.kind)) throw new BlobFrameError("unknown blob kind", { kind: request.kind });
  if (!isHash(request.hash)) throw new BlobFrameError("hash is not 32 bytes of 0x-prefixed hex", { hash: request.hash });
  if (request.round !== undefined && (typeof request.round !== "bigint" || request.round < 0n || request.round > MAX_UINT64)) {
    throw new BlobFrameError("round is not a uint64", { round: request.round });
  }
  const segment = request.segment;
  if (segment !== undefined && (!Number.isInteger(segment) || segment < 0 || segment > 0xffff_ffff)) {
    throw new BlobFrameError("segment is not a uint32", { segment });
  }
}

export function encodeRequest(request: BlobRequest): Uint8Array {
  validateRequest(request);
  const out = new Uint8Array(REQUEST_BYTES);
  const view = new DataView(out.buffer);
  out[0] = request.kind;
  out[1] = (request.round !== undefined ? FLAG_ROUND : 0) | (request.segment !== undefined ? FLAG_SEGMENT : 0);
  out.set(hexToBytes(request.hash), 2);
  view.setBigUint64(34, request.round ?? 0n, false);
  view.setUint32(42, request.segment ?? 0, false);
  return out;
}

/** Decodes an untrusted request: exact length, known kind, no unknown flags, absent fields zero. */
export function decodeRequest(bytes: Uint8Array): BlobRequest {
  if (bytes.length !== REQUEST_BYTES) throw new BlobFrameError("request has the wrong length", { length: bytes.length });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kind = bytes[0]!;
  const flags = bytes[1]!;
  if (!KINDS.has(kind)) throw new BlobFrameError("unknown blob kind", { kind });
  if ((flags & ~(FLAG_ROUND | FLAG_SEGMENT)) !== 0) throw new BlobFrameError("unknown request flags", { flags });
  const round = view.getBigUint64(34, false);
  const segment = view.getUint32(42, false);
  if ((flags & FLAG_ROUND) === 0 && round !== 0n) throw new BlobFrameError("round set without its flag");
  if ((flags & FLAG_SEGMENT) === 0 && segment !== 0) throw new BlobFrameError("segment set without its flag");
  const request: BlobRequest = { kind: kind as BlobKind, hash: bytesToHex(bytes.subarray(2, 34)) };
  if ((flags & FLAG_ROUND) !== 0) request.round = round;
  if ((flags & FLAG_SEGMENT) !== 0) request.segment = segment;
  return request;
}

export function encodeResponseHeader(status: BlobStatus, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > MAX_BLOB_BYTES) throw new BlobFrameError("length is not a uint32", { length });
  if (status !== BlobStatus.Ok && length !== 0) throw new BlobFrameError("only an Ok response carries bytes", { status, length });
  const out = new Uint8Array(RESPONSE_HEADER_BYTES);
  out[0] = status;
  new DataView(out.buffer).setUint32(1, length, false);
  return out;
}

/** Decodes an untrusted response header: known status, and a zero length unless the status is Ok. */
export function decodeResponseHeader(bytes: Uint8Array): BlobResponseHeader {
  if (bytes.length !== RESPONSE_HEADER_BYTES) throw new BlobFrameError("response header has the wrong length", { length: bytes.length });
  const status = bytes[0]!;
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(1, false);
  if (!STATUSES.has(status)) throw new BlobFrameError("unknown response status", { status });
  if (status !== BlobStatus.Ok && length !== 0) throw new BlobFrameError("error response carries bytes", { status, length });
  return { status: status as BlobStatus, length };
}
