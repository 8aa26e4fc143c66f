/**
 * day_brief — the morning huddle for one practice-local day: the schedule by provider with its
 * open gaps, then one row per visit that needs something (confirmation, insurance verification,
 * a balance, a first visit, a medical alert), and scheduled production against the daily goal.
 * Built from the day sheet (L656), the route slip of each visit (L504), the patient's balance,
 * the primary enrollment's verifications (L3775), the practice's goal (L6459) and the production
 * report; the per-visit reads fan out through mapBounded.
 */
import type Big from 'big.js';
import { z } from 'zod';
import type { Appointment } from '../../api/port.js';
import type { RouteSlip } from '../../api/resources/worklists.js';
import { addDays, parseInstantMs, todayIn, toPracticeInstant } from '../../domain/dates.js';
import { shownName, shownPlace } from '../../domain/free-text.js';
import { formatMoney, parseMoneyOrNull, percent, sumMoney } from '../../domain/money.js';
import { pageOf } from '../framework/cursor.js';
import { mapBounded } from '../framework/fan-out.js';
import { checkedDate, localDateArgument, operatoryName, providerName } from '../framework/shared.js';
import type { ToolContext, ToolDefinition } from '../framework/types.js';

/** Statuses the day sheet hides by default (L679): released time, not visits. */
const NOT_VISITS = new Set(['cancelled', 'broken', 'unscheduled', 'planned', 'note', 'other']);
const CONFIRMED = new Set(['confirmed', 'econfirmed']);
const MIN_GAP_MINUTES = 30;
const MINUTE_MS = 60_000;

const FLAGS = ['unconfirmed', 'insurance_unverified', 'balance_due', 'first_visit', 'medical_alert'] as const;
type Flag = (typeof FLAGS)[number];

const inputSchema = z.object({
  date: localDateArgument('Day, YYYY-MM-DD in practice time. Default today.').optional(),
  insurance_days: z
    .number()
    .int()
    .min(1)
    .max(365)
    .default(30)
    .describe('A primary plan counts as verified when verified within this many days before the visit.'),
  limit: z.number().int().min(1).max(60).default(15).describe('Attention rows per answer.'),
  cursor: z.string().max(10).optional().describe('next_cursor of the previous answer, for more rows.'),
});

const outputSchema = z.object({
  practice: z.string(),
  date: z.string(),
  visits: z.number(),
  schedule: z.array(
    z.object({
      provider: z.string(),
      provider_id: z.string(),
      chairs: z.array(z.string()),
      visits: z.number(),
      booked_minutes: z.number(),
      open_gaps: z.array(
        z.object({
          start: z.string(),
          end: z.string(),
          minutes: z.number(),
          chair: z.string(),
          operatory_id: z.string(),
        }),
      ),
    }),
  ),
  counts: z.record(z.string(), z.number()),
  rows: z.array(
    z.object({
      time: z.string(),
      appointment_id: z.string(),
      patient_id: z.string(),
      patient: z.string(),
      provider: z.string(),
      flags: z.array(z.enum(FLAGS)),
      reason: z.string(),
      phone: z.string().optional(),
      balance: z.string().optional(),
    }),
  ),
  next_cursor: z.string().optional(),
  production: z.object({
    scheduled: z.string(),
    daily_goal: z.string().nullable(),
    pct_of_goal: z.string().nullable(),
    yesterday: z.object({ date: z.string(), production: z.string(), collections: z.string() }),
  }),
  definitions: z.string(),
  notes: z.array(z.string()),
});

type Output = z.infer<typeof outputSchema>;
type Row = Output['rows'][number];

interface Block {
  startMs: number;
  endMs: number;
  type: string;
  status: string;
  provider: string | null;
  operatory: string | null;
}

interface Visit {
  appointment: Appointment;
  startMs: number;
  endMs: number;
}

interface VisitFacts {
  slip: RouteSlip | undefined;
  balance: Big | null;
  /** undefined: uninsured; null: insured and verified in time; else why not. */
  unverified: string | null | undefined;
}

