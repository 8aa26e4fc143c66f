/**
 * Practice-local calendar arithmetic. Every date a tool sends or shows is a date in the practice's
 * IANA zone (T8, C-T16): "today" around local midnight differs from the server's UTC "today".
 * Pure functions; the current instant is always passed in (or defaults to Date.now()).
 */
import { LRUCache } from 'lru-cache';
import { DateTime, FixedOffsetZone, IANAZone } from 'luxon';

/** A calendar date `YYYY-MM-DD` in the practice's timezone. */
export type LocalDate = string;
/** A wall-clock time `HH:MM` or `HH:MM:SS`. */
export type WallTime = string;

export interface DateRange {
  from: LocalDate;
  to: LocalDate;
}

/** Invalid date/time input (user-supplied or upstream); the message is safe to show. */
export class DateInputError extends Error {
  override readonly name = 'DateInputError';
  constructor(
    message: string,
    readonly code:
      | 'invalid_date'
      | 'invalid_time'
      | 'invalid_timezone'
      | 'invalid_instant'
      | 'nonexistent_local_time'
      | 'range_reversed'
      | 'range_too_long'
      | 'invalid_period',
  ) {
    super(message);
  }
}

const LOCAL_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const WALL_TIME_RE = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/;

// luxon's isValidZone builds an Intl.DateTimeFormat on every call; it ran for every instant a
// tool converted (a third of a find_spot call's CPU). Valid zones are few: remember them.
const VALID_ZONES = new Set<string>();

export function isValidTimeZone(zone: string): boolean {
  if (typeof zone !== 'string' || zone.length === 0) return false;
  if (VALID_ZONES.has(zone)) return true;
  const valid = isListedZone(zone) || IANAZone.isValidZone(zone);
  if (valid && VALID_ZONES.size < 1_000) VALID_ZONES.add(zone);
  return valid;
}

// The first Intl.DateTimeFormat of a process loads ICU's locale and zone data, which start-up (where
// discovery checks each practice's zone before the first tools/list) measurably waited for; the
// list of canonical zone names answers for the usual names without it. Other names (aliases such
// as US/Pacific, UTC) are checked the full way.
let listedZones: ReadonlySet<string> | undefined;
function isListedZone(zone: string): boolean {
  listedZones ??= new Set(Intl.supportedValuesOf('timeZone'));
  return listedZones.has(zone);
}

/**
 * A practice zone whose UTC offsets are remembered. luxon works an offset out with
 * Intl.DateTimeFormat#formatToParts for every DateTime it builds or moves — the largest cost of
 * find_spot (several conversions per slot). Offsets change only at transitions, so each is kept
 * per UTC quarter-hour, and only when the offset is the same at both ends of that quarter-hour
 * (a quarter-hour holding a transition is always worked out exactly).
 */
class RememberingZone extends IANAZone {
  private readonly offsets = new Map<number, number>();

  override offset(ts: number): number {
    const bucket = Math.floor(ts / 900_000);
    const known = this.offsets.get(bucket);
    if (known !== undefined) return known;
    const first = super.offset(bucket * 900_000);
    if (super.offset(bucket * 900_000 + 899_999) !== first) return super.offset(ts);
    if (this.offsets.size >= 100_000) this.offsets.clear();
    this.offsets.set(bucket, first);
    return first;
  }
}

const ZONES = new Map<string, IANAZone>();

/** The luxon zone to build a practice's DateTimes in (validated; offsets remembered). */
export function practiceZone(zone: string): IANAZone {
  let found = ZONES.get(zone);
  if (!found) {
    assertTimeZone(zone);
    found = new RememberingZone(zone);
    ZONES.set(zone, found);
  }
  return found;
}

/**
 * Why a practice's zone cannot be used, in words for the person asking (T8: the spec's samples
 * send the literal "string"): it names what Escape Dental sent and what to do.
 */
