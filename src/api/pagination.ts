/**
 * One pager for every list envelope the API uses (T3, T4, T20, C-T20):
 * - a bare JSON array (unpaginated lists; `[[…]]` flattened one level — the history sample);
 * - the DRF envelope `{count, next, previous, results}`: `next` is followed verbatim (same origin
 *   only), never reconstructed;
 * - `{results}` without count or next (cursor-style or unpaginated): `page` is incremented while
 *   pages come back full, guarded against a server that ignores `page`;
 * - the spec's nested sample: `results[0]` is itself an envelope without `id` → unwrapped.
 *
 * `page_size` never exceeds the endpoint's documented max; a page shorter than requested is not
 * taken as the last one while `next` or `count` say otherwise. A hard page cap stops runaway loops.
 */
import type { EscapeClient, QueryInit } from './client.js';
import { describeShape, NotFound, UnrecognizedShape } from './errors.js';
import { DEFAULT_OPERATIONS, endpointLabel, type OperationName } from './paths.js';

export interface PageCaps {
  default: number;
  max: number;
}

/** Documented page sizes (L5962, L5524, L33, L2623). */
export const PAGE_CAPS: Partial<Record<OperationName, PageCaps>> & { default: PageCaps } = {
  default: { default: 20, max: 100 },
  'scheduling.appointmentList': { default: 50, max: 100 },
  'providers.list': { default: 100, max: 2000 },
  'operatories.list': { default: 100, max: 2000 },
  'insurance.carriers': { default: 100, max: 2000 },
  'clinical.timeline': { default: 50, max: 200 },
};

export function pageCapsFor(operation: OperationName): PageCaps {
  return PAGE_CAPS[operation] ?? PAGE_CAPS.default;
}

