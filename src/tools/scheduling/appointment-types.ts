/**
 * "A 60-minute crown prep" vs "a crown prep": when staff name a kind of visit instead of a
 * length, the usual length comes from the practice itself — the median duration of its recent
 * appointments of that type. The API has no appointment-type catalog, so this is derived from
 * the appointment list (four weeks back) and memoised for hours.
 */
import { addDays, todayIn } from '../../domain/dates.js';
import { quoted, shownPlace } from '../../domain/free-text.js';
import { foldForMatch } from '../../domain/names.js';
import { ToolInputError, UnverifiableAnswerError } from '../framework/errors.js';
import type { ToolContext } from '../framework/types.js';

export interface AppointmentTypeLength {
  name: string;
  minutes: number;
  /** How many recent appointments the median is taken from. */
  sample: number;
  /** Providers who did this kind of visit recently (primary provider or hygienist). */
  providerIds: string[];
}

const LOOKBACK_DAYS = 28;
const MEMO_TTL_MS = 6 * 60 * 60_000;
const RELEASED = new Set(['cancelled', 'broken', 'unscheduled']);

export interface AppointmentTypeLengths {
  types: AppointmentTypeLength[];
  /** False when Escape Dental's list of recent appointments could not be read whole. */
  complete: boolean;
}

async function appointmentTypeLengths(context: ToolContext): Promise<AppointmentTypeLengths> {
  const practiceId = context.practice.id;
  return context.memo.get(`appointment-types:${practiceId}`, MEMO_TTL_MS, async () => {
    const today = todayIn(context.practice.timezone, context.now());
    const { appointments, truncated } = await context.api.scheduling.listAppointments(
      practiceId,
      { range: { from: addDays(today, -LOOKBACK_DAYS), to: today }, limit: 5000 },
      { signal: context.signal },
    );
    const byType = new Map<string, { name: string; durations: number[]; providers: Set<string> }>();
    for (const appointment of appointments) {
      const name = typeof appointment.appointment_type === 'string' ? appointment.appointment_type.trim() : '';
      const minutes = appointment.duration_minutes;
      if (!name || typeof minutes !== 'number' || minutes <= 0 || RELEASED.has(String(appointment.status))) continue;
      const key = foldForMatch(name);
      const entry = byType.get(key) ?? { name, durations: [], providers: new Set<string>() };
      entry.durations.push(minutes);
      const provider =
        appointment.is_hygiene && appointment.provider_hygienist
          ? appointment.provider_hygienist
          : appointment.provider;
      if (typeof provider === 'string') entry.providers.add(provider);
      byType.set(key, entry);
    }
    const types = [...byType.values()]
      .map(({ name, durations, providers }) => ({
        name,
        minutes: median(durations),
        sample: durations.length,
        providerIds: [...providers].sort(),
      }))
      .sort((a, b) => b.sample - a.sample);
    return { types, complete: !truncated };
  });
}

/** "The usual length of appointment type «Crown Prep» here is 90 minutes (…)": the note a tool adds when it used it. */
export function usualLengthNote(usual: AppointmentTypeLength): string {
  return `The usual length of ${quoted('appointment type', usual.name, 80)} here is ${usual.minutes} minutes (median of ${usual.sample} recent visits).`;
}

/** The usual length of a named visit type; a clear error when the practice has no such type. */
export async function lengthOfAppointmentType(context: ToolContext, requested: string): Promise<AppointmentTypeLength> {
  const { types: known, complete } = await appointmentTypeLengths(context);
  const wanted = foldForMatch(requested);
  const exact = known.filter((t) => foldForMatch(t.name) === wanted);
  const partial =
    exact.length > 0
      ? exact
      : known.filter((t) => foldForMatch(t.name).includes(wanted) || wanted.includes(foldForMatch(t.name)));
  if (partial.length === 1 && partial[0]) return partial[0];
  if (partial.length === 0 && !complete) {
    // "No recent X here" would be a guess: the visits that were not read may be of that kind.
    throw new UnverifiableAnswerError(
      `The recent appointments could not all be read from Escape Dental, so the usual length of a "${requested}" visit is not known here. Give duration_minutes instead.`,
    );
  }
  const names = (partial.length > 1 ? partial : known)
    .slice(0, 15)
    .map((t) => `${quoted('', t.name, 80)} (${t.minutes} min)`);
  throw new ToolInputError(
    partial.length > 1
      ? `"${requested}" matches several appointment types: ${names.join(', ')}. Name one, or give duration_minutes.`
      : `${shownPlace(context.practice.name)} has no recent "${requested}" appointments to take a usual length from. Give duration_minutes instead${names.length ? `, or use one of these appointment types: ${names.join(', ')}` : ''}.`,
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const value =
    sorted.length % 2 === 1
      ? (sorted[middle] as number)
      : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  // Round to the 5-minute grid schedules use.
  return Math.max(5, Math.round(value / 5) * 5);
}
