/**
 * Scheduling validation shared by validate-appointment, create and update (ASSUMPTIONS §7):
 * closed days, DST gaps, bookable hours, blockouts, and operatory/provider double-booking.
 */
import type { PracticeIndex } from './indexes.js';
import type { Appointment, EpochMs, Uuid } from './model.js';
import { blocksSlot, contains, daySchedule, overlaps } from './schedule.js';
import { dateToDayNum, MS_PER_MINUTE } from './time.js';

export type IssueCode =
  | 'operatory_conflict'
  | 'provider_conflict'
  | 'outside_hours'
  | 'blocked'
  | 'closed'
  | 'dst_gap'
  | 'in_past';

export interface Issue {
  code: IssueCode;
  severity: 'error' | 'warning';
  message: string;
  appointment?: Uuid;
}

export interface Proposal {
  startMs: EpochMs;
  durationMinutes: number;
  providerId: Uuid | null;
  hygienistId?: Uuid | null;
  operatoryId: Uuid | null;
  excludeId?: Uuid | null;
  /** The datetime text as sent, for the DST-gap check on its wall-clock part. */
  rawDateTime?: string;
}

/** Hours/closure/DST issues (errors unless noted); conflicts are separate (`conflicts`). */
export function scheduleIssues(index: PracticeIndex, p: Proposal, nowMs: EpochMs): Issue[] {
  const issues: Issue[] = [];
  const tz = index.tz;
  const endMs = p.startMs + p.durationMinutes * MS_PER_MINUTE;
  // A wall-clock time written with an offset that the practice never uses on that date, inside
  // the spring-forward gap (e.g. 02:30-08:00 on the LA spring-forward Sunday), does not exist locally.
  if (p.rawDateTime) {
    const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})/.exec(p.rawDateTime);
    const zulu = /(Z|[+-]00:?00)$/i.test(p.rawDateTime);
    if (m && !zulu) {
      const dayNum = dateToDayNum(m[1] as string);
      const minute = Number(m[2]) * 60 + Number(m[3]);
      if (dayNum !== null && tz.localToInstant(dayNum, minute) === null) {
        issues.push({
          code: 'dst_gap',
          severity: 'error',
          message: `${m[1]}T${m[2]}:${m[3]} does not exist in ${tz.name} (daylight-saving gap).`,
        });
      }
    }
  }
  if (p.startMs < nowMs)
    issues.push({ code: 'in_past', severity: 'warning', message: 'The appointment starts in the past.' });
  const dayNum = tz.dayNumOf(p.startMs);
  const day = daySchedule(index, dayNum);
  if (day.closedAllDay || day.practiceHours.length === 0) {
    issues.push({
      code: 'closed',
      severity: 'error',
      message: `The practice is ${day.closureStatus === 'holiday' ? 'closed for a holiday' : 'closed'} on ${tz.localDateOf(p.startMs)}.`,
    });
    return issues;
  }
  const operatory = p.operatoryId ? index.operatoryById.get(p.operatoryId) : undefined;
  if (operatory && !operatory.isBookable) {
    issues.push({ code: 'blocked', severity: 'error', message: `Operatory ${operatory.name} is not bookable.` });
  }
  const hours = day.toInstants(day.hours(p.providerId, p.operatoryId));
  if (!contains(hours, p.startMs, endMs)) {
    issues.push({
      code: 'outside_hours',
      severity: 'error',
      message: p.providerId ? 'Outside the working hours of this provider in this operatory.' : 'Outside office hours.',
    });
  } else {
    const blocked = day.toInstants(day.blockouts(p.providerId, p.operatoryId));
    if (overlaps(blocked, p.startMs, endMs)) {
      const names = day.blocks
        .filter((b) => b.scheduleType === 'blockout')
        .map((b) => b.blockoutType)
        .filter((x, i, a) => x && a.indexOf(x) === i);
      issues.push({
        code: 'blocked',
        severity: 'error',
        message: `Overlaps blocked time${names.length > 0 ? ` (${names.join(', ')})` : ''}.`,
      });
    }
  }
  return issues;
}

/** Blocking appointments overlapping the proposal in the same operatory or with the same provider. */
export function conflicts(index: PracticeIndex, p: Proposal): Issue[] {
  const endMs = p.startMs + p.durationMinutes * MS_PER_MINUTE;
  const people = new Set([p.providerId, p.hygienistId].filter((x): x is Uuid => !!x));
  const out: Issue[] = [];
  const dayNum = index.tz.dayNumOf(p.startMs);
  const seen = new Set<Uuid>();
  for (const d of [dayNum - 1, dayNum, dayNum + 1]) {
    for (const a of index.appointmentsOnDay(d)) {
      if (seen.has(a.id) || a.id === p.excludeId || !blocksSlot(a)) continue;
      seen.add(a.id);
      const aEnd = a.startMs + a.durationMinutes * MS_PER_MINUTE;
      if (!(a.startMs < endMs && p.startMs < aEnd)) continue;
      if (p.operatoryId && a.operatoryId === p.operatoryId) {
        out.push({
          code: 'operatory_conflict',
          severity: 'error',
          appointment: a.id,
          message: `Operatory is already booked from ${index.tz.formatLocal(a.startMs)} for ${a.durationMinutes} minutes.`,
        });
      } else if (sharesPerson(a, people)) {
        out.push({
          code: 'provider_conflict',
          severity: 'error',
          appointment: a.id,
          message: `Provider is already booked from ${index.tz.formatLocal(a.startMs)} for ${a.durationMinutes} minutes.`,
        });
      }
    }
  }
  return out;
}

function sharesPerson(a: Appointment, people: Set<Uuid>): boolean {
  return (
    (a.providerId !== null && people.has(a.providerId)) ||
    (a.providerHygienistId !== null && people.has(a.providerHygienistId))
  );
}
