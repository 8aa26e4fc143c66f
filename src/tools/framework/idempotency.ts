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
import { WriteLedger } from '../../state/write-ledger.js';
import type { ToolContext } from './types.js';

/** Ten minutes: long enough for a client's retries and a person re-asking, short enough that a
 * deliberate repeat later (book, cancel, book the same time again) is not swallowed. */

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

export { WRITE_WINDOW_MS, WriteLedger } from '../../state/write-ledger.js';
