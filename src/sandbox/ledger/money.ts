/** Integer-cent arithmetic for the ledger (§15.2 M1, M2). */
import { formatCents } from '../http/helpers.js';

export { formatCents } from '../http/helpers.js';

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
