/**
 * missed_visits — no-show and cancellation recovery over a period of practice-local dates: the
 * broken (no-show, L11) and cancelled visits whose patient is not back on the books, each with its
 * notice and the patient's no-show count, and the recapture rate with its definition. No-shows come
 * from the appointment list's no_show_between shortcut and its annotations (L15–L21), cancellations
 * from the cancellations report with its rebook annotations (L980); whether a no-show was rebooked
 * is read from the patient's own appointments (the no-show list carries no rebook annotation).
 */
import { z } from 'zod';
import type { Appointment } from '../../api/port.js';
import type { Cancellation, NoShow } from '../../api/resources/worklists.js';
import { addDays, diffDays, instantToLocalDate, parseInstantMs, todayIn } from '../../domain/dates.js';
import { quoted, shownName, shownPlace } from '../../domain/free-text.js';
import { percent } from '../../domain/money.js';
import { reachPhone } from '../../domain/names.js';
import { pageOf } from '../framework/cursor.js';
import { ToolInputError } from '../framework/errors.js';
import { mapBounded } from '../framework/fan-out.js';
import { checkedDate, localDateArgument } from '../framework/shared.js';
import type { ToolContext, ToolDefinition } from '../framework/types.js';

const DEFAULT_DAYS = 30;
const MAX_SPAN_DAYS = 366;
/** How far back a cancelled patient's no-shows are counted, and how far ahead a rebooked visit is looked for. */
const HISTORY_DAYS = 3650;
const AHEAD_DAYS = 730;
/** A later visit in one of these statuses puts the patient back on the books. */
const BOOKED = new Set(['scheduled', 'arrived', 'seated', 'ready_for_doctor', 'ready_for_walkout', 'complete']);

const ORDER =
  "Visits already missed first (no-shows and cancelled visits dated today or earlier, newest first), then cancelled visits still ahead (soonest first). A cancellation is in the period when it was made, whatever the visit's date.";

const RECAPTURE_DEFINITION =
  'Recapture rate = no-shows (broken visits) in the period whose patient has a later visit booked (scheduled, in progress or complete; not cancelled or broken) ÷ all no-shows in the period.';

const inputSchema = z.object({
  start_date: localDateArgument('First date of the period, YYYY-MM-DD. Default 30 days before end_date.').optional(),
  end_date: localDateArgument('Last date of the period, YYYY-MM-DD. Default today.').optional(),
  limit: z.number().int().min(1).max(100).default(15).describe('Rows per answer.'),
  cursor: z.string().max(10).optional().describe('next_cursor of the previous answer, for more rows.'),
});

const outputSchema = z.object({
  practice: z.string(),
  period: z.object({ from: z.string(), to: z.string() }),
  order: z.string(),
  rows: z.array(
    z.object({
      kind: z.enum(['no_show', 'cancelled']),
      appointment_id: z.string(),
      patient_id: z.string(),
      patient: z.string(),
      visit_date: z.string(),
      visit: z.string().optional(),
      lead_time_hours: z.string().optional(),
      no_show_count: z.number().nullable(),
      phone: z.string().optional(),
      reason: z.string(),
    }),
  ),
  next_cursor: z.string().optional(),
  totals: z.object({
    no_shows: z.number(),
    no_shows_rebooked: z.number(),
    cancelled: z.number(),
    cancelled_rebooked: z.number(),
    not_rebooked: z.number(),
  }),
  recapture_rate_pct: z.string().nullable(),
  definition: z.string(),
  notes: z.array(z.string()),
});

type Output = z.infer<typeof outputSchema>;
type Row = Output['rows'][number];

interface PatientHistory {
  appointments: Appointment[];
  complete: boolean;
  phone: string | null;
}

