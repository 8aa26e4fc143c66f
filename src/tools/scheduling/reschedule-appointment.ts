/**
 * reschedule_appointment — moves a scheduled appointment to another time (and optionally another
 * provider, chair or length): validate-appointment with `exclude_appointment` (§4.2), the
 * person's yes, one PATCH of the appointment (never its status, T9), then a re-read.
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Appointment, Provider } from '../../api/port.js';
import { quoted, shownCode, shownName, shownPlace } from '../../domain/free-text.js';
import { ToolInputError } from '../framework/errors.js';
import { providerText, resolveOperatories, resolveProviders } from '../framework/shared.js';
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
  operatoryLabel,
  type Placement,
  parseStart,
  patientClash,
  patientOfAppointment,
  placementOf,
  possessive,
  type Rosters,
  readAppointment,
  refusalReasons,
  requireAppointment,
  rosters,
  rostersForDay,
  runWrite,
  settledWrite,
  startArgument,
  startOf,
  viewOfAppointment,
  type WriteResult,
  writeOutputFields,
  writtenNotes,
} from '../framework/writes/index.js';

const inputSchema = z.object({
  appointment_id: z.string().min(1).max(64).describe("The appointment's id (find_patient shows the next visit's)."),
  start: startArgument('New start: practice local time, e.g. "2026-12-10 14:00", or a find_spot start as written.'),
  provider: z.string().min(1).max(120).optional().describe('New provider by name or id. Default: the same.'),
  operatory: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe('Chair by name or id. Default: the same chair if free, else any that fits.'),
  duration_minutes: z.number().int().min(5).max(480).optional().describe('New length in minutes. Default: the same.'),
  ...confirmationArguments,
});

const outputSchema = z.object({
  ...writeOutputFields,
  status: z.enum(['moved', 'unchanged', 'confirmation_required', 'not_moved', 'not_confirmed']),
  previous: z.string().optional(),
});

type Output = z.infer<typeof outputSchema>;

const isAt = (appointment: Appointment | undefined, target: Placement): boolean =>
  appointment !== undefined &&
  appointment.status === 'scheduled' &&
  startOf(appointment) === target.startMs &&
  appointment.duration_minutes === target.durationMinutes &&
  appointment.provider === target.providerId &&
  appointment.operatory === target.operatoryId;

export const rescheduleAppointment: ToolDefinition<typeof inputSchema, typeof outputSchema> = {
  name: 'reschedule_appointment',
  toolset: 'scheduling',
  title: 'Move an appointment',
  description:
    'Moves a scheduled appointment to a new time (optionally another provider, chair or length). Validates with Escape Dental, asks the person to confirm, moves it once, returns it.',
  inputSchema,
  outputSchema,
  // The old time is given up (destructive); moving to the same target again changes nothing.
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  requiredScopes: ['scheduling:write'],
  writes: true,
  operations: [
    'scheduling.appointmentUpdate',
    'scheduling.validateAppointment',
    'scheduling.appointmentRetrieve',
    'scheduling.appointmentList',
    'scheduling.daySheet',
    'patients.retrieve',
    'providers.list',
    'operatories.list',
    'operatories.retrieve',
  ],
  example: {
    question: "Move David's cleaning to Thursday at 8:00.",
    answer:
      "(asks) Move David Valdivia's 60-minute appointment … to Thu 2026-12-17 08:00–09:00 (UTC-08:00) with Priya Patel in Hygiene 1? Move it?\nMoved to David Valdivia's 60-minute appointment of type «Periodic Exam & Prophy» on Thu 2026-12-17 08:00–09:00 (UTC-08:00) with Priya Patel in Hygiene 1 (was Tue 2026-12-15 08:30; appointment 6e7107ee-…).",
  },
  async handler(context, args) {
    const zone = context.practice.timezone;
    const start = parseStart(args.start, zone, context.now().getTime());
    return runWrite<Output>(context, {
      tool: 'reschedule_appointment',
      args,
      recall: async (remembered, forget) => {
        if (!remembered) return undefined;
        const { value } = remembered;
        const current = value.appointmentId ? await readAppointment(context, value.appointmentId) : undefined;
        if (current && value.problems.length === 0 && isAt(current, value.intent.target)) {
          context.noteAppointment(current.id);
          if (current.patient) context.notePatient(current.patient);
          return alreadyDone(
            context,
            'unchanged',
            { id: current.id, appointment: current, patientName: value.patientName, rosters: await rosters(context) },
            'was moved there by an identical request; nothing was changed',
          );
        }
        forget();
        return undefined;
      },
      prepare: async () => {
        const appointment = await requireAppointment(context, args.appointment_id);
        context.noteAppointment(appointment.id);
        const name = await patientOfAppointment(context, appointment);
        const r = await rostersForDay(context, DateTime.fromMillis(start.ms, { zone }).toISODate() as string);
        const before = viewOfAppointment(appointment, name, r, zone);
        if (appointment.status !== 'scheduled') {
          throw new ToolInputError(
            `${describeView(before, zone)} is ${shownCode('status', appointment.status) ?? 'without a status'}: only a scheduled appointment can be moved. Nothing was changed.`,
          );
        }
        const fromStart = startOf(appointment);
        if (fromStart === undefined) {
          throw new ToolInputError(
            `Escape Dental gives appointment ${appointment.id} no readable start time, so the move cannot be checked. Nothing was changed; move it in Escape Dental.`,
          );
        }
        const provider = await providerFor(context, r, args.provider, appointment);
        const durationMinutes = args.duration_minutes ?? appointment.duration_minutes ?? 0;
        if (durationMinutes < 1)
          throw new ToolInputError('The appointment has no length on file: give duration_minutes.');
        const chairs = args.operatory
          ? await resolveOperatories(context, [args.operatory], r.operatories)
          : candidateChairs(r, provider, appointment.operatory);

        const sameChairPossible = args.operatory === undefined || chairs[0]?.id === appointment.operatory;
        if (
          sameChairPossible &&
          isAt(appointment, {
            patientId: appointment.patient ?? '',
            startMs: start.ms,
            durationMinutes,
            providerId: provider.id,
            operatoryId: appointment.operatory ?? '',
            status: 'scheduled',
          })
        ) {
          return alreadyDone(
            context,
            'unchanged',
            { id: appointment.id, appointment, patientName: name, rosters: r },
            'is already at that time; nothing was changed',
          );
        }

        const onClash = (clash: Appointment): ToolSuccess<Output> => {
          context.noteAppointment(clash.id);
          throw new ToolInputError(
            `${shownName(name) ?? 'The patient'} already has ${describeView(viewOfAppointment(clash, name, r, zone), zone)} (appointment ${clash.id}), which overlaps ${describeSpan(start.ms, durationMinutes, zone)}. Nothing was changed.`,
          );
        };
        const clash = await patientClash(context, {
          patientId: appointment.patient ?? '',
          startMs: start.ms,
          minutes: durationMinutes,
          excludeAppointment: appointment.id,
        });
        if (clash) return onClash(clash);
        const slot = await checkSlot(context, {
          start,
          durationMinutes,
          provider,
          chairs,
          excludeAppointment: appointment.id,
        });
        const after = (operatoryId: string | undefined) =>
          appointmentView(
            {
              id: appointment.id,
              patientName: name,
              patientId: appointment.patient ?? '',
              startMs: start.ms,
              durationMinutes,
              providerId: provider.id,
              operatoryId,
              appointmentType: appointment.appointment_type ?? undefined,
              status: 'scheduled',
            },
            r,
            zone,
          );
        if (!slot.ok) {
          throw new ToolInputError(
            `Cannot move ${describeView(before, zone)} to ${describeSpan(start.ms, durationMinutes, zone)} with ${providerText(provider)}${chairs.length === 1 ? ` in ${shownPlace(operatoryLabel(r, chairs[0]?.id))}` : ''}: ${slot.reasons.join('; ')}. Nothing was changed. find_spot lists open times.`,
          );
        }
        const from = placementOf(appointment, fromStart);
        const target: Placement = {
          ...from,
          startMs: start.ms,
          durationMinutes,
          providerId: provider.id,
          operatoryId: slot.operatory.id,
        };
        const view = after(slot.operatory.id);
        const patch = {
          date_time: start.iso,
          ...(durationMinutes !== appointment.duration_minutes ? { duration_minutes: durationMinutes } : {}),
          ...(provider.id !== appointment.provider ? { provider: provider.id } : {}),
          ...(slot.operatory.id !== appointment.operatory ? { operatory: slot.operatory.id } : {}),
        };
        const notes = [...slot.warnings, ...r.notes];
        const previous = describeSpanOf(before, zone);
        const type = quoted('of type', before.appointment_type, 80);
        const summary = [
          `Move ${possessive(name)} ${before.duration_minutes}-minute appointment${type ? ` ${type}` : ''} from ${previous} to ${describeSpan(start.ms, durationMinutes, zone)}${view.provider ? ` with ${shownName(view.provider)}` : ''}${view.operatory ? ` in ${shownPlace(view.operatory)}` : ''} (${zone} time) at ${shownPlace(context.practice.name)}.`,
          ...notes,
        ].join('\n');
        const base = { practice: context.practice.name, timezone: zone, previous };
        return {
          intent: { action: 'move', appointmentId: appointment.id, from, target, body: patch },
          patientName: name,
          rosters: r,
          summary,
          question: 'Move it?',
          tokenAnswer: awaitingConfirmation(
            'reschedule_appointment',
            { ...base, appointment: view },
            notes,
            summary,
            'Nothing is changed yet.',
          ),
          declined: () => ({
            structured: {
              ...base,
              status: 'not_moved',
              appointment: before,
              notes: ['The person did not confirm; nothing was changed.'],
            },
            summary: `Not moved: the person did not confirm. ${describeView(before, zone)} stays as it was.`,
          }),
          what: 'move',
          checkHint: `look at ${possessive(name)} next visit (find_patient)`,
          refused: (error) =>
            new ToolInputError(
              `Escape Dental refused to move ${describeView(before, zone)}: ${refusalReasons(error, providerText(provider), shownPlace(view.operatory)).join('; ')}. Nothing was changed. find_spot lists open times.`,
            ),
          patientClash: onClash,
          changed: (current) => changedMeanwhile(context, { id: appointment.id, current, target, name, rosters: r }),
          answer: (result, repeated) => movedAnswer(context, result, repeated, { view, previous, notes, rosters: r }),
        };
      },
    });
  },
};

/** Under the locks, the appointment was no longer where the person saw it. */
function changedMeanwhile(
  context: ToolContext,
  found: { id: string; current: Appointment | undefined; target: Placement; name: string; rosters: Rosters },
): ToolSuccess<Output> {
  const zone = context.practice.timezone;
  const { id, current, target, name, rosters: r } = found;
  if (current && isAt(current, target)) {
    return alreadyDone(
      context,
      'unchanged',
      { id, appointment: current, patientName: name, rosters: r },
      'was moved there meanwhile (by another request); nothing was changed',
    );
  }
  const now = current
    ? `it is now ${describeView(viewOfAppointment(current, name, r, zone), zone)}${current.status === 'scheduled' ? '' : `, ${shownCode('status', current.status) ?? 'no status'}`}`
    : 'it no longer exists';
  throw new ToolInputError(
    `Appointment ${id} changed while this move waited: ${now}. Nothing was changed. Ask the person again if it should still move to ${describeSpan(target.startMs, target.durationMinutes, zone)}.`,
  );
}

