/**
 * cancel_appointment — cancels a scheduled appointment with the patient's reason, through the
 * status transition endpoint (`cancelled`; there is no DELETE and status never goes in a PATCH,
 * §4.1.4–4.1.5, T9), after the person's yes; then re-reads it.
 */
import { z } from 'zod';
import { sanitizeUserText } from '../domain/names.js';
import { ToolInputError } from './errors.js';
import { writeKey, writeLedger } from './idempotency.js';
import type { ToolDefinition } from './types.js';
import {
  alreadyDone,
  awaitingConfirmation,
  confirmationArguments,
  confirmBeforeWriting,
  describeView,
  patientOfAppointment,
  readAppointment,
  refusalReasons,
  requireAppointment,
  rosters,
  startOf,
  viewOfAppointment,
  writeOnce,
  writeOutputFields,
} from './writes.js';

const inputSchema = z.object({
  appointment_id: z.string().min(1).max(64).describe("The appointment's id (find_patient shows the next visit's)."),
  reason: z.string().min(1).max(500).describe('Why, in the words given, e.g. "called in sick".'),
  ...confirmationArguments,
});

const outputSchema = z.object({
  ...writeOutputFields,
  status: z.enum(['cancelled', 'already_cancelled', 'confirmation_required', 'not_cancelled']),
});

type Output = z.infer<typeof outputSchema>;

interface Cancelled {
  appointmentId: string;
  patientName: string;
}

export const cancelAppointment: ToolDefinition<typeof inputSchema, typeof outputSchema> = {
  name: 'cancel_appointment',
  title: 'Cancel an appointment',
  description:
    'Cancels a scheduled appointment with the reason given, after the person confirms; the time becomes free. Cancelling one already cancelled changes nothing.',
  inputSchema,
  outputSchema,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  requiredScopes: ['scheduling:write'],
  writes: true,
  async handler(context, args) {
    const zone = context.practice.timezone;
    const reason = sanitizeUserText(args.reason, { maxLength: 500, label: 'reason' });
    if (reason === '') throw new ToolInputError('Give the reason for the cancellation, e.g. "called in sick".');
    const ledger = await writeLedger(context);
    const key = writeKey(context, 'cancel_appointment', args);
    const r = await rosters(context);

    const appointment = await requireAppointment(context, args.appointment_id);
    context.noteAppointment(appointment.id);
    const earlier = ledger.recall<Cancelled>(key);
    const name = earlier?.value.patientName ?? (await patientOfAppointment(context, appointment));
    if (earlier && appointment.patient) context.notePatient(appointment.patient);
    const view = viewOfAppointment(appointment, name, r, zone);
    if (appointment.status === 'cancelled') {
      return alreadyDone(
        context,
        'already_cancelled',
        { id: appointment.id, appointment, patientName: name, rosters: r },
        `${earlier ? 'was cancelled by an identical request' : 'is already cancelled'}; nothing was changed`,
      );
    }
    if (appointment.status !== 'scheduled') {
      const what = appointment.status === 'broken' ? 'recorded as a no-show' : appointment.status;
      throw new ToolInputError(
        `${describeView(view, zone)} is ${what}: only a scheduled appointment can be cancelled. Nothing was changed.`,
      );
    }
    const notes: string[] = [];
    const startMs = startOf(appointment);
    if (startMs !== undefined && startMs < context.now().getTime()) notes.push('Its start time has already passed.');

    const summary = [
      `Cancel ${describeView(view, zone)} (${zone} time) at ${context.practice.name}.`,
      `Reason: "${reason}". The time becomes free for other patients.`,
      ...notes,
    ].join('\n');
    const base = { practice: context.practice.name, timezone: zone, appointment: view };
    const gate = await confirmBeforeWriting<Output>(context, {
      tool: 'cancel_appointment',
      key,
      write: { appointment: appointment.id, from: appointment.status, start: startMs, status: 'cancelled', reason },
      summary,
      question: 'Cancel it?',
      args,
      tokenAnswer: awaitingConfirmation('cancel_appointment', base, notes, summary, 'Nothing is cancelled yet.'),
      declined: () => ({
        structured: { ...base, status: 'not_cancelled', notes: ['The person did not confirm; nothing was changed.'] },
        summary: `Not cancelled: the person did not confirm. ${describeView(view, zone)} stays booked.`,
      }),
    });
    if (gate !== 'confirmed') return gate;

    const { repeated } = await ledger.once<Cancelled>(key, async () => {
      await writeOnce(context, {
        what: 'cancellation',
        attempt: (signal) =>
          context.api.scheduling.transitionAppointment(
            context.practice.id,
            appointment.id,
            { status: 'cancelled', note: reason },
            { signal },
          ),
        landed: async (signal) => {
          const current = await readAppointment(context, appointment.id, signal);
          return current?.status === 'cancelled' ? current : undefined;
        },
        refused: (error) =>
          new ToolInputError(
            `Escape Dental refused to cancel ${describeView(view, zone)}: ${refusalReasons(error, view.provider ?? 'the provider', view.operatory).join('; ')}. Nothing was changed.`,
          ),
        checkHint: `look at the appointment (find_patient shows ${name}'s next visit)`,
      });
      return { appointmentId: appointment.id, patientName: name };
    });
    const stored = await readAppointment(context, appointment.id).catch(() => undefined);
    if (repeated && stored) {
      return alreadyDone(
        context,
        'already_cancelled',
        { id: stored.id, appointment: stored, patientName: name, rosters: r },
        'was cancelled by an identical request; nothing was changed',
      );
    }
    const cancelled = stored ? viewOfAppointment(stored, name, r, zone) : { ...view, status: 'cancelled' };
    return {
      structured: { ...base, status: 'cancelled', appointment: cancelled, notes },
      summary: [
        `Cancelled ${describeView(cancelled, zone)} (appointment ${appointment.id}). Reason recorded: "${reason}".`,
        ...notes.map((n) => `Note: ${n}`),
      ].join('\n'),
    };
  },
};
