/**
 * fill_opening — who to offer an open time to. Candidates come from planned appointments
 * (treatment-plan visits not yet on the book), unscheduled, broken and cancelled visits of the
 * last lookback_days not rebooked, and overdue recalls with no future visit (the recall list's
 * has_future_appointment, then the patient's own appointments). Each candidate is checked against
 * the patient's appointments (nothing booked ahead), the SMS consent (L18703: no row = opted in)
 * and the communication log, then scored by the fixed formula in SCORING. Booking stays with
 * book_appointment: each candidate carries the arguments to pass it.
 */
import { z } from 'zod';
import type { Appointment, Operatory, Provider } from '../../api/port.js';
import {
  addDays,
  diffDays,
  instantToLocalDate,
  parseInstantMs,
  todayIn,
  toPracticeInstant,
} from '../../domain/dates.js';
import { quoted, shownName, shownPlace } from '../../domain/free-text.js';
import { ToolInputError } from '../framework/errors.js';
import { mapBounded } from '../framework/fan-out.js';
import { operatoryName, providerName, resolveOperatories, resolveProviders } from '../framework/shared.js';
import type { ToolContext, ToolDefinition } from '../framework/types.js';
import { parseStart } from '../framework/writes/index.js';

/** The ranking, in words: the same text goes into every answer. */
const SCORING =
  'Only candidates whose visit fits the opening are ranked. Score (0–105): +30 if the visit is of the opening’s kind (hygiene visit for a hygienist or hygiene chair, else a doctor visit); up to +30 for waiting (a recall: days overdue ÷ 365 × 30; a planned treatment visit, or one broken, cancelled or unscheduled in the lookback: +30); +15 if the patient can be texted (no SMS opt-out); +20 if not contacted in the last 7 days; up to +10 for filling the opening (visit minutes ÷ opening minutes × 10). Ties: longer wait, then patient id.';
const BOOKED = new Set(['scheduled', 'arrived', 'seated', 'ready_for_doctor', 'ready_for_walkout']);
const DEFAULT_RECALL_MINUTES = 60;
const CONTACT_QUIET_DAYS = 7;
const MAX_EXAMINED = 60;
const MINUTE_MS = 60_000;

const openingSchema = z
  .object({
    start: z.string().max(40).describe('Slot start as find_spot wrote it.'),
    end: z.string().max(40).optional().describe('Slot end.'),
    provider_id: z.string().max(64).optional().describe('Slot provider id.'),
    operatory_id: z.string().max(64).optional().describe('Slot chair id.'),
  })
  .describe('A find_spot slot, passed as it came (instead of start/minutes/provider/operatory).');

const inputSchema = z.object({
  opening: openingSchema.optional(),
  provider: z.string().min(1).max(120).optional().describe('Provider of the opening, by name or id.'),
  operatory: z.string().min(1).max(100).optional().describe('Chair of the opening, by name or id.'),
  start: z.string().min(10).max(40).optional().describe('Opening start, practice time, e.g. "2026-12-10 15:00".'),
  minutes: z.number().int().min(10).max(480).optional().describe('Opening length in minutes.'),
  lookback_days: z
    .number()
    .int()
    .min(1)
    .max(90)
    .default(30)
    .describe('Broken, cancelled and unscheduled visits this recent are candidates.'),
  limit: z.number().int().min(1).max(30).default(8).describe('Candidates to return.'),
});

const outputSchema = z.object({
  practice: z.string(),
  opening: z.object({
    start: z.string(),
    minutes: z.number(),
    kind: z.enum(['hygiene', 'doctor']),
    provider: z.string().optional(),
    provider_id: z.string().optional(),
    operatory: z.string().optional(),
    operatory_id: z.string().optional(),
  }),
  candidates: z.array(
    z.object({
      rank: z.number(),
      score: z.number(),
      source: z.enum(['recall', 'planned', 'unscheduled', 'broken', 'cancelled']),
      patient_id: z.string(),
      patient: z.string(),
      minutes: z.number(),
      visit: z.string().optional(),
      days_waiting: z.number(),
      can_text: z.boolean(),
      last_contact: z.string().nullable(),
      reason: z.string(),
      book_appointment: z.record(z.string(), z.union([z.string(), z.number()])),
    }),
  ),
  left_out: z.object({ too_long: z.number(), already_booked: z.number(), not_examined: z.number() }),
  ranking: z.string(),
  notes: z.array(z.string()),
});

