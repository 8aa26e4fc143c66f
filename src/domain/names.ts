/**
 * Name resolution and text hygiene for what staff type: provider references ("Dr. Dana", "DD",
 * "synthetic"), patient names, phone numbers. Ambiguity is reported with every candidate — a tool
 * never guesses whose record to open (ARCHITECTURE "Tools").
 */

export class TextInputError extends Error {
  override readonly name = 'TextInputError';
}

// Zero-width and invisible formatting characters, and the bidi controls used in "Trojan Source"
// style spoofing. Removed before matching or forwarding user text.
const INVISIBLE_RE = /[\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF]/gu;
// C0/C1 controls except tab, newline and carriage return (\p{Cc} minus those three).
const CONTROL_RE = /(?![\t\n\r])\p{Cc}/gu;

/** Text with zero-width, invisible and bidi control characters removed (nothing else changed). */
export function withoutInvisible(text: string): string {
  return text.replace(INVISIBLE_RE, '');
}

export interface SanitizeOptions {
  /** Maximum length after cleaning (default 200). */
  maxLength?: number;
  /** Keep newlines (default false: every whitespace run becomes one space). */
  multiline?: boolean;
  label?: string;
}

/**
 * Unicode hygiene for user-supplied text: NFKC (folds full-width and compatibility forms), strips
 * zero-width and bidi control characters and other controls, collapses whitespace, trims, and
 * enforces a length limit (throws {@link TextInputError} rather than silently truncating).
 */
export function sanitizeUserText(input: string, options: SanitizeOptions = {}): string {
  if (typeof input !== 'string') throw new TextInputError(`The ${options.label ?? 'text'} must be a string.`);
  const maxLength = options.maxLength ?? 200;
  let text = input.normalize('NFKC').replace(INVISIBLE_RE, '').replace(CONTROL_RE, '');
  text = options.multiline
    ? text
        .split(/\r?\n/)
        .map((line) => line.replace(/[^\S\n]+/g, ' ').trim())
        .join('\n')
        .replace(/\n{3,}/g, '\n\n')
        .trim()
    : text.replace(/\s+/g, ' ').trim();
  if ([...text].length > maxLength) {
    throw new TextInputError(`The ${options.label ?? 'text'} is longer than ${maxLength} characters.`);
  }
  return text;
}

/** Case-, diacritic- and punctuation-insensitive form used for comparisons ("Ñúñez-O'Brien" → "nunez o brien"). */
// Letters that carry no combining mark to strip (Ø, Ł, ı…) but that staff type as plain ASCII.
const TRANSLITERATE: Record<string, string> = {
  ø: 'o',
  æ: 'ae',
  œ: 'oe',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
  ß: 'ss',
};
// Built from the keys rather than written as a literal: the bundle escapes non-ASCII in strings but
// not in regex literals, and one such character makes V8 hold the whole chunk's source as UTF-16.
const TRANSLITERATED_RE = new RegExp(`[${Object.keys(TRANSLITERATE).join('')}]`, 'g');

