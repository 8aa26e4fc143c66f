/**
 * book_appointment — books a patient into a time, after the API's validation and the person's
 * yes. Who (one patient, never a guess), when (practice time, DST-checked), where and with whom
 * are resolved first and shown in the confirmation; the booking is written once even when the
 * network fails mid-request (see writes/pipeline.ts, idempotency.ts).
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Appointment, Patient, Provider } from '../../api/port.js';
import { normalizeCdtCode } from '../../domain/cdt.js';
import { quoted, shownCode, shownName, shownPlace } from '../../domain/free-text.js';
import { sanitizeUserText } from '../../domain/names.js';
import { ToolInputError } from '../framework/errors.js';
import { providerText, resolveOperatories, resolveProviders, visitLengthArguments } from '../framework/shared.js';
import type { ToolContext, ToolDefinition, ToolSuccess } from '../framework/types.js';
import {
  type AppointmentView,
  alreadyDone,
  appointmentView,
  awaitingConfirmation,
  candidateChairs,
  checkSlot,
  confirmationArguments,
  describeSpan,
  describeView,
  HOLDING_STATUSES,
  operatoryLabel,
  type Placement,
  parseStart,
  patientClash,
  possessive,
  readAppointment,
  refusalReasons,
  rosters,
  rostersForDay,
  runWrite,
  type Start,
  settledWrite,
  startArgument,
  startOf,
  viewOfAppointment,
  type WriteResult,
  writeOutputFields,
  writtenNotes,
} from '../framework/writes/index.js';
import {
  checkPatientQuery,
  describeCandidates,
  findPatient,
  patientArguments,
  patientName,
  patientNameText,
} from '../patients/patient-lookup.js';
import { lengthOfAppointmentType, usualLengthNote } from './appointment-types.js';

const inputSchema = z.object({
  ...patientArguments,
  start: startArgument(
    'Start: practice local time, e.g. "2026-12-10 09:00", or a find_spot slot\'s start exactly as written.',
  ),
  ...visitLengthArguments,
  provider: z.string().min(1).max(120).describe('Provider by name ("Dr. Dana") or id (a slot\'s provider_id).'),
  operatory: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe("Chair by name or id (a slot's operatory_id). Default: any chair that fits."),
  procedures: z.array(z.string().max(12)).max(12).optional().describe('CDT codes planned, e.g. ["D2740"].'),
  note: z.string().max(500).optional().describe('Appointment note.'),
  ...confirmationArguments,
});

const outputSchema = z.object({
  ...writeOutputFields,
  status: z.enum(['booked', 'already_booked', 'confirmation_required', 'not_booked', 'not_confirmed']),
});

type Input = z.infer<typeof inputSchema>;
type Output = z.infer<typeof outputSchema>;

export const bookAppointment: ToolDefinition<typeof inputSchema, typeof outputSchema> = {
  name: 'book_appointment',
  toolset: 'scheduling',
  title: 'Book an appointment',
  description:
    "Books a patient (one match, never a guess) into a time from find_spot or the practice's local time. Validates with Escape Dental, asks the person to confirm, books once, returns the appointment.",
  inputSchema,
  outputSchema,
  // Idempotent in effect: a repeat within the window returns the first booking, and later the
  // API's double-book guard refuses the same patient, provider and time again.
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  requiredScopes: ['scheduling:write', 'patients:read'],
  writes: true,
  operations: [
    'scheduling.appointmentCreate',
    'scheduling.validateAppointment',
    'scheduling.appointmentRetrieve',
    'scheduling.appointmentList',
    'scheduling.daySheet',
    'patients.list',
    'patients.retrieve',
    'providers.list',
    'operatories.list',
    'operatories.retrieve',
  ],
  example: {
    question: 'Book David Valdivia for a cleaning with Priya on Tuesday the 15th at 8:30.',
    answer:
      "(asks) Book David Valdivia (born 1969-08-16) for a 60-minute appointment of type «Periodic Exam & Prophy» on Tue 2026-12-15 08:30–09:30 (UTC-08:00), America/Los_Angeles time, with Priya Patel in Hygiene 1 at Sunset Smiles Dental. Book it?\nBooked David Valdivia's 60-minute appointment of type «Periodic Exam & Prophy» on Tue 2026-12-15 08:30–09:30 (UTC-08:00) with Priya Patel in Hygiene 1 (appointment 6e7107ee-…).",
  },
  async handler(context, args) {
    const zone = context.practice.timezone;
    // Everything checkable without the API first: a bad request costs no upstream call.
    const query = checkPatientQuery(args);
    const start = parseStart(args.start, zone, context.now().getTime());
    if (args.duration_minutes === undefined && args.appointment_type === undefined) {
      throw new ToolInputError(
        'Say how long the visit is: give duration_minutes (e.g. 60) or appointment_type (e.g. "Crown Prep").',
      );
    }
    const procedures = checkProcedures(args.procedures);
    const note = args.note === undefined ? undefined : sanitizeUserText(args.note, { maxLength: 500, label: 'note' });

    return runWrite<Output>(context, {
      tool: 'book_appointment',
      args,
      recall: (remembered, forget) => earlierBooking(context, remembered, forget),
      prepare: async () => {
        const match = await findPatient(context, query);
        if (match.kind === 'several') {
          throw new ToolInputError(
            `Several patients at ${shownPlace(context.practice.name)} match, so nothing was booked. Ask which one is meant, then call again with patient_id:\n${describeCandidates(match.candidates, match.more)}`,
          );
        }
        const patient = match.patient;
        context.notePatient(patient.id);
        if (patient.status === 'deceased') {
          throw new ToolInputError(
            `${possessive(patientName(patient))} record is marked deceased; nothing was booked.`,
          );
        }
        const [provider] = (await resolveProviders(context, [args.provider])) as [Provider];
        const { minutes, type, notes } = await visitLength(context, args);
        const day = DateTime.fromMillis(start.ms, { zone }).toISODate() as string;
        const r = await rostersForDay(context, day);
        const chairs = args.operatory
          ? await resolveOperatories(context, [args.operatory], r.operatories)
          : candidateChairs(r, provider);
        if (chairs.length === 0) {
          throw new ToolInputError(
            `${shownPlace(context.practice.name)} has no bookable chair: neither Escape Dental's chair list nor the day sheet for ${day} names one. Name the chair (operatory), or check the practice's chairs in Escape Dental.`,
          );
        }

        const proposed = (operatoryId: string | undefined): AppointmentView =>
          appointmentView(
            {
              patientName: patientName(patient),
              patientId: patient.id,
              startMs: start.ms,
              durationMinutes: minutes,
              providerId: provider.id,
              operatoryId,
              appointmentType: type,
              procedures,
            },
            r,
            zone,
          );
        const onClash = (clash: Appointment): ToolSuccess<Output> => {
          // The patient already holding this very time with this provider is this request made
          // before (phrased differently, or after the window): that booking is the answer.
          if (startOf(clash) === start.ms && clash.provider === provider.id) {
            return alreadyDone(
              context,
              'already_booked',
              { id: clash.id, appointment: clash, patientName: patientName(patient), rosters: r },
              'already exists; nothing new was booked',
            );
          }
          context.noteAppointment(clash.id);
          throw new ToolInputError(
            `${patientNameText(patient)} already has ${describeView(viewOfAppointment(clash, patientName(patient), r, zone), zone)} (appointment ${clash.id}), which overlaps ${describeSpan(start.ms, minutes, zone)}. Nothing was booked. Move that one with reschedule_appointment, or pick another time.`,
          );
        };

        const clash = await patientClash(context, { patientId: patient.id, startMs: start.ms, minutes });
        if (clash) return onClash(clash);
        const slot = await checkSlot(context, { start, durationMinutes: minutes, provider, chairs });
        if (!slot.ok) {
          throw new ToolInputError(
            `Cannot book ${describeView(proposed(chairs.length === 1 ? chairs[0]?.id : undefined), zone)}: ${slot.reasons.join('; ')}. Nothing was booked. find_spot lists open times.`,
          );
        }
        notes.push(...slot.warnings);
        if (patient.status && patient.status !== 'active')
          notes.push(`The patient's record is ${shownCode('status', patient.status)}.`);
        if (match.similar.length > 0) {
          // Names only: the other patients' details are not this booking's business.
          notes.push(`Not to be confused with: ${match.similar.map((c) => shownName(c.name)).join(', ')}.`);
        }
        notes.push(...r.notes);

        const view = proposed(slot.operatory.id);
        const body = {
          patient: patient.id,
          provider: provider.id,
          operatory: slot.operatory.id,
          date_time: start.iso,
          duration_minutes: minutes,
          ...(type ? { appointment_type: type } : {}),
          ...(procedures.length > 0 ? { scheduled_procedures: procedures.map((code) => ({ proc_code: code })) } : {}),
          ...(note ? { note } : {}),
          ...(provider.provider_type === 'hygienist' ? { is_hygiene: true } : {}),
        };
        const target: Placement = {
          patientId: patient.id,
          startMs: start.ms,
          durationMinutes: minutes,
          providerId: provider.id,
          operatoryId: slot.operatory.id,
          status: 'scheduled',
        };
        const summary = describeBooking(context, patient, view, start, procedures, note, notes);
        const base = { practice: context.practice.name, timezone: zone, appointment: view };
        return {
          intent: { action: 'book', target, body },
          patientName: patientName(patient),
          rosters: r,
          summary,
          question: 'Book it?',
          tokenAnswer: awaitingConfirmation('book_appointment', base, notes, summary, 'Nothing is booked yet.'),
          declined: () => ({
            structured: { ...base, status: 'not_booked', notes: ['The person did not confirm; nothing was booked.'] },
            summary: `Not booked: the person did not confirm ${describeView(view, zone)}.`,
          }),
          what: 'booking',
          checkHint: `look at ${possessive(patientName(patient))} next visit (find_patient) or the day sheet`,
          refused: (error) =>
            new ToolInputError(
              `Escape Dental refused to book ${describeView(view, zone)}: ${refusalReasons(error, providerText(provider), shownPlace(operatoryLabel(r, slot.operatory.id))).join('; ')}. Nothing was booked. find_spot lists open times.`,
            ),
          patientClash: onClash,
          answer: (result, repeated) => bookedAnswer(context, result, repeated, { view, notes, rosters: r }),
        };
      },
    });
  },
};

/** The answer once the booking was written and read back. */
function bookedAnswer(
  context: ToolContext,
  result: WriteResult,
  repeated: boolean,
  asked: { view: AppointmentView; notes: string[]; rosters: Awaited<ReturnType<typeof rostersForDay>> },
): ToolSuccess<Output> {
  const zone = context.practice.timezone;
  const base = { practice: context.practice.name, timezone: zone };
  const settled = settledWrite(context, result, repeated, {
    base,
    attempted: `Booking ${describeView(asked.view, zone)}`,
    rosters: asked.rosters,
    repeatStatus: 'already_booked',
    repeatText: 'was booked by an identical request; nothing new was booked',
  });
  if (settled.answer) return settled.answer;
  const booked = viewOfAppointment(settled.stored, result.patientName, asked.rosters, zone);
  const { notes, lines } = writtenNotes(result, asked.notes);
  return {
    structured: { ...base, status: 'booked', appointment: booked, notes },
    summary: [`Booked ${describeView(booked, zone)} (appointment ${booked.id}).`, ...lines].join('\n'),
  };
}

