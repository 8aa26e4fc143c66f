/**
 * Practice-local time without luxon in hot loops. Each IANA zone gets a table of its UTC-offset
 * transitions (computed once per year with luxon), so offset lookups are a binary search and a
 * local wall-clock time converts to an instant with two lookups. Local dates are handled as day
 * numbers (days since 1970-01-01) and `YYYY-MM-DD` strings.
 */
import { DateTime } from 'luxon';
import type { EpochMs, LocalDate } from './model.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

interface Transition {
  atMs: EpochMs; // first instant of the new offset
  offsetMin: number; // offset (minutes east of UTC) from atMs on
}

export class TimeZone {
  readonly name: string;
  private readonly years = new Map<number, { startOffset: number; transitions: Transition[] }>();
  private readonly dayCache = new Map<number, DayInfo>();

  constructor(name: string) {
    if (!DateTime.now().setZone(name).isValid) throw new Error(`Unknown time zone: ${name}`);
    this.name = name;
  }

  /** Offset in minutes east of UTC at an instant (e.g. -420 for PDT). */
  offsetAt(ms: EpochMs): number {
    const year = new Date(ms).getUTCFullYear();
    const table = this.yearTable(year);
    let offset = table.startOffset;
    for (const t of table.transitions) {
      if (ms >= t.atMs) offset = t.offsetMin;
      else break;
    }
    return offset;
  }

  private yearTable(year: number): { startOffset: number; transitions: Transition[] } {
    let table = this.years.get(year);
    if (table) return table;
    const start = Date.UTC(year, 0, 1);
    const raw = (ms: number) => DateTime.fromMillis(ms, { zone: this.name }).offset;
    const startOffset = raw(start);
    const transitions: Transition[] = [];
    let prevMs = start;
    let prevOffset = startOffset;
    for (let month = 1; month <= 12; month++) {
      const ms = Date.UTC(year, month, 1);
      const offset = raw(ms);
      if (offset !== prevOffset) {
        // Binary search for the first minute carrying the new offset.
        let lo = prevMs;
        let hi = ms;
        while (hi - lo > MINUTE) {
          const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
          if (raw(mid) === prevOffset) lo = mid;
          else hi = mid;
        }
        transitions.push({ atMs: hi, offsetMin: raw(hi) });
      }
      prevMs = ms;
      prevOffset = offset;
    }
    table = { startOffset, transitions };
    this.years.set(year, table);
    return table;
  }

  /** Facts about one local date: instants of its midnight and whether a DST change happens in it. */
  day(dayNum: number): DayInfo {
    let info = this.dayCache.get(dayNum);
    if (info) return info;
    const start = this.localMidnight(dayNum);
    const end = this.localMidnight(dayNum + 1);
    const before = this.offsetAt(start);
    const after = this.offsetAt(end - 1);
    info = {
      dayNum,
      date: dayNumToDate(dayNum),
      weekday: weekdaySun(dayNum),
      before,
      after,
      uniform: before === after,
    };
    this.dayCache.set(dayNum, info);
    return info;
  }

  /** The instant of local 00:00 (US transitions happen at 02:00, so midnight always exists). */
  private localMidnight(dayNum: number): EpochMs {
    const naive = dayNum * DAY;
    const guess = naive - this.offsetAt(naive) * MINUTE;
    return naive - this.offsetAt(guess) * MINUTE;
  }

  /**
   * The instant of a local wall-clock minute on a local date; `null` inside a DST gap. An ambiguous
   * (fall-back) time resolves to its first occurrence (ASSUMPTIONS §5).
   */
  localToInstant(dayNum: number, minuteOfDay: number): EpochMs | null {
    const info = this.day(dayNum);
    const naive = dayNum * DAY + minuteOfDay * MINUTE;
    if (info.uniform) return naive - info.before * MINUTE;
    let best: number | null = null;
    for (const offset of [info.before, info.after]) {
      const candidate = naive - offset * MINUTE;
      if (this.offsetAt(candidate) === offset && (best === null || candidate < best)) best = candidate;
    }
    return best;
  }

  /** Like localToInstant, but a time inside a gap maps to the instant the clocks jump (for interval bounds). */
  localToInstantLenient(dayNum: number, minuteOfDay: number): EpochMs {
    const exact = this.localToInstant(dayNum, minuteOfDay);
    if (exact !== null) return exact;
    const info = this.day(dayNum);
    return dayNum * DAY + minuteOfDay * MINUTE - info.before * MINUTE;
  }

