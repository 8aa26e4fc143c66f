/**
 * The office manager's and the DSO's reads (issue 18): a claim's status log, the patient-balance
 * and aging reports, provider utilization, the practice's production goals and the DSO client
 * reports. Every answer is checked against what was asked (ids, echoed dates, filters) before a
 * tool sees it; rows that are not what was asked are left out and said (divergence.ts).
 */
import { isLocalDate } from '../../domain/dates.js';
import { parseMoney } from '../../domain/money.js';
import { type EscapeClient, parseBody } from '../client.js';
import { noteLeftOut } from '../divergence.js';
import { describeShape, UnrecognizedShape, UnusableUpstreamValue } from '../errors.js';
import { collectPages, isObject, listNoun, normalizePage } from '../pagination.js';
import { asOfParams, dateParamsFor, endpointLabel, type OperationName, sameId } from '../paths.js';
import type { CallOptions, DateRange } from '../port.js';
import { Practice as PracticeSchema } from '../schemas.js';
import { readAgingSummary } from './aging-jobs.js';
import { amount, answeredRange } from './billing.js';

export interface ClaimLogEntry {
  fromStatus: string;
  toStatus: string;
  changedAt: string;
  note: string;
}

export const BALANCE_BUCKETS = ['0_30', '31_60', '61_90', 'over_90'] as const;
export type BalanceBucket = (typeof BALANCE_BUCKETS)[number];

export interface BalanceRow {
  patientId: string;
  patientName: string;
  balance: string;
  buckets: Record<BalanceBucket, string>;
  lastPaymentDate: string | null;
  lastPaymentAmount: string | null;
}

export interface AgingTotals {
  totalAr: string;
  current: string;
  days31to60: string;
  days61to90: string;
  over90: string;
  patientCount: number;
}

export interface UtilizationRow {
  providerId: string;
  availableHours: string;
  scheduledHours: string;
}

export interface PracticeGoals {
  clientId: string | null;
  daily: string | null;
  weekly: string | null;
  monthly: string | null;
}

export type ClientReport =
  | 'overview'
  | 'productionVsCollections'
  | 'productionByProvider'
  | 'arAging'
  | 'caseAcceptance'
  | 'hygieneRecare';

/** The figures each DSO report gives per practice, as decimal strings (amounts and percentages). */
const CLIENT_REPORT_FIELDS: Record<ClientReport, readonly string[]> = {
  overview: ['today_production', 'week_production', 'ar_total', 'no_show_rate_pct'],
  productionVsCollections: ['production', 'collections', 'adjustments', 'net_production', 'collection_pct'],
  productionByProvider: ['production', 'hours'],
  arAging: ['total_ar', 'over_90'],
  caseAcceptance: ['presented_amount', 'accepted_amount', 'acceptance_rate_pct'],
  hygieneRecare: ['compliance_rate_pct'],
};

export interface ClientReportAnswer {
  /** The period or date the figures are for, as Escape Dental echoed it (checked against the ask). */
  range?: DateRange;
  asOf?: string;
  /** Per practice id: figure name → decimal string. */
  practices: Map<string, Record<string, string>>;
  /** Per practice id: the practice's name as the report gives it. */
  names: Map<string, string>;
  warnings: string[];
}

