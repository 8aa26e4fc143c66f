/**
 * Claims: the summary (no schema at all, C-T5, C-T31 — parsed defensively, with a fallback to
 * aggregating the claim list when the path 404s or the shape is unrecognisable), the practice
 * claim list (paged), and patient-insurance enrollments.
 */
import type Big from 'big.js';
import { LRUCache } from 'lru-cache';
import { isLocalDate } from '../../domain/dates.js';
import { formatMoney, parseMoney, parseMoneyOrNull, sumMoney } from '../../domain/money.js';
import { type EscapeClient, parseBody } from '../client.js';
import { listIdentity, noteLeftOut } from '../divergence.js';
import {
  ArgumentError,
  describeShape,
  EndpointNotConfigured,
  NotFound,
  UnrecognizedShape,
  UnusableUpstreamValue,
} from '../errors.js';
import { collectPages, iteratePages, listNoun } from '../pagination.js';
import { dateParamsFor, endpointLabel } from '../paths.js';
import type {
  CallOptions,
  Claim,
  ClaimListParams,
  ClaimListResult,
  ClaimsSummary,
  DateRange,
  PatientInsurance,
  SkippedRow,
  StatusTotals,
} from '../port.js';
import { Claim as ClaimSchema, PatientInsurance as PatientInsuranceSchema } from '../schemas.js';

export const CLAIM_STATUSES = [
  'draft',
  'submitted',
  'accepted',
  'rejected',
  'resubmitted',
  'paid',
  'partial',
  'denied',
  'appealed',
  'void',
  'imported',
] as const;

/** Statuses whose unpaid remainder is money still expected from a payer (ASSUMPTIONS §9). */
export const OUTSTANDING_STATUSES = ['submitted', 'accepted', 'resubmitted', 'appealed', 'partial'] as const;

const CLAIM_NOUN = listNoun('insurance.claimList');

function inRange(date: string | undefined, range: DateRange): boolean {
  return date !== undefined && date >= range.from && date <= range.to;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function emptyByStatus(): Record<string, StatusTotals> {
  return Object.fromEntries(CLAIM_STATUSES.map((s) => [s, { count: 0, totalFee: '0.00', totalPaid: '0.00' }]));
}

const SUMMARY_ENDPOINT = endpointLabel('insurance.claimsSummary');
const SUMMARY_OPERATION = { operation: 'insurance.claimsSummary' };
/** The per-status words of the description (L3159): "per-status breakdowns (count, total_fee, total_paid)". */
const ROW_KEYS = ['count', 'total_fee', 'total_paid'] as const;
/** Keys that may sit beside status keys at the top level (practice-wide totals). */
const TOP_LEVEL_TOTAL_KEYS = ['totals', 'total', 'outstanding_balance', 'outstanding', 'total_count'];

function looksLikeRow(v: unknown): v is Record<string, unknown> {
  return isObject(v) && ROW_KEYS.some((k) => k in v);
}

function readCount(value: unknown, thing: string): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && /^\d+$/.test(value.trim())) return Number(value.trim());
  throw new UnusableUpstreamValue('count', thing, value, SUMMARY_OPERATION);
}

/** A required amount: missing, null or unparseable is an error, never a zero. */
function readAmount(value: unknown, field: string, thing: string): string {
  let parsed: Big | null;
  try {
    parsed = parseMoneyOrNull(value);
  } catch {
    parsed = null;
  }
  if (parsed === null) throw new UnusableUpstreamValue(field, thing, value, SUMMARY_OPERATION);
  return formatMoney(parsed);
}

function readRow(row: Record<string, unknown>, status: unknown): [string, StatusTotals] {
  if (typeof status !== 'string' || !(CLAIM_STATUSES as readonly string[]).includes(status.toLowerCase())) {
    throw new UnusableUpstreamValue('status', 'the claims summary', status, SUMMARY_OPERATION);
  }
  const key = status.toLowerCase();
  const thing = `status ${key} in the claims summary`;
  return [
    key,
    {
      count: readCount(row.count, thing),
      totalFee: readAmount(row.total_fee, 'total_fee', thing),
      totalPaid: readAmount(row.total_paid, 'total_paid', thing),
    },
  ];
}

