/** Integer-cent arithmetic for the ledger (§15.2 M1, M2). */
import type { Cents } from '../model.js';

/** `103500` → `"1035.00"`, `-2000` → `"-20.00"`. */
export function formatCents(cents: Cents): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(Math.round(cents));
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

// The spec's writable money pattern (`^-?\d{0,8}(?:\.\d{0,2})?$`), minus the empty string.
const MONEY_RE = /^(-?)(\d{0,8})(?:\.(\d{0,2}))?$/;

/** A money string (or a JSON number) as cents, or null when it does not match the spec's pattern. */
export function parseMoney(value: unknown): Cents | null {
  const text = typeof value === 'number' && Number.isFinite(value) ? value.toFixed(2) : value;
  if (typeof text !== 'string') return null;
  const m = MONEY_RE.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const cents = Number(m[2] || '0') * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] === '-' ? -cents : cents;
}

/** `numerator / denominator` rounded half away from zero (Decimal ROUND_HALF_UP), integers only. */
export function divRoundHalfUp(numerator: number, denominator: number): number {
  if (denominator === 0) throw new RangeError('division by zero');
  const negative = numerator < 0 !== denominator < 0;
  const n = Math.abs(numerator);
  const d = Math.abs(denominator);
  const q = Math.floor((2 * n + d) / (2 * d));
  return negative ? -q : q;
}

/**
 * `part / whole × 100` as a two-decimal string, or `onZero` when `whole` is 0 (flag PCT_ON_ZERO).
 * Works on integers of one unit (cents, counts, minutes), so the result is exact before rounding.
 */
export function percent(part: number, whole: number, onZero: string | null): string | null {
  if (whole === 0) return onZero;
  return formatCents(divRoundHalfUp(part * 10_000, whole));
}
