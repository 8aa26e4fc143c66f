/**
 * What the write tools return: the appointment as a view (names from the rosters, times in the
 * practice zone), one-line descriptions, and the shared answers (already done, awaiting a token).
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Appointment } from '../../../api/port.js';
import { quoted, shownName, shownPlace } from '../../../domain/free-text.js';
import type { ToolContext, ToolSuccess } from '../types.js';
import { startOf } from './appointments.js';
import type { WriteResult } from './pipeline.js';
import { describeSpan } from './when.js';
import { operatoryLabel, providerLabel, type Rosters } from './where.js';

export const confirmationArguments = {
  confirm: z
    .boolean()
    .optional()
    .describe('Only for clients without confirmation forms: true once the person approved the summary.'),
  confirmation_token: z.string().max(100).optional().describe('The confirmation_token of that summary.'),
};

// ---------------------------------------------------------------------------------------------
// What the tools return

const appointmentViewSchema = z.object({
  id: z.string().optional(),
  patient: z.string(),
  patient_id: z.string(),
  start: z.string(),
  end: z.string(),
  duration_minutes: z.number(),
  provider: z.string().optional(),
  provider_id: z.string().optional(),
  operatory: z.string().optional(),
  operatory_id: z.string().optional(),
  appointment_type: z.string().optional(),
  procedures: z.array(z.string()).optional(),
  status: z.string().optional(),
});
export type AppointmentView = z.infer<typeof appointmentViewSchema>;

export interface ViewInput {
  id?: string;
  patientName: string;
  patientId: string;
  startMs: number;
  durationMinutes: number;
  providerId: string | null | undefined;
  operatoryId: string | null | undefined;
  appointmentType?: string | undefined;
  procedures?: readonly string[] | undefined;
  status?: string | undefined;
}

export function appointmentView(input: ViewInput, r: Rosters, zone: string): AppointmentView {
  const start = DateTime.fromMillis(input.startMs, { zone });
  const provider = providerLabel(r, input.providerId);
  const operatory = operatoryLabel(r, input.operatoryId);
  return {
    ...(input.id ? { id: input.id } : {}),
    patient: input.patientName,
    patient_id: input.patientId,
    start: start.toISO({ suppressMilliseconds: true }) as string,
    end: start.plus({ minutes: input.durationMinutes }).toISO({ suppressMilliseconds: true }) as string,
    duration_minutes: input.durationMinutes,
    ...(provider && input.providerId ? { provider, provider_id: input.providerId } : {}),
    ...(operatory && input.operatoryId ? { operatory, operatory_id: input.operatoryId } : {}),
    ...(input.appointmentType ? { appointment_type: input.appointmentType } : {}),
    ...(input.procedures && input.procedures.length > 0 ? { procedures: [...input.procedures] } : {}),
    ...(input.status ? { status: input.status } : {}),
  };
}

/** The view of an appointment as the API returned it. */
export function viewOfAppointment(
  appointment: Appointment,
  patientName: string,
  r: Rosters,
  zone: string,
): AppointmentView {
  const codes = (appointment.scheduled_procedures ?? [])
    .map((p) => p.proc_code)
    .filter((c): c is string => typeof c === 'string' && c !== '');
  return appointmentView(
    {
      id: appointment.id,
      patientName,
      patientId: appointment.patient ?? '',
      startMs: startOf(appointment) ?? Number.NaN,
      durationMinutes: appointment.duration_minutes ?? 0,
      providerId: appointment.provider,
      operatoryId: appointment.operatory,
      appointmentType: appointment.appointment_type ?? undefined,
      procedures: codes,
      status: appointment.status ?? undefined,
    },
    r,
    zone,
  );
}

/**
 * "Jane Example's 60-minute appointment of type «Crown Prep» on Thu 2026-12-10 09:00–10:00
 * (UTC-08:00) with Dr. Dana Synthetic in Operatory 1": every name and the type as a tool's text
 * shows them (free-text.ts).
 */
export function describeView(view: AppointmentView, zone: string): string {
  const start = DateTime.fromISO(view.start, { setZone: true }).toMillis();
  const type = quoted('of type', view.appointment_type, 80);
  const provider = shownName(view.provider);
  const operatory = shownPlace(view.operatory);
  return `${possessive(view.patient)} ${view.duration_minutes}-minute appointment${type ? ` ${type}` : ''} on ${describeSpan(start, view.duration_minutes, zone)}${provider ? ` with ${provider}` : ''}${operatory ? ` in ${operatory}` : ''}`;
}

/** "Jane Example's", or "name «…»'s" for a name that is quoted. */
export function possessive(patientName: string): string {
  return `${shownName(patientName) ?? 'the patient'}'s`;
}

