import fc from 'fast-check';
import { DateTime, IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  clampRange,
  DateInputError,
  diffDays,
  eachDate,
  findSpotDayToTemplateDay,
  formatPracticeSpan,
  formatPracticeTime,
  formatRecordedTime,
  instantToIsoWeekday,
  instantToLocalDate,
  instantToLocalTime,
  isLocalDate,
  isoWeekday,
  isoWeekdayToFindSpotDay,
  isoWeekdayToTemplateDay,
  isValidTimeZone,
  localOccurrences,
  localToInstant,
  localToIso,
  parseInstant,
  parseInstantMs,
  parseLocalDate,
  parseWallTime,
  resolvePeriod,
  templateDayToFindSpotDay,
  todayIn,
  toPracticeInstant,
  toPracticeIso,
  validateDateRange,
} from '../../../src/domain/dates.js';

const LA = 'America/Los_Angeles';
const NY = 'America/New_York';

describe('calendar dates', () => {
  it('accepts real dates and rejects impossible ones', () => {
    expect(parseLocalDate('2026-02-28')).toBe('2026-02-28');
    expect(parseLocalDate('2028-02-29')).toBe('2028-02-29');
    for (const bad of ['2026-02-30', '2026-02-29', '2026-13-01', '2026-00-10', '2026-4-01', '20260401', '', 'today']) {
      expect(() => parseLocalDate(bad)).toThrow(DateInputError);
    }
  });

  it('isLocalDate answers exactly when parseLocalDate accepts, and the errors say which rule failed', () => {
    const samples = [' 2026-02-28 ', '2028-02-29', '0099-01-01', '2026-02-30', '2026-4-01', 'results', '', 'today'];
    for (const value of samples) {
      let accepted = true;
      try {
        parseLocalDate(value);
      } catch {
        accepted = false;
      }
      expect(isLocalDate(value), value).toBe(accepted);
    }
    expect(isLocalDate(20260228)).toBe(false);
    expect(() => parseLocalDate('2026-02-30', 'start')).toThrow(
      'The start "2026-02-30" does not exist on the calendar.',
    );
    expect(() => parseLocalDate('slots', 'start')).toThrow('The start "slots" is not a YYYY-MM-DD date.');
  });

  it('does day arithmetic across month, year and DST boundaries', () => {
    expect(addDays('2026-01-31', 1)).toBe('2026-02-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-08', 1)).toBe('2026-03-09');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(diffDays('2026-03-01', '2026-03-31')).toBe(30);
    expect(diffDays('2026-11-01', '2026-11-02')).toBe(1);
  });

  it('leaves day counts arithmetic cannot write (fractions, years past 9999, beyond Date) to luxon', () => {
    const luxonAddDays = (date: string, days: number) =>
      DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate();
    for (const days of [1.5, -0.25, 3_000_000, -800_000, 1e9, -1e9]) {
      expect(addDays('2026-01-01', days), String(days)).toBe(luxonAddDays('2026-01-01', days));
    }
  });

  it('names the ISO weekday of any date as luxon does (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('1800-01-01T00:00:00Z'), max: Date.parse('2200-12-31T00:00:00Z') }),
        (ms) => {
          const date = DateTime.fromMillis(ms, { zone: 'UTC' });
          expect(isoWeekday(date.toISODate() as string)).toBe(date.weekday);
        },
      ),
    );
  });

  it('adds days exactly as a calendar does (property, against luxon)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('1900-01-01T00:00:00Z'), max: Date.parse('2200-12-31T00:00:00Z') }),
        fc.integer({ min: -40_000, max: 40_000 }),
        (ms, days) => {
          const date = DateTime.fromMillis(ms, { zone: 'UTC' }).toISODate() as string;
          const expected = DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate();
          expect(addDays(date, days)).toBe(expected);
          expect(diffDays(date, addDays(date, days))).toBe(days);
        },
      ),
    );
  });

  it('validates ranges: reversed, impossible and too long', () => {
    expect(validateDateRange({ from: '2026-05-01', to: '2026-05-01' }).days).toBe(1);
    expect(() => validateDateRange({ from: '2026-05-02', to: '2026-05-01' })).toThrow(/ends .* before it starts/);
    expect(() => validateDateRange({ from: '2026-02-30', to: '2026-03-01' })).toThrow(DateInputError);
    expect(() => validateDateRange({ from: '2026-01-01', to: '2026-04-01' }, { maxSpanDays: 90 })).toThrow(/91 days/);
    expect(validateDateRange({ from: '2026-01-01', to: '2026-03-31' }, { maxSpanDays: 90 }).days).toBe(90);
  });

  it('clamps a range to a span cap keeping its start', () => {
    expect(clampRange({ from: '2026-01-01', to: '2026-12-31' }, 90)).toEqual({
      from: '2026-01-01',
      to: '2026-03-31',
      clamped: true,
    });
    expect(clampRange({ from: '2026-01-01', to: '2026-01-10' }, 90).clamped).toBe(false);
    expect(eachDate({ from: '2026-02-27', to: '2026-03-02' })).toEqual([
      '2026-02-27',
      '2026-02-28',
      '2026-03-01',
      '2026-03-02',
    ]);
  });
});