type Output = z.infer<typeof outputSchema>;
type Candidate = Output['candidates'][number];
type Source = Candidate['source'];

interface Opening {
  startMs: number;
  startText: string;
  date: string;
  minutes: number;
  kind: 'hygiene' | 'doctor';
  provider: Provider | undefined;
  operatory: Operatory | undefined;
}

interface Lead {
  source: Source;
  patientId: string;
  patientName: string | null | undefined;
  /** Known for appointment-based leads; a recall's comes from the patient's last hygiene visit. */
  minutes: number | undefined;
  hygiene: boolean;
  daysWaiting: number;
  waitingPoints: number;
  visit: string | null | undefined;
  appointmentId?: string;
  recallId?: string;
}

export const fillOpening: ToolDefinition<typeof inputSchema, typeof outputSchema> = {
  name: 'fill_opening',
  toolset: 'worklists',
  title: 'Fill an opening',
  description:
    'Ranks who to offer an opening (provider/chair, start, minutes, or a find_spot slot): planned, recently missed, overdue-recall patients that fit. Score: same kind 30 + wait ≤30 + textable 15 + no contact in 7 days 20 + fill ≤10. Gives book_appointment args.',
  inputSchema,
  outputSchema,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  requiredScopes: ['scheduling:read', 'patients:read'],
  writes: false,
  operations: [
    'comms.patientCommlogs',
    'comms.smsConsents',
    'operatories.list',
    'operatories.retrieve',
    'providers.list',
    'recalls.list',
    'scheduling.appointmentList',
    'scheduling.daySheet',
    'worklists.cancellations',
  ],
  example: {
    question: "Who can fill Priya's 3 pm opening today?",
    answer:
      "Candidates for the 45-minute hygiene opening at 2026-12-07 15:00 (Priya Patel, Hygiene 1) at Sunset Smiles Dental:\n1. Rosenthal, Sebastian (broken, score 101.7): broken visit 6 days before the opening, not rebooked; 30 min of 45; text or call.\n2. Okonkwo, Avery (recall, score 96.4): recall 301 days overdue, nothing booked; 30 min of 45; text or call.\nTo book one, call book_appointment with the candidate's book_appointment arguments (it confirms with the person first).",
  },
  async handler(context, args) {
    const opening = await resolveOpening(context, args);
    const zone = context.practice.timezone;
    const practiceId = context.practice.id;
    const options = { signal: context.signal };
    const today = todayIn(zone, context.now());
    const since = addDays(today, -(args.lookback_days - 1));
    const recent = { from: since, to: today };

    const [recalls, planned, unscheduled, noShows, cancellations] = await Promise.all([
      context.api.recalls.listRecalls(practiceId, { dueBefore: addDays(opening.date, -1), isDisabled: false }, options),
      context.api.scheduling.listAppointments(
        practiceId,
        { status: 'planned', range: { from: addDays(today, -365), to: addDays(today, 365) }, limit: 2000 },
        options,
      ),
      context.api.scheduling.listAppointments(
        practiceId,
        { status: 'unscheduled', range: recent, limit: 2000 },
        options,
      ),
      context.api.worklists.noShows(practiceId, recent, options),
      context.api.worklists.cancellations(practiceId, recent, options),
    ]);
    const notes: string[] = [];
    if (
      recalls.truncated ||
      planned.truncated ||
      unscheduled.truncated ||
      !noShows.complete ||
      !cancellations.complete
    ) {
      notes.push('Partial result: Escape Dental did not send every candidate list whole; candidates cover those read.');
    }

    const days = (date: string) => Math.max(0, diffDays(date, opening.date));
    const localDate = (iso: string | null | undefined) =>
      iso ? instantToLocalDate(parseInstantMs(iso, zone), zone) : today;
    const leads: Lead[] = [];
    for (const r of recalls.recalls) {
      if (r.has_future_appointment === true || !r.patient || !r.date_due) continue;
      const d = days(r.date_due);
      leads.push({
        source: 'recall',
        patientId: r.patient,
        patientName: r.patient_name,
        minutes: undefined,
        hygiene: true,
        daysWaiting: d,
        waitingPoints: waitingPoints(d),
        visit: `${r.recall_type ?? 'recall'} recall due ${r.date_due}`,
        recallId: r.id,
      });
    }
    const fromAppointment = (a: Appointment, source: Source): Lead | undefined => {
      if (!a.patient) return undefined;
      const d = days(localDate(a.date_time));
      return {
        source,
        patientId: a.patient,
        patientName: a.patient_name,
        minutes: a.duration_minutes ?? undefined,
        hygiene: (a as { is_hygiene?: unknown }).is_hygiene === true,
        daysWaiting: d,
        waitingPoints: 30,
        visit: a.appointment_type,
        appointmentId: a.id,
      };
    };
    for (const a of planned.appointments) push(leads, fromAppointment(a, 'planned'));
    for (const a of unscheduled.appointments) push(leads, fromAppointment(a, 'unscheduled'));
    for (const n of noShows.rows) push(leads, fromAppointment(n as unknown as Appointment, 'broken'));
    for (const c of cancellations.rows) {
      if (c.rebooked === true) continue;
      leads.push({
        source: 'cancelled',
        patientId: c.patient_id,
        patientName: c.patient_name,
        minutes: undefined,
        hygiene: false,
        daysWaiting: days(localDate(c.scheduled_start)),
        waitingPoints: 30,
        visit: c.procedure_description,
        appointmentId: c.id,
      });
    }

    let tooLong = 0;
    const fitting = leads.filter((lead) => {
      const fits = lead.minutes === undefined || lead.minutes <= opening.minutes;
      if (!fits) tooLong += 1;
      return fits;
    });
    // One lead per patient: the one that would score best on what is known now.
    const byPatient = new Map<string, Lead>();
    for (const lead of fitting.sort((a, b) => preScore(b, opening) - preScore(a, opening))) {
      if (!byPatient.has(lead.patientId)) byPatient.set(lead.patientId, lead);
    }
    const ordered = [...byPatient.values()];
    const examined = ordered.slice(0, MAX_EXAMINED);
    const notExamined = ordered.length - examined.length;

    const checked = await mapBounded(context, examined, (lead) => examine(context, lead, today), {
      label: 'candidates checked',
    });
    let alreadyBooked = 0;
    const scored: Candidate[] = [];
    checked.forEach((result, index) => {
      const lead = examined[index] as Lead;
      if (result.booked) {
        alreadyBooked += 1;
        return;
      }
      const minutes = result.minutes;
      if (minutes > opening.minutes) {
        tooLong += 1;
        return;
      }
      const kindMatch = result.hygiene === (opening.kind === 'hygiene');
      const contactedRecently =
        result.lastContactMs !== null &&
        result.lastContactMs > context.now().getTime() - CONTACT_QUIET_DAYS * 86_400_000;
      const score =
        (kindMatch ? 30 : 0) +
        lead.waitingPoints +
        (result.canText ? 15 : 0) +
        (contactedRecently ? 0 : 20) +
        (10 * minutes) / opening.minutes;
      scored.push({
        rank: 0,
        score: Math.round(score * 10) / 10,
        source: lead.source,
        patient_id: lead.patientId,
        patient: shownName(lead.patientName) ?? 'patient',
        minutes,
        ...(lead.visit ? { visit: quoted('', lead.visit, 50) as string } : {}),
        days_waiting: lead.daysWaiting,
        can_text: result.canText,
        last_contact: result.lastContactMs === null ? null : toPracticeInstant(result.lastContactMs, zone).localDate,
        reason: reasonOf(lead, minutes, kindMatch, result.canText, contactedRecently, opening, result.assumedLength),
        book_appointment: bookingArguments(lead.patientId, minutes, opening),
      });
    });
    scored.sort(
      (a, b) => b.score - a.score || b.days_waiting - a.days_waiting || a.patient_id.localeCompare(b.patient_id),
    );
    const top = scored.slice(0, args.limit).map((c, i) => ({ ...c, rank: i + 1 }));
    for (const c of top) context.notePatient(c.patient_id);
    if (notExamined > 0) {
      notes.push(
        `${notExamined} more candidates were not checked (only the ${MAX_EXAMINED} best by kind, wait and length are); they rank lower before SMS and contact are known.`,
      );
    }
    const structured: Output = {
      practice: shownPlace(context.practice.name) ?? context.practice.id,
      opening: {
        start: opening.startText,
        minutes: opening.minutes,
        kind: opening.kind,
        ...(opening.provider
          ? {
              provider: shownName(providerName(opening.provider)) ?? opening.provider.id,
              provider_id: opening.provider.id,
            }
          : {}),
        ...(opening.operatory
          ? {
              operatory: shownPlace(operatoryName(opening.operatory)) ?? opening.operatory.id,
              operatory_id: opening.operatory.id,
            }
          : {}),
      },
      candidates: top,
      left_out: { too_long: tooLong, already_booked: alreadyBooked, not_examined: notExamined },
      ranking: SCORING,
      notes,
    };
    return { structured, summary: describe(structured) };
  },
};

