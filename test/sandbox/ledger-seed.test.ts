/**
 * The ledger seed on a synthetic practice (patients and appointments built here, independent of
 * the core generator): seed invariants (§15.9, I12), every §15.13 ledger scenario, determinism.
 */
import { describe, expect, it } from 'vitest';
import {
  addDays,
  agingReport,
  DEFAULT_LEDGER_FLAGS,
  getLedgerIndex,
  patientLedger,
  productionReport,
} from '../../src/sandbox/ledger/index.js';
import { CLAIM_STATUSES, type PracticeData, type ProcedureCode } from '../../src/sandbox/model.js';
import { APPOINTMENT_TYPES, CDT_CODES } from '../../src/sandbox/seed/cdt.js';
import { ledgerFixtures, seedLedger } from '../../src/sandbox/seed/ledger.js';
import { Random } from '../../src/sandbox/seed/random.js';
import { Ledger } from './ledger-fixture.js';

const TODAY = '2026-05-14';
const NOW_MS = Date.parse('2026-05-14T19:00:00Z');
const flags = DEFAULT_LEDGER_FLAGS;

const CATALOG: ProcedureCode[] = CDT_CODES.map((c, i) => ({
  id: `pc-${c.code}`,
  pk: i + 1,
  createdMs: 0,
  modifiedMs: 0,
  code: c.code,
  description: c.description,
  abbreviation: c.abbreviation,
  category: c.category,
  defaultFeeCents: c.feeCents,
  typicalMinutes: c.minutes,
}));

/** A practice with `patients` patients and ~8 appointments each over the last 500 days and next 60. */
function syntheticPractice(seed: string, patients = 400): PracticeData {
  const rng = new Random(seed);
  const l = new Ledger('America/Los_Angeles');
  const providers = [l.provider('Ann', 'Able'), l.provider('Bob', 'Baker'), l.provider('Hana', 'Hygienist')];
  for (let i = 0; i < patients; i++) {
    const status = rng.weighted([
      ['active', 85],
      ['inactive', 8],
      ['archived', 5],
      ['prospective', 2],
    ] as const);
    const patient = l.patient({ status, primaryProviderId: rng.bool(0.9) ? rng.pick(providers).id : null });
    for (let k = rng.int(0, 14); k > 0; k--) {
      const offset = rng.int(-500, 60);
      const type = rng.pick(APPOINTMENT_TYPES);
      const past = offset < 0;
      const appointment = l.appointment({
        patientId: patient.id,
        providerId: rng.pick(providers).id,
        date: addDays(TODAY, offset),
        time: `${String(rng.int(8, 16)).padStart(2, '0')}:${rng.pick(['00', '15', '30', '45'])}`,
        status: past
          ? rng.weighted([
              ['complete', 80],
              ['broken', 7],
              ['cancelled', 10],
              ['unscheduled', 3],
            ] as const)
          : offset === 0
            ? 'arrived'
            : 'scheduled',
        minutes: type.minutes,
        scheduled: type.codes.map((code) => ({
          code,
          fee: CDT_CODES.find((c) => c.code === code)?.feeCents ?? 10_000,
        })),
      });
      appointment.isHygiene = type.hygiene;
    }
  }
  return l.data;
}

function seeded(seed = 'seed-a', patients = 400): PracticeData {
  const data = syntheticPractice(seed, patients);
  seedLedger(data, {
    random: new Random(`${seed}:ledger`),
    today: TODAY,
    nowMs: NOW_MS,
    procedureCodes: CATALOG,
    scale: 'default',
  });
  return data;
}