describe('practice-local today (never the server zone)', () => {
  it('is yesterday in Los Angeles when UTC has already turned the day', () => {
    const instant = Date.parse('2026-05-01T06:30:00Z'); // 23:30 PDT on Apr 30
    expect(todayIn(LA, instant)).toBe('2026-04-30');
    expect(todayIn('UTC', instant)).toBe('2026-05-01');
    expect(todayIn(NY, instant)).toBe('2026-05-01'); // 02:30 EDT
  });

  it('keeps a 23:30 local appointment on its local date', () => {
    expect(instantToLocalDate('2026-05-14T23:30:00-07:00', LA)).toBe('2026-05-14');
    expect(instantToLocalDate('2026-05-15T06:30:00Z', LA)).toBe('2026-05-14');
    expect(instantToLocalTime('2026-05-15T06:30:00Z', LA)).toBe('23:30');
  });

  it('rejects unknown zones', () => {
    expect(() => todayIn('Mars/Olympus_Mons')).toThrow(/not a valid IANA time zone/);
  });
});

describe('DST: local wall time → instant', () => {
  it('spring forward (2026-03-08): 02:30 does not exist in LA or NY', () => {
    expect(localOccurrences('2026-03-08', '02:30', LA)).toHaveLength(0);
    expect(() => localToInstant('2026-03-08', '02:30', LA)).toThrow(/does not exist/);
    expect(() => localToInstant('2026-03-08', '02:00', NY)).toThrow(DateInputError);
    expect(localToIso('2026-03-08', '01:59', LA)).toBe('2026-03-08T01:59:00-08:00');
    expect(localToIso('2026-03-08', '03:00', LA)).toBe('2026-03-08T03:00:00-07:00');
    expect(localToIso('2026-03-08', '03:00', NY)).toBe('2026-03-08T03:00:00-04:00');
  });

  it('a 60-minute slot starting 01:30 on spring-forward day ends 03:30 local', () => {
    const start = localToInstant('2026-03-08', '01:30', LA);
    expect(start.plus({ minutes: 60 }).toFormat('HH:mm')).toBe('03:30');
  });

  it('fall back (2026-11-01): 01:30 is ambiguous and resolves to the first occurrence', () => {
    const both = localOccurrences('2026-11-01', '01:30', LA);
    expect(both.map((d) => d.offset)).toEqual([-420, -480]);
    expect(localToIso('2026-11-01', '01:30', LA)).toBe('2026-11-01T01:30:00-07:00');
    expect(localToIso('2026-11-01', '01:30', NY)).toBe('2026-11-01T01:30:00-04:00');
    expect(localToIso('2026-11-01', '02:30', NY)).toBe('2026-11-01T02:30:00-05:00');
  });

  it('renders instants with the offset of their own date', () => {
    expect(toPracticeIso('2026-03-07T18:00:00Z', LA)).toBe('2026-03-07T10:00:00-08:00');
    expect(toPracticeIso('2026-03-09T17:00:00Z', LA)).toBe('2026-03-09T10:00:00-07:00');
    expect(toPracticeIso(Date.parse('2026-11-01T09:30:00Z'), LA)).toBe('2026-11-01T01:30:00-08:00');
    expect(toPracticeIso('2026-04-22T12:15:00Z', NY)).toBe('2026-04-22T08:15:00-04:00');
  });

  it('writes an instant with the practice offset exactly as luxon does (property, odd offsets and old dates included)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('1850-01-01T00:00:00Z'), max: Date.parse('2100-12-31T00:00:00Z') }),
        fc.constantFrom(
          LA,
          NY,
          'UTC',
          'Pacific/Chatham',
          'Asia/Kathmandu',
          'America/St_Johns',
          'Africa/Monrovia',
          'Europe/Amsterdam',
          'Australia/Lord_Howe',
        ),
        fc.boolean(),
        (ms, zone, wholeSecond) => {
          const instant = wholeSecond ? ms - (ms % 1000) : ms;
          const expected = DateTime.fromMillis(instant, { zone: IANAZone.create(zone) }).toISO({
            suppressMilliseconds: true,
          });
          expect(toPracticeIso(instant, zone)).toBe(expected);
          expect(toPracticeIso(new Date(instant), zone)).toBe(expected);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('reads an instant once into the same ISO form, local date and wall time as the separate helpers', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('2020-01-01T00:00:00Z'), max: Date.parse('2035-12-31T00:00:00Z') }),
        fc.constantFrom(LA, NY, 'Pacific/Auckland', 'Asia/Kolkata', 'UTC'),
        (ms, zone) => {
          const once = toPracticeInstant(ms, zone);
          expect(once).toEqual({
            ms,
            iso: toPracticeIso(ms, zone),
            localDate: instantToLocalDate(ms, zone),
            localTime: instantToLocalTime(ms, zone),
          });
        },
      ),
    );
  });

  it('parses offset datetimes; naive ones only with a zone', () => {
    expect(parseInstant('2026-05-14T09:00:00-07:00').toUTC().toISO()).toBe('2026-05-14T16:00:00.000Z');
    expect(parseInstant('2026-05-14T16:00:00Z').toMillis()).toBe(Date.parse('2026-05-14T16:00:00Z'));
    expect(() => parseInstant('2026-03-19T09:00:00')).toThrow(/timezone offset/);
    expect(parseInstant('2026-03-19T09:00:00', LA).toISO()).toBe('2026-03-19T09:00:00.000-07:00');
    expect(() => parseInstant('2026-03-08T02:30:00', LA)).toThrow(/does not exist/);
  });

  it('validates wall times', () => {
    expect(parseWallTime('9:05')).toBe('09:05:00');
    expect(() => parseWallTime('24:00')).toThrow(DateInputError);
    expect(() => parseWallTime('12:60')).toThrow(DateInputError);
  });
});

