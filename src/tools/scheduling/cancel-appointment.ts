/**
 * cancel_appointment — cancels a scheduled appointment with the patient's reason, through the
 * status transition endpoint (`cancelled`; there is no DELETE and status never goes in a PATCH,
 * §4.1.4–4.1.5, T9), after the person's yes; then re-reads it.
 */
import { z } from 'zod';
import type { Appointment } from '../../api/port.js';
import { quoted, shownCode, shownName, shownPlace } from '../../domain/free-text.js';
import { sanitizeUserText } from '../../domain/names.js';
import { ToolInputError } from '../framework/errors.js';
import type { ToolContext, ToolDefinition, ToolSuccess } from '../framework/types.js';
import {
  type AppointmentView,
  alreadyDone,
  awaitingConfirmation,
  confirmationArguments,
  describeView,
  patientOfAppointment,
  placementOf,
  possessive,
  type Rosters,
  refusalReasons,
  requireAppointment,
  rosters,
  runWrite,
  settledWrite,
  startOf,
  viewOfAppointment,
  type WriteResult,
  writeOutputFields,
  writtenNotes,
} from '../framework/writes/index.js';

const inputSchema = z.object({
  appointment_id: z.string().min(1).max(64).describe("The appointment's id (find_patient shows the next visit's)."),
  reason: z.string().min(1).max(500).describe('Why, in the words given, e.g. "called in sick".'),
  ...confirmationArguments,
});

const outputSchema = z.object({
  ...writeOutputFields,
  status: z.enum(['cancelled', 'already_cancelled', 'confirmation_required', 'not_cancelled', 'not_confirmed']),
});

type Output = z.infer<typeof outputSchema>;

export const cancelAppointment: ToolDefinition<typeof inputSchema, typeof outputSchema> = {
  name: 'cancel_appointment',
  toolset: 'scheduling',
  title: 'Cancel an appointment',
  description:
    'Cancels a scheduled appointment with the reason given, after the person confirms; the time becomes free. Cancelling one already cancelled changes nothing.',
  inputSchema,
  outputSchema,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  requiredScopes: ['scheduling:write'],
  writes: true,
  operations: [
    'scheduling.appointmentTransition',
    'scheduling.appointmentRetrieve',
    'patients.retrieve',
    'providers.list',
    'operatories.list',
  ],
  example: {
    question: "Cancel David's cleaning, he'll call back.",
    answer:
      "(asks) Cancel David Valdivia's 60-minute appointment of type «Periodic Exam & Prophy» on Thu 2026-12-17 08:00–09:00 (UTC-08:00) with Priya Patel in Hygiene 1? Cancel it?\nCancelled David Valdivia's 60-minute appointment … (appointment 6e7107ee-…). Reason recorded «Patient will call back».",
  },
  async handler(context, args) {
    const zone = context.practice.timezone;
    const reason = sanitizeUserText(args.reason, { maxLength: 500, label: 'reason' });
    if (reason === '') throw new ToolInputError('Give the reason for the cancellation, e.g. "called in sick".');
    let earlierName: string | undefined;
    return runWrite<Output>(context, {
      tool: 'cancel_appointment',
      args,
      recall: async (remembered) => {
        earlierName = remembered?.value.patientName;
        return undefined;
      },
      prepare: async () => {
        const r = await rosters(context);
        const appointment = await requireAppointment(context, args.appointment_id);
        context.noteAppointment(appointment.id);
        const name = earlierName ?? (await patientOfAppointment(context, appointment));
        if (earlierName && appointment.patient) context.notePatient(appointment.patient);
        const view = viewOfAppointment(appointment, name, r, zone);
        if (appointment.status === 'cancelled') {
          return alreadyDone(
            context,
            'already_cancelled',
            { id: appointment.id, appointment, patientName: name, rosters: r },
            `${earlierName ? 'was cancelled by an identical request' : 'is already cancelled'}; nothing was changed`,
          );
        }
        if (appointment.status !== 'scheduled') {
          const what =
            appointment.status === 'broken'
              ? 'recorded as a no-show'
              : (shownCode('status', appointment.status) ?? 'without a status');
          throw new ToolInputError(
            `${describeView(view, zone)} is ${what}: only a scheduled appointment can be cancelled. Nothing was changed.`,
          );
        }
        const notes: string[] = [];
        const startMs = startOf(appointment);
        if (startMs === undefined) {
          throw new ToolInputError(
            `Escape Dental gives appointment ${appointment.id} no readable start time, so it cannot be checked after cancelling. Nothing was changed; cancel it in Escape Dental.`,
          );
        }
        if (startMs < context.now().getTime()) notes.push('Its start time has already passed.');

        const summary = [
          `Cancel ${describeView(view, zone)} (${zone} time) at ${shownPlace(context.practice.name)}.`,
          `${quoted('Reason', reason, 500)}. The time becomes free for other patients.`,
          ...notes,
        ].join('\n');
        const base = { practice: context.practice.name, timezone: zone, appointment: view };
        const from = placementOf(appointment, startMs);
        return {
          intent: {
            action: 'cancel',
            appointmentId: appointment.id,
            from,
            target: { ...from, status: 'cancelled' },
            reason,
          },
          patientName: name,
          rosters: r,
          summary,
          question: 'Cancel it?',
          tokenAnswer: awaitingConfirmation('cancel_appointment', base, notes, summary, 'Nothing is cancelled yet.'),
          declined: () => ({
            structured: {
              ...base,
              status: 'not_cancelled',
              notes: ['The person did not confirm; nothing was changed.'],
            },
            summary: `Not cancelled: the person did not confirm. ${describeView(view, zone)} stays booked.`,
          }),
          what: 'cancellation',
          checkHint: `look at the appointment (find_patient shows ${possessive(name)} next visit)`,
          refused: (error) =>
            new ToolInputError(
              `Escape Dental refused to cancel ${describeView(view, zone)}: ${refusalReasons(error, shownName(view.provider) ?? 'the provider', shownPlace(view.operatory)).join('; ')}. Nothing was changed.`,
            ),
          changed: (current) => changedMeanwhile(context, appointment.id, current, name, r),
          answer: (result, repeated) => cancelledAnswer(context, result, repeated, { view, reason, notes, rosters: r }),
        };
      },
    });
  },
};