/** A booking this runtime made for the same arguments within the window, if it still stands. */
async function earlierBooking(
  context: ToolContext,
  remembered: { value: WriteResult; at: number } | undefined,
  forget: () => void,
): Promise<ToolSuccess<Output> | undefined> {
  if (!remembered) return undefined;
  const { value, at } = remembered;
  const current =
    value.appointmentId && value.problems.length === 0
      ? await readAppointment(context, value.appointmentId)
      : undefined;
  if (current && HOLDING_STATUSES.has(current.status ?? '') && startOf(current) === value.intent.target.startMs) {
    context.noteAppointment(current.id);
    if (current.patient) context.notePatient(current.patient);
    const minutes = Math.round((context.now().getTime() - at) / 60_000);
    const when = minutes < 1 ? 'less than a minute' : `${minutes} min`;
    return alreadyDone(
      context,
      'already_booked',
      { id: current.id, appointment: current, patientName: value.patientName, rosters: await rosters(context) },
      `was booked by an identical request ${when} ago; nothing new was booked`,
    );
  }
  // Cancelled or moved since (or never confirmed): this is a new request.
  forget();
  return undefined;
}

async function visitLength(
  context: ToolContext,
  args: Input,
): Promise<{ minutes: number; type: string | undefined; notes: string[] }> {
  const notes: string[] = [];
  if (args.appointment_type === undefined) return { minutes: args.duration_minutes as number, type: undefined, notes };
  const typed = sanitizeUserText(args.appointment_type, { maxLength: 100, label: 'appointment_type' });
  try {
    const usual = await lengthOfAppointmentType(context, typed);
    if (args.duration_minutes !== undefined) return { minutes: args.duration_minutes, type: usual.name, notes };
    notes.push(usualLengthNote(usual));
    return { minutes: usual.minutes, type: usual.name, notes };
  } catch (error) {
    // A type the practice has not used lately is still a fine label when the length is given.
    if (error instanceof ToolInputError && args.duration_minutes !== undefined) {
      return { minutes: args.duration_minutes, type: typed, notes };
    }
    throw error;
  }
}