export function unusableTimeZoneReason(zone: string | null | undefined): string {
  const sent = typeof zone === 'string' ? zone.trim() : '';
  const what =
    sent === ''
      ? 'none is set'
      : `${JSON.stringify(sent.slice(0, 64))} is not an IANA zone name such as America/New_York`;
  return `Escape Dental has no usable time zone for it (${what}), so no date or time can be worked out for it. Ask an administrator to set the practice's time zone in Escape Dental.`;
}

function assertTimeZone(zone: string): string {
  if (!isValidTimeZone(zone)) {
    throw new DateInputError(`"${zone}" is not a valid IANA time zone.`, 'invalid_timezone');
  }
  return zone;
}

/** Validates `YYYY-MM-DD`, rejecting impossible dates such as 2026-02-30. */
export function parseLocalDate(value: string, label = 'date'): LocalDate {
  localDateMs(value, label);
  return (value as string).trim();
}

/**
 * Milliseconds of UTC midnight of a validated `YYYY-MM-DD`. Plain arithmetic rather than luxon:
 * this runs for every date of every upstream row a tool reads (ageing thousands of claims made
 * luxon's date parsing and diff the largest cost of claims_summary).
 */
function localDateMs(value: string, label: string): number {
  const ms = localDateMsOrUndefined(value);
  if (ms !== undefined) return ms;
  if (!LOCAL_DATE_RE.test(typeof value === 'string' ? value.trim() : '')) {
    throw new DateInputError(`The ${label} "${String(value)}" is not a YYYY-MM-DD date.`, 'invalid_date');
  }
  throw new DateInputError(`The ${label} "${value}" does not exist on the calendar.`, 'invalid_date');
}

/**
 * {@link localDateMs} without the error: `isLocalDate` sorts keys that are dates from keys that are
 * not on every slot answer, where building an error (and its stack) per key was a measurable cost.
 */
function localDateMsOrUndefined(value: string): number | undefined {
  const m = LOCAL_DATE_RE.exec(typeof value === 'string' ? value.trim() : '');
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // setUTCFullYear keeps years 0–99 as written
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return undefined;
  }
  return date.getTime();
}

export function isLocalDate(value: unknown): value is LocalDate {
  return typeof value === 'string' && localDateMsOrUndefined(value) !== undefined;
}

