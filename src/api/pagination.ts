/**
 * One pager for every list envelope the API uses (T3, T4, T20, C-T20):
 * - a bare JSON array (unpaginated lists; `[[…]]` flattened one level — the history sample);
 * - the DRF envelope `{count, next, previous, results}`: `next` is followed as sent when it names
 *   this list on the configured API (a proxy's host name is replaced by ours, so credentials
 *   never go elsewhere), never reconstructed;
 * - `{results}` without count or next (cursor-style or unpaginated): `page` is incremented while
 *   pages come back full;
 * - the spec's nested sample: `results[0]` is itself an envelope without `id` → unwrapped.
 *
 * The walk cannot loop or shrink silently (issue 14 item 2): a `next` that cannot be followed or
 * names a page already read gives way to `page=N` while the count (or a full page) says there is
 * more; a page whose rows were all read before ends the walk; a row id seen before is dropped.
 * A walk that ends with fewer rows than the API counted is recorded as partial (divergence.ts).
 *
 * `page_size` never exceeds the endpoint's documented max; a page shorter than requested is not
 * taken as the last one while `next` or `count` say otherwise. A hard page cap stops runaway walks.
 */
import { createHash } from 'node:crypto';
import type { ApiResponse, EscapeClient, QueryInit } from './client.js';
import { listIdentity, type Noun, noteDivergence } from './divergence.js';
import { describeShape, NotFound, UnrecognizedShape } from './errors.js';
import { DEFAULT_OPERATIONS, endpointLabel, type OperationName } from './paths.js';

export interface PageCaps {
  default: number;
  max: number;
}

