/**
 * production_report — how the practice produced over a period computed in practice time:
 * gross production, collections, adjustments, net, procedures; by provider (completed vs
 * scheduled), by procedure and by CDT category; optionally a trend and a comparison with the
 * previous period. Figures are the API's own (never recomputed, C-T11); the only derived number,
 * the collection percentage, is labelled as such.
 */
import type Big from 'big.js';
import { z } from 'zod';
import type { DateRange, ProductionReport, ProductionTrending } from '../../api/port.js';
import { cdtCategory } from '../../domain/cdt.js';
import { diffDays, PERIOD_PRESETS, type PeriodPreset, resolvePeriod, todayIn } from '../../domain/dates.js';
import { shownCode, shownName, shownPlace } from '../../domain/free-text.js';
import { formatMoney, parseMoney, percent } from '../../domain/money.js';
import { ToolInputError } from '../framework/errors.js';
import { checkedDate, localDateArgument, providerText, resolveProviders } from '../framework/shared.js';
import type { ToolDefinition } from '../framework/types.js';

const MAX_SPAN_DAYS = 3660;

const inputSchema = z.object({
  period: z
    .enum(PERIOD_PRESETS as [PeriodPreset, ...PeriodPreset[]])
    .optional()
    .describe('Period in practice time (weeks start Monday). Default month_to_date.'),
  days: z.number().int().min(1).max(3660).optional().describe('N for period last_n_days (today included).'),
  start_date: localDateArgument('First date, YYYY-MM-DD, instead of period (with end_date).').optional(),
  end_date: localDateArgument('Last date, YYYY-MM-DD.').optional(),
  providers: z.array(z.string().max(120)).max(10).optional().describe('Only these providers, by name or id.'),
  trend: z.enum(['day', 'week', 'month']).optional().describe('Add a trend, one row per day, week or month.'),
  compare_previous: z.boolean().default(false).describe('Also the previous comparable period and the change.'),
  top_procedures: z
    .number()
    .int()
    .min(0)
    .max(30)
    .default(8)
    .describe('How many procedure codes to list, by production.'),
});

const summarySchema = z.object({
  gross_production: z.string(),
  collections: z.string(),
  adjustments: z.string(),
  net_production: z.string(),
  procedure_count: z.number(),
  collection_pct: z.string().nullable(),
});

const outputSchema = z.object({
  practice: z.string(),
  timezone: z.string(),
  period: z.object({ label: z.string(), from: z.string(), to: z.string() }),
  /** Present when Escape Dental answered for another period than the one asked for. */
  requested_period: z.object({ label: z.string(), from: z.string(), to: z.string() }).optional(),
  source: z.string(),
  summary: summarySchema,
  by_provider: z.array(
    z.object({
      provider: z.string(),
      production: z.string(),
      completed: z.string(),
      scheduled: z.string(),
      collections: z.string(),
      adjustments: z.string(),
      procedures: z.number(),
    }),
  ),
  by_procedure: z.array(
    z.object({ code: z.string(), description: z.string(), count: z.number(), total: z.string(), avg_fee: z.string() }),
  ),
  by_category: z.array(z.object({ category: z.string(), count: z.number(), total: z.string() })),
  trend: z
    .array(
      // An amount the API did not report for a row is absent, never zero (C-T26).
      z.object({
        from: z.string(),
        to: z.string(),
        production: z.string().optional(),
        collections: z.string().optional(),
        net_production: z.string().optional(),
        appointments: z.number(),
      }),
    )
    .optional(),
  previous: summarySchema
    .omit({ collection_pct: true })
    .extend({ from: z.string(), to: z.string(), change: z.record(z.string(), z.string()) })
    .optional(),
  notes: z.array(z.string()),
});

type Input = z.infer<typeof inputSchema>;
type Output = z.infer<typeof outputSchema>;