describe('weekday conventions (T7)', () => {
  it('converts template (0=Sun) ↔ find-spot (0=Mon)', () => {
    expect(templateDayToFindSpotDay(0)).toBe(6); // Sunday
    expect(templateDayToFindSpotDay(1)).toBe(0); // Monday
    expect(templateDayToFindSpotDay(6)).toBe(5); // Saturday
    expect(findSpotDayToTemplateDay(6)).toBe(0);
    expect(findSpotDayToTemplateDay(0)).toBe(1);
    expect(() => templateDayToFindSpotDay(7)).toThrow(DateInputError);
  });

  it('round-trips every weekday', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 }), (d) => findSpotDayToTemplateDay(templateDayToFindSpotDay(d)) === d),
    );
  });

  it('maps real dates: 2026-03-08 is a Sunday, 2026-03-09 a Monday', () => {
    expect(isoWeekday('2026-03-08')).toBe(7);
    expect(isoWeekdayToFindSpotDay(isoWeekday('2026-03-08'))).toBe(6);
    expect(isoWeekdayToTemplateDay(isoWeekday('2026-03-08'))).toBe(0);
    expect(isoWeekdayToFindSpotDay(isoWeekday('2026-03-09'))).toBe(0);
    expect(isoWeekdayToTemplateDay(isoWeekday('2026-03-09'))).toBe(1);
  });
});

