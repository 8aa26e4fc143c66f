import { describe, expect, it } from 'vitest';
import { dayNumber, fromDayNumber, isoWeekday, localDateOf } from '../../src/sandbox/ledger/dates.js';
import {
  addDays,
  agingReport,
  claimsSummary,
  DEFAULT_LEDGER_FLAGS,
  divRoundHalfUp,
  formatCents,
  getLedgerIndex,
  invalidateLedger,
  ledgerFlags,
  overview,
  patientBalanceReport,
  patientLedger,
  productionReport,
  productionTrending,
  productionVsCollections,
  trendBuckets,
} from '../../src/sandbox/ledger/index.js';
import { Ledger } from './ledger-fixture.js';

const flags = DEFAULT_LEDGER_FLAGS;
const AS_OF = '2026-06-30';

function agingPatient(l: Ledger) {
  const provider = l.provider();
  const patient = l.patient({ primaryProviderId: provider.id });
  // One charge per bucket: ages 10, 45, 75 and 120 days.
  for (const [age, fee] of [
    [10, 10_000],
    [45, 20_000],
    [75, 30_000],
    [120, 40_000],
  ] as const) {
    l.procedure({ patientId: patient.id, providerId: provider.id, date: addDays(AS_OF, -age), fee });
  }
  return { provider, patient };
}

describe('money', () => {
  it('formats integer cents', () => {
    expect(formatCents(103_500)).toBe('1035.00');
    expect(formatCents(-2000)).toBe('-20.00');
    expect(formatCents(5)).toBe('0.05');
  });

  it('rounds half away from zero', () => {
    expect(divRoundHalfUp(5, 2)).toBe(3);
    expect(divRoundHalfUp(-5, 2)).toBe(-3);
    expect(divRoundHalfUp(7, 3)).toBe(2);
    expect(divRoundHalfUp(20_001, 2)).toBe(10_001);
  });
});

describe('dates', () => {
  it('does calendar arithmetic on local dates', () => {
    expect(addDays('2026-03-07', 1)).toBe('2026-03-08');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(Number.isNaN(dayNumber('2026-02-30'))).toBe(true);
    expect(isoWeekday(dayNumber('2026-03-09'))).toBe(1); // a Monday
    expect(isoWeekday(dayNumber('2026-03-08'))).toBe(7);
  });

  it('gives the practice-local date of an instant, not the UTC one', () => {
    // 23:30 in Los Angeles on 2026-03-07 is 07:30 UTC on 2026-03-08.
    const ms = Date.UTC(2026, 2, 8, 7, 30);
    expect(localDateOf(ms, 'America/Los_Angeles')).toBe('2026-03-07');
    expect(localDateOf(ms, 'UTC')).toBe('2026-03-08');
  });
});