/** Documented page sizes (L5962, L5524, L33, L2623). */
const PAGE_CAPS: Partial<Record<OperationName, PageCaps>> & { default: PageCaps } = {
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

/** What each list holds, in the words a tool's text uses. */
const LIST_NOUNS: Partial<Record<OperationName, Noun>> = {
  'providers.list': ['provider', 'providers'],
  'operatories.list': ['chair', 'chairs'],
  'insurance.carriers': ['insurance carrier', 'insurance carriers'],
  'insurance.patientInsurance': ['insurance enrollment', 'insurance enrollments'],
  'insurance.claimList': ['claim', 'claims'],
  'scheduling.appointmentList': ['appointment', 'appointments'],
  'patients.list': ['patient', 'patients'],
  'clinical.timeline': ['timeline event', 'timeline events'],
  'recalls.list': ['recall', 'recalls'],
  'comms.patientCommlogs': ['communication log entry', 'communication log entries'],
  'comms.smsConsents': ['SMS consent row', 'SMS consent rows'],
  'worklists.verifications': ['insurance verification', 'insurance verifications'],
  'worklists.cancellations': ['cancellation', 'cancellations'],
};

export function listNoun(operation: OperationName): Noun {
  return LIST_NOUNS[operation] ?? ['row', 'rows'];
}

export interface NormalizedPage {
  rows: unknown[];
  count: number | undefined;
  /** `undefined` when the body had no `next` key; `null` at the end. */
  next: string | null | undefined;
  kind: 'array' | 'envelope' | 'results' | 'nested';
}

export function isObject(value: unknown): value is Record<string, unknown> {
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
  /** Hard cap on pages (default: the client's `maxPages`). A cap given here is the caller's to report. */
  maxPages?: number;
  /** Called after each page; return true to stop (e.g. the timeline walked past a date). */
  stopAfterPage?: (rows: readonly unknown[], pageRows: readonly unknown[]) => boolean;
  /** Filled in when the walk ends by itself (not when the caller stops reading). */
  outcome?: WalkOutcome;
  /**
   * How many pages to ask for at once before the first answer (an earlier walk of the same list
   * read that many); each is used only when it is exactly the request the walk makes next.
   */
  prefetchPages?: number;
}

export interface WalkOutcome {
  /** False when rows the API has (or may have) were not read. */
  complete?: boolean;
  /** The API's own count, when it gave one. */
  counted?: number | undefined;
  /** Distinct rows read. */
  received?: number;
}

export interface PageResult {
  /** The page's rows, without rows already read on an earlier page. */
  rows: unknown[];
  count: number | undefined;
  pageNumber: number;
}

export interface CollectResult {
  rows: unknown[];
  /** The server's total, when it said. */
  count: number | undefined;
  pages: number;
  /** True when rows were left unfetched (limit, stop callback, the page cap, or a list that ended short). */
  truncated: boolean;
  /** True when the hard page cap stopped the walk. */
  hitPageCap: boolean;
}

/** A row's identity: its id, qualified by its kind where rows of several kinds share a list (the timeline). */
function rowKey(row: unknown): string | undefined {
  if (!isObject(row) || (typeof row.id !== 'string' && typeof row.id !== 'number')) return undefined;
  const kind = typeof row.event_type === 'string' ? row.event_type : typeof row.type === 'string' ? row.type : '';
  return `${kind}\u0000${row.id}`;
}

/** A row's identity for counting it once: its id (rowKey), else its whole content. */
export function rowIdentity(row: unknown): string {
  return rowKey(row) ?? JSON.stringify(row);
}

/** A URL with its query in a fixed order: a link and a built page URL that ask the same compare equal. */
function sameRequestKey(url: string): string {
  const parsed = new URL(url);
  parsed.searchParams.sort();
  return parsed.toString();
}

/** Async iterator over pages (openai-node style). */
export async function* iteratePages(client: EscapeClient, options: PaginateOptions): AsyncGenerator<PageResult> {
  const caps = pageCapsFor(options.operation);
  const pageSize = Math.max(1, Math.min(options.pageSize ?? caps.max, caps.max));
  const maxPages = options.maxPages ?? client.maxPages;
  const seenRows = new Set<string>();
  const seenPages = new Set<string>();
  const fetchedUrls = new Set<string>();
  /** The next page's URL as the API linked it; undefined → ask for `page=pageNumber`. */
  let link: string | undefined;
  let pageNumber = 1;
  let received = 0;
  let count: number | undefined;

  const end = (reason?: 'repeated' | 'page-cap'): void => {
    const short = count !== undefined && received < count;
    // A walk stopped on a repeated page or the cap may have left rows behind even without a count.
    const complete = reason === undefined ? !short : !short && count !== undefined;
    if (options.outcome) Object.assign(options.outcome, { complete, counted: count, received });
    if (complete || (reason === 'page-cap' && options.maxPages !== undefined)) return;
    noteDivergence({
      kind: 'partial',
      list: listIdentity(options.operation, options.params, options.query),
      rows:
        seenRows.size > 0
          ? createHash('sha256')
              .update([...seenRows].sort().join('\u0001'))
              .digest('hex')
          : undefined,
      noun: listNoun(options.operation),
      received,
      counted: count,
      reason: reason ?? 'count',
      pages: pageNumber - (reason === 'page-cap' ? 1 : 0),
    });
  };

  const pageQuery = (n: number): QueryInit => ({ ...options.query, page: n > 1 ? n : undefined, page_size: pageSize });
  const pageUrl = (n: number) => client.buildUrl(options.operation, options.params, pageQuery(n));
  // Whether there is a next page is known only from the answer before it: asking at once for the
  // pages an earlier walk found spares waiting on each answer in turn.
  const prefetched = new Map<string, Promise<ApiResponse>>();
  const prefetch = Math.min(options.prefetchPages ?? 1, maxPages);
  for (let n = 1; prefetch > 1 && n <= prefetch; n++) {
    const pending = client.request({
      operation: options.operation,
      params: options.params ?? {},
      query: pageQuery(n),
      signal: options.signal,
    });
    // A page the walk does not come to is dropped with its outcome, an error included.
    pending.catch(() => undefined);
    prefetched.set(sameRequestKey(pageUrl(n)), pending);
  }

  try {
    for (;;) {
      if (pageNumber > maxPages) return end('page-cap');
      const key = sameRequestKey(link ?? pageUrl(pageNumber));
      const pending = prefetched.get(key);
      prefetched.delete(key);
      let res: ApiResponse;
      try {
        res = await (pending ??
          client.request({
            operation: options.operation,
            ...(link ? { url: link } : { params: options.params ?? {}, query: pageQuery(pageNumber) }),
            signal: options.signal,
          }));
      } catch (error) {
        // DRF answers an out-of-range page with 404 "Invalid page." — the end of a list whose
        // length we were guessing (no count, no next).
        if (error instanceof NotFound && pageNumber > 1 && link === undefined) return end();
        throw error;
      }
      // The link as the walk followed it, even when the same page was asked for ahead under its built URL.
      fetchedUrls.add(link ?? res.url);
      const page = normalizePage(res.body, options.operation);
      count = page.count ?? count;
      const keys = page.rows.map(rowKey);
      const fingerprint = keys.every((k) => k !== undefined) ? keys.join('\u0001') : JSON.stringify(page.rows);
      const repeated =
        page.rows.length > 0 && (seenPages.has(fingerprint) || keys.every((k) => k !== undefined && seenRows.has(k)));
      // A server that ignores `page`, or a `next` that leads back: the rows were read already.
      if (repeated) return end('repeated');
      seenPages.add(fingerprint);
      const fresh = page.rows.filter((_row, i) => {
        const key = keys[i];
        if (key === undefined) return true;
        if (seenRows.has(key)) return false;
        seenRows.add(key);
        return true;
      });
      received += fresh.length;
      yield { rows: fresh, count: page.count, pageNumber };

      if (page.kind === 'array') return end();
      const next = typeof page.next === 'string' ? client.resolveLink(page.next, res.url) : undefined;
      link = next !== undefined && !fetchedUrls.has(next) ? next : undefined;
      if (link === undefined) {
        // No usable link: the end, unless the count (or, without one, a full page) says there is more.
        if (page.next === null || page.rows.length === 0) return end();
        const more = count !== undefined ? received < count : page.rows.length >= pageSize;
        if (!more) return end();
      }
      pageNumber += 1;
    }
  } finally {
    // A page asked for ahead that the walk did not come to is still answered within the call, so
    // no request of this call outlives it.
    if (prefetched.size > 0) await Promise.allSettled(prefetched.values());
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
  const outcome: WalkOutcome = options.outcome ?? {};
  const iterator = iteratePages(client, { ...options, outcome });
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
  if (hitPageCap || (ended && outcome.complete === false)) truncated = true;
  return { rows, count, pages, truncated, hitPageCap };
}
