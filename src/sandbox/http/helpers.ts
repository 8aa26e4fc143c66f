/**
 * Helpers the route modules share: DRF pagination, money and datetime rendering, query parsing.
 */
import type { Cents, EpochMs, LocalDate } from '../model.js';
import { dateToDayNum, formatUtc, type TimeZone, timeZone } from '../time.js';
import { badRequest, HttpError } from './errors.js';
import type { SandboxRequest, SandboxResponse } from './types.js';

// ---------------------------------------------------------------- pagination (ASSUMPTIONS §3)

export interface PageOptions<T> {
  defaultPageSize: number;
  maxPageSize: number;
  /** Renders one row of the page (only the rows on the page are rendered). */
  serialize?: (row: T) => unknown;
  /** Extra top-level keys after `results` (e.g. the patient-balance `summary`). */
  extra?: Record<string, unknown>;
}

export interface PageWindow {
  page: number;
  pageSize: number;
  start: number;
  end: number;
}

/** DRF page/page_size resolution: bad or < 1 page_size → default; > max → clamped; bad page → 404. */
export function pageWindow(
  req: SandboxRequest,
  count: number,
  defaultPageSize: number,
  maxPageSize: number,
): PageWindow {
  let pageSize = defaultPageSize;
  const rawSize = req.query.get('page_size');
  if (rawSize !== null && /^\d+$/.test(rawSize.trim())) {
    const n = Number(rawSize.trim());
    if (n >= 1) pageSize = Math.min(n, maxPageSize);
  }
  const pages = Math.max(1, Math.ceil(count / pageSize));
  const rawPage = req.query.get('page');
  let page = 1;
  // pagination=page-ignored: a server that never reads `page` answers the first page every time.
  if (rawPage !== null && req.quirks.pagination !== 'page-ignored') {
    const text = rawPage.trim();
    if (text === 'last') page = pages;
    else if (/^\d+$/.test(text)) page = Number(text);
    else throw new HttpError(404, { detail: 'Invalid page.' });
  }
  if (page < 1 || page > pages) throw new HttpError(404, { detail: 'Invalid page.' });
  const start = (page - 1) * pageSize;
  return { page, pageSize, start, end: Math.min(count, start + pageSize) };
}

/** `{count, next, previous, results}` with absolute next/previous URLs built from the request. */
export function paginate<T>(req: SandboxRequest, rows: readonly T[], options: PageOptions<T>): SandboxResponse {
  return { status: 200, body: paginateBody(req, rows, options) };
}

export function paginateBody<T>(req: SandboxRequest, rows: readonly T[], options: PageOptions<T>) {
  const w = pageWindow(req, rows.length, options.defaultPageSize, options.maxPageSize);
  const slice = rows.slice(w.start, w.end);
  const results = options.serialize ? slice.map((row) => options.serialize?.(row)) : slice;
  const body: Record<string, unknown> = { ...pageLinks(req, w, rows.length), results };
  if (options.extra) Object.assign(body, options.extra);
  return body;
}

/** Rows `listCount=inflated` adds to every `count` (ASSUMPTIONS §3). */
export const INFLATED_COUNT_EXTRA = 100;
/** The host `nextLinks=proxy` puts in links: the same API as Django sees it behind a proxy. */
export const PROXY_ORIGIN = 'http://escape-api.internal:8000';
/** Where `nextLinks=foreign` points: another host, outside the API. */
export const FOREIGN_ORIGIN = 'http://links.example.invalid';

/** `count`, `next` and `previous` of a page, under the pagination quirks (ASSUMPTIONS §3). */
export function pageLinks(
  req: SandboxRequest,
  w: PageWindow,
  total: number,
): { count: number; next: string | null; previous: string | null } {
  const next =
    req.quirks.pagination === 'next-loop' ? currentUrl(req) : w.end < total ? pageUrl(req, w.page + 1) : null;
  return {
    count: req.quirks.listCount === 'inflated' ? total + INFLATED_COUNT_EXTRA : total,
    next,
    previous: w.page > 1 ? pageUrl(req, w.page - 1) : null,
  };
}

