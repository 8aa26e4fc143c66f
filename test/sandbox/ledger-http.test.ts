/**
 * The ledger over real HTTP: the claims digest's invariants I1–I12 (§15.11), with every
 * expectation computed here from raw API data (claim lists, procedures, payments, adjustments,
 * appointments), never taken from the engine under test. Fixture ids come from the seed.
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';
import { setLedgerFlags } from '../../src/sandbox/ledger/render.js';
import { CLAIM_STATUSES } from '../../src/sandbox/model.js';
import { type LedgerFixtures, ledgerFixtures } from '../../src/sandbox/seed/ledger.js';

const NOW = '2026-05-14T19:00:00Z'; // 12:00 in Los Angeles, 15:00 in New York
const TODAY = '2026-05-14';
const STATUSES = CLAIM_STATUSES;

// biome-ignore lint/suspicious/noExplicitAny: raw API JSON, asserted field by field
type Json = Record<string, any>;

/** "1035.00" / "-20.50" → integer cents, without floats. */
function cents(value: unknown): number {
  if (typeof value !== 'string' || !/^-?\d+\.\d{2}$/.test(value)) throw new Error(`not money: ${String(value)}`);
  const negative = value.startsWith('-');
  const [whole, frac] = value.replace('-', '').split('.') as [string, string];
  const n = Number(whole) * 100 + Number(frac);
  return negative ? -n : n;
}

function addDays(date: string, days: number): string {
  return DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate() as string;
}

function sum<T>(rows: readonly T[], pick: (row: T) => number): number {
  return rows.reduce((n, row) => n + pick(row), 0);
}

class Api {
  constructor(
    readonly sb: RunningSandbox,
    private readonly token: string,
  ) {}