/** Under the locks, the appointment was no longer as the person saw it. */
function changedMeanwhile(
  context: ToolContext,
  id: string,
  current: Appointment | undefined,
  name: string,
  r: Rosters,
): ToolSuccess<Output> {
  const zone = context.practice.timezone;
  if (current?.status === 'cancelled') {
    return alreadyDone(
      context,
      'already_cancelled',
      { id, appointment: current, patientName: name, rosters: r },
      'was cancelled meanwhile (by another request); nothing was changed',
    );
  }
  const now = current
    ? `it is now ${describeView(viewOfAppointment(current, name, r, zone), zone)}, ${shownCode('status', current.status) ?? 'no status'}`
    : 'it no longer exists';
  throw new ToolInputError(
    `Appointment ${id} changed while this cancellation waited: ${now}. Nothing was changed. Ask the person again if it should still be cancelled.`,
  );
}

function cancelledAnswer(
  context: ToolContext,
  result: WriteResult,
  repeated: boolean,
  asked: { view: AppointmentView; reason: string; notes: string[]; rosters: Rosters },
): ToolSuccess<Output> {
  const zone = context.practice.timezone;
  const base = { practice: context.practice.name, timezone: zone };
  const settled = settledWrite(context, result, repeated, {
    base,
    attempted: `Cancelling ${describeView(asked.view, zone)} (appointment ${result.appointmentId})`,
    rosters: asked.rosters,
    repeatStatus: 'already_cancelled',
    repeatText: 'was cancelled by an identical request; nothing was changed',
  });
  if (settled.answer) return settled.answer;
  const cancelled = viewOfAppointment(settled.stored, result.patientName, asked.rosters, zone);
  const { notes, lines } = writtenNotes(result, asked.notes);
  return {
    structured: { ...base, status: 'cancelled', appointment: cancelled, notes },
    summary: [
      `Cancelled ${describeView(cancelled, zone)} (appointment ${settled.id}). ${quoted('Reason recorded', asked.reason, 500)}.`,
      ...lines,
    ].join('\n'),
  };
}
