import { resolve } from "node:path";
import { peerIdFromString } from "@libp2p/peer-id";
import { multiaddr } from "@multiformats/multiaddr";
import { getAddress, isAddress, parseUnits, type Address } from "viem";

// Checks of single setting values for node/config.ts: each turns a raw string into a typed value or a
// problem phrase ("must be an http(s) URL") that the parser prefixes with the setting's name and origin.

/** "gate", "expert-0", "expert-1", … (as lib/ml's `ShardName`). */
export type ShardName = "gate" | `expert-${number}`;

/** One setting's raw value and where it came from (for messages and relative paths). */
export interface Raw {
  readonly value: string | readonly string[];
  /** "" for a flag, " from VERIHIVE_X" or " from config file F". */
  readonly origin: string;
  /** Folder that relative paths resolve against. */
  readonly base: string;
}

export type Check<T> = (value: string, raw: Raw) => { ok: T } | { problem: string };

const UINT256_MAX = 2n ** 256n - 1n;
const MAX_SHARD_INDEX = 0xfffe;

export const checkUrl: Check<string> = (v) => {
  try {
    const url = new URL(v);
    if (url.protocol === "http:" || url.protocol === "https:") return { ok: v };
  } catch {
    // fall through
  }
  return { problem: "must be an http(s) URL" };
};

export const checkAddress: Check<Address> = (v) => {
  if (!/^0x[0-9a-fA-F]{40}$/.test(v)) return { problem: "must be a 0x-prefixed 20-byte hex address" };
  if (!isAddress(v)) return { problem: "has a bad checksum (mixed-case address)" };
  if (/^0x0{40}$/.test(v)) return { problem: "must not be the zero address" };
  return { ok: getAddress(v) };
};

export const checkRun: Check<bigint> = (v) => {
  if (!/^[1-9][0-9]{0,77}$/.test(v) || BigInt(v) > UINT256_MAX) return { problem: "must be a positive integer" };
  return { ok: BigInt(v) };
};

export const checkShard: Check<ShardName> = (v) => {
  if (v === "gate") return { ok: "gate" };
  const m = /^expert-(0|[1-9][0-9]{0,4})$/.exec(v);
  if (m && Number(m[1]) <= MAX_SHARD_INDEX) return { ok: `expert-${Number(m[1])}` };
  return { problem: "must be 'gate' or 'expert-<n>'" };
};

export const checkStake: Check<bigint> = (v) => {
  // parseUnits rounds past 18 decimals and accepts signs and bare dots: check the shape first.
  if (/^[0-9]{1,60}(\.[0-9]{1,18})?$/.test(v)) {
    const wei = parseUnits(v, 18);
    if (wei > 0n) return { ok: wei };
  }
  return { problem: "must be a token amount greater than 0 with at most 18 decimals, like 250 or 12.5" };
};

export function checkMultiaddr(allowPeerId: boolean): Check<string> {
  const shape = allowPeerId ? "/ip4|ip6|dns|dns4|dns6/HOST/tcp/PORT[/p2p/PEER-ID]" : "/ip4|ip6|dns|dns4|dns6/HOST/tcp/PORT";
  return (v) => {
    let components;
    try {
      components = multiaddr(v).getComponents();
    } catch (e) {
      return { problem: `is not a valid multiaddr: ${(e as Error).message}` };
    }
    const [host, tcp, p2p, ...rest] = components;
    const hostOk = host !== undefined && ["ip4", "ip6", "dns", "dns4", "dns6"].includes(host.name);
    const tailOk = p2p === undefined || (allowPeerId && p2p.name === "p2p" && rest.length === 0);
    if (!hostOk || tcp?.name !== "tcp" || !tailOk) return { problem: `must have the shape ${shape}` };
    if (p2p?.value !== undefined) {
      try {
        peerIdFromString(p2p.value);
      } catch {
        return { problem: "has an invalid /p2p/ peer id" };
      }
    }
    return { ok: v };
  };
}

export function oneOf<T extends string>(allowed: readonly T[]): Check<T> {
  return (v) => ((allowed as readonly string[]).includes(v) ? { ok: v as T } : { problem: `must be one of ${allowed.join(", ")}` });
}

export const checkPath: Check<string> = (v, raw) => (v.trim() === "" ? { problem: "must not be empty" } : { ok: resolve(raw.base, v) });
export const checkAttack: Check<string> = (v) => (/^[a-z][a-z0-9-]{0,63}$/.test(v) ? { ok: v } : { problem: "must be a name of lowercase letters, digits and dashes" });