describe('period presets (practice time)', () => {
  const at = (iso: string) => ({ now: Date.parse(iso) });

  it('today / yesterday follow the practice clock around midnight', () => {
    // 07:30Z on May 1 is 00:30 PDT on May 1 but 03:30 EDT May 1; 06:30Z is still Apr 30 in LA.
    expect(resolvePeriod('today', LA, at('2026-05-01T06:30:00Z'))).toMatchObject({
      from: '2026-04-30',
      to: '2026-04-30',
      previous: { from: '2026-04-29', to: '2026-04-29' },
    });
    expect(resolvePeriod('yesterday', LA, at('2026-05-01T07:30:00Z'))).toMatchObject({
      from: '2026-04-30',
      to: '2026-04-30',
    });
    expect(resolvePeriod('today', 'Pacific/Auckland', at('2026-05-01T06:30:00Z')).from).toBe('2026-05-01');
  });

  it('ISO weeks start on Monday', () => {
    // 2026-03-08 is a Sunday: this week is Mon 2 … Sun 8.
    const thisWeek = resolvePeriod('this_week', LA, at('2026-03-08T20:00:00Z'));
    expect(thisWeek).toMatchObject({ from: '2026-03-02', to: '2026-03-08', days: 7 });
    expect(thisWeek.previous).toEqual({ from: '2026-02-23', to: '2026-03-01' });
    const lastWeek = resolvePeriod('last_week', LA, at('2026-03-09T20:00:00Z'));
    expect(lastWeek).toMatchObject({ from: '2026-03-02', to: '2026-03-08', days: 7 });
    expect(lastWeek.previous).toEqual({ from: '2026-02-23', to: '2026-03-01' });
  });

  it('last_week across a year boundary', () => {
    expect(resolvePeriod('last_week', LA, at('2027-01-02T20:00:00Z'))).toMatchObject({
      from: '2026-12-21',
      to: '2026-12-27',
    });
  });

  it('month presets clamp to month ends', () => {
    const mtd = resolvePeriod('month_to_date', LA, at('2026-03-31T18:00:00Z'));
    expect(mtd).toMatchObject({
      from: '2026-03-01',
      to: '2026-03-31',
      previous: { from: '2026-02-01', to: '2026-02-28' },
    });
    const lm = resolvePeriod('last_month', LA, at('2026-03-15T18:00:00Z'));
    expect(lm).toMatchObject({
      from: '2026-02-01',
      to: '2026-02-28',
      previous: { from: '2026-01-01', to: '2026-01-31' },
    });
    const jan = resolvePeriod('last_month', LA, at('2026-01-10T18:00:00Z'));
    expect(jan).toMatchObject({
      from: '2025-12-01',
      to: '2025-12-31',
      previous: { from: '2025-11-01', to: '2025-11-30' },
    });
  });

  it('last_month flips at practice midnight, not UTC midnight', () => {
    // 2026-04-01T05:00Z is still March 31 in Los Angeles.
    expect(resolvePeriod('last_month', LA, at('2026-04-01T05:00:00Z'))).toMatchObject({
      from: '2026-02-01',
      to: '2026-02-28',
    });
    expect(resolvePeriod('last_month', 'UTC', at('2026-04-01T05:00:00Z'))).toMatchObject({
      from: '2026-03-01',
      to: '2026-03-31',
    });
  });

  it('quarter and year to date', () => {
    const qtd = resolvePeriod('quarter_to_date', LA, at('2026-05-31T18:00:00Z'));
    expect(qtd).toMatchObject({
      from: '2026-04-01',
      to: '2026-05-31',
      previous: { from: '2026-01-01', to: '2026-02-28' },
    });
    const q1 = resolvePeriod('quarter_to_date', LA, at('2026-03-31T18:00:00Z'));
    expect(q1.previous).toEqual({ from: '2025-10-01', to: '2025-12-31' });
    const ytd = resolvePeriod('year_to_date', LA, at('2028-02-29T18:00:00Z'));
    expect(ytd).toMatchObject({
      from: '2028-01-01',
      to: '2028-02-29',
      previous: { from: '2027-01-01', to: '2027-02-28' },
    });
    expect(resolvePeriod('year_to_date', LA, at('2027-01-01T07:00:00Z'))).toMatchObject({
      from: '2026-01-01',
      to: '2026-12-31',
    });
  });

  it('last_n_days includes today and compares with the N days before', () => {
    const p = resolvePeriod('last_n_days', LA, { now: Date.parse('2026-03-31T18:00:00Z'), days: 30 });
    expect(p).toMatchObject({
      from: '2026-03-02',
      to: '2026-03-31',
      days: 30,
      previous: { from: '2026-01-31', to: '2026-03-01' },
    });
    expect(() => resolvePeriod('last_n_days', LA, { days: 0 })).toThrow(DateInputError);
    expect(() => resolvePeriod('last_n_days', LA, {})).toThrow(DateInputError);
  });

  it('every preset yields a valid range whose previous period ends before it starts', () => {
    const presets = [
      'today',
      'yesterday',
      'this_week',
      'last_week',
      'month_to_date',
      'last_month',
      'quarter_to_date',
      'year_to_date',
    ] as const;
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('2020-01-01T00:00:00Z'), max: Date.parse('2035-12-31T00:00:00Z') }),
        fc.constantFrom(...presets),
        fc.constantFrom(LA, NY, 'Pacific/Auckland', 'UTC'),
        (now, preset, zone) => {
          const p = resolvePeriod(preset, zone, { now });
          return (
            p.from <= p.to && p.previous.from <= p.previous.to && p.previous.to < p.from && p.to <= todayIn(zone, now)
          );
        },
      ),
    );
  });
});

