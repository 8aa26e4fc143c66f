/**
 * The ledger engine (claims digest §15.3–§15.8): one set of primitives from which per-patient
 * balances, FIFO aging, the aging and patient-balance reports, the production report and its
 * trending are computed, so they reconcile by construction (I1–I7, I9, I10). Integer cents
 * throughout; the routes only render.
 */
import type { Appointment, AppointmentStatus, Cents, Claim, LocalDate, Patient, Procedure, Uuid } from '../model.js';
import { dayNumber, fromDayNumber, isoWeekStart, monthEnd, monthStart } from './dates.js';
import { type LedgerFlags, PENDING_CLAIM_STATUSES } from './flags.js';
import { type LedgerIndex, NO_DAY, rangeOf } from './ledger-index.js';
import { divRoundHalfUp } from './money.js';

// ---------------------------------------------------------------------------------------------
// §15.3 primitives

export function isExcludedAppointmentStatus(status: AppointmentStatus, flags: LedgerFlags): boolean {
  return status === 'cancelled' || (flags.excludeBrokenFromProduction && status === 'broken');
}

export function fee(p: Procedure, flags: LedgerFlags): Cents {
  return flags.feeFormula === 'proc_fee' ? p.procFeeCents : p.procFeeCents * p.unitQty - p.discountCents;
}

function appointmentAt(ix: LedgerIndex, id: Uuid | null): Appointment | undefined {
  if (!id) return undefined;
  const pos = ix.appointmentPos.get(id);
  return pos === undefined ? undefined : ix.data.appointments[pos];
}

/** A completed procedure that is not tied to a cancelled (or, by flag, broken) appointment. */
export function isCompletedCharge(ix: LedgerIndex, pos: number, flags: LedgerFlags): boolean {
  const p = ix.data.procedures[pos];
  if (p?.status !== 'complete') return false;
  const appt = appointmentAt(ix, p.appointmentId);
  return !(appt && isExcludedAppointmentStatus(appt.status, flags));
}

export function serviceDay(ix: LedgerIndex, pos: number, flags: LedgerFlags): number {
  const complete = ix.completeDay[pos] as number;
  return flags.serviceDate === 'date_complete_or_proc_date' && complete !== NO_DAY
    ? complete
    : (ix.procDay[pos] as number);
}

export function adjEffect(amount: Cents, flags: LedgerFlags): Cents {
  return flags.adjSign === 'signed' ? amount : -amount;
}

export function insurancePaid(claim: Claim, flags: LedgerFlags): Cents {
  return flags.insPaidStatuses.includes(claim.status) ? claim.insPayAmtCents : 0;
}

export function insurancePending(claim: Claim): Cents {
  return PENDING_CLAIM_STATUSES.includes(claim.status) ? claim.insPayEstCents : 0;
}

/** INS_PAID_DATE: first paid/partial log date, falling back to date_sent, date_service, created. */
export function insurancePaidDay(ix: LedgerIndex, claimPos: number, flags: LedgerFlags): number {
  const claim = ix.data.claims[claimPos];
  if (!claim) return NO_DAY;
  const sent = claim.dateSent ? dayNumber(claim.dateSent) : Number.NaN;
  const service = claim.dateService ? dayNumber(claim.dateService) : Number.NaN;
  const candidates =
    flags.insPaidDate === 'first_paid_log'
      ? [ix.claimFirstPaidDay[claimPos] as number, sent, service]
      : flags.insPaidDate === 'date_sent'
        ? [sent, service]
        : [service, sent];
  for (const day of candidates) if (day !== NO_DAY && !Number.isNaN(day)) return day;
  return ix.claimCreatedDay(claimPos);
}

// ---------------------------------------------------------------------------------------------
// §15.4–§15.5 per-patient balance and FIFO aging

export const AGING_BUCKETS = ['0_30', '31_60', '61_90', 'over_90'] as const;
export type AgingBucket = (typeof AGING_BUCKETS)[number];
export type Buckets = Record<AgingBucket, Cents>;