export const missedVisits: ToolDefinition<typeof inputSchema, typeof outputSchema> = {
  name: 'missed_visits',
  toolset: 'worklists',
  title: 'Missed visits (no-show and cancellation recovery)',
  description:
    "No-shows and cancellations in a period (default the last 30 days) not rebooked: missed visits newest first, then cancelled visits still ahead, soonest first; with notice given, the patient's no-show count, and the recapture rate with its definition.",
  inputSchema,
  outputSchema,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  requiredScopes: ['scheduling:read', 'patients:read'],
  writes: false,
  operations: ['patients.retrieve', 'scheduling.appointmentList', 'worklists.cancellations'],
  example: {
    question: "Which no-shows and cancellations haven't rebooked this month?",
    answer:
      'Missed visits at Sunset Smiles Dental, 2026-11-07 to 2026-12-06: 74 no-shows (17 rebooked), 120 cancellations (18 rebooked); 159 patients to call back.\nRecapture rate 23.0% (no-shows in the period whose patient has a later visit booked ÷ all no-shows in the period).\nOrder: visits already missed first (no-shows and cancelled visits dated today or earlier, newest first), then cancelled visits still ahead (soonest first).\n- …',
  },
  async handler(context, args) {
    const zone = context.practice.timezone;
    const practiceId = context.practice.id;
    const today = todayIn(zone, context.now());
    const to = checkedDate(args.end_date, 'end_date') ?? today;
    const from = checkedDate(args.start_date, 'start_date') ?? addDays(to, -(DEFAULT_DAYS - 1));
    if (to < from) throw new ToolInputError(`end_date ${to} is before start_date ${from}.`);
    if (diffDays(from, to) + 1 > MAX_SPAN_DAYS) {
      throw new ToolInputError(
        `The period covers ${diffDays(from, to) + 1} days; at most ${MAX_SPAN_DAYS} are allowed.`,
      );
    }
    const options = { signal: context.signal };
    const range = { from, to };

    const [noShows, cancellations] = await Promise.all([
      context.api.worklists.noShows(practiceId, range, options),
      context.api.worklists.cancellations(practiceId, range, options),
    ]);
    const notes: string[] = [];
    if (!noShows.complete || !cancellations.complete) {
      notes.push(
        'Partial result: Escape Dental did not send every missed visit of the period; counts cover those read.',
      );
    }

    // One history per patient: for a no-show, whether a later visit is booked; for a cancellation
    // not rebooked, the patient's no-shows and phone (the report carries neither).
    const unrebookedCancellations = cancellations.rows.filter((c) => c.rebooked !== true);
    const patients = [
      ...new Set([...noShows.rows.map((n) => n.patient), ...unrebookedCancellations.map((c) => c.patient_id)]),
    ];
    const histories = new Map(
      (
        await mapBounded(
          context,
          patients,
          async (patientId) =>
            [patientId, await readHistory(context, patientId, today, unrebookedCancellations)] as const,
          { label: 'patients checked' },
        )
      ).map(([id, history]) => [id, history]),
    );
    if ([...histories.values()].some((h) => !h.complete)) {
      notes.push(
        "Partial result: some patients' appointments could not be read whole; a rebooked visit may be missing.",
      );
    }

    const rows: Row[] = [];
    let noShowsRebooked = 0;
    for (const n of noShows.rows) {
      const startMs = parseInstantMs(n.date_time, zone);
      const history = histories.get(n.patient);
      const later = history?.appointments.some(
        (a) => a.id !== n.id && BOOKED.has(a.status ?? '') && parseInstantMs(a.date_time ?? '', zone) > startMs,
      );
      if (later) {
        noShowsRebooked += 1;
        continue;
      }
      rows.push(noShowRow(n, zone));
    }
    for (const c of unrebookedCancellations) rows.push(cancellationRow(c, zone, today, histories.get(c.patient_id)));
    rows.sort((a, b) => byUrgency(a, b, today));
    for (const row of rows) context.notePatient(row.patient_id);

    const { page, nextCursor, pastEnd } = pageOf(rows, args.limit, args.cursor);
    if (pastEnd) notes.push(pastEnd);
    const structured: Output = {
      practice: shownPlace(context.practice.name) ?? context.practice.id,
      period: range,
      order: ORDER,
      rows: page,
      ...(nextCursor ? { next_cursor: nextCursor } : {}),
      totals: {
        no_shows: noShows.rows.length,
        no_shows_rebooked: noShowsRebooked,
        cancelled: cancellations.rows.length,
        cancelled_rebooked: cancellations.rows.length - unrebookedCancellations.length,
        not_rebooked: rows.length,
      },
      recapture_rate_pct: noShows.rows.length === 0 ? null : percent(noShowsRebooked, noShows.rows.length, { dp: 1 }),
      definition: `${RECAPTURE_DEFINITION} A cancellation counts as rebooked as Escape Dental's cancellations report says (another visit booked at or after the cancellation). Lead time: hours of notice between the cancellation and the visit.`,
      notes,
    };
    return { structured, summary: describe(structured) };
  },
};

