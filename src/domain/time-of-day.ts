/**
 * Staff phrasing → find-spot start-time windows: "mornings", "afternoons", "evenings",
 * "after 3pm", "before 10:30", "between 9 and 11", "Tue/Thu after 3pm", and several clauses joined
 * by "or"/";" ("Mon mornings or Thu after 3pm"). Days use find-spot numbering 0=Mon..6=Sun (L722,
 * T7). Bounds are inclusive start times, as find-spot reads them (L723 "acceptable start time").
 */
import { DateInputError } from './dates.js';

export interface StartWindow {
  /** Find-spot weekdays 0=Mon..6=Sun, ascending; null = every day. */
  days: number[] | null;
  /** Earliest acceptable start `HH:MM` (inclusive), or null. */
  earliest: string | null;
  /** Latest acceptable start `HH:MM` (inclusive), or null. */
  latest: string | null;
}

export interface ParsedTimeOfDay {
  windows: StartWindow[];
  /** Readings the parser had to assume (e.g. "3" read as 15:00). */
  assumptions: string[];
}

const DAY_WORDS: Record<string, number> = {
  mon: 0,
  monday: 0,
  mondays: 0,
  tue: 1,
  tues: 1,
  tuesday: 1,
  tuesdays: 1,
  wed: 2,
  weds: 2,
  wednesday: 2,
  wednesdays: 2,
  thu: 3,
  thur: 3,
  thurs: 3,
  thursday: 3,
  thursdays: 3,
  fri: 4,
  friday: 4,
  fridays: 4,
  sat: 5,
  saturday: 5,
  saturdays: 5,
  sun: 6,
  sunday: 6,
  sundays: 6,
};

const PERIODS: Record<string, { earliest: string | null; latest: string | null }> = {
  morning: { earliest: null, latest: '11:59' },
  afternoon: { earliest: '12:00', latest: '16:59' },
  evening: { earliest: '17:00', latest: null },
};

const SUPPORTED =
  'Try phrases like "mornings", "afternoons", "evenings", "after 3pm", "before 10:30", "between 9 and 11", ' +
  '"Tue/Thu after 3pm" or "Mon mornings or Fri afternoons".';

export class TimeOfDayError extends DateInputError {}

function fail(message: string): never {
  throw new TimeOfDayError(`${message} ${SUPPORTED}`, 'invalid_time');
}

/** Parses a clock phrase ("3pm", "3:30 pm", "15:00", "noon", "9") into minutes since midnight. */
export function parseClock(text: string, assumptions: string[] = []): number {
  const t = text.trim().toLowerCase().replace(/\./g, '');
  if (t === 'noon' || t === 'midday') return 12 * 60;
  if (t === 'midnight') return 0;
  const m = /^(\d{1,2})(?::?(\d{2}))?\s*(am|pm|a|p)?$/.exec(t);
  if (!m) fail(`"${text}" is not a time of day.`);
  let hour = Number(m[1]);
  const minute = Number(m[2] ?? '0');
  const meridiem = m[3]?.startsWith('p') ? 'pm' : m[3]?.startsWith('a') ? 'am' : null;
  if (minute > 59) fail(`"${text}" is not a time of day.`);
  if (meridiem) {
    if (hour < 1 || hour > 12) fail(`"${text}" is not a 12-hour time.`);
    if (meridiem === 'am') hour = hour === 12 ? 0 : hour;
    else hour = hour === 12 ? 12 : hour + 12;
  } else {
    if (hour > 23) fail(`"${text}" is not a time of day.`);
    // A bare 1–6 in office talk ("after 3") means the afternoon; dental offices are closed at 3am.
    if (hour >= 1 && hour <= 6 && m[2] === undefined) {
      assumptions.push(`"${text.trim()}" read as ${hour + 12}:00`);
      hour += 12;
    }
  }
  return hour * 60 + minute;
}

function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

function parseDays(text: string): { days: number[] | null; rest: string } {
  let rest = ` ${text} `;
  const days = new Set<number>();
  let any = false;
  if (/\b(weekdays?|work ?days?)\b/.test(rest)) {
    for (const d of [0, 1, 2, 3, 4]) days.add(d);
    rest = rest.replace(/\b(weekdays?|work ?days?)\b/g, ' ');
    any = true;
  }
  if (/\bweekends?\b/.test(rest)) {
    days.add(5);
    days.add(6);
    rest = rest.replace(/\bweekends?\b/g, ' ');
    any = true;
  }
  if (/\b(every ?day|daily|any ?day)\b/.test(rest)) {
    rest = rest.replace(/\b(every ?day|daily|any ?day)\b/g, ' ');
    return { days: null, rest };
  }
  const dayAlt = Object.keys(DAY_WORDS)
    .sort((a, b) => b.length - a.length)
    .join('|');
  const rangeRe = new RegExp(`\\b(${dayAlt})\\s*(?:-|–|to|through|thru)\\s*(${dayAlt})\\b`, 'g');
  rest = rest.replace(rangeRe, (_all, a: string, b: string) => {
    const start = DAY_WORDS[a] as number;
    const end = DAY_WORDS[b] as number;
    for (let d = start; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === end) break;
    }
    any = true;
    return ' ';
  });
  const singleRe = new RegExp(`\\b(${dayAlt})\\b`, 'g');
  rest = rest.replace(singleRe, (_all, a: string) => {
    days.add(DAY_WORDS[a] as number);
    any = true;
    return ' ';
  });
  return { days: any ? [...days].sort((a, b) => a - b) : null, rest };
}