describe('FIFO aging (§15.5)', () => {
  it('reduces the oldest bucket first, partially', () => {
    const l = new Ledger();
    const { patient } = agingPatient(l);
    l.payment({ patientId: patient.id, date: addDays(AS_OF, -5), amount: 15_000 });
    const ix = getLedgerIndex(l.data);
    const led = patientLedger(ix, patient.id, AS_OF, flags);
    expect(led.buckets).toEqual({ '0_30': 10_000, '31_60': 20_000, '61_90': 30_000, over_90: 25_000 });
    expect(led.balance).toBe(85_000);
    expect(led.lastPayment).toEqual({ date: addDays(AS_OF, -5), amountCents: 15_000 });
  });

  it('spills a payment larger than over_90 into 61_90', () => {
    const l = new Ledger();
    const { patient } = agingPatient(l);
    l.payment({ patientId: patient.id, date: addDays(AS_OF, -5), amount: 50_000 });
    const led = patientLedger(getLedgerIndex(l.data), patient.id, AS_OF, flags);
    expect(led.buckets).toEqual({ '0_30': 10_000, '31_60': 20_000, '61_90': 20_000, over_90: 0 });
    expect(led.balance).toBe(50_000);
  });

  it('treats negative adjustments and insurance-paid claims as credit, positive adjustments as debit', () => {
    const l = new Ledger();
    const { patient } = agingPatient(l);
    l.adjustment({ patientId: patient.id, date: addDays(AS_OF, -3), amount: -5_000 });
    l.claim({
      patientId: patient.id,
      status: 'paid',
      fee: 40_000,
      insPayAmt: 12_345,
      paidAt: `${addDays(AS_OF, -2)}T10:00`,
    });
    // Paid after as_of: not yet applied.
    l.claim({
      patientId: patient.id,
      status: 'paid',
      fee: 1_000,
      insPayAmt: 999,
      paidAt: `${addDays(AS_OF, 1)}T10:00`,
    });
    // Not a paid status: ins_pay_amt ignored, ins_pay_est is pending.
    l.claim({ patientId: patient.id, status: 'submitted', fee: 5_000, insPayEst: 3_000, insPayAmt: 777 });
    const led = patientLedger(getLedgerIndex(l.data), patient.id, AS_OF, flags);
    expect(led.insurancePaid).toBe(12_345);
    expect(led.insuranceEstimate).toBe(3_000);
    expect(led.totalAdjustments).toBe(-5_000);
    expect(led.balance).toBe(100_000 - 5_000 - 12_345);
    expect(led.buckets.over_90).toBe(40_000 - 17_345);
    expect(led.buckets['0_30'] + led.buckets['31_60'] + led.buckets['61_90'] + led.buckets.over_90).toBe(led.balance);
  });

  it('puts a credit balance in 0_30, or drops it from the buckets with CREDIT_BUCKET=drop', () => {
    const l = new Ledger();
    const patient = l.patient();
    l.procedure({ patientId: patient.id, date: addDays(AS_OF, -40), fee: 10_000 });
    l.payment({ patientId: patient.id, date: addDays(AS_OF, -1), amount: 15_000 });
    const ix = getLedgerIndex(l.data);
    const led = patientLedger(ix, patient.id, AS_OF, flags);
    expect(led.balance).toBe(-5_000);
    expect(led.buckets).toEqual({ '0_30': -5_000, '31_60': 0, '61_90': 0, over_90: 0 });
    const dropped = patientLedger(ix, patient.id, AS_OF, ledgerFlags({ creditBucket: 'drop' }));
    expect(dropped.buckets).toEqual({ '0_30': 0, '31_60': 0, '61_90': 0, over_90: 0 });
  });

  it('lands a net debit adjustment in the current bucket', () => {
    const l = new Ledger();
    const patient = l.patient();
    l.adjustment({ patientId: patient.id, date: addDays(AS_OF, -100), amount: 2_500, type: 'Finance Charge' });
    const led = patientLedger(getLedgerIndex(l.data), patient.id, AS_OF, flags);
    expect(led.buckets['0_30']).toBe(2_500);
    expect(led.balance).toBe(2_500);
  });

  it('honours as_of: later charges, payments and adjustments do not count', () => {
    const l = new Ledger();
    const { patient } = agingPatient(l);
    l.payment({ patientId: patient.id, date: addDays(AS_OF, -5), amount: 15_000 });
    const earlier = addDays(AS_OF, -30);
    const led = patientLedger(getLedgerIndex(l.data), patient.id, earlier, flags);
    // The 10-day-old charge and the payment are after `earlier`; the others are 15, 45 and 90 days old then
    // (90 is still 61_90).
    expect(led.totalPayments).toBe(0);
    expect(led.buckets).toEqual({ '0_30': 20_000, '31_60': 30_000, '61_90': 40_000, over_90: 0 });
  });
});