async function readHistory(
  context: ToolContext,
  patientId: string,
  today: string,
  unrebookedCancellations: readonly Cancellation[],
): Promise<PatientHistory> {
  const options = { signal: context.signal };
  const listed = await context.api.scheduling.listAppointments(
    context.practice.id,
    { patientId, range: { from: addDays(today, -HISTORY_DAYS), to: addDays(today, AHEAD_DAYS) }, limit: 2000 },
    options,
  );
  let phone: string | null = null;
  if (unrebookedCancellations.some((c) => c.patient_id === patientId)) {
    const patient = await context.api.patients.retrieve(context.practice.id, patientId, options);
    phone = reachPhone(patient) ?? null;
  }
  return { appointments: listed.appointments, complete: !listed.truncated, phone };
}

function noShowRow(n: NoShow, zone: string): Row {
  const count = n.patient_no_show_count ?? null;
  const visitDate = instantToLocalDate(parseInstantMs(n.date_time, zone), zone);
  const repeat = count !== null && count > 1 ? ` (${count} no-shows on record)` : '';
  return {
    kind: 'no_show',
    appointment_id: n.id,
    patient_id: n.patient,
    patient: shownName(n.patient_name) ?? 'patient',
    visit_date: visitDate,
    ...visitOf(n.appointment_type),
    no_show_count: count,
    ...(n.patient_phone ? { phone: n.patient_phone } : {}),
    reason: `No-show on ${visitDate}${repeat}, nothing booked since: call to rebook.`,
  };
}

/**
 * The cancellations report windows on the cancellation, not the visit (L980), so a row can be a visit
 * months ahead: not missed yet, and the least urgent call. Missed visits lead, the freshest first.
 */
function byUrgency(a: Row, b: Row, today: string): number {
  const aAhead = a.visit_date > today;
  const bAhead = b.visit_date > today;
  if (aAhead !== bAhead) return aAhead ? 1 : -1;
  const byDate = aAhead ? a.visit_date.localeCompare(b.visit_date) : b.visit_date.localeCompare(a.visit_date);
  return byDate || a.appointment_id.localeCompare(b.appointment_id);
}

function cancellationRow(c: Cancellation, zone: string, today: string, history: PatientHistory | undefined): Row {
  const visitDate = c.scheduled_start
    ? instantToLocalDate(parseInstantMs(c.scheduled_start, zone), zone)
    : instantToLocalDate(parseInstantMs(c.cancelled_at, zone), zone);
  const count = history ? history.appointments.filter((a) => a.status === 'broken').length : null;
  const lead = c.lead_time_hours === null || c.lead_time_hours === undefined ? undefined : String(c.lead_time_hours);
  const notice = lead === undefined ? '' : Number(lead) < 24 ? ` with ${lead} h notice` : ` ${lead} h ahead`;
  return {
    kind: 'cancelled',
    appointment_id: c.id,
    patient_id: c.patient_id,
    patient: shownName(c.patient_name) ?? 'patient',
    visit_date: visitDate,
    ...visitOf(c.procedure_description),
    ...(lead === undefined ? {} : { lead_time_hours: lead }),
    no_show_count: count,
    ...(history?.phone ? { phone: history.phone } : {}),
    reason: `Cancelled the ${visitDate} visit${notice}${visitDate > today ? ' (still ahead)' : ''}, not rebooked: call to rebook.`,
  };
}

function visitOf(text: string | null | undefined): { visit?: string } {
  const shown = quoted('', text, 60);
  return shown ? { visit: shown } : {};
}

function describe(out: Output): string {
  const t = out.totals;
  const lines = [
    `Missed visits at ${out.practice}, ${out.period.from} to ${out.period.to}: ${t.no_shows} no-shows (${t.no_shows_rebooked} rebooked), ${t.cancelled} cancellations (${t.cancelled_rebooked} rebooked); ${t.not_rebooked} patients to call back.`,
    out.recapture_rate_pct === null
      ? 'Recapture rate: no no-shows in the period.'
      : `Recapture rate ${out.recapture_rate_pct}%.`,
    RECAPTURE_DEFINITION,
    `Order: ${out.order}`,
  ];
  for (const row of out.rows)
    lines.push(`- ${row.visit_date} ${row.patient}${row.visit ? ` ${row.visit}` : ''}: ${row.reason}`);
  if (out.next_cursor)
    lines.push(`${t.not_rebooked - Number(out.next_cursor)} more rows: call again with cursor ${out.next_cursor}.`);
  lines.push(...out.notes);
  return lines.join('\n');
}
