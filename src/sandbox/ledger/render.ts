/**
 * JSON renderings of ledger rows and reports (field names and order as in the spec's samples),
 * and the glue the insurance/billing/DSO routes share: flags per sandbox, the index per request.
 */
import { formatCents, formatCentsOrNull, renderStamp } from '../http/helpers.js';
import type { Quirks, SandboxRequest } from '../http/types.js';
import type {
  Adjustment,
  Carrier,
  Claim,
  ClaimLogEntry,
  ClaimProcedure,
  InsurancePlan,
  Patient,
  PatientInsurance,
  Payment,
  PracticeData,
  Uuid,
} from '../model.js';
import { patientName, providerName } from '../serialize.js';
import type { SandboxStore } from '../store.js';
import type { ClaimsSummary } from './claims.js';
import type {
  AgingGroupRow,
  AgingSummary,
  BalanceRow,
  PatientLedger,
  ProductionReport,
  TrendingReport,
} from './engine.js';
import { DEFAULT_LEDGER_FLAGS, type LedgerFlags } from './flags.js';
import { getLedgerIndex, type LedgerIndex } from './ledger-index.js';

// ---------------------------------------------------------------------------------------------
// per-sandbox flags and per-request index

const flagsByStore = new WeakMap<SandboxStore, LedgerFlags>();

/** Selects other §15.12 flag values for one sandbox (tests; a future `--quirk` wiring). */
export function setLedgerFlags(store: SandboxStore, overrides: Partial<LedgerFlags>): LedgerFlags {
  const flags = { ...DEFAULT_LEDGER_FLAGS, ...overrides };
  flagsByStore.set(store, flags);
  return flags;
}

export function ledgerFlagsOf(store: SandboxStore): LedgerFlags {
  return flagsByStore.get(store) ?? DEFAULT_LEDGER_FLAGS;
}

/**
 * The ledger index of a practice. The store's own per-practice index object is replaced after
 * every write anywhere in the sandbox (router → `store.invalidate`), so its identity is the
 * write token that keeps ours fresh after appointment and patient writes.
 */
export function ledgerIndexOf(store: SandboxStore, data: PracticeData): LedgerIndex {
  return getLedgerIndex(data, store.procedureCodes, store.index(data.practice.id));
}

export function requestIndex(store: SandboxStore, req: SandboxRequest): LedgerIndex {
  return ledgerIndexOf(store, req.practiceData as PracticeData);
}

// ---------------------------------------------------------------------------------------------
// names

export function patientOf(ix: LedgerIndex, id: Uuid): Patient | undefined {
  const pos = ix.patientPos.get(id);
  return pos === undefined ? undefined : ix.data.patients[pos];
}

function providerNameOf(ix: LedgerIndex, id: Uuid | null): string {
  if (!id) return '';
  const pos = ix.providerPos.get(id);
  return providerName(pos === undefined ? undefined : ix.data.providers[pos]);
}

function patientFields(ix: LedgerIndex, patientId: Uuid) {
  const p = patientOf(ix, patientId);
  return {
    patient_name: patientName(p),
    patient_first_name: p?.firstName ?? '',
    patient_last_name: p?.lastName ?? '',
  };
}

function procedureCodeRef(store: SandboxStore, id: Uuid | null, code: string) {
  const pc = (id ? store.procedureCodesById.get(id) : undefined) ?? store.procedureCodesByCode.get(code);
  return pc ? { id: pc.id, code: pc.code, description: pc.description, abbreviation: pc.abbreviation } : null;
}

// ---------------------------------------------------------------------------------------------
// claims

export function serializeClaimLog(claim: Claim, e: ClaimLogEntry) {
  return {
    id: e.id,
    claim: claim.id,
    from_status: e.fromStatus,
    to_status: e.toStatus,
    changed_by: e.changedBy,
    changed_by_email: e.changedByEmail,
    changed_at: renderStamp(e.changedAtMs),
    note: e.note,
    custom_data: null,
  };
}