describe('which practice zones are usable', () => {
  it('accepts IANA names, canonical or alias, in any case luxon accepts; refuses placeholders and prose', () => {
    for (const zone of ['America/Los_Angeles', 'Asia/Kolkata', 'Asia/Calcutta', 'US/Pacific', 'UTC', 'Etc/GMT+5']) {
      expect(isValidTimeZone(zone), zone).toBe(true);
      expect(isValidTimeZone(zone), zone).toBe(IANAZone.isValidZone(zone));
    }
    for (const zone of ['string', 'Pacific Time', 'PST8PDT/x', '', 'America/Nowhere']) {
      expect(isValidTimeZone(zone), zone).toBe(false);
    }
  });
});

describe('clock times in text (one formatter)', () => {
  const ZONES = [LA, 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC'];
  const instants = fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2060, 0, 1) });

  it('writes the practice wall clock with the weekday and the offset, as luxon reads the zone', () => {
    fc.assert(
      fc.property(instants, fc.constantFrom(...ZONES), (ms, zone) => {
        const local = DateTime.fromMillis(ms, { zone });
        expect(formatPracticeTime(ms, zone)).toBe(
          `${local.toFormat('ccc yyyy-MM-dd HH:mm')} (UTC${local.toFormat('ZZ')})`,
        );
      }),
    );
  });

  it('writes a span with the start offset, and the end weekday when it ends on another date', () => {
    fc.assert(
      fc.property(instants, fc.integer({ min: 5, max: 24 * 60 }), fc.constantFrom(...ZONES), (ms, minutes, zone) => {
        const start = DateTime.fromMillis(ms, { zone });
        const end = start.plus({ minutes });
        const endText = end.toISODate() === start.toISODate() ? end.toFormat('HH:mm') : end.toFormat('ccc HH:mm');
        expect(formatPracticeSpan(ms, minutes, zone)).toBe(
          `${start.toFormat('ccc yyyy-MM-dd HH:mm')}–${endText} (UTC${start.toFormat('ZZ')})`,
        );
      }),
    );
    // Across the fall-back night: 01:30 PDT + 60 minutes is 01:30 PST.
    expect(formatPracticeSpan(Date.parse('2026-11-01T01:30:00-07:00'), 60, LA)).toBe(
      'Sun 2026-11-01 01:30–01:30 (UTC-07:00)',
    );
  });

  it('near-change: the offset only within a week of a clock change', () => {
    const near = { offset: 'near-change', weekday: false } as const;
    expect(formatPracticeTime(Date.parse('2026-01-15T22:05:00Z'), LA, near)).toBe('2026-01-15 14:05');
    expect(formatPracticeTime(Date.parse('2026-03-05T22:05:00Z'), LA, near)).toBe('2026-03-05 14:05 (UTC-08:00)');
    expect(formatPracticeTime(Date.parse('2026-03-10T21:05:00Z'), LA, near)).toBe('2026-03-10 14:05 (UTC-07:00)');
    expect(formatPracticeTime(Date.parse('2026-03-20T21:05:00Z'), LA, near)).toBe('2026-03-20 14:05');
    // The fall-back hour happens twice: the offset tells the two apart.
    expect(formatPracticeTime(Date.parse('2026-11-01T08:30:00Z'), LA, near)).toBe('2026-11-01 01:30 (UTC-07:00)');
    expect(formatPracticeTime(Date.parse('2026-11-01T09:30:00Z'), LA, near)).toBe('2026-11-01 01:30 (UTC-08:00)');
    // A zone without clock changes never shows it.
    expect(formatPracticeTime(Date.parse('2026-03-08T12:00:00Z'), 'Asia/Kolkata', near)).toBe('2026-03-08 17:30');
  });

  it('a recorded date stays a date; a datetime in any zone (or none) is read onto the practice clock', () => {
    const near = { offset: 'near-change', weekday: false } as const;
    expect(formatRecordedTime('2026-01-15', LA, near)).toBe('2026-01-15');
    // A UTC `created` stamp: 22:05 UTC is 14:05 in Los Angeles.
    expect(formatRecordedTime('2026-01-15T22:05:00Z', LA, near)).toBe('2026-01-15 14:05');
    expect(formatRecordedTime('2026-01-15T17:05:00-05:00', LA, near)).toBe('2026-01-15 14:05');
    expect(formatRecordedTime('2026-01-15T14:05:00', LA, near)).toBe('2026-01-15 14:05');
    expect(formatRecordedTime('last Tuesday', LA, near)).toBe('"last Tuesday" (as Escape Dental wrote it)');
  });
});

