/**
 * After a write: is what Escape Dental now holds what the person confirmed? Each difference in
 * plain words (status, patient, time, length, provider, chair, or another appointment entirely),
 * and the appointments that overlap it on the schedule after all — someone else may have written
 * to Escape Dental between our check and our write.
 */
import { DateTime } from 'luxon';
import type { Appointment } from '../../../api/port.js';
import { shownCode, shownName, shownPlace } from '../../../domain/free-text.js';
import type { ToolContext } from '../types.js';
import { HOLDING_STATUSES, startOf } from './appointments.js';
import { describeView, viewOfAppointment } from './views.js';
import { describeInstant } from './when.js';
import { operatoryLabel, providerLabel, type Rosters } from './where.js';

/** Where an appointment is: what a write sets and what the re-read must show. */
export interface Placement {
  patientId: string;
  startMs: number;
  durationMinutes: number;
  providerId: string | null;
  operatoryId: string | null;
  status: string;
}

/** Where and when a scheduled appointment is, as read (only a scheduled one is moved or cancelled). */
export function placementOf(appointment: Appointment, startMs: number): Placement {
  return {
    patientId: appointment.patient ?? '',
    startMs,
    durationMinutes: appointment.duration_minutes ?? 0,
    providerId: appointment.provider ?? null,
    operatoryId: appointment.operatory ?? null,
    status: 'scheduled',
  };
}

/** The differences between what was asked and what an appointment shows, in plain words (empty: none). */
export function differences(
  asked: Placement & { appointmentId?: string | undefined },
  actual: Appointment,
  r: Rosters,
  zone: string,
): string[] {
  if (asked.appointmentId !== undefined && actual.id !== asked.appointmentId) {
    return [
      `Escape Dental answered with appointment ${actual.id}${actual.patient && actual.patient !== asked.patientId ? ' of another patient' : ''}, not appointment ${asked.appointmentId}`,
    ];
  }
  const found: string[] = [];
  if ((actual.patient ?? '') !== asked.patientId) {
    found.push(`it is for another patient (patient ${actual.patient ?? 'not given'})`);
  }
  if ((actual.status ?? '') !== asked.status) {
    found.push(`its status is ${shownCode('status', actual.status) ?? 'not given'}, not ${asked.status}`);
  }
  const start = startOf(actual);
  if (start !== asked.startMs) {
    found.push(
      `it starts ${start === undefined ? 'at no readable time' : describeInstant(start, zone)}, not ${describeInstant(asked.startMs, zone)}`,
    );
  }
  if ((actual.duration_minutes ?? 0) !== asked.durationMinutes) {
    found.push(`it lasts ${actual.duration_minutes ?? 'an unknown number of'} minutes, not ${asked.durationMinutes}`);
  }
  if ((actual.provider ?? null) !== asked.providerId) {
    found.push(
      `its provider is ${shownName(providerLabel(r, actual.provider)) ?? 'none'}, not ${shownName(providerLabel(r, asked.providerId)) ?? 'none'}`,
    );
  }
  if ((actual.operatory ?? null) !== asked.operatoryId) {
    found.push(
      `its chair is ${shownPlace(operatoryLabel(r, actual.operatory)) ?? 'none'}, not ${shownPlace(operatoryLabel(r, asked.operatoryId)) ?? 'none'}`,
    );
  }
  return found;
}

/**
 * Appointments holding time that overlap `ours` for the same patient, the same provider or the
 * same chair, read from the schedule of that practice-local day (T1: filtered here).
 */
export async function overlapsOnSchedule(
  context: ToolContext,
  ours: { id: string; placement: Placement; patientName: string },
  r: Rosters,
): Promise<string[]> {
  const zone = context.practice.timezone;
  const { placement } = ours;
  const day = DateTime.fromMillis(placement.startMs, { zone }).toISODate() as string;
  const { appointments } = await context.api.scheduling.listAppointments(
    context.practice.id,
    { range: { from: day, to: day }, limit: 500 },
    { signal: context.signal },
  );
  const endMs = placement.startMs + placement.durationMinutes * 60_000;
  const lines: string[] = [];
  for (const other of appointments) {
    const at = startOf(other);
    if (other.id === ours.id || at === undefined || !HOLDING_STATUSES.has(other.status ?? '')) continue;
    if (!(at < endMs && placement.startMs < at + (other.duration_minutes ?? 0) * 60_000)) continue;
    const shared = [
      other.patient === placement.patientId ? 'same patient' : undefined,
      placement.providerId &&
      (other.provider === placement.providerId || other.provider_hygienist === placement.providerId)
        ? 'same provider'
        : undefined,
      placement.operatoryId && other.operatory === placement.operatoryId ? 'same chair' : undefined,
    ].filter((s): s is string => s !== undefined);
    if (shared.length === 0) continue;
    context.noteAppointment(other.id);
    const whose = other.patient === placement.patientId ? ours.patientName : 'another patient';
    const view = viewOfAppointment(other, whose, r, zone);
    lines.push(
      `appointment ${other.id} (${describeView(view, zone)}) overlaps appointment ${ours.id} (${shared.join(', ')}). It was not on the schedule when this write was checked: another client wrote it to Escape Dental meanwhile. Check in Escape Dental which one should stay.`,
    );
  }
  return lines;
}