/**
 * Reads the claims summary (no schema at all, C-T5). Exactly these shapes, each status row with
 * the description's `count`, `total_fee` and `total_paid` (L3159):
 * - `{by_status: {<status>: row}, totals?: {count?, total_fee?, total_paid?, outstanding?}}`;
 * - `{by_status: [{status, …row}], totals?}`;
 * - `{results: [{status, …row}], outstanding_balance?, total_count?}`, or a bare array of rows;
 * - status keys at the top level `{<status>: row, …}` beside only `totals`, `total`,
 *   `outstanding_balance`, `outstanding` or `total_count`.
 * Anything else is UnrecognizedShape; an unusable or missing count or amount, or a status outside
 * the eleven (L4037), is UnusableUpstreamValue. Totals the body does not give are summed from the
 * rows; an outstanding balance it does not give (or gives unusable) is `null`, never zero.
 */
export function parseClaimsSummary(body: unknown): Omit<ClaimsSummary, 'source'> {
  const refuse = (): never => {
    throw new UnrecognizedShape(SUMMARY_ENDPOINT, describeShape(body), SUMMARY_OPERATION);
  };
  const obj = isObject(body) ? body : {};
  const rows: Array<[string, StatusTotals]> = [];
  const readList = (list: unknown[]): void => {
    if (list.length === 0 || !list.every(looksLikeRow)) refuse();
    for (const row of list as Record<string, unknown>[]) rows.push(readRow(row, row.status));
  };
  const containers = ['by_status', 'results'].filter((k) => obj[k] !== undefined);
  if (Array.isArray(body)) {
    readList(body);
  } else if (containers.length === 1 && isObject(obj.by_status)) {
    const entries = Object.entries(obj.by_status);
    if (entries.length === 0 || !entries.every(([, v]) => looksLikeRow(v))) refuse();
    for (const [status, row] of entries) rows.push(readRow(row as Record<string, unknown>, status));
  } else if (containers.length === 1 && Array.isArray(obj[containers[0] as string])) {
    readList(obj[containers[0] as string] as unknown[]);
  } else if (containers.length === 0 && isObject(body)) {
    const statusKeys = Object.keys(obj).filter((k) => !TOP_LEVEL_TOTAL_KEYS.includes(k));
    if (statusKeys.length === 0 || !statusKeys.every((k) => looksLikeRow(obj[k]))) refuse();
    for (const status of statusKeys) rows.push(readRow(obj[status] as Record<string, unknown>, status));
  } else {
    refuse();
  }

  const byStatus = emptyByStatus();
  for (const [status, totals] of rows) byStatus[status] = totals;
  const totalsObj = isObject(obj.totals) ? obj.totals : isObject(obj.total) ? obj.total : {};
  const thing = 'the claims summary totals';
  const listed = Object.values(byStatus);
  const totals: StatusTotals = {
    count:
      totalsObj.count !== undefined
        ? readCount(totalsObj.count, thing)
        : obj.total_count !== undefined
          ? readCount(obj.total_count, thing)
          : listed.reduce((n, r) => n + r.count, 0),
    totalFee:
      totalsObj.total_fee !== undefined
        ? readAmount(totalsObj.total_fee, 'total_fee', thing)
        : formatMoney(sumMoney(listed.map((r) => r.totalFee))),
    totalPaid:
      totalsObj.total_paid !== undefined
        ? readAmount(totalsObj.total_paid, 'total_paid', thing)
        : formatMoney(sumMoney(listed.map((r) => r.totalPaid))),
  };
  const warnings: string[] = [];
  const outstandingField = ['outstanding', 'outstanding_balance'].find((k) => totalsObj[k] !== undefined);
  const outstandingRaw = outstandingField ? totalsObj[outstandingField] : (obj.outstanding_balance ?? obj.outstanding);
  let outstanding: string | null = null;
  if (outstandingRaw !== undefined && outstandingRaw !== null) {
    try {
      outstanding = readAmount(outstandingRaw, 'outstanding', thing);
    } catch (error) {
      if (!(error instanceof UnusableUpstreamValue)) throw error;
      warnings.push(`${error.summary}; the outstanding amount is worked out here from the claim list instead.`);
    }
  }
  return { byStatus, totals: { ...totals, outstanding }, warnings };
}

/**
 * Why a claim row cannot be counted, or undefined: a status outside the eleven (L4037), a billed
 * amount that is missing or unparseable, a paid or written-off amount, date of service or date
 * sent that is unparseable (the spec's samples send money as the literal "string").
 */