/** Parses `HH:MM[:SS]` (24h) into normalised `HH:MM:SS`. */
export function parseWallTime(value: string, label = 'time'): WallTime {
  const m = WALL_TIME_RE.exec(typeof value === 'string' ? value.trim() : '');
  const h = Number(m?.[1]);
  const min = Number(m?.[2]);
  const s = Number(m?.[3] ?? '0');
  if (!m || h > 23 || min > 59 || s > 59) {
    throw new DateInputError(`The ${label} "${String(value)}" is not a 24-hour HH:MM time.`, 'invalid_time');
  }
  return `${pad2(h)}:${pad2(min)}:${pad2(s)}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function utcDate(date: LocalDate): DateTime {
  return DateTime.fromISO(parseLocalDate(date), { zone: 'UTC' });
}

/** "Today" in the practice's zone (never the server's). */
export function todayIn(zone: string, now?: number | Date): LocalDate {
  const ms = now === undefined ? Date.now() : typeof now === 'number' ? now : now.getTime();
  return instantToLocalDate(ms, zone);
}

export function addDays(date: LocalDate, days: number): LocalDate {
  // Calendar days carry no DST, so UTC midnight arithmetic is exact (and cheaper than luxon,
  // which every find_spot call reached several times).
  const result = new Date(localDateMs(date, 'date') + days * 86_400_000);
  if (!Number.isInteger(days) || !writableYear(result)) {
    return utcDate(date).plus({ days }).toISODate() as LocalDate;
  }
  return utcDateString(result);
}

/** Whether `YYYY` can hold the date's UTC year (false for an invalid Date too). */
function writableYear(date: Date): boolean {
  const year = date.getUTCFullYear();
  return year >= 0 && year <= 9999;
}

/** `YYYY-MM-DD` of the date's UTC fields (the caller has checked `writableYear`). */
function utcDateString(date: Date): LocalDate {
  return `${String(date.getUTCFullYear()).padStart(4, '0')}-${pad2(date.getUTCMonth() + 1)}-${pad2(date.getUTCDate())}`;
}

/** Whole days from `from` to `to` (to − from); 0 for the same date. */
export function diffDays(from: LocalDate, to: LocalDate): number {
  return Math.round((localDateMs(to, 'date') - localDateMs(from, 'date')) / 86_400_000);
}

/** ISO weekday of a calendar date: 1=Monday … 7=Sunday. */
export function isoWeekday(date: LocalDate): number {
  return ((new Date(localDateMs(date, 'date')).getUTCDay() + 6) % 7) + 1;
}

/**
 * ISO weekday (1=Monday … 7=Sunday) of an instant's practice-local date: the weekday of the date
 * `toPracticeIso(ms, zone)` writes, worked out from the local day number instead of that text.
 */
export function instantToIsoWeekday(ms: number, zone: string): number {
  const localDay = Math.floor((ms + practiceZone(zone).offset(ms) * 60_000) / 86_400_000);
  // Day 0 (1970-01-01) was a Thursday, ISO weekday 4.
  return ((((localDay + 3) % 7) + 7) % 7) + 1;
}

// T7: schedule templates number weekdays 0=Sunday…6=Saturday (L1220); find-spot's days_of_week
// and availability_windows use 0=Monday…6=Sunday (L722). Never pass one to the other unconverted.

/** Template weekday (0=Sun..6=Sat) → find-spot weekday (0=Mon..6=Sun). */
export function templateDayToFindSpotDay(day: number): number {
  assertWeekday(day);
  return (day + 6) % 7;
}

/** Find-spot weekday (0=Mon..6=Sun) → template weekday (0=Sun..6=Sat). */
export function findSpotDayToTemplateDay(day: number): number {
  assertWeekday(day);
  return (day + 1) % 7;
}

/** ISO weekday (1=Mon..7=Sun) → find-spot weekday (0=Mon..6=Sun). */
export function isoWeekdayToFindSpotDay(isoDay: number): number {
  if (!Number.isInteger(isoDay) || isoDay < 1 || isoDay > 7) {
    throw new DateInputError(`${isoDay} is not an ISO weekday (1–7).`, 'invalid_date');
  }
  return isoDay - 1;
}

/** ISO weekday (1=Mon..7=Sun) → template weekday (0=Sun..6=Sat). */
export function isoWeekdayToTemplateDay(isoDay: number): number {
  return findSpotDayToTemplateDay(isoWeekdayToFindSpotDay(isoDay));
}

function assertWeekday(day: number): void {
  if (!Number.isInteger(day) || day < 0 || day > 6) {
    throw new DateInputError(`${day} is not a weekday number (0–6).`, 'invalid_date');
  }
}

/**
 * The instant(s) at which a local wall time occurs on a date. Empty in a spring-forward gap; two
 * entries in a fall-back overlap (earlier first).
 */
export function localOccurrences(date: LocalDate, time: WallTime, zone: string): DateTime[] {
  const d = parseLocalDate(date);
  const t = parseWallTime(time);
  assertTimeZone(zone);
  const [y, mo, da] = d.split('-').map(Number) as [number, number, number];
  const [h, mi, s] = t.split(':').map(Number) as [number, number, number];
  const wallAsUtc = Date.UTC(y, mo - 1, da, h, mi, s);
  // Offsets in force a day either side cover every transition (none is closer than a day apart).
  const offsets = new Set<number>();
  for (const probe of [wallAsUtc - 86_400_000, wallAsUtc, wallAsUtc + 86_400_000]) {
    offsets.add(DateTime.fromMillis(probe, { zone: practiceZone(zone) }).offset);
  }
  const found = new Map<number, DateTime>();
  for (const offsetMinutes of offsets) {
    const instant = wallAsUtc - offsetMinutes * 60_000;
    const back = DateTime.fromMillis(instant, { zone: practiceZone(zone) });
    if (back.year === y && back.month === mo && back.day === da && back.hour === h && back.minute === mi) {
      found.set(instant, back);
    }
  }
  return [...found.entries()].sort((a, b) => a[0] - b[0]).map(([, dt]) => dt);
}

/**
 * Local date + wall time → the instant, DST-aware. A time inside a spring-forward gap does not
 * exist and is rejected (§8.2.4); an ambiguous fall-back time resolves to its first occurrence,
 * as the sandbox does (ASSUMPTIONS §5).
 */
export function localToInstant(date: LocalDate, time: WallTime, zone: string): DateTime {
  const occ = localOccurrences(date, time, zone);
  const first = occ[0];
  if (!first) {
    throw new DateInputError(
      `${parseWallTime(time).slice(0, 5)} on ${date} does not exist in ${zone} (the clocks jump forward that night).`,
      'nonexistent_local_time',
    );
  }
  return first;
}

/** Local date + wall time → ISO 8601 with the practice offset for that date, e.g. `2026-05-14T09:00:00-07:00`. */
export function localToIso(date: LocalDate, time: WallTime, zone: string): string {
  return formatIsoWithOffset(localToInstant(date, time, zone));
}

function formatIsoWithOffset(dt: DateTime): string {
  return dt.toISO({ suppressMilliseconds: true, includeOffset: true }) as string;
}

/**
 * Parses an upstream or caller datetime that carries an offset or `Z`. Naive datetimes are
 * rejected unless a zone is given, in which case they are read as practice-local wall time.
 */
export function parseInstant(value: string, zoneForNaive?: string): DateTime {
  const text = typeof value === 'string' ? value.trim() : '';
  const hasOffset = /(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$/.test(text) && /T/.test(text);
  if (!hasOffset) {
    if (zoneForNaive && /^\d{4}-\d{2}-\d{2}T\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/.test(text)) {
      const [d, t] = text.split('T') as [string, string];
      return localToInstant(d, t.slice(0, 8), zoneForNaive);
    }
    throw new DateInputError(`"${String(value)}" is not a datetime with a timezone offset.`, 'invalid_instant');
  }
  const fast = commonInstant(text);
  if (fast) return DateTime.fromMillis(fast.ms, { zone: FixedOffsetZone.instance(fast.offset) });
  const dt = DateTime.fromISO(text, { setZone: true });
  if (!dt.isValid) throw new DateInputError(`"${value}" is not a valid ISO 8601 datetime.`, 'invalid_instant');
  return dt;
}

const COMMON_INSTANT_RE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(?:([zZ])|([+-])(\d{2}):(\d{2}))$/;

/** `parseInstant(value, zoneForNaive).toMillis()`, without building a DateTime for the common shape. */
export function parseInstantMs(value: string, zoneForNaive?: string): number {
  const fast = typeof value === 'string' ? commonInstant(value.trim()) : undefined;
  return fast ? fast.ms : parseInstant(value, zoneForNaive).toMillis();
}

/**
 * The shape the API and find_spot write (`2026-12-14T09:00:00-08:00`), read with arithmetic:
 * luxon's ISO parser was the largest remaining cost per slot. The same instant and offset as
 * `DateTime.fromISO(text, { setZone: true })`; anything else (or any doubt) goes to luxon.
 */
function commonInstant(text: string): { ms: number; offset: number } | undefined {
  const fields = exactApiFields(text) ?? regexFields(text);
  if (!fields) return undefined;
  const [year, month, day, hour, minute, second, millis, offsetSign, offsetHours, offsetMinutes] = fields;
  if (year < 1000 || hour > 23 || minute > 59 || second > 59) return undefined;
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const check = new Date(wall);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  const offset = offsetSign * (offsetHours * 60 + offsetMinutes);
  return { ms: wall - offset * 60_000, offset };
}

/** year, month, day, hour, minute, second, millis, offset sign (±1; 0 for `Z`), offset hours, minutes. */
type InstantFields = [number, number, number, number, number, number, number, number, number, number];

function regexFields(text: string): InstantFields | undefined {
  const m = COMMON_INSTANT_RE.exec(text);
  if (!m) return undefined;
  return [
    Number(m[1]),
    Number(m[2]),
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    m[6] === undefined ? 0 : Number(m[6]),
    m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0')),
    m[8] ? 0 : m[9] === '-' ? -1 : 1,
    m[10] === undefined ? 0 : Number(m[10]),
    m[11] === undefined ? 0 : Number(m[11]),
  ];
}

/**
 * The fields of exactly `YYYY-MM-DDTHH:MM:SS±HH:MM` or `YYYY-MM-DDTHH:MM:SSZ` (what the API
 * sends for every slot), read by character code: the regular expression's match and its strings
 * were most of what reading a slot's time cost. Undefined for any other text.
 */
function exactApiFields(text: string): InstantFields | undefined {
  const zulu = text.length === 20 && text.charCodeAt(19) === CHAR_Z;
  if (!zulu && text.length !== 25) return undefined;
  const sign = zulu ? 0 : text.charCodeAt(19) === CHAR_PLUS ? 1 : text.charCodeAt(19) === CHAR_MINUS ? -1 : Number.NaN;
  const fields: InstantFields = [
    digitsAt(text, 0, 4),
    digitsAt(text, 5, 2),
    digitsAt(text, 8, 2),
    digitsAt(text, 11, 2),
    digitsAt(text, 14, 2),
    digitsAt(text, 17, 2),
    0,
    sign,
    zulu ? 0 : digitsAt(text, 20, 2),
    zulu ? 0 : digitsAt(text, 23, 2),
  ];
  const separators =
    text.charCodeAt(4) === CHAR_MINUS &&
    text.charCodeAt(7) === CHAR_MINUS &&
    text.charCodeAt(10) === CHAR_T &&
    text.charCodeAt(13) === CHAR_COLON &&
    text.charCodeAt(16) === CHAR_COLON &&
    (zulu || text.charCodeAt(22) === CHAR_COLON);
  return separators && fields.every(Number.isFinite) ? fields : undefined;
}

const CHAR_Z = 90;
const CHAR_T = 84;
const CHAR_PLUS = 43;
const CHAR_MINUS = 45;
const CHAR_COLON = 58;
const CHAR_0 = 48;

/** The decimal number of `count` ASCII digits at `from`; NaN if any is not a digit. */
function digitsAt(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i += 1) {
    const digit = text.charCodeAt(i) - CHAR_0;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  return value;
}

/** Any instant (ISO string with offset, epoch ms, Date) → ISO with the practice offset on that date. */
export function toPracticeIso(value: string | number | Date, zone: string): string {
  const ms = typeof value === 'number' ? value : value instanceof Date ? value.getTime() : undefined;
  return ms === undefined ? formatIsoWithOffset(toZoned(value, zone)) : formatInPracticeZone(ms, zone);
}

/**
 * What `DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true })` writes, by
 * arithmetic over the zone's remembered offset: building and formatting a DateTime per instant
 * was the largest cost left in find_spot (a start and an end for every slot). An offset that is
 * not whole minutes (historic local times such as Monrovia's −0:44:30 until 1972) or a year
 * outside 0–9999 goes to luxon.
 */
function formatInPracticeZone(ms: number, zone: string): string {
  return (
    practiceIsoByArithmetic(ms, zone) ?? formatIsoWithOffset(DateTime.fromMillis(ms, { zone: practiceZone(zone) }))
  );
}

/** {@link formatInPracticeZone} where arithmetic writes exactly what luxon would; otherwise undefined. */
function practiceIsoByArithmetic(ms: number, zone: string): string | undefined {
  const offset = Number.isFinite(ms) ? practiceZone(zone).offset(ms) : Number.NaN;
  const local = new Date(ms + offset * 60_000);
  if (!Number.isInteger(offset) || !writableYear(local)) return undefined;
  const millis = local.getUTCMilliseconds();
  const abs = Math.abs(offset);
  return (
    `${utcDateString(local)}` +
    `T${pad2(local.getUTCHours())}:${pad2(local.getUTCMinutes())}:${pad2(local.getUTCSeconds())}` +
    `${millis === 0 ? '' : `.${String(millis).padStart(3, '0')}`}` +
    `${offset < 0 ? '-' : '+'}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`
  );
}

/** An instant read once in the practice zone: its ISO form with the practice offset, local date and wall time. */
export interface PracticeInstant {
  ms: number;
  iso: string;
  localDate: LocalDate;
  /** `HH:MM` */
  localTime: string;
}

/**
 * `toPracticeIso`, `instantToLocalDate` and `instantToLocalTime` of one instant at the cost of
 * one conversion: the date and time are read off the ISO form (`YYYY-MM-DDTHH:MM…`), which is
 * what a list of slots needs for every item.
 */
export function toPracticeInstant(ms: number, zone: string): PracticeInstant {
  const iso = formatInPracticeZone(ms, zone);
  return { ms, iso, localDate: iso.slice(0, 10) as LocalDate, localTime: iso.slice(11, 16) };
}

const WEEKDAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
/** How far from a clock change (either side) a time shows its offset under `offset: 'near-change'`. */
const NEAR_CHANGE_MS = 7 * 86_400_000;

export interface ClockOptions {
  /**
   * `always`: the UTC offset follows every time (what a person books or confirms from);
   * `near-change`: only when the practice's clocks change within a week of it, where a bare
   * wall-clock time is easiest to misread. Default `always`.
   */
  offset?: 'always' | 'near-change';
  /** Starts with the weekday ("Thu"). Default true. */
  weekday?: boolean;
}

/**
 * The one way a tool's text shows a clock time: the instant's wall-clock time in the practice's
 * zone, e.g. "Thu 2026-12-10 09:00 (UTC-08:00)" — never the clock of the zone the upstream
 * happened to write it in (a UTC `created` stamp is 14:05 in Los Angeles, not 22:05).
 */
export function formatPracticeTime(ms: number, zone: string, options: ClockOptions = {}): string {
  const iso = formatInPracticeZone(ms, zone);
  return `${wallClock(iso, options.weekday !== false)}${offsetNote(ms, zone, iso, options)}`;
}

/**
 * "Thu 2026-12-10 09:00–10:00 (UTC-08:00)": the offset is the start's; an end on another date
 * shows its weekday, and an end across a clock change shows the changed wall-clock time.
 */
export function formatPracticeSpan(startMs: number, minutes: number, zone: string, options: ClockOptions = {}): string {
  const start = formatInPracticeZone(startMs, zone);
  const end = formatInPracticeZone(startMs + minutes * 60_000, zone);
  const endText =
    end.slice(0, 10) === start.slice(0, 10)
      ? end.slice(11, 16)
      : `${weekdayName(end.slice(0, 10))} ${end.slice(11, 16)}`;
  return `${wallClock(start, options.weekday !== false)}–${endText}${offsetNote(startMs, zone, start, options)}`;
}

/** "Thu 2026-12-10 09:00" (or without the weekday) from a practice-local ISO datetime. */
function wallClock(iso: string, weekday: boolean): string {
  const date = iso.slice(0, 10);
  return `${weekday ? `${weekdayName(date)} ` : ''}${date} ${iso.slice(11, 16)}`;
}

function weekdayName(date: LocalDate): string {
  return WEEKDAY_NAMES[new Date(localDateMs(date, 'date')).getUTCDay()] as string;
}

/**
 * A date or datetime as an upstream record carries it, for a line of text: a calendar date stays
 * a date; a datetime (any offset, or none: read as practice-local) becomes the practice's clock.
 */
export function formatRecordedTime(value: string, zone: string, options: ClockOptions = {}): string {
  const text = value.trim();
  if (isLocalDate(text)) return text;
  try {
    return formatPracticeTime(parseInstantMs(text, zone), zone, options);
  } catch {
    return `${JSON.stringify(value.trim().slice(0, 40))} (as Escape Dental wrote it)`;
  }
}

function offsetNote(ms: number, zone: string, iso: string, options: ClockOptions): string {
  if (options.offset === 'near-change') {
    const luxonZone = practiceZone(zone);
    const offset = luxonZone.offset(ms);
    if (luxonZone.offset(ms - NEAR_CHANGE_MS) === offset && luxonZone.offset(ms + NEAR_CHANGE_MS) === offset) {
      return '';
    }
  }
  const written = /([+-]\d{2}:\d{2})(?::\d{2})?$/.exec(iso)?.[1] ?? '+00:00';
  return ` (UTC${written})`;
}

/** The practice-local calendar date of an instant (T8: a 23:30 LA appointment stays on its date). */
export function instantToLocalDate(value: string | number | Date, zone: string): LocalDate {
  const iso = practiceIsoByArithmetic(instantMs(value, zone), zone);
  return iso ? (iso.slice(0, 10) as LocalDate) : (toZoned(value, zone).toISODate() as LocalDate);
}

/** The practice-local wall time `HH:MM` of an instant. */
export function instantToLocalTime(value: string | number | Date, zone: string): string {
  const iso = practiceIsoByArithmetic(instantMs(value, zone), zone);
  return iso ? iso.slice(11, 16) : toZoned(value, zone).toFormat('HH:mm');
}

/** The instant of a value `toZoned` accepts, failing as it does (an unusable zone first, then the value). */
function instantMs(value: string | number | Date, zone: string): number {
  practiceZone(zone);
  return typeof value === 'number' ? value : value instanceof Date ? value.getTime() : parseInstantMs(value);
}

function toZoned(value: string | number | Date, zone: string): DateTime {
  const luxonZone = practiceZone(zone);
  if (typeof value === 'number') return DateTime.fromMillis(value, { zone: luxonZone });
  if (value instanceof Date) return DateTime.fromJSDate(value, { zone: luxonZone });
  return parseInstant(value).setZone(luxonZone);
}

export interface RangeOptions {
  /** Maximum inclusive span in days (number of dates), e.g. 91 for a 90-day window. */
  maxSpanDays?: number;
  label?: string;
}

/** Validates a local date range: real dates, `from ≤ to`, and an optional span cap. */
export function validateDateRange(range: DateRange, options: RangeOptions = {}): DateRange & { days: number } {
  const label = options.label ?? 'range';
  const from = parseLocalDate(range.from, `${label} start`);
  const to = parseLocalDate(range.to, `${label} end`);
  if (to < from) {
    throw new DateInputError(`The ${label} ends (${to}) before it starts (${from}).`, 'range_reversed');
  }
  const days = diffDays(from, to) + 1;
  if (options.maxSpanDays !== undefined && days > options.maxSpanDays) {
    throw new DateInputError(
      `The ${label} covers ${days} days; at most ${options.maxSpanDays} are allowed.`,
      'range_too_long',
    );
  }
  return { from, to, days };
}

/** Shortens a range to at most `maxSpanDays` dates, keeping its start. */
export function clampRange(range: DateRange, maxSpanDays: number): DateRange & { clamped: boolean } {
  const { from, to, days } = validateDateRange(range);
  if (days <= maxSpanDays) return { from, to, clamped: false };
  return { from, to: addDays(from, maxSpanDays - 1), clamped: true };
}

// ---------------------------------------------------------------------------------------------
// Period presets (all computed in practice time; weeks are ISO, Monday first).

export type PeriodPreset =
  | 'today'
  | 'yesterday'
  | 'this_week'
  | 'last_week'
  | 'month_to_date'
  | 'last_month'
  | 'quarter_to_date'
  | 'year_to_date'
  | 'last_n_days';

export const PERIOD_PRESETS: readonly PeriodPreset[] = [
  'today',
  'yesterday',
  'this_week',
  'last_week',
  'month_to_date',
  'last_month',
  'quarter_to_date',
  'year_to_date',
  'last_n_days',
];

export interface ResolvedPeriod extends DateRange {
  preset: PeriodPreset;
  days: number;
  /** The comparable period immediately before (same length or same calendar position). */
  previous: DateRange;
}

/**
 * Resolves a preset in the practice's zone. `last_n_days(N)` is the N dates ending today
 * (today included) and compares with the N dates before. "To date" presets compare with the same
 * calendar position in the previous month/quarter/year, clamped to that period's end
 * (Mar 31 → Feb 28); weeks are ISO (Monday first).
 */
export function resolvePeriod(
  preset: PeriodPreset,
  zone: string,
  options: { now?: number | Date; days?: number } = {},
): ResolvedPeriod {
  const today = todayIn(zone, options.now);
  // A preset's dates depend on today's date alone, which changes once a day: luxon works each out once.
  const key = `${preset}\u0000${today}\u0000${options.days}`;
  let resolved = RESOLVED_PERIODS.get(key);
  if (!resolved) {
    resolved = resolvePeriodFrom(preset, today, options.days);
    RESOLVED_PERIODS.set(key, resolved);
  }
  return { ...resolved, previous: { ...resolved.previous } };
}

const RESOLVED_PERIODS = new LRUCache<string, ResolvedPeriod>({ max: 1_000 });

function resolvePeriodFrom(preset: PeriodPreset, todayDate: LocalDate, n: number | undefined): ResolvedPeriod {
  const today = DateTime.fromISO(todayDate, { zone: 'UTC' });
  const iso = (dt: DateTime): LocalDate => dt.toISODate() as LocalDate;
  let from: DateTime;
  let to: DateTime;
  let prevFrom: DateTime;
  let prevTo: DateTime;
  switch (preset) {
    case 'today':
      from = to = today;
      prevFrom = prevTo = today.minus({ days: 1 });
      break;
    case 'yesterday':
      from = to = today.minus({ days: 1 });
      prevFrom = prevTo = today.minus({ days: 2 });
      break;
    case 'this_week':
      from = today.startOf('week');
      to = today;
      prevFrom = from.minus({ weeks: 1 });
      prevTo = to.minus({ weeks: 1 });
      break;
    case 'last_week':
      from = today.startOf('week').minus({ weeks: 1 });
      to = from.plus({ days: 6 });
      prevFrom = from.minus({ weeks: 1 });
      prevTo = to.minus({ weeks: 1 });
      break;
    case 'month_to_date':
      from = today.startOf('month');
      to = today;
      prevFrom = from.minus({ months: 1 });
      // Same day of the previous month, clamped to its end (Mar 31 → Feb 28).
      prevTo = today.minus({ months: 1 });
      break;
    case 'last_month':
      from = today.startOf('month').minus({ months: 1 });
      to = from.endOf('month').startOf('day');
      prevFrom = from.minus({ months: 1 });
      prevTo = prevFrom.endOf('month').startOf('day');
      break;
    case 'quarter_to_date':
      from = today.startOf('quarter');
      to = today;
      prevFrom = from.minus({ months: 3 });
      // Same calendar position one quarter back; Luxon clamps to the month's end (May 31 → Feb 28).
      prevTo = today.minus({ months: 3 });
      break;
    case 'year_to_date':
      from = today.startOf('year');
      to = today;
      prevFrom = from.minus({ years: 1 });
      // Luxon clamps Feb 29 minus one year to Feb 28.
      prevTo = today.minus({ years: 1 });
      break;
    case 'last_n_days': {
      if (n === undefined || !Number.isInteger(n) || n < 1 || n > 3660) {
        throw new DateInputError('last_n_days needs a whole number of days between 1 and 3660.', 'invalid_period');
      }
      to = today;
      from = today.minus({ days: n - 1 });
      prevTo = from.minus({ days: 1 });
      prevFrom = prevTo.minus({ days: n - 1 });
      break;
    }
    default:
      throw new DateInputError(`Unknown period "${String(preset)}".`, 'invalid_period');
  }
  return {
    preset,
    from: iso(from),
    to: iso(to),
    days: Math.round(to.diff(from, 'days').days) + 1,
    previous: { from: iso(prevFrom), to: iso(prevTo) },
  };
}

/** Every local date in an inclusive range. */
export function eachDate(range: DateRange): LocalDate[] {
  const { from, days } = validateDateRange(range);
  return Array.from({ length: days }, (_, i) => addDays(from, i));
}
