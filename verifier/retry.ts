import { sleep } from "../node/peer/clock.ts";

// Retrying a flaky call (an RPC request) with exponential backoff and jitter, until it succeeds or the
// caller's signal aborts. Only errors `retryable` accepts are retried; anything else is thrown at once.

export interface BackoffOptions {
  /** Delay before the first retry (ms). */
  initialMs: number;
  /** Upper bound of a delay (ms). */
  maxMs: number;
  /** Growth factor per attempt. */
  factor: number;
  /** Fraction of each delay drawn at random (0: none, 0.2: ±20 %). */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 15_000, factor: 2, jitter: 0.2 };

/** The delay before retry number `attempt` (0-based), without jitter when `random` returns 0.5. */
export function backoffDelay(attempt: number, b: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const base = Math.min(b.maxMs, b.initialMs * b.factor ** Math.max(0, attempt));
  return Math.max(0, Math.round(base * (1 + b.jitter * (2 * random() - 1))));
}

export interface RetryOptions {
  signal: AbortSignal;
  backoff?: BackoffOptions;
  /** Gives up after this many failed attempts (default: never, until the signal aborts). */
  maxAttempts?: number;
  /** Whether an error is worth another attempt (default: every error). */
  retryable?: (error: unknown) => boolean;
  /** Called before each wait with the failure and the delay chosen. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** How to wait (tests pass a fake). */
  wait?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** Calls `fn` until it resolves; waits `backoffDelay(attempt)` between failures. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, o: RetryOptions): Promise<T> {
  const wait = o.wait ?? sleep;
  for (let attempt = 0; ; attempt++) {
    o.signal.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (e) {
      o.signal.throwIfAborted();
      if (o.retryable && !o.retryable(e)) throw e;
      if (o.maxAttempts !== undefined && attempt + 1 >= o.maxAttempts) throw e;
      const delay = backoffDelay(attempt, o.backoff);
      o.onRetry?.(e, attempt, delay);
      await wait(delay, o.signal);
    }
  }
}