describe('practice-local dates without a DateTime per call', () => {
  const zones = [LA, NY, 'Australia/Lord_Howe', 'Africa/Monrovia', 'Asia/Kathmandu', 'UTC', 'Pacific/Chatham'];
  const instants = fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2100, 0, 1) });

  it('today, the local date and the wall time of an instant are what luxon says', () => {
    fc.assert(
      fc.property(fc.constantFrom(...zones), instants, (zone, ms) => {
        const luxon = DateTime.fromMillis(ms, { zone });
        expect(todayIn(zone, ms)).toBe(luxon.toISODate());
        expect(instantToLocalDate(ms, zone)).toBe(luxon.toISODate());
        expect(instantToLocalTime(new Date(ms), zone)).toBe(luxon.toFormat('HH:mm'));
        const iso = luxon.toUTC().toISO() as string;
        expect(instantToLocalDate(iso, zone)).toBe(luxon.toISODate());
      }),
      { numRuns: 2000 },
    );
  });

  it("an instant's weekday is the weekday of the local date toPracticeIso writes", () => {
    const nearChanges = fc.constantFrom(Date.UTC(2026, 2, 8, 10), Date.UTC(2026, 10, 1, 9), Date.UTC(2026, 3, 5, 15));
    const aroundChange = fc
      .tuple(nearChanges, fc.integer({ min: -2 * 86_400_000, max: 2 * 86_400_000 }))
      .map(([change, delta]) => change + delta);
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.oneof(instants, aroundChange), (zone, ms) => {
        expect(instantToIsoWeekday(ms, zone)).toBe(isoWeekday(toPracticeIso(ms, zone).slice(0, 10)));
      }),
      { numRuns: 3000 },
    );
  });

  it('a datetime in the shape the API writes is read as luxon reads it, and refused where luxon refuses it', () => {
    const field = (width: number, max: number) => fc.nat(max).map((n) => String(n).padStart(width, '0'));
    const canonical = fc
      .tuple(
        field(4, 9999),
        field(2, 13),
        field(2, 32),
        field(2, 25),
        field(2, 60),
        field(2, 60),
        fc.oneof(fc.constantFrom('Z', 'z'), fc.tuple(fc.constantFrom('+', '-'), field(2, 25), field(2, 60))),
      )
      .map(
        ([y, mo, d, h, mi, s, offset]) =>
          `${y}-${mo}-${d}T${h}:${mi}:${s}${typeof offset === 'string' ? offset : `${offset[0]}${offset[1]}:${offset[2]}`}`,
      );
    const mangled = fc
      .tuple(canonical, fc.nat(24), fc.constantFrom('0', '9', '-', ':', 'T', 'Z', '+', ' ', '.', 'x', ''))
      .map(([text, at, c]) => `${text.slice(0, at)}${c}${text.slice(at + 1)}`);
    fc.assert(
      fc.property(fc.oneof(canonical, mangled), (text) => {
        // The reader trims; luxon does not.
        const luxon = DateTime.fromISO(text.trim(), { setZone: true });
        if (!luxon.isValid || !/(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$/.test(text.trim())) {
          expect(() => parseInstantMs(text)).toThrow(DateInputError);
          return;
        }
        expect(parseInstantMs(text)).toBe(luxon.toMillis());
        expect(parseInstant(text).offset).toBe(luxon.offset);
      }),
      { numRuns: 20_000 },
    );
  });

  it('an unusable zone is refused before an unreadable instant, as before', () => {
    expect(() => instantToLocalDate('not a time', 'Mars/Olympus')).toThrow(/not a valid IANA time zone/);
    expect(() => instantToLocalDate('not a time', LA)).toThrow(DateInputError);
  });

  it('a period worked out once for a date is handed out fresh each time', () => {
    const now = Date.parse('2026-03-31T18:00:00Z');
    const first = resolvePeriod('month_to_date', LA, { now });
    first.previous.to = 'changed';
    first.from = 'changed';
    const again = resolvePeriod('month_to_date', LA, { now });
    expect(again).toEqual({
      preset: 'month_to_date',
      from: '2026-03-01',
      to: '2026-03-31',
      days: 31,
      previous: { from: '2026-02-01', to: '2026-02-28' },
    });
    expect(resolvePeriod('last_n_days', LA, { now, days: 3 })).toMatchObject({ from: '2026-03-29', to: '2026-03-31' });
    expect(resolvePeriod('last_n_days', LA, { now, days: 4 })).toMatchObject({ from: '2026-03-28', to: '2026-03-31' });
    expect(() => resolvePeriod('last_n_days', LA, { now, days: 0 })).toThrow(DateInputError);
  });
});