function push(leads: Lead[], lead: Lead | undefined): void {
  if (lead) leads.push(lead);
}

function waitingPoints(days: number): number {
  return (Math.min(days, 365) / 365) * 30;
}

/** The score with what is known before the per-patient reads: SMS and contact assumed at best. */
function preScore(lead: Lead, opening: Opening): number {
  const kindMatch = lead.hygiene === (opening.kind === 'hygiene');
  const minutes = lead.minutes ?? Math.min(DEFAULT_RECALL_MINUTES, opening.minutes);
  return (kindMatch ? 30 : 0) + lead.waitingPoints + 35 + (10 * minutes) / opening.minutes;
}

interface Examined {
  booked: boolean;
  /** The visit's kind: the lead's, or the missed appointment's own when the lead did not carry it. */
  hygiene: boolean;
  minutes: number;
  assumedLength: boolean;
  canText: boolean;
  lastContactMs: number | null;
}

/** The patient's appointments (anything booked ahead? the last hygiene visit's length), SMS consent and last contact. */
async function examine(context: ToolContext, lead: Lead, today: string): Promise<Examined> {
  const practiceId = context.practice.id;
  const options = { signal: context.signal };
  const zone = context.practice.timezone;
  const [history, consent, contacts] = await Promise.all([
    context.api.scheduling.listAppointments(
      practiceId,
      { patientId: lead.patientId, range: { from: addDays(today, -730), to: addDays(today, 730) }, limit: 2000 },
      options,
    ),
    context.api.recalls.smsConsent(practiceId, lead.patientId, options),
    context.api.recalls.patientCommlogs(practiceId, lead.patientId, { since: addDays(today, -365) }, options),
  ]);
  const nowMs = context.now().getTime();
  const booked = history.appointments.some(
    (a) => a.id !== lead.appointmentId && BOOKED.has(a.status ?? '') && parseInstantMs(a.date_time ?? '', zone) > nowMs,
  );
  // A cancellation report row carries neither length nor kind: the appointment itself does.
  const own = lead.appointmentId ? history.appointments.find((a) => a.id === lead.appointmentId) : undefined;
  const hygiene = own ? (own as { is_hygiene?: unknown }).is_hygiene === true : lead.hygiene;
  let minutes = lead.minutes ?? own?.duration_minutes ?? undefined;
  let assumedLength = false;
  if (minutes === undefined) {
    const done = history.appointments
      .filter(
        (a) =>
          a.status === 'complete' && (lead.source !== 'recall' || (a as { is_hygiene?: unknown }).is_hygiene === true),
      )
      .sort((a, b) => parseInstantMs(b.date_time ?? '', zone) - parseInstantMs(a.date_time ?? '', zone));
    minutes = done[0]?.duration_minutes ?? undefined;
    if (minutes === undefined) {
      minutes = DEFAULT_RECALL_MINUTES;
      assumedLength = true;
    }
  }
  const latest = contacts.commlogs.find((c) => typeof c.date_time === 'string');
  return {
    booked,
    hygiene,
    minutes: Math.min(minutes, 480),
    assumedLength,
    canText: consent?.state !== 'opted_out',
    lastContactMs: latest?.date_time ? parseInstantMs(latest.date_time, zone) : null,
  };
}