describe('patient-balance and aging reports (§15.6)', () => {
  function practice() {
    const l = new Ledger();
    const a = agingPatient(l);
    const carrier = l.carrier('Delta Dental');
    l.insurance(a.patient.id, carrier.id, 1);
    const credit = l.patient();
    l.procedure({ patientId: credit.id, date: addDays(AS_OF, -5), fee: 1_000 });
    l.payment({ patientId: credit.id, date: addDays(AS_OF, -5), amount: 2_000 });
    const zero = l.patient();
    l.procedure({ patientId: zero.id, date: addDays(AS_OF, -5), fee: 1_000 });
    l.payment({ patientId: zero.id, date: addDays(AS_OF, -5), amount: 1_000 });
    const archived = l.patient({ status: 'archived' });
    l.procedure({ patientId: archived.id, date: addDays(AS_OF, -50), fee: 7_000 });
    const inactive = l.patient({ status: 'inactive' });
    l.procedure({ patientId: inactive.id, date: addDays(AS_OF, -2), fee: 3_000 });
    const secondaryOnly = l.patient();
    l.insurance(secondaryOnly.id, carrier.id, 2);
    l.procedure({ patientId: secondaryOnly.id, date: addDays(AS_OF, -2), fee: 500 });
    return { l, a, carrier, credit, zero, archived, inactive, secondaryOnly };
  }

  it('filters by status, min_balance, provider, carrier and bucket; summary over filtered rows', () => {
    const { l, a, carrier, archived, inactive, secondaryOnly } = practice();
    const ix = getLedgerIndex(l.data);
    const base = { asOf: AS_OF, status: 'active' as const, minBalanceCents: 1 };
    const active = patientBalanceReport(ix, base, flags);
    expect(active.rows.map((r) => r.patient.id)).toEqual([a.patient.id, secondaryOnly.id]);
    expect(active.summary).toEqual({
      totalAr: 100_500,
      current: 10_500,
      days31To60: 20_000,
      days61To90: 30_000,
      over90: 40_000,
      patientCount: 2,
    });
    expect(patientBalanceReport(ix, { ...base, status: 'inactive' }, flags).rows.map((r) => r.patient.id)).toEqual([
      inactive.id,
    ]);
    expect(
      patientBalanceReport(
        ix,
        { ...base, status: 'inactive' },
        ledgerFlags({ statusInactiveMeans: 'not_active' }),
      ).rows.map((r) => r.patient.id),
    ).toEqual([archived.id, inactive.id]);
    const any = patientBalanceReport(ix, { ...base, status: 'any' }, flags);
    expect(any.summary.patientCount).toBe(4);
    const withCredits = patientBalanceReport(ix, { ...base, status: 'any', minBalanceCents: -1_000_000 }, flags);
    expect(withCredits.summary.patientCount).toBe(l.data.patients.length);
    expect(patientBalanceReport(ix, { ...base, carrier: carrier.id }, flags).rows).toHaveLength(1); // secondary ≠ primary
    expect(patientBalanceReport(ix, { ...base, provider: a.provider.id }, flags).rows).toHaveLength(1);
    expect(patientBalanceReport(ix, { ...base, bucket: '61_90' }, flags).rows).toHaveLength(1);
    expect(patientBalanceReport(ix, { ...base, minBalanceCents: 100_001 }, flags).rows).toHaveLength(0);
  });

  it('builds the aging report from the same rows; breakdowns reconcile with the summary (I5, I7)', () => {
    const { l, a, carrier } = practice();
    const ix = getLedgerIndex(l.data);
    const aging = agingReport(ix, { asOf: AS_OF, includeArchived: false }, flags);
    expect(aging.summary.patientCount).toBe(3); // aging: a, inactive, secondaryOnly (archived, credit, zero out)
    const withArchived = agingReport(ix, { asOf: AS_OF, includeArchived: true }, flags);
    expect(withArchived.summary.patientCount).toBe(4);
    expect(withArchived.summary).toEqual(
      patientBalanceReport(ix, { asOf: AS_OF, status: 'any', minBalanceCents: 1 }, flags).summary,
    );
    for (const report of [aging, withArchived]) {
      const s = report.summary;
      expect(s.current + s.days31To60 + s.days61To90 + s.over90).toBe(s.totalAr);
      for (const groups of [report.byProvider, report.byInsurance]) {
        expect(groups.reduce((n, g) => n + g.buckets['0_30'], 0)).toBe(s.current);
        expect(groups.reduce((n, g) => n + g.buckets.over_90, 0)).toBe(s.over90);
        expect(groups.reduce((n, g) => n + g.balanceTotal, 0)).toBe(s.totalAr);
      }
    }
    expect(aging.byInsurance.map((g) => [g.id, g.name])).toEqual([
      [carrier.id, 'Delta Dental'],
      [null, 'No insurance'],
    ]);
    expect(aging.byProvider.find((g) => g.id === null)?.name).toBe('Unassigned');
    expect(aging.topBalances[0]?.patient.id).toBe(a.patient.id);
  });
});

