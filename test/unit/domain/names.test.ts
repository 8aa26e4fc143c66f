import { describe, expect, it } from 'vitest';
import {
  editDistance,
  foldForMatch,
  normalizePersonName,
  normalizePhoneDigits,
  patientNameMatches,
  phoneMatches,
  resolveProvider,
  sanitizeUserText,
  TextInputError,
} from '../../../src/domain/names.js';

const providers = [
  {
    id: '11111111-1111-4111-8111-111111111111',
    first_name: 'Dana',
    last_name: 'Synthetic',
    abbreviation: 'DS1',
    provider_type: 'dentist',
  },
  {
    id: '22222222-2222-4222-8222-222222222222',
    first_name: 'Dana',
    last_name: 'Cleaning',
    abbreviation: 'DC',
    provider_type: 'hygienist',
  },
  {
    id: '33333333-3333-4333-8333-333333333333',
    first_name: 'Zoë',
    last_name: 'Núñez-Ortiz',
    abbreviation: 'ZN',
    provider_type: 'dentist',
  },
  {
    id: '44444444-4444-4444-8444-444444444444',
    first_name: 'Sam',
    last_name: 'Example',
    abbreviation: 'SE',
    provider_type: 'dentist',
  },
  {
    id: '55555555-5555-4555-8555-555555555555',
    first_name: 'Samantha',
    last_name: 'Example',
    abbreviation: 'SAE',
    provider_type: 'dentist',
  },
];

describe('unicode hygiene', () => {
  it('strips zero-width and bidi controls, applies NFKC, collapses whitespace', () => {
    expect(sanitizeUserText('  Ja\u200Bne\u202E  Exa\u2066mple\u0007 ')).toBe('Jane Example');
    expect(sanitizeUserText('ＪＡＮＥ')).toBe('JANE'); // full-width → ASCII
    expect(sanitizeUserText('a\n\n\n\nb', { multiline: true })).toBe('a\n\nb');
    expect(sanitizeUserText('a\nb')).toBe('a b');
  });

  it('enforces a length limit instead of truncating', () => {
    expect(() => sanitizeUserText('x'.repeat(201))).toThrow(TextInputError);
    expect(sanitizeUserText('x'.repeat(5), { maxLength: 5 })).toBe('xxxxx');
  });

  it('folds case, diacritics and punctuation', () => {
    expect(foldForMatch("Núñez-O'Brien")).toBe('nunez o brien');
    expect(foldForMatch('STRAßE')).toBe('strasse');
  });
});

describe('provider resolution', () => {
  it('by id, full name (either order), abbreviation', () => {
    expect(resolveProvider('33333333-3333-4333-8333-333333333333', providers)).toMatchObject({
      status: 'match',
      level: 'id',
    });
    expect(resolveProvider('dana synthetic', providers)).toMatchObject({
      status: 'match',
      level: 'full_name',
      match: { abbreviation: 'DS1' },
    });
    expect(resolveProvider('Synthetic, Dana', providers)).toMatchObject({
      status: 'match',
      match: { abbreviation: 'DS1' },
    });
    expect(resolveProvider('ds1', providers)).toMatchObject({
      status: 'match',
      level: 'abbreviation',
      match: { abbreviation: 'DS1' },
    });
  });

  it('"Dr. Dana" picks the dentist, plain "Dana" is ambiguous with all candidates', () => {
    expect(resolveProvider('Dr. Dana', providers)).toMatchObject({ status: 'match', match: { abbreviation: 'DS1' } });
    const plain = resolveProvider('Dana', providers);
    expect(plain.status).toBe('ambiguous');
    if (plain.status === 'ambiguous') expect(plain.candidates.map((c) => c.abbreviation).sort()).toEqual(['DC', 'DS1']);
  });

  it('is diacritic- and case-insensitive', () => {
    expect(resolveProvider('dr nunez', providers)).toMatchObject({ status: 'match', match: { abbreviation: 'ZN' } });
    expect(resolveProvider('ZOE', providers)).toMatchObject({ status: 'match', match: { abbreviation: 'ZN' } });
    expect(resolveProvider('Zoë Núñez-Ortiz', providers)).toMatchObject({ status: 'match', level: 'full_name' });
  });

  it('exact name parts win over prefixes; prefixes can be ambiguous', () => {
    expect(resolveProvider('Sam', providers)).toMatchObject({
      status: 'match',
      level: 'name_part',
      match: { abbreviation: 'SE' },
    });
    const ex = resolveProvider('Example', providers);
    expect(ex.status).toBe('ambiguous');
    expect(resolveProvider('synth', providers)).toMatchObject({ status: 'match', level: 'partial' });
  });

  it('no match → nearest suggestions, never a guess', () => {
    const r = resolveProvider('Dr. Syntetic', providers);
    expect(r.status).toBe('none');
    if (r.status === 'none') expect(r.suggestions[0]?.abbreviation).toBe('DS1');
    expect(resolveProvider('Dr.', providers)).toEqual({ status: 'none', suggestions: [] });
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});

describe('patient names and phones', () => {
  it('normalises "Last, First"', () => {
    expect(normalizePersonName('Example, Jane')).toEqual({
      tokens: ['jane', 'example'],
      last: 'example',
      first: 'jane',
    });
    expect(normalizePersonName('  jane   EXAMPLE ')).toEqual({ tokens: ['jane', 'example'], last: null, first: null });
  });

  it('matches patients token by token with prefixes', () => {
    const jane = { first_name: 'Jane', last_name: 'Example', preferred_name: 'JJ' };
    expect(patientNameMatches(jane, 'jane example')).toBe(true);
    expect(patientNameMatches(jane, 'Example, Jane')).toBe(true);
    expect(patientNameMatches(jane, 'Exam, J')).toBe(true);
    expect(patientNameMatches(jane, 'Jane, Example')).toBe(false); // last name pinned
    expect(patientNameMatches(jane, 'jj')).toBe(true);
    expect(patientNameMatches(jane, 'john example')).toBe(false);
    expect(patientNameMatches({ first_name: 'José', last_name: 'Muñoz' }, 'jose munoz')).toBe(true);
  });

  it('normalises phone digits in mixed formats', () => {
    expect(normalizePhoneDigits('(415) 555-0100')).toBe('4155550100');
    expect(normalizePhoneDigits('415.555.0100')).toBe('4155550100');
    expect(normalizePhoneDigits('+1 415 555 0100')).toBe('4155550100');
    expect(normalizePhoneDigits('+14155550100')).toBe('4155550100');
    expect(normalizePhoneDigits(null)).toBe('');
    expect(phoneMatches('415-555-0100', '+14155550100')).toBe(true);
    expect(phoneMatches('0100', '(415) 555-0100')).toBe(true);
    expect(phoneMatches('100', '(415) 555-0100')).toBe(false);
    expect(phoneMatches('5550199', '(415) 555-0100')).toBe(false);
  });
});