function serializeClaimLine(store: SandboxStore, claim: Claim, l: ClaimProcedure) {
  return {
    id: l.id,
    custom_data: null,
    procedure_code: procedureCodeRef(store, l.procedureCodeId, l.procCode),
    created: renderStamp(claim.createdMs),
    modified: renderStamp(claim.modifiedMs),
    proc_code: l.procCode,
    fee_billed: formatCents(l.feeBilledCents),
    ins_pay_est: formatCents(l.insPayEstCents),
    ins_pay_amt: formatCents(l.insPayAmtCents),
    ded_applied: formatCents(l.dedAppliedCents),
    write_off: formatCents(l.writeOffCents),
    status: l.status,
    proc_date: l.procDate,
    created_by: null,
    modified_by: null,
    practice: claim.practiceId,
    claim: claim.id,
    patient: claim.patientId,
    procedure: l.procedureId,
  };
}

/** The claim read shape (L3093–3157). */
export function serializeClaim(store: SandboxStore, ix: LedgerIndex, c: Claim) {
  return {
    id: c.id,
    custom_data: null,
    procedures: c.procedures.map((l) => serializeClaimLine(store, c, l)),
    status_log: c.statusLog.map((e) => serializeClaimLog(c, e)),
    ...patientFields(ix, c.patientId),
    provider_name: providerNameOf(ix, c.providerId),
    created: renderStamp(c.createdMs),
    modified: renderStamp(c.modifiedMs),
    date_service: c.dateService,
    date_sent: c.dateSent,
    status: c.status,
    claim_status: c.claimStatus,
    claim_fee: formatCents(c.claimFeeCents),
    ins_pay_est: formatCents(c.insPayEstCents),
    ins_pay_amt: formatCents(c.insPayAmtCents),
    ded_applied: formatCents(c.dedAppliedCents),
    write_off: formatCents(c.writeOffCents),
    created_by: null,
    modified_by: null,
    practice: c.practiceId,
    patient: c.patientId,
    provider: c.providerId,
    patient_insurance: c.patientInsuranceId,
  };
}

/** The write shape that create/update echo (L4005–4027): no status, no log, no names. */
export function serializeClaimWrite(c: Claim, customData: unknown) {
  return {
    id: c.id,
    patient: c.patientId,
    provider: c.providerId,
    patient_insurance: c.patientInsuranceId,
    date_service: c.dateService,
    date_sent: c.dateSent,
    claim_fee: formatCents(c.claimFeeCents),
    ins_pay_est: formatCents(c.insPayEstCents),
    ins_pay_amt: formatCents(c.insPayAmtCents),
    ded_applied: formatCents(c.dedAppliedCents),
    write_off: formatCents(c.writeOffCents),
    procedures: c.procedures.map((l) => ({
      procedure: l.procedureId,
      proc_code: l.procCode,
      procedure_code: l.procedureCodeId,
      fee_billed: formatCents(l.feeBilledCents),
      ins_pay_est: formatCents(l.insPayEstCents),
      ded_applied: formatCents(l.dedAppliedCents),
      write_off: formatCents(l.writeOffCents),
      custom_data: null,
    })),
    custom_data: customData ?? null,
  };
}

/**
 * The claims summary under `claimsSummaryShape` (ASSUMPTIONS §9; the spec has no schema, C-T5):
 * `status-list` is `by_status` as a list of rows beside `totals`; `status-keys` puts each status
 * at the top level beside `outstanding_balance`; `array` is a bare list of rows (no totals at
 * all); `unknown` is a shape no client could read (it exercises the client's refusal).
 */