  async call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
    const res = await fetch(`${this.sb.url}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  async get(path: string): Promise<Json> {
    const { status, body } = await this.call('GET', path);
    if (status !== 200) throw new Error(`GET ${path} → ${status} ${JSON.stringify(body)}`);
    return body;
  }

  /** Every row of a paginated list, following `next` verbatim. */
  async all(path: string): Promise<Json[]> {
    const rows: Json[] = [];
    let url: string | null = `${this.sb.url}${path}${path.includes('?') ? '&' : '?'}page_size=100`;
    while (url) {
      const page = await this.get(url.slice(this.sb.url.length));
      rows.push(...page.results);
      url = page.next;
    }
    return rows;
  }
}

// ---------------------------------------------------------------------------------------------
// An independent reading of §15.4/§15.5, from API rows only.

interface RawLedger {
  balance: number;
  buckets: [number, number, number, number];
}

async function rawPatientLedger(
  api: Api,
  P: string,
  patientId: string,
  zone: string,
  asOf = TODAY,
): Promise<RawLedger> {
  const [procedures, appointments, payments, adjustments, claims] = await Promise.all([
    api.all(`${P}/patient/${patientId}/clinical/procedure/`),
    api.all(`${P}/scheduling/appointment/?patient=${patientId}`),
    api.all(`${P}/billing/payment/?patient=${patientId}`),
    api.all(`${P}/billing/adjustment/?patient=${patientId}`),
    api.all(`${P}/patient/${patientId}/insurance/claim/`),
  ]);
  const cancelled = new Set(appointments.filter((a) => a.status === 'cancelled').map((a) => a.id));
  const asOfDay = DateTime.fromISO(asOf, { zone: 'UTC' });
  const gross = [0, 0, 0, 0] as [number, number, number, number];
  let charges = 0;
  for (const p of procedures) {
    if (p.status !== 'complete' || (p.appointment && cancelled.has(p.appointment))) continue;
    const served = p.date_complete ?? p.proc_date;
    if (served > asOf) continue;
    const age = asOfDay.diff(DateTime.fromISO(served, { zone: 'UTC' }), 'days').days;
    charges += cents(p.proc_fee);
    gross[age <= 30 ? 0 : age <= 60 ? 1 : age <= 90 ? 2 : 3] += cents(p.proc_fee);
  }
  const paid = sum(
    payments.filter((p) => p.pay_date <= asOf),
    (p) => cents(p.pay_amount),
  );
  const adjusted = sum(
    adjustments.filter((a) => a.adj_date <= asOf),
    (a) => cents(a.adj_amount),
  );
  let insurance = 0;
  for (const c of claims) {
    if (!['paid', 'partial', 'imported'].includes(c.status)) continue;
    const paidLog = c.status_log
      .filter((e: Json) => e.to_status === 'paid' || e.to_status === 'partial')
      .sort((a: Json, b: Json) => (a.changed_at < b.changed_at ? -1 : 1))[0];
    const date = paidLog
      ? (DateTime.fromISO(paidLog.changed_at).setZone(zone).toISODate() as string)
      : (c.date_sent ?? c.date_service);
    if (date <= asOf) insurance += cents(c.ins_pay_amt);
  }
  const balance = charges - paid - insurance + adjusted;
  let credit = paid + insurance - adjusted;
  for (const b of [3, 2, 1, 0] as const) {
    const take = Math.min(gross[b], Math.max(credit, 0));
    gross[b] -= take;
    credit -= take;
  }
  gross[0] -= credit; // leftover credit (or net debit) lands in the current bucket
  return { balance, buckets: gross };
}

function rowBuckets(row: Json): [number, number, number, number] {
  return [cents(row.bal_0_30), cents(row.bal_31_60), cents(row.bal_61_90), cents(row.bal_over_90)];
}

function summaryKeys(s: Json) {
  return {
    total_ar: cents(s.total_ar),
    current: cents(s.current),
    days_31_60: cents(s.days_31_60),
    days_61_90: cents(s.days_61_90),
    over_90: cents(s.over_90),
    patient_count: s.patient_count,
  };
}

// ---------------------------------------------------------------------------------------------

let sb: RunningSandbox;
let api: Api;
let LA: string;
let NY: string;
let P: string;
let fx: LedgerFixtures;

beforeAll(async () => {
  sb = await startSandbox({ port: 0, now: NOW });
  api = new Api(sb, sb.credentials.service.access);
  LA = sb.fixtures.practices.la.id;
  NY = sb.fixtures.practices.ny.id;
  P = `/api/v1/practice/${LA}`;
  const f = ledgerFixtures(LA);
  if (!f) throw new Error('no ledger fixtures for Los Angeles');
  fx = f;
});

afterAll(async () => {
  await sb?.close();
});

describe('claims (I8, §15.9)', () => {
  it('summary per status equals the aggregate of the paginated claim list', async () => {
    const claims = await api.all(`${P}/insurance/claim/`);
    const summary = await api.get(`${P}/insurance/claims/summary/`);
    expect(Object.keys(summary.by_status).sort()).toEqual([...STATUSES].sort());
    for (const status of STATUSES) {
      const rows = claims.filter((c) => c.status === status);
      expect(rows.length, status).toBeGreaterThan(0);
      expect(summary.by_status[status].count, status).toBe(rows.length);
      expect((await api.get(`${P}/insurance/claim/?status=${status}&page_size=1`)).count, status).toBe(rows.length);
      expect(cents(summary.by_status[status].total_fee)).toBe(sum(rows, (c) => cents(c.claim_fee)));
      expect(cents(summary.by_status[status].total_paid)).toBe(sum(rows, (c) => cents(c.ins_pay_amt)));
    }
    const open = claims.filter((c) =>
      ['submitted', 'accepted', 'resubmitted', 'appealed', 'partial'].includes(c.status),
    );
    expect(summary.totals.count).toBe(claims.length);
    expect(cents(summary.totals.total_fee)).toBe(sum(claims, (c) => cents(c.claim_fee)));
    expect(cents(summary.totals.outstanding)).toBe(
      sum(open, (c) => cents(c.claim_fee) - cents(c.ins_pay_amt) - cents(c.write_off)),
    );
  });

  it('serves the list shape under claimsSummaryShape=list with the same numbers', async () => {
    const byStatus = await api.get(`${P}/insurance/claims/summary/`);
    await sb.control.setQuirks({ claimsSummaryShape: 'list' });
    try {
      const list = await api.get(`${P}/insurance/claims/summary/`);
      expect(list.total_count).toBe(byStatus.totals.count);
      expect(list.outstanding_balance).toBe(byStatus.totals.outstanding);
      for (const row of list.results) {
        expect({ count: row.count, total_fee: row.total_fee, total_paid: row.total_paid }).toEqual(
          byStatus.by_status[row.status],
        );
      }
    } finally {
      await sb.control.setQuirks({ claimsSummaryShape: 'by-status' });
    }
  });

  it('keeps seeded claim money consistent (seed invariants, I12)', async () => {
    const claims = await api.all(`${P}/insurance/claim/`);
    for (const c of claims) {
      expect(cents(c.claim_fee)).toBe(sum(c.procedures, (l: Json) => cents(l.fee_billed)));
      expect(cents(c.ins_pay_amt)).toBe(sum(c.procedures, (l: Json) => cents(l.ins_pay_amt)));
      if (!['paid', 'partial', 'imported'].includes(c.status)) expect(c.ins_pay_amt).toBe('0.00');
      expect(cents(c.ins_pay_amt) + cents(c.write_off) + cents(c.ded_applied)).toBeLessThanOrEqual(cents(c.claim_fee));
    }
    expect(claims.some((c) => c.status === 'paid' && cents(c.ins_pay_amt) > 0)).toBe(true);
    expect(claims.some((c) => c.claim_status !== c.status)).toBe(true);
    const payments = await api.all(`${P}/billing/payment/`);
    for (const p of payments) expect(sum(p.splits, (s: Json) => cents(s.split_amount))).toBe(cents(p.pay_amount));
    expect(payments.some((p) => p.provider === null)).toBe(true);
  });

  it('filters the practice claim list by provider, patient name and service date', async () => {
    const all = await api.all(`${P}/insurance/claim/`);
    const provider = all.find((c) => c.provider)?.provider as string;
    const byProvider = await api.all(`${P}/insurance/claim/?provider=${provider}`);
    expect(byProvider.length).toBe(all.filter((c) => c.provider === provider).length);
    const lastName = all[0]?.patient_last_name as string;
    const byName = await api.all(`${P}/insurance/claim/?search=${encodeURIComponent(lastName.toUpperCase())}`);
    expect(byName.length).toBeGreaterThan(0);
    expect(
      byName.every((c) =>
        `${c.patient_first_name} ${c.patient_last_name}`.toLowerCase().includes(lastName.toLowerCase()),
      ),
    ).toBe(true);
    const from = addDays(TODAY, -30);
    const inRange = await api.all(`${P}/insurance/claim/?date_from=${from}&date_to=${TODAY}`);
    expect(inRange.length).toBe(
      all.filter((c) => c.date_service && c.date_service >= from && c.date_service <= TODAY).length,
    );
    expect((await api.call('GET', `${P}/insurance/claim/?status=pending`)).status).toBe(400);
    expect((await api.call('GET', `${P}/insurance/claim/?provider=abc`)).status).toBe(400);
    expect((await api.get(`${P}/insurance/claim/?page_size=500`)).results.length).toBe(100);
  });

  it('serves a patient claim, its log oldest first, and 404 for another patient', async () => {
    const claim = (await api.get(`${P}/insurance/claim/?status=appealed&page_size=1`)).results[0];
    const one = await api.get(`${P}/patient/${claim.patient}/insurance/claim/${claim.id}/`);
    expect(one).toEqual(claim);
    const log = await api.all(`${P}/patient/${claim.patient}/insurance/claim/${claim.id}/log/`);
    expect(log.map((e) => e.to_status)).toEqual(['submitted', 'accepted', 'denied', 'appealed']);
    const other = (await api.get(`${P}/patient/?page_size=1`)).results[0].id;
    if (other !== claim.patient) {
      expect((await api.call('GET', `${P}/patient/${other}/insurance/claim/${claim.id}/`)).status).toBe(404);
    }
    expect(
      (await api.call('GET', `/api/v1/practice/${NY}/patient/${claim.patient}/insurance/claim/${claim.id}/`)).status,
    ).toBe(404);
  });

  it('lists carriers (100/2000, active filter, search) and patient insurance by patient/carrier/ordinal', async () => {
    const carriers = await api.get(`${P}/insurance/carrier/?page_size=5000`);
    expect(carriers.count).toBeGreaterThanOrEqual(8);
    expect(carriers.count).toBeLessThanOrEqual(12);
    expect(carriers.results).toHaveLength(carriers.count);
    const active = await api.get(`${P}/insurance/carrier/?active=true`);
    expect(active.count).toBe(carriers.results.filter((c: Json) => c.is_active).length);
    expect(active.count).toBeLessThan(carriers.count);
    const delta = await api.get(`${P}/insurance/carrier/?search=delta`);
    expect(delta.results.every((c: Json) => c.name.toLowerCase().includes('delta'))).toBe(true);
    const secondary = await api.get(`${P}/insurance/patient-insurance/?patient=${fx.secondaryOnlyPatientId}`);
    expect(secondary.results.map((r: Json) => r.ordinal)).toEqual([2]);
    expect((await api.get(`${P}/insurance/patient-insurance/?patient=${fx.noInsurancePatientId}`)).count).toBe(0);
    const carrierId = secondary.results[0].carrier;
    const ofCarrier = await api.all(`${P}/insurance/patient-insurance/?carrier=${carrierId}&ordinal=1`);
    expect(ofCarrier.every((r) => r.carrier === carrierId && r.ordinal === 1)).toBe(true);
  });
});

describe('production report (I1, I3, I4)', () => {
  function checkReport(r: Json) {
    const s = r.summary;
    expect(cents(s.total_production)).toBe(sum(r.by_provider, (p: Json) => cents(p.production)));
    expect(cents(s.total_collections)).toBe(sum(r.by_provider, (p: Json) => cents(p.collections)));
    expect(cents(s.total_adjustments)).toBe(sum(r.by_provider, (p: Json) => cents(p.adjustments)));
    expect(s.procedure_count).toBe(sum(r.by_provider, (p: Json) => p.procedure_count));
    expect(cents(s.total_production)).toBe(sum(r.by_procedure, (p: Json) => cents(p.total_production)));
    expect(s.procedure_count).toBe(sum(r.by_procedure, (p: Json) => p.count));
    expect(cents(s.net_production)).toBe(cents(s.total_production) + cents(s.total_adjustments));
    for (const p of r.by_provider) expect(p.production).toBe(p.completed_production);
    for (const p of r.by_procedure) {
      // avg_fee = total / count, rounded half-up to cents
      const total = cents(p.total_production);
      expect(cents(p.avg_fee)).toBe(Math.floor((2 * total + p.count) / (2 * p.count)));
    }
  }

  it('defaults to the last 30 days and reconciles summary, by_provider and by_procedure', async () => {
    const r = await api.get(`${P}/billing/reports/production/`);
    expect([r.date_from, r.date_to]).toEqual([addDays(TODAY, -30), TODAY]);
    checkReport(r);
    expect(r.by_provider.some((p: Json) => p.provider_id === null)).toBe(true); // NULL_PROVIDER_ROW
    expect(r.by_provider.some((p: Json) => cents(p.scheduled_production) > 0)).toBe(true);
    const twoFees = r.by_procedure.find((p: Json) => p.proc_code === fx.twoFeeProcCode);
    expect(twoFees.count).toBeGreaterThanOrEqual(2);
  });

  it('narrows to repeated provider filters and drops the null-provider row', async () => {
    const full = await api.get(`${P}/billing/reports/production/?date_from=2026-01-01&date_to=${TODAY}`);
    checkReport(full);
    const [a, b] = full.by_provider.filter((p: Json) => p.provider_id).map((p: Json) => p.provider_id);
    const narrowed = await api.get(
      `${P}/billing/reports/production/?date_from=2026-01-01&date_to=${TODAY}&provider=${a}&provider=${b}`,
    );
    checkReport(narrowed);
    expect(narrowed.by_provider.map((p: Json) => p.provider_id).sort()).toEqual([a, b].sort());
    for (const row of narrowed.by_provider) {
      expect(row).toEqual(full.by_provider.find((p: Json) => p.provider_id === row.provider_id));
    }
  });

  it('answers 400 for a malformed provider or an inverted range', async () => {
    expect((await api.call('GET', `${P}/billing/reports/production/?provider=nope`)).status).toBe(400);
    expect(
      (await api.call('GET', `${P}/billing/reports/production/?date_from=2026-05-10&date_to=2026-05-01`)).status,
    ).toBe(400);
    expect((await api.call('GET', `${P}/billing/reports/production/?date_from=2026-13-01`)).status).toBe(400);
  });

  it('reports collections as the payments dated in the range (INS_AS_PAYMENT=false)', async () => {
    const from = addDays(TODAY, -30);
    const r = await api.get(`${P}/billing/reports/production/?date_from=${from}&date_to=${TODAY}`);
    const payments = await api.all(`${P}/billing/payment/?date_from=${from}&date_to=${TODAY}`);
    expect(cents(r.summary.total_collections)).toBe(sum(payments, (p) => cents(p.pay_amount)));
    const adjustments = await api.all(`${P}/billing/adjustment/?date_from=${from}&date_to=${TODAY}`);
    expect(cents(r.summary.total_adjustments)).toBe(sum(adjustments, (a) => cents(a.adj_amount)));
  });
});

describe('production trending (I2)', () => {
  const ranges: Array<[string, string]> = [
    [addDays(TODAY, -30), TODAY],
    [addDays(TODAY, -120), TODAY],
    [addDays(TODAY, -365), TODAY],
    ['2026-03-01', '2026-03-20'], // spans the US DST change of 2026-03-08
    ['2025-11-01', '2025-11-05'], // and the fall-back of 2025-11-02
  ];

  it('sums every bucket granularity to the production report for the same range and providers', async () => {
    const provider = (await api.get(`${P}/billing/reports/production/`)).by_provider.find((p: Json) => p.provider_id)
      .provider_id as string;
    for (const [from, to] of ranges) {
      for (const filter of ['', `&provider=${provider}`]) {
        const report = await api.get(`${P}/billing/reports/production/?date_from=${from}&date_to=${to}${filter}`);
        for (const bucket of ['day', 'week', 'month']) {
          const t = await api.get(
            `${P}/billing/reports/production/trending/?from=${from}&to=${to}&bucket=${bucket}${filter}`,
          );
          const label = `${from}..${to} ${bucket} ${filter}`;
          expect(t.totals, label).toEqual({
            production: report.summary.total_production,
            collections: report.summary.total_collections,
            adjustments: report.summary.total_adjustments,
            net_production: report.summary.net_production,
          });
          for (const m of ['production', 'collections', 'adjustments', 'net_production']) {
            expect(
              sum(t.rows, (r: Json) => cents(r[m])),
              `${label} ${m}`,
            ).toBe(cents(t.totals[m]));
          }
          // Contiguous, clipped to [from, to], ISO weeks start on Monday.
          expect(t.rows[0].bucket_start).toBe(from);
          expect(t.rows.at(-1).bucket_end).toBe(to);
          for (let i = 1; i < t.rows.length; i++) {
            expect(t.rows[i].bucket_start).toBe(addDays(t.rows[i - 1].bucket_end, 1));
            if (bucket === 'week') expect(DateTime.fromISO(t.rows[i].bucket_start).weekday).toBe(1);
            if (bucket === 'month') expect(t.rows[i].bucket_start.endsWith('-01')).toBe(true);
          }
        }
      }
    }
  });

  it('counts non-cancelled appointments per day, broken ones included', async () => {
    const from = addDays(TODAY, -6);
    const t = await api.get(`${P}/billing/reports/production/trending/?from=${from}&to=${TODAY}&bucket=day`);
    const appointments = await api.all(`${P}/scheduling/appointment/?from=${from}&to=${TODAY}`);
    for (const row of t.rows) {
      const day = appointments.filter((a) => a.date_time.slice(0, 10) === row.bucket_start && a.status !== 'cancelled');
      expect(row.appointment_count, row.bucket_start).toBe(day.length);
    }
  });

  it('resolves the default bucket and metrics, and rejects bad parameters', async () => {
    const q = `${P}/billing/reports/production/trending/`;
    expect((await api.get(`${q}?from=2026-04-01&to=2026-05-01`)).bucket).toBe('day');
    expect((await api.get(`${q}?from=2026-01-01&to=2026-05-01`)).bucket).toBe('week');
    expect((await api.get(`${q}?from=2025-05-01&to=2026-05-01`)).bucket).toBe('month');
    const t = await api.get(`${q}?from=2026-04-01&to=2026-04-10&metric=net_production,production`);
    expect(t.metrics).toEqual(['production', 'net_production']);
    expect(Object.keys(t.rows[0]).sort()).toEqual([
      'appointment_count',
      'bucket_end',
      'bucket_start',
      'net_production',
      'production',
    ]);
    expect(Object.keys(t.totals).sort()).toEqual(['net_production', 'production']);
    expect((await api.call('GET', `${q}?to=2026-05-01`)).status).toBe(400);
    expect((await api.call('GET', `${q}?from=2026-05-01&to=2026-04-01`)).status).toBe(400);
    expect((await api.call('GET', `${q}?from=2026-04-01&to=2026-05-01&bucket=year`)).status).toBe(400);
    expect((await api.call('GET', `${q}?from=2026-04-01&to=2026-05-01&metric=profit`)).status).toBe(400);
  });
});

describe('other flag values over HTTP (§15.12)', () => {
  it('keeps I1–I4 with scheduled work in production, broken visits excluded and credit-positive adjustments', async () => {
    const from = addDays(TODAY, -60);
    const to = addDays(TODAY, 30);
    const before = await api.get(`${P}/billing/reports/production/?date_from=${from}&date_to=${to}`);
    setLedgerFlags(sb.store, {
      productionIncludesScheduled: true,
      excludeBrokenFromProduction: true,
      adjSign: 'credit_positive',
    });
    try {
      const r = await api.get(`${P}/billing/reports/production/?date_from=${from}&date_to=${to}`);
      const s = r.summary;
      expect(cents(s.total_production)).toBe(sum(r.by_provider, (p: Json) => cents(p.production)));
      expect(cents(s.total_production)).toBe(sum(r.by_procedure, (p: Json) => cents(p.total_production)));
      expect(s.procedure_count).toBe(sum(r.by_procedure, (p: Json) => p.count));
      for (const p of r.by_provider) {
        expect(cents(p.production)).toBe(cents(p.completed_production) + cents(p.scheduled_production));
      }
      expect(cents(s.net_production)).toBe(cents(s.total_production) - cents(s.total_adjustments));
      // Future scheduled work now counts; the broken visits' procedures no longer do.
      expect(cents(s.total_production)).toBeGreaterThan(cents(before.summary.total_production));
      const t = await api.get(`${P}/billing/reports/production/trending/?from=${from}&to=${to}&bucket=week`);
      expect(t.totals.production).toBe(s.total_production);
      expect(t.totals.net_production).toBe(s.net_production);
    } finally {
      setLedgerFlags(sb.store, {});
    }
    expect(await api.get(`${P}/billing/reports/production/?date_from=${from}&date_to=${to}`)).toEqual(before);
  });
});

describe('aging and patient balance (I5, I6, I7)', () => {
  it('reconciles the aging summary with its breakdowns and top balances', async () => {
    const aging = await api.get(`${P}/billing/reports/aging/`);
    const s = summaryKeys(aging.summary);
    expect(s.current + s.days_31_60 + s.days_61_90 + s.over_90).toBe(s.total_ar);
    for (const groups of [aging.by_provider, aging.by_insurance]) {
      expect(sum(groups, (g: Json) => cents(g.bal_0_30))).toBe(s.current);
      expect(sum(groups, (g: Json) => cents(g.bal_31_60))).toBe(s.days_31_60);
      expect(sum(groups, (g: Json) => cents(g.bal_61_90))).toBe(s.days_61_90);
      expect(sum(groups, (g: Json) => cents(g.bal_over_90))).toBe(s.over_90);
      expect(sum(groups, (g: Json) => cents(g.balance_total))).toBe(s.total_ar);
    }
    expect(aging.by_insurance.some((g: Json) => g.carrier_id === null && g.carrier_name === 'No insurance')).toBe(true);
    expect(aging.top_balances.length).toBe(25);
    const totals = aging.top_balances.map((r: Json) => cents(r.balance_total));
    expect([...totals].sort((a, b) => b - a)).toEqual(totals);
    for (const r of aging.top_balances) expect(sum(rowBuckets(r), (x) => x)).toBe(cents(r.balance_total));
  });

  it('pages the patient-balance report with a summary over every filtered row', async () => {
    const first = await api.get(`${P}/billing/reports/patient-balance/`);
    const rows = await api.all(`${P}/billing/reports/patient-balance/`);
    expect(rows.length).toBe(first.count);
    const s = summaryKeys(first.summary);
    expect(s.patient_count).toBe(rows.length);
    expect(s.total_ar).toBe(sum(rows, (r) => cents(r.balance_total)));
    expect(s.current).toBe(sum(rows, (r) => cents(r.bal_0_30)));
    expect(s.over_90).toBe(sum(rows, (r) => cents(r.bal_over_90)));
    for (const r of rows) {
      expect(r.status).toBe('active');
      expect(cents(r.balance_total)).toBeGreaterThanOrEqual(1);
      expect(sum(rowBuckets(r), (x) => x)).toBe(cents(r.balance_total));
    }
  });

  it('agrees with the aging report under aligned filters (I7), at two dates', async () => {
    for (const asOf of [TODAY, addDays(TODAY, -45)]) {
      const pb = await api.get(`${P}/billing/reports/patient-balance/?status=any&min_balance=0.01&as_of=${asOf}`);
      const aging = await api.get(`${P}/billing/reports/aging/?as_of_date=${asOf}&include_archived=true`);
      expect(pb.summary, asOf).toEqual(aging.summary);
    }
    // include_archived=false drops exactly the archived rows.
    const any = await api.all(`${P}/billing/reports/patient-balance/?status=any`);
    const aging = await api.get(`${P}/billing/reports/aging/`);
    expect(aging.summary.patient_count).toBe(any.filter((r) => r.status !== 'archived').length);
    expect(any.some((r) => r.patient_id === fx.archivedBalancePatientId && r.status === 'archived')).toBe(true);
  });

  it('applies carrier, provider, bucket and min_balance filters, and 400s on malformed ids', async () => {
    const any = await api.all(`${P}/billing/reports/patient-balance/?status=any`);
    const carrier = any.find((r) => r.primary_carrier_id)?.primary_carrier_id as string;
    const byCarrier = await api.all(`${P}/billing/reports/patient-balance/?status=any&carrier=${carrier}`);
    expect(byCarrier.length).toBe(any.filter((r) => r.primary_carrier_id === carrier).length);
    const provider = any.find((r) => r.primary_provider_id)?.primary_provider_id as string;
    const byProvider = await api.all(`${P}/billing/reports/patient-balance/?status=any&provider=${provider}`);
    expect(byProvider.length).toBe(any.filter((r) => r.primary_provider_id === provider).length);
    const over90 = await api.all(`${P}/billing/reports/patient-balance/?status=any&bucket=over_90`);
    expect(over90.length).toBe(any.filter((r) => cents(r.bal_over_90) > 0).length);
    const big = await api.all(`${P}/billing/reports/patient-balance/?status=any&min_balance=500`);
    expect(big.length).toBe(any.filter((r) => cents(r.balance_total) >= 50_000).length);
    expect((await api.call('GET', `${P}/billing/reports/patient-balance/?carrier=not-a-uuid`)).status).toBe(400);
    expect((await api.call('GET', `${P}/billing/reports/patient-balance/?status=archived`)).status).toBe(400);
    expect((await api.call('GET', `${P}/billing/reports/patient-balance/?min_balance=lots`)).status).toBe(400);
  });

  it('matches an independent recomputation from raw ledger rows (I6, FIFO, credits)', async () => {
    const zone = sb.fixtures.practices.la.timezone;
    const withCredits = await api.all(`${P}/billing/reports/patient-balance/?status=any&min_balance=-1000000`);
    const claimants = (await api.get(`${P}/insurance/claim/?status=partial&page_size=3`)).results.map(
      (c: Json) => c.patient,
    );
    const patients = [
      fx.agingPartialPatientId,
      fx.agingSpillPatientId,
      fx.creditBalancePatientId,
      fx.zeroBalancePatientId,
      ...claimants,
    ];
    for (const id of patients) {
      const raw = await rawPatientLedger(api, P, id, zone);
      const row = withCredits.find((r) => r.patient_id === id);
      expect(row, id).toBeDefined();
      expect(cents(row?.balance_total), id).toBe(raw.balance);
      expect(rowBuckets(row as Json), id).toEqual(raw.buckets);
      const summary = await api.get(`${P}/patient/${id}/billing/balance/summary/`);
      expect(cents(summary.balance), id).toBe(raw.balance);
    }
    // The §15.13 shapes: partial FIFO, spill into 61_90, a credit and an exact zero.
    const partial = withCredits.find((r) => r.patient_id === fx.agingPartialPatientId) as Json;
    expect(rowBuckets(partial).every((b) => b > 0)).toBe(true);
    const spill = withCredits.find((r) => r.patient_id === fx.agingSpillPatientId) as Json;
    expect(spill.bal_over_90).toBe('0.00');
    expect(cents(spill.bal_61_90)).toBeGreaterThan(0);
    expect(withCredits.find((r) => r.patient_id === fx.creditBalancePatientId)?.balance_total).toBe('-50.00');
    expect(withCredits.find((r) => r.patient_id === fx.zeroBalancePatientId)?.balance_total).toBe('0.00');
    const active = await api.all(`${P}/billing/reports/patient-balance/`);
    expect(
      active.some((r) => r.patient_id === fx.creditBalancePatientId || r.patient_id === fx.zeroBalancePatientId),
    ).toBe(false);
  });
});

describe('DSO client reports (I11)', () => {
  const cid = () => sb.fixtures.clientId;

  it('lists the caller’s clients', async () => {
    const clients = await api.get('/api/v1/client/');
    expect(clients.map((c: Json) => c.id)).toEqual([cid()]);
    const support = new Api(sb, sb.credentials.support.access);
    expect(await support.get('/api/v1/client/')).toEqual([]);
    expect((await support.call('GET', `/api/v1/clients/${cid()}/reports/overview/`)).status).toBe(404);
    const patient = new Api(sb, sb.credentials.patient.access);
    expect((await patient.call('GET', '/api/v1/client/')).status).toBe(403);
  });

  it('equals the practice-level reports practice by practice, leaving the disabled practice out', async () => {
    const from = addDays(TODAY, -45);
    const q = `?start_date=${from}&end_date=${TODAY}`;
    const pvc = await api.get(`/api/v1/clients/${cid()}/reports/production-vs-collections/${q}`);
    expect([pvc.date_from, pvc.date_to]).toEqual([from, TODAY]);
    expect(pvc.practices.map((p: Json) => p.practice_id)).toEqual([LA, NY]);
    const byProvider = await api.get(`/api/v1/clients/${cid()}/reports/production-by-provider/${q}`);
    const adjustments = await api.get(`/api/v1/clients/${cid()}/reports/adjustments/${q}`);
    for (const practiceId of [LA, NY]) {
      const prod = await api.get(
        `/api/v1/practice/${practiceId}/billing/reports/production/?date_from=${from}&date_to=${TODAY}`,
      );
      const row = pvc.practices.find((p: Json) => p.practice_id === practiceId);
      expect(row.production).toBe(prod.summary.total_production);
      expect(row.collections).toBe(prod.summary.total_collections);
      expect(row.adjustments).toBe(prod.summary.total_adjustments);
      expect(row.net_production).toBe(prod.summary.net_production);
      const pct = (cents(row.collections) * 10_000) / cents(row.production);
      expect(cents(row.collection_pct)).toBe(Math.round(pct));
      const providers = byProvider.practices.find((p: Json) => p.practice_id === practiceId).providers;
      expect(
        providers.map((p: Json) => [p.provider_id, p.production, p.collections, p.adjustments, p.procedure_count]),
      ).toEqual(
        prod.by_provider.map((p: Json) => [
          p.provider_id,
          p.production,
          p.collections,
          p.adjustments,
          p.procedure_count,
        ]),
      );
      const adj = adjustments.practices.find((p: Json) => p.practice_id === practiceId);
      expect(adj.total_adjustments).toBe(prod.summary.total_adjustments);
      expect(sum(adj.by_type, (t: Json) => cents(t.amount))).toBe(cents(adj.total_adjustments));
      const raw = await api.all(
        `/api/v1/practice/${practiceId}/billing/adjustment/?date_from=${from}&date_to=${TODAY}`,
      );
      expect(sum(adj.by_type, (t: Json) => t.count)).toBe(raw.length);
    }
    expect(cents(pvc.totals.production)).toBe(sum(pvc.practices, (p: Json) => cents(p.production)));
    expect(cents(pvc.totals.collection_pct)).toBe(
      Math.round((cents(pvc.totals.collections) * 10_000) / cents(pvc.totals.production)),
    );
    expect(cents(adjustments.grand_total)).toBe(sum(adjustments.practices, (p: Json) => cents(p.total_adjustments)));
  });

  it('ties A/R and overview to the practice aging and production reports', async () => {
    const asOf = addDays(TODAY, -3);
    const ar = await api.get(`/api/v1/clients/${cid()}/reports/ar-aging/?as_of=${asOf}`);
    const ov = await api.get(`/api/v1/clients/${cid()}/reports/overview/?as_of=${asOf}`);
    expect(ov.totals.practice_count).toBe(2);
    for (const practiceId of [LA, NY]) {
      const PP = `/api/v1/practice/${practiceId}`;
      const aging = await api.get(`${PP}/billing/reports/aging/?as_of_date=${asOf}`);
      const arRow = ar.practices.find((p: Json) => p.practice_id === practiceId);
      const { practice_id: _id, practice_name: _name, ...buckets } = arRow;
      expect(buckets).toEqual(aging.summary);
      const ovRow = ov.practices.find((p: Json) => p.practice_id === practiceId);
      expect(ovRow.ar_total).toBe(aging.summary.total_ar);
      const today = await api.get(`${PP}/billing/reports/production/?date_from=${asOf}&date_to=${asOf}`);
      expect(ovRow.today_production).toBe(today.summary.total_production);
      const week = await api.get(`${PP}/billing/reports/production/?date_from=${addDays(asOf, -6)}&date_to=${asOf}`);
      expect(ovRow.week_production).toBe(week.summary.total_production);
    }
    expect(cents(ar.totals.total_ar)).toBe(sum(ar.practices, (p: Json) => cents(p.total_ar)));
    expect(ar.totals.patient_count).toBe(sum(ar.practices, (p: Json) => p.patient_count));
  });

  it('defaults the range per practice calendar and scopes practices to the caller', async () => {
    const pvc = await api.get(`/api/v1/clients/${cid()}/reports/production-vs-collections/`);
    expect([pvc.date_from, pvc.date_to]).toEqual([addDays(TODAY, -30), TODAY]);
    const frontDesk = new Api(sb, sb.credentials.frontDesk.access);
    const mine = await frontDesk.get(`/api/v1/clients/${cid()}/reports/production-vs-collections/`);
    expect(mine.practices.map((p: Json) => p.practice_id)).toEqual([LA]);
    const reader = new Api(sb, sb.credentials.oauth.readerLa.token); // no reports:read
    expect((await reader.call('GET', `/api/v1/clients/${cid()}/reports/overview/`)).status).toBe(403);
    const reports = new Api(sb, sb.credentials.oauth.reportsAll.token);
    const ov = await reports.get(`/api/v1/clients/${cid()}/reports/overview/`);
    expect(ov.practices.map((p: Json) => p.practice_id)).toEqual([LA, NY]);
    expect((await api.call('GET', `/api/v1/clients/${LA}/reports/overview/`)).status).toBe(404);
    expect(
      (await api.call('GET', `/api/v1/clients/${cid()}/reports/overview/?start_date=2026-05-10&end_date=2026-05-01`))
        .status,
    ).toBe(200); // overview takes as_of only
    expect(
      (await api.call('GET', `/api/v1/clients/${cid()}/reports/adjustments/?start_date=2026-05-10&end_date=2026-05-01`))
        .status,
    ).toBe(400);
  });
});

describe('writes (I9, I10)', () => {
  // A sandbox of its own: writes copy the practice, so the read-only tests above stay independent.
  let wsb: RunningSandbox;
  let w: Api;
  let WP: string;

  beforeAll(async () => {
    wsb = await startSandbox({ port: 0, now: NOW });
    w = new Api(wsb, wsb.credentials.service.access);
    WP = `/api/v1/practice/${wsb.fixtures.practices.la.id}`;
  });

  afterAll(async () => {
    await wsb?.close();
  });

  it('lowers a patient’s balance and the A/R by ins_pay_amt when a claim is paid (I9)', async () => {
    const patientId = fx.agingPartialPatientId;
    const before = await w.get(`${WP}/patient/${patientId}/billing/balance/summary/`);
    const agingBefore = await w.get(`${WP}/billing/reports/aging/`);
    const summaryBefore = await w.get(`${WP}/insurance/claims/summary/`);
    expect(cents(before.balance)).toBeGreaterThan(20_000);

    const created = await w.call('POST', `${WP}/patient/${patientId}/insurance/claim/`, {
      date_service: TODAY,
      claim_fee: '200.00',
      ins_pay_est: '150.00',
      ins_pay_amt: '123.45',
    });
    expect(created.status).toBe(201);
    expect(created.body).not.toHaveProperty('status');
    expect(created.body.claim_fee).toBe('200.00');
    const claimPath = `${WP}/patient/${patientId}/insurance/claim/${created.body.id}/`;
    expect((await w.get(claimPath)).status).toBe('draft');
    // Draft: ins_pay_amt does not reduce A/R yet; editing is allowed.
    expect((await w.get(`${WP}/patient/${patientId}/billing/balance/summary/`)).balance).toBe(before.balance);
    const patched = await w.call('PATCH', `${claimPath}update/`, { date_sent: TODAY });
    expect(patched.status).toBe(200);
    expect(patched.body.date_sent).toBe(TODAY);

    const moved = await w.call('POST', `${claimPath}transition/`, { new_status: 'paid', note: 'EOB received' });
    expect(moved).toEqual({ status: 200, body: { new_status: 'paid', note: 'EOB received' } });
    const after = await w.get(`${WP}/patient/${patientId}/billing/balance/summary/`);
    expect(cents(after.balance)).toBe(cents(before.balance) - 12_345);
    expect(cents(after.insurance_paid)).toBe(cents(before.insurance_paid) + 12_345);
    const agingAfter = await w.get(`${WP}/billing/reports/aging/`);
    expect(cents(agingAfter.summary.total_ar)).toBe(cents(agingBefore.summary.total_ar) - 12_345);
    // Oldest bucket first.
    expect(cents(agingAfter.summary.over_90)).toBeLessThan(cents(agingBefore.summary.over_90));
    const summaryAfter = await w.get(`${WP}/insurance/claims/summary/`);
    expect(summaryAfter.by_status.paid.count).toBe(summaryBefore.by_status.paid.count + 1);
    expect(cents(summaryAfter.by_status.paid.total_paid)).toBe(cents(summaryBefore.by_status.paid.total_paid) + 12_345);
    const log = await w.all(`${claimPath}log/`);
    expect(log.map((e) => [e.from_status, e.to_status, e.note])).toEqual([['draft', 'paid', 'EOB received']]);

    expect((await w.call('PATCH', `${claimPath}update/`, { claim_fee: '1.00' })).status).toBe(400);
    expect((await w.call('POST', `${claimPath}transition/`, { new_status: 'lost' })).status).toBe(400);
  });

  it('takes payments and adjustments into the ledger and the lists', async () => {
    const patientId = fx.agingSpillPatientId;
    const before = await w.get(`${WP}/patient/${patientId}/billing/balance/summary/`);
    const prodBefore = await w.get(`${WP}/billing/reports/production/?date_from=${TODAY}&date_to=${TODAY}`);
    const pay = await w.call('POST', `${WP}/billing/payment/`, {
      patient: patientId,
      pay_amount: '40.00',
      pay_type: 'Visa',
      splits: [{ split_amount: '40.00', proc_code: 'D2392' }],
    });
    expect(pay.status).toBe(201);
    expect(pay.body.pay_date).toBe(TODAY);
    const adj = await w.call('POST', `${WP}/billing/adjustment/`, {
      patient: patientId,
      adj_amount: '-10.00',
      adj_type: 'Courtesy Discount',
    });
    expect(adj.status).toBe(201);
    const after = await w.get(`${WP}/patient/${patientId}/billing/balance/summary/`);
    expect(cents(after.balance)).toBe(cents(before.balance) - 4_000 - 1_000);
    const prodAfter = await w.get(`${WP}/billing/reports/production/?date_from=${TODAY}&date_to=${TODAY}`);
    expect(cents(prodAfter.summary.total_collections)).toBe(cents(prodBefore.summary.total_collections) + 4_000);
    expect(cents(prodAfter.summary.total_adjustments)).toBe(cents(prodBefore.summary.total_adjustments) - 1_000);
    const cards = await w.all(`${WP}/billing/payment/?patient=${patientId}&method=card`);
    expect(cards.some((p) => p.pay_amount === '40.00' && p.pay_method === 'card')).toBe(true);
    const courtesy = await w.all(`${WP}/billing/adjustment/?patient=${patientId}&adj_type=courtesy%20discount`);
    expect(courtesy.some((a) => a.adj_amount === '-10.00')).toBe(true);
    expect((await w.call('POST', `${WP}/billing/payment/`, { patient: patientId, pay_amount: '1.234' })).status).toBe(
      400,
    );
    expect((await w.call('POST', `${WP}/billing/adjustment/`, { adj_amount: '5.00' })).status).toBe(400);
  });

  it('excludes cancelled-appointment procedures from production but keeps broken ones, unlike month-summary (I10)', async () => {
    // The seeded pair in the last 30 days.
    for (const [f, status] of [
      [fx.cancelledAppointmentProcedure, 'cancelled'],
      [fx.brokenAppointmentProcedure, 'broken'],
    ] as const) {
      expect(f).not.toBeNull();
      const appt = await w.get(`${WP}/scheduling/appointment/${f?.appointmentId}/`);
      expect(appt.status).toBe(status);
      const procs = await w.all(
        `${WP}/patient/${appt.patient}/clinical/procedure/?date_from=${f?.date}&date_to=${f?.date}`,
      );
      expect(procs.find((p) => p.id === f?.procedureId)?.appointment).toBe(appt.id);
    }

    // The live difference: two of today's in-progress appointments with one procedure charted. New
    // York is mid-afternoon at NOW (Los Angeles is at its lunch blockout, nobody in the chair).
    const nyFx = ledgerFixtures(wsb.fixtures.practices.ny.id) as LedgerFixtures;
    const NP = `/api/v1/practice/${wsb.fixtures.practices.ny.id}`;
    expect(nyFx.midVisit.length).toBe(2);
    const [first, second] = nyFx.midVisit as [LedgerFixtures['midVisit'][0], LedgerFixtures['midVisit'][0]];
    const production = async () =>
      (await w.get(`${NP}/billing/reports/production/?date_from=${TODAY}&date_to=${TODAY}`)) as Json;
    const monthProduction = async () =>
      cents(
        (await w.get(`${NP}/scheduling/month-summary/?from=${TODAY}&to=${TODAY}`)).days[TODAY]?.production ?? '0.00',
      );
    const scheduled = async (id: string) =>
      (await w.get(`${NP}/scheduling/appointment/${id}/`)).scheduled_procedures as Json[];
    const scheduledFees = async (id: string) => sum(await scheduled(id), (sp) => cents(sp.fee));
    const chartedFee = async (appointmentId: string, procedureId: string) => {
      const appt = await w.get(`${NP}/scheduling/appointment/${appointmentId}/`);
      const procs = await w.all(
        `${NP}/patient/${appt.patient}/clinical/procedure/?date_from=${TODAY}&date_to=${TODAY}`,
      );
      return cents(procs.find((p) => p.id === procedureId)?.proc_fee);
    };

    const p0 = await production();
    const m0 = await monthProduction();
    const fee1 = await chartedFee(first.appointmentId, first.procedureId);
    const sched1 = await scheduledFees(first.appointmentId);
    // Still in the pipeline: the scheduled procedures whose code was not charted complete mid-visit.
    const pipeline1 = sum(
      (await scheduled(first.appointmentId)).filter((sp) => sp.proc_code !== first.procCode),
      (sp) => cents(sp.fee),
    );
    expect(fee1).toBe(first.feeCents);

    const cancel = await w.call('POST', `${NP}/scheduling/appointment/${first.appointmentId}/transition/`, {
      status: 'cancelled',
    });
    expect(cancel.status).toBe(200);
    const p1 = await production();
    expect(cents(p1.summary.total_production)).toBe(cents(p0.summary.total_production) - fee1);
    expect(sum(p1.by_provider, (r: Json) => cents(r.scheduled_production))).toBe(
      sum(p0.by_provider, (r: Json) => cents(r.scheduled_production)) - pipeline1,
    );
    expect(await monthProduction()).toBe(m0 - sched1);

    const sched2 = await scheduledFees(second.appointmentId);
    const noShow = await w.call('POST', `${NP}/scheduling/appointment/${second.appointmentId}/transition/`, {
      status: 'broken',
    });
    expect(noShow.status).toBe(200);
    const p2 = await production();
    expect(p2.summary.total_production).toBe(p1.summary.total_production); // broken stays in (L4682, T8)
    expect(await monthProduction()).toBe(m0 - sched1 - sched2); // month-summary drops broken too (L756)
  });
});
