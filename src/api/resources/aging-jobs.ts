/**
 * Aging-report jobs (L4587 "Kick off an async aging report computation."). The spec documents the
 * kick-off only; polling and cancelling follow the sandbox's reading (ASSUMPTIONS §16): the
 * kick-off answers the job (id, status, progress, as_of_date), GET on the job reads it again
 * (the result, once `complete`, is the synchronous aging report's body, L4536), DELETE cancels it.
 * Every answer is checked against what was asked: the job id, the as-of date, the statuses known.
 */
import { isLocalDate, type LocalDate } from '../../domain/dates.js';
import type { EscapeClient } from '../client.js';
import { describeShape, InvalidResponse, UnrecognizedShape } from '../errors.js';
import { isObject } from '../pagination.js';
import { endpointLabel, type OperationName, sameId } from '../paths.js';
import type { CallOptions } from '../port.js';
import { amount, count } from './billing.js';

export const AGING_JOB_STATUSES = ['queued', 'running', 'complete', 'failed', 'cancelled'] as const;
export type AgingJobStatus = (typeof AGING_JOB_STATUSES)[number];

export interface AgingBuckets {
  current: string;
  days31to60: string;
  days61to90: string;
  over90: string;
  total: string;
}

export interface AgingGroup extends AgingBuckets {
  id: string | null;
  /** As the practice typed it (a provider or carrier name): free text. */
  name: string;
}

export interface AgingReport {
  summary: AgingBuckets & { patientCount: number };
  byProvider: AgingGroup[];
  byInsurance: AgingGroup[];
}

export interface AgingJob {
  id: string;
  status: AgingJobStatus;
  /** 0–100 as the API reports it; undefined when it did not say. */
  progress: number | undefined;
  /** The date the job ages balances at, as the API echoed it. */
  asOf: LocalDate;
  /** Present once `complete`. */
  report?: AgingReport;
}

export interface AgingJobsPort {
  /** Starts a job for balances as of `asOf` (practice-local). Not retried: a retry could start a second job. */
  start(practiceId: string, asOf: LocalDate, options?: CallOptions): Promise<AgingJob>;
  read(practiceId: string, jobId: string, options?: CallOptions): Promise<AgingJob>;
  cancel(practiceId: string, jobId: string, options?: CallOptions): Promise<void>;
}

type Body = Record<string, unknown>;

export function createAgingJobResources(client: EscapeClient): AgingJobsPort {
  function readJob(operation: OperationName, body: unknown, expectedId?: string): AgingJob {
    const shapeError = () => new UnrecognizedShape(endpointLabel(operation), describeShape(body), { operation });
    if (!isObject(body) || typeof body.id !== 'string' || typeof body.status !== 'string') throw shapeError();
    if (expectedId !== undefined && !sameId(body.id, expectedId)) {
      throw new InvalidResponse('Escape Dental answered with another aging job than the one asked about.', {
        operation,
      });
    }
    const status = AGING_JOB_STATUSES.find((s) => s === body.status);
    if (!status) throw shapeError();
    const asOf = typeof body.as_of_date === 'string' ? body.as_of_date.slice(0, 10) : '';
    if (!isLocalDate(asOf)) throw shapeError();
    const progress =
      typeof body.progress === 'number' && body.progress >= 0 && body.progress <= 100 ? body.progress : undefined;
    return {
      id: body.id,
      status,
      progress,
      asOf,
      ...(status === 'complete' ? { report: readReport(operation, body.result) } : {}),
    };
  }

  return {
    async start(practiceId, asOf, options) {
      const operation = 'billing.agingJobStart';
      const res = await client.request({
        operation,
        params: { practice: practiceId },
        body: { as_of_date: asOf },
        signal: options?.signal,
      });
      return readJob(operation, res.body);
    },
    async read(practiceId, jobId, options) {
      const operation = 'billing.agingJob';
      const res = await client.request({
        operation,
        params: { practice: practiceId, job: jobId },
        signal: options?.signal,
      });
      return readJob(operation, res.body, jobId);
    },
    async cancel(practiceId, jobId, options) {
      await client.request({
        operation: 'billing.agingJobCancel',
        params: { practice: practiceId, job: jobId },
        signal: options?.signal,
      });
    },
  };
}

/** The summary of an aging report (L4536): the synchronous report's and a completed job's. */
export function readAgingSummary(operation: OperationName, body: unknown): AgingReport['summary'] {
  if (!isObject(body) || !isObject(body.summary)) {
    throw new UnrecognizedShape(endpointLabel(operation), describeShape(body), { operation });
  }
  const s = body.summary;
  const thing = 'the aging summary';
  return {
    total: amount(s.total_ar, 'total_ar', thing, operation),
    current: amount(s.current, 'current', thing, operation),
    days31to60: amount(s.days_31_60, 'days_31_60', thing, operation),
    days61to90: amount(s.days_61_90, 'days_61_90', thing, operation),
    over90: amount(s.over_90, 'over_90', thing, operation),
    patientCount: count(s.patient_count, 'patient_count', thing, operation),
  };
}

function readReport(operation: OperationName, body: unknown): AgingReport {
  const summary = readAgingSummary(operation, body);
  const report = body as Body;
  const groups = (rows: unknown, idKey: string, nameKey: string, what: string): AgingGroup[] => {
    if (!Array.isArray(rows)) throw new UnrecognizedShape(endpointLabel(operation), describeShape(rows), { operation });
    return rows.map((row) => {
      const r = isObject(row) ? row : {};
      return {
        id: typeof r[idKey] === 'string' ? (r[idKey] as string) : null,
        name: typeof r[nameKey] === 'string' ? (r[nameKey] as string) : '',
        current: amount(r.bal_0_30, 'bal_0_30', what, operation),
        days31to60: amount(r.bal_31_60, 'bal_31_60', what, operation),
        days61to90: amount(r.bal_61_90, 'bal_61_90', what, operation),
        over90: amount(r.bal_over_90, 'bal_over_90', what, operation),
        total: amount(r.balance_total, 'balance_total', what, operation),
      };
    });
  };
  return {
    summary,
    byProvider: groups(report.by_provider, 'provider_id', 'provider_name', 'an aging row by provider'),
    byInsurance: groups(report.by_insurance, 'carrier_id', 'carrier_name', 'an aging row by carrier'),
  };
}