export function agingBucketOf(ageDays: number): AgingBucket {
  if (ageDays <= 30) return '0_30';
  if (ageDays <= 60) return '31_60';
  if (ageDays <= 90) return '61_90';
  return 'over_90';
}

export interface PatientLedger {
  patientId: Uuid;
  totalCharges: Cents;
  totalPayments: Cents;
  /** Σ adj_amount as stored (signed). */
  totalAdjustments: Cents;
  insurancePaid: Cents;
  insuranceEstimate: Cents;
  balance: Cents;
  buckets: Buckets;
  lastPayment: { date: LocalDate; amountCents: Cents } | null;
}

const INSURANCE_PAY_TYPE = /\b(ins|insurance|eob|era)\b/i;

export function isInsurancePayType(payType: string): boolean {
  return INSURANCE_PAY_TYPE.test(payType);
}

/** The live balance of one patient at `asOf` (§15.4) with its FIFO-allocated buckets (§15.5). */
export function patientLedger(ix: LedgerIndex, patientId: Uuid, asOf: LocalDate, flags: LedgerFlags): PatientLedger {
  const asOfDay = dayNumber(asOf);
  const rows = ix.byPatient.get(patientId);
  const gross: Buckets = { '0_30': 0, '31_60': 0, '61_90': 0, over_90: 0 };
  const out: PatientLedger = {
    patientId,
    totalCharges: 0,
    totalPayments: 0,
    totalAdjustments: 0,
    insurancePaid: 0,
    insuranceEstimate: 0,
    balance: 0,
    buckets: gross,
    lastPayment: null,
  };
  if (!rows) return out;
  const { data } = ix;

  for (const pos of rows.procedures) {
    if (!isCompletedCharge(ix, pos, flags)) continue;
    const day = serviceDay(ix, pos, flags);
    if (day === NO_DAY || day > asOfDay) continue;
    const amount = fee(data.procedures[pos] as Procedure, flags);
    out.totalCharges += amount;
    gross[agingBucketOf(asOfDay - day)] += amount;
  }
  let lastPaymentKey: [number, number, string] | null = null;
  for (const pos of rows.payments) {
    const day = ix.payDay[pos] as number;
    if (day === NO_DAY || day > asOfDay) continue;
    const pay = data.payments[pos];
    if (!pay) continue;
    out.totalPayments += pay.payAmountCents;
    if (flags.lastPaymentPatientOnly && isInsurancePayType(pay.payType)) continue;
    const key: [number, number, string] = [day, pay.createdMs, pay.id];
    if (!lastPaymentKey || compareKeys(key, lastPaymentKey) > 0) {
      lastPaymentKey = key;
      out.lastPayment = { date: pay.payDate, amountCents: pay.payAmountCents };
    }
  }
  let adjustmentEffect = 0;
  for (const pos of rows.adjustments) {
    const day = ix.adjDay[pos] as number;
    const adj = data.adjustments[pos];
    if (!adj || day === NO_DAY || day > asOfDay) continue;
    out.totalAdjustments += adj.adjAmountCents;
    adjustmentEffect += adjEffect(adj.adjAmountCents, flags);
  }
  for (const pos of rows.claims) {
    const claim = data.claims[pos];
    if (!claim) continue;
    out.insuranceEstimate += insurancePending(claim);
    const paid = insurancePaid(claim, flags);
    if (paid !== 0 && insurancePaidDay(ix, pos, flags) <= asOfDay) out.insurancePaid += paid;
  }

  const insuranceApplied = flags.insAsPayment ? 0 : out.insurancePaid;
  out.balance = out.totalCharges - out.totalPayments - insuranceApplied + adjustmentEffect;

  // L4618: gross charges per age bucket, reduced oldest-first by the net of payments,
  // adjustments and insurance-paid amounts.
  let credit = out.totalPayments + insuranceApplied - adjustmentEffect;
  for (const bucket of ['over_90', '61_90', '31_60', '0_30'] as const) {
    const take = Math.min(gross[bucket], Math.max(credit, 0));
    gross[bucket] -= take;
    credit -= take;
  }
  if (credit < 0) gross['0_30'] += -credit;
  else if (credit > 0 && flags.creditBucket === '0_30') gross['0_30'] -= credit;
  return out;
}