function unusableClaimField(claim: Claim): UnusableUpstreamValue | undefined {
  const thing = `claim ${claim.id}`;
  const context = { operation: 'insurance.claimList' };
  if (!(CLAIM_STATUSES as readonly string[]).includes(claim.status ?? '')) {
    return new UnusableUpstreamValue('status', thing, claim.status, context);
  }
  for (const field of ['claim_fee', 'ins_pay_amt', 'write_off'] as const) {
    let amount: Big | null;
    try {
      amount = parseMoneyOrNull(claim[field]);
    } catch {
      return new UnusableUpstreamValue(field, thing, claim[field], context);
    }
    if (amount === null && field === 'claim_fee') return new UnusableUpstreamValue(field, thing, claim[field], context);
  }
  for (const field of ['date_service', 'date_sent'] as const) {
    const value = claim[field];
    if (value !== null && value !== undefined && value !== '' && !isLocalDate(value.slice(0, 10))) {
      return new UnusableUpstreamValue(field, thing, value, context);
    }
  }
  return undefined;
}

/** The note for claims left out as unusable; the first one named, the rest counted. */
export function skippedClaimsNote(skipped: readonly UnusableUpstreamValue[]): string {
  const [first] = skipped;
  if (!first) return '';
  return skipped.length === 1
    ? `1 claim was left out of these figures: ${first.summary}.`
    : `${skipped.length} claims were left out of these figures: ${first.summary} (and ${skipped.length - 1} more).`;
}

/** Aggregates claims locally (same definitions as the sandbox's summary, ASSUMPTIONS §9). */
export function aggregateClaims(claims: readonly Claim[]): Omit<ClaimsSummary, 'source' | 'warnings'> {
  const acc = new Map<string, { count: number; fee: Big; paid: Big }>();
  let outstanding = parseMoney(0);
  for (const c of claims) {
    const status = (c.status ?? 'unknown').toLowerCase();
    const entry = acc.get(status) ?? { count: 0, fee: parseMoney(0), paid: parseMoney(0) };
    entry.count += 1;
    entry.fee = entry.fee.plus(parseMoney(c.claim_fee));
    entry.paid = entry.paid.plus(parseMoney(c.ins_pay_amt));
    acc.set(status, entry);
    if ((OUTSTANDING_STATUSES as readonly string[]).includes(status)) {
      outstanding = outstanding
        .plus(parseMoney(c.claim_fee))
        .minus(parseMoney(c.ins_pay_amt))
        .minus(parseMoney(c.write_off));
    }
  }
  const byStatus = emptyByStatus();
  for (const [status, e] of acc) {
    byStatus[status] = { count: e.count, totalFee: formatMoney(e.fee), totalPaid: formatMoney(e.paid) };
  }
  const rows = [...acc.values()];
  return {
    byStatus,
    totals: {
      count: claims.length,
      totalFee: formatMoney(sumMoney(rows.map((r) => r.fee))),
      totalPaid: formatMoney(sumMoney(rows.map((r) => r.paid))),
      outstanding: formatMoney(outstanding),
    },
  };
}

export interface InsurancePort {
  claimsSummary(practiceId: string, options?: CallOptions): Promise<ClaimsSummary>;
  listClaims(practiceId: string, params?: ClaimListParams, options?: CallOptions): Promise<ClaimListResult>;
  patientInsurance(
    practiceId: string,
    params?: { patientId?: string },
    options?: CallOptions,
  ): Promise<PatientInsurance[]>;
}

