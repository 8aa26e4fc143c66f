/**
 * Claims: the summary (no schema at all, C-T5, C-T31 — parsed defensively, with a fallback to
 * aggregating the claim list when the path 404s or the shape is unrecognisable), the practice
 * claim list (paged), and patient-insurance enrollments.
 */
import type Big from 'big.js';
import { formatMoney, parseMoney, sumMoney } from '../../domain/money.js';
import { type EscapeClient, parseBody } from '../client.js';
import { noteLeftOut } from '../divergence.js';
import { EndpointNotConfigured, InvalidResponse, NotFound } from '../errors.js';
import { collectPages, iteratePages, listNoun } from '../pagination.js';
import { dateParamsFor } from '../paths.js';
import type {
  CallOptions,
  Claim,
  ClaimListParams,
  ClaimListResult,
  ClaimsSummary,
  DateRange,
  EscapeApi,
  PatientInsurance,
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

function looksLikeTotals(v: unknown): v is Record<string, unknown> {
  return isObject(v) && ('count' in v || 'total_fee' in v || 'total_paid' in v);
}

function toCount(v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.max(0, Math.trunc(v));
  if (typeof v === 'string' && /^\d+$/.test(v.trim())) return Number(v.trim());
  return 0;
}

function toTotals(v: Record<string, unknown>): StatusTotals {
  return {
    count: toCount(v.count ?? v.claim_count),
    totalFee: formatMoney(parseMoney(v.total_fee ?? v.fee ?? v.claim_fee)),
    totalPaid: formatMoney(parseMoney(v.total_paid ?? v.paid ?? v.ins_pay_amt)),
  };
}

function emptyByStatus(): Record<string, StatusTotals> {
  return Object.fromEntries(CLAIM_STATUSES.map((s) => [s, { count: 0, totalFee: '0.00', totalPaid: '0.00' }]));
}

/**
 * Reads a claims-summary body of unknown shape: per-status objects with count / total_fee /
 * total_paid under a `by_status` map, in a `results` (or bare) list with a `status` key, or as
 * top-level status keys; totals from `totals`, else summed. Null when nothing is recognisable.
 */
export function parseClaimsSummary(body: unknown): Omit<ClaimsSummary, 'source' | 'warnings'> | null {
  const byStatus = emptyByStatus();
  let found = false;
  const take = (status: unknown, v: Record<string, unknown>): void => {
    if (typeof status !== 'string' || status === '') return;
    byStatus[status.toLowerCase()] = toTotals(v);
    found = true;
  };
  const obj = isObject(body) ? body : {};
  const map = isObject(obj.by_status) ? obj.by_status : isObject(obj.statuses) ? obj.statuses : undefined;
  if (map) {
    for (const [status, v] of Object.entries(map)) if (looksLikeTotals(v)) take(status, v);
  }
  const list = Array.isArray(body)
    ? body
    : Array.isArray(obj.results)
      ? obj.results
      : Array.isArray(obj.by_status)
        ? obj.by_status
        : undefined;
  if (!found && list) {
    for (const row of list) if (isObject(row) && looksLikeTotals(row)) take(row.status ?? row.key ?? row.name, row);
  }
  if (!found) {
    for (const [key, v] of Object.entries(obj)) {
      if ((CLAIM_STATUSES as readonly string[]).includes(key) && looksLikeTotals(v)) take(key, v);
    }
  }
  if (!found) return null;
  const rows = Object.values(byStatus);
  const totalsObj = isObject(obj.totals) ? obj.totals : isObject(obj.total) ? obj.total : undefined;
  const outstandingRaw =
    totalsObj?.outstanding ?? totalsObj?.outstanding_balance ?? obj.outstanding_balance ?? obj.outstanding;
  const summed: StatusTotals = {
    count: rows.reduce((n, r) => n + r.count, 0),
    totalFee: formatMoney(sumMoney(rows.map((r) => r.totalFee))),
    totalPaid: formatMoney(sumMoney(rows.map((r) => r.totalPaid))),
  };
  const totals = totalsObj && looksLikeTotals(totalsObj) ? toTotals(totalsObj) : summed;
  if (!totalsObj && (typeof obj.total_count === 'number' || typeof obj.count === 'number')) {
    totals.count = toCount(obj.total_count ?? obj.count);
  }
  let outstanding: string | null = null;
  if (outstandingRaw !== undefined && outstandingRaw !== null) {
    try {
      outstanding = formatMoney(parseMoney(outstandingRaw));
    } catch {
      outstanding = null;
    }
  }
  return { byStatus, totals: { ...totals, outstanding } };
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

export function createInsuranceResources(client: EscapeClient): EscapeApi['insurance'] {
  async function listClaims(
    practiceId: string,
    params: ClaimListParams = {},
    options?: CallOptions,
  ): Promise<ClaimListResult> {
    if (params.status !== undefined && !(CLAIM_STATUSES as readonly string[]).includes(params.status)) {
      throw new RangeError(`Unknown claim status "${params.status}". Use one of: ${CLAIM_STATUSES.join(', ')}.`);
    }
    if (params.range && params.range.to < params.range.from)
      throw new RangeError('The claim date range ends before it starts.');
    const limit = Math.max(1, Math.min(params.limit ?? 100, 5000));
    const claims: Claim[] = [];
    let count: number | undefined;
    let truncated = false;
    let pages = 0;
    const leftOut = { status: 0, provider: 0, dates: 0, undated: 0 };
    for await (const page of iteratePages(client, {
      operation: 'insurance.claimList',
      params: { practice: practiceId },
      query: {
        status: params.status,
        provider: params.providerId,
        search: params.search,
        ...(params.range ? dateParamsFor('insurance.claimList', params.range) : {}),
      },
      signal: options?.signal,
    })) {
      pages += 1;
      count = page.count ?? count;
      for (const row of page.rows) {
        const claim = parseBody(ClaimSchema, row, 'insurance.claimList');
        if (params.status !== undefined && claim.status !== params.status) leftOut.status += 1;
        else if (params.providerId !== undefined && claim.provider !== params.providerId) leftOut.provider += 1;
        else if (params.range && !claim.date_service) leftOut.undated += 1;
        else if (params.range && !inRange(claim.date_service?.slice(0, 10), params.range)) leftOut.dates += 1;
        else claims.push(claim);
      }
      if (claims.length > limit) {
        truncated = true;
        break;
      }
    }
    if (pages >= client.maxPages) truncated = true;
    // The API may ignore a filter (its date field is not even documented, C-T21): what it sent
    // outside the request is dropped here, and the answer says so.
    noteLeftOut(CLAIM_NOUN, leftOut.status, 'of another status than asked');
    noteLeftOut(CLAIM_NOUN, leftOut.provider, 'of another provider than asked');
    noteLeftOut(CLAIM_NOUN, leftOut.dates, 'dated outside the requested dates (by date of service)');
    noteLeftOut(CLAIM_NOUN, leftOut.undated, 'without a date of service although dates were asked for');
    return { claims: claims.slice(0, limit), count, truncated: truncated || claims.length > limit, warnings: [] };
  }

  async function aggregateFromList(practiceId: string, options?: CallOptions): Promise<ClaimsSummary> {
    const { rows, truncated } = await collectPages(client, {
      operation: 'insurance.claimList',
      params: { practice: practiceId },
      signal: options?.signal,
    });
    const claims = rows.map((r) => parseBody(ClaimSchema, r, 'insurance.claimList'));
    const warnings = ['Claim totals were computed here from the claim list (the summary endpoint was not usable).'];
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
    const parsed = parseClaimsSummary(body);
    if (!parsed) {
      if (body === undefined)
        throw new InvalidResponse('The claims summary was empty.', { operation: 'insurance.claimsSummary' });
      return aggregateFromList(practiceId, options);
    }
    return { ...parsed, source: 'summary', warnings: [] };
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
    noteLeftOut(listNoun('insurance.patientInsurance'), enrollments.length - own.length, 'of another patient');
    return own;
  }

  return { claimsSummary, listClaims, patientInsurance };
}
