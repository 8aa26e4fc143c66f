/**
 * A per-practice index over `PracticeData` for the ledger engine: rows grouped by patient and
 * sorted by their ledger date, so a report touches only the rows in its range.
 *
 * The index stores array positions, never copies, and every mutable field a report depends on
 * (a procedure's or appointment's status, an appointment's provider and scheduled procedures, a
 * claim's status and amounts, a patient's status and primary provider) is read live at query
 * time. What the index bakes in — which rows exist, their dates, a patient's primary carrier, a
 * claim's paid date — is rebuilt when the fingerprint changes: array lengths, an explicit version
 * that the ledger's writers bump (`invalidateLedger`), and an optional `writeToken` whose identity
 * changes on every write elsewhere (the routes pass the store's per-practice index, which the
 * router replaces after each write).
 */
import type { Claim, ClaimStatus, LocalDate, PracticeData, ProcedureCode, Uuid } from '../model.js';
import { dayNumber, localDayOf } from './dates.js';
import type { LedgerFlags } from './flags.js';

/** Row positions sorted by a day number. */
export interface DaySorted {
  days: Int32Array;
  rows: Int32Array;
}

export interface PatientRows {
  procedures: number[];
  payments: number[];
  adjustments: number[];
  claims: number[];
}

export interface LedgerIndex {
  readonly data: PracticeData;
  readonly zone: string;
  readonly version: number;
  readonly providerPos: Map<Uuid, number>;
  readonly patientPos: Map<Uuid, number>;
  readonly appointmentPos: Map<Uuid, number>;
  readonly carrierPos: Map<Uuid, number>;
  /** patient id → carrier id of the PatientInsurance with ordinal=1 (the first by pk when several). */
  readonly primaryCarrier: Map<Uuid, Uuid>;
  /** proc_code → catalog description. */
  readonly catalogDescription: Map<string, string>;
  /** Completed procedures sorted by service date, per SERVICE_DATE value. */
  chargesByServiceDate(mode: LedgerFlags['serviceDate']): DaySorted;
  /** appointment id → positions of its procedures, for appointments not complete when indexed. */
  readonly proceduresByAppointment: Map<Uuid, number[]>;
  /** Per procedure position, the position of its appointment (-1 when none). */
  readonly procAppointment: Int32Array;
  readonly appointmentsByDay: DaySorted;
  readonly paymentsByDay: DaySorted;
  readonly adjustmentsByDay: DaySorted;
  readonly byPatient: Map<Uuid, PatientRows>;
  /** Day numbers per row position, parsed once. */
  readonly procDay: Int32Array;
  readonly completeDay: Int32Array; // NO_DAY when date_complete is null
  readonly payDay: Int32Array;
  readonly adjDay: Int32Array;
  /** The local date of a claim's first paid/partial log entry, per claim position (NO_DAY if none). */
  readonly claimFirstPaidDay: Int32Array;
  /** The local date of a claim's `created` stamp (CLAIM_DATE_FIELD=created); computed on first use. */
  claimCreatedDay(position: number): number;
  /** Per-report caches that live exactly as long as this index. */
  readonly memo: Map<string, unknown>;
}

export const NO_DAY = -2_147_483_648;

const versions = new WeakMap<PracticeData, number>();
const NO_CATALOG: readonly ProcedureCode[] = [];
const cache = new WeakMap<
  PracticeData,
  { fingerprint: string; catalog: readonly ProcedureCode[]; writeToken: object | null; index: LedgerIndex }
>();

/** Marks a practice's ledger as changed: the next report rebuilds its index. */
export function invalidateLedger(data: PracticeData): void {
  versions.set(data, (versions.get(data) ?? 0) + 1);
}

function fingerprint(data: PracticeData): string {
  return [
    versions.get(data) ?? 0,
    data.practice.timezone,
    data.providers.length,
    data.patients.length,
    data.appointments.length,
    data.procedures.length,
    data.payments.length,
    data.adjustments.length,
    data.claims.length,
    data.carriers.length,
    data.patientInsurance.length,
  ].join('|');
}

/** The index for a practice, rebuilt only when its data changed. */
export function getLedgerIndex(
  data: PracticeData,
  catalog: readonly ProcedureCode[] = NO_CATALOG,
  writeToken: object | null = null,
): LedgerIndex {
  const fp = fingerprint(data);
  const hit = cache.get(data);
  if (
    hit &&
    hit.fingerprint === fp &&
    (writeToken === null || hit.writeToken === writeToken) &&
    (catalog === NO_CATALOG || hit.catalog === catalog)
  ) {
    return hit.index;
  }
  const effective = catalog === NO_CATALOG ? (hit?.catalog ?? catalog) : catalog;
  const index = buildIndex(data, effective, versions.get(data) ?? 0);
  cache.set(data, { fingerprint: fp, catalog: effective, writeToken, index });
  return index;
}

function positions<T extends { id: Uuid }>(rows: readonly T[]): Map<Uuid, number> {
  const map = new Map<Uuid, number>();
  rows.forEach((row, i) => {
    map.set(row.id, i);
  });
  return map;
}

function sortByDay(days: Int32Array, include: (i: number) => boolean): DaySorted {
  const rows: number[] = [];
  for (let i = 0; i < days.length; i++) if (days[i] !== NO_DAY && include(i)) rows.push(i);
  rows.sort((a, b) => (days[a] as number) - (days[b] as number) || a - b);
  const sortedDays = new Int32Array(rows.length);
  rows.forEach((r, k) => {
    sortedDays[k] = days[r] as number;
  });
  return { days: sortedDays, rows: Int32Array.from(rows) };
}

