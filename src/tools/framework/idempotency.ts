/**
 * Client-side guards for writes. The Escape Dental API has no idempotency key, so the server
 * keeps, per runtime:
 *
 * - the result of every completed write for WRITE_WINDOW_MS, keyed by principal, practice, tool
 *   and the canonical arguments (minus the confirmation fields): a repeated call within the
 *   window gets the first result back instead of writing again (a client that re-sends a call
 *   after a network hiccup, or a model that repeats itself);
 * - the write in flight for each key, so two identical calls arriving together share one write;
 * - which write each confirmation (a prompt's or a token's id) was spent on, so one yes is never
 *   used for a second write (see `writes/confirm.ts`).
 *
 * Failed writes are not remembered: the caller may try again, and the write tools look for an
 * earlier attempt that went through before writing (see `writes/write-once.ts`).
 */
import { createHash } from 'node:crypto';
import { boundState } from '../../state/binding.js';
import type { WriteLedgerPort } from '../../state/port.js';
import type { ToolContext } from './types.js';

/** Ten minutes: long enough for a client's retries and a person re-asking, short enough that a
 * deliberate repeat later (book, cancel, book the same time again) is not swallowed. */
export const WRITE_WINDOW_MS = 10 * 60_000;
const MAX_ENTRIES = 2_000;

/** Canonical JSON: object keys sorted, undefined dropped, so equal arguments hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function digest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url');
}

/** The guard key of one call: who, where, which tool, and what was asked (confirmation fields excluded). */
export function writeKey(context: Pick<ToolContext, 'principal' | 'practice'>, tool: string, args: object): string {
  const { confirm: _confirm, confirmation_token: _token, ...rest } = args as Record<string, unknown>;
  return `${tool}|${context.principal.id}|${context.practice.id}|${digest(rest)}`;
}

interface Done {
  at: number;
  value: unknown;
}

export class WriteLedger {
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

// Held beside the runtime's memo rather than in it: an entry of the memo's LRU can be evicted,
// and a ledger replaced mid-write would forget writes in flight and confirmations spent.
const RUNTIME_LEDGERS = new WeakMap<object, WriteLedger>();

/** The runtime's ledger (its state store's when one is bound, else one per runtime keyed by its memo). */
export function writeLedger(context: Pick<ToolContext, 'memo' | 'now'>): WriteLedgerPort {
  const shared = boundState(context.memo);
  if (shared) return shared.ledger(() => context.now().getTime());
  let ledger = RUNTIME_LEDGERS.get(context.memo);
  if (!ledger) {
    ledger = new WriteLedger(() => context.now().getTime());
    RUNTIME_LEDGERS.set(context.memo, ledger);
  }
  return ledger;
}