export function createInsuranceResources(client: EscapeClient): InsurancePort {
  /** Pages the last walk of each claim list read: the next walk asks for them all at once. */
  const pagesRead = new LRUCache<string, number>({ max: 1000 });

  async function listClaims(
    practiceId: string,
    params: ClaimListParams = {},
    options?: CallOptions,
  ): Promise<ClaimListResult> {
    if (params.status !== undefined && !(CLAIM_STATUSES as readonly string[]).includes(params.status)) {
      throw new ArgumentError(`Unknown claim status "${params.status}". Use one of: ${CLAIM_STATUSES.join(', ')}.`);
    }
    if (params.range && params.range.to < params.range.from)
      throw new ArgumentError('The claim date range ends before it starts.');
    const limit = Math.max(1, Math.min(params.limit ?? 100, 5000));
    const claims: Claim[] = [];
    const skipped: SkippedRow[] = [];
    let count: number | undefined;
    let truncated = false;
    let pages = 0;
    const leftOut = {
      status: [] as string[],
      provider: [] as string[],
      dates: [] as string[],
      undated: [] as string[],
    };
    const list = {
      operation: 'insurance.claimList',
      params: { practice: practiceId },
      query: {
        status: params.status,
        provider: params.providerId,
        search: params.search,
        ...(params.range ? dateParamsFor('insurance.claimList', params.range) : {}),
      },
    } as const;
    const identity = listIdentity(list.operation, list.params, list.query);
    for await (const page of iteratePages(client, {
      ...list,
      prefetchPages: pagesRead.get(identity),
      signal: options?.signal,
    })) {
      pages += 1;
      count = page.count ?? count;
      for (const row of page.rows) {
        const claim = parseBody(ClaimSchema, row, 'insurance.claimList');
        const unusable = unusableClaimField(claim);
        // What was not asked for is left out as such first, readable or not: a bad claim of
        // another status is no gap in this list (one bad row degrades only itself).
        const serviceDate = claim.date_service ? claim.date_service.slice(0, 10) : undefined;
        const dated = serviceDate === undefined || isLocalDate(serviceDate);
        if (params.status !== undefined && claim.status !== params.status) leftOut.status.push(claim.id);
        else if (params.providerId !== undefined && claim.provider !== params.providerId)
          leftOut.provider.push(claim.id);
        else if (params.range && dated && serviceDate === undefined) leftOut.undated.push(claim.id);
        else if (params.range && dated && !inRange(serviceDate, params.range)) leftOut.dates.push(claim.id);
        else if (unusable) skipped.push({ id: claim.id, reason: unusable });
        else claims.push(claim);
      }
      if (claims.length > limit) {
        truncated = true;
        break;
      }
    }
    pagesRead.set(identity, pages);
    if (pages >= client.maxPages) truncated = true;
    // The API may ignore a filter (its date field is not even documented, C-T21): what it sent
    // outside the request is dropped here, and the answer says so.
    noteLeftOut(CLAIM_NOUN, leftOut.status, 'of another status than asked');
    noteLeftOut(CLAIM_NOUN, leftOut.provider, 'of another provider than asked');
    noteLeftOut(CLAIM_NOUN, leftOut.dates, 'dated outside the requested dates (by date of service)');
    noteLeftOut(CLAIM_NOUN, leftOut.undated, 'without a date of service although dates were asked for');
    return {
      claims: claims.slice(0, limit),
      count,
      truncated: truncated || claims.length > limit,
      warnings: [],
      skipped,
    };
  }

  async function aggregateFromList(practiceId: string, options?: CallOptions): Promise<ClaimsSummary> {
    const list = { operation: 'insurance.claimList', params: { practice: practiceId } } as const;
    const identity = listIdentity(list.operation, list.params);
    const { rows, truncated, pages } = await collectPages(client, {
      ...list,
      prefetchPages: pagesRead.get(identity),
      signal: options?.signal,
    });
    pagesRead.set(identity, pages);
    const parsed = rows.map((r) => parseBody(ClaimSchema, r, 'insurance.claimList'));
    const claims: Claim[] = [];
    const skipped: UnusableUpstreamValue[] = [];
    for (const claim of parsed) {
      const unusable = unusableClaimField(claim);
      if (unusable) skipped.push(unusable);
      else claims.push(claim);
    }
    if (skipped[0] && claims.length === 0) throw skipped[0];
    const warnings = ['Claim totals were computed here from the claim list (the summary endpoint was not usable).'];
    if (skipped.length > 0) warnings.push(skippedClaimsNote(skipped));
    if (truncated) warnings.push('There were more claims than could be read at once; the totals are incomplete.');
    return { ...aggregateClaims(claims), source: 'claim_list', warnings };
  }

  async function claimsSummary(practiceId: string, options?: CallOptions): Promise<ClaimsSummary> {
    let body: unknown;
    try {
      const res = await client.request({
        operation: 'insurance.claimsSummary',
        params: { practice: practiceId },
        signal: options?.signal,
      });
      body = res.body;
    } catch (error) {
      // The path is a guess (ASSUMPTIONS §1: "claims/summary" vs "claims-summary"): a 404 may be
      // a wrong path. The claim list gives the same numbers (claims digest invariant I8).
      if (error instanceof NotFound || error instanceof EndpointNotConfigured)
        return aggregateFromList(practiceId, options);
      throw error;
    }
    return { ...parseClaimsSummary(body), source: 'summary' };
  }

  async function patientInsurance(
    practiceId: string,
    params: { patientId?: string } = {},
    options?: CallOptions,
  ): Promise<PatientInsurance[]> {
    const { rows } = await collectPages(client, {
      operation: 'insurance.patientInsurance',
      params: { practice: practiceId },
      query: { patient: params.patientId },
      signal: options?.signal,
    });
    const enrollments = rows.map((r) => parseBody(PatientInsuranceSchema, r, 'insurance.patientInsurance'));
    const own = enrollments.filter((p) => params.patientId === undefined || p.patient === params.patientId);
    noteLeftOut(
      listNoun('insurance.patientInsurance'),
      enrollments.filter((p) => !own.includes(p)).map((p) => p.id),
      'of another patient',
    );
    return own;
  }

  return { claimsSummary, listClaims, patientInsurance };
}
