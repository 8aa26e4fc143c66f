/**
 * kpi_scorecard — how one practice does against its goals over a practice-local period: each KPI
 * of kpi-definitions.ts with its value, the previous comparable period, the goal (Escape's own
 * production goal) or our benchmark, and the definition used. Figures Escape computes are
 * labelled as reported by Escape; ours carry their formula (the `kpi-definitions` resource).
 */
import { z } from 'zod';
import type { Appointment, DateRange } from '../../api/port.js';
import {
  addDays,
  diffDays,
  instantToLocalDate,
  PERIOD_PRESETS,
  type PeriodPreset,
  parseInstantMs,
  resolvePeriod,
  todayIn,
} from '../../domain/dates.js';
import { shownPlace } from '../../domain/free-text.js';
import { HYGIENE_CODES, KPI_KEYS, type KpiKey, kpiDefinition } from '../../domain/kpi-definitions.js';
import { judge, type ProductionGoals, targetFor } from '../../domain/kpi-judging.js';
import { parseMoney, percent, sumMoney } from '../../domain/money.js';
import { ToolInputError } from '../framework/errors.js';
import { mapBounded } from '../framework/fan-out.js';
import { checkedDate, localDateArgument } from '../framework/shared.js';
import type { ToolContext, ToolDefinition } from '../framework/types.js';

const SCORECARD_KPIS = KPI_KEYS.filter((k) => k !== 'hygiene_recare_compliance');
/** How far past the period a later hygiene appointment is looked for. */
const REAPPOINT_HORIZON_DAYS = 365;
const APPOINTMENT_LIMIT = 20_000;
/** Statuses of an appointment that still stands (not cancelled, missed, or only planned). */
const STANDING = new Set(['scheduled', 'arrived', 'seated', 'ready_for_doctor', 'ready_for_walkout', 'complete']);

const inputSchema = z.object({
  period: z
    .enum(PERIOD_PRESETS as [PeriodPreset, ...PeriodPreset[]])
    .default('last_n_days')
    .describe('Period in practice time (weeks start Monday). Default last_n_days with days 30.'),
  days: z.number().int().min(1).max(366).default(30).describe('N for period last_n_days (today included).'),
  start_date: localDateArgument('First date, YYYY-MM-DD, instead of period (with end_date).').optional(),
  end_date: localDateArgument('Last date, YYYY-MM-DD.').optional(),
});

const kpiRow = z.object({
  key: z.string(),
  name: z.string(),
  unit: z.string(),
  value: z.string().nullable(),
  previous: z.string().nullable(),
  goal: z.object({ value: z.string(), basis: z.string() }).optional(),
  status: z.enum(['on', 'off']).optional(),
  computed_by: z.enum(['as reported by Escape', 'ours']),
  definition: z.string(),
  note: z.string().optional(),
});

const outputSchema = z.object({
  practice: z.string(),
  timezone: z.string(),
  period: z.object({ from: z.string(), to: z.string(), days: z.number() }),
  previous_period: z.object({ from: z.string(), to: z.string() }),
  kpis: z.array(kpiRow),
  definitions: z.string(),
  notes: z.array(z.string()),
});

type Output = z.infer<typeof outputSchema>;
type Figures = Partial<Record<KpiKey, string | null>>;

