/**
 * Reading appointments back: by id, the patient's appointments holding a time on a day, and the
 * patient's other appointment overlapping a proposed time (the API guards chairs and providers
 * against double booking, not the patient).
 */
import { DateTime } from 'luxon';
import { NotFound } from '../../../api/errors.js';
import type { Appointment } from '../../../api/port.js';
import { shownPlace } from '../../../domain/free-text.js';
import { patientName } from '../../patients/patient-lookup.js';
import { ToolInputError } from '../errors.js';
import type { ToolContext } from '../types.js';

/** Statuses in which an appointment still holds its time (the sandbox's `blocks_slot`, §8.5). */
export const HOLDING_STATUSES = new Set(['scheduled', 'arrived', 'seated', 'ready_for_doctor', 'ready_for_walkout']);

/** The appointment, or undefined when it no longer exists for this practice. */
export async function readAppointment(
  context: ToolContext,
  appointmentId: string,
  signal: AbortSignal = context.signal,
): Promise<Appointment | undefined> {
  try {
    return await context.api.scheduling.getAppointment(context.practice.id, appointmentId, { signal });
  } catch (error) {
    if (error instanceof NotFound) return undefined;
    throw error;
  }
}

/** The appointment by id, or an input error the model can act on. */
export async function requireAppointment(context: ToolContext, appointmentId: string): Promise<Appointment> {
  const id = appointmentId.trim();
  const appointment = id ? await readAppointment(context, id) : undefined;
  if (!appointment) {
    throw new ToolInputError(
      `No appointment with id ${appointmentId} at ${shownPlace(context.practice.name)}. find_patient shows a patient's next visit with its id.`,
    );
  }
  return appointment;
}

/** The patient's appointments that hold a time on the practice-local day of `startMs` (filtered here, T1). */
async function heldThatDay(
  context: ToolContext,
  patientId: string,
  startMs: number,
  signal: AbortSignal,
): Promise<Appointment[]> {
  const zone = context.practice.timezone;
  const day = DateTime.fromMillis(startMs, { zone }).toISODate() as string;
  const { appointments, truncated } = await context.api.scheduling.listAppointments(
    context.practice.id,
    { range: { from: day, to: day }, patientId, limit: 200 },
    { signal },
  );
  // A list read in part (pages repeated, filters ignored) may miss the very appointment that
  // matters here: the day sheet holds the whole day in one answer.
  const held = truncated
    ? await context.api.scheduling.appointmentsOnDay(context.practice.id, day, { signal })
    : appointments;
  return held.filter((a) => a.patient === patientId && HOLDING_STATUSES.has(a.status ?? ''));
}

/**
 * The patient's appointment at exactly `startMs` with that provider (and chair and length when
 * given): how a booking that may have landed is found again.
 */
export async function findHeld(
  context: ToolContext,
  match: { patientId: string; startMs: number; providerId: string; operatoryId?: string; durationMinutes?: number },
  signal: AbortSignal = context.signal,
): Promise<Appointment | undefined> {
  return (await heldThatDay(context, match.patientId, match.startMs, signal)).find(
    (a) =>
      a.provider === match.providerId &&
      (match.operatoryId === undefined || a.operatory === match.operatoryId) &&
      (match.durationMinutes === undefined || a.duration_minutes === match.durationMinutes) &&
      startOf(a) === match.startMs,
  );
}

/**
 * Another appointment of the patient overlapping [start, start + minutes): the API guards chairs
 * and providers against double booking, not the patient, so a patient in two chairs at once is
 * caught here. An appointment that runs past midnight into the day is not seen (day-bounded list).
 */
export async function patientClash(
  context: ToolContext,
  proposal: { patientId: string; startMs: number; minutes: number; excludeAppointment?: string },
): Promise<Appointment | undefined> {
  const endMs = proposal.startMs + proposal.minutes * 60_000;
  return (await heldThatDay(context, proposal.patientId, proposal.startMs, context.signal)).find((a) => {
    const at = startOf(a);
    if (at === undefined || a.id === proposal.excludeAppointment) return false;
    return at < endMs && proposal.startMs < at + (a.duration_minutes ?? 0) * 60_000;
  });
}

export function startOf(appointment: Appointment): number | undefined {
  if (typeof appointment.date_time !== 'string') return undefined;
  const ms = DateTime.fromISO(appointment.date_time, { setZone: true }).toMillis();
  return Number.isNaN(ms) ? undefined : ms;
}

/** The display name of an appointment's patient (noted for the audit line). */
export async function patientOfAppointment(context: ToolContext, appointment: Appointment): Promise<string> {
  if (!appointment.patient) return 'the patient';
  context.notePatient(appointment.patient);
  try {
    return patientName(
      await context.api.patients.retrieve(context.practice.id, appointment.patient, { signal: context.signal }),
    );
  } catch (error) {
    if (error instanceof NotFound) return 'the patient';
    throw error;
  }
}
