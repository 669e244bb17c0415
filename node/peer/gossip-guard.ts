import type { Address } from "viem";
import { Role } from "../../lib/core/spec.ts";
import type { Logger } from "../log.ts";

// What keeps an announcement flood cheap for its receiver (REVIEW 8). Every announcement's signer must hold a
// trainer seat of the shard, which costs an RPC call; a flooder signs each message with a fresh key. So:
//   - seats are cached per address (TrainerSeats), answers and refusals alike, for `ttlMs`, in a bounded map;
//   - lookups of addresses not in the cache are rate-limited (a token bucket). Past the limit the check throws,
//     which the validator turns into "ignore" (dropped, not forwarded, its relayer not scored down: an honest
//     relayer of a flooder's message is not punished);
//   - rejections are logged as one summary line per reason every `everyMs` (RejectionLog), not one line each.

export interface Seat {
  role: number;
  active: boolean;
  shard: number;
}

export interface TrainerSeatsOptions {
  ttlMs?: number;
  /** Lookups of uncached addresses per second (the bucket's refill rate and size). */
  lookupsPerSecond?: number;
  maxEntries?: number;
  now?: () => number;
}

export class SeatLookupsLimitedError extends Error {
  override name = "SeatLookupsLimitedError";
}

export class TrainerSeats {
  readonly #lookup: (address: Address) => Promise<Seat>;
  readonly #ttlMs: number;
  readonly #rate: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, { seat: Seat; at: number }>();
  #tokens: number;
  #refilledAt: number;
  /** RPC lookups made (for tests and logs). */
  lookups = 0;

  constructor(lookup: (address: Address) => Promise<Seat>, o: TrainerSeatsOptions = {}) {
    this.#lookup = lookup;
    this.#ttlMs = o.ttlMs ?? 30_000;
    this.#rate = o.lookupsPerSecond ?? 50; // a round's first announcements of 50 trainers at once
    this.#max = o.maxEntries ?? 4096;
    this.#now = o.now ?? Date.now;
    this.#tokens = this.#rate;
    this.#refilledAt = this.#now();
  }

  /** Whether `address` holds an active trainer seat of `shard`; throws SeatLookupsLimitedError past the rate. */
  async isKnownTrainer(address: Address, shard: number): Promise<boolean> {
    const seat = await this.#seat(address);
    return seat.role === Role.Trainer && seat.active && seat.shard === shard;
  }

  async #seat(address: Address): Promise<Seat> {
    const key = address.toLowerCase();
    const now = this.#now();
    const hit = this.#cache.get(key);
    if (hit && now - hit.at < this.#ttlMs) return hit.seat;
    this.#tokens = Math.min(this.#rate, this.#tokens + ((now - this.#refilledAt) / 1000) * this.#rate);
    this.#refilledAt = now;
    if (this.#tokens < 1) throw new SeatLookupsLimitedError("seat lookups rate-limited (an announcement flood?)");
    this.#tokens -= 1;
    this.lookups++;
    const seat = await this.#lookup(address);
    this.#cache.delete(key);
    this.#cache.set(key, { seat, at: now });
    if (this.#cache.size > this.#max) this.#cache.delete(this.#cache.keys().next().value!);
    return seat;
  }
}

/** Rejected announcements, logged as one line per reason and period with a count and the last sender. */
export class RejectionLog {
  readonly #log: Logger;
  readonly #everyMs: number;
  readonly #now: () => number;
  readonly #counts = new Map<string, { n: number; since: number; peer: string; detail: string }>();

  constructor(log: Logger, everyMs = 10_000, now: () => number = Date.now) {
    this.#log = log;
    this.#everyMs = everyMs;
    this.#now = now;
  }

  note(peer: string, reason: string, detail = ""): void {
    const now = this.#now();
    const c = this.#counts.get(reason);
    if (!c) {
      // The first of a kind is logged at once, so that a single bad message is still seen.
      this.#log.warn("announcement rejected", { peer, reason, detail });
      this.#counts.set(reason, { n: 0, since: now, peer, detail });
      return;
    }
    c.n++;
    c.peer = peer;
    c.detail = detail;
    if (now - c.since >= this.#everyMs) {
      this.#log.warn("announcements rejected", { reason, count: c.n, seconds: Math.round((now - c.since) / 1000), lastPeer: c.peer, lastDetail: c.detail });
      this.#counts.set(reason, { n: 0, since: now, peer, detail });
    }
  }
}