function compareKeys(a: [number, number, string], b: [number, number, string]): number {
  return a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0);
}

function flagsKey(flags: LedgerFlags): string {
  return JSON.stringify(flags);
}

function memo<T>(ix: LedgerIndex, key: string, compute: () => T): T {
  if (ix.memo.has(key)) return ix.memo.get(key) as T;
  const value = compute();
  if (ix.memo.size > 64) ix.memo.clear();
  ix.memo.set(key, value);
  return value;
}

/** Every patient's ledger at `asOf`, in `data.patients` order (memoised per index). */
export function allPatientLedgers(ix: LedgerIndex, asOf: LocalDate, flags: LedgerFlags): readonly PatientLedger[] {
  return memo(ix, `ledgers|${asOf}|${flagsKey(flags)}`, () =>
    ix.data.patients.map((p) => patientLedger(ix, p.id, asOf, flags)),
  );
}

// ---------------------------------------------------------------------------------------------
// §15.6 patient-balance and aging reports

export function patientDisplayName(p: Pick<Patient, 'firstName' | 'lastName'>): string {
  return `${p.firstName} ${p.lastName}`.trim();
}

export function providerDisplayName(ix: LedgerIndex, id: Uuid | null): string {
  if (!id) return '';
  const pos = ix.providerPos.get(id);
  const p = pos === undefined ? undefined : ix.data.providers[pos];
  return p ? `${p.firstName} ${p.lastName}`.trim() : '';
}

export function carrierDisplayName(ix: LedgerIndex, id: Uuid | null): string {
  if (!id) return '';
  const pos = ix.carrierPos.get(id);
  return (pos === undefined ? undefined : ix.data.carriers[pos])?.name ?? '';
}

export interface BalanceRow {
  patient: Patient;
  ledger: PatientLedger;
  primaryProviderId: Uuid | null;
  primaryCarrierId: Uuid | null;
}

export interface AgingSummary {
  totalAr: Cents;
  current: Cents;
  days31To60: Cents;
  days61To90: Cents;
  over90: Cents;
  patientCount: number;
}

export function summarize(rows: readonly BalanceRow[]): AgingSummary {
  const s: AgingSummary = { totalAr: 0, current: 0, days31To60: 0, days61To90: 0, over90: 0, patientCount: 0 };
  for (const { ledger } of rows) {
    s.totalAr += ledger.balance;
    s.current += ledger.buckets['0_30'];
    s.days31To60 += ledger.buckets['31_60'];
    s.days61To90 += ledger.buckets['61_90'];
    s.over90 += ledger.buckets.over_90;
    s.patientCount += 1;
  }
  return s;
}

function balanceRows(ix: LedgerIndex, asOf: LocalDate, flags: LedgerFlags): BalanceRow[] {
  const ledgers = allPatientLedgers(ix, asOf, flags);
  return ix.data.patients.map((patient, i) => ({
    patient,
    ledger: ledgers[i] as PatientLedger,
    primaryProviderId: patient.primaryProviderId,
    primaryCarrierId: ix.primaryCarrier.get(patient.id) ?? null,
  }));
}

function byBalanceThenName(a: BalanceRow, b: BalanceRow): number {
  return (
    b.ledger.balance - a.ledger.balance ||
    a.patient.lastName.localeCompare(b.patient.lastName) ||
    a.patient.firstName.localeCompare(b.patient.firstName) ||
    (a.patient.id < b.patient.id ? -1 : 1)
  );
}

export type BalanceStatusFilter = 'active' | 'inactive' | 'any';

export interface PatientBalanceQuery {
  asOf: LocalDate;
  status: BalanceStatusFilter;
  minBalanceCents: Cents;
  provider?: Uuid | null;
  carrier?: Uuid | null;
  bucket?: AgingBucket | null;
}

