/**
 * The ledger engine (claims digest §15.3–§15.8): one set of primitives from which per-patient
 * balances, FIFO aging, the aging and patient-balance reports, the production report and its
 * trending are computed, so they reconcile by construction (I1–I7, I9, I10). Integer cents
 * throughout; the routes only render.
 */

import type {
  Adjustment,
  Appointment,
  AppointmentStatus,
  Cents,
  Claim,
  LocalDate,
  Patient,
  Payment,
  Procedure,
  Uuid,
} from '../model.js';
import { providerName } from '../serialize.js';
import { compareText } from './claims.js';
import { dayNumber, fromDayNumber, isoWeekStart, monthEnd, monthStart } from './dates.js';
import { type LedgerFlags, PENDING_CLAIM_STATUSES } from './flags.js';
import { type LedgerIndex, memo, NO_DAY, rangeOf } from './ledger-index.js';
import { divRoundHalfUp } from './money.js';

// ---------------------------------------------------------------------------------------------
// §15.3 primitives

export function isExcludedAppointmentStatus(status: AppointmentStatus, flags: LedgerFlags): boolean {
  return status === 'cancelled' || (flags.excludeBrokenFromProduction && status === 'broken');
}

export function fee(p: Procedure, flags: LedgerFlags): Cents {
  return flags.feeFormula === 'proc_fee' ? p.procFeeCents : p.procFeeCents * p.unitQty - p.discountCents;
}

