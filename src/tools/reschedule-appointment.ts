/**
 * reschedule_appointment — moves a scheduled appointment to another time (and optionally another
 * provider, chair or length): validate-appointment with `exclude_appointment` (§4.2), the
 * person's yes, one PATCH of the appointment (never its status, T9), then a re-read.
 */
import { z } from 'zod';
import type { Appointment, Provider } from '../api/port.js';
import { ToolInputError } from './errors.js';
import { writeKey, writeLedger } from './idempotency.js';
import { providerName, resolveOperatories, resolveProviders } from './shared.js';
import type { ToolContext, ToolDefinition } from './types.js';
import {
  alreadyDone,
  appointmentView,
  awaitingConfirmation,
  candidateChairs,
  checkSlot,
  confirmationArguments,
  confirmBeforeWriting,
  describeSpan,
  describeView,
  operatoryLabel,
  parseStart,
  patientClash,
  patientOfAppointment,
  type Rosters,
  readAppointment,
  refusalReasons,
  requireAppointment,
  rosters,
  startArgument,
  startOf,
  viewOfAppointment,
  writeOnce,
  writeOutputFields,
} from './writes.js';

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
  status: z.enum(['moved', 'unchanged', 'confirmation_required', 'not_moved']),
  previous: z.string().optional(),
});

type Output = z.infer<typeof outputSchema>;

interface Target {
  startMs: number;
  durationMinutes: number;
  providerId: string;
  operatoryId: string;
}

interface Moved extends Target {
  appointmentId: string;
  patientName: string;
}

const isAt = (appointment: Appointment | undefined, target: Target): boolean =>
  appointment !== undefined &&
  appointment.status === 'scheduled' &&
  startOf(appointment) === target.startMs &&
  appointment.duration_minutes === target.durationMinutes &&
  appointment.provider === target.providerId &&
  appointment.operatory === target.operatoryId;

