/**
 * Production report and trending. Both ranges are practice-local dates sent explicitly (C-T7:
 * "required" yet defaulted), under each endpoint's own names (C-T6: `date_from`/`date_to` vs
 * `from`/`to`). Money comes back as 2-dp decimal strings; trending rows carry only the metrics
 * that were requested (C-T26).
 */
import type Big from 'big.js';
import { isLocalDate, validateDateRange } from '../../domain/dates.js';
import { shownCode, shownName } from '../../domain/free-text.js';
import { formatMoney, parseMoney, parseMoneyOrNull } from '../../domain/money.js';
import type { EscapeClient } from '../client.js';
import { describeShape, InvalidResponse, UnrecognizedShape, UnusableUpstreamValue } from '../errors.js';
import { dateParamsFor, endpointLabel, type OperationName } from '../paths.js';
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

/**
 * A report amount as a 2-dp string. Unparseable (the spec's sample sends the literal "string") or
 * missing is UnusableUpstreamValue naming the field: a documented figure is never read as zero.
 */
export function amount(value: unknown, field: string, thing: string, operation: OperationName): string {
  let parsed: Big | null = null;
  try {
    parsed = parseMoneyOrNull(value);
  } catch {
    parsed = null;
  }
  if (parsed === null) throw new UnusableUpstreamValue(field, thing, value, { operation });
  return formatMoney(parsed);
}

export function count(value: unknown, field: string, thing: string, operation: OperationName): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  throw new UnusableUpstreamValue(field, thing, value, { operation });
}

/** Reads each row; a row with an unusable value is left out and named in a warning (it degrades only itself). */
function readRows<Row, Out>(
  rows: readonly Row[],
  read: (row: Row) => Out,
  what: string,
  warnings: string[],
): { rows: Out[]; skipped: UnusableUpstreamValue[] } {
  const out: Out[] = [];
  const skipped: UnusableUpstreamValue[] = [];
  for (const row of rows) {
    try {
      out.push(read(row));
    } catch (error) {
      if (!(error instanceof UnusableUpstreamValue)) throw error;
      skipped.push(error);
    }
  }
  const [first] = skipped;
  if (first) {
    warnings.push(
      `${skipped.length} ${what}${skipped.length === 1 ? ' was' : 's were'} left out: ${first.summary}${skipped.length > 1 ? ` (and ${skipped.length - 1} more)` : ''}.`,
    );
  }
  return { rows: out, skipped };
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
    const op = 'billing.production';
    if (!body.summary) {
      throw new UnrecognizedShape(endpointLabel(op), describeShape(body), { operation: op });
    }
    const s = body.summary;
    const answered = answeredRange(range, body.date_from, body.date_to);
    const report = `the production report (${answered.range.from} to ${answered.range.to})`;
    const warnings = [...answered.warnings];
    const byProvider = readRows(
      body.by_provider ?? [],
      (p) => {
        const name = p.provider_name ?? (p.provider_id ? 'Unknown provider' : 'No provider');
        const thing = `provider ${shownName(name) ?? 'with no name'} in ${report}`;
        return {
          providerId: p.provider_id ?? null,
          providerName: name,
          production: amount(p.production, 'production', thing, op),
          completedProduction: amount(p.completed_production, 'completed_production', thing, op),
          scheduledProduction: amount(p.scheduled_production, 'scheduled_production', thing, op),
          collections: amount(p.collections, 'collections', thing, op),
          adjustments: amount(p.adjustments, 'adjustments', thing, op),
          procedureCount: count(p.procedure_count, 'procedure_count', thing, op),
        };
      },
      'provider row',
      warnings,
    );
    // An API that ignores the provider filter answers for the whole practice: its rows name other
    // providers. The figures are then not the ones asked for, and are not given as if they were.
    const asked = new Set(params.providerIds ?? []);
    if (asked.size > 0 && (body.by_provider ?? []).some((p) => p.provider_id && !asked.has(p.provider_id))) {
      throw new InvalidResponse(
        "Escape Dental did not apply the provider filter to the production report: its answer covers other providers too. No figures are given: the practice's would read as those of the providers asked for. Ask without providers: the practice report lists each provider.",
        { operation: op },
      );
    }
    const byProcedure = readRows(
      body.by_procedure ?? [],
      (p) => {
        const thing = `procedure code ${shownCode('', p.proc_code) ?? '(none)'} in ${report}`;
        return {
          procCode: p.proc_code ?? '',
          description: p.description ?? '',
          count: count(p.count, 'count', thing, op),
          totalProduction: amount(p.total_production, 'total_production', thing, op),
          avgFee: amount(p.avg_fee, 'avg_fee', thing, op),
        };
      },
      'procedure row',
      warnings,
    );
    return {
      range: answered.range,
      requestedRange: { from: range.from, to: range.to },
      // The headline figures: one unusable value makes the report unusable (never a zero for it).
      summary: {
        totalProduction: amount(s.total_production, 'total_production', report, op),
        totalCollections: amount(s.total_collections, 'total_collections', report, op),
        totalAdjustments: amount(s.total_adjustments, 'total_adjustments', report, op),
        netProduction: amount(s.net_production, 'net_production', report, op),
        procedureCount: count(s.procedure_count, 'procedure_count', report, op),
      },
      byProvider: byProvider.rows,
      byProcedure: byProcedure.rows,
      warnings,
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
    const op = 'billing.productionTrending';
    const answered = answeredRange(range, body.date_from, body.date_to);
    const warnings = [...answered.warnings];
    // C-T26: a row carries the metrics that were resolved, but what counts is what is present: a
    // listed metric missing from a row is "not reported", never zero, and `metrics` may be stale
    // (the spec's own sample lists "string").
    const rows = readRows(
      body.rows ?? [],
      (row) => {
        const start = row.bucket_start;
        const end = row.bucket_end;
        const thing = isLocalDate(start) ? `the production trend row from ${start}` : 'a production trend row';
        if (!isLocalDate(start)) throw new UnusableUpstreamValue('bucket_start', thing, start, { operation: op });
        if (!isLocalDate(end)) throw new UnusableUpstreamValue('bucket_end', thing, end, { operation: op });
        const values: Record<string, string> = {};
        for (const m of TREND_METRICS) {
          const value = (row as Record<string, unknown>)[m];
          if (value !== undefined && value !== null) values[m] = amount(value, m, thing, op);
        }
        return {
          bucketStart: start,
          bucketEnd: end,
          appointmentCount: count(row.appointment_count, 'appointment_count', thing, op),
          values,
        };
      },
      'trend row',
      warnings,
    );
    const present = TREND_METRICS.filter((m) => rows.rows.some((r) => m in r.values));
    const totals: Record<string, string> = {};
    for (const [k, v] of Object.entries(body.totals ?? {})) {
      try {
        totals[k] = formatMoney(parseMoney(v));
      } catch {
        // a non-money total (e.g. a count) is left out
      }
    }
    return {
      range: answered.range,
      requestedRange: { from: range.from, to: range.to },
      bucket: body.bucket ?? params.bucket ?? null,
      metrics: present.length > 0 ? present : metrics,
      rows: rows.rows,
      totals,
      warnings,
      skippedRows: rows.skipped.length,
    };
  }

  return { productionReport, productionTrending };
}
