/**
 * The §15.11 invariants as properties of the engine: random small ledgers, random ranges and
 * buckets, and every §15.12 flag that can change a number, so the reconciliation does not hold
 * only under the defaults.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  agingReport,
  allPatientLedgers,
  getLedgerIndex,
  invalidateLedger,
  type LedgerFlags,
  ledgerFlags,
  patientBalanceReport,
  patientLedger,
  productionReport,
  productionTrending,
} from '../../src/sandbox/ledger/index.js';
import type { AppointmentStatus, ClaimStatus, PatientStatus } from '../../src/sandbox/model.js';
import { Ledger } from './ledger-fixture.js';

const BASE = '2026-01-01';
const CODES = ['D0120', 'D1110', 'D2392', 'D2740'];

const flagsArb: fc.Arbitrary<LedgerFlags> = fc
  .record({
    productionIncludesScheduled: fc.boolean(),
    excludeBrokenFromProduction: fc.boolean(),
    serviceDate: fc.constantFrom('date_complete_or_proc_date' as const, 'proc_date' as const),
    feeFormula: fc.constantFrom('proc_fee' as const, 'units_less_discount' as const),
    adjSign: fc.constantFrom('signed' as const, 'credit_positive' as const),
    insAsPayment: fc.boolean(),
    insPaidDate: fc.constantFrom('first_paid_log' as const, 'date_sent' as const, 'date_service' as const),
    nullProviderRow: fc.boolean(),
    lastPaymentPatientOnly: fc.boolean(),
    statusInactiveMeans: fc.constantFrom('inactive' as const, 'not_active' as const),
  })
  .map((f) => ledgerFlags(f));

const day = fc.integer({ min: 0, max: 200 });
const money = fc.integer({ min: 1, max: 200_000 });

const ledgerArb = fc.record({
  providers: fc.integer({ min: 1, max: 3 }),
  patients: fc.array(fc.constantFrom<PatientStatus>('active', 'active', 'inactive', 'archived'), {
    minLength: 1,
    maxLength: 6,
  }),
  appointments: fc.array(
    fc.record({
      patient: fc.nat(),
      provider: fc.option(fc.nat(), { nil: null }),
      day,
      status: fc.constantFrom<AppointmentStatus>('complete', 'scheduled', 'seated', 'cancelled', 'broken'),
      scheduled: fc.array(fc.record({ code: fc.constantFrom(...CODES), fee: money }), { maxLength: 3 }),
    }),
    { maxLength: 12 },
  ),
  procedures: fc.array(
    fc.record({
      patient: fc.nat(),
      provider: fc.option(fc.nat(), { nil: null }),
      appointment: fc.option(fc.nat(), { nil: null }),
      day,
      lateBy: fc.option(fc.integer({ min: 0, max: 20 }), { nil: null }),
      fee: money,
      code: fc.constantFrom(...CODES),
      status: fc.constantFrom('complete', 'complete', 'complete', 'treatment_planned'),
      unitQty: fc.integer({ min: 1, max: 3 }),
      discount: fc.integer({ min: 0, max: 1_000 }),
    }),
    { maxLength: 25 },
  ),
  payments: fc.array(
    fc.record({
      patient: fc.nat(),
      provider: fc.option(fc.nat(), { nil: null }),
      day,
      amount: money,
      insurance: fc.boolean(),
    }),
    { maxLength: 10 },
  ),
  adjustments: fc.array(
    fc.record({
      patient: fc.nat(),
      provider: fc.option(fc.nat(), { nil: null }),
      day,
      amount: fc.integer({ min: -50_000, max: 50_000 }),
    }),
    { maxLength: 8 },
  ),
  claims: fc.array(
    fc.record({
      patient: fc.nat(),
      status: fc.constantFrom<ClaimStatus>('paid', 'partial', 'imported', 'submitted', 'denied', 'void'),
      fee: money,
      paid: fc.integer({ min: 0, max: 100_000 }),
      day,
      paidAfter: fc.option(fc.integer({ min: 0, max: 30 }), { nil: null }),
    }),
    { maxLength: 6 },
  ),
});

type Spec = typeof ledgerArb extends fc.Arbitrary<infer T> ? T : never;

function build(spec: Spec): Ledger {
  const l = new Ledger('America/Los_Angeles');
  const providers = Array.from({ length: spec.providers }, () => l.provider());
  const pick = <T>(list: readonly T[], i: number): T => list[i % list.length] as T;
  const providerOf = (i: number | null) => (i === null ? null : pick(providers, i).id);
  const patients = spec.patients.map((status, i) =>
    l.patient({ status, primaryProviderId: providerOf(i % 2 === 0 ? i : null) }),
  );
  const appointments = spec.appointments.map((a) =>
    l.appointment({
      patientId: pick(patients, a.patient).id,
      providerId: providerOf(a.provider),
      date: addDays(BASE, a.day),
      status: a.status,
      scheduled: a.scheduled,
    }),
  );
  for (const p of spec.procedures) {
    l.procedure({
      patientId: pick(patients, p.patient).id,
      providerId: providerOf(p.provider),
      appointmentId: p.appointment === null || appointments.length === 0 ? null : pick(appointments, p.appointment).id,
      date: addDays(BASE, p.day),
      dateComplete: p.lateBy === null ? null : addDays(BASE, p.day + p.lateBy),
      fee: p.fee,
      code: p.code,
      status: p.status,
      unitQty: p.unitQty,
      discount: p.discount,
    });
  }
  for (const p of spec.payments) {
    l.payment({
      patientId: pick(patients, p.patient).id,
      providerId: providerOf(p.provider),
      date: addDays(BASE, p.day),
      amount: p.amount,
      payType: p.insurance ? 'Insurance EOB' : 'Check',
    });
  }
  for (const a of spec.adjustments) {
    l.adjustment({
      patientId: pick(patients, a.patient).id,
      providerId: providerOf(a.provider),
      date: addDays(BASE, a.day),
      amount: a.amount,
    });
  }
  for (const c of spec.claims) {
    l.claim({
      patientId: pick(patients, c.patient).id,
      status: c.status,
      fee: c.fee,
      insPayAmt: Math.min(c.paid, c.fee),
      dateService: addDays(BASE, c.day),
      dateSent: addDays(BASE, c.day + 1),
      paidAt: c.paidAfter === null ? undefined : `${addDays(BASE, c.day + c.paidAfter)}T10:00`,
    });
  }
  return l;
}

const rangeArb = fc
  .tuple(fc.integer({ min: -10, max: 230 }), fc.integer({ min: 0, max: 240 }))
  .map(([start, length]) => ({ from: addDays(BASE, start), to: addDays(BASE, start + length) }));

describe('ledger invariants under random data and flags (§15.11)', () => {
  it('I1, I3, I4: production summary = Σ by_provider = Σ by_procedure; net = production ⊕ adjustments', () => {
    fc.assert(
      fc.property(ledgerArb, flagsArb, rangeArb, fc.boolean(), (spec, flags, range, filtered) => {
        const l = build(spec);
        const ix = getLedgerIndex(l.data);
        const providers = filtered ? [l.data.providers[0]?.id as string] : null;
        const r = productionReport(ix, { ...range, providers }, flags);
        const s = r.summary;
        const total = (pick: (row: (typeof r.byProvider)[number]) => number) =>
          r.byProvider.reduce((n, row) => n + pick(row), 0);
        expect(s.totalProduction).toBe(total((p) => p.production));
        expect(s.totalCollections).toBe(total((p) => p.collections));
        expect(s.totalAdjustments).toBe(total((p) => p.adjustments));
        expect(s.procedureCount).toBe(total((p) => p.procedureCount));
        expect(s.totalProduction).toBe(r.byProcedure.reduce((n, p) => n + p.totalProduction, 0));
        expect(s.procedureCount).toBe(r.byProcedure.reduce((n, p) => n + p.count, 0));
        expect(s.netProduction).toBe(s.totalProduction + (flags.adjSign === 'signed' ? 1 : -1) * s.totalAdjustments);
        if (filtered) expect(r.byProvider.every((p) => p.providerId === providers?.[0])).toBe(true);
        if (!flags.nullProviderRow) expect(r.byProvider.some((p) => p.providerId === null)).toBe(false);
      }),
      { numRuns: 150 },
    );
  });

  it('I2: every trending granularity sums to the production report for the same range', () => {
    fc.assert(
      fc.property(
        ledgerArb,
        flagsArb,
        rangeArb,
        fc.constantFrom('day' as const, 'week' as const, 'month' as const),
        fc.boolean(),
        (spec, flags, range, bucket, emitEmpty) => {
          const l = build(spec);
          const ix = getLedgerIndex(l.data);
          const f = { ...flags, emitEmpty };
          const t = productionTrending(ix, { ...range, bucket }, f);
          const s = productionReport(ix, range, f).summary;
          expect(t.totals).toEqual({
            production: s.totalProduction,
            collections: s.totalCollections,
            adjustments: s.totalAdjustments,
            net_production: s.netProduction,
          });
          expect(t.rows.reduce((n, row) => n + (row.values.production ?? 0), 0)).toBe(s.totalProduction);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('I5, I6, I7: buckets reconcile per patient, per breakdown, and across the two reports', () => {
    fc.assert(
      fc.property(ledgerArb, flagsArb, day, (spec, flags, asOfDay) => {
        const l = build(spec);
        const ix = getLedgerIndex(l.data);
        const asOf = addDays(BASE, asOfDay);
        for (const led of allPatientLedgers(ix, asOf, flags)) {
          const b = led.buckets;
          expect(b['0_30'] + b['31_60'] + b['61_90'] + b.over_90).toBe(led.balance);
          expect(b['31_60']).toBeGreaterThanOrEqual(0);
          expect(b['61_90']).toBeGreaterThanOrEqual(0);
          expect(b.over_90).toBeGreaterThanOrEqual(0);
        }
        const aging = agingReport(ix, { asOf, includeArchived: true }, flags);
        const s = aging.summary;
        expect(s.current + s.days31To60 + s.days61To90 + s.over90).toBe(s.totalAr);
        for (const groups of [aging.byProvider, aging.byInsurance]) {
          expect(groups.reduce((n, g) => n + g.balanceTotal, 0)).toBe(s.totalAr);
          expect(groups.reduce((n, g) => n + g.buckets.over_90, 0)).toBe(s.over90);
        }
        const pb = patientBalanceReport(ix, { asOf, status: 'any', minBalanceCents: 1 }, flags);
        expect(pb.summary).toEqual(s);
      }),
      { numRuns: 150 },
    );
  });

  it('I9: a claim turning paid lowers its patient’s balance by ins_pay_amt (unless insurance lives in payments)', () => {
    fc.assert(
      fc.property(ledgerArb, flagsArb, money, (spec, flags, amount) => {
        const l = build(spec);
        const patient = l.data.patients[0];
        if (!patient) return;
        const claim = l.claim({
          patientId: patient.id,
          status: 'submitted',
          fee: amount,
          insPayAmt: amount,
          dateService: BASE,
        });
        const asOf = addDays(BASE, 260);
        const before = patientLedger(getLedgerIndex(l.data), patient.id, asOf, flags).balance;
        claim.status = 'paid';
        claim.statusLog.push({
          id: 'log-x',
          fromStatus: 'submitted',
          toStatus: 'paid',
          changedBy: null,
          changedByEmail: '',
          changedAtMs: Date.parse(`${addDays(BASE, 250)}T18:00:00Z`),
          note: '',
        });
        invalidateLedger(l.data);
        const after = patientLedger(getLedgerIndex(l.data), patient.id, asOf, flags).balance;
        expect(after).toBe(flags.insAsPayment ? before : before - amount);
      }),
      { numRuns: 100 },
    );
  });
});
