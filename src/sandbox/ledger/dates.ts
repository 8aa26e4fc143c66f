/**
 * Calendar arithmetic on practice-local `YYYY-MM-DD` dates, over the sandbox's time module.
 * Every ledger date (proc_date, date_complete, pay_date, adj_date, an appointment's local date) is
 * already practice-local (§15.2 M3), so ranges, ages and buckets are pure day counts: a DST change
 * never shortens a day here. Only instants (claim log stamps) need the zone to become a date.
 */
import type { LocalDate } from '../model.js';
import { dateToDayNum, dayNumToDate, timeZone, weekdayMon } from '../time.js';

const dayCache = new Map<string, number>();

/** Days since 1970-01-01, or NaN for anything that is not a real date. */
export function dayNumber(date: LocalDate): number {
  let day = dayCache.get(date);
  if (day === undefined) {
    day = dateToDayNum(date) ?? Number.NaN;
    if (dayCache.size > 100_000) dayCache.clear();
    dayCache.set(date, day);
  }
  return day;
}

export function isLocalDate(value: string): boolean {
  return !Number.isNaN(dayNumber(value));
}

const dateCache = new Map<number, LocalDate>();

export function fromDayNumber(day: number): LocalDate {
  let date = dateCache.get(day);
  if (date === undefined) {
    date = dayNumToDate(day);
    if (dateCache.size > 100_000) dateCache.clear();
    dateCache.set(day, date);
  }
  return date;
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return fromDayNumber(dayNumber(date) + days);
}

/** ISO weekday, 1 = Monday … 7 = Sunday. */
export function isoWeekday(day: number): number {
  return weekdayMon(day) + 1;
}

export function isoWeekStart(day: number): number {
  return day - weekdayMon(day);
}

export function monthStart(day: number): number {
  const d = new Date(day * 86_400_000);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 86_400_000;
}

export function monthEnd(day: number): number {
  const d = new Date(day * 86_400_000);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / 86_400_000 - 1;
}

/** The practice-local calendar date of an instant. */
export function localDateOf(ms: number, zone: string): LocalDate {
  return fromDayNumber(timeZone(zone).dayNumOf(ms));
}

/** The practice-local day number of an instant. */
export function localDayOf(ms: number, zone: string): number {
  return timeZone(zone).dayNumOf(ms);
}
