/**
 * Strict slot reading (T11): the slot finders have no response schema, so exactly these shapes
 * are read and anything else is refused (UnrecognizedShape) rather than guessed:
 *
 * Containers —
 * - a bare array of slot items, or an object with them under `results`, `slots` or
 *   `available_slots` (a `date` beside them dates wall-time items);
 * - days: a list (bare, or under `results` or `days`) of day objects `{date, <slots | times |
 *   available_slots | results>: [items]}`. Any other key of a day (office hours as `start_time` /
 *   `end_time`, `open` / `close`, `office_hours: {…}`) describes the day, never a slot;
 * - a map keyed by date `{"YYYY-MM-DD": [items]}`, bare or under `results`, `slots`, `days` or
 *   `dates` (an empty map under one of these keys: no open times).
 * Items —
 * - a datetime string with offset or `Z` (naive: practice-local wall time);
 * - a wall time `HH:MM[:SS]` on the item's, the day's, the body's or the requested date;
 * - an object with a start under `date_time`, `start`, `start_time`, `time`, `datetime` or `slot`
 *   (several must agree), an optional `date`, provider and chair ids (plain or `{id}`) and
 *   `duration_minutes`.
 * An item of a known form whose time cannot be used (the placeholder "string", a wall time in a
 * DST gap) is left out and counted in a warning; when no item can be used, the answer is refused
 * (UnusableUpstreamValue). Times are returned in the practice's offset (datetimes=utc quirk, T8).
 */
import {
  isLocalDate,
  type LocalDate,
  localToInstant,
  type PracticeInstant,
  parseInstantMs,
  toPracticeInstant,
} from '../../domain/dates.js';
import { describeShape, UnrecognizedShape, UnusableUpstreamValue } from '../errors.js';
import { endpointLabel, type OperationName } from '../paths.js';
import type { Slot } from '../port.js';

const LIST_KEYS = ['results', 'slots', 'available_slots'] as const;
const DAY_LIST_KEYS = ['slots', 'times', 'available_slots', 'results'] as const;
const DAYS_KEYS = ['results', 'days'] as const;
const DATE_MAP_KEYS = ['results', 'slots', 'days', 'dates'] as const;
const START_KEYS = ['date_time', 'start', 'start_time', 'time', 'datetime', 'slot'] as const;
const PROVIDER_KEYS = ['provider', 'provider_id', 'provider_uid'] as const;
const OPERATORY_KEYS = ['operatory', 'operatory_id', 'operatory_uid'] as const;

const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T/;
const WALL_TIME_RE = /^\d{1,2}:\d{2}(:\d{2})?$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Items that share one date context (a day, or the whole answer). */
interface SlotGroup {
  date: LocalDate | undefined;
  items: unknown[];
}

/** The one key of `keys` holding an array; undefined when none or several do. */
function onlyListKey(obj: Record<string, unknown>, keys: readonly string[]): string | undefined {
  const present = keys.filter((k) => Array.isArray(obj[k]));
  return present.length === 1 ? present[0] : undefined;
}

function isDay(value: unknown): value is Record<string, unknown> {
  return isObject(value) && isLocalDate(value.date) && onlyListKey(value, DAY_LIST_KEYS) !== undefined;
}

function isDateMap(value: unknown): value is Record<string, unknown[]> {
  if (!isObject(value)) return false;
  const entries = Object.entries(value);
  return entries.length > 0 && entries.every(([k, v]) => isLocalDate(k) && Array.isArray(v));
}

function groupsOfList(list: unknown[], date: LocalDate | undefined): SlotGroup[] | undefined {
  const days = list.filter(isDay);
  if (days.length === 0) return list.some(Array.isArray) ? undefined : [{ date, items: list }];
  if (days.length !== list.length) return undefined;
  return days.map((day) => ({
    date: day.date as LocalDate,
    items: day[onlyListKey(day, DAY_LIST_KEYS) as string] as unknown[],
  }));
}

function groupsOfDateMap(map: Record<string, unknown[]>): SlotGroup[] {
  return Object.entries(map).map(([date, items]) => ({ date, items }));
}

/** The slot groups of a body; undefined when it is none of the shapes above. */
function slotGroups(body: unknown): SlotGroup[] | undefined {
  if (Array.isArray(body)) return groupsOfList(body, undefined);
  if (!isObject(body)) return undefined;
  if (isDateMap(body)) return groupsOfDateMap(body);
  const date = isLocalDate(body.date) ? body.date : undefined;
  const candidates = [...new Set([...LIST_KEYS, ...DAYS_KEYS, ...DATE_MAP_KEYS])].filter(
    (k) => body[k] !== undefined && body[k] !== null,
  );
  if (candidates.length !== 1) return undefined;
  const key = candidates[0] as string;
  const value = body[key];
  if (Array.isArray(value)) {
    const groups = groupsOfList(value, date);
    // `days` holds days only; a flat list of times sits under the other keys.
    if (key === 'days' && groups?.some((g) => g.date === undefined)) return undefined;
    return groups;
  }
  if ((DATE_MAP_KEYS as readonly string[]).includes(key) && isDateMap(value)) return groupsOfDateMap(value);
  // The by-date shape of a search with nothing open: a map with no dates.
  if ((DATE_MAP_KEYS as readonly string[]).includes(key) && isObject(value) && Object.keys(value).length === 0) {
    return [];
  }
  return undefined;
}

type ItemReading =
  | { kind: 'slot'; start: PracticeInstant; item: Record<string, unknown> | undefined }
  | { kind: 'unusable'; field: string; value: unknown }
  | { kind: 'unknown' };