export const dayBrief: ToolDefinition<typeof inputSchema, typeof outputSchema> = {
  name: 'day_brief',
  toolset: 'worklists',
  title: 'Day brief (morning huddle)',
  description:
    "Morning huddle for a day (default today): each provider's open gaps of 30+ min, visits needing action (unconfirmed, primary insurance unverified within insurance_days, balance due, first visit, medical-alert flag), scheduled production vs daily goal.",
  inputSchema,
  outputSchema,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  requiredScopes: ['scheduling:read', 'patients:read', 'insurance:read', 'reports:read'],
  writes: false,
  operations: [
    'billing.production',
    'insurance.patientInsurance',
    'operatories.list',
    'patients.retrieve',
    'providers.list',
    'scheduling.daySheet',
    'worklists.routeSlip',
    'worklists.verifications',
  ],
  example: {
    question: "What's on for today's huddle?",
    answer:
      'Day brief for Sunset Smiles Dental, 2026-12-07: 26 visits.\nScheduled production $5490.00 against a daily goal of $4928.00 (111%); yesterday (2026-12-06) $895.00 produced, $10690.00 collected.\nOpen gaps of 30+ minutes: Priya Patel 15:00–15:45 (45 min, Hygiene 1); …\nNeeds attention: 7 unconfirmed, 9 insurance unverified, 6 with a balance due, 2 first visits, 2 medical alerts.\n- 08:00 Ingleby, Harper with Priya Patel: Collect the balance of $645.00.\n- 08:00 Castellano, William with Dr. Maya Chen: Call to confirm. …',
  },
  async handler(context, args) {
    const zone = context.practice.timezone;
    const practiceId = context.practice.id;
    const date = checkedDate(args.date, 'date') ?? todayIn(zone, context.now());
    const yesterday = addDays(date, -1);
    const options = { signal: context.signal };
    const api = context.api;

    const [practice, sheet, appointments, providers, operatories, today, previous] = await Promise.all([
      api.practices.retrieve(practiceId, options),
      api.scheduling.daySheet(practiceId, date, {}, options),
      api.scheduling.appointmentsOnDay(practiceId, date, options),
      api.reference.providers(practiceId, options),
      api.reference.operatories(practiceId, options),
      api.billing.productionReport(practiceId, { range: { from: date, to: date } }, options),
      api.billing.productionReport(practiceId, { range: { from: yesterday, to: yesterday } }, options),
    ]);
    const notes = [...today.warnings, ...previous.warnings];

    const visits: Visit[] = appointments
      .filter((a) => !NOT_VISITS.has(a.status ?? ''))
      .map((appointment) => {
        const startMs = parseInstantMs(appointment.date_time as string, zone);
        return { appointment, startMs, endMs: startMs + (appointment.duration_minutes ?? 0) * MINUTE_MS };
      })
      .sort((a, b) => a.startMs - b.startMs || a.appointment.id.localeCompare(b.appointment.id));

    const facts = await mapBounded(context, visits, (visit) => readFacts(context, visit, date, args.insurance_days), {
      label: 'visits checked',
    });

    const providerById = new Map(providers.map((p) => [p.id, p]));
    const chairById = new Map(operatories.map((o) => [o.id, o]));
    const providerLabel = (id: string | null | undefined) => {
      const provider = id ? providerById.get(id) : undefined;
      return provider ? (shownName(providerName(provider)) ?? provider.id) : (id ?? 'no provider');
    };
    const chairLabel = (id: string | null | undefined) => {
      const chair = id ? chairById.get(id) : undefined;
      return chair ? (shownPlace(operatoryName(chair)) ?? chair.id) : (id ?? 'no chair');
    };

    const rows: Row[] = [];
    const counts: Record<Flag, number> = {
      unconfirmed: 0,
      insurance_unverified: 0,
      balance_due: 0,
      first_visit: 0,
      medical_alert: 0,
    };
    let unreadSlips = 0;
    visits.forEach((visit, index) => {
      const a = visit.appointment;
      const fact = facts[index] as VisitFacts;
      if (!fact.slip) unreadSlips += 1;
      const flags: Flag[] = [];
      const actions: string[] = [];
      if (!CONFIRMED.has(a.confirmed_status ?? '')) {
        flags.push('unconfirmed');
        actions.push(fact.slip?.phone ? 'call to confirm' : 'confirm the visit (no phone on file)');
      }
      if (typeof fact.unverified === 'string') {
        flags.push('insurance_unverified');
        actions.push(`verify primary insurance (${fact.unverified})`);
      }
      if (fact.balance?.gt(0)) {
        flags.push('balance_due');
        actions.push(`collect the balance of $${formatMoney(fact.balance)}`);
      }
      if ((a as { is_new_patient?: unknown }).is_new_patient === true) {
        flags.push('first_visit');
        actions.push('first visit: new-patient forms and an early arrival');
      }
      if (fact.slip?.hasMedicalAlert) {
        flags.push('medical_alert');
        actions.push('medical alert on file: have the provider review it before seating');
      }
      for (const flag of flags) counts[flag] += 1;
      if (flags.length === 0) return;
      rows.push({
        time: toPracticeInstant(visit.startMs, zone).localTime,
        appointment_id: a.id,
        patient_id: a.patient ?? '',
        patient: shownName(a.patient_name) ?? 'patient',
        provider: providerLabel(a.provider),
        flags,
        reason: `${capitalize(actions.join('; '))}.`,
        ...(flags.includes('unconfirmed') && fact.slip?.phone ? { phone: fact.slip.phone } : {}),
        ...(flags.includes('balance_due') && fact.balance ? { balance: formatMoney(fact.balance) } : {}),
      });
      context.notePatient(a.patient ?? '');
      context.noteAppointment(a.id);
    });
    if (unreadSlips > 0) {
      notes.push(
        `${unreadSlips} visit${unreadSlips === 1 ? '' : 's'}' route slip could not be matched to the visit, so medical-alert flags and phones are missing there.`,
      );
    }
    const { page, nextCursor, pastEnd } = pageOf(rows, args.limit, args.cursor);
    if (pastEnd) notes.push(pastEnd);

    const schedule = scheduleByProvider(sheet.blocks ?? [], visits, zone, date, context.now().getTime()).map((s) => ({
      provider: providerLabel(s.providerId),
      provider_id: s.providerId,
      chairs: s.chairs.map(chairLabel),
      visits: s.visits,
      booked_minutes: s.bookedMinutes,
      open_gaps: s.gaps.map((g) => ({
        start: toPracticeInstant(g.startMs, zone).localTime,
        end: toPracticeInstant(g.endMs, zone).localTime,
        minutes: Math.round((g.endMs - g.startMs) / MINUTE_MS),
        chair: chairLabel(g.operatory),
        operatory_id: g.operatory ?? '',
      })),
    }));

    const goal = parseMoneyOrNull((practice as { production_goal_daily?: unknown }).production_goal_daily);
    const scheduled = sumMoney(today.byProvider.map((p) => p.scheduledProduction));
    if (today.range.from !== date || today.range.to !== date || previous.range.from !== yesterday) {
      notes.push('Escape Dental answered the production report for another day than asked; figures are as sent.');
    }
    const structured: Output = {
      practice: shownPlace(context.practice.name) ?? context.practice.id,
      date,
      visits: visits.length,
      schedule,
      counts,
      rows: page,
      ...(nextCursor ? { next_cursor: nextCursor } : {}),
      production: {
        scheduled: formatMoney(scheduled),
        daily_goal: goal === null ? null : formatMoney(goal),
        pct_of_goal: goal === null || goal.eq(0) ? null : percent(scheduled, goal, { dp: 0 }),
        yesterday: {
          date: yesterday,
          production: formatMoney(previous.summary.totalProduction),
          collections: formatMoney(previous.summary.totalCollections),
        },
      },
      definitions: `Unconfirmed: confirmed_status is not confirmed or econfirmed. Insurance unverified: the primary plan (ordinal 1) has no verification within ${args.insurance_days} days before the visit. Balance due: the patient's current balance is above zero (credits are not due). Scheduled production: the production report's scheduled production for the day.`,
      notes,
    };
    return { structured, summary: describe(structured, rows.length) };
  },
};