export const rescheduleAppointment: ToolDefinition<typeof inputSchema, typeof outputSchema> = {
  name: 'reschedule_appointment',
  title: 'Move an appointment',
  description:
    'Moves a scheduled appointment to a new time (optionally another provider, chair or length). Validates with Escape Dental, asks the person to confirm, moves it once, returns it.',
  inputSchema,
  outputSchema,
  // The old time is given up (destructive); moving to the same target again changes nothing.
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  requiredScopes: ['scheduling:write'],
  writes: true,
  async handler(context, args) {
    const zone = context.practice.timezone;
    const start = parseStart(args.start, zone, context.now().getTime());
    const ledger = await writeLedger(context);
    const key = writeKey(context, 'reschedule_appointment', args);
    const r = await rosters(context);

    const earlier = ledger.recall<Moved>(key);
    if (earlier) {
      const current = await readAppointment(context, earlier.value.appointmentId);
      if (current && isAt(current, earlier.value)) {
        context.noteAppointment(current.id);
        if (current.patient) context.notePatient(current.patient);
        return alreadyDone(
          context,
          'unchanged',
          { id: current.id, appointment: current, patientName: earlier.value.patientName, rosters: r },
          'was moved there by an identical request; nothing was changed',
        );
      }
      ledger.forget(key);
    }

    const appointment = await requireAppointment(context, args.appointment_id);
    context.noteAppointment(appointment.id);
    const name = await patientOfAppointment(context, appointment);
    const before = viewOfAppointment(appointment, name, r, zone);
    if (appointment.status !== 'scheduled') {
      throw new ToolInputError(
        `${describeView(before, zone)} is ${appointment.status}: only a scheduled appointment can be moved. Nothing was changed.`,
      );
    }
    const provider = await providerFor(context, r, args.provider, appointment);
    const durationMinutes = args.duration_minutes ?? appointment.duration_minutes ?? 0;
    if (durationMinutes < 1) throw new ToolInputError('The appointment has no length on file: give duration_minutes.');
    const chairs = args.operatory
      ? await resolveOperatories(context, [args.operatory])
      : candidateChairs(r, provider, appointment.operatory);

    const sameChairPossible = args.operatory === undefined || chairs[0]?.id === appointment.operatory;
    if (
      sameChairPossible &&
      isAt(appointment, {
        startMs: start.ms,
        durationMinutes,
        providerId: provider.id,
        operatoryId: appointment.operatory ?? '',
      })
    ) {
      return alreadyDone(
        context,
        'unchanged',
        { id: appointment.id, appointment, patientName: name, rosters: r },
        'is already at that time; nothing was changed',
      );
    }

    const clash = await patientClash(context, {
      patientId: appointment.patient ?? '',
      startMs: start.ms,
      minutes: durationMinutes,
      excludeAppointment: appointment.id,
    });
    if (clash) {
      context.noteAppointment(clash.id);
      throw new ToolInputError(
        `${name} already has ${describeView(viewOfAppointment(clash, name, r, zone), zone)} (appointment ${clash.id}), which overlaps ${describeSpan(start.ms, durationMinutes, zone)}. Nothing was changed.`,
      );
    }
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
        `Cannot move ${describeView(before, zone)} to ${describeSpan(start.ms, durationMinutes, zone)} with ${providerName(provider)}${chairs.length === 1 ? ` in ${operatoryLabel(r, chairs[0]?.id)}` : ''}: ${slot.reasons.join('; ')}. Nothing was changed. find_spot lists open times.`,
      );
    }
    const target: Target = {
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
    const notes = [...slot.warnings];
    const previous = describeSpanOf(before, zone);
    const summary = [
      `Move ${name}'s ${before.duration_minutes}-minute ${before.appointment_type ?? 'appointment'} from ${previous} to ${describeSpan(start.ms, durationMinutes, zone)}${view.provider ? ` with ${view.provider}` : ''}${view.operatory ? ` in ${view.operatory}` : ''} (${zone} time) at ${context.practice.name}.`,
      ...notes,
    ].join('\n');
    const base = { practice: context.practice.name, timezone: zone, previous };
    const gate = await confirmBeforeWriting<Output>(context, {
      tool: 'reschedule_appointment',
      key,
      // Bound to where it is now too: a token for a move from 09:00 is no good once it moved elsewhere.
      write: { appointment: appointment.id, from: startOf(appointment), ...patch, to: target },
      summary,
      question: 'Move it?',
      args,
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
    });
    if (gate !== 'confirmed') return gate;

    const { value, repeated } = await ledger.once<Moved>(key, async () => {
      await writeOnce(context, {
        what: 'move',
        attempt: (signal) =>
          context.api.scheduling.updateAppointment(context.practice.id, appointment.id, patch, { signal }),
        landed: async (signal) => {
          const current = await readAppointment(context, appointment.id, signal);
          return isAt(current, target) ? current : undefined;
        },
        refused: (error) =>
          new ToolInputError(
            `Escape Dental refused to move ${describeView(before, zone)}: ${refusalReasons(error, providerName(provider), view.operatory).join('; ')}. Nothing was changed. find_spot lists open times.`,
          ),
        checkHint: `look at ${name}'s next visit (find_patient)`,
      });
      return { ...target, appointmentId: appointment.id, patientName: name };
    });
    const stored = await readAppointment(context, value.appointmentId).catch(() => undefined);
    if (repeated && stored) {
      return alreadyDone(
        context,
        'unchanged',
        { id: stored.id, appointment: stored, patientName: name, rosters: r },
        'was moved there by an identical request; nothing was changed',
      );
    }
    const moved = stored ? viewOfAppointment(stored, name, r, zone) : view;
    return {
      structured: { ...base, status: 'moved', appointment: moved, notes },
      summary: [
        `Moved to ${describeView(moved, zone)} (was ${previous}; appointment ${moved.id}).`,
        ...notes.map((n) => `Note: ${n}`),
      ].join('\n'),
    };
  },
};

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
