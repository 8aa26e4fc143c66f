/**
 * Tolerant slot parsing (T11): the slot finders have no response schema. Accepted:
 * - a top-level array, or an object holding the list under `results`, `slots` or `available_slots`;
 * - items that are ISO datetimes (with offset, or naive = practice-local), `HH:MM[:SS]` strings
 *   combined with the requested date (or the body's `date`) in the practice zone, or objects with
 *   any of `date_time` / `start` / `start_time` / `time` / `datetime` (+ optional `date`).
 * Times are returned in the practice's offset (datetimes=utc quirk, T8).
 */
import {
  isLocalDate,
  type LocalDate,
  localToInstant,
  type PracticeInstant,
  parseInstantMs,
  toPracticeInstant,
} from '../../domain/dates.js';
import { InvalidResponse } from '../errors.js';
import type { Slot } from '../port.js';

const LIST_KEYS = ['results', 'slots', 'available_slots', 'availableSlots', 'data', 'items'] as const;
const START_KEYS = ['date_time', 'start', 'start_time', 'startTime', 'time', 'datetime', 'slot'] as const;
const PROVIDER_KEYS = ['provider', 'provider_id', 'provider_uid', 'providerId'] as const;
const OPERATORY_KEYS = ['operatory', 'operatory_id', 'operatory_uid', 'operatoryId'] as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function firstString(obj: Record<string, unknown>, keys: readonly string[]): string | undefined {
  for (const k of keys) {
    const v = obj[k];
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    if (isObject(v) && (typeof v.id === 'string' || typeof v.id === 'number')) return String(v.id);
  }
  return undefined;
}

/** Finds the slot list in a body; undefined when there is none. */
export function slotList(body: unknown): { items: unknown[]; date: LocalDate | undefined } | undefined {
  if (Array.isArray(body)) {
    const flat = body.length > 0 && body.every(Array.isArray) ? (body as unknown[][]).flat() : body;
    return { items: flat, date: undefined };
  }
  if (!isObject(body)) return undefined;
  const date = typeof body.date === 'string' && isLocalDate(body.date) ? body.date : undefined;
  for (const key of LIST_KEYS) {
    const v = body[key];
    if (Array.isArray(v)) {
      const nested = slotList(v);
      return { items: nested?.items ?? v, date };
    }
    if (isObject(v)) {
      const nested = slotList(v);
      if (nested) return { items: nested.items, date: nested.date ?? date };
    }
  }
  return undefined;
}

function toInstant(raw: string, dateHint: LocalDate | undefined, zone: string): PracticeInstant | undefined {
  const text = raw.trim();
  try {
    if (/^\d{1,2}:\d{2}(:\d{2})?$/.test(text)) {
      if (!dateHint) return undefined;
      // A wall time in a DST gap is not a slot (§8.2.4): localToInstant throws, we skip it.
      return toPracticeInstant(localToInstant(dateHint, text, zone).toMillis(), zone);
    }
    return toPracticeInstant(parseInstantMs(text, zone), zone);
  } catch {
    return undefined;
  }
}

export interface ParsedSlots {
  slots: Slot[];
  /** Items that could not be read as a time. */
  unreadable: number;
  /** Whether items carried provider/operatory ids at all. */
  hasProviderIds: boolean;
  hasOperatoryIds: boolean;
}

export function parseSlots(
  body: unknown,
  options: { zone: string; durationMinutes: number; date?: LocalDate; operation: string },
): ParsedSlots {
  const list = slotList(body);
  if (!list) {
    throw new InvalidResponse(`The Escape Dental API's slot answer could not be read (${options.operation}).`, {
      operation: options.operation,
    });
  }
  const slots: Slot[] = [];
  let unreadable = 0;
  let hasProviderIds = false;
  let hasOperatoryIds = false;
  for (const item of list.items) {
    let start: PracticeInstant | undefined;
    let providerId: string | null = null;
    let operatoryId: string | null = null;
    let duration = options.durationMinutes;
    if (typeof item === 'string') {
      start = toInstant(item, options.date ?? list.date, options.zone);
    } else if (isObject(item)) {
      const raw = firstString(item, START_KEYS);
      const itemDate = typeof item.date === 'string' && isLocalDate(item.date) ? item.date : undefined;
      if (raw !== undefined) start = toInstant(raw, itemDate ?? options.date ?? list.date, options.zone);
      providerId = firstString(item, PROVIDER_KEYS) ?? null;
      operatoryId = firstString(item, OPERATORY_KEYS) ?? null;
      const d = item.duration_minutes ?? item.duration;
      if (typeof d === 'number' && Number.isInteger(d) && d > 0) duration = d;
    }
    if (!start) {
      unreadable += 1;
      continue;
    }
    if (providerId !== null) hasProviderIds = true;
    if (operatoryId !== null) hasOperatoryIds = true;
    slots.push({
      start: start.iso,
      localDate: start.localDate,
      localTime: start.localTime,
      providerId,
      operatoryId,
      durationMinutes: duration,
    });
  }
  if (slots.length === 0 && unreadable > 0) {
    throw new InvalidResponse(`The Escape Dental API's slot times could not be read (${options.operation}).`, {
      operation: options.operation,
    });
  }
  return { slots, unreadable, hasProviderIds, hasOperatoryIds };
}

/** Sorts by instant (then provider, operatory) and drops exact duplicates. */
export function sortAndDedupeSlots(slots: readonly Slot[]): Slot[] {
  const seen = new Set<string>();
  const out: Slot[] = [];
  const keyed = slots.map((s) => ({ s, t: Date.parse(s.start) }));
  keyed.sort(
    (a, b) =>
      a.t - b.t ||
      (a.s.providerId ?? '').localeCompare(b.s.providerId ?? '') ||
      (a.s.operatoryId ?? '').localeCompare(b.s.operatoryId ?? ''),
  );
  for (const { s, t } of keyed) {
    const key = `${t}|${s.providerId ?? ''}|${s.operatoryId ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(s);
  }
  return out;
}
