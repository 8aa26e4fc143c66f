/**
 * Exact decimal money (C-T1): the API sends decimal strings ("1035.00", "-20.00"); sums and
 * percentages are computed with big.js and formatted back to 2 dp, never with JS floats.
 */
import Big from 'big.js';

export type Money = Big;

export class MoneyParseError extends Error {
  override readonly name = 'MoneyParseError';
}

const DECIMAL_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
// What the API sends and formatMoney writes: big.js reads it and writes it back unchanged.
const CANONICAL_RE = /^-?(?:0|[1-9]\d*)\.\d\d$/;
// Canonical amounts this long or shorter are whole cents well inside a double's exact integers,
// so sums of them can run on numbers until they come near that limit.
const CENTS_DIGITS = 15;
const CENTS_FLUSH = 1e15;

/**
 * Parses an upstream amount. Tolerates `"0"`, `"0.0"`, `"1,035.00"`, numbers, `null`, `undefined`
 * and `""` (the last three as zero). Anything else is an error, not a silent zero.
 */
export function parseMoney(value: unknown): Money {
  const parsed = parseMoneyOrNull(value);
  return parsed ?? new Big(0);
}

/** Like {@link parseMoney} but keeps "absent" (`null`, `undefined`, `""`) distinct from zero. */
export function parseMoneyOrNull(value: unknown): Money | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Big) return value;
  if (typeof value === 'string' && CANONICAL_RE.test(value)) return new Big(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new MoneyParseError('A money amount is not a finite number.');
    return new Big(String(value));
  }
  if (typeof value !== 'string') throw new MoneyParseError('A money amount is not a decimal string.');
  const text = value.trim().replace(/,/g, '');
  if (text === '') return null;
  // Not the value itself: the message is logged, and the field may hold anything (a name).
  if (!DECIMAL_RE.test(text)) throw new MoneyParseError('A money amount is not a decimal amount.');
  // big.js refuses a leading "+" that the pattern above accepts.
  return new Big(text.startsWith('+') ? text.slice(1) : text);
}

/** Rounds half away from zero to 2 dp (big.js roundHalfUp) and renders `"-20.00"`. */
export function formatMoney(value: Money | string | number | null | undefined): string {
  if (typeof value === 'string' && CANONICAL_RE.test(value)) return value === '-0.00' ? '0.00' : value;
  const b = parseMoney(value).round(2, Big.roundHalfUp);
  const text = b.toFixed(2);
  return text === '-0.00' ? '0.00' : text;
}

export function sumMoney(values: Iterable<unknown>): Money {
  let total = new Big(0);
  // Canonical amounts are summed as whole cents: a big.js number per row was most of what
  // summing a long list allocated.
  let cents = 0;
  for (const v of values) {
    if (typeof v === 'string' && v.length <= CENTS_DIGITS && CANONICAL_RE.test(v)) {
      const whole = Number(v.slice(0, -3));
      const fraction = Number(v.slice(-2));
      cents += whole * 100 + (v.charCodeAt(0) === 45 ? -fraction : fraction);
      if (Math.abs(cents) >= CENTS_FLUSH) {
        total = total.plus(centsToMoney(cents));
        cents = 0;
      }
    } else {
      total = total.plus(parseMoney(v));
    }
  }
  return cents === 0 ? total : total.plus(centsToMoney(cents));
}

function centsToMoney(cents: number): Money {
  return new Big(cents).div(100);
}

/** Sum rendered as a 2-dp string. */
export function sumMoneyString(values: Iterable<unknown>): string {
  return formatMoney(sumMoney(values));
}

export function subtractMoney(a: unknown, b: unknown): Money {
  return parseMoney(a).minus(parseMoney(b));
}

export function moneyEquals(a: unknown, b: unknown): boolean {
  return parseMoney(a).eq(parseMoney(b));
}

export function compareMoney(a: unknown, b: unknown): number {
  return parseMoney(a).cmp(parseMoney(b));
}

/**
 * `part / whole × 100` rounded half-up to `dp` places. A zero denominator yields `onZero`
 * (default `"0.00"`, the sandbox's PCT_ON_ZERO) so callers never divide by zero.
 */
export function percent(
  part: unknown,
  whole: unknown,
  options: { dp?: number; onZero?: string | null } = {},
): string | null {
  const dp = options.dp ?? 2;
  const w = parseMoney(whole);
  if (w.eq(0)) return options.onZero === undefined ? (0).toFixed(dp) : options.onZero;
  const pct = parseMoney(part).times(100).div(w).round(dp, Big.roundHalfUp);
  const text = pct.toFixed(dp);
  return /^-0\.?0*$/.test(text) ? text.slice(1) : text;
}

/** True when a value is a decimal string with at most two places (the API's writable money format). */
export function isMoneyString(value: unknown): value is string {
  return typeof value === 'string' && /^-?\d{0,8}(?:\.\d{0,2})?$/.test(value) && /\d/.test(value);
}