/** The URL of this request as a link would name it (page parameter as sent). */
function currentUrl(req: SandboxRequest): string {
  const qs = new URLSearchParams(req.query).toString();
  return linkUrl(req, req.path, qs);
}

/** DRF drops `page` for the first page's link. */
export function pageUrl(req: SandboxRequest, page: number): string {
  const query = new URLSearchParams(req.query);
  if (page <= 1) query.delete('page');
  else query.set('page', String(page));
  return linkUrl(req, req.path, query.toString());
}

function linkUrl(req: SandboxRequest, path: string, qs: string): string {
  const query = qs ? `?${qs}` : '';
  if (req.quirks.nextLinks === 'proxy') return `${PROXY_ORIGIN}${path}${query}`;
  if (req.quirks.nextLinks === 'foreign') return `${FOREIGN_ORIGIN}/next${query}`;
  return `${req.baseUrl}${path}${query}`;
}

// ---------------------------------------------------------------- money and time rendering

/** 103500 → "1035.00"; -2000 → "-20.00". */
export function formatCents(cents: Cents): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(Math.round(cents));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export function formatCentsOrNull(cents: Cents | null | undefined): string | null {
  return cents === null || cents === undefined ? null : formatCents(cents);
}

/** "1035.00" / "1035" / "-20.5" → cents; null when not a decimal with ≤ 2 places (M1). */
export function parseCents(text: unknown): Cents | null {
  if (typeof text === 'number' && Number.isFinite(text)) return Math.round(text * 100);
  if (typeof text !== 'string' || !/^-?\d{0,8}(?:\.\d{0,2})?$/.test(text) || !/\d/.test(text)) return null;
  const negative = text.startsWith('-');
  const [whole = '0', frac = ''] = text.replace('-', '').split('.');
  const cents = Number(whole || '0') * 100 + Number(frac.padEnd(2, '0'));
  return negative ? -cents : cents;
}

/** A practice-scoped datetime (appointment `date_time`, slots, open/close): local offset, or `Z` under `datetimes=utc`. */
export function renderDateTime(req: SandboxRequest, zone: string | TimeZone, ms: EpochMs | null): string | null {
  if (ms === null) return null;
  if (req.quirks.datetimes === 'utc') return formatUtc(ms);
  return (typeof zone === 'string' ? timeZone(zone) : zone).formatLocal(ms);
}

/** A server stamp (`arrived_at`, `created`, `changed_at`): always UTC `Z`. */
export function renderStamp(ms: EpochMs | null | undefined): string | null {
  return ms === null || ms === undefined ? null : formatUtc(ms);
}

/** Template/override wall-clock times: `HH:MM:SS`, or with a `Z` under `templateTimes=z-suffix`. */
export function renderWallTime(req: SandboxRequest, wall: string): string {
  return req.quirks.templateTimes === 'z-suffix' ? `${wall}Z` : wall;
}

/** Today's date in the practice's timezone. */
export function practiceToday(req: SandboxRequest): LocalDate {
  const tz = req.practiceData?.practice.timezone;
  if (!tz) throw new Error('practiceToday on a route that is not practice-scoped');
  return timeZone(tz).localDateOf(req.nowMs);
}

export function practiceZone(req: SandboxRequest): TimeZone {
  const tz = req.practiceData?.practice.timezone;
  if (!tz) throw new Error('practiceZone on a route that is not practice-scoped');
  return timeZone(tz);
}

// ---------------------------------------------------------------- query parsing

export const DATE_FORMAT_ERROR = 'Date has wrong format. Use one of these formats instead: YYYY-MM-DD.';

