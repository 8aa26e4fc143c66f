/**
 * Client-side guards for writes. The Escape Dental API has no idempotency key, so the server
 * keeps, per runtime:
 *
 * - the result of every completed write for WRITE_WINDOW_MS, keyed by principal, practice, tool
 *   and the canonical arguments (minus the confirmation fields): a repeated call within the
 *   window gets the first result back instead of writing again (a client that re-sends a call
 *   after a network hiccup, or a model that repeats itself);
 * - the write in flight for each key, so two identical calls arriving together share one write;
 * - the digest of the write a person was asked to confirm, so the confirmed round can check it
 *   is still exactly that write (an "any chair" pick can change between the two rounds).
 *
 * Failed writes are not remembered: the caller may try again, and the write tools look for an
 * earlier attempt that went through before writing (see `writes.ts`).
 */
import { createHash } from 'node:crypto';
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
  private readonly asked = new Map<string, { at: number; digest: string }>();

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

  /** Records the write a person is being asked to confirm. */
  asking(key: string, writeDigest: string): void {
    this.prune();
    this.asked.set(key, { at: this.now(), digest: writeDigest });
  }

  /** The digest of the write last put to the person for this key (within the window), and clears it. */
  takeAsked(key: string): string | undefined {
    const entry = this.asked.get(key);
    this.asked.delete(key);
    if (!entry || this.now() - entry.at >= this.windowMs) return undefined;
    return entry.digest;
  }

  private prune(): void {
    const cutoff = this.now() - this.windowMs;
    for (const map of [this.done, this.asked]) {
      for (const [key, entry] of map) if (entry.at <= cutoff) map.delete(key);
      // Bounded even under a flood of distinct writes: the oldest go first (Map keeps insertion order).
      while (map.size >= MAX_ENTRIES) map.delete(map.keys().next().value as string);
    }
  }
}

/** The runtime's ledger, kept in the per-runtime memo (no TTL: entries expire inside). */
export function writeLedger(context: Pick<ToolContext, 'memo' | 'now'>): Promise<WriteLedger> {
  return context.memo.get('write-ledger', 0, async () => new WriteLedger(() => context.now().getTime()));
}
