/**
 * Production report and trending. Both ranges are practice-local dates sent explicitly (C-T7:
 * "required" yet defaulted), under each endpoint's own names (C-T6: `date_from`/`date_to` vs
 * `from`/`to`). Money comes back as 2-dp decimal strings; trending rows carry only the metrics
 * that were requested (C-T26).
 */
import { isLocalDate, validateDateRange } from '../../domain/dates.js';
import { formatMoney, parseMoney } from '../../domain/money.js';
import type { EscapeClient } from '../client.js';
import { dateParamsFor } from '../paths.js';
import type {
  CallOptions,
  DateRange,
  EscapeApi,
  ProductionReport,
  ProductionTrending,
  ProductionTrendingParams,
  TrendMetric,
} from '../port.js';
import { ProductionReportBody, TrendingBody } from '../schemas.js';

const TREND_METRICS: readonly TrendMetric[] = ['production', 'collections', 'adjustments', 'net_production'];
const TREND_BUCKETS = ['day', 'week', 'month'];

function money(value: unknown): string {
  return formatMoney(parseMoney(value));
}

/**
 * The period the API says its figures cover (its `date_from`/`date_to` echo), checked against the
 * one asked for: an API that ignores the dates answers for its default period (C-T7), and the
 * figures must then be named for that period, not for ours.
 */
export function answeredRange(
  requested: DateRange,
  from: string | null | undefined,
  to: string | null | undefined,
): { range: DateRange; warnings: string[] } {
  const echoed = (value: string | null | undefined) =>
    typeof value === 'string' && isLocalDate(value.slice(0, 10)) ? value.slice(0, 10) : undefined;
  const echoedFrom = echoed(from);
  const echoedTo = echoed(to);
  if (echoedFrom === undefined && echoedTo === undefined) {
    return {
      range: requested,
      warnings: [
        `Escape Dental did not say which period these figures cover; they are given for the period asked for (${requested.from} to ${requested.to}).`,
      ],
    };
  }
  const range = { from: echoedFrom ?? requested.from, to: echoedTo ?? requested.to };
  if (range.from === requested.from && range.to === requested.to) return { range, warnings: [] };
  return {
    range,
    warnings: [
      `Escape Dental answered for ${range.from} to ${range.to} instead of the ${requested.from} to ${requested.to} asked for; the figures are for the period it answered for.`,
    ],
  };
}

export function createBillingResources(client: EscapeClient): EscapeApi['billing'] {
  async function productionReport(
    practiceId: string,
    params: { range: DateRange; providerIds?: readonly string[] },
    options?: CallOptions,
  ): Promise<ProductionReport> {
    const range = validateDateRange(params.range, { label: 'report range' });
    const body = await client.requestJson(
      {
        operation: 'billing.production',
        params: { practice: practiceId },
        query: {
          ...dateParamsFor('billing.production', range),
          provider: params.providerIds && params.providerIds.length > 0 ? [...params.providerIds] : undefined,
        },
        signal: options?.signal,
      },
      ProductionReportBody,
    );
    const s = body.summary ?? {};
    const answered = answeredRange(range, body.date_from, body.date_to);
    return {
      range: answered.range,
      requestedRange: { from: range.from, to: range.to },
      summary: {
        totalProduction: money(s.total_production),
        totalCollections: money(s.total_collections),
        totalAdjustments: money(s.total_adjustments),
        netProduction: money(s.net_production),
        procedureCount: s.procedure_count ?? 0,
      },
      byProvider: (body.by_provider ?? []).map((p) => ({
        providerId: p.provider_id ?? null,
        providerName: p.provider_name ?? (p.provider_id ? 'Unknown provider' : 'No provider'),
        production: money(p.production),
        completedProduction: money(p.completed_production),
        scheduledProduction: money(p.scheduled_production),
        collections: money(p.collections),
        adjustments: money(p.adjustments),
        procedureCount: p.procedure_count ?? 0,
      })),
      byProcedure: (body.by_procedure ?? []).map((p) => ({
        procCode: p.proc_code ?? '',
        description: p.description ?? '',
        count: p.count ?? 0,
        totalProduction: money(p.total_production),
        avgFee: money(p.avg_fee),
      })),
      warnings: answered.warnings,
    };
  }

  async function productionTrending(
    practiceId: string,
    params: ProductionTrendingParams,
    options?: CallOptions,
  ): Promise<ProductionTrending> {
    const range = validateDateRange(params.range, { label: 'report range' });
    if (params.bucket !== undefined && !TREND_BUCKETS.includes(params.bucket)) {
      throw new RangeError(`Unknown bucket "${params.bucket}". Use day, week or month.`);
    }
    const metrics = params.metrics ? [...new Set(params.metrics)] : [];
    for (const m of metrics) if (!TREND_METRICS.includes(m)) throw new RangeError(`Unknown metric "${m}".`);
    const body = await client.requestJson(
      {
        operation: 'billing.productionTrending',
        params: { practice: practiceId },
        query: {
          ...dateParamsFor('billing.productionTrending', range),
          bucket: params.bucket,
          // C-T29: `metric` is comma-separated by spec; `provider` is repeated.
          metric: metrics.length > 0 ? metrics.join(',') : undefined,
          provider: params.providerIds && params.providerIds.length > 0 ? [...params.providerIds] : undefined,
        },
        signal: options?.signal,
      },
      TrendingBody,
    );
    const resolvedMetrics =
      body.metrics && body.metrics.length > 0 ? body.metrics : metrics.length > 0 ? metrics : [...TREND_METRICS];
    const rows = (body.rows ?? []).map((row) => {
      const values: Record<string, string> = {};
      for (const m of resolvedMetrics) if (m in row && row[m] !== undefined) values[m] = money(row[m]);
      return {
        bucketStart: row.bucket_start ?? '',
        bucketEnd: row.bucket_end ?? '',
        appointmentCount: row.appointment_count ?? 0,
        values,
      };
    });
    const totals: Record<string, string> = {};
    for (const [k, v] of Object.entries(body.totals ?? {})) {
      try {
        totals[k] = money(v);
      } catch {
        // a non-money total (e.g. a count) is left out
      }
    }
    const answered = answeredRange(range, body.date_from, body.date_to);
    return {
      range: answered.range,
      requestedRange: { from: range.from, to: range.to },
      bucket: body.bucket ?? params.bucket ?? null,
      metrics: resolvedMetrics,
      rows,
      totals,
      warnings: answered.warnings,
    };
  }

  return { productionReport, productionTrending };
}
