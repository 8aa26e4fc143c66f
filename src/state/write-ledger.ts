/**
 * The in-process write ledger behind exactly-once (the default state store's; Redis holds the
 * shared one): results of writes done within the window, writes in flight, and the confirmations
 * already spent.
 */
import type { WriteLedgerPort } from './port.js';

/** How long an identical write returns the first one's result instead of writing again. */
export const WRITE_WINDOW_MS = 10 * 60_000;
const MAX_ENTRIES = 2_000;

interface Done {
  at: number;
  value: unknown;
}

export class WriteLedger implements WriteLedgerPort {
  private readonly done = new Map<string, Done>();
  private readonly inflight = new Map<string, Promise<unknown>>();
  /** Confirmation id → the key of the write it was spent on. */
  private readonly spent = new Map<string, { at: number; key: string }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly windowMs = WRITE_WINDOW_MS,
  ) {}

  /** The result of a write completed for this key within the window. */
  recall<T>(key: string): { value: T; at: number } | undefined {
    const entry = this.done.get(key);
    if (!entry) return undefined;
    if (this.now() - entry.at >= this.windowMs) {
      this.done.delete(key);
      return undefined;
    }
    return { value: entry.value as T, at: entry.at };
  }

  /** The result of the write for this key once the one in flight, if any, has finished. */
  async settled<T>(key: string): Promise<{ value: T; at: number } | undefined> {
    await this.inflight.get(key)?.catch(() => undefined);
    return this.recall<T>(key);
  }

  /** Drops a remembered result (the write it describes no longer stands). */
  forget(key: string): void {
    this.done.delete(key);
  }

  /**
   * Runs the write once per key: a call arriving while the same write is in flight waits for it,
   * one arriving after it completed (within the window) gets its result. `repeated` tells the
   * caller it did not write this time. A failure is not remembered.
   */
  async once<T>(key: string, write: () => Promise<T>): Promise<{ value: T; repeated: boolean }> {
    const earlier = this.recall<T>(key);
    if (earlier) return { value: earlier.value, repeated: true };
    const running = this.inflight.get(key) as Promise<T> | undefined;
    if (running) return { value: await running, repeated: true };
    const pending = write();
    this.inflight.set(key, pending);
    try {
      const value = await pending;
      this.prune();
      this.done.set(key, { at: this.now(), value });
      return { value, repeated: false };
    } finally {
      this.inflight.delete(key);
    }
  }

  /**
   * Spends a confirmation on the write with this key. True the first time; after that only while
   * that same write is in flight or its result still stands in the window (the same call sent
   * again, which then shares that write rather than making a second one).
   */
  spend(confirmationId: string, key: string): boolean {
    const entry = this.spent.get(confirmationId);
    if (entry && this.now() - entry.at < this.windowMs) {
      return entry.key === key && (this.inflight.has(key) || this.recall(key) !== undefined);
    }
    this.prune();
    this.spent.set(confirmationId, { at: this.now(), key });
    return true;
  }

  private prune(): void {
    const cutoff = this.now() - this.windowMs;
    for (const map of [this.done, this.spent]) {
      for (const [key, entry] of map) if (entry.at <= cutoff) map.delete(key);
      // Bounded even under a flood of distinct writes: the oldest go first (Map keeps insertion order).
      while (map.size >= MAX_ENTRIES) map.delete(map.keys().next().value as string);
    }
  }
}
