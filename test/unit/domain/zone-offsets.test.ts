/**
 * practiceZone remembers UTC offsets per quarter-hour (a performance change): it must give the
 * exact offset luxon's own IANAZone gives, for any instant, including the minutes around DST
 * transitions, half-hour shifts (Lord Howe), odd offsets (Kathmandu, St John's) and historic
 * local-mean-time changes.
 */
import fc from 'fast-check';
import { IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import { practiceZone } from '../../../src/domain/dates.js';

const ZONES = [
  'America/Los_Angeles',
  'America/New_York',
  'America/Chicago',
  'America/St_Johns',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'Europe/Dublin',
  'Pacific/Apia',
  'UTC',
];

describe('practiceZone offsets', () => {
  it('equal the exact IANA offsets at random instants, 1850–2100', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: Date.UTC(1850, 0, 1), max: Date.UTC(2100, 0, 1) }),
        (zone, ts) => {
          // Asked twice: once computed, once possibly remembered.
          expect(practiceZone(zone).offset(ts)).toBe(new IANAZone(zone).offset(ts));
          expect(practiceZone(zone).offset(ts)).toBe(new IANAZone(zone).offset(ts));
        },
      ),
      { numRuns: 3_000, seed: 42 },
    );
  });

  it('equal them minute by minute around transitions', () => {
    for (const zone of ZONES) {
      const exact = new IANAZone(zone);
      for (const year of [1883, 1918, 1970, 2007, 2026, 2027]) {
        // Days whose offset changes, then every minute of the hours around the change.
        for (let day = Date.UTC(year, 0, 1); day < Date.UTC(year + 1, 0, 1); day += 86_400_000) {
          if (exact.offset(day) === exact.offset(day + 86_400_000)) continue;
          for (let t = day; t < day + 86_400_000; t += 900_000) {
            if (exact.offset(t) === exact.offset(t + 900_000)) continue;
            for (let m = t - 3_600_000; m <= t + 3_600_000; m += 60_000) {
              expect(practiceZone(zone).offset(m), `${zone} ${new Date(m).toISOString()}`).toBe(exact.offset(m));
            }
          }
        }
      }
    }
  });
});