/** §5.5: rows sorted by balance desc, then name; `summary` over every filtered row (before paging). */
export function patientBalanceReport(
  ix: LedgerIndex,
  q: PatientBalanceQuery,
  flags: LedgerFlags,
): { rows: BalanceRow[]; summary: AgingSummary } {
  const rows = balanceRows(ix, q.asOf, flags).filter((r) => {
    const status = r.patient.status;
    if (q.status === 'active' && status !== 'active') return false;
    if (
      q.status === 'inactive' &&
      (flags.statusInactiveMeans === 'inactive' ? status !== 'inactive' : status === 'active')
    )
      return false;
    if (r.ledger.balance < q.minBalanceCents) return false;
    if (q.provider && r.primaryProviderId !== q.provider) return false;
    if (q.carrier && r.primaryCarrierId !== q.carrier) return false;
    if (q.bucket && !(r.ledger.buckets[q.bucket] > 0)) return false;
    return true;
  });
  rows.sort(byBalanceThenName);
  return { rows, summary: summarize(rows) };
}

export interface AgingGroupRow {
  id: Uuid | null;
  name: string;
  buckets: Buckets;
  balanceTotal: Cents;
}

export interface AgingReport {
  summary: AgingSummary;
  topBalances: BalanceRow[];
  byProvider: AgingGroupRow[];
  byInsurance: AgingGroupRow[];
}

/** §5.3: population = balance ≥ 0.01 (credits by flag), archived patients only when asked. */
export function agingReport(
  ix: LedgerIndex,
  q: { asOf: LocalDate; includeArchived: boolean },
  flags: LedgerFlags,
): AgingReport {
  const rows = balanceRows(ix, q.asOf, flags).filter(
    (r) =>
      (q.includeArchived || r.patient.status !== 'archived') &&
      (flags.agingIncludeCredits ? r.ledger.balance !== 0 : r.ledger.balance >= 1),
  );
  rows.sort(byBalanceThenName);
  return {
    summary: summarize(rows),
    topBalances: rows.slice(0, 25),
    byProvider: groupAging(
      rows,
      (r) => r.primaryProviderId,
      (id) => providerDisplayName(ix, id),
      'Unassigned',
      flags,
    ),
    byInsurance: groupAging(
      rows,
      (r) => r.primaryCarrierId,
      (id) => carrierDisplayName(ix, id),
      'No insurance',
      flags,
    ),
  };
}

function groupAging(
  rows: readonly BalanceRow[],
  keyOf: (r: BalanceRow) => Uuid | null,
  nameOf: (id: Uuid) => string,
  unassigned: string,
  flags: LedgerFlags,
): AgingGroupRow[] {
  const groups = new Map<Uuid | null, AgingGroupRow>();
  for (const r of rows) {
    const id = keyOf(r);
    if (id === null && !flags.unassignedRows) continue;
    let g = groups.get(id);
    if (!g) {
      g = {
        id,
        name: id === null ? unassigned : nameOf(id),
        buckets: { '0_30': 0, '31_60': 0, '61_90': 0, over_90: 0 },
        balanceTotal: 0,
      };
      groups.set(id, g);
    }
    for (const b of AGING_BUCKETS) g.buckets[b] += r.ledger.buckets[b];
    g.balanceTotal += r.ledger.balance;
  }
  return [...groups.values()].sort(
    (a, b) =>
      b.balanceTotal - a.balanceTotal ||
      (a.id === null ? 1 : 0) - (b.id === null ? 1 : 0) ||
      a.name.localeCompare(b.name),
  );
}

// ---------------------------------------------------------------------------------------------
// §15.7 production

export interface ProductionQuery {
  from: LocalDate;
  to: LocalDate;
  /** Empty or absent = every provider (and the null-provider row); otherwise only these. */
  providers?: readonly Uuid[] | null;
}

export interface ProviderProduction {
  providerId: Uuid | null;
  providerName: string;
  production: Cents;
  completedProduction: Cents;
  scheduledProduction: Cents;
  collections: Cents;
  adjustments: Cents;
  procedureCount: number;
}