/** An optional `YYYY-MM-DD` query parameter; 400 when malformed. */
export function queryDate(req: SandboxRequest, name: string): LocalDate | undefined {
  // dateParams=ignored: an optional date is never read, so the endpoint's default period answers.
  if (req.quirks.dateParams === 'ignored') return undefined;
  return readDate(req, name);
}

function readDate(req: SandboxRequest, name: string): LocalDate | undefined {
  const raw = req.query.get(name);
  if (raw === null || raw === '') return undefined;
  if (dateToDayNum(raw) === null) throw badRequest({ [name]: [DATE_FORMAT_ERROR] });
  return raw;
}

export function requireDate(req: SandboxRequest, name: string): LocalDate {
  const value = readDate(req, name);
  if (value === undefined) throw badRequest({ [name]: ['This field is required.'] });
  return value;
}

/** An optional integer query parameter; 400 "A valid integer is required." when malformed. */
export function queryInt(req: SandboxRequest, name: string): number | undefined {
  const raw = req.query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw.trim())) throw badRequest({ [name]: ['A valid integer is required.'] });
  return Number(raw.trim());
}

/** DRF BooleanFilter: true/false/1/0 (case-insensitive); anything else → 400. */
export function queryBool(req: SandboxRequest, name: string): boolean | undefined {
  const raw = req.query.get(name);
  if (raw === null || raw === '') return undefined;
  const v = raw.trim().toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw badRequest({ [name]: ['Select a valid choice. That choice is not one of the available choices.'] });
}

export function queryEnum<T extends string>(req: SandboxRequest, name: string, allowed: readonly T[]): T | undefined {
  const raw = req.query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw badRequest({ [name]: [`Select a valid choice. ${raw} is not one of the available choices.`] });
  }
  return raw as T;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(text: string): boolean {
  return UUID_RE.test(text);
}

/**
 * A filter the spec types as "integer PK" (T1), resolved under the `idFilters` quirk. Returns null
 * when no filter applies, else a predicate over the referenced row's UUID. `pkOf` maps a UUID of
 * the referenced table to its hidden integer PK. Repeated parameters are a union.
 */
export function idFilter(
  req: SandboxRequest,
  name: string,
  pkOf: (uuid: string) => number | undefined,
): ((uuid: string | null) => boolean) | null {
  const values = req.query.getAll(name).filter((v) => v !== '');
  if (values.length === 0) return null;
  const mode = req.quirks.idFilters;
  if (mode === 'uuid') {
    for (const v of values) {
      if (!isUuid(v)) throw badRequest({ [name]: [`“${v}” is not a valid UUID.`] });
    }
    const set = new Set(values.map((v) => v.toLowerCase()));
    return (uuid) => uuid !== null && set.has(uuid);
  }
  const ints: number[] = [];
  for (const v of values) {
    if (/^\d+$/.test(v.trim())) ints.push(Number(v.trim()));
    else if (mode === 'int-strict') throw badRequest({ [name]: ['A valid integer is required.'] });
  }
  if (ints.length === 0) return null; // ignore-invalid: the filter is dropped
  const set = new Set(ints);
  return (uuid) => {
    if (uuid === null) return false;
    const pk = pkOf(uuid);
    return pk !== undefined && set.has(pk);
  };
}

/** A UUID-typed filter (patient list `provider`, procedure `provider`): repeatable union; 400 on a malformed UUID. */
export function uuidFilter(req: SandboxRequest, name: string): Set<string> | null {
  const values = req.query.getAll(name).filter((v) => v !== '');
  if (values.length === 0) return null;
  for (const v of values) if (!isUuid(v)) throw badRequest({ [name]: [`“${v}” is not a valid UUID.`] });
  return new Set(values.map((v) => v.toLowerCase()));
}

/** Reads a JSON object body or throws 400. */
export function bodyObject(req: SandboxRequest): Record<string, unknown> {
  const body = req.body;
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest({ non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] });
  }
  return body as Record<string, unknown>;
}

export function ok(body: unknown, status = 200): SandboxResponse {
  return { status, body };
}