function movedAnswer(
  context: ToolContext,
  result: WriteResult,
  repeated: boolean,
  asked: { view: AppointmentView; previous: string; notes: string[]; rosters: Rosters },
): ToolSuccess<Output> {
  const zone = context.practice.timezone;
  const base = { practice: context.practice.name, timezone: zone, previous: asked.previous };
  const settled = settledWrite(context, result, repeated, {
    base,
    attempted: `Moving appointment ${result.appointmentId} from ${asked.previous} to ${describeView(asked.view, zone)}`,
    rosters: asked.rosters,
    repeatStatus: 'unchanged',
    repeatText: 'was moved there by an identical request; nothing was changed',
  });
  if (settled.answer) return settled.answer;
  const moved = viewOfAppointment(settled.stored, result.patientName, asked.rosters, zone);
  const { notes, lines } = writtenNotes(result, asked.notes);
  return {
    structured: { ...base, status: 'moved', appointment: moved, notes },
    summary: [`Moved to ${describeView(moved, zone)} (was ${asked.previous}; appointment ${moved.id}).`, ...lines].join(
      '\n',
    ),
  };
}

async function providerFor(
  context: ToolContext,
  r: Rosters,
  reference: string | undefined,
  appointment: Appointment,
): Promise<Provider> {
  if (reference !== undefined) return (await resolveProviders(context, [reference]))[0] as Provider;
  const current = r.providers.find((p) => p.id === appointment.provider);
  if (!current) throw new ToolInputError('The appointment has no provider on file: say which provider.');
  return current;
}

function describeSpanOf(view: { start: string; duration_minutes: number }, zone: string): string {
  return describeSpan(Date.parse(view.start), view.duration_minutes, zone);
}