describe('production report (§15.7)', () => {
  function practice() {
    const l = new Ledger();
    const drA = l.provider('Ann', 'Able');
    const drB = l.provider('Bob', 'Baker');
    const p = l.patient();
    l.procedure({ patientId: p.id, providerId: drA.id, date: '2026-05-04', fee: 10_000, code: 'D2392' });
    l.procedure({ patientId: p.id, providerId: drA.id, date: '2026-05-05', fee: 10_001, code: 'D2392' });
    l.procedure({ patientId: p.id, providerId: drB.id, date: '2026-05-06', fee: 11_500, code: 'D1110' });
    l.procedure({ patientId: p.id, providerId: null, date: '2026-05-07', fee: 6_500, code: 'D0120' });
    // Attributed by date_complete (crown seated after the range) by default.
    l.procedure({
      patientId: p.id,
      providerId: drA.id,
      date: '2026-05-08',
      dateComplete: '2026-06-20',
      fee: 120_000,
      code: 'D2740',
    });
    // Not complete: never production.
    l.procedure({ patientId: p.id, providerId: drA.id, date: '2026-05-08', fee: 99_900, status: 'treatment_planned' });
    const cancelled = l.appointment({ patientId: p.id, providerId: drB.id, date: '2026-05-09', status: 'cancelled' });
    l.procedure({ patientId: p.id, providerId: drB.id, date: '2026-05-09', fee: 50_000, appointmentId: cancelled.id });
    const broken = l.appointment({ patientId: p.id, providerId: drB.id, date: '2026-05-10', status: 'broken' });
    l.procedure({
      patientId: p.id,
      providerId: drB.id,
      date: '2026-05-10',
      fee: 7_000,
      code: 'D7140',
      appointmentId: broken.id,
    });
    // Pipeline: a future appointment with two scheduled procedures, one already completed mid-visit.
    const seated = l.appointment({
      patientId: p.id,
      providerId: drA.id,
      date: '2026-05-12',
      status: 'seated',
      scheduled: [
        { code: 'D0120', fee: 6_500 },
        { code: 'D2740', fee: 120_000 },
      ],
    });
    l.procedure({
      patientId: p.id,
      providerId: drA.id,
      date: '2026-05-12',
      fee: 6_500,
      code: 'D0120',
      appointmentId: seated.id,
    });
    // A completed appointment's scheduled procedures are counted through its Procedure rows only.
    l.appointment({
      patientId: p.id,
      providerId: drA.id,
      date: '2026-05-13',
      status: 'complete',
      scheduled: [{ code: 'D1110', fee: 11_500 }],
    });
    l.appointment({
      patientId: p.id,
      providerId: drB.id,
      date: '2026-05-14',
      status: 'cancelled',
      scheduled: [{ code: 'D1110', fee: 11_500 }],
    });
    l.payment({ patientId: p.id, providerId: drA.id, date: '2026-05-20', amount: 5_000 });
    l.payment({ patientId: p.id, providerId: null, date: '2026-05-20', amount: 1_234 });
    l.adjustment({ patientId: p.id, providerId: drB.id, date: '2026-05-21', amount: -2_000 });
    l.adjustment({ patientId: p.id, providerId: drA.id, date: '2026-05-21', amount: 500, type: 'Finance Charge' });
    return { l, drA, drB };
  }
  const range = { from: '2026-05-01', to: '2026-05-31' };

  it('splits completed and scheduled per provider, with a null-provider row', () => {
    const { l, drA, drB } = practice();
    const r = productionReport(getLedgerIndex(l.data), range, flags);
    const a = r.byProvider.find((row) => row.providerId === drA.id);
    const b = r.byProvider.find((row) => row.providerId === drB.id);
    const none = r.byProvider.find((row) => row.providerId === null);
    expect(a).toMatchObject({
      completedProduction: 26_501,
      scheduledProduction: 120_000,
      production: 26_501,
      collections: 5_000,
      adjustments: 500,
      procedureCount: 3,
    });
    // The cancelled appointment's procedure is out; the broken one's stays in (L4682, T8).
    expect(b).toMatchObject({
      completedProduction: 18_500,
      scheduledProduction: 0,
      adjustments: -2_000,
      procedureCount: 2,
    });
    expect(none).toMatchObject({ providerName: 'Unassigned', production: 6_500, collections: 1_234 });
    expect(r.summary).toEqual({
      totalProduction: 51_501,
      totalCollections: 6_234,
      totalAdjustments: -1_500,
      netProduction: 50_001,
      procedureCount: 6,
    });
    // I1 and I4
    expect(r.byProvider.reduce((n, row) => n + row.production, 0)).toBe(r.summary.totalProduction);
    expect(r.byProcedure.reduce((n, row) => n + row.totalProduction, 0)).toBe(r.summary.totalProduction);
    expect(r.byProcedure.reduce((n, row) => n + row.count, 0)).toBe(r.summary.procedureCount);
  });

  it('rounds avg_fee half-up', () => {
    const { l } = practice();
    const r = productionReport(getLedgerIndex(l.data), range, flags);
    // D2392: 100.00 + 100.01 = 200.01 over 2 → 100.005 → 100.01
    expect(r.byProcedure.find((row) => row.procCode === 'D2392')).toMatchObject({
      count: 2,
      totalProduction: 20_001,
      avgFee: 10_001,
    });
  });

  it('narrows to the provider filter and drops the null-provider row', () => {
    const { l, drA } = practice();
    const r = productionReport(getLedgerIndex(l.data), { ...range, providers: [drA.id] }, flags);
    expect(r.byProvider.map((row) => row.providerId)).toEqual([drA.id]);
    expect(r.summary.totalProduction).toBe(26_501);
    expect(r.summary.totalCollections).toBe(5_000);
  });

  it('follows the flags', () => {
    const { l, drB } = practice();
    const ix = getLedgerIndex(l.data);
    expect(
      productionReport(ix, range, ledgerFlags({ excludeBrokenFromProduction: true })).summary.totalProduction,
    ).toBe(44_501);
    expect(productionReport(ix, range, ledgerFlags({ serviceDate: 'proc_date' })).summary.totalProduction).toBe(
      171_501,
    );
    const withScheduled = productionReport(ix, range, ledgerFlags({ productionIncludesScheduled: true }));
    expect(withScheduled.summary.totalProduction).toBe(171_501);
    expect(withScheduled.summary.procedureCount).toBe(7);
    const credit = productionReport(ix, range, ledgerFlags({ adjSign: 'credit_positive' }));
    expect(credit.summary.netProduction).toBe(51_501 + 1_500);
    const noNull = productionReport(ix, range, ledgerFlags({ nullProviderRow: false }));
    expect(noNull.byProvider.some((row) => row.providerId === null)).toBe(false);
    expect(noNull.summary.totalProduction).toBe(45_001);
    expect(productionReport(ix, { ...range, providers: [drB.id] }, flags).byProcedure.map((p) => p.procCode)).toEqual([
      'D1110',
      'D7140',
    ]);
  });

  it('cancelling an appointment removes its procedures once the ledger is invalidated', () => {
    const { l } = practice();
    const before = productionReport(getLedgerIndex(l.data), range, flags).summary.totalProduction;
    const broken = l.data.appointments.find((a) => a.status === 'broken');
    if (!broken) throw new Error('fixture');
    broken.status = 'cancelled';
    invalidateLedger(l.data);
    expect(productionReport(getLedgerIndex(l.data), range, flags).summary.totalProduction).toBe(before - 7_000);
  });

  it('rebuilds its index when rows are added or when invalidated', () => {
    const { l, drA } = practice();
    const ix = getLedgerIndex(l.data);
    expect(getLedgerIndex(l.data)).toBe(ix);
    l.payment({ patientId: l.data.patients[0]?.id ?? '', providerId: drA.id, date: '2026-05-02', amount: 100 });
    const ix2 = getLedgerIndex(l.data);
    expect(ix2).not.toBe(ix);
    expect(productionReport(ix2, range, flags).summary.totalCollections).toBe(6_334);
    const pay = l.data.payments[0];
    if (!pay) throw new Error('fixture');
    pay.payDate = '2026-07-01';
    invalidateLedger(l.data);
    expect(productionReport(getLedgerIndex(l.data), range, flags).summary.totalCollections).toBe(1_334);
  });
});