export function renderClaimsSummary(summary: ClaimsSummary, shape: Quirks['claimsSummaryShape']) {
  const statuses = Object.entries(summary.byStatus);
  const row = (status: string, t: (typeof statuses)[number][1]) => ({
    status,
    count: t.count,
    total_fee: formatCents(t.totalFee),
    total_paid: formatCents(t.totalPaid),
  });
  if (shape === 'status-list') {
    const { by_status: _map, totals } = renderClaimsSummary(summary, 'by-status') as {
      by_status: unknown;
      totals: unknown;
    };
    return { by_status: statuses.map(([status, t]) => row(status, t)), totals };
  }
  if (shape === 'status-keys') {
    return {
      ...Object.fromEntries(
        statuses.map(([status, t]) => {
          const { status: _status, ...figures } = row(status, t);
          return [status, figures];
        }),
      ),
      outstanding_balance: formatCents(summary.totals.outstanding),
    };
  }
  if (shape === 'array') return statuses.map(([status, t]) => row(status, t));
  if (shape === 'unknown') {
    return { claims: statuses.map(([status, t]) => ({ state: status, n: t.count, billed: formatCents(t.totalFee) })) };
  }
  if (shape === 'list') {
    return {
      results: statuses.map(([status, t]) => ({
        status,
        count: t.count,
        total_fee: formatCents(t.totalFee),
        total_paid: formatCents(t.totalPaid),
      })),
      outstanding_balance: formatCents(summary.totals.outstanding),
      total_count: summary.totals.count,
    };
  }
  return {
    by_status: Object.fromEntries(
      statuses.map(([status, t]) => [
        status,
        { count: t.count, total_fee: formatCents(t.totalFee), total_paid: formatCents(t.totalPaid) },
      ]),
    ),
    totals: {
      count: summary.totals.count,
      total_fee: formatCents(summary.totals.totalFee),
      total_paid: formatCents(summary.totals.totalPaid),
      outstanding: formatCents(summary.totals.outstanding),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// carriers and patient insurance

export function serializeCarrier(c: Carrier) {
  return {
    id: c.id,
    name: c.name,
    phone: c.phone,
    address_line1: '',
    address_line2: '',
    city: '',
    state: '',
    zip_code: '',
    payer_id: c.payerId,
    claim_office_id: '',
    hpid: '',
    payment_source: 'eft',
    notes: '',
    is_active: c.isActive,
    created: renderStamp(c.createdMs),
    modified: renderStamp(c.modifiedMs),
    custom_data: null,
  };
}

/** `plan_detail` (L3348): only the worklist scenarios' enrollments point at a plan. */
export function serializeInsurancePlan(ix: LedgerIndex, plan: InsurancePlan) {
  const pos = ix.carrierPos.get(plan.carrierId);
  const carrier = pos === undefined ? undefined : ix.data.carriers[pos];
  return {
    id: plan.id,
    carrier: plan.carrierId,
    carrier_name: carrier?.name ?? '',
    plan_name: plan.planName,
    group_name: plan.groupName,
    group_number: plan.groupNumber,
    employer_name: plan.employerName,
    plan_type: plan.planType,
    annual_maximum: formatCentsOrNull(plan.annualMaximumCents),
    individual_deductible: formatCentsOrNull(plan.individualDeductibleCents),
    family_deductible: formatCentsOrNull(
      plan.individualDeductibleCents === null ? null : plan.individualDeductibleCents * 3,
    ),
    plan_year_begin_month: 1,
    fee_schedule: null,
    is_active: true,
    enrollment_count: ix.data.patientInsurance.filter((pi) => pi.insurancePlanId === plan.id).length,
    created: renderStamp(plan.createdMs),
    modified: renderStamp(plan.modifiedMs),
    custom_data: null,
  };
}

export function serializePatientInsurance(ix: LedgerIndex, pi: PatientInsurance) {
  const pos = ix.carrierPos.get(pi.carrierId);
  const carrier = pos === undefined ? undefined : ix.data.carriers[pos];
  const patient = patientOf(ix, pi.patientId);
  const plan = pi.insurancePlanId ? ix.data.insurancePlans.find((p) => p.id === pi.insurancePlanId) : undefined;
  return {
    id: pi.id,
    custom_data: null,
    benefits: [],
    carrier_detail: carrier ? serializeCarrier(carrier) : null,
    plan_detail: plan ? serializeInsurancePlan(ix, plan) : null,
    created: renderStamp(pi.createdMs),
    modified: renderStamp(pi.modifiedMs),
    carrier_name: carrier?.name ?? '',
    group_number: pi.groupNumber,
    subscriber_id: pi.subscriberId,
    subscriber_name:
      pi.relationshipToSubscriber === 'self' && patient ? `${patient.firstName} ${patient.lastName}` : '',
    ordinal: pi.ordinal,
    relationship_to_subscriber: pi.relationshipToSubscriber,
    effective_date: null,
    termination_date: null,
    created_by: null,
    modified_by: null,
    practice: pi.practiceId,
    patient: pi.patientId,
    insurance_plan: plan?.id ?? null,
    carrier: pi.carrierId,
    fee_schedule: null,
  };
}

// ---------------------------------------------------------------------------------------------
// payments and adjustments

export function serializePayment(store: SandboxStore, ix: LedgerIndex, p: Payment) {
  return {
    id: p.id,
    custom_data: null,
    splits: p.splits.map((s) => ({
      id: s.id,
      custom_data: null,
      procedure_code: procedureCodeRef(store, null, s.procCode),
      created: renderStamp(p.createdMs),
      modified: renderStamp(p.modifiedMs),
      split_amount: formatCents(s.splitAmountCents),
      proc_code: s.procCode,
      procedure_date: s.procedureDate,
      note: '',
      created_by: null,
      modified_by: null,
      practice: p.practiceId,
      payment: p.id,
      patient: p.patientId,
    })),
    ...patientFields(ix, p.patientId),
    provider_name: providerNameOf(ix, p.providerId),
    pay_method: p.payMethod,
    created: renderStamp(p.createdMs),
    modified: renderStamp(p.modifiedMs),
    pay_date: p.payDate,
    pay_amount: formatCents(p.payAmountCents),
    pay_type: p.payType,
    pay_note: p.payNote,
    stripe_payment_intent_id: '',
    stripe_status: null,
    created_by: null,
    modified_by: null,
    practice: p.practiceId,
    patient: p.patientId,
    provider: p.providerId,
  };
}

export function serializePaymentWrite(p: Payment, customData: unknown) {
  return {
    patient: p.patientId,
    pay_date: p.payDate,
    pay_amount: formatCents(p.payAmountCents),
    pay_type: p.payType,
    pay_note: p.payNote,
    provider: p.providerId,
    custom_data: customData ?? null,
    splits: p.splits.map((s) => ({
      split_amount: formatCents(s.splitAmountCents),
      proc_code: s.procCode,
      procedure_code: null,
      procedure_date: s.procedureDate,
      note: '',
      custom_data: null,
    })),
  };
}

export function serializeAdjustment(a: Adjustment) {
  return {
    id: a.id,
    custom_data: null,
    created: renderStamp(a.createdMs),
    modified: renderStamp(a.modifiedMs),
    adj_date: a.adjDate,
    adj_amount: formatCents(a.adjAmountCents),
    adj_type: a.adjType,
    adj_note: a.adjNote,
    created_by: null,
    modified_by: null,
    practice: a.practiceId,
    patient: a.patientId,
    provider: a.providerId,
  };
}

export function serializeAdjustmentWrite(a: Adjustment, customData: unknown) {
  return {
    patient: a.patientId,
    adj_date: a.adjDate,
    adj_amount: formatCents(a.adjAmountCents),
    adj_type: a.adjType,
    adj_note: a.adjNote,
    provider: a.providerId,
    custom_data: customData ?? null,
  };
}

// ---------------------------------------------------------------------------------------------
// reports

export function renderBalanceSummary(l: PatientLedger) {
  return {
    total_charges: formatCents(l.totalCharges),
    total_payments: formatCents(l.totalPayments),
    total_adjustments: formatCents(l.totalAdjustments),
    insurance_paid: formatCents(l.insurancePaid),
    insurance_estimate: formatCents(l.insuranceEstimate),
    balance: formatCents(l.balance),
  };
}

export function renderAgingSummary(s: AgingSummary) {
  return {
    total_ar: formatCents(s.totalAr),
    current: formatCents(s.current),
    days_31_60: formatCents(s.days31To60),
    days_61_90: formatCents(s.days61To90),
    over_90: formatCents(s.over90),
    patient_count: s.patientCount,
  };
}

function bucketFields(l: PatientLedger) {
  return {
    balance_total: formatCents(l.balance),
    bal_0_30: formatCents(l.buckets['0_30']),
    bal_31_60: formatCents(l.buckets['31_60']),
    bal_61_90: formatCents(l.buckets['61_90']),
    bal_over_90: formatCents(l.buckets.over_90),
    last_payment_date: l.lastPayment?.date ?? null,
    last_payment_amount: formatCentsOrNull(l.lastPayment?.amountCents),
  };
}

export function renderTopBalance(r: BalanceRow) {
  return { patient_id: r.patient.id, patient_name: patientName(r.patient), ...bucketFields(r.ledger) };
}

export function renderPatientBalanceRow(ix: LedgerIndex, r: BalanceRow) {
  const carrierPos = r.primaryCarrierId ? ix.carrierPos.get(r.primaryCarrierId) : undefined;
  return {
    ...renderTopBalance(r),
    primary_provider_id: r.primaryProviderId,
    primary_provider_name: providerNameOf(ix, r.primaryProviderId),
    primary_carrier_id: r.primaryCarrierId,
    primary_carrier_name: carrierPos === undefined ? '' : (ix.data.carriers[carrierPos]?.name ?? ''),
    status: r.patient.status,
  };
}

function renderAgingGroup(
  g: AgingGroupRow,
  idKey: 'provider_id' | 'carrier_id',
  nameKey: 'provider_name' | 'carrier_name',
) {
  return {
    [idKey]: g.id,
    [nameKey]: g.name,
    bal_0_30: formatCents(g.buckets['0_30']),
    bal_31_60: formatCents(g.buckets['31_60']),
    bal_61_90: formatCents(g.buckets['61_90']),
    bal_over_90: formatCents(g.buckets.over_90),
    balance_total: formatCents(g.balanceTotal),
  };
}

export function renderAgingGroups(rows: readonly AgingGroupRow[], kind: 'provider' | 'insurance') {
  return rows.map((g) =>
    kind === 'provider'
      ? renderAgingGroup(g, 'provider_id', 'provider_name')
      : renderAgingGroup(g, 'carrier_id', 'carrier_name'),
  );
}

export function renderProduction(r: ProductionReport) {
  return {
    date_from: r.dateFrom,
    date_to: r.dateTo,
    summary: {
      total_production: formatCents(r.summary.totalProduction),
      total_collections: formatCents(r.summary.totalCollections),
      total_adjustments: formatCents(r.summary.totalAdjustments),
      net_production: formatCents(r.summary.netProduction),
      procedure_count: r.summary.procedureCount,
    },
    by_provider: r.byProvider.map((p) => ({
      provider_id: p.providerId,
      provider_name: p.providerName,
      production: formatCents(p.production),
      completed_production: formatCents(p.completedProduction),
      scheduled_production: formatCents(p.scheduledProduction),
      collections: formatCents(p.collections),
      adjustments: formatCents(p.adjustments),
      procedure_count: p.procedureCount,
    })),
    by_procedure: r.byProcedure.map((p) => ({
      proc_code: p.procCode,
      description: p.description,
      count: p.count,
      total_production: formatCents(p.totalProduction),
      avg_fee: formatCents(p.avgFee),
    })),
  };
}

export function renderTrending(t: TrendingReport) {
  return {
    date_from: t.dateFrom,
    date_to: t.dateTo,
    bucket: t.bucket,
    metrics: t.metrics,
    rows: t.rows.map((row) => {
      const out: Record<string, unknown> = { bucket_start: row.bucketStart, bucket_end: row.bucketEnd };
      for (const m of t.metrics) out[m] = formatCents(row.values[m] ?? 0);
      out.appointment_count = row.appointmentCount;
      return out;
    }),
    totals: Object.fromEntries(t.metrics.map((m) => [m, formatCents(t.totals[m] ?? 0)])),
  };
}
