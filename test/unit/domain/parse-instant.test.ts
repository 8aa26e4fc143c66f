/**
 * parseInstant reads the common `YYYY-MM-DDTHH:MM[:SS[.mmm]](Z|±HH:MM)` shape with arithmetic (a
 * performance change): it must return exactly what luxon's `fromISO(…, { setZone: true })`
 * returns — same instant, same offset, same zone name — and refuse what luxon refuses; so must
 * parseInstantMs, its instant alone.
 */
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { parseInstant, parseInstantMs } from '../../../src/domain/dates.js';

const two = (n: number) => String(n).padStart(2, '0');

describe('parseInstant', () => {
  it('equals luxon for well-formed and ill-formed instants alike', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 900, max: 2200 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 61 }),
        fc.option(fc.integer({ min: 0, max: 61 })),
        fc.option(fc.constantFrom('5', '50', '500', '123')),
        fc.constantFrom('Z', 'z', '+00:00', '-08:00', '+05:45', '-03:30', '+14:00', '-23:59', '+24:00', '-07:60'),
        (year, month, day, hour, minute, second, fraction, offset) => {
          const text = `${String(year).padStart(4, '0')}-${two(month)}-${two(day)}T${two(hour)}:${two(minute)}${
            second === null ? '' : `:${two(second)}${fraction === null ? '' : `.${fraction}`}`
          }${offset}`;
          const expected = DateTime.fromISO(text, { setZone: true });
          if (!expected.isValid) {
            expect(() => parseInstant(text), text).toThrow();
            expect(() => parseInstantMs(text), text).toThrow();
            return;
          }
          const actual = parseInstant(text);
          expect(actual.toMillis(), text).toBe(expected.toMillis());
          expect(parseInstantMs(text), text).toBe(expected.toMillis());
          expect(actual.offset, text).toBe(expected.offset);
          expect(actual.zoneName, text).toBe(expected.zoneName);
          expect(actual.toISO(), text).toBe(expected.toISO());
        },
      ),
      { numRuns: 5_000, seed: 7 },
    );
  });
});
