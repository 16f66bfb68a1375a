export interface Tally<T> {
  item: T;
  count: number;
}

/**
 * Counts kept in memory and handed to `write` in one batch every `flushMs`, so the hot path never
 * waits on Redis: `write` adds a batch to shared counters in one pipeline.
 */
export class BatchedCounts<T> {
  private tallies = new Map<string, Tally<T>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly flushMs: number,
    private readonly write: (batch: Tally<T>[]) => Promise<void>,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Counts one more of `id`; `item` describes it to `write` (made only for the first of a batch). */
  add(id: string, item: () => T): void {
    const tally = this.tallies.get(id);
    if (tally) tally.count++;
    else this.tallies.set(id, { item: item(), count: 1 });
  }

  /** Hands the counts since the last flush to `write`; `write` deals with its own failures. */
  async flush(): Promise<void> {
    if (this.tallies.size === 0) return;
    const batch = [...this.tallies.values()];
    this.tallies = new Map();
    await this.write(batch);
  }
}