export const productionReport: ToolDefinition<typeof inputSchema, typeof outputSchema> = {
  name: 'production_report',
  toolset: 'reports',
  title: 'Production report',
  description:
    "Production, collections, adjustments, net and collection % for a period in practice time; by provider (completed vs scheduled), procedure and CDT category; optional trend and previous-period change. The API's own figures.",
  inputSchema,
  outputSchema,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  requiredScopes: ['reports:read'],
  writes: false,
  operations: ['billing.production', 'billing.productionTrending', 'providers.list'],
  example: {
    question: 'How is production this month?',
    answer:
      'Production at Sunset Smiles Dental, month to date (2026-12-01 to 2026-12-06, America/Los_Angeles): gross $23460.00, collections $28344.00 (120.82%), adjustments $-1064.00, net $22396.00, 147 procedures.\nBy provider:\n- Chen, Dr. Maya: $9040.00 (completed $9040.00, scheduled $3610.00), collections $12248.00, 42 procedures\n- Patel, Priya: $7025.00 …',
  },
  async handler(context, args) {
    const zone = context.practice.timezone;
    const period = resolveRequestedPeriod(args, zone, context.now());
    const providers = await resolveProviders(context, args.providers);
    const providerIds = providers.map((p) => p.id);
    const scope = providerIds.length ? { providerIds } : {};
    const options = { signal: context.signal };

    // The report, the trend and the comparison are independent: ask for them at once.
    const [report, trending, previous] = await Promise.all([
      context.api.billing.productionReport(context.practice.id, { range: period.range, ...scope }, options),
      args.trend
        ? context.api.billing.productionTrending(
            context.practice.id,
            {
              range: period.range,
              bucket: args.trend,
              metrics: ['production', 'collections', 'adjustments', 'net_production'],
              ...scope,
            },
            options,
          )
        : Promise.resolve(undefined),
      args.compare_previous && period.previous
        ? context.api.billing.productionReport(context.practice.id, { range: period.previous, ...scope }, options)
        : Promise.resolve(undefined),
    ]);

    const notes = [...report.warnings, ...(trending?.warnings ?? []), ...(previous?.warnings ?? [])];
    const answered = report.range;
    const asked = period.range;
    const answeredOther = answered.from !== asked.from || answered.to !== asked.to;
    // A comparison is only a comparison when each report covers the period it was asked for.
    const comparable = previous !== undefined && !differs(previous.range, previous.requestedRange) && !answeredOther;
    if (previous && !comparable) {
      notes.push(
        'The comparison with the previous period was left out: Escape Dental did not answer for the periods asked for.',
      );
    }
    if (providers.length)
      notes.push(`Only ${providers.map(providerText).join(', ')}; rows with no provider are left out by the API.`);
    notes.push('collection_pct = collections ÷ gross production, computed here from the API figures.');
    if (trending && trending.rows.length > 0 && !sameTotals(report, trending)) {
      notes.push('The trend rows do not add up to the report totals; both are shown as the API returned them.');
    }

    const summary = summarize(report);
    const structured: Output = {
      practice: context.practice.name,
      timezone: zone,
      period: answeredOther
        ? { label: `${answered.from} to ${answered.to}`, from: answered.from, to: answered.to }
        : { label: period.label, from: asked.from, to: asked.to },
      ...(answeredOther ? { requested_period: { label: period.label, from: asked.from, to: asked.to } } : {}),
      source:
        'Escape Dental production report (billing/reports/production); procedures on cancelled appointments are excluded by the API',
      summary,
      by_provider: report.byProvider.map((row) => ({
        provider: row.providerName || (row.providerId ? row.providerId : 'No provider'),
        production: row.production,
        completed: row.completedProduction,
        scheduled: row.scheduledProduction,
        collections: row.collections,
        adjustments: row.adjustments,
        procedures: row.procedureCount,
      })),
      by_procedure: [...report.byProcedure]
        .sort(
          (a, b) =>
            parseMoney(b.totalProduction).cmp(parseMoney(a.totalProduction)) || a.procCode.localeCompare(b.procCode),
        )
        .slice(0, args.top_procedures)
        .map((row) => ({
          code: row.procCode,
          description: row.description,
          count: row.count,
          total: row.totalProduction,
          avg_fee: row.avgFee,
        })),
      by_category: byCategory(report),
      ...(trending ? { trend: trendRows(trending) } : {}),
      ...(previous && comparable && period.previous ? { previous: compare(summary, previous, period.previous) } : {}),
      notes: [...new Set(notes)],
    };
    return { structured, summary: describe(structured) };
  },
};