function checkProcedures(codes: readonly string[] | undefined): string[] {
  const out: string[] = [];
  for (const code of codes ?? []) {
    const normalized = normalizeCdtCode(code);
    if (!normalized) throw new ToolInputError(`"${code}" is not a CDT code (D followed by four digits, e.g. D2740).`);
    if (!out.includes(normalized)) out.push(normalized);
  }
  return out;
}

function describeBooking(
  context: ToolContext,
  patient: Patient,
  view: AppointmentView,
  start: Start,
  procedures: readonly string[],
  note: string | undefined,
  notes: readonly string[],
): string {
  const born = patient.date_of_birth ? ` (born ${shownCode('date of birth', patient.date_of_birth)})` : '';
  const type = quoted('of type', view.appointment_type, 80);
  const zone = context.practice.timezone;
  const lines = [
    `Book ${patientNameText(patient)}${born} for a ${view.duration_minutes}-minute appointment${type ? ` ${type}` : ''} on ${describeSpan(start.ms, view.duration_minutes, zone)}, ${zone} time, with ${shownName(view.provider) ?? 'the provider'} in ${shownPlace(view.operatory) ?? 'a chair'} at ${shownPlace(context.practice.name)}.`,
  ];
  if (procedures.length > 0) lines.push(`Procedures: ${procedures.join(', ')}.`);
  if (note) lines.push(`${quoted('Appointment note', note, 500)}.`);
  for (const n of notes) lines.push(n);
  return lines.join('\n');
}