/** Output fields every write tool shares. */
export const writeOutputFields = {
  practice: z.string(),
  timezone: z.string(),
  appointment: appointmentViewSchema.optional(),
  confirmation_token: z.string().optional(),
  notes: z.array(z.string()),
};

/**
 * The answer when the write is already in place (a repeat, or nothing to change): the
 * appointment as it stands, in one line, and which status says so.
 */
export function alreadyDone<S extends string>(
  context: ToolContext,
  status: S,
  found: { id: string; appointment: Appointment | undefined; patientName: string; rosters: Rosters },
  how: string,
): ToolSuccess<{ practice: string; timezone: string; status: S; appointment?: AppointmentView; notes: string[] }> {
  context.noteAppointment(found.id);
  const zone = context.practice.timezone;
  const view = found.appointment
    ? viewOfAppointment(found.appointment, found.patientName, found.rosters, zone)
    : undefined;
  const line = `${view ? describeView(view, zone) : `Appointment ${found.id}`} ${how}.`;
  return {
    structured: {
      practice: context.practice.name,
      timezone: zone,
      status,
      ...(view ? { appointment: view } : {}),
      notes: [line],
    },
    summary: `${line} (appointment ${found.id})`,
  };
}

/** The answer for a client that cannot ask: nothing written yet, the summary to show, a token. */
export function awaitingConfirmation<Base extends object>(
  tool: string,
  base: Base,
  notes: readonly string[],
  summary: string,
  nothingYet: string,
) {
  return (token: string, why: string | undefined) => ({
    structured: {
      ...base,
      status: 'confirmation_required' as const,
      confirmation_token: token,
      notes: why ? [why, ...notes] : [...notes],
    },
    summary: `${why ? `${why}\n` : ''}${summary}\n${nothingYet} Show the person this summary; if they agree, call ${tool} again with the same arguments plus confirm: true and confirmation_token.`,
    auditOutcome: 'confirmation_requested',
  });
}

/**
 * The answer when what Escape Dental holds after a write is not what the person confirmed (or
 * cannot be read back): nothing is claimed, the differences are named, and the person is sent to
 * Escape Dental to look.
 */
export function unconfirmedAnswer<Base extends object>(
  context: ToolContext,
  base: Base,
  asked: string,
  result: {
    stored: Appointment | undefined;
    patientName: string;
    problems: readonly string[];
    notes: readonly string[];
  },
  r: Rosters,
) {
  const zone = context.practice.timezone;
  const view = result.stored ? viewOfAppointment(result.stored, result.patientName, r, zone) : undefined;
  const problems = result.problems.join('; ');
  const line = `${asked}: not confirmed; check in Escape Dental. ${problems.charAt(0).toUpperCase()}${problems.slice(1)}.`;
  return {
    structured: {
      ...base,
      status: 'not_confirmed' as const,
      ...(view ? { appointment: view } : {}),
      notes: [line, ...result.notes],
    },
    summary: [line, ...result.notes.map((n) => `Note: ${n}`)].join('\n'),
    auditOutcome: 'not_confirmed',
  };
}

/**
 * A write's result, settled: the answer when it could not be confirmed (read back with
 * differences, or not at all) or repeated an earlier identical request; otherwise the appointment
 * as Escape Dental now holds it (the re-read, not what was sent), for the tool to describe.
 */
export function settledWrite<Base extends object, S extends string>(
  context: ToolContext,
  result: WriteResult,
  repeated: boolean,
  asked: { base: Base; attempted: string; rosters: Rosters; repeatStatus: S; repeatText: string },
):
  | { answer: ReturnType<typeof unconfirmedAnswer<Base>> | ReturnType<typeof alreadyDone<S>> }
  | { answer?: undefined; id: string; stored: Appointment } {
  const { stored, appointmentId: id } = result;
  if (result.problems.length > 0 || !stored || !id) {
    const problems = result.problems.length > 0 ? result.problems : ['it could not be read back'];
    return {
      answer: unconfirmedAnswer(context, asked.base, asked.attempted, { ...result, problems }, asked.rosters),
    };
  }
  if (repeated) {
    const found = { id, appointment: stored, patientName: result.patientName, rosters: asked.rosters };
    return { answer: alreadyDone(context, asked.repeatStatus, found, asked.repeatText) };
  }
  return { id, stored };
}

/** A written appointment's notes: overlaps on the schedule first (warnings in the text), then the rest. */
export function writtenNotes(result: WriteResult, asked: readonly string[]): { notes: string[]; lines: string[] } {
  const notes = [...asked, ...result.notes];
  return {
    notes: [...result.overlaps, ...notes],
    lines: [
      ...result.overlaps.map((o) => `Warning: ${o.charAt(0).toUpperCase()}${o.slice(1)}`),
      ...notes.map((n) => `Note: ${n}`),
    ],
  };
}
