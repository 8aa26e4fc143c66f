import { describe, expect, it } from 'vitest';
import {
  parseClock,
  parseTimeOfDay,
  startFitsWindows,
  TimeOfDayError,
  validateStartWindow,
} from '../../../src/domain/time-of-day.js';

describe('staff phrasing → find-spot windows (0=Mon..6=Sun)', () => {
  it.each([
    ['mornings', { days: null, earliest: null, latest: '11:59' }],
    ['morning only', { days: null, earliest: null, latest: '11:59' }],
    ['afternoons', { days: null, earliest: '12:00', latest: '16:59' }],
    ['evenings', { days: null, earliest: '17:00', latest: null }],
    ['after 3pm', { days: null, earliest: '15:00', latest: null }],
    ['after 3:30 p.m.', { days: null, earliest: '15:30', latest: null }],
    ['before 10:30', { days: null, earliest: null, latest: '10:29' }],
    ['before noon', { days: null, earliest: null, latest: '11:59' }],
    ['between 9 and 11', { days: null, earliest: '09:00', latest: '11:00' }],
    ['9-11am', { days: null, earliest: '09:00', latest: '11:00' }],
    ['Tue/Thu after 3pm', { days: [1, 3], earliest: '15:00', latest: null }],
    ['tuesdays and thursdays after 15:00', { days: [1, 3], earliest: '15:00', latest: null }],
    ['weekdays', { days: [0, 1, 2, 3, 4], earliest: null, latest: null }],
    ['weekends mornings', { days: [5, 6], earliest: null, latest: '11:59' }],
    ['Mon-Wed before noon', { days: [0, 1, 2], earliest: null, latest: '11:59' }],
    ['fri-mon', { days: [0, 4, 5, 6], earliest: null, latest: null }],
    ['Sunday', { days: [6], earliest: null, latest: null }],
    ['at 3pm', { days: null, earliest: '15:00', latest: '15:00' }],
    ['mornings after 9', { days: null, earliest: '09:00', latest: '11:59' }],
  ])('%s', (text, window) => {
    expect(parseTimeOfDay(text).windows).toEqual([window]);
  });

  it('several clauses become several windows', () => {
    expect(parseTimeOfDay('Mon mornings or Fri afternoons').windows).toEqual([
      { days: [0], earliest: null, latest: '11:59' },
      { days: [4], earliest: '12:00', latest: '16:59' },
    ]);
    expect(parseTimeOfDay('tue after 3pm; thu before 10').windows).toHaveLength(2);
  });

  it('reports the assumption behind a bare afternoon hour', () => {
    const r = parseTimeOfDay('after 3');
    expect(r.windows[0]?.earliest).toBe('15:00');
    expect(r.assumptions[0]).toMatch(/15:00/);
    expect(parseTimeOfDay('after 9').windows[0]?.earliest).toBe('09:00');
  });

  it('empty text is unrestricted', () => {
    expect(parseTimeOfDay('').windows).toEqual([{ days: null, earliest: null, latest: null }]);
  });

  it('rejects what it does not understand, and impossible windows', () => {
    expect(() => parseTimeOfDay('after lunch')).toThrow(TimeOfDayError);
    expect(() => parseTimeOfDay('after lunch')).toThrow(/mornings/);
    expect(() => parseTimeOfDay('afternoons before 10')).toThrow(/after the latest/);
    expect(() => parseTimeOfDay('after 25:00')).toThrow(TimeOfDayError);
    expect(() => parseClock('13pm')).toThrow(TimeOfDayError);
  });

  it('parses clocks', () => {
    expect(parseClock('12am')).toBe(0);
    expect(parseClock('12pm')).toBe(720);
    expect(parseClock('noon')).toBe(720);
    expect(parseClock('7:45')).toBe(465);
    expect(parseClock('1545')).toBe(945);
  });

  it('validates structured windows and checks fit', () => {
    expect(validateStartWindow({ days: [3, 1, 1], earliest: '08:00', latest: '12:00' })).toEqual({
      days: [1, 3],
      earliest: '08:00',
      latest: '12:00',
    });
    expect(() => validateStartWindow({ days: [7], earliest: null, latest: null })).toThrow(TimeOfDayError);
    expect(() => validateStartWindow({ days: [], earliest: null, latest: null })).toThrow(TimeOfDayError);
    expect(() => validateStartWindow({ days: null, earliest: '12:00', latest: '11:00' })).toThrow(TimeOfDayError);
    const windows = [{ days: [1, 3], earliest: '15:00', latest: null }];
    expect(startFitsWindows(1, '15:00', windows)).toBe(true);
    expect(startFitsWindows(1, '14:45', windows)).toBe(false);
    expect(startFitsWindows(2, '16:00', windows)).toBe(false);
  });
});
