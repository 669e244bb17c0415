import { createDecipheriv } from "node:crypto";
import { readFileSync } from "node:fs";
import { scrypt } from "@noble/hashes/scrypt.js";
import { pbkdf2 } from "@noble/hashes/pbkdf2.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import type { Hex } from "viem";
import { VerihiveError } from "../core/errors.ts";

/** A key file or keystore could not be read or decrypted. */
export class KeyFileError extends VerihiveError {
  override name = "KeyFileError";
}

const MAX_KEY_FILE_BYTES = 64 * 1024;

function readSmall(path: string): string {
  let text: string;
  try {
    const buf = readFileSync(path);
    if (buf.length > MAX_KEY_FILE_BYTES) throw new KeyFileError(`key file ${path} is larger than 64 KiB`, { path });
    text = buf.toString("utf8");
  } catch (e) {
    if (e instanceof KeyFileError) throw e;
    throw new KeyFileError(`cannot read key file ${path}: ${(e as Error).message}`, { path });
  }
  return text.trim();
}

/** A raw key file: one 0x-prefixed (or bare) 32-byte hex private key. */
export function readKeyFile(path: string): Hex {
  const text = readSmall(path);
  const hex = text.startsWith("0x") ? text.slice(2) : text;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new KeyFileError(`key file ${path} does not hold a 32-byte hex private key`, { path });
  if (/^0+$/.test(hex)) throw new KeyFileError(`key file ${path} holds the zero key`, { path });
  return `0x${hex.toLowerCase()}`;
}

function hexBytes(v: unknown, what: string, path: string): Uint8Array {
  if (typeof v !== "string" || !/^(0x)?([0-9a-fA-F]{2})+$/.test(v)) throw new KeyFileError(`keystore ${path}: ${what} is not hex`, { path });
  return Buffer.from(v.replace(/^0x/, ""), "hex");
}

/** An Ethereum JSON keystore (v3: scrypt or pbkdf2 with aes-128-ctr), decrypted with `password`. */
export function readKeystore(path: string, password: string): Hex {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readSmall(path)) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof KeyFileError) throw e;
    throw new KeyFileError(`keystore ${path} is not JSON`, { path });
  }
  const crypto = (json.crypto ?? json.Crypto) as Record<string, unknown> | undefined;
  if (json.version !== 3 || !crypto) throw new KeyFileError(`keystore ${path} is not a version 3 keystore`, { path });
  const params = crypto.kdfparams as Record<string, number | string> | undefined;
  if (crypto.cipher !== "aes-128-ctr" || !params) throw new KeyFileError(`keystore ${path}: unsupported cipher ${String(crypto.cipher)}`, { path });
  const salt = hexBytes(params.salt, "salt", path);
  const dklen = Number(params.dklen);
  if (dklen !== 32) throw new KeyFileError(`keystore ${path}: dklen must be 32`, { path });
  let derived: Uint8Array;
  if (crypto.kdf === "scrypt") {
    const N = Number(params.n);
    const r = Number(params.r);
    const p = Number(params.p);
    // Bounds keep a hostile keystore from asking for gigabytes of memory.
    if (!(N >= 2 && N <= 2 ** 20 && r >= 1 && r <= 16 && p >= 1 && p <= 16)) throw new KeyFileError(`keystore ${path}: scrypt parameters out of range`, { path });
    derived = scrypt(new TextEncoder().encode(password), salt, { N, r, p, dkLen: dklen });
  } else if (crypto.kdf === "pbkdf2" && params.prf === "hmac-sha256") {
    const c = Number(params.c);
    if (!(c >= 1 && c <= 10_000_000)) throw new KeyFileError(`keystore ${path}: pbkdf2 iterations out of range`, { path });
    derived = pbkdf2(sha256, new TextEncoder().encode(password), salt, { c, dkLen: dklen });
  } else {
    throw new KeyFileError(`keystore ${path}: unsupported kdf ${String(crypto.kdf)}`, { path });
  }
  const ciphertext = hexBytes(crypto.ciphertext, "ciphertext", path);
  const mac = Buffer.from(keccak_256(Buffer.concat([derived.slice(16, 32), ciphertext]))).toString("hex");
  if (mac !== String(crypto.mac).replace(/^0x/, "").toLowerCase()) throw new KeyFileError(`keystore ${path}: wrong password (MAC mismatch)`, { path });
  const iv = hexBytes((crypto.cipherparams as Record<string, unknown> | undefined)?.iv, "iv", path);
  const decipher = createDecipheriv("aes-128-ctr", derived.slice(0, 16), iv);
  const key = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  if (key.length !== 32) throw new KeyFileError(`keystore ${path}: decrypted key is ${key.length} bytes, not 32`, { path });
  return `0x${key.toString("hex")}`;
}