  /** Local day number of an instant. */
  dayNumOf(ms: EpochMs): number {
    return Math.floor((ms + this.offsetAt(ms) * MINUTE) / DAY);
  }

  localDateOf(ms: EpochMs): LocalDate {
    return dayNumToDate(this.dayNumOf(ms));
  }

  /** Local minute of the day (0..1439) of an instant. */
  minuteOfDay(ms: EpochMs): number {
    const local = ms + this.offsetAt(ms) * MINUTE;
    return Math.floor((((local % DAY) + DAY) % DAY) / MINUTE);
  }

  /** `2026-05-14T09:00:00-07:00` */
  formatLocal(ms: EpochMs): string {
    const offset = this.offsetAt(ms);
    const local = new Date(ms + offset * MINUTE).toISOString().slice(0, 19);
    return `${local}${formatOffset(offset)}`;
  }
}

export interface DayInfo {
  dayNum: number;
  date: LocalDate;
  weekday: number; // 0=Sunday
  before: number; // offset at the start of the day
  after: number; // offset at the end of the day
  uniform: boolean; // no offset change inside the day
}

const zones = new Map<string, TimeZone>();

export function timeZone(name: string): TimeZone {
  let tz = zones.get(name);
  if (!tz) {
    tz = new TimeZone(name);
    zones.set(name, tz);
  }
  return tz;
}

export function formatOffset(offsetMin: number): string {
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** `2026-05-14T16:00:12Z` (server stamps; no fractional seconds). */
export function formatUtc(ms: EpochMs): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Day number of a `YYYY-MM-DD` string, or null when it is not a real date. */
export function dateToDayNum(date: string): number | null {
  const m = DATE_RE.exec(date);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const ms = Date.UTC(y, mo - 1, d);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return null;
  return ms / DAY;
}

const DATE_STRINGS = new Map<number, LocalDate>();

export function dayNumToDate(dayNum: number): LocalDate {
  let date = DATE_STRINGS.get(dayNum);
  if (date === undefined) {
    date = new Date(dayNum * DAY).toISOString().slice(0, 10);
    if (DATE_STRINGS.size < 200_000) DATE_STRINGS.set(dayNum, date);
  }
  return date;
}

/** 0=Sunday … 6=Saturday (templates, L1220). */
export function weekdaySun(dayNum: number): number {
  return (((dayNum + 4) % 7) + 7) % 7;
}

/** 0=Monday … 6=Sunday (find-spot, L722). */
export function weekdayMon(dayNum: number): number {
  return (weekdaySun(dayNum) + 6) % 7;
}

export function addDays(date: LocalDate, days: number): LocalDate {
  const n = dateToDayNum(date);
  if (n === null) throw new Error(`Bad date ${date}`);
  return dayNumToDate(n + days);
}

/** `HH:MM:SS` or `HH:MM` → minute of day; null when malformed. `24:00:00` is accepted as 1440. */
export function parseWallTime(text: string): number | null {
  const m = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  const s = m[3] === undefined ? 0 : Number(m[3]);
  if (min > 59 || s !== 0) return null;
  if (h === 24 && min === 0 && s === 0) return 1440;
  if (h > 23) return null;
  return h * 60 + min;
}

export function formatWallTime(minuteOfDay: number): string {
  const h = Math.floor(minuteOfDay / 60);
  const m = minuteOfDay % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00`;
}

/**
 * Parses an ISO 8601 datetime that must carry an offset (`Z` or `±HH:MM`). Returns the instant,
 * `'naive'` when the offset is missing, or null when unparseable.
 */
export function parseOffsetDateTime(text: string): EpochMs | 'naive' | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(
    text,
  );
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, off] = m;
  const base = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0));
  const check = new Date(base);
  if (check.getUTCDate() !== Number(d) || check.getUTCMonth() !== Number(mo) - 1) return null;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59) return null;
  const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  if (!off) return 'naive';
  if (off === 'Z' || off === 'z') return base + ms;
  const sign = off.startsWith('-') ? -1 : 1;
  const digits = off.slice(1).replace(':', '');
  const offsetMin = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
  return base + ms - offsetMin * MINUTE;
}

export const MS_PER_MINUTE = MINUTE;
export const MS_PER_DAY = DAY;