export const kpiScorecard: ToolDefinition<typeof inputSchema, typeof outputSchema> = {
  name: 'kpi_scorecard',
  toolset: 'reports',
  title: 'KPI scorecard',
  description:
    'One practice over a period: production, net, collections and rate, production per hour, utilization, no-show and cancellation rates, hygiene reappointment, case acceptance, new patients, A/R over 90; each with previous period, goal and definition.',
  inputSchema,
  outputSchema,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  requiredScopes: ['reports:read'],
  writes: false,
  operations: [
    'billing.aging',
    'billing.production',
    'clients.caseAcceptance',
    'patients.list',
    'scheduling.appointmentList',
    'scheduling.providerUtilization',
  ],
  example: {
    question: 'How did we do this month against our goals?',
    answer:
      'KPI scorecard for Sunset Smiles Dental, 2026-11-07 to 2026-12-06 (America/Los_Angeles); previous 2026-10-08 to 2026-11-06.\n- Production: $115900.00 (previous $110310.00; goal $95000.00: on) — as reported by Escape.\n- Collection rate: 65.47 % (previous 49.38 %) — ours, collections ÷ net production.\n- No-show rate: 17.21 % (previous 5.14 %; goal 15 %: OFF) — ours, formula in kpi-definitions. …',
  },
  async handler(context, args) {
    const zone = context.practice.timezone;
    const { current, previous } = periodsOf(args, zone, context.now());
    const days = diffDays(current.from, current.to) + 1;
    const notes: string[] = [];
    const goals = await context.api.officeReports.goals(context.practice.id, { signal: context.signal });
    const today = todayIn(zone, context.now());
    const horizon = addDays(current.to > today ? current.to : today, REAPPOINT_HORIZON_DAYS);
    const appointments = await context.api.scheduling.listAppointments(
      context.practice.id,
      { range: { from: previous.from, to: horizon }, limit: APPOINTMENT_LIMIT },
      { signal: context.signal },
    );
    notes.push(...appointments.warnings);
    if (appointments.truncated) {
      notes.push(`More than ${APPOINTMENT_LIMIT} appointments; the appointment-based rates are left out.`);
    }
    const [now, before] = await mapBounded(
      context,
      [current, previous],
      (range) =>
        periodFigures(context, range, goals.clientId, appointments.truncated ? [] : appointments.appointments, notes),
      { concurrency: 2, label: 'periods' },
    );
    const figuresNow = now as Figures;
    const figuresBefore = before as Figures;
    const kpis = SCORECARD_KPIS.map((key) => {
      const definition = kpiDefinition(key);
      const value = figuresNow[key] ?? null;
      const target = targetFor(key, days, goals as ProductionGoals);
      const status = judge(value, target);
      return {
        key,
        name: definition.name,
        unit: definition.unit,
        value,
        previous: figuresBefore[key] ?? null,
        ...(target ? { goal: { value: target.value, basis: target.basis } } : {}),
        ...(status ? { status } : {}),
        computed_by: definition.computedBy === 'escape' ? ('as reported by Escape' as const) : ('ours' as const),
        definition: definition.definition,
        ...(value === null ? { note: 'not available for this period (see notes)' } : {}),
      };
    });
    const structured: Output = {
      practice: context.practice.name,
      timezone: zone,
      period: { ...current, days },
      previous_period: previous,
      kpis,
      definitions: 'Full definitions, sources and citations: the kpi-definitions resource.',
      notes: [...new Set(notes)],
    };
    return { structured, summary: summarize(structured) };
  },
};

function periodsOf(
  args: z.infer<typeof inputSchema>,
  zone: string,
  now: Date,
): { current: DateRange; previous: DateRange } {
  const start = checkedDate(args.start_date, 'start_date');
  const end = checkedDate(args.end_date, 'end_date');
  if (start || end) {
    if (!start || !end) throw new ToolInputError('Give both start_date and end_date, or neither (then period).');
    if (end < start) throw new ToolInputError(`end_date ${end} is before start_date ${start}. Swap them.`);
    const length = diffDays(start, end) + 1;
    if (length > 366) throw new ToolInputError('The period can be at most 366 days. Shorten it.');
    return { current: { from: start, to: end }, previous: { from: addDays(start, -length), to: addDays(start, -1) } };
  }
  const resolved = resolvePeriod(args.period, zone, { now, days: args.days });
  return { current: { from: resolved.from, to: resolved.to }, previous: resolved.previous };
}

async function periodFigures(
  context: ToolContext,
  range: DateRange,
  clientId: string | null,
  appointments: readonly Appointment[],
  notes: string[],
): Promise<Figures> {
  const { api, practice, signal } = context;
  const unavailable = (what: string) => (error: unknown) => {
    notes.push(`${what} for ${range.from} to ${range.to}: not available (${describe(error)}).`);
    return null;
  };
  const [produced, utilization, fresh, aging, accepted] = await Promise.all([
    api.billing.productionReport(practice.id, { range }, { signal }).catch(unavailable('Production')),
    api.officeReports.providerUtilization(practice.id, range, { signal }).catch(unavailable('Provider utilization')),
    api.officeReports.newPatients(practice.id, range, { signal }).catch(unavailable('New patients')),
    api.officeReports.aging(practice.id, range.to, { signal }).catch(unavailable('A/R aging')),
    clientId
      ? api.officeReports
          .clientReport(clientId, 'caseAcceptance', { range }, { signal })
          .catch(unavailable('Case acceptance'))
      : Promise.resolve(null),
  ]);
  if (!clientId) notes.push('Case acceptance: the practice belongs to no DSO client, whose report has it.');
  // Figures Escape gave for another period than asked (it ignored the dates) are not this period's.
  const production = answeredFor(produced, produced?.range, range, 'Production', notes);
  const acceptance = answeredFor(accepted, accepted?.range, range, 'Case acceptance', notes);
  const figures: Figures = {};
  if (production) {
    const s = production.summary;
    figures.production = s.totalProduction;
    figures.net_production = s.netProduction;
    figures.collections = s.totalCollections;
    figures.collection_rate = percent(s.totalCollections, s.netProduction, { onZero: null });
  }
  if (utilization) {
    const scheduled = sumMoney(utilization.map((r) => r.scheduledHours));
    const available = sumMoney(utilization.map((r) => r.availableHours));
    figures.schedule_utilization = percent(scheduled, available, { onZero: null });
    figures.production_per_hour =
      production && scheduled.gt(0) ? parseMoney(production.summary.totalProduction).div(scheduled).toFixed(2) : null;
  }
  Object.assign(figures, appointmentFigures(appointments, range, practice.timezone));
  if (fresh) figures.new_patients = String(fresh.patientIds.length);
  if (aging) figures.ar_over_90_share = percent(aging.over90, aging.totalAr, { onZero: null });
  if (acceptance) {
    const row = [...acceptance.practices.entries()].find(([id]) => id === practice.id)?.[1];
    notes.push(...acceptance.warnings);
    figures.case_acceptance = row?.acceptance_rate_pct ?? null;
    if (!row)
      notes.push(`Case acceptance: the DSO report for ${range.from} to ${range.to} has no row for this practice.`);
  }
  return figures;
}