export interface ProcedureProduction {
  procCode: string;
  description: string;
  count: number;
  totalProduction: Cents;
  avgFee: Cents;
}

export interface ProductionSummary {
  totalProduction: Cents;
  totalCollections: Cents;
  totalAdjustments: Cents;
  netProduction: Cents;
  procedureCount: number;
}

export interface ProductionReport {
  dateFrom: LocalDate;
  dateTo: LocalDate;
  summary: ProductionSummary;
  byProvider: ProviderProduction[];
  byProcedure: ProcedureProduction[];
}

export function netProduction(production: Cents, adjustments: Cents, flags: LedgerFlags): Cents {
  return production + adjEffect(adjustments, flags);
}

/** A scheduled procedure still in the pipeline, attributed to its appointment's provider and local date. */
export interface ScheduledItem {
  appointment: Appointment;
  procCode: string;
  description: string;
  feeCents: Cents;
}

/** §15.3 scheduled_item over appointments whose local date is in [fromDay, toDay]. */
export function scheduledItems(ix: LedgerIndex, fromDay: number, toDay: number, flags: LedgerFlags): ScheduledItem[] {
  const out: ScheduledItem[] = [];
  const { start, end } = rangeOf(ix.appointmentsByDay, fromDay, toDay);
  for (let k = start; k < end; k++) {
    const a = ix.data.appointments[ix.appointmentsByDay.rows[k] as number];
    if (!a || a.scheduledProcedures.length === 0) continue;
    if (a.status === 'complete' || isExcludedAppointmentStatus(a.status, flags)) continue;
    let doneCodes: Set<string> | null = null;
    const procPositions = ix.proceduresByAppointment.get(a.id);
    if (procPositions) {
      for (const pos of procPositions) {
        const p = ix.data.procedures[pos];
        if (p?.status !== 'complete') continue;
        doneCodes ??= new Set();
        doneCodes.add(p.procCode);
      }
    }
    for (const sp of a.scheduledProcedures) {
      if (doneCodes?.has(sp.procCode)) continue; // completed mid-visit: counted through the Procedure row
      out.push({ appointment: a, procCode: sp.procCode, description: sp.description, feeCents: sp.feeCents });
    }
  }
  return out;
}

/** Positions of completed charges whose service date is in [fromDay, toDay]. */
export function completedChargePositions(
  ix: LedgerIndex,
  fromDay: number,
  toDay: number,
  flags: LedgerFlags,
): number[] {
  const sorted = ix.chargesByServiceDate(flags.serviceDate);
  const { start, end } = rangeOf(sorted, fromDay, toDay);
  const out: number[] = [];
  for (let k = start; k < end; k++) {
    const pos = sorted.rows[k] as number;
    if (isCompletedCharge(ix, pos, flags)) out.push(pos);
  }
  return out;
}

