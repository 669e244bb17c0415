// Chain time for peers: a local chain that mined many blocks in one second runs ahead of the wall clock
// (each block takes at least prev + 1 s), so deadlines are compared with wall time plus that lead (never
// minus: on a live chain the latest block is simply a few seconds old).
export class ChainClock {
  #lead = 0;

  /** Re-reads the latest block's timestamp (call once per round or per poll); returns that block's number. */
  async sync(client: { getBlock(): Promise<{ timestamp: bigint; number?: bigint | null }> }): Promise<bigint | undefined> {
    const { timestamp, number } = await client.getBlock();
    this.#lead = Math.max(0, Number(timestamp) - Date.now() / 1000);
    return number ?? undefined;
  }

  /** Chain time in (fractional) unix seconds. */
  now(): number {
    return Date.now() / 1000 + this.#lead;
  }

  /** Resolves at chain time `unixSeconds`; rejects with the signal's reason when it aborts. */
  sleepUntil(unixSeconds: number, signal: AbortSignal): Promise<void> {
    return sleep(Math.max(0, (unixSeconds - this.now()) * 1000), signal);
  }
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });
}