function parseDay(date: LocalDate | null | undefined): number {
  if (!date) return NO_DAY;
  const d = dayNumber(date);
  return Number.isNaN(d) ? NO_DAY : d;
}

const PAID_LOG_STATUSES: ReadonlySet<ClaimStatus> = new Set(['paid', 'partial']);

function firstPaidDay(claim: Claim, zone: string): number {
  let first: number | null = null;
  for (const entry of claim.statusLog) {
    if (PAID_LOG_STATUSES.has(entry.toStatus) && (first === null || entry.changedAtMs < first))
      first = entry.changedAtMs;
  }
  return first === null ? NO_DAY : localDayOf(first, zone);
}

function buildIndex(data: PracticeData, catalog: readonly ProcedureCode[], version: number): LedgerIndex {
  const zone = data.practice.timezone;
  const byPatient = new Map<Uuid, PatientRows>();
  const rowsOf = (patientId: Uuid): PatientRows => {
    let rows = byPatient.get(patientId);
    if (!rows) {
      rows = { procedures: [], payments: [], adjustments: [], claims: [] };
      byPatient.set(patientId, rows);
    }
    return rows;
  };

  const appointmentPos = positions(data.appointments);
  const procs = data.procedures;
  const procDay = new Int32Array(procs.length);
  const completeDay = new Int32Array(procs.length);
  const procAppointment = new Int32Array(procs.length).fill(-1);
  const proceduresByAppointment = new Map<Uuid, number[]>();
  for (let i = 0; i < procs.length; i++) {
    const p = procs[i] as (typeof procs)[number];
    procDay[i] = parseDay(p.procDate);
    completeDay[i] = parseDay(p.dateComplete);
    rowsOf(p.patientId).procedures.push(i);
    if (!p.appointmentId) continue;
    const apptPos = appointmentPos.get(p.appointmentId);
    if (apptPos === undefined) continue;
    procAppointment[i] = apptPos;
    // Only unfinished visits can still have scheduled items (a status change rebuilds the index).
    if (data.appointments[apptPos]?.status === 'complete') continue;
    const list = proceduresByAppointment.get(p.appointmentId);
    if (list) list.push(i);
    else proceduresByAppointment.set(p.appointmentId, [i]);
  }
  const chargeSorts = new Map<LedgerFlags['serviceDate'], DaySorted>();
  const chargesByServiceDate = (mode: LedgerFlags['serviceDate']): DaySorted => {
    let sorted = chargeSorts.get(mode);
    if (!sorted) {
      const days =
        mode === 'proc_date'
          ? procDay
          : procDay.map((d, i) => (completeDay[i] !== NO_DAY ? completeDay[i] : d) as number);
      sorted = sortByDay(days, (i) => procs[i]?.status === 'complete');
      chargeSorts.set(mode, sorted);
    }
    return sorted;
  };

  const apptDay = Int32Array.from(data.appointments, (a) => parseDay(a.localDate));
  const payDay = Int32Array.from(data.payments, (p) => parseDay(p.payDate));
  const adjDay = Int32Array.from(data.adjustments, (a) => parseDay(a.adjDate));
  data.payments.forEach((p, i) => {
    rowsOf(p.patientId).payments.push(i);
  });
  data.adjustments.forEach((a, i) => {
    rowsOf(a.patientId).adjustments.push(i);
  });
  data.claims.forEach((c, i) => {
    rowsOf(c.patientId).claims.push(i);
  });

  const primaryCarrier = new Map<Uuid, Uuid>();
  const primaryPk = new Map<Uuid, number>();
  for (const pi of data.patientInsurance) {
    if (pi.ordinal !== 1) continue;
    const pk = primaryPk.get(pi.patientId);
    if (pk === undefined || pi.pk < pk) {
      primaryPk.set(pi.patientId, pi.pk);
      primaryCarrier.set(pi.patientId, pi.carrierId);
    }
  }

  return {
    data,
    zone,
    version,
    providerPos: positions(data.providers),
    patientPos: positions(data.patients),
    appointmentPos,
    procAppointment,
    carrierPos: positions(data.carriers),
    primaryCarrier,
    catalogDescription: new Map(catalog.map((c) => [c.code, c.description])),
    chargesByServiceDate,
    proceduresByAppointment,
    appointmentsByDay: sortByDay(apptDay, () => true),
    paymentsByDay: sortByDay(payDay, () => true),
    adjustmentsByDay: sortByDay(adjDay, () => true),
    byPatient,
    procDay,
    completeDay,
    payDay,
    adjDay,
    claimFirstPaidDay: Int32Array.from(data.claims, (c) => firstPaidDay(c, zone)),
    claimCreatedDay: (position) => {
      const claim = data.claims[position];
      return claim ? localDayOf(claim.createdMs, zone) : NO_DAY;
    },
    memo: new Map(),
  };
}

/** A value derived from the index, computed once per index (and so once per data change). */
export function memo<T>(ix: LedgerIndex, key: string, compute: () => T): T {
  if (ix.memo.has(key)) return ix.memo.get(key) as T;
  const value = compute();
  if (ix.memo.size > 64) ix.memo.clear();
  ix.memo.set(key, value);
  return value;
}

/** Positions in `sorted` whose day is within [fromDay, toDay]. */
export function rangeOf(sorted: DaySorted, fromDay: number, toDay: number): { start: number; end: number } {
  return { start: lowerBound(sorted.days, fromDay), end: lowerBound(sorted.days, toDay + 1) };
}

function lowerBound(days: Int32Array, value: number): number {
  let lo = 0;
  let hi = days.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((days[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