/** The production report (§15.7); trending runs exactly this per bucket (I2). */
export function productionReport(ix: LedgerIndex, q: ProductionQuery, flags: LedgerFlags): ProductionReport {
  const fromDay = dayNumber(q.from);
  const toDay = dayNumber(q.to);
  const filter = q.providers && q.providers.length > 0 ? new Set(q.providers) : null;
  const keep = (providerId: Uuid | null): boolean =>
    filter ? providerId !== null && filter.has(providerId) : providerId !== null || flags.nullProviderRow;

  const rows = new Map<Uuid | null, ProviderProduction>();
  const rowOf = (providerId: Uuid | null): ProviderProduction => {
    let row = rows.get(providerId);
    if (!row) {
      row = {
        providerId,
        providerName: providerId === null ? 'Unassigned' : providerDisplayName(ix, providerId),
        production: 0,
        completedProduction: 0,
        scheduledProduction: 0,
        collections: 0,
        adjustments: 0,
        procedureCount: 0,
      };
      rows.set(providerId, row);
    }
    return row;
  };
  if (filter) for (const id of filter) if (ix.providerPos.has(id)) rowOf(id);

  const procedures = new Map<string, { description: string; count: number; total: Cents }>();
  const addProcedure = (code: string, description: string, amount: Cents): void => {
    const entry = procedures.get(code);
    if (entry) {
      entry.count += 1;
      entry.total += amount;
    } else {
      procedures.set(code, { description: ix.catalogDescription.get(code) ?? description, count: 1, total: amount });
    }
  };

  for (const pos of completedChargePositions(ix, fromDay, toDay, flags)) {
    const p = ix.data.procedures[pos] as Procedure;
    if (!keep(p.providerId)) continue;
    const amount = fee(p, flags);
    const row = rowOf(p.providerId);
    row.completedProduction += amount;
    row.production += amount;
    row.procedureCount += 1;
    addProcedure(p.procCode, p.description, amount);
  }
  for (const item of scheduledItems(ix, fromDay, toDay, flags)) {
    const providerId = item.appointment.providerId;
    if (!keep(providerId)) continue;
    const row = rowOf(providerId);
    row.scheduledProduction += item.feeCents;
    if (flags.productionIncludesScheduled) {
      row.production += item.feeCents;
      row.procedureCount += 1;
      addProcedure(item.procCode, item.description, item.feeCents);
    }
  }
  const payments = rangeOf(ix.paymentsByDay, fromDay, toDay);
  for (let k = payments.start; k < payments.end; k++) {
    const pay = ix.data.payments[ix.paymentsByDay.rows[k] as number];
    if (pay && keep(pay.providerId)) rowOf(pay.providerId).collections += pay.payAmountCents;
  }
  const adjustments = rangeOf(ix.adjustmentsByDay, fromDay, toDay);
  for (let k = adjustments.start; k < adjustments.end; k++) {
    const adj = ix.data.adjustments[ix.adjustmentsByDay.rows[k] as number];
    if (adj && keep(adj.providerId)) rowOf(adj.providerId).adjustments += adj.adjAmountCents;
  }

  const byProvider = [...rows.values()]
    .filter(
      (r) =>
        (filter !== null && r.providerId !== null) ||
        r.production !== 0 ||
        r.completedProduction !== 0 ||
        r.scheduledProduction !== 0 ||
        r.collections !== 0 ||
        r.adjustments !== 0 ||
        r.procedureCount !== 0,
    )
    .sort(
      (a, b) =>
        b.production - a.production ||
        (a.providerId === null ? 1 : 0) - (b.providerId === null ? 1 : 0) ||
        a.providerName.localeCompare(b.providerName),
    );
  const summary: ProductionSummary = {
    totalProduction: 0,
    totalCollections: 0,
    totalAdjustments: 0,
    netProduction: 0,
    procedureCount: 0,
  };
  for (const r of byProvider) {
    summary.totalProduction += r.production;
    summary.totalCollections += r.collections;
    summary.totalAdjustments += r.adjustments;
    summary.procedureCount += r.procedureCount;
  }
  summary.netProduction = netProduction(summary.totalProduction, summary.totalAdjustments, flags);
  const byProcedure = [...procedures.entries()]
    .map(([procCode, e]) => ({
      procCode,
      description: e.description,
      count: e.count,
      totalProduction: e.total,
      avgFee: divRoundHalfUp(e.total, e.count),
    }))
    .sort((a, b) => b.totalProduction - a.totalProduction || a.procCode.localeCompare(b.procCode));
  return { dateFrom: q.from, dateTo: q.to, summary, byProvider, byProcedure };
}

// ---------------------------------------------------------------------------------------------
// §15.8 trending

export const TREND_BUCKETS = ['day', 'week', 'month'] as const;
export type TrendBucket = (typeof TREND_BUCKETS)[number];
export const TREND_METRICS = ['production', 'collections', 'adjustments', 'net_production'] as const;
export type TrendMetric = (typeof TREND_METRICS)[number];

export interface TrendingQuery extends ProductionQuery {
  bucket?: TrendBucket | null;
  metrics?: readonly TrendMetric[] | null;
}

