/**
 * When a write happens: a practice-local start time (DST-checked) or an instant exactly as
 * find_spot wrote it, and how instants and spans are said back to the person.
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import {
  DateInputError,
  formatPracticeSpan,
  formatPracticeTime,
  localOccurrences,
  parseWallTime,
  toPracticeIso,
} from '../../../domain/dates.js';
import { ToolInputError } from '../errors.js';
import { checkedDate } from '../shared.js';

export const startArgument = (description: string) => z.string().min(10).max(40).describe(description);

export interface Start {
  ms: number;
  /** ISO 8601 with the practice's offset on that date (what the API is sent, L226). */
  iso: string;
}

const START_RE = /^(\d{4}-\d{2}-\d{2})[T ](\d{1,2}:\d{2})(?::(\d{2})(?:\.0+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Reads a start time. Without an offset it is the practice's wall-clock time: a time inside the
 * spring-forward gap does not exist, and one in the fall-back hour happens twice, so both are
 * refused with the choices spelled out (§8.2). With an offset it must be the practice's own offset
 * at that instant — anything else means the caller had another clock in mind.
 */
export function parseStart(text: string, zone: string, nowMs: number, label = 'start'): Start {
  const m = START_RE.exec(text.trim());
  if (!m) {
    throw new ToolInputError(
      `${label} "${text}" is not a date and time. Use the practice's local time, e.g. "2026-12-10 09:00", or a find_spot start as written.`,
    );
  }
  const date = checkedDate(m[1], label) as string;
  let wall: string;
  try {
    wall = parseWallTime(m[2] as string, label).slice(0, 5);
  } catch (error) {
    if (error instanceof DateInputError) throw new ToolInputError(error.message);
    throw error;
  }
  if (m[3] && Number(m[3]) !== 0) throw new ToolInputError(`${label}: appointments start on the minute.`);
  let start: DateTime;
  if (!m[4]) {
    const occurrences = localOccurrences(date, wall, zone);
    if (occurrences.length === 0) {
      throw new ToolInputError(
        `${wall} on ${date} does not exist at the practice (${zone}): the clocks jump forward that night. Pick a time before or after the jump.`,
      );
    }
    if (occurrences.length > 1) {
      const [first, second] = occurrences.map((o) => `"${date}T${wall}${o.toFormat('ZZ')}"`);
      throw new ToolInputError(
        `${wall} on ${date} happens twice at the practice (${zone}): the clocks go back that night. Say which: ${first} (the first) or ${second} (the second).`,
      );
    }
    start = occurrences[0] as DateTime;
  } else {
    const offset = (m[4] as string).toUpperCase();
    const given = DateTime.fromISO(`${date}T${wall.padStart(5, '0')}${offset}`, { setZone: true });
    if (!given.isValid) throw new ToolInputError(`${label} "${text}" is not a valid date and time.`);
    start = given.setZone(zone);
    if (start.offset !== given.offset) {
      throw new ToolInputError(
        `${label} "${text}" is ${describeInstant(start.toMillis(), zone)} at the practice: its offset is not the practice's on that date. Give the practice's local time, e.g. "${start.toFormat('yyyy-MM-dd HH:mm')}", to be sure of the time meant.`,
      );
    }
  }
  if (start.toMillis() < nowMs) {
    throw new ToolInputError(
      `${label} ${describeInstant(start.toMillis(), zone)} is in the past (it is now ${formatPracticeTime(nowMs, zone, { offset: 'near-change' })} at the practice).`,
    );
  }
  return { ms: start.toMillis(), iso: toPracticeIso(start.toMillis(), zone) };
}

/** "Thu 2026-12-10 09:00 (UTC-08:00)": what a person books or confirms from always shows its offset. */
export function describeInstant(ms: number, zone: string): string {
  return formatPracticeTime(ms, zone);
}

/** "Thu 2026-12-10 09:00–10:00 (UTC-08:00)" — the offset is the start's; a DST night shows in the end time. */
export function describeSpan(ms: number, minutes: number, zone: string): string {
  return formatPracticeSpan(ms, minutes, zone);
}
