/**
 * The ledger's ambiguity flags (claims digest §15.12). The spec states none of these; the defaults
 * are the ones recorded in ASSUMPTIONS.md §9, and tests run the invariants under other values.
 */
import type { ClaimStatus } from '../model.js';

export interface LedgerFlags {
  /** PRODUCTION_INCLUDES_SCHEDULED: `production` = completed + scheduled (T14). */
  productionIncludesScheduled: boolean;
  /** EXCLUDE_BROKEN_FROM_PRODUCTION: the production report names only cancelled (L4682, T8). */
  excludeBrokenFromProduction: boolean;
  /** SERVICE_DATE: the date a completed procedure is attributed to. */
  serviceDate: 'date_complete_or_proc_date' | 'proc_date';
  /** FEE_FORMULA: `proc_fee`, or `proc_fee × unit_qty − discount`. */
  feeFormula: 'proc_fee' | 'units_less_discount';
  /** ADJ_SIGN: `signed` (negative = credit; net = production + adjustments) or `credit_positive`. */
  adjSign: 'signed' | 'credit_positive';
  /** INS_AS_PAYMENT: insurance money lives in PaymentRecords, so claims' ins_pay_amt is not applied again (T12). */
  insAsPayment: boolean;
  /** INS_PAID_DATE: when a claim's ins_pay_amt reduces the patient's balance. */
  insPaidDate: 'first_paid_log' | 'date_sent' | 'date_service';
  /** INS_PAID_STATUSES: the claim statuses whose ins_pay_amt reduces A/R. */
  insPaidStatuses: readonly ClaimStatus[];
  /** NULL_PROVIDER_ROW: production's by_provider carries a `provider_id: null` row. */
  nullProviderRow: boolean;
  /** UNASSIGNED_ROWS: aging by_provider / by_insurance carry "Unassigned" / "No insurance" rows. */
  unassignedRows: boolean;
  /** AGING_INCLUDE_CREDITS: the aging report's population includes credit balances. */
  agingIncludeCredits: boolean;
  /** CREDIT_BUCKET: where credit left after FIFO allocation lands. `drop` leaves it out of the buckets. */
  creditBucket: '0_30' | 'drop';
  /** LAST_PAYMENT_PATIENT_ONLY: last_payment_* ignores insurance-typed payments. */
  lastPaymentPatientOnly: boolean;
  /** STATUS_INACTIVE_MEANS: patient-balance `status=inactive` matches `inactive` only, or every non-active status (T15). */
  statusInactiveMeans: 'inactive' | 'not_active';
  /** TREND_THRESHOLDS: the default trending bucket is day up to `dayMaxDays`, week up to `weekMaxDays`, else month. */
  trendThresholds: { dayMaxDays: number; weekMaxDays: number };
  /** CLIP_EDGES: the first and last trending buckets are clipped to [from, to]. */
  clipEdges: boolean;
  /** EMIT_EMPTY: trending emits buckets with no activity (zeros). */
  emitEmpty: boolean;
  /** CLAIM_TRANSITIONS: any status to any status, or the digest's strict graph. */
  claimTransitions: 'permissive' | 'strict';
  /** CLAIM_DATE_FIELD: the claim list's date_from/date_to act on this field (the spec's cell is cut, L3083). */
  claimDateField: 'date_service' | 'date_sent' | 'created';
  /** PCT_ON_ZERO: a percentage (or a per-hour rate) with a zero denominator. */
  pctOnZero: '0.00' | null;
  /** COLLECTION_PCT_OF: the denominator of the DSO report's `collection_pct` (not stated, L7990). */
  collectionPctOf: 'production' | 'net_production';
}

export const DEFAULT_LEDGER_FLAGS: Readonly<LedgerFlags> = Object.freeze({
  productionIncludesScheduled: false,
  excludeBrokenFromProduction: false,
  serviceDate: 'date_complete_or_proc_date',
  feeFormula: 'proc_fee',
  adjSign: 'signed',
  insAsPayment: false,
  insPaidDate: 'first_paid_log',
  insPaidStatuses: Object.freeze(['paid', 'partial', 'imported'] as ClaimStatus[]),
  nullProviderRow: true,
  unassignedRows: true,
  agingIncludeCredits: false,
  creditBucket: '0_30',
  lastPaymentPatientOnly: false,
  statusInactiveMeans: 'inactive',
  trendThresholds: Object.freeze({ dayMaxDays: 31, weekMaxDays: 184 }),
  clipEdges: true,
  emitEmpty: true,
  claimTransitions: 'permissive',
  claimDateField: 'date_service',
  pctOnZero: '0.00',
  collectionPctOf: 'production',
} satisfies LedgerFlags);

export function ledgerFlags(overrides: Partial<LedgerFlags> = {}): LedgerFlags {
  return { ...DEFAULT_LEDGER_FLAGS, ...overrides };
}

/** Claim statuses whose `ins_pay_est` is still pending from the payer (§15.3 insurance_pending). */
export const PENDING_CLAIM_STATUSES: readonly ClaimStatus[] = ['submitted', 'accepted', 'resubmitted', 'appealed'];

/** Claim statuses counted in the claims summary's `outstanding` (ASSUMPTIONS §9). */
export const OUTSTANDING_CLAIM_STATUSES: readonly ClaimStatus[] = [
  'submitted',
  'accepted',
  'resubmitted',
  'appealed',
  'partial',
];

/** The digest's strict claim graph (§15.9); `imported` may go anywhere. */
export const STRICT_CLAIM_TRANSITIONS: Readonly<Record<ClaimStatus, readonly ClaimStatus[] | 'any'>> = {
  draft: ['submitted', 'void'],
  submitted: ['accepted', 'rejected', 'void'],
  rejected: ['resubmitted', 'void'],
  resubmitted: ['accepted', 'rejected', 'void'],
  accepted: ['paid', 'partial', 'denied'],
  partial: ['paid', 'appealed'],
  denied: ['appealed', 'void'],
  appealed: ['paid', 'partial', 'denied'],
  imported: 'any',
  paid: [],
  void: [],
};