describe('production trending (§15.8)', () => {
  it('makes ISO-week buckets clipped to the range, or whole weeks unclipped', () => {
    const from = dayNumber('2026-03-04'); // a Wednesday
    const to = dayNumber('2026-03-20'); // a Friday
    const show = (b: Array<[number, number]>) => b.map(([s, e]) => `${fromDayNumber(s)}..${fromDayNumber(e)}`);
    expect(show(trendBuckets(from, to, 'week', true))).toEqual([
      '2026-03-04..2026-03-08',
      '2026-03-09..2026-03-15',
      '2026-03-16..2026-03-20',
    ]);
    expect(show(trendBuckets(from, to, 'week', false))).toEqual([
      '2026-03-02..2026-03-08',
      '2026-03-09..2026-03-15',
      '2026-03-16..2026-03-22',
    ]);
    expect(show(trendBuckets(dayNumber('2026-01-15'), dayNumber('2026-03-02'), 'month', true))).toEqual([
      '2026-01-15..2026-01-31',
      '2026-02-01..2026-02-28',
      '2026-03-01..2026-03-02',
    ]);
    // ISO week 1 of 2026 starts on Monday 2025-12-29.
    expect(show(trendBuckets(dayNumber('2026-01-01'), dayNumber('2026-01-04'), 'week', false))).toEqual([
      '2025-12-29..2026-01-04',
    ]);
  });

  it('buckets a range spanning a DST change by local date, and reconciles with the production report (I2)', () => {
    const l = new Ledger('America/Los_Angeles');
    const dr = l.provider();
    const p = l.patient();
    // US DST starts 2026-03-08. 23:30 local on 03-07 is already 03-08 in UTC.
    const late = l.appointment({
      patientId: p.id,
      providerId: dr.id,
      date: '2026-03-07',
      time: '23:30',
      status: 'complete',
    });
    expect(late.localDate).toBe('2026-03-07');
    l.procedure({ patientId: p.id, providerId: dr.id, date: '2026-03-07', fee: 10_000, appointmentId: late.id });
    l.appointment({ patientId: p.id, providerId: dr.id, date: '2026-03-08', time: '03:30', status: 'scheduled' });
    l.appointment({ patientId: p.id, providerId: dr.id, date: '2026-03-09', status: 'cancelled' });
    l.procedure({ patientId: p.id, providerId: dr.id, date: '2026-03-09', fee: 5_000 });
    l.payment({ patientId: p.id, providerId: dr.id, date: '2026-03-16', amount: 4_000 });
    l.adjustment({ patientId: p.id, providerId: dr.id, date: '2026-03-01', amount: -1_000 });
    const ix = getLedgerIndex(l.data);
    const q = { from: '2026-03-01', to: '2026-03-20' };

    const week = productionTrending(ix, { ...q, bucket: 'week' }, flags);
    expect(week.rows.map((r) => [r.bucketStart, r.bucketEnd, r.values.production, r.appointmentCount])).toEqual([
      ['2026-03-01', '2026-03-01', 0, 0],
      ['2026-03-02', '2026-03-08', 10_000, 2],
      ['2026-03-09', '2026-03-15', 5_000, 0],
      ['2026-03-16', '2026-03-20', 0, 0],
    ]);
    const day = productionTrending(ix, q, flags);
    expect(day.bucket).toBe('day');
    expect(day.rows).toHaveLength(20); // empty days emitted
    expect(day.rows.find((r) => r.bucketStart === '2026-03-07')?.values.production).toBe(10_000);
    expect(day.rows.find((r) => r.bucketStart === '2026-03-08')?.appointmentCount).toBe(1);

    const report = productionReport(ix, q, flags).summary;
    for (const t of [week, day, productionTrending(ix, { ...q, bucket: 'month' }, flags)]) {
      expect(t.totals).toEqual({
        production: report.totalProduction,
        collections: report.totalCollections,
        adjustments: report.totalAdjustments,
        net_production: report.netProduction,
      });
      expect(t.rows.reduce((n, r) => n + (r.values.net_production ?? 0), 0)).toBe(report.netProduction);
    }
    const sparse = productionTrending(ix, q, ledgerFlags({ emitEmpty: false }));
    expect(sparse.rows.map((r) => r.bucketStart)).toEqual([
      '2026-03-01',
      '2026-03-07',
      '2026-03-08',
      '2026-03-09',
      '2026-03-16',
    ]);
    expect(sparse.totals).toEqual(day.totals);
  });

  it('selects the default bucket by range length and returns only the requested metrics', () => {
    const l = new Ledger();
    const ix = getLedgerIndex(l.data);
    expect(productionTrending(ix, { from: '2026-01-01', to: '2026-01-31' }, flags).bucket).toBe('day');
    expect(productionTrending(ix, { from: '2026-01-01', to: '2026-02-01' }, flags).bucket).toBe('week');
    expect(productionTrending(ix, { from: '2026-01-01', to: '2026-07-03' }, flags).bucket).toBe('week');
    expect(productionTrending(ix, { from: '2026-01-01', to: '2026-07-04' }, flags).bucket).toBe('month');
    const t = productionTrending(
      ix,
      { from: '2026-01-01', to: '2026-01-03', metrics: ['net_production', 'production'] },
      flags,
    );
    expect(t.metrics).toEqual(['production', 'net_production']);
    expect(Object.keys(t.rows[0]?.values ?? {})).toEqual(['production', 'net_production']);
    expect(Object.keys(t.totals)).toEqual(['production', 'net_production']);
  });
});