function differs(a: DateRange, b: DateRange): boolean {
  return a.from !== b.from || a.to !== b.to;
}

interface RequestedPeriod {
  label: string;
  range: DateRange;
  previous: DateRange | undefined;
}

function resolveRequestedPeriod(args: Input, zone: string, now: Date): RequestedPeriod {
  const start = checkedDate(args.start_date, 'start_date');
  const end = checkedDate(args.end_date, 'end_date');
  if ((start || end) && args.period) {
    throw new ToolInputError('Give either period or start_date/end_date, not both.');
  }
  if (start || end) {
    if (!start || !end) throw new ToolInputError('Explicit dates need both start_date and end_date (YYYY-MM-DD).');
    if (end < start) throw new ToolInputError(`end_date ${end} is before start_date ${start}. Swap them.`);
    const days = diffDays(start, end) + 1;
    if (days > MAX_SPAN_DAYS)
      throw new ToolInputError(`The period spans ${days} days; at most ${MAX_SPAN_DAYS} (about 10 years).`);
    const today = todayIn(zone, now);
    if (start > today)
      throw new ToolInputError(`start_date ${start} is in the future (today is ${today} at the practice).`);
    const previousTo = shift(start, -1);
    return {
      label: `${start} to ${end}`,
      range: { from: start, to: end },
      previous: { from: shift(previousTo, -(days - 1)), to: previousTo },
    };
  }
  if (args.days !== undefined && args.period !== 'last_n_days') {
    throw new ToolInputError('days goes with period "last_n_days" (e.g. period last_n_days, days 14).');
  }
  const preset = args.period ?? 'month_to_date';
  if (preset === 'last_n_days' && args.days === undefined)
    throw new ToolInputError('period last_n_days needs days (e.g. 14).');
  const resolved = resolvePeriod(preset, zone, { now, ...(args.days !== undefined ? { days: args.days } : {}) });
  const label = preset === 'last_n_days' ? `last ${args.days} days` : preset.replaceAll('_', ' ');
  return { label, range: { from: resolved.from, to: resolved.to }, previous: resolved.previous };
}