function reasonOf(
  lead: Lead,
  minutes: number,
  kindMatch: boolean,
  canText: boolean,
  contactedRecently: boolean,
  opening: Opening,
  assumedLength: boolean,
): string {
  const why =
    lead.source === 'recall'
      ? `recall ${lead.daysWaiting} days overdue, nothing booked`
      : lead.source === 'planned'
        ? 'planned treatment visit not yet booked'
        : `${lead.source} visit ${lead.daysWaiting} days before the opening, not rebooked`;
  const length = `${minutes} min${assumedLength ? ' (usual length unknown: assumed)' : ''} of ${opening.minutes}`;
  const how = contactedRecently
    ? 'contacted within a week: try later or last'
    : canText
      ? 'text or call'
      : 'call (opted out of texts)';
  return `${why}; ${length}${kindMatch ? '' : `, not a ${opening.kind} visit`}; ${how}.`;
}

function bookingArguments(patientId: string, minutes: number, opening: Opening): Record<string, string | number> {
  return {
    patient_id: patientId,
    start: opening.startText,
    duration_minutes: minutes,
    ...(opening.provider ? { provider: opening.provider.id } : {}),
    ...(opening.operatory ? { operatory: opening.operatory.id } : {}),
  };
}

async function resolveOpening(context: ToolContext, args: z.infer<typeof inputSchema>): Promise<Opening> {
  const zone = context.practice.timezone;
  const slot = args.opening;
  const startText = slot?.start ?? args.start;
  if (!startText) {
    throw new ToolInputError(
      'Give the opening: a find_spot slot as opening, or start with minutes and a provider or operatory.',
    );
  }
  const start = parseStart(startText, zone, context.now().getTime(), 'opening start');
  let minutes = args.minutes;
  if (minutes === undefined && slot?.end) {
    const end = parseStart(slot.end, zone, context.now().getTime(), 'opening end');
    minutes = Math.round((end.ms - start.ms) / MINUTE_MS);
  }
  if (minutes === undefined || minutes < 10 || minutes > 480) {
    throw new ToolInputError('Give the opening’s length: minutes (10–480), or a find_spot slot with its end.');
  }
  const providerRef = slot?.provider_id ?? args.provider;
  const chairRef = slot?.operatory_id ?? args.operatory;
  if (!providerRef && !chairRef)
    throw new ToolInputError('Say whose opening it is: a provider or an operatory (chair).');
  let [provider] = providerRef ? await resolveProviders(context, [providerRef]) : [];
  const [operatory] = chairRef ? await resolveOperatories(context, [chairRef]) : [];
  const hygiene = provider?.provider_type === 'hygienist' || (provider === undefined && operatory?.is_hygiene === true);
  // book_appointment needs a provider: an opening given by chair takes the chair's own provider.
  if (provider === undefined && operatory) {
    const ownerId = hygiene ? operatory.provider_hygienist : operatory.provider_dentist;
    if (ownerId) [provider] = await resolveProviders(context, [ownerId]);
  }
  const local = toPracticeInstant(start.ms, zone);
  return {
    startMs: start.ms,
    startText: `${local.localDate} ${local.localTime}`,
    date: local.localDate,
    minutes,
    kind: hygiene ? 'hygiene' : 'doctor',
    provider,
    operatory,
  };
}

function describe(out: Output): string {
  const o = out.opening;
  const who = [o.provider, o.operatory].filter(Boolean).join(', ');
  const lines = [
    `Candidates for the ${o.minutes}-minute ${o.kind} opening at ${o.start}${who ? ` (${who})` : ''} at ${out.practice}:`,
  ];
  for (const c of out.candidates) {
    lines.push(`${c.rank}. ${c.patient} (${c.source}, score ${c.score}): ${c.reason}`);
  }
  if (out.candidates.length === 0) lines.push('No candidate fits this opening.');
  const l = out.left_out;
  lines.push(
    `Left out: ${l.too_long} too long for the opening, ${l.already_booked} already booked ahead${l.not_examined ? `, ${l.not_examined} not checked` : ''}.`,
  );
  lines.push(
    `To book one, call book_appointment with the candidate's book_appointment arguments (it confirms with the person first).`,
  );
  lines.push(`Ranking: ${out.ranking}`);
  lines.push(...out.notes);
  return lines.join('\n');
}
