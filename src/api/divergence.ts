/**
 * What the Escape Dental API did differently from what it was asked (issue 14 item 1): a list
 * that came back shorter than its own count, pages sent twice, rows outside the dates or filters
 * asked for. Each check lives in the client layer, once; it records what it found here, and the
 * tool call that caused the read states it in its text (`src/tools/framework/invoke.ts`), whichever tool
 * it is and however deep the read happened.
 *
 * Records go to the current tool call through its context slot (src/context.ts); outside a call (start-up) they
 * are dropped. Cached reference data keeps the records of the read that produced it and replays
 * them on every hit (cache.ts). The same store carries the call's request tally
 * (`src/telemetry.ts`), so a call enters one scope rather than one per concern.
 */
import { contextSlot } from '../context.js';

/** A noun in the singular and the plural: `['claim', 'claims']`. */
export type Noun = readonly [one: string, many: string];

export type Divergence =
  /** A list walk ended with fewer rows than the API counted, or could not tell whether more exist. */
  | {
      kind: 'partial';
      /** Which list was walked (listIdentity): a walk of the same list again counts once. */
      list: string;
      /**
       * A digest of the ids of the rows received, when they had ids: walks of differently asked
       * lists that brought the very same rows (the API ignored what differed) are one list.
       */
      rows?: string | undefined;
      noun: Noun;
      received: number;
      counted: number | undefined;
      /** `count`: the API ended the list early; `repeated`: it sent a page again; `page-cap`: our limit. */
      reason: 'count' | 'repeated' | 'page-cap';
      pages: number;
    }
  /**
   * Rows the API returned although they fall outside what was asked; removed here. `rows` holds
   * each row's identity, so a row that several reads left out (one read per status, the filter
   * ignored) counts once.
   */
  | { kind: 'left-out'; noun: Noun; rows: readonly string[]; outside: string }
  /** Anything else worth stating as it is (an echoed period that differs, …). */
  | { kind: 'note'; text: string };

interface CallStore {
  records: Divergence[];
  /** The call's other bookkeeping (telemetry.ts), opaque here. */
  scope: object | undefined;
}

const storage = contextSlot<CallStore>('tool call');

export function noteDivergence(divergence: Divergence): void {
  storage.get()?.records.push(divergence);
}

/** Notes rows left out here (each by its identity, e.g. its id), when there were any. */
export function noteLeftOut(noun: Noun, rows: readonly string[], outside: string): void {
  if (rows.length > 0) noteDivergence({ kind: 'left-out', noun, rows, outside });
}

/**
 * A list's identity: its operation and everything asked except the page. Two reads with the same
 * identity are the same list read again; reads with different filters are different lists (a
 * filter the API ignored shows in the rows instead: see the `rows` digest of a walk).
 */
export function listIdentity(
  operation: string,
  params: Readonly<Record<string, unknown>> = {},
  query: Readonly<Record<string, unknown>> = {},
): string {
  const defined = (record: Readonly<Record<string, unknown>>, skip: readonly string[]) =>
    Object.entries(record)
      .filter(([key, value]) => value !== undefined && !skip.includes(key))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([operation, defined(params, []), defined(query, ['page', 'page_size'])]);
}

/** Runs `fn` recording into `records` (a cached load), within the current call's other bookkeeping. */
export function recordDivergences<T>(records: Divergence[], fn: () => Promise<T>): Promise<T> {
  return storage.run({ records, scope: storage.get()?.scope }, fn);
}

/** Runs a tool call: `fn` records into `records`, and `scope` is what {@link currentCallScope} answers within it. */
export function runCall<T>(records: Divergence[], scope: object, fn: () => Promise<T>): Promise<T> {
  return storage.run({ records, scope }, fn);
}

/** The `scope` of the tool call running now (undefined outside calls). */
export function currentCallScope(): object | undefined {
  return storage.get()?.scope;
}

/** Records again, in the current call, what an earlier read recorded (cache hits). */
export function replayDivergences(records: readonly Divergence[]): void {
  const store = storage.get();
  if (store && store.records !== records) store.records.push(...records);
}

const plural = (noun: Noun, n: number): string => (n === 1 ? noun[0] : noun[1]);

/**
 * The records in words: `partial` lines (each starting "Partial result:") and `notes`. Walks of
 * different lists (the claim list is read once per status) are summed; a walk of the same list
 * again (same identity, or the very same rows) counts once. A row left out is counted once, by
 * its identity, however many reads left it out.
 */
export function describeDivergences(records: readonly Divergence[]): { partial: string[]; notes: string[] } {
  type Walk = { list: string; rows: string | undefined; received: number; counted: number | undefined; pages: number };
  const partial = new Map<string, { noun: Noun; reason: string; walks: Walk[] }>();
  const leftOut = new Map<string, { noun: Noun; rows: Set<string>; outside: string }>();
  const notes: string[] = [];
  for (const record of records) {
    if (record.kind === 'partial') {
      const reason = record.counted !== undefined && record.reason !== 'page-cap' ? 'count' : record.reason;
      const key = `${record.noun[1]}\u0000${reason}`;
      const entry = partial.get(key) ?? { noun: record.noun, reason, walks: [] };
      partial.set(key, entry);
      const same = entry.walks.some(
        (w) => w.list === record.list || (record.rows !== undefined && w.rows === record.rows),
      );
      if (!same) {
        const { list, rows, received, counted, pages } = record;
        entry.walks.push({ list, rows, received, counted, pages });
      }
    } else if (record.kind === 'left-out') {
      const key = `${record.noun[1]}\u0000${record.outside}`;
      const entry = leftOut.get(key) ?? { noun: record.noun, rows: new Set<string>(), outside: record.outside };
      leftOut.set(key, entry);
      for (const row of record.rows) entry.rows.add(row);
    } else if (!notes.includes(record.text)) {
      notes.push(record.text);
    }
  }
  const partialLines = [...partial.values()].map(({ noun, reason, walks }) => {
    const received = walks.reduce((n, w) => n + w.received, 0);
    const pages = walks.reduce((n, w) => n + w.pages, 0);
    const over = walks.length > 1 ? `over ${walks.length} lists of ${noun[1]}, ` : '';
    if (reason === 'page-cap') {
      return `Partial result: only the first ${pages} pages of ${noun[1]} were read (${received} ${plural(noun, received)}); there are more.`;
    }
    if (reason === 'count') {
      const counted = walks.reduce((n, w) => n + (w.counted ?? 0), 0);
      return walks.length > 1
        ? `Partial result: ${over}Escape Dental counted ${counted} but sent ${received}; this answer covers only those.`
        : `Partial result: Escape Dental counted ${counted} ${plural(noun, counted)} but sent ${received}; this answer covers only those.`;
    }
    return `Partial result: ${over}Escape Dental sent the same page of ${noun[1]} again when asked for the next one, so only the first ${received} could be read.`;
  });
  const leftOutLines = [...leftOut.values()].map(
    ({ noun, rows: { size: rows }, outside }) =>
      `Escape Dental returned ${rows} ${plural(noun, rows)} ${outside}; ${rows === 1 ? 'it was' : 'they were'} left out here.`,
  );
  return { partial: partialLines, notes: [...leftOutLines, ...notes] };
}
