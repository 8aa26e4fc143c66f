/**
 * dso_overview — for the DSO client a practice belongs to, one row per practice with the KPIs the
 * client reports have, exceptions first: a practice is flagged only when two or more KPIs are off
 * goal in the current period, or one KPI is off in each of the three trailing 30-day periods.
 * Periods are each practice's own (its local today). `dsoRollUp` is the core, a plain function a
 * long-running task can call with its own signal and progress.
 */
import { z } from 'zod';
import { NotFound } from '../../api/errors.js';
import type { ClientReport, ClientReportAnswer, PracticeGoals } from '../../api/resources/office-reports.js';
import { addDays, todayIn } from '../../domain/dates.js';
import { shownPlace } from '../../domain/free-text.js';
import { COLLECTION_RATE_FORMULA, type KpiKey, kpiDefinition } from '../../domain/kpi-definitions.js';
import { judge, targetFor } from '../../domain/kpi-judging.js';
import { parseMoney, percent } from '../../domain/money.js';
import { closingLines, pageArguments, pageFrom, readCursor } from '../framework/cursor.js';
import { ToolInputError } from '../framework/errors.js';
import { mapBounded } from '../framework/fan-out.js';
import type { ToolContext, ToolDefinition } from '../framework/types.js';

/** The KPIs the DSO reports give per practice. */
export const DSO_KPIS = [
  'production',
  'net_production',
  'collections',
  'collection_rate',
  'production_per_hour',
  'no_show_rate',
  'case_acceptance',
  'hygiene_recare_compliance',
  'ar_over_90_share',
] as const satisfies readonly KpiKey[];
type DsoKpi = (typeof DSO_KPIS)[number];

const PERIOD_DAYS = 30;
const PERIODS = 3;
const RANGE_REPORTS: readonly ClientReport[] = ['productionVsCollections', 'productionByProvider', 'caseAcceptance'];
const AS_OF_REPORTS: readonly ClientReport[] = ['overview', 'arAging', 'hygieneRecare'];

export interface DsoPeriod {
  label: string;
  from: string;
  to: string;
}

export interface DsoPracticeResult {
  practiceId: string;
  name: string;
  periods: DsoPeriod[];
  /** Per period (newest first): KPI → value (null when a report did not have it). */
  figures: Record<DsoKpi, string | null>[];
  /** Per period (newest first): the KPIs off their goal or benchmark. */
  off: DsoKpi[][];
  goals: PracticeGoals | null;
  flagged: boolean;
  reasons: string[];
}

export interface DsoRollUp {
  clientId: string;
  practices: DsoPracticeResult[];
  notes: string[];
}

export type DsoContext = Pick<ToolContext, 'api' | 'signal' | 'progress' | 'now'>;

/** The exception rule: ≥ 2 KPIs off goal now, or one KPI off in each of the three periods. */
export function exceptionReasons(off: readonly (readonly string[])[]): string[] {
  const reasons: string[] = [];
  const [current = []] = off;
  if (current.length >= 2) reasons.push(`${current.length} KPIs off goal now: ${current.join(', ')}`);
  const running = current.filter((key) => off.length >= PERIODS && off.slice(0, PERIODS).every((p) => p.includes(key)));
  for (const key of running) reasons.push(`${key} off goal ${PERIODS} periods running`);
  return reasons;
}

/**
 * The roll-up over every practice of the client the credential reaches: the practices named by
 * the client's overview report, each judged on its own trailing 30-day periods.
 */