export function foldForMatch(input: string): string {
  return input
    .normalize('NFKC')
    .replace(INVISIBLE_RE, '')
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(TRANSLITERATED_RE, (c) => TRANSLITERATE[c] ?? c)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export function tokens(input: string): string[] {
  const folded = foldForMatch(input);
  return folded === '' ? [] : folded.split(' ');
}

const TITLE_TOKENS = new Set(['dr', 'doctor', 'dds', 'dmd', 'rdh', 'mr', 'mrs', 'ms', 'miss', 'mx', 'prof']);
const DOCTOR_TOKENS = new Set(['dr', 'doctor', 'dds', 'dmd']);

// ---------------------------------------------------------------------------------------------
// Providers

export interface ProviderLike {
  id: string;
  first_name?: string | null;
  last_name?: string | null;
  abbreviation?: string | null;
  provider_type?: string | null;
}

export type MatchLevel = 'id' | 'full_name' | 'abbreviation' | 'name_part' | 'partial';

export type Resolution<T> =
  | { status: 'match'; match: T; level: MatchLevel }
  | { status: 'ambiguous'; candidates: T[]; level: MatchLevel }
  | { status: 'none'; suggestions: T[] };

function fullNameForms(p: ProviderLike): string[] {
  const first = foldForMatch(p.first_name ?? '');
  const last = foldForMatch(p.last_name ?? '');
  return [`${first} ${last}`.trim(), `${last} ${first}`.trim()];
}

function nameParts(p: ProviderLike): string[] {
  return [...tokens(p.first_name ?? ''), ...tokens(p.last_name ?? '')];
}

/**
 * Resolves a staff reference to a provider: an id, a full name ("Dana Synthetic", "Synthetic,
 * Dana"), an abbreviation ("DS1"), a title + name ("Dr. Dana", "Dr Synthetic"), or a partial name
 * ("syn"). Levels are tried in that order and the first level with any match wins; several matches
 * at that level → `ambiguous` with all of them. A doctor title ("Dr.", "DDS") excludes hygienists
 * and assistants when at least one other candidate remains. No match → up to 3 nearest names.
 */
export function resolveProvider<T extends ProviderLike>(query: string, providers: readonly T[]): Resolution<T> {
  const raw = sanitizeUserText(query, { maxLength: 120, label: 'provider name' });
  const idMatch = providers.filter((p) => p.id.toLowerCase() === raw.toLowerCase());
  if (idMatch.length > 0) return settle(idMatch, 'id');

  const allTokens = tokens(raw);
  const wantsDoctor = allTokens.some((t) => DOCTOR_TOKENS.has(t));
  const nameTokens = allTokens.filter((t) => !TITLE_TOKENS.has(t));
  if (nameTokens.length === 0) return { status: 'none', suggestions: [] };
  const joined = nameTokens.join(' ');

  const narrow = (list: T[]): T[] => {
    if (!wantsDoctor || list.length < 2) return list;
    const doctors = list.filter((p) => p.provider_type !== 'hygienist' && p.provider_type !== 'assistant');
    return doctors.length > 0 ? doctors : list;
  };

  const levels: Array<[MatchLevel, (p: T) => boolean]> = [
    ['full_name', (p) => fullNameForms(p).includes(joined)],
    ['abbreviation', (p) => nameTokens.length === 1 && foldForMatch(p.abbreviation ?? '') === joined && joined !== ''],
    [
      'name_part',
      (p) => {
        const parts = nameParts(p);
        return nameTokens.every((t) => parts.includes(t));
      },
    ],
    [
      'partial',
      (p) => {
        const parts = nameParts(p);
        return nameTokens.every((t) => parts.some((part) => part.startsWith(t)));
      },
    ],
  ];
  for (const [level, test] of levels) {
    const found = narrow(providers.filter(test));
    if (found.length > 0) return settle(found, level);
  }
  return { status: 'none', suggestions: nearest(joined, providers, (p) => fullNameForms(p)[0] ?? '', 3) };
}

function settle<T>(found: T[], level: MatchLevel): Resolution<T> {
  if (found.length === 1) return { status: 'match', match: found[0] as T, level };
  return { status: 'ambiguous', candidates: found, level };
}

/** Levenshtein distance (for "did you mean" suggestions). */
export function editDistance(a: string, b: string): number {
  const ac = [...a];
  const bc = [...b];
  let prev = Array.from({ length: bc.length + 1 }, (_, i) => i);
  for (let i = 1; i <= ac.length; i++) {
    const cur = [i];
    for (let j = 1; j <= bc.length; j++) {
      const cost = ac[i - 1] === bc[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[bc.length] ?? 0;
}

/** The `limit` items whose label (or any of its words) is nearest to the query. */
export function nearest<T>(query: string, items: readonly T[], label: (item: T) => string, limit = 3): T[] {
  const q = foldForMatch(query);
  const scored = items.map((item, index) => {
    const l = foldForMatch(label(item));
    const words = l.split(' ');
    const score = Math.min(editDistance(q, l), ...words.map((w) => editDistance(q, w)));
    return { item, score, index };
  });
  const threshold = Math.max(2, Math.ceil(q.length / 2));
  return scored
    .filter((s) => s.score <= threshold)
    .sort((a, b) => a.score - b.score || a.index - b.index)
    .slice(0, limit)
    .map((s) => s.item);
}

// ---------------------------------------------------------------------------------------------
// Patients

export interface NormalizedPersonName {
  /** Folded tokens in the order given. */
  tokens: string[];
  /** When the input was "Last, First": the parts; otherwise null. */
  last: string | null;
  first: string | null;
}

/** Normalises a patient name as staff type it ("Example, Jane", "jane  EXAMPLE", "Jöhn"). */
export function normalizePersonName(input: string): NormalizedPersonName {
  const text = sanitizeUserText(input, { maxLength: 120, label: 'name' });
  const comma = text.indexOf(',');
  if (comma > 0) {
    const last = foldForMatch(text.slice(0, comma));
    const first = foldForMatch(text.slice(comma + 1));
    return { tokens: tokens(`${first} ${last}`), last: last || null, first: first || null };
  }
  return { tokens: tokens(text), last: null, first: null };
}

export interface PatientLike {
  first_name?: string | null;
  last_name?: string | null;
  preferred_name?: string | null;
}

/**
 * Client-side post-filter for patient search (T1, T21: the upstream `search` semantics are
 * truncated in the spec, so results are re-checked here). Every query token must prefix-match a
 * word of the first, last or preferred name; "Last, First" pins each part to its field.
 */
export function patientNameMatches(patient: PatientLike, query: string | NormalizedPersonName): boolean {
  const q = typeof query === 'string' ? normalizePersonName(query) : query;
  const first = tokens(patient.first_name ?? '');
  const last = tokens(patient.last_name ?? '');
  const preferred = tokens(patient.preferred_name ?? '');
  const prefixOf = (words: string[], t: string): boolean => words.some((w) => w.startsWith(t));
  if (q.last !== null) {
    const lastOk = q.last.split(' ').every((t) => prefixOf(last, t));
    const firstOk = (q.first ?? '').split(' ').every((t) => t === '' || prefixOf([...first, ...preferred], t));
    return lastOk && firstOk;
  }
  if (q.tokens.length === 0) return false;
  const all = [...first, ...last, ...preferred];
  return q.tokens.every((t) => prefixOf(all, t));
}

// ---------------------------------------------------------------------------------------------
// Phones

/**
 * Digits of a phone number, without a leading North American country code: "(415) 555-0100",
 * "415.555.0100" and "+1 415 555 0100" all give "4155550100".
 */
export function normalizePhoneDigits(input: string | null | undefined): string {
  if (typeof input !== 'string') return '';
  const digits = input.normalize('NFKC').replace(/\D+/g, '');
  return digits.length === 11 && digits.startsWith('1') ? digits.slice(1) : digits;
}

/** A stored phone that holds something to dial; blank or whitespace-only counts as no phone. */
export function presentPhone(stored: string | null | undefined): string | undefined {
  return typeof stored === 'string' && stored.trim() !== '' ? stored : undefined;
}

/** The number to reach a patient on: mobile first, then home, then work (spec L21 "best reach-out number"). */
export function reachPhone(patient: {
  phone_mobile?: string | null;
  phone_home?: string | null;
  phone_work?: string | null;
}): string | undefined {
  return presentPhone(patient.phone_mobile) ?? presentPhone(patient.phone_home) ?? presentPhone(patient.phone_work);
}

/**
 * Whether a stored phone matches what staff typed: equal digits, or (for a query of at least
 * 4 digits) the stored number ends with the query ("the number ending 0100").
 */
export function phoneMatches(query: string, stored: string | null | undefined): boolean {
  const q = normalizePhoneDigits(query);
  const s = normalizePhoneDigits(stored);
  if (q.length < 4 || s === '') return false;
  return s === q || s.endsWith(q);
}