export interface NormalizedPage {
  rows: unknown[];
  count: number | undefined;
  /** `undefined` when the body had no `next` key; `null` at the end. */
  next: string | null | undefined;
  kind: 'array' | 'envelope' | 'results' | 'nested';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isEnvelopeLike(value: unknown): value is Record<string, unknown> {
  return isObject(value) && Array.isArray(value.results) && !('id' in value);
}

function flattenOnce(rows: unknown[]): unknown[] {
  return rows.length > 0 && rows.every((r) => Array.isArray(r)) ? (rows as unknown[][]).flat() : rows;
}

function countOf(obj: Record<string, unknown>): number | undefined {
  return typeof obj.count === 'number' && Number.isInteger(obj.count) && obj.count >= 0 ? obj.count : undefined;
}

function nextOf(obj: Record<string, unknown>): string | null | undefined {
  if (!('next' in obj)) return undefined;
  return typeof obj.next === 'string' && obj.next !== '' ? obj.next : null;
}

/** Normalises one list response body; throws UnrecognizedShape when it is not a list at all. */
export function normalizePage(body: unknown, operation = 'list'): NormalizedPage {
  if (Array.isArray(body)) return { rows: flattenOnce(body), count: undefined, next: null, kind: 'array' };
  if (isObject(body) && Array.isArray(body.results)) {
    const results = body.results;
    // T3: `{"count":123,"results":[{"count":3,"next":null,"results":[…]}]}` — an envelope nested
    // in `results`. Unwrap when every element looks like an envelope (has `results`, no `id`).
    if (results.length > 0 && results.every(isEnvelopeLike)) {
      const inner = results as Record<string, unknown>[];
      const rows = inner.flatMap((e) => flattenOnce(e.results as unknown[]));
      const first = inner[0] as Record<string, unknown>;
      const innerNext = inner.length === 1 ? nextOf(first) : undefined;
      const next = typeof innerNext === 'string' ? innerNext : nextOf(body);
      return { rows, count: countOf(first) ?? countOf(body), next: next ?? innerNext, kind: 'nested' };
    }
    const hasEnvelopeKeys = 'count' in body || 'next' in body || 'previous' in body;
    return {
      rows: flattenOnce(results),
      count: countOf(body),
      next: nextOf(body),
      kind: hasEnvelopeKeys ? 'envelope' : 'results',
    };
  }
  throw new UnrecognizedShape(
    operation in DEFAULT_OPERATIONS ? endpointLabel(operation as OperationName) : operation,
    describeShape(body),
    { operation },
  );
}

export interface PaginateOptions {
  operation: OperationName;
  params?: Record<string, string | number>;
  query?: QueryInit;
  signal?: AbortSignal | undefined;
  /** Requested page size; clamped to the endpoint's max. Default: the max (fewest requests). */
  pageSize?: number;
  /** Stop once this many rows were collected. */
  limit?: number;
  /** Hard cap on pages (default: the client's `maxPages`). */
  maxPages?: number;
  /** Called after each page; return true to stop (e.g. the timeline walked past a date). */
  stopAfterPage?: (rows: readonly unknown[], pageRows: readonly unknown[]) => boolean;
}

export interface PageResult {
  rows: unknown[];
  count: number | undefined;
  pageNumber: number;
}

export interface CollectResult {
  rows: unknown[];
  /** The server's total, when it said. */
  count: number | undefined;
  pages: number;
  /** True when rows were left unfetched (limit, stop callback, or the page cap). */
  truncated: boolean;
  /** True when the hard page cap stopped the walk. */
  hitPageCap: boolean;
}

function rowKey(row: unknown): string | undefined {
  return isObject(row) && (typeof row.id === 'string' || typeof row.id === 'number') ? String(row.id) : undefined;
}

/** Async iterator over pages (openai-node style). */
export async function* iteratePages(client: EscapeClient, options: PaginateOptions): AsyncGenerator<PageResult> {
  const caps = pageCapsFor(options.operation);
  const pageSize = Math.max(1, Math.min(options.pageSize ?? caps.max, caps.max));
  const maxPages = options.maxPages ?? client.maxPages;
  let url: string | undefined;
  let pageNumber = 1;
  let previousFirstKey: string | undefined;
  let fetched = 0;
  for (;;) {
    if (pageNumber > maxPages) return;
    let res: Awaited<ReturnType<EscapeClient['request']>>;
    try {
      res = await client.request({
        operation: options.operation,
        ...(url
          ? { url }
          : {
              params: options.params ?? {},
              query: { ...options.query, page: pageNumber > 1 ? pageNumber : undefined, page_size: pageSize },
            }),
        signal: options.signal,
      });
    } catch (error) {
      // DRF answers an out-of-range page with 404 "Invalid page." — the end of a list whose
      // length we were guessing (no count, no next).
      if (error instanceof NotFound && pageNumber > 1 && url === undefined) return;
      throw error;
    }
    const page = normalizePage(res.body, options.operation);
    const firstKey = rowKey(page.rows[0]);
    if (pageNumber > 1 && url === undefined && firstKey !== undefined && firstKey === previousFirstKey) {
      // The server ignored `page` and sent page 1 again: stop instead of looping.
      return;
    }
    previousFirstKey = firstKey;
    fetched += page.rows.length;
    yield { rows: page.rows, count: page.count, pageNumber };

    if (page.kind === 'array') return;
    if (typeof page.next === 'string') {
      url = client.resolveLink(page.next, res.url);
    } else if (page.next === null) {
      return;
    } else if (page.count !== undefined) {
      if (fetched >= page.count || page.rows.length === 0) return;
      url = undefined;
    } else {
      // No next, no count: keep going only while pages come back full.
      if (page.rows.length < pageSize) return;
      url = undefined;
    }
    pageNumber += 1;
  }
}

/** Collects rows across pages with a row limit, a stop callback and the hard page cap. */
export async function collectPages(client: EscapeClient, options: PaginateOptions): Promise<CollectResult> {
  const rows: unknown[] = [];
  let count: number | undefined;
  let pages = 0;
  const maxPages = options.maxPages ?? client.maxPages;
  let truncated = false;
  let lastPageNumber = 0;
  let ended = true;
  const iterator = iteratePages(client, { ...options, maxPages });
  for await (const page of iterator) {
    pages += 1;
    lastPageNumber = page.pageNumber;
    count = page.count ?? count;
    rows.push(...page.rows);
    if (options.limit !== undefined && rows.length >= options.limit) {
      truncated = rows.length > options.limit || count === undefined || count > options.limit;
      rows.length = Math.min(rows.length, options.limit);
      ended = false;
      break;
    }
    if (options.stopAfterPage?.(rows, page.rows)) {
      truncated = count === undefined || rows.length < count;
      ended = false;
      break;
    }
  }
  const hitPageCap = ended && lastPageNumber >= maxPages && (count === undefined || rows.length < count);
  if (hitPageCap) truncated = true;
  return { rows, count, pages, truncated, hitPageCap };
}