describe('seedLedger', () => {
  const data = seeded();
  const fx = ledgerFixtures(data.practice.id);
  if (!fx) throw new Error('no fixtures');
  const ix = getLedgerIndex(data, CATALOG);

  it('derives completed procedures from completed appointments', () => {
    const completed = data.appointments.filter((a) => a.status === 'complete' && a.scheduledProcedures.length > 0);
    for (const a of completed.slice(0, 200)) {
      const procs = data.procedures.filter((p) => p.appointmentId === a.id);
      expect(procs.map((p) => p.procCode).sort()).toEqual(a.scheduledProcedures.map((s) => s.procCode).sort());
      expect(procs.every((p) => p.status === 'complete' && p.procDate === a.localDate)).toBe(true);
    }
    expect(data.procedures.some((p) => p.status === 'treatment_planned')).toBe(true);
    expect(data.procedures.some((p) => p.status.startsWith('existing'))).toBe(true);
  });

  it('keeps claim money consistent (§15.9 seed invariants)', () => {
    const procs = new Map(data.procedures.map((p) => [p.id, p]));
    for (const c of data.claims) {
      const sum = (pick: (l: (typeof c.procedures)[number]) => number) => c.procedures.reduce((n, l) => n + pick(l), 0);
      expect(c.claimFeeCents).toBe(sum((l) => l.feeBilledCents));
      expect(c.insPayAmtCents).toBe(sum((l) => l.insPayAmtCents));
      expect(c.writeOffCents).toBe(sum((l) => l.writeOffCents));
      for (const line of c.procedures) {
        expect(line.feeBilledCents).toBe(procs.get(line.procedureId ?? '')?.procFeeCents);
        expect(line.insPayAmtCents + line.writeOffCents + line.dedAppliedCents).toBeLessThanOrEqual(
          line.feeBilledCents,
        );
      }
      if (!['paid', 'partial', 'imported'].includes(c.status)) expect(c.insPayAmtCents).toBe(0);
      expect(c.claimStatus).not.toBe(c.status);
      const stamps = c.statusLog.map((e) => e.changedAtMs);
      expect([...stamps].sort((a, b) => a - b)).toEqual(stamps);
      expect(stamps.every((t) => t <= NOW_MS)).toBe(true);
      if (c.statusLog.length > 0) expect(c.statusLog.at(-1)?.toStatus).toBe(c.status);
    }
    for (const status of CLAIM_STATUSES) {
      expect(data.claims.filter((c) => c.status === status).length, status).toBeGreaterThan(0);
      expect(data.claims.find((c) => c.id === fx.claimByStatus[status])?.status).toBe(status);
    }
    const paid = data.claims.find((c) => c.id === fx.claimByStatus.paid);
    expect(paid?.insPayAmtCents).toBeGreaterThan(0);
  });

  it('splits every payment exactly (I12) and seeds several adjustment types of both signs', () => {
    for (const p of data.payments) expect(p.splits.reduce((n, s) => n + s.splitAmountCents, 0)).toBe(p.payAmountCents);
    expect(data.payments.some((p) => p.providerId === null)).toBe(true);
    expect(new Set(data.adjustments.map((a) => a.adjType)).size).toBeGreaterThanOrEqual(4);
    expect(data.adjustments.find((a) => a.id === fx.positiveAdjustmentId)?.adjAmountCents).toBeGreaterThan(0);
    expect(data.adjustments.find((a) => a.id === fx.negativeAdjustmentId)?.adjAmountCents).toBeLessThan(0);
  });

  it('seeds carriers and insurance: inactive carriers, uninsured and secondary-only patients', () => {
    expect(data.carriers.length).toBeGreaterThanOrEqual(8);
    expect(data.carriers.length).toBeLessThanOrEqual(12);
    expect(data.carriers.some((c) => !c.isActive)).toBe(true);
    const ofPatient = (id: string) => data.patientInsurance.filter((pi) => pi.patientId === id);
    expect(ofPatient(fx.noInsurancePatientId)).toEqual([]);
    expect(ofPatient(fx.secondaryOnlyPatientId).map((pi) => pi.ordinal)).toEqual([2]);
    const insured = new Set(data.patientInsurance.filter((pi) => pi.ordinal === 1).map((pi) => pi.patientId));
    expect(insured.size / data.patients.length).toBeGreaterThan(0.5);
  });

  it('contains the §15.13 aging scenarios', () => {
    const ledger = (id: string) => patientLedger(ix, id, TODAY, flags);
    const partial = ledger(fx.agingPartialPatientId);
    for (const b of ['0_30', '31_60', '61_90', 'over_90'] as const) expect(partial.buckets[b], b).toBeGreaterThan(0);
    expect(partial.totalPayments).toBeGreaterThan(0);
    const spill = ledger(fx.agingSpillPatientId);
    expect(spill.buckets.over_90).toBe(0);
    expect(spill.buckets['61_90']).toBeGreaterThan(0);
    expect(spill.totalPayments).toBeGreaterThan(0);
    expect(ledger(fx.creditBalancePatientId).balance).toBe(-5_000);
    expect(ledger(fx.zeroBalancePatientId).balance).toBe(0);
    expect(fx.archivedBalancePatientId).not.toBeNull();
    expect(ledger(fx.archivedBalancePatientId ?? '').balance).toBeGreaterThan(0);
    const withArchived = agingReport(ix, { asOf: TODAY, includeArchived: true }, flags);
    const without = agingReport(ix, { asOf: TODAY, includeArchived: false }, flags);
    expect(withArchived.summary.totalAr).toBeGreaterThan(without.summary.totalAr);
  });

  it('contains the cancelled/broken, null-provider and two-fee production scenarios', () => {
    const from = addDays(TODAY, -30);
    const report = productionReport(ix, { from, to: TODAY }, flags);
    expect(report.byProvider.find((r) => r.providerId === null)?.production).toBeGreaterThan(0);
    const nullPay = data.payments.find((p) => p.id === fx.nullProviderPaymentId);
    expect(nullPay?.providerId).toBeNull();
    expect(nullPay && nullPay.payDate >= from).toBe(true);
    const cancelled = fx.cancelledAppointmentProcedure;
    const broken = fx.brokenAppointmentProcedure;
    expect(cancelled && broken).toBeTruthy();
    const sched = report.byProvider.reduce((n, r) => n + r.scheduledProduction, 0);
    expect(sched).toBeGreaterThanOrEqual(0);
    const fees = new Set(
      data.procedures
        .filter(
          (p) => p.procCode === fx.twoFeeProcCode && p.status === 'complete' && (p.dateComplete ?? p.procDate) >= from,
        )
        .map((p) => p.procFeeCents),
    );
    expect(fees.size).toBeGreaterThanOrEqual(2);
  });

  it('refreshes the balance_current snapshot to the live balance', () => {
    for (const p of data.patients.slice(0, 300)) {
      expect(p.balanceCurrentCents).toBe(patientLedger(ix, p.id, TODAY, flags).balance);
    }
  });

  it('is deterministic', () => {
    const again = seeded();
    expect(again.procedures.map((p) => [p.id, p.procFeeCents])).toEqual(
      data.procedures.map((p) => [p.id, p.procFeeCents]),
    );
    expect(again.claims.map((c) => [c.id, c.status, c.insPayAmtCents])).toEqual(
      data.claims.map((c) => [c.id, c.status, c.insPayAmtCents]),
    );
    expect(again.payments.map((p) => p.payAmountCents)).toEqual(data.payments.map((p) => p.payAmountCents));
  });
});