describe('claims summary (§15.9)', () => {
  it('counts every status and sums outstanding over the open ones', () => {
    const l = new Ledger();
    const p = l.patient();
    l.claim({ patientId: p.id, status: 'submitted', fee: 10_000 });
    l.claim({ patientId: p.id, status: 'partial', fee: 10_000, insPayAmt: 4_000, writeOff: 1_000 });
    l.claim({ patientId: p.id, status: 'paid', fee: 8_000, insPayAmt: 6_000, writeOff: 2_000 });
    l.claim({ patientId: p.id, status: 'denied', fee: 3_000 });
    const s = claimsSummary(l.data.claims);
    expect(Object.keys(s.byStatus)).toHaveLength(11);
    expect(s.byStatus.draft).toEqual({ count: 0, totalFee: 0, totalPaid: 0 });
    expect(s.byStatus.partial).toEqual({ count: 1, totalFee: 10_000, totalPaid: 4_000 });
    expect(s.totals).toEqual({ count: 4, totalFee: 31_000, totalPaid: 10_000, outstanding: 15_000 });
  });
});

describe('client reports (§15.10)', () => {
  it('recomputes collection_pct from the totals and weights the no-show rate', () => {
    const a = new Ledger('America/New_York');
    const b = new Ledger('America/Los_Angeles');
    for (const [l, fee, paid] of [
      [a, 10_000, 9_000],
      [b, 30_000, 3_000],
    ] as const) {
      const p = l.patient();
      l.procedure({ patientId: p.id, date: '2026-05-10', fee });
      l.payment({ patientId: p.id, date: '2026-05-10', amount: paid });
    }
    const range = { from: '2026-05-01', to: '2026-05-31' };
    const r = productionVsCollections(
      [a, b].map((l) => ({ ix: getLedgerIndex(l.data), ...range })),
      flags,
    );
    expect(r.practices.map((p) => p.collectionPct)).toEqual(['90.00', '10.00']);
    expect(r.totals.collectionPct).toBe('30.00'); // 12,000 / 40,000, not the mean 50.00
    const empty = new Ledger();
    expect(productionVsCollections([{ ix: getLedgerIndex(empty.data), ...range }], flags).totals.collectionPct).toBe(
      '0.00',
    );

    const pa = a.patient();
    for (let i = 0; i < 3; i++)
      a.appointment({ patientId: pa.id, date: '2026-05-20', status: i === 0 ? 'broken' : 'complete' });
    const pb = b.patient();
    b.appointment({ patientId: pb.id, date: '2026-05-20', status: 'broken' });
    b.appointment({ patientId: pb.id, date: '2026-05-20', status: 'cancelled' });
    const o = overview(
      [a, b].map((l) => ({ ix: getLedgerIndex(l.data), asOf: '2026-05-31' })),
      flags,
    );
    expect(o.practices.map((p) => p.noShowRatePct)).toEqual(['33.33', '100.00']);
    expect(o.totals.noShowRatePct).toBe('50.00'); // 2 / 4
    expect(o.totals.practiceCount).toBe(2);
  });
});