async function readFacts(context: ToolContext, visit: Visit, date: string, days: number): Promise<VisitFacts> {
  const a = visit.appointment;
  const options = { signal: context.signal };
  const practiceId = context.practice.id;
  const patientId = a.patient ?? '';
  if (!patientId) return { slip: undefined, balance: null, unverified: undefined };
  const [slip, patient] = await Promise.all([
    context.api.worklists.routeSlip(practiceId, a.id, options),
    context.api.patients.retrieve(practiceId, patientId, options),
  ]);
  const balance = parseMoneyOrNull(patient.balance_current);
  if (!slip?.insured) return { slip, balance, unverified: undefined };
  const enrollments = await context.api.insurance.patientInsurance(practiceId, { patientId }, options);
  const primary = [...enrollments].sort((x, y) => (x.ordinal ?? 99) - (y.ordinal ?? 99))[0];
  const planId = (primary as { insurance_plan?: unknown } | undefined)?.insurance_plan;
  const carrier = shownPlace(primary?.carrier_name ?? primary?.carrier_detail?.name) ?? 'primary plan';
  if (typeof planId !== 'string' || planId === '') {
    return { slip, balance, unverified: `${carrier}: no plan on file to verify against` };
  }
  const found = await context.api.worklists.verifications(
    practiceId,
    { patientId, range: { from: addDays(date, -days), to: date } },
    options,
  );
  const ofPrimary = found.rows.filter((v) => v.insurancePlanId === planId);
  if (ofPrimary.length > 0) return { slip, balance, unverified: null };
  return { slip, balance, unverified: `${carrier}: not verified in the last ${days} days` };
}

interface ProviderDay {
  providerId: string;
  chairs: string[];
  visits: number;
  bookedMinutes: number;
  gaps: { startMs: number; endMs: number; operatory: string | null }[];
}

type Span = [number, number];

function subtract(spans: Span[], cut: Span): Span[] {
  return spans.flatMap(([s, e]): Span[] => {
    if (cut[1] <= s || cut[0] >= e) return [[s, e]];
    return [
      [s, Math.max(s, cut[0])],
      [Math.min(e, cut[1]), e],
    ].filter(([a, b]) => (b as number) > (a as number)) as Span[];
  });
}

