import { describe, expect, it } from 'vitest';
import { CDT_CATEGORIES, cdtCategory, normalizeCdtCode } from '../../../src/domain/cdt.js';

describe('CDT categories', () => {
  it.each([
    ['D0120', 'diagnostic'],
    ['D0100', 'diagnostic'],
    ['D0999', 'diagnostic'],
    ['D1110', 'preventive'],
    ['D2740', 'restorative'],
    ['D3330', 'endodontics'],
    ['D4341', 'periodontics'],
    ['D5110', 'prosthodontics_removable'],
    ['D5899', 'prosthodontics_removable'],
    ['D5900', 'maxillofacial_prosthetics'],
    ['D5999', 'maxillofacial_prosthetics'],
    ['D6010', 'implant_services'],
    ['D6199', 'implant_services'],
    ['D6200', 'prosthodontics_fixed'],
    ['D6750', 'prosthodontics_fixed'],
    ['D7140', 'oral_maxillofacial_surgery'],
    ['D8080', 'orthodontics'],
    ['D9110', 'adjunctive_general_services'],
    ['D9999', 'adjunctive_general_services'],
  ])('%s → %s', (code, key) => {
    expect(cdtCategory(code)?.key).toBe(key);
  });

  it('normalises case and whitespace, rejects non-codes', () => {
    expect(normalizeCdtCode(' d2740 ')).toBe('D2740');
    expect(cdtCategory('d1110')?.label).toBe('Preventive');
    for (const bad of ['D274', 'D27400', 'X2740', '2740', '', 'D00A1']) expect(cdtCategory(bad)).toBeNull();
    expect(cdtCategory('D0050')).toBeNull();
  });

  it('ranges are contiguous and non-overlapping from D0100 to D9999', () => {
    for (let i = 1; i < CDT_CATEGORIES.length; i++) {
      expect(CDT_CATEGORIES[i]?.from).toBe((CDT_CATEGORIES[i - 1]?.to ?? 0) + 1);
    }
    expect(CDT_CATEGORIES[0]?.from).toBe(100);
    expect(CDT_CATEGORIES.at(-1)?.to).toBe(9999);
  });
});