export interface TrendingRow {
  bucketStart: LocalDate;
  bucketEnd: LocalDate;
  values: Partial<Record<TrendMetric, Cents>>;
  appointmentCount: number;
}

export interface TrendingReport {
  dateFrom: LocalDate;
  dateTo: LocalDate;
  bucket: TrendBucket;
  metrics: TrendMetric[];
  rows: TrendingRow[];
  totals: Partial<Record<TrendMetric, Cents>>;
}

export function defaultTrendBucket(from: LocalDate, to: LocalDate, flags: LedgerFlags): TrendBucket {
  const days = dayNumber(to) - dayNumber(from) + 1;
  if (days <= flags.trendThresholds.dayMaxDays) return 'day';
  if (days <= flags.trendThresholds.weekMaxDays) return 'week';
  return 'month';
}

/** [start, end] day pairs covering [fromDay, toDay]; ISO weeks (Mon–Sun) and calendar months. */
export function trendBuckets(
  fromDay: number,
  toDay: number,
  bucket: TrendBucket,
  clip: boolean,
): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = bucket === 'day' ? fromDay : bucket === 'week' ? isoWeekStart(fromDay) : monthStart(fromDay);
  while (start <= toDay) {
    const end = bucket === 'day' ? start : bucket === 'week' ? start + 6 : monthEnd(start);
    out.push(clip ? [Math.max(start, fromDay), Math.min(end, toDay)] : [start, end]);
    start = end + 1;
  }
  return out;
}

/** Non-cancelled (and, by flag, non-broken) appointments in [fromDay, toDay] whose provider passes. */
export function countedAppointments(
  ix: LedgerIndex,
  fromDay: number,
  toDay: number,
  providers: readonly Uuid[] | null | undefined,
  flags: LedgerFlags,
): Appointment[] {
  const filter = providers && providers.length > 0 ? new Set(providers) : null;
  const out: Appointment[] = [];
  const { start, end } = rangeOf(ix.appointmentsByDay, fromDay, toDay);
  for (let k = start; k < end; k++) {
    const a = ix.data.appointments[ix.appointmentsByDay.rows[k] as number];
    if (!a || isExcludedAppointmentStatus(a.status, flags)) continue;
    if (filter && (a.providerId === null || !filter.has(a.providerId))) continue;
    out.push(a);
  }
  return out;
}

export function productionTrending(ix: LedgerIndex, q: TrendingQuery, flags: LedgerFlags): TrendingReport {
  const bucket = q.bucket ?? defaultTrendBucket(q.from, q.to, flags);
  const metrics =
    q.metrics && q.metrics.length > 0 ? TREND_METRICS.filter((m) => q.metrics?.includes(m)) : [...TREND_METRICS];
  const totals: Partial<Record<TrendMetric, Cents>> = {};
  for (const m of metrics) totals[m] = 0;
  const rows: TrendingRow[] = [];
  for (const [startDay, endDay] of trendBuckets(dayNumber(q.from), dayNumber(q.to), bucket, flags.clipEdges)) {
    const bucketFrom = fromDayNumber(startDay);
    const bucketTo = fromDayNumber(endDay);
    const { summary } = productionReport(ix, { from: bucketFrom, to: bucketTo, providers: q.providers }, flags);
    const all: Record<TrendMetric, Cents> = {
      production: summary.totalProduction,
      collections: summary.totalCollections,
      adjustments: summary.totalAdjustments,
      net_production: summary.netProduction,
    };
    const appointmentCount = countedAppointments(ix, startDay, endDay, q.providers, flags).length;
    const values: Partial<Record<TrendMetric, Cents>> = {};
    for (const m of metrics) values[m] = all[m];
    if (!flags.emitEmpty && appointmentCount === 0 && metrics.every((m) => all[m] === 0)) continue;
    for (const m of metrics) totals[m] = (totals[m] ?? 0) + all[m];
    rows.push({ bucketStart: bucketFrom, bucketEnd: bucketTo, values, appointmentCount });
  }
  return { dateFrom: q.from, dateTo: q.to, bucket, metrics, rows, totals };
}