function parseClause(clause: string, assumptions: string[]): StartWindow {
  const { days, rest: afterDays } = parseDays(clause);
  let rest = afterDays.replace(/[,/&]/g, ' ');
  let earliest: number | null = null;
  let latest: number | null = null;
  const tighten = (e: number | null, l: number | null): void => {
    if (e !== null) earliest = earliest === null ? e : Math.max(earliest, e);
    if (l !== null) latest = latest === null ? l : Math.min(latest, l);
  };

  const clock = String.raw`(noon|midday|midnight|\d{1,2}(?::?\d{2})?(?:\s*(?:am|pm|a\.m\.|p\.m\.|a|p)(?![a-z]))?)(?![\d:])`;
  rest = rest.replace(
    new RegExp(`\\b(?:between|from)\\s+${clock}\\s+(?:and|to|-|–|until|till)\\s+${clock}`, 'g'),
    (_a, x: string, y: string) => {
      tighten(parseClock(x, assumptions), parseClock(y, assumptions));
      return ' ';
    },
  );
  rest = rest.replace(new RegExp(`\\b${clock}\\s*(?:-|–)\\s*${clock}`, 'g'), (_a, x: string, y: string) => {
    tighten(parseClock(x, assumptions), parseClock(y, assumptions));
    return ' ';
  });
  rest = rest.replace(new RegExp(`\\b(?:after|from|not before|no earlier than)\\s+${clock}`, 'g'), (_a, x: string) => {
    tighten(parseClock(x, assumptions), null);
    return ' ';
  });
  // "before 10:30" excludes a 10:30 start; "by 10:30" / "until 10:30" / "no later than" include it.
  rest = rest.replace(new RegExp(`\\bbefore\\s+${clock}`, 'g'), (_a, x: string) => {
    const v = parseClock(x, assumptions);
    if (v === 0) fail('"before midnight" does not narrow anything.');
    tighten(null, v - 1);
    return ' ';
  });
  rest = rest.replace(new RegExp(`\\b(?:by|until|till|no later than|not after)\\s+${clock}`, 'g'), (_a, x: string) => {
    tighten(null, parseClock(x, assumptions));
    return ' ';
  });
  rest = rest.replace(new RegExp(`\\bat\\s+${clock}`, 'g'), (_a, x: string) => {
    const v = parseClock(x, assumptions);
    tighten(v, v);
    return ' ';
  });
  rest = rest.replace(/\b(mornings?|am|afternoons?|pm|evenings?|late day)\b/g, (w: string) => {
    const key =
      w.startsWith('morning') || w === 'am'
        ? 'morning'
        : w.startsWith('afternoon') || w === 'pm'
          ? 'afternoon'
          : 'evening';
    const p = PERIODS[key] as { earliest: string | null; latest: string | null };
    tighten(p.earliest ? toMinutes(p.earliest) : null, p.latest ? toMinutes(p.latest) : null);
    return ' ';
  });
  rest = rest.replace(/\b(any ?time|all day|whenever|only|please|on|in|the|and|starting|start|starts|times?)\b/g, ' ');

  const leftover = rest.replace(/\s+/g, ' ').trim();
  if (leftover !== '') fail(`I could not read "${leftover}" as a day or time.`);
  if (earliest !== null && latest !== null && earliest > latest) {
    fail(`The earliest start (${hhmm(earliest)}) is after the latest start (${hhmm(latest)}).`);
  }
  return {
    days,
    earliest: earliest === null ? null : hhmm(earliest),
    latest: latest === null ? null : hhmm(latest),
  };
}

function toMinutes(t: string): number {
  const [h, m] = t.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

/**
 * Parses staff phrasing into one window per clause. Empty text → one unrestricted window.
 * Throws {@link TimeOfDayError} with the supported phrasing when something is not understood.
 */
export function parseTimeOfDay(input: string): ParsedTimeOfDay {
  if (typeof input !== 'string') fail('The time preference must be text.');
  const text = input
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (text.length > 200) fail('The time preference is too long.');
  const assumptions: string[] = [];
  if (text === '') return { windows: [{ days: null, earliest: null, latest: null }], assumptions };
  const clauses = text
    .split(/\s*(?:;|\bor\b|\|)\s*/)
    .map((c) => c.trim())
    .filter((c) => c !== '');
  const windows = clauses.map((c) => parseClause(c, assumptions));
  return { windows: dedupeWindows(windows), assumptions };
}

function dedupeWindows(windows: StartWindow[]): StartWindow[] {
  const seen = new Set<string>();
  return windows.filter((w) => {
    const key = JSON.stringify(w);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Validates a window built by a tool from structured arguments (days 0–6, HH:MM, earliest ≤ latest). */
export function validateStartWindow(window: StartWindow): StartWindow {
  const days = window.days === null ? null : [...new Set(window.days)].sort((a, b) => a - b);
  if (days !== null) {
    if (days.length === 0) fail('A window needs at least one day.');
    for (const d of days) if (!Number.isInteger(d) || d < 0 || d > 6) fail(`${d} is not a weekday (0=Mon..6=Sun).`);
  }
  const check = (t: string | null): string | null => {
    if (t === null) return null;
    const m = /^(\d{2}):(\d{2})$/.exec(t);
    if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) fail(`"${t}" is not an HH:MM time.`);
    return t;
  };
  const earliest = check(window.earliest);
  const latest = check(window.latest);
  if (earliest !== null && latest !== null && earliest > latest) {
    fail(`The earliest start (${earliest}) is after the latest start (${latest}).`);
  }
  return { days, earliest, latest };
}

/** Whether a practice-local start (find-spot weekday + `HH:MM`) falls in any window. */
export function startFitsWindows(day: number, time: string, windows: readonly StartWindow[]): boolean {
  return windows.some(
    (w) =>
      (w.days === null || w.days.includes(day)) &&
      (w.earliest === null || time >= w.earliest) &&
      (w.latest === null || time <= w.latest),
  );
}