function appointmentFigures(appointments: readonly Appointment[], range: DateRange, zone: string): Figures {
  if (appointments.length === 0) return {};
  const dated = appointments
    .filter((a) => a.date_time)
    .map((a) => ({
      a,
      at: parseInstantMs(a.date_time as string, zone),
      day: instantToLocalDate(a.date_time as string, zone),
    }));
  const inRange = dated.filter((x) => x.day >= range.from && x.day <= range.to);
  const cancelled = inRange.filter((x) => x.a.status === 'cancelled').length;
  const broken = inRange.filter((x) => x.a.status === 'broken').length;
  const isHygiene = (a: Appointment) =>
    (a.scheduled_procedures ?? []).some((p) => (HYGIENE_CODES as readonly string[]).includes(p.proc_code ?? ''));
  // Each patient's last completed hygiene visit in the period; reappointed when a later hygiene
  // appointment stands in the book.
  const lastVisit = new Map<string, number>();
  for (const x of inRange) {
    if (!x.a.patient || (x.a.status !== 'complete' && x.a.status !== 'ready_for_walkout') || !isHygiene(x.a)) continue;
    lastVisit.set(x.a.patient, Math.max(lastVisit.get(x.a.patient) ?? 0, x.at));
  }
  let reappointed = 0;
  for (const [patient, at] of lastVisit) {
    if (dated.some((x) => x.a.patient === patient && x.at > at && STANDING.has(x.a.status ?? '') && isHygiene(x.a))) {
      reappointed += 1;
    }
  }
  return {
    no_show_rate: percent(broken, inRange.length - cancelled, { onZero: null }),
    cancellation_rate: percent(cancelled, inRange.length, { onZero: null }),
    hygiene_reappointment: percent(reappointed, lastVisit.size, { onZero: null }),
  };
}

function answeredFor<T>(
  answer: T | null,
  answered: DateRange | undefined,
  asked: DateRange,
  what: string,
  notes: string[],
): T | null {
  if (answer === null || answered === undefined) return answer;
  if (answered.from === asked.from && answered.to === asked.to) return answer;
  notes.push(
    `${what}: Escape Dental answered for ${answered.from} to ${answered.to} instead of ${asked.from} to ${asked.to}; those figures are left out.`,
  );
  return null;
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0]?.slice(0, 200) ?? 'error') : 'error';
}

const UNIT_TEXT: Record<string, (v: string) => string> = {
  dollars: (v) => `$${v}`,
  dollars_per_hour: (v) => `$${v}/h`,
  percent: (v) => `${v} %`,
  count: (v) => v,
};

function summarize(output: Output): string {
  const lines = [
    `KPI scorecard for ${shownPlace(output.practice)}, ${output.period.from} to ${output.period.to} (${output.timezone}); previous ${output.previous_period.from} to ${output.previous_period.to}.`,
  ];
  for (const k of output.kpis) {
    const show = UNIT_TEXT[k.unit] ?? ((v: string) => v);
    const goal = k.goal ? `; goal ${show(k.goal.value)} (${k.goal.basis}): ${k.status === 'off' ? 'OFF' : 'on'}` : '';
    const formula = kpiDefinition(k.key as KpiKey).formula ?? 'formula in kpi-definitions';
    const how = k.computed_by === 'ours' ? `ours, ${formula}` : 'as reported by Escape';
    lines.push(
      `- ${k.name}: ${k.value === null ? 'n/a' : show(k.value)} (previous ${k.previous === null ? 'n/a' : show(k.previous)}${goal}) — ${how}.`,
    );
  }
  const off = output.kpis.filter((k) => k.status === 'off').map((k) => k.name);
  lines.push(off.length ? `Off goal: ${off.join(', ')}.` : 'No KPI with a goal is off it.');
  for (const note of output.notes) lines.push(`Note: ${note}`);
  return lines.join('\n');
}