export interface OfficeReportsPort {
  claimLog(practiceId: string, patientId: string, claimId: string, options?: CallOptions): Promise<ClaimLogEntry[]>;
  /** Every row of the patient-balance report at or above `minBalance`, optionally one bucket. */
  patientBalances(
    practiceId: string,
    params: { minBalance: string; bucket?: BalanceBucket | undefined; limit: number },
    options?: CallOptions,
  ): Promise<{ rows: BalanceRow[]; truncated: boolean }>;
  aging(practiceId: string, asOf: string, options?: CallOptions): Promise<AgingTotals>;
  providerUtilization(practiceId: string, range: DateRange, options?: CallOptions): Promise<UtilizationRow[]>;
  goals(practiceId: string, options?: CallOptions): Promise<PracticeGoals>;
  /** Patients whose first completed visit falls in the range (practice-local dates). */
  newPatients(practiceId: string, range: DateRange, options?: CallOptions): Promise<{ patientIds: string[] }>;
  clientReport(
    clientId: string,
    report: ClientReport,
    when: { range: DateRange } | { asOf: string },
    options?: CallOptions,
  ): Promise<ClientReportAnswer>;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const idOf = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;

function optionalAmount(value: unknown, field: string, thing: string, operation: OperationName): string | null {
  return value === null || value === undefined || value === '' ? null : amount(value, field, thing, operation);
}

const BUCKET_FIELDS: Record<BalanceBucket, string> = {
  '0_30': 'bal_0_30',
  '31_60': 'bal_31_60',
  '61_90': 'bal_61_90',
  over_90: 'bal_over_90',
};

function readBalanceRow(row: unknown): BalanceRow {
  const operation = 'billing.patientBalance';
  const r = isObject(row) ? row : {};
  const patientId = idOf(r.patient_id);
  if (!patientId) throw new UnusableUpstreamValue('patient_id', 'a patient-balance row', r.patient_id, { operation });
  const thing = `the balance of patient ${patientId}`;
  const buckets = Object.fromEntries(
    BALANCE_BUCKETS.map((b) => [b, amount(r[BUCKET_FIELDS[b]], BUCKET_FIELDS[b], thing, operation)]),
  ) as Record<BalanceBucket, string>;
  const lastDate = text(r.last_payment_date).slice(0, 10);
  return {
    patientId,
    patientName: text(r.patient_name),
    balance: amount(r.balance_total, 'balance_total', thing, operation),
    buckets,
    lastPaymentDate: isLocalDate(lastDate) ? lastDate : null,
    lastPaymentAmount: optionalAmount(r.last_payment_amount, 'last_payment_amount', thing, operation),
  };
}

const BALANCE_NOUN = ['patient balance', 'patient balances'] as const;

export function createOfficeReportResources(client: EscapeClient): OfficeReportsPort {
  async function claimLog(
    practiceId: string,
    patientId: string,
    claimId: string,
    options?: CallOptions,
  ): Promise<ClaimLogEntry[]> {
    const { rows } = await collectPages(client, {
      operation: 'insurance.claimLog',
      params: { practice: practiceId, patient: patientId, claim: claimId },
      signal: options?.signal,
    });
    const entries: ClaimLogEntry[] = [];
    const foreign: string[] = [];
    for (const row of rows) {
      const r = isObject(row) ? row : {};
      const claim = idOf(r.claim);
      // A log row of another claim is not this claim's history (the API was asked for one claim).
      if (claim !== undefined && !sameId(claim, claimId)) {
        foreign.push(idOf(r.id) ?? JSON.stringify(r));
        continue;
      }
      entries.push({
        fromStatus: text(r.from_status),
        toStatus: text(r.to_status),
        changedAt: text(r.changed_at),
        note: text(r.note),
      });
    }
    noteLeftOut(['claim log entry', 'claim log entries'], foreign, 'of another claim than asked');
    return entries.sort((a, b) => a.changedAt.localeCompare(b.changedAt));
  }

  async function patientBalances(
    practiceId: string,
    params: { minBalance: string; bucket?: BalanceBucket | undefined; limit: number },
    options?: CallOptions,
  ): Promise<{ rows: BalanceRow[]; truncated: boolean }> {
    const { rows, truncated } = await collectPages(client, {
      operation: 'billing.patientBalance',
      params: { practice: practiceId },
      query: { min_balance: params.minBalance, bucket: params.bucket },
      limit: params.limit,
      signal: options?.signal,
    });
    const min = parseMoney(params.minBalance);
    const out: BalanceRow[] = [];
    const below: string[] = [];
    const otherBucket: string[] = [];
    for (const raw of rows) {
      const row = readBalanceRow(raw);
      // The filters are checked here too: a row the API should not have sent is left out, and said.
      if (parseMoney(row.balance).lt(min)) below.push(row.patientId);
      else if (params.bucket && !parseMoney(row.buckets[params.bucket]).gt(0)) otherBucket.push(row.patientId);
      else out.push(row);
    }
    noteLeftOut(BALANCE_NOUN, below, `under the minimum balance of $${params.minBalance} asked for`);
    noteLeftOut(BALANCE_NOUN, otherBucket, 'with nothing in the bucket asked for');
    return { rows: out, truncated };
  }

  async function aging(practiceId: string, asOf: string, options?: CallOptions): Promise<AgingTotals> {
    const operation = 'billing.aging';
    const res = await client.request({
      operation,
      params: { practice: practiceId },
      query: asOfParams('as_of_date', asOf),
      signal: options?.signal,
    });
    const { total, ...buckets } = readAgingSummary(operation, res.body);
    return { totalAr: total, ...buckets };
  }

  async function providerUtilization(
    practiceId: string,
    range: DateRange,
    options?: CallOptions,
  ): Promise<UtilizationRow[]> {
    const operation = 'scheduling.providerUtilization';
    const res = await client.request({
      operation,
      params: { practice: practiceId },
      query: dateParamsFor(operation, range),
      signal: options?.signal,
    });
    const rows: UtilizationRow[] = [];
    const outside: string[] = [];
    for (const raw of normalizePage(res.body, operation).rows) {
      const r = isObject(raw) ? raw : {};
      const providerId = idOf(r.provider_id);
      const thing = `the utilization of provider ${providerId ?? '(no id)'}`;
      if (!providerId) throw new UnusableUpstreamValue('provider_id', thing, r.provider_id, { operation });
      const start = text(r.bucket_start).slice(0, 10);
      const end = text(r.bucket_end).slice(0, 10);
      // One bucket for the whole range was asked for: a row for other dates is not this period's.
      if ((start && start !== range.from) || (end && end !== range.to)) {
        outside.push(`${providerId}:${start}`);
        continue;
      }
      rows.push({
        providerId,
        availableHours: amount(r.available_hours, 'available_hours', thing, operation),
        scheduledHours: amount(r.scheduled_hours, 'scheduled_hours', thing, operation),
      });
    }
    noteLeftOut(['utilization row', 'utilization rows'], outside, `for other dates than ${range.from} to ${range.to}`);
    return rows;
  }

  async function goals(practiceId: string, options?: CallOptions): Promise<PracticeGoals> {
    const operation = 'practices.retrieve';
    const res = await client.request({ operation, params: { practice: practiceId }, signal: options?.signal });
    const practice = parseBody(PracticeSchema, res.body, operation);
    if (!sameId(practice.id, practiceId)) {
      throw new UnusableUpstreamValue('id', 'the practice asked for', practice.id, { operation });
    }
    const raw = res.body as Record<string, unknown>;
    const thing = 'the practice production goals';
    return {
      clientId: practice.client ?? null,
      daily: optionalAmount(raw.production_goal_daily, 'production_goal_daily', thing, operation),
      weekly: optionalAmount(raw.production_goal_weekly, 'production_goal_weekly', thing, operation),
      monthly: optionalAmount(raw.production_goal_monthly, 'production_goal_monthly', thing, operation),
    };
  }

  async function newPatients(
    practiceId: string,
    range: DateRange,
    options?: CallOptions,
  ): Promise<{ patientIds: string[] }> {
    const { rows } = await collectPages(client, {
      operation: 'patients.list',
      params: { practice: practiceId },
      query: { first_visit_date_from: range.from, first_visit_date_to: range.to, status: undefined },
      signal: options?.signal,
    });
    const patientIds: string[] = [];
    const outside: string[] = [];
    for (const raw of rows) {
      const r = isObject(raw) ? raw : {};
      const id = idOf(r.id);
      if (!id) continue;
      const first = text(r.first_visit_date).slice(0, 10);
      // The filter is checked on the answer: a row without a first visit in the range is not new.
      if (!isLocalDate(first) || first < range.from || first > range.to) outside.push(id);
      else patientIds.push(id);
    }
    noteLeftOut(
      listNoun('patients.list'),
      outside,
      `whose first visit is not within ${range.from} to ${range.to} although only those were asked for`,
    );
    return { patientIds };
  }

  async function clientReport(
    clientId: string,
    report: ClientReport,
    when: { range: DateRange } | { asOf: string },
    options?: CallOptions,
  ): Promise<ClientReportAnswer> {
    const operation = `clients.${report}` as OperationName;
    const query =
      'range' in when
        ? dateParamsFor(operation as 'clients.productionVsCollections', when.range)
        : asOfParams('as_of', when.asOf);
    const res = await client.request({ operation, params: { client: clientId }, query, signal: options?.signal });
    const body = res.body;
    if (!isObject(body) || !Array.isArray(body.practices)) {
      throw new UnrecognizedShape(endpointLabel(operation), describeShape(body), { operation });
    }
    const warnings: string[] = [];
    const answer: ClientReportAnswer = { practices: new Map(), names: new Map(), warnings };
    if ('range' in when) {
      const answered = answeredRange(when.range, text(body.date_from), text(body.date_to));
      answer.range = answered.range;
      warnings.push(...answered.warnings);
    } else {
      const echoed = text(body.as_of).slice(0, 10);
      answer.asOf = isLocalDate(echoed) ? echoed : when.asOf;
      if (isLocalDate(echoed) && echoed !== when.asOf) {
        warnings.push(
          `Escape Dental answered as of ${echoed} instead of ${when.asOf}; the figures are as of ${echoed}.`,
        );
      }
    }
    const fields = CLIENT_REPORT_FIELDS[report];
    const unreadable: string[] = [];
    for (const raw of body.practices) {
      const r = isObject(raw) ? raw : {};
      const practiceId = idOf(r.practice_id);
      if (!practiceId || answer.practices.has(practiceId)) {
        unreadable.push(practiceId ?? '(no id)');
        continue;
      }
      try {
        const thing = `practice ${practiceId} in the ${report} report`;
        const figures: Record<string, string> =
          report === 'productionByProvider'
            ? sumProviders(r.providers, thing, operation)
            : Object.fromEntries(fields.map((f) => [f, amount(r[f], f, thing, operation)]));
        answer.practices.set(practiceId, figures);
        answer.names.set(practiceId, text(r.practice_name));
      } catch (error) {
        if (!(error instanceof UnusableUpstreamValue)) throw error;
        unreadable.push(practiceId);
      }
    }
    if (unreadable.length > 0) {
      warnings.push(
        `${unreadable.length} practice row${unreadable.length === 1 ? '' : 's'} of the ${report} report could not be read (missing id, repeated or unusable figures) and ${unreadable.length === 1 ? 'is' : 'are'} left out.`,
      );
    }
    return answer;
  }

  return { claimLog, patientBalances, aging, providerUtilization, goals, newPatients, clientReport };
}

/** Production and hours summed over a practice's provider rows (decimal strings). */
function sumProviders(providers: unknown, thing: string, operation: OperationName): Record<string, string> {
  if (!Array.isArray(providers)) throw new UnusableUpstreamValue('providers', thing, providers, { operation });
  let production = parseMoney(0);
  let hours = parseMoney(0);
  for (const p of providers) {
    const r = isObject(p) ? p : {};
    production = production.plus(amount(r.production, 'production', thing, operation));
    hours = hours.plus(amount(r.hours, 'hours', thing, operation));
  }
  return { production: production.toFixed(2), hours: hours.toFixed(2) };
}
