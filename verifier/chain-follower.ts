import { join } from "node:path";
import type { Address, GetContractEventsReturnType, PublicClient } from "viem";
import { runCoordinatorAbi } from "../lib/chain/abi.ts";
import { VerihiveError } from "../lib/core/errors.ts";
import type { Logger } from "../node/log.ts";
import { readJson, writeJsonAtomic } from "../node/journal.ts";
import { DEFAULT_BACKOFF, withRetry, type BackoffOptions } from "./retry.ts";

// Follows a contract's event logs block range by block range from a cursor persisted in the data
// directory: the verifier acts on what the chain logged, not on what it remembers. After a restart it
// resumes at the block after the last one it handled (a handler that ran but whose cursor write did not
// land sees those logs again, so handlers are idempotent). A long gap (the node was down) is read in
// ranges of at most `maxRange` blocks; an RPC error is retried with exponential backoff, and a failing
// range is halved (providers cap eth_getLogs) until it succeeds, then grows back.

/** The cursor file does not belong to this chain and run, or the chain is behind it. */
export class FollowerError extends VerihiveError {
  override name = "FollowerError";
}

/** Where logs come from (an RPC client in production, a fake in tests). */
export interface LogSource<T> {
  /** The latest block number. */
  head(): Promise<bigint>;
  /** Logs of blocks [from, to], any order. */
  logs(from: bigint, to: bigint): Promise<T[]>;
}

/** What the follower needs of a log to order it. */
export interface OrderedLog {
  blockNumber: bigint;
  logIndex: number;
}

export interface FollowerOptions<T> {
  source: LogSource<T>;
  /** File the cursor is kept in. */
  file: string;
  /** Identifies the chain, contract and run a cursor belongs to; a file with another key is refused. */
  key: string;
  /** First block to read when there is no cursor yet. */
  startBlock: bigint;
  /** Most blocks per logs request (default 2 000). */
  maxRange?: bigint;
  /** Blocks to stay behind the head (default 0: a local or instant-finality chain). */
  confirmations?: bigint;
  backoff?: BackoffOptions;
  log: Logger;
  /** How to wait between retries (tests pass a fake). */
  wait?: (ms: number, signal: AbortSignal) => Promise<void>;
}

interface CursorFile {
  key: string;
  /** Last block whose logs were handled, as a decimal string. */
  block: string;
}

function validateCursor(v: unknown): CursorFile {
  const o = v as Partial<CursorFile> | null;
  if (typeof o !== "object" || o === null || typeof o.key !== "string" || typeof o.block !== "string" || !/^\d+$/.test(o.block)) {
    throw new Error("expected { key: string, block: decimal string }");
  }
  return { key: o.key, block: o.block };
}

export class ChainFollower<T extends OrderedLog> {
  readonly #o: FollowerOptions<T>;
  readonly #maxRange: bigint;
  #range: bigint;
  #cursor: bigint;

  private constructor(o: FollowerOptions<T>, cursor: bigint) {
    this.#o = o;
    this.#maxRange = o.maxRange ?? 2_000n;
    this.#range = this.#maxRange;
    this.#cursor = cursor;
  }

  /** Loads the cursor of `o.file` (or starts before `o.startBlock`). */
  static async open<T extends OrderedLog>(o: FollowerOptions<T>): Promise<ChainFollower<T>> {
    const saved = await readJson(o.file, validateCursor);
    if (saved && saved.key !== o.key) {
      throw new FollowerError(`${o.file} follows ${saved.key}, not ${o.key}: use another --data-dir for this run`, { file: o.file });
    }
    const cursor = saved ? BigInt(saved.block) : o.startBlock - 1n;
    return new ChainFollower(o, cursor);
  }

  /** Last block whose logs were handled. */
  get cursor(): bigint {
    return this.#cursor;
  }

  /** Refuses a chain whose head is behind the cursor (a reset local chain with the same addresses). */
  async checkHead(signal: AbortSignal): Promise<void> {
    const head = await this.#retry(() => this.#o.source.head(), signal, "head");
    if (head < this.#cursor) {
      throw new FollowerError(`${this.#o.file} has handled block ${this.#cursor}, but the chain's head is ${head}: the chain was reset; use a fresh --data-dir`, {
        cursor: this.#cursor,
        head,
      });
    }
  }

  /**
   * Reads every log from the cursor to the head (minus confirmations) and hands them to `handler` in chain
   * order, one range at a time; the cursor moves (and is persisted) after each range the handler accepted.
   * A handler error stops the poll with the cursor before that range. Returns the number of logs handled.
   * `knownHead`: the head the caller has just read (with the block it syncs its clock from), which saves
   * asking for it again: every RPC round trip costs the poller a millisecond or two of CPU.
   */
  async poll(handler: (logs: T[], range: { from: bigint; to: bigint }) => Promise<void>, signal: AbortSignal, knownHead?: bigint): Promise<number> {
    const latest = knownHead ?? (await this.#retry(() => this.#o.source.head(), signal, "head"));
    const head = latest - (this.#o.confirmations ?? 0n);
    let handled = 0;
    while (this.#cursor < head) {
      const from = this.#cursor + 1n;
      const logs = await this.#retry(
        async () => {
          const to = head < from + this.#range - 1n ? head : from + this.#range - 1n;
          try {
            return { to, logs: await this.#o.source.logs(from, to) };
          } catch (e) {
            if (this.#range > 1n) this.#range = this.#range / 2n; // providers cap ranges and result sizes
            throw e;
          }
        },
        signal,
        "logs",
      );
      const sorted = [...logs.logs].sort((a, b) => (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1));
      await handler(sorted, { from, to: logs.to });
      await this.#save(logs.to);
      handled += sorted.length;
      if (this.#range < this.#maxRange) this.#range = this.#range * 2n > this.#maxRange ? this.#maxRange : this.#range * 2n;
    }
    return handled;
  }

  async #save(block: bigint): Promise<void> {
    this.#cursor = block;
    await writeJsonAtomic(this.#o.file, { key: this.#o.key, block: block.toString() } satisfies CursorFile);
  }

  #retry<R>(fn: () => Promise<R>, signal: AbortSignal, what: string): Promise<R> {
    return withRetry(fn, {
      signal,
      backoff: this.#o.backoff ?? DEFAULT_BACKOFF,
      ...(this.#o.wait ? { wait: this.#o.wait } : {}),
      onRetry: (e, attempt, delayMs) =>
        this.#o.log.warn("rpc retry", { call: what, attempt: attempt + 1, delayMs, range: this.#range, reason: ((e as Error).message ?? String(e)).split("\n")[0] }),
    });
  }
}

/** A decoded RunCoordinator log. */
export type CoordinatorLog = GetContractEventsReturnType<typeof runCoordinatorAbi, undefined, true>[number];

/** Every RunCoordinator log of a block range, decoded (logs of other runs are filtered by the caller). */
export function coordinatorLogSource(client: PublicClient, coordinator: Address): LogSource<CoordinatorLog> {
  return {
    head: () => client.getBlockNumber({ cacheTime: 0 }),
    logs: (fromBlock, toBlock) => client.getContractEvents({ address: coordinator, abi: runCoordinatorAbi, fromBlock, toBlock, strict: true as const }),
  };
}

/** The cursor file of a data directory. */
export function cursorFile(dataDir: string): string {
  return join(dataDir, "chain-cursor.json");
}
