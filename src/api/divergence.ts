/**
 * What the Escape Dental API did differently from what it was asked (issue 14 item 1): a list
 * that came back shorter than its own count, pages sent twice, rows outside the dates or filters
 * asked for. Each check lives in the client layer, once; it records what it found here, and the
 * tool call that caused the read states it in its text (`src/tools/invoke.ts`), whichever tool
 * it is and however deep the read happened.
 *
 * Records go to the current tool call through AsyncLocalStorage (like the upstream request
 * counter in `src/telemetry.ts`); outside a call (start-up) they are dropped. Cached reference
 * data keeps the records of the read that produced it and replays them on every hit (cache.ts).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** A noun in the singular and the plural: `['claim', 'claims']`. */
export type Noun = readonly [one: string, many: string];

export type Divergence =
  /** A list walk ended with fewer rows than the API counted, or could not tell whether more exist. */
  | {
      kind: 'partial';
      noun: Noun;
      received: number;
      counted: number | undefined;
      /** `count`: the API ended the list early; `repeated`: it sent a page again; `page-cap`: our limit. */
      reason: 'count' | 'repeated' | 'page-cap';
      pages: number;
    }
  /** Rows the API returned although they fall outside what was asked; removed here. */
  | { kind: 'left-out'; noun: Noun; rows: number; outside: string }
  /** Anything else worth stating as it is (an echoed period that differs, …). */
  | { kind: 'note'; text: string };

const storage = new AsyncLocalStorage<Divergence[]>();

export function noteDivergence(divergence: Divergence): void {
  storage.getStore()?.push(divergence);
}

/** Notes rows left out here, when there were any. */
export function noteLeftOut(noun: Noun, rows: number, outside: string): void {
  if (rows > 0) noteDivergence({ kind: 'left-out', noun, rows, outside });
}

/** Runs `fn` recording into `records` (a tool call, or a cached load). */
export function recordDivergences<T>(records: Divergence[], fn: () => Promise<T>): Promise<T> {
  return storage.run(records, fn);
}

/** Records again, in the current call, what an earlier read recorded (cache hits). */
export function replayDivergences(records: readonly Divergence[]): void {
  const store = storage.getStore();
  if (store && store !== records) store.push(...records);
}

const plural = (noun: Noun, n: number): string => (n === 1 ? noun[0] : noun[1]);

/**
 * The records in words: `partial` lines (each starting "Partial result:") and `notes`. Records of
 * the same kind about the same rows are merged (the claim list is read once per status).
 */
export function describeDivergences(records: readonly Divergence[]): { partial: string[]; notes: string[] } {
  type Walk = { received: number; counted: number | undefined; pages: number };
  const partial = new Map<string, { noun: Noun; reason: string; walks: Walk[] }>();
  const leftOut = new Map<string, { noun: Noun; rows: number; outside: string }>();
  const notes: string[] = [];
  for (const record of records) {
    if (record.kind === 'partial') {
      const reason = record.counted !== undefined && record.reason !== 'page-cap' ? 'count' : record.reason;
      const key = `${record.noun[1]}\u0000${reason}`;
      const entry = partial.get(key) ?? { noun: record.noun, reason, walks: [] };
      partial.set(key, entry);
      // The same list read again (a retry with another search the API ignored) is one list.
      const same = entry.walks.some((w) => w.received === record.received && w.counted === record.counted);
      if (!same) entry.walks.push({ received: record.received, counted: record.counted, pages: record.pages });
    } else if (record.kind === 'left-out') {
      const key = `${record.noun[1]}\u0000${record.outside}`;
      const entry = leftOut.get(key);
      if (entry) entry.rows += record.rows;
      else leftOut.set(key, { ...record });
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
    (e) =>
      `Escape Dental returned ${e.rows} ${plural(e.noun, e.rows)} ${e.outside}; ${e.rows === 1 ? 'it was' : 'they were'} left out here.`,
  );
  return { partial: partialLines, notes: [...leftOutLines, ...notes] };
}