/** A completed procedure that is not tied to a cancelled (or, by flag, broken) appointment. */
export function isCompletedCharge(ix: LedgerIndex, pos: number, flags: LedgerFlags): boolean {
  const p = ix.data.procedures[pos];
  if (p?.status !== 'complete') return false;
  const apptPos = ix.procAppointment[pos] as number;
  const appt = apptPos < 0 ? undefined : ix.data.appointments[apptPos];
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

/** One patient's ledger rows reduced to (day, amount) numbers, compiled once per index and flags. */
interface PatientBook {
  chargeDay: number[];
  chargeFee: number[];
  /** Sorted by (pay_date, created, id), so the last one on or before `as_of` is the last payment. */
  payDay: number[];
  payAmt: number[];
  payDate: LocalDate[];
  /** False for insurance-typed payments under LAST_PAYMENT_PATIENT_ONLY. */
  payIsLastCandidate: boolean[];
  adjDay: number[];
  adjAmt: number[];
  insDay: number[];
  insAmt: number[];
  pending: Cents;
}

function flagsKey(flags: LedgerFlags): string {
  return JSON.stringify(flags);
}

function newBook(): PatientBook {
  return {
    chargeDay: [],
    chargeFee: [],
    payDay: [],
    payAmt: [],
    payDate: [],
    payIsLastCandidate: [],
    adjDay: [],
    adjAmt: [],
    insDay: [],
    insAmt: [],
    pending: 0,
  };
}

const EMPTY_BOOK: PatientBook = newBook();

function patientBooks(ix: LedgerIndex, flags: LedgerFlags): Map<Uuid, PatientBook> {
  return memo(ix, `books|${flagsKey(flags)}`, () => {
    const { data } = ix;
    const books = new Map<Uuid, PatientBook>();
    for (const [patientId, rows] of ix.byPatient) {
      const book = newBook();
      for (const pos of rows.procedures) {
        if (!isCompletedCharge(ix, pos, flags)) continue;
        const day = serviceDay(ix, pos, flags);
        if (day === NO_DAY) continue;
        book.chargeDay.push(day);
        book.chargeFee.push(fee(data.procedures[pos] as Procedure, flags));
      }
      const pays = rows.payments
        .filter((pos) => (ix.payDay[pos] as number) !== NO_DAY)
        .sort((x, y) => {
          const a = data.payments[x] as Payment;
          const b = data.payments[y] as Payment;
          return (
            (ix.payDay[x] as number) - (ix.payDay[y] as number) ||
            a.createdMs - b.createdMs ||
            (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
          );
        });
      for (const pos of pays) {
        const pay = data.payments[pos] as Payment;
        book.payDay.push(ix.payDay[pos] as number);
        book.payAmt.push(pay.payAmountCents);
        book.payDate.push(pay.payDate);
        book.payIsLastCandidate.push(!(flags.lastPaymentPatientOnly && isInsurancePayType(pay.payType)));
      }
      for (const pos of rows.adjustments) {
        const day = ix.adjDay[pos] as number;
        if (day === NO_DAY) continue;
        book.adjDay.push(day);
        book.adjAmt.push((data.adjustments[pos] as Adjustment).adjAmountCents);
      }
      for (const pos of rows.claims) {
        const claim = data.claims[pos] as Claim;
        book.pending += insurancePending(claim);
        const paid = insurancePaid(claim, flags);
        if (paid === 0) continue;
        book.insDay.push(insurancePaidDay(ix, pos, flags));
        book.insAmt.push(paid);
      }
      books.set(patientId, book);
    }
    return books;
  });
}

/** The live balance of one patient at `asOf` (§15.4) with its FIFO-allocated buckets (§15.5). */
export function patientLedger(ix: LedgerIndex, patientId: Uuid, asOf: LocalDate, flags: LedgerFlags): PatientLedger {
  return ledgerFromBook(patientBooks(ix, flags).get(patientId) ?? EMPTY_BOOK, patientId, dayNumber(asOf), flags);
}

function ledgerFromBook(book: PatientBook, patientId: Uuid, asOfDay: number, flags: LedgerFlags): PatientLedger {
  const gross: Buckets = { '0_30': 0, '31_60': 0, '61_90': 0, over_90: 0 };
  const out: PatientLedger = {
    patientId,
    totalCharges: 0,
    totalPayments: 0,
    totalAdjustments: 0,
    insurancePaid: 0,
    insuranceEstimate: book.pending,
    balance: 0,
    buckets: gross,
    lastPayment: null,
  };
  for (let i = 0; i < book.chargeDay.length; i++) {
    const day = book.chargeDay[i] as number;
    if (day > asOfDay) continue;
    const amount = book.chargeFee[i] as number;
    out.totalCharges += amount;
    gross[agingBucketOf(asOfDay - day)] += amount;
  }
  for (let i = 0; i < book.payDay.length; i++) {
    if ((book.payDay[i] as number) > asOfDay) break;
    const amount = book.payAmt[i] as number;
    out.totalPayments += amount;
    if (book.payIsLastCandidate[i]) out.lastPayment = { date: book.payDate[i] as LocalDate, amountCents: amount };
  }
  let adjustmentEffect = 0;
  for (let i = 0; i < book.adjDay.length; i++) {
    if ((book.adjDay[i] as number) > asOfDay) continue;
    const amount = book.adjAmt[i] as number;
    out.totalAdjustments += amount;
    adjustmentEffect += adjEffect(amount, flags);
  }
  for (let i = 0; i < book.insDay.length; i++) {
    if ((book.insDay[i] as number) <= asOfDay) out.insurancePaid += book.insAmt[i] as number;
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

/** Every patient's ledger at `asOf`, in `data.patients` order (memoised per index). */
export function allPatientLedgers(ix: LedgerIndex, asOf: LocalDate, flags: LedgerFlags): readonly PatientLedger[] {
  return memo(ix, `ledgers|${asOf}|${flagsKey(flags)}`, () => {
    const books = patientBooks(ix, flags);
    const asOfDay = dayNumber(asOf);
    return ix.data.patients.map((p) => ledgerFromBook(books.get(p.id) ?? EMPTY_BOOK, p.id, asOfDay, flags));
  });
}

// ---------------------------------------------------------------------------------------------
// §15.6 patient-balance and aging reports

export function providerDisplayName(ix: LedgerIndex, id: Uuid | null): string {
  if (!id) return '';
  const names = memo(ix, 'providerNames', () => new Map<Uuid, string>());
  let name = names.get(id);
  if (name === undefined) {
    const pos = ix.providerPos.get(id);
    name = providerName(pos === undefined ? undefined : ix.data.providers[pos]);
    names.set(id, name);
  }
  return name;
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
    compareText(a.patient.lastName, b.patient.lastName) ||
    compareText(a.patient.firstName, b.patient.firstName) ||
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
      compareText(a.name, b.name),
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
  /** Σ duration of the provider's counted (non-cancelled) appointments in range (DSO `hours`). */
  appointmentMinutes: number;
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
  /** Counted appointments (status ≠ cancelled, and ≠ broken by flag) in range whose provider passes (trending). */
  appointmentCount: number;
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

interface CodeCell {
  description: string;
  count: number;
  total: Cents;
}

/** Everything one provider did on one local day, in the production report's terms. */
interface Cell {
  providerId: Uuid | null;
  completed: Cents;
  completedCount: number;
  scheduled: Cents;
  scheduledCount: number;
  collections: Cents;
  adjustments: Cents;
  appointments: number;
  minutes: number;
  codes: Map<string, CodeCell>;
  scheduledCodes: Map<string, CodeCell>;
}

interface DayCells {
  days: Int32Array;
  cells: Cell[][];
}

function addCode(codes: Map<string, CodeCell>, code: string, description: string, amount: Cents): void {
  const entry = codes.get(code);
  if (entry) {
    entry.count += 1;
    entry.total += amount;
  } else codes.set(code, { description, count: 1, total: amount });
}

/**
 * The ledger folded into (day, provider) cells, once per index and flags. Every production
 * number — the report over any range, each trending bucket, the DSO rows — is a sum of cells
 * through `productionReport`, so they reconcile by construction (I1–I4, I11).
 */
function dayCells(ix: LedgerIndex, flags: LedgerFlags): DayCells {
  return memo(ix, `cells|${flagsKey(flags)}`, () => {
    const byDay = new Map<number, Map<Uuid | null, Cell>>();
    const cellOf = (day: number, providerId: Uuid | null): Cell => {
      let providers = byDay.get(day);
      if (!providers) {
        providers = new Map();
        byDay.set(day, providers);
      }
      let cell = providers.get(providerId);
      if (!cell) {
        cell = {
          providerId,
          completed: 0,
          completedCount: 0,
          scheduled: 0,
          scheduledCount: 0,
          collections: 0,
          adjustments: 0,
          appointments: 0,
          minutes: 0,
          codes: new Map(),
          scheduledCodes: new Map(),
        };
        providers.set(providerId, cell);
      }
      return cell;
    };
    const { data } = ix;
    const all = [-2_147_483_647, 2_147_483_647] as const;
    for (const pos of completedChargePositions(ix, all[0], all[1], flags)) {
      const p = data.procedures[pos] as Procedure;
      const amount = fee(p, flags);
      const cell = cellOf(serviceDay(ix, pos, flags), p.providerId);
      cell.completed += amount;
      cell.completedCount += 1;
      addCode(cell.codes, p.procCode, ix.catalogDescription.get(p.procCode) ?? p.description, amount);
    }
    for (const item of scheduledItems(ix, all[0], all[1], flags)) {
      const cell = cellOf(dayNumber(item.appointment.localDate), item.appointment.providerId);
      cell.scheduled += item.feeCents;
      cell.scheduledCount += 1;
      addCode(
        cell.scheduledCodes,
        item.procCode,
        ix.catalogDescription.get(item.procCode) ?? item.description,
        item.feeCents,
      );
    }
    for (const a of data.appointments) {
      if (isExcludedAppointmentStatus(a.status, flags)) continue;
      const day = dayNumber(a.localDate);
      if (Number.isNaN(day)) continue;
      const cell = cellOf(day, a.providerId);
      cell.appointments += 1;
      cell.minutes += a.durationMinutes;
    }
    data.payments.forEach((pay, pos) => {
      const day = ix.payDay[pos] as number;
      if (day !== NO_DAY) cellOf(day, pay.providerId).collections += pay.payAmountCents;
    });
    data.adjustments.forEach((adj, pos) => {
      const day = ix.adjDay[pos] as number;
      if (day !== NO_DAY) cellOf(day, adj.providerId).adjustments += adj.adjAmountCents;
    });
    const days = Int32Array.from([...byDay.keys()].sort((x, y) => x - y));
    return { days, cells: Array.from(days, (d) => [...(byDay.get(d) as Map<Uuid | null, Cell>).values()]) };
  });
}

/** The production report (§15.7). Trending runs exactly this per bucket (I2), without by_procedure. */
export function productionReport(
  ix: LedgerIndex,
  q: ProductionQuery,
  flags: LedgerFlags,
  options: { byProcedure?: boolean } = {},
): ProductionReport {
  const filter = q.providers && q.providers.length > 0 ? new Set(q.providers) : null;
  const keep = (providerId: Uuid | null): boolean =>
    filter ? providerId !== null && filter.has(providerId) : providerId !== null || flags.nullProviderRow;
  const withCodes = options.byProcedure !== false;

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
        appointmentMinutes: 0,
      };
      rows.set(providerId, row);
    }
    return row;
  };
  if (filter) for (const id of filter) if (ix.providerPos.has(id)) rowOf(id);

  const codes = new Map<string, CodeCell>();
  const mergeCodes = (from: Map<string, CodeCell>): void => {
    for (const [code, c] of from) {
      const entry = codes.get(code);
      if (entry) {
        entry.count += c.count;
        entry.total += c.total;
      } else codes.set(code, { ...c });
    }
  };
  let appointmentCount = 0;
  const { days, cells } = dayCells(ix, flags);
  const { start, end } = rangeOf({ days, rows: days }, dayNumber(q.from), dayNumber(q.to));
  for (let k = start; k < end; k++) {
    for (const cell of cells[k] as Cell[]) {
      if (filter ? cell.providerId !== null && filter.has(cell.providerId) : true)
        appointmentCount += cell.appointments;
      if (!keep(cell.providerId)) continue;
      const row = rowOf(cell.providerId);
      row.completedProduction += cell.completed;
      row.scheduledProduction += cell.scheduled;
      row.production += cell.completed + (flags.productionIncludesScheduled ? cell.scheduled : 0);
      row.procedureCount += cell.completedCount + (flags.productionIncludesScheduled ? cell.scheduledCount : 0);
      row.collections += cell.collections;
      row.adjustments += cell.adjustments;
      row.appointmentMinutes += cell.minutes;
      if (withCodes) {
        mergeCodes(cell.codes);
        if (flags.productionIncludesScheduled) mergeCodes(cell.scheduledCodes);
      }
    }
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
        compareText(a.providerName, b.providerName),
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
  const byProcedure = [...codes.entries()]
    .map(([procCode, e]) => ({
      procCode,
      description: e.description,
      count: e.count,
      totalProduction: e.total,
      avgFee: divRoundHalfUp(e.total, e.count),
    }))
    .sort((a, b) => b.totalProduction - a.totalProduction || compareText(a.procCode, b.procCode));
  return { dateFrom: q.from, dateTo: q.to, summary, byProvider, byProcedure, appointmentCount };
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
    const report = productionReport(ix, { from: bucketFrom, to: bucketTo, providers: q.providers }, flags, {
      byProcedure: false,
    });
    const { summary } = report;
    const all: Record<TrendMetric, Cents> = {
      production: summary.totalProduction,
      collections: summary.totalCollections,
      adjustments: summary.totalAdjustments,
      net_production: summary.netProduction,
    };
    const values: Partial<Record<TrendMetric, Cents>> = {};
    for (const m of metrics) values[m] = all[m];
    if (!flags.emitEmpty && report.appointmentCount === 0 && metrics.every((m) => all[m] === 0)) continue;
    for (const m of metrics) totals[m] = (totals[m] ?? 0) + all[m];
    rows.push({ bucketStart: bucketFrom, bucketEnd: bucketTo, values, appointmentCount: report.appointmentCount });
  }
  return { dateFrom: q.from, dateTo: q.to, bucket, metrics, rows, totals };
}