function shift(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function summarize(report: ProductionReport): z.infer<typeof summarySchema> {
  const s = report.summary;
  return {
    gross_production: s.totalProduction,
    collections: s.totalCollections,
    adjustments: s.totalAdjustments,
    net_production: s.netProduction,
    procedure_count: s.procedureCount,
    collection_pct: percent(s.totalCollections, s.totalProduction, { onZero: null }),
  };
}

function byCategory(report: ProductionReport): Output['by_category'] {
  const totals = new Map<string, { count: number; total: Big }>();
  for (const row of report.byProcedure) {
    const label = cdtCategory(row.procCode)?.label ?? 'Other / not a CDT code';
    const entry = totals.get(label) ?? { count: 0, total: parseMoney(0) };
    entry.count += row.count;
    entry.total = entry.total.plus(parseMoney(row.totalProduction));
    totals.set(label, entry);
  }
  return [...totals.entries()]
    .sort((a, b) => b[1].total.cmp(a[1].total) || a[0].localeCompare(b[0]))
    .map(([category, e]) => ({ category, count: e.count, total: formatMoney(e.total) }));
}

function trendRows(trending: ProductionTrending): NonNullable<Output['trend']> {
  return trending.rows.map((row) => ({
    from: row.bucketStart,
    to: row.bucketEnd,
    ...(row.values.production !== undefined ? { production: row.values.production } : {}),
    ...(row.values.collections !== undefined ? { collections: row.values.collections } : {}),
    ...(row.values.net_production !== undefined ? { net_production: row.values.net_production } : {}),
    appointments: row.appointmentCount,
  }));
}

/** Whether the trend rows add up to the report; a metric some row did not report is not compared. */
function sameTotals(report: ProductionReport, trending: ProductionTrending): boolean {
  const agrees = (metric: string, total: string) => {
    if (trending.rows.some((r) => r.values[metric] === undefined)) return true;
    return trending.rows
      .reduce<Big>((t, r) => t.plus(parseMoney(r.values[metric])), parseMoney(0))
      .eq(parseMoney(total));
  };
  return agrees('production', report.summary.totalProduction) && agrees('collections', report.summary.totalCollections);
}

function compare(
  current: z.infer<typeof summarySchema>,
  previous: ProductionReport,
  range: DateRange,
): NonNullable<Output['previous']> {
  const before = summarize(previous);
  const change: Record<string, string> = {};
  for (const key of ['gross_production', 'collections', 'adjustments', 'net_production'] as const) {
    const delta = parseMoney(current[key]).minus(parseMoney(before[key]));
    // Against the previous figure's size: adjustments are negative, and a smaller write-off is a rise.
    const pct = percent(delta, parseMoney(before[key]).abs(), { onZero: null });
    change[key] =
      `${delta.gte(0) ? '+' : ''}${formatMoney(delta)}${pct === null ? '' : ` (${delta.gte(0) ? '+' : ''}${pct}%)`}`;
  }
  change.procedure_count = `${current.procedure_count - before.procedure_count >= 0 ? '+' : ''}${current.procedure_count - before.procedure_count}`;
  const { collection_pct: _unused, ...figures } = before;
  return { from: range.from, to: range.to, ...figures, change };
}

function describe(output: Output): string {
  const s = output.summary;
  const asked = output.requested_period;
  const askedRange = asked && `${asked.from} to ${asked.to}`;
  const period = asked
    ? `${output.period.from} to ${output.period.to} (${output.timezone}), the period Escape Dental answered for — asked for ${asked.label === askedRange ? askedRange : `${asked.label} (${askedRange})`}`
    : `${output.period.label} (${output.period.from} to ${output.period.to}, ${output.timezone})`;
  const lines = [
    `Production at ${shownPlace(output.practice)}, ${period}: gross $${s.gross_production}, collections $${s.collections}${s.collection_pct ? ` (${s.collection_pct}%)` : ''}, adjustments $${s.adjustments}, net $${s.net_production}, ${s.procedure_count} procedures.`,
  ];
  if (output.previous) {
    const c = output.previous.change;
    lines.push(
      `Versus ${output.previous.from} to ${output.previous.to}: gross ${c.gross_production}, collections ${c.collections}, net ${c.net_production}, procedures ${c.procedure_count}.`,
    );
  }
  if (output.by_provider.length) {
    lines.push('By provider:');
    for (const p of output.by_provider) {
      lines.push(
        `- ${shownName(p.provider) ?? 'No provider'}: $${p.production} (completed $${p.completed}, scheduled $${p.scheduled}), collections $${p.collections}, ${p.procedures} procedures`,
      );
    }
  }
  if (output.by_category.length)
    lines.push(`By category: ${output.by_category.map((c) => `${c.category} $${c.total} (${c.count})`).join('; ')}.`);
  if (output.by_procedure.length)
    lines.push(
      `Top codes: ${output.by_procedure.map((p) => `${shownCode('code', p.code)} ${p.count}× $${p.total}`).join('; ')}.`,
    );
  if (output.trend) {
    lines.push(
      output.trend.length === 0
        ? 'Trend: no rows.'
        : `Trend: ${output.trend.map((t) => `${t.from} ${t.production === undefined ? 'production not reported' : `$${t.production}`}`).join('; ')}.`,
    );
  }
  lines.push(`Source: ${output.source}.`);
  for (const note of output.notes) lines.push(`Note: ${note}`);
  return lines.join('\n');
}