/**
 * Each provider's working blocks of the day sheet, less blockouts, closures, their own visits and
 * the block chair's other visits: what is left, 30 minutes or longer (and not yet past, today).
 */
function scheduleByProvider(
  rawBlocks: readonly unknown[],
  visits: readonly Visit[],
  zone: string,
  date: string,
  nowMs: number,
): ProviderDay[] {
  const blocks = rawBlocks.flatMap((raw): Block[] => {
    const b = raw as Record<string, unknown>;
    if (typeof b.start !== 'string' || typeof b.end !== 'string') return [];
    try {
      return [
        {
          startMs: parseInstantMs(b.start, zone),
          endMs: parseInstantMs(b.end, zone),
          type: String(b.schedule_type ?? ''),
          status: String(b.status ?? ''),
          provider: typeof b.provider === 'string' ? b.provider : null,
          operatory: typeof b.operatory === 'string' ? b.operatory : null,
        },
      ];
    } catch {
      return [];
    }
  });
  const closed = blocks.some((b) => b.type !== 'blockout' && b.provider === null && b.status !== 'open');
  const byProvider = new Map<string, ProviderDay>();
  const day = (id: string) => {
    let entry = byProvider.get(id);
    if (!entry) {
      entry = { providerId: id, chairs: [], visits: 0, bookedMinutes: 0, gaps: [] };
      byProvider.set(id, entry);
    }
    return entry;
  };
  for (const visit of visits) {
    const a = visit.appointment;
    const id = a.provider_hygienist || a.provider;
    if (!id) continue;
    const entry = day(id);
    entry.visits += 1;
    entry.bookedMinutes += a.duration_minutes ?? 0;
    if (a.operatory && !entry.chairs.includes(a.operatory)) entry.chairs.push(a.operatory);
  }
  const floor = todayIn(zone, nowMs) === date ? nowMs : Number.NEGATIVE_INFINITY;
  for (const block of blocks) {
    if (closed || block.type !== 'provider' || block.status !== 'open' || !block.provider) continue;
    const entry = day(block.provider);
    if (block.operatory && !entry.chairs.includes(block.operatory)) entry.chairs.push(block.operatory);
    let free: Span[] = [[Math.max(block.startMs, floor), block.endMs]];
    for (const other of blocks) {
      const applies =
        other.type === 'blockout' &&
        (other.provider === null || other.provider === block.provider) &&
        (other.operatory === null || other.operatory === block.operatory);
      if (applies) free = subtract(free, [other.startMs, other.endMs]);
    }
    for (const visit of visits) {
      const a = visit.appointment;
      const mine = a.provider === block.provider || a.provider_hygienist === block.provider;
      const chair = block.operatory !== null && a.operatory === block.operatory;
      if (mine || chair) free = subtract(free, [visit.startMs, visit.endMs]);
    }
    for (const [startMs, endMs] of free) {
      if (endMs - startMs >= MIN_GAP_MINUTES * MINUTE_MS)
        entry.gaps.push({ startMs, endMs, operatory: block.operatory });
    }
  }
  for (const entry of byProvider.values()) entry.gaps.sort((x, y) => x.startMs - y.startMs);
  return [...byProvider.values()].sort((x, y) => x.providerId.localeCompare(y.providerId));
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function describe(out: Output, totalRows: number): string {
  const lines = [`Day brief for ${out.practice}, ${out.date}: ${out.visits} visits.`];
  const p = out.production;
  lines.push(
    `Scheduled production $${p.scheduled}${p.daily_goal ? ` against a daily goal of $${p.daily_goal} (${p.pct_of_goal}%)` : ' (no daily goal set)'}; yesterday (${p.yesterday.date}) $${p.yesterday.production} produced, $${p.yesterday.collections} collected.`,
  );
  const gaps = out.schedule.flatMap((s) =>
    s.open_gaps.map((g) => `${s.provider} ${g.start}–${g.end} (${g.minutes} min, ${g.chair})`),
  );
  lines.push(gaps.length ? `Open gaps of 30+ minutes: ${gaps.join('; ')}.` : 'No open gaps of 30 minutes or more.');
  const c = out.counts;
  lines.push(
    `Needs attention: ${c.unconfirmed} unconfirmed, ${c.insurance_unverified} insurance unverified, ${c.balance_due} with a balance due, ${c.first_visit} first visits, ${c.medical_alert} medical alerts.`,
  );
  for (const row of out.rows) lines.push(`- ${row.time} ${row.patient} with ${row.provider}: ${row.reason}`);
  if (out.next_cursor)
    lines.push(`${totalRows - Number(out.next_cursor)} more rows: call again with cursor ${out.next_cursor}.`);
  lines.push(...out.notes);
  return lines.join('\n');
}