function readTime(raw: string, date: LocalDate | undefined, zone: string): PracticeInstant | 'unusable' | 'unknown' {
  const text = raw.trim();
  try {
    if (WALL_TIME_RE.test(text)) {
      if (!date) return 'unknown';
      // A wall time in a DST gap is not a slot (§8.2.4): localToInstant throws.
      return toPracticeInstant(localToInstant(date, text, zone).toMillis(), zone);
    }
    if (DATETIME_RE.test(text)) return toPracticeInstant(parseInstantMs(text, zone), zone);
  } catch {
    return 'unusable';
  }
  return 'unusable';
}

function readItem(item: unknown, date: LocalDate | undefined, zone: string): ItemReading {
  if (typeof item === 'string') {
    const start = readTime(item, date, zone);
    return typeof start === 'string'
      ? start === 'unknown'
        ? { kind: 'unknown' }
        : { kind: 'unusable', field: 'slot time', value: item }
      : { kind: 'slot', start, item: undefined };
  }
  if (!isObject(item) || onlyListKey(item, DAY_LIST_KEYS) !== undefined) return { kind: 'unknown' };
  const itemDate = item.date === undefined || item.date === null ? date : isLocalDate(item.date) ? item.date : null;
  const keys = START_KEYS.filter((k) => item[k] !== undefined && item[k] !== null);
  if (keys.length === 0) return { kind: 'unknown' };
  let start: PracticeInstant | undefined;
  for (const key of keys) {
    const raw = item[key];
    if (typeof raw !== 'string' || itemDate === null)
      return { kind: 'unusable', field: itemDate === null ? 'date' : key, value: itemDate === null ? item.date : raw };
    const read = readTime(raw, itemDate, zone);
    if (read === 'unknown') return { kind: 'unknown' };
    if (read === 'unusable') return { kind: 'unusable', field: key, value: raw };
    // Two start keys that disagree: which one is the slot is a guess.
    if (start && start.iso !== read.iso) return { kind: 'unknown' };
    start = read;
  }
  return start ? { kind: 'slot', start, item } : { kind: 'unknown' };
}

function idOf(obj: Record<string, unknown>, keys: readonly string[]): string | null {
  for (const k of keys) {
    const v = obj[k];
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    if (isObject(v) && (typeof v.id === 'string' || typeof v.id === 'number')) return String(v.id);
  }
  return null;
}

export interface ParsedSlots {
  slots: Slot[];
  /** Items of a known form whose time could not be used. */
  unreadable: number;
  /** Whether items carried provider/operatory ids at all. */
  hasProviderIds: boolean;
  hasOperatoryIds: boolean;
  /** Sentences for the tool's text (items left out). */
  warnings: string[];
}

export function parseSlots(
  body: unknown,
  options: { zone: string; durationMinutes: number; date?: LocalDate; operation: OperationName },
): ParsedSlots {
  const endpoint = endpointLabel(options.operation);
  const refuse = (): never => {
    throw new UnrecognizedShape(endpoint, describeShape(body), { operation: options.operation });
  };
  const groups = slotGroups(body) ?? refuse();
  const slots: Slot[] = [];
  let unreadable = 0;
  let firstUnusable: { field: string; value: unknown } | undefined;
  let hasProviderIds = false;
  let hasOperatoryIds = false;
  for (const group of groups) {
    for (const item of group.items) {
      const reading = readItem(item, group.date ?? options.date, options.zone);
      if (reading.kind === 'unknown') refuse();
      if (reading.kind === 'unusable') {
        unreadable += 1;
        firstUnusable ??= reading;
        continue;
      }
      if (reading.kind !== 'slot') continue;
      const obj = reading.item;
      const providerId = obj ? idOf(obj, PROVIDER_KEYS) : null;
      const operatoryId = obj ? idOf(obj, OPERATORY_KEYS) : null;
      const d = obj?.duration_minutes;
      if (providerId !== null) hasProviderIds = true;
      if (operatoryId !== null) hasOperatoryIds = true;
      slots.push({
        start: reading.start.iso,
        startMs: reading.start.ms,
        localDate: reading.start.localDate,
        localTime: reading.start.localTime,
        zone: options.zone,
        providerId,
        operatoryId,
        durationMinutes: typeof d === 'number' && Number.isInteger(d) && d > 0 ? d : options.durationMinutes,
      });
    }
  }
  if (firstUnusable && slots.length === 0) {
    throw new UnusableUpstreamValue(firstUnusable.field, `the open times (endpoint ${endpoint})`, firstUnusable.value, {
      operation: options.operation,
    });
  }
  const warnings =
    unreadable > 0
      ? [
          `${unreadable} open time${unreadable === 1 ? '' : 's'} in Escape Dental's answer could not be read (${firstUnusable?.field ?? 'slot time'} unusable) and ${unreadable === 1 ? 'was' : 'were'} left out.`,
        ]
      : [];
  return { slots, unreadable, hasProviderIds, hasOperatoryIds, warnings };
}

/** Sorts by instant (then provider, operatory) and drops exact duplicates. */
export function sortAndDedupeSlots(slots: readonly Slot[]): Slot[] {
  const seen = new Set<string>();
  const out: Slot[] = [];
  const sorted = [...slots].sort(
    (a, b) =>
      a.startMs - b.startMs ||
      (a.providerId ?? '').localeCompare(b.providerId ?? '') ||
      (a.operatoryId ?? '').localeCompare(b.operatoryId ?? ''),
  );
  for (const s of sorted) {
    const key = `${s.startMs}|${s.providerId ?? ''}|${s.operatoryId ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(s);
  }
  return out;
}