export async function dsoRollUp(context: DsoContext, clientId: string, referenceZone: string): Promise<DsoRollUp> {
  const { api, signal } = context;
  const notes: string[] = [];
  const discovery = await api.officeReports.clientReport(
    clientId,
    'overview',
    { asOf: todayIn(referenceZone, context.now()) },
    { signal },
  );
  const practiceIds = [...discovery.names.keys()];
  const profiles = await mapBounded(
    context,
    practiceIds,
    async (id) => {
      const [zone, goals] = await Promise.all([
        api.practices.timezone(id, { signal }),
        api.officeReports.goals(id, { signal }).catch(() => {
          notes.push(`The production goal of practice ${id} could not be read; production is not judged there.`);
          return null;
        }),
      ]);
      return { id, zone, goals };
    },
    { label: 'practices' },
  );
  // Practices sharing a local today share their report calls.
  const groups = new Map<string, string[]>();
  for (const p of profiles) {
    const today = todayIn(p.zone, context.now());
    groups.set(today, [...(groups.get(today) ?? []), p.id]);
  }
  const calls = [...groups.keys()].flatMap((today) =>
    periodsEnding(today).flatMap((period, index) => [
      ...RANGE_REPORTS.map((report) => ({ today, index, report, when: { range: period } as const })),
      ...AS_OF_REPORTS.map((report) => ({ today, index, report, when: { asOf: period.to } as const })),
    ]),
  );
  const answers = await mapBounded(
    context,
    calls,
    (call) => api.officeReports.clientReport(clientId, call.report, call.when, { signal }),
    { label: 'DSO reports' },
  );
  // A report that answered for another period or date than asked (it ignored them) is not that period's.
  const usable = answers.map((answer, i) => {
    const { when } = calls[i] as (typeof calls)[number];
    const asked = 'range' in when ? `${when.range.from} to ${when.range.to}` : when.asOf;
    const answered = answer.range ? `${answer.range.from} to ${answer.range.to}` : answer.asOf;
    if (answered === asked) {
      notes.push(...answer.warnings);
      return answer;
    }
    notes.push(
      `The ${calls[i]?.report} report answered for ${answered} instead of ${asked}; its figures are left out of that period.`,
    );
    return undefined;
  });
  const answerOf = (today: string, index: number, report: ClientReport): ClientReportAnswer | undefined =>
    usable[calls.findIndex((c) => c.today === today && c.index === index && c.report === report)];

  const practices = profiles.map((p): DsoPracticeResult => {
    const today = todayIn(p.zone, context.now());
    const periods = periodsEnding(today);
    const figures = periods.map((_period, index) => {
      const row = (report: ClientReport) => answerOf(today, index, report)?.practices.get(p.id);
      return figuresOf(row);
    });
    const ownPct = answerOf(today, 0, 'productionVsCollections')?.practices.get(p.id)?.collection_pct;
    const ours = figures[0]?.collection_rate;
    if (ownPct !== undefined && ours && ownPct !== ours) {
      notes.push(
        `Practice ${p.id}: Escape's own collection_pct is ${ownPct} % (its denominator is not stated); the collection rate here is ours, ${COLLECTION_RATE_FORMULA}, as in kpi_scorecard.`,
      );
    }
    const missing = DSO_KPIS.filter((k) => figures[0]?.[k] === null);
    if (missing.length > 0) notes.push(`Practice ${p.id}: no figure for ${missing.join(', ')} in the current period.`);
    const off = figures.map((f) =>
      DSO_KPIS.filter((key) => judge(f[key], p.goals ? targetFor(key, PERIOD_DAYS, p.goals) : nonGoal(key)) === 'off'),
    );
    const reasons = exceptionReasons(off);
    return {
      practiceId: p.id,
      name: discovery.names.get(p.id) ?? p.id,
      periods,
      figures,
      off,
      goals: p.goals,
      flagged: reasons.length > 0,
      reasons,
    };
  });
  return { clientId, practices, notes: [...new Set(notes)] };
}

/** Benchmarks still apply when a practice's goals could not be read; Escape's goal does not. */
function nonGoal(key: KpiKey) {
  return targetFor(key, PERIOD_DAYS, { daily: null, weekly: null, monthly: null });
}

function periodsEnding(today: string): DsoPeriod[] {
  return Array.from({ length: PERIODS }, (_, k) => ({
    label: k === 0 ? 'current 30 days' : `${k * PERIOD_DAYS} days before`,
    from: addDays(today, -(PERIOD_DAYS - 1) - PERIOD_DAYS * k),
    to: addDays(today, -PERIOD_DAYS * k),
  }));
}

function figuresOf(row: (report: ClientReport) => Record<string, string> | undefined): Record<DsoKpi, string | null> {
  const pvc = row('productionVsCollections');
  const pbp = row('productionByProvider');
  const aging = row('arAging');
  return {
    production: pvc?.production ?? null,
    net_production: pvc?.net_production ?? null,
    collections: pvc?.collections ?? null,
    // Ours, as kpi_scorecard's, not Escape's collection_pct: the sandbox divides by gross production.
    collection_rate:
      pvc?.collections && pvc.net_production ? percent(pvc.collections, pvc.net_production, { onZero: null }) : null,
    production_per_hour:
      pbp?.production && pbp.hours && parseMoney(pbp.hours).gt(0)
        ? parseMoney(pbp.production).div(parseMoney(pbp.hours)).toFixed(2)
        : null,
    no_show_rate: row('overview')?.no_show_rate_pct ?? null,
    case_acceptance: row('caseAcceptance')?.acceptance_rate_pct ?? null,
    hygiene_recare_compliance: row('hygieneRecare')?.compliance_rate_pct ?? null,
    ar_over_90_share: aging ? percent(aging.over_90, aging.total_ar, { onZero: null }) : null,
  };
}

const inputSchema = z.object({ ...pageArguments });

const practiceRow = z.object({
  practice_id: z.string(),
  practice: z.string(),
  period: z.object({ from: z.string(), to: z.string() }),
  flagged: z.boolean(),
  reasons: z.array(z.string()),
  kpis: z.record(z.string(), z.string().nullable()),
  off_goal: z.array(z.string()),
  off_goal_earlier: z.array(z.array(z.string())),
  next_step: z.string(),
});

const outputSchema = z.object({
  client_id: z.string(),
  rule: z.string(),
  flagged: z.number(),
  practice_count: z.number(),
  practices: z.array(practiceRow),
  kpi_sources: z.record(z.string(), z.string()),
  next_cursor: z.string().optional(),
  notes: z.array(z.string()),
});
type Output = z.infer<typeof outputSchema>;

