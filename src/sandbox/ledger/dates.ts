/**
 * Calendar arithmetic on practice-local `YYYY-MM-DD` dates. Every ledger date (proc_date,
 * date_complete, pay_date, adj_date, an appointment's local date) is already practice-local
 * (§15.2 M3), so ranges, ages and buckets are pure day counts: a DST change never shortens a day
 * here. Only instants (claim log stamps, "now") need the practice's zone to become a date.
 */
import { DateTime } from 'luxon';
import type { LocalDate } from '../model.js';

const MS_PER_DAY = 86_400_000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 for a valid date, or NaN. */
export function dayNumber(date: LocalDate): number {
  const m = DATE_RE.exec(date);
  if (!m) return Number.NaN;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return Number.NaN;
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCDate() !== d || back.getUTCMonth() !== mo - 1) return Number.NaN; // 2026-02-30
  return Math.round(ms / MS_PER_DAY);
}

export function isLocalDate(value: string): boolean {
  return !Number.isNaN(dayNumber(value));
}

export function fromDayNumber(day: number): LocalDate {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return fromDayNumber(dayNumber(date) + days);
}

/** ISO weekday, 1 = Monday … 7 = Sunday. */
export function isoWeekday(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1; // 1970-01-01 was a Thursday
}

export function isoWeekStart(day: number): number {
  return day - (isoWeekday(day) - 1);
}

export function monthStart(day: number): number {
  const d = new Date(day * MS_PER_DAY);
  return Math.round(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / MS_PER_DAY);
}

export function monthEnd(day: number): number {
  const d = new Date(day * MS_PER_DAY);
  return Math.round(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / MS_PER_DAY) - 1;
}

// Offsets only ever change on a 15-minute boundary, so one lookup per 15-minute slot is exact.
const SLOT_MS = 15 * 60_000;
const zoneCaches = new Map<string, Map<number, LocalDate>>();

/** The practice-local calendar date of an instant. */
export function localDateOf(ms: number, zone: string): LocalDate {
  let cache = zoneCaches.get(zone);
  if (!cache) {
    cache = new Map();
    zoneCaches.set(zone, cache);
  }
  const slot = Math.floor(ms / SLOT_MS);
  let date = cache.get(slot);
  if (date === undefined) {
    date = DateTime.fromMillis(slot * SLOT_MS, { zone }).toISODate() ?? fromDayNumber(Math.floor(ms / MS_PER_DAY));
    if (cache.size > 50_000) cache.clear();
    cache.set(slot, date);
  }
  return date;
}

/** The instant of a local wall-clock time on a local date (first occurrence when ambiguous). */
export function zonedInstant(date: LocalDate, hour: number, minute: number, zone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return DateTime.fromObject({ year: y, month: m, day: d, hour, minute }, { zone }).toMillis();
}
