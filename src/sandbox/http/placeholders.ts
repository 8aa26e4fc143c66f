/**
 * The `placeholders` quirk (ASSUMPTIONS §5, §9): answers carrying the spec's sample values, the
 * literal "string" where a real value belongs — report and claim money (L3093–3160, L4701–4776),
 * report dates (L4701, L4757), the trending report's `bucket` and `metrics` labels (L4760) and
 * practice time zones (L6420, L6078). One transformation of the
 * finished GET answer, so every route stays written for the default reading.
 */
import type { Quirks } from './types.js';

/** Decimal-string fields of the spec's samples that read "string" there. */
const MONEY_KEYS = new Set([
  'total_production',
  'total_collections',
  'total_adjustments',
  'net_production',
  'production',
  'completed_production',
  'scheduled_production',
  'collections',
  'adjustments',
  'avg_fee',
  'claim_fee',
  'fee_billed',
  'ins_pay_est',
  'ins_pay_amt',
  'ded_applied',
  'write_off',
  'total_fee',
  'total_paid',
  'outstanding',
  'outstanding_balance',
  'proc_fee',
  'planned_fee',
  'balance_current',
]);
/** Report echo and bucket dates the samples type as plain "string". */
const REPORT_DATE_KEYS = new Set(['date_from', 'date_to', 'bucket_start', 'bucket_end']);
/** The practice whose time zone reads "string" (one practice, so the others stay usable). */
const PLACEHOLDER_ZONE = 'America/New_York';

export function withPlaceholders(mode: Quirks['placeholders'], path: string, body: unknown): unknown {
  if (mode === 'none') return body;
  const money = mode === 'money' || mode === 'all';
  const dates = (mode === 'dates' || mode === 'all') && path.includes('/billing/reports/');
  const zones = mode === 'timezone' || mode === 'all';
  const labels = (mode === 'labels' || mode === 'all') && path.includes('/billing/reports/');
  // A few bad rows among good ones: each must degrade only itself.
  const someRows = mode === 'some-rows';
  const visit = (value: unknown, key: string | undefined, parent: Record<string, unknown> | undefined): unknown => {
    if (labels && key === 'metrics' && Array.isArray(value)) return ['string'];
    if (Array.isArray(value)) return value.map((v) => visit(v, undefined, undefined));
    if (value !== null && typeof value === 'object') {
      const obj = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      // Trending `totals` is a map of metric name → amount.
      const moneyMap = key === 'totals' && parent !== undefined && 'bucket' in parent;
      for (const [k, v] of Object.entries(obj)) out[k] = moneyMap && money && v !== null ? 'string' : visit(v, k, obj);
      if (someRows && obj.status === 'appealed' && 'claim_fee' in obj) out.claim_fee = 'string';
      if (someRows && 'note_date' in obj) out.note_date = 'string';
      if (someRows && obj.event_type === 'note' && 'date' in obj) out.date = 'string';
      return out;
    }
    if (key === undefined || value === null) return value;
    if (money && MONEY_KEYS.has(key) && (typeof value === 'string' || typeof value === 'number')) return 'string';
    if (dates && REPORT_DATE_KEYS.has(key) && typeof value === 'string') return 'string';
    if (labels && key === 'bucket' && typeof value === 'string') return 'string';
    if (zones && (key === 'timezone' || key === 'practice_timezone') && value === PLACEHOLDER_ZONE) return 'string';
    return value;
  };
  return visit(body, undefined, undefined);
}