export const dsoOverview: ToolDefinition<typeof inputSchema, typeof outputSchema> = {
  name: 'dso_overview',
  toolset: 'reports',
  title: 'DSO overview',
  description:
    "For the DSO client of the practice: one row per practice with the client reports' KPIs over its last 30 days, exceptions first; flagged only when 2+ KPIs are off goal or one is off 3 periods running. Needs client access.",
  inputSchema,
  outputSchema,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  requiredScopes: ['reports:read'],
  writes: false,
  task: 'optional',
  operations: [
    'clients.arAging',
    'clients.caseAcceptance',
    'clients.hygieneRecare',
    'clients.overview',
    'clients.productionByProvider',
    'clients.productionVsCollections',
  ],
  example: {
    question: 'Which of our practices is in trouble?',
    answer:
      'DSO overview: 2 of 3 practices flagged (2+ KPIs off goal now, or one off in each of the last three 30-day periods).\n- FLAGGED · Hudson Street Dental: production off goal 3 periods running. Next: Open kpi_scorecard for Hudson Street Dental and review production.\n- FLAGGED · Sunset Smiles Dental: 2 KPIs off goal now: no_show_rate, case_acceptance. …\n- ok · Lakeshore Family Dental. Next: No action: not an exception.',
  },
  async handler(context, args) {
    const offset = readCursor(args.cursor);
    const { clientId } = await context.api.officeReports.goals(context.practice.id, { signal: context.signal });
    if (!clientId) {
      throw new ToolInputError(
        `${shownPlace(context.practice.name)} belongs to no DSO client in Escape Dental, so there is no group to roll up. Use kpi_scorecard for this practice.`,
      );
    }
    let rollUp: DsoRollUp;
    try {
      rollUp = await dsoRollUp(context, clientId, context.practice.timezone);
    } catch (error) {
      if (error instanceof NotFound) {
        throw new ToolInputError(
          'This Escape Dental credential cannot read the DSO client reports of this practice (no client access). Use a credential with a client membership, or kpi_scorecard per practice.',
        );
      }
      throw error;
    }
    const ordered = [...rollUp.practices].sort(
      (a, b) =>
        Number(b.flagged) - Number(a.flagged) || b.reasons.length - a.reasons.length || a.name.localeCompare(b.name),
    );
    const { page, nextCursor, pastEnd } = pageFrom(ordered, offset, args.limit);
    const structured: Output = {
      client_id: rollUp.clientId,
      rule: 'flagged when 2+ KPIs are off goal in the current 30 days, or one KPI is off in each of the last three 30-day periods; goals: Escape production goal (monthly), benchmarks of ours for no-show (≤ 15 %) and case acceptance (≥ 40 %)',
      flagged: rollUp.practices.filter((p) => p.flagged).length,
      practice_count: rollUp.practices.length,
      practices: page.map((p) => ({
        practice_id: p.practiceId,
        practice: p.name,
        period: { from: p.periods[0]?.from ?? '', to: p.periods[0]?.to ?? '' },
        flagged: p.flagged,
        reasons: p.reasons,
        kpis: p.figures[0] ?? {},
        off_goal: p.off[0] ?? [],
        off_goal_earlier: p.off.slice(1),
        next_step: p.flagged
          ? `Open kpi_scorecard for ${shownPlace(p.name) ?? p.practiceId} and review ${(p.off[0] ?? []).join(', ')}.`
          : 'No action: not an exception.',
      })),
      kpi_sources: Object.fromEntries(DSO_KPIS.map((k) => [k, sourceOf(k)])),
      ...(nextCursor ? { next_cursor: nextCursor } : {}),
      notes: pastEnd ? [...rollUp.notes, pastEnd] : rollUp.notes,
    };
    return { structured, summary: summarize(structured) };
  },
};

function sourceOf(key: DsoKpi): string {
  const { computedBy, formula } = kpiDefinition(key);
  if (computedBy === 'escape') return 'as reported by Escape';
  return formula ? `ours: ${formula}` : 'ours';
}

function summarize(output: Output): string {
  const lines = [`DSO overview: ${output.flagged} of ${output.practice_count} practices flagged (${output.rule}).`];
  for (const p of output.practices) {
    const k = p.kpis;
    const figures = `production $${k.production ?? 'n/a'}, collections $${k.collections ?? 'n/a'}, collection rate ${k.collection_rate ?? 'n/a'} % (${COLLECTION_RATE_FORMULA}), $${k.production_per_hour ?? 'n/a'}/h, no-show ${k.no_show_rate ?? 'n/a'} %, case acceptance ${k.case_acceptance ?? 'n/a'} %, recare ${k.hygiene_recare_compliance ?? 'n/a'} %, A/R 90+ ${k.ar_over_90_share ?? 'n/a'} %`;
    lines.push(
      `- ${p.flagged ? 'FLAGGED' : 'ok'} · ${shownPlace(p.practice) ?? p.practice_id} (${p.period.from} to ${p.period.to}): ${p.flagged ? `${p.reasons.join('; ')}. ` : ''}${figures}. Next: ${p.next_step}`,
    );
  }
  lines.push(...closingLines(output.next_cursor, output.notes));
  return lines.join('\n');
}
