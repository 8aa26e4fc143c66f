/**
 * claims_summary and production_report through a real client and server against the sandbox.
 * Expected figures come from raw sandbox API calls and are aggregated here independently.
 */
import Big from 'big.js';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import {
  callError,
  callOk,
  connectInProcess,
  type InProcessConnection,
  rawGet,
  rawList,
  startTestSandbox,
} from '../helpers/harness.js';

interface RawClaim {
  id: string;
  status: string;
  patient: string;
  provider: string | null;
  patient_insurance: string | null;
  date_sent: string | null;
  date_service: string | null;
  claim_fee: string;
  ins_pay_amt: string;
  write_off: string;
}
interface ClaimsOutput {
  as_of: string;
  by_status: { status: string; count: number; billed: string; paid: string }[];
  totals: { count: number; billed: string; paid: string; outstanding: string };
  outstanding_by_age: { days: string; count: number; amount: string }[];
  outstanding_by_carrier: { carrier: string; count: number; amount: string }[];
  oldest_outstanding: { claim_id: string; days_outstanding?: number; outstanding: string }[];
  sources: string[];
}
interface RawProduction {
  summary: {
    total_production: string;
    total_collections: string;
    total_adjustments: string;
    net_production: string;
    procedure_count: number;
  };
  by_provider: {
    provider_id: string | null;
    production: string;
    completed_production: string;
    scheduled_production: string;
    collections: string;
  }[];
  by_procedure: { proc_code: string; count: number; total_production: string }[];
}
interface ProductionOutput {
  period: { from: string; to: string };
  summary: {
    gross_production: string;
    collections: string;
    adjustments: string;
    net_production: string;
    procedure_count: number;
    collection_pct: string | null;
  };
  by_provider: { production: string; completed: string; scheduled: string; collections: string }[];
  by_category: { category: string; count: number; total: string }[];
  trend?: {
    from: string;
    to: string;
    production: string;
    collections: string;
    net_production: string;
    appointments: number;
  }[];
  previous?: { from: string; to: string; gross_production: string; change: Record<string, string> };
}

const OUTSTANDING = ['submitted', 'accepted', 'resubmitted', 'appealed', 'partial'];

let sandbox: RunningSandbox;
let server: InProcessConnection;
let la: RunningSandbox['fixtures']['practices']['la'];
const path = (rest: string) => `/api/v1/practice/${la.id}/${rest}`;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  la = sandbox.fixtures.practices.la;
  server = await connectInProcess({ sandbox });
});

afterAll(async () => {
  await server?.close();
  await sandbox?.close();
});

const money = (values: (string | null | undefined)[]) =>
  values.reduce((t, v) => t.plus(new Big(v ?? '0')), new Big(0)).toFixed(2);
const owed = (c: RawClaim) => new Big(c.claim_fee).minus(c.ins_pay_amt ?? '0').minus(c.write_off ?? '0');

describe('claims_summary', () => {
  it('matches the summary endpoint per status, and ages the outstanding claims from the raw claim list', async () => {
    const summary = await rawGet<{
      by_status: Record<string, { count: number; total_fee: string; total_paid: string }>;
    }>(sandbox, path('insurance/claims/summary/'));
    const claims = await rawList<RawClaim>(sandbox, path('insurance/claim/'));
    const { structured } = await callOk<ClaimsOutput>(server.client, 'claims_summary', {
      practice: la.name,
      oldest: 5,
    });

    expect(structured.by_status).toEqual(
      Object.entries(summary.by_status)
        .filter(([, row]) => row.count > 0)
        .map(([status, row]) => ({ status, count: row.count, billed: row.total_fee, paid: row.total_paid })),
    );
    // The summary endpoint's totals equal the sum over every claim (the spec's own invariant).
    expect(structured.totals.count).toBe(claims.length);
    expect(structured.totals.billed).toBe(money(claims.map((c) => c.claim_fee)));

    const outstanding = claims.filter((c) => OUTSTANDING.includes(c.status));
    const today = DateTime.now().setZone(la.timezone).toISODate() as string;
    const age = (c: RawClaim) =>
      c.date_sent ? DateTime.fromISO(today).diff(DateTime.fromISO(c.date_sent.slice(0, 10)), 'days').days : undefined;
    const bucket = (days: number | undefined) =>
      days === undefined ? 'not sent' : days <= 30 ? '0-30' : days <= 60 ? '31-60' : days <= 90 ? '61-90' : '90+';
    for (const row of structured.outstanding_by_age) {
      const inBucket = outstanding.filter((c) => bucket(age(c)) === row.days);
      expect({ days: row.days, count: row.count, amount: row.amount }).toEqual({
        days: row.days,
        count: inBucket.length,
        amount: inBucket.reduce((t, c) => t.plus(owed(c)), new Big(0)).toFixed(2),
      });
    }
    expect(structured.outstanding_by_age.reduce((n, r) => n + r.count, 0)).toBe(outstanding.length);

    const oldest = [...outstanding]
      .sort((a, b) => (age(b) ?? -1) - (age(a) ?? -1) || a.id.localeCompare(b.id))
      .slice(0, 5);
    expect(structured.oldest_outstanding.map((c) => c.claim_id)).toEqual(oldest.map((c) => c.id));
    expect(structured.sources.join(' ')).toMatch(/claims summary endpoint/);
  });

  it('groups outstanding money by carrier through the patient-insurance records', async () => {
    const claims = (await rawList<RawClaim>(sandbox, path('insurance/claim/'))).filter((c) =>
      OUTSTANDING.includes(c.status),
    );
    const enrollments = await rawList<{ id: string; carrier: string }>(sandbox, path('insurance/patient-insurance/'));
    const carriers = await rawList<{ id: string; name: string }>(sandbox, path('insurance/carrier/'));
    const carrierOfEnrollment = new Map(enrollments.map((e) => [e.id, e.carrier]));
    const nameOf = new Map(carriers.map((c) => [c.id, c.name]));
    const expected = new Map<string, Big>();
    for (const claim of claims) {
      const carrierId = claim.patient_insurance ? carrierOfEnrollment.get(claim.patient_insurance) : undefined;
      const name = (carrierId && nameOf.get(carrierId)) || 'No carrier on file';
      expected.set(name, (expected.get(name) ?? new Big(0)).plus(owed(claim)));
    }
    const { structured } = await callOk<ClaimsOutput>(server.client, 'claims_summary', {
      practice: la.name,
      oldest: 0,
    });
    expect(structured.outstanding_by_carrier.length).toBeGreaterThan(1);
    for (const row of structured.outstanding_by_carrier) expect(row.amount).toBe(expected.get(row.carrier)?.toFixed(2));
  });

  it('filters by provider and service dates through the claim list', async () => {
    const provider = la.providers.dentists[0] as string;
    const providers = await rawList<{ id: string; last_name: string }>(sandbox, path('provider/'));
    const lastName = providers.find((p) => p.id === provider)?.last_name as string;
    const from = DateTime.now().setZone(la.timezone).minus({ days: 120 }).toISODate() as string;
    const to = DateTime.now().setZone(la.timezone).minus({ days: 30 }).toISODate() as string;
    const raw = await rawList<RawClaim>(sandbox, path('insurance/claim/'), { provider, date_from: from, date_to: to });
    expect(raw.length).toBeGreaterThan(0);
    const { structured } = await callOk<ClaimsOutput>(server.client, 'claims_summary', {
      practice: la.name,
      provider: lastName,
      date_from: from,
      date_to: to,
    });
    expect(structured.totals.count).toBe(raw.length);
    expect(structured.totals.billed).toBe(money(raw.map((c) => c.claim_fee)));
    expect(structured.totals.paid).toBe(money(raw.map((c) => c.ins_pay_amt)));
    const statuses = [...new Set(raw.map((c) => c.status))].sort();
    expect(structured.by_status.map((s) => s.status).sort()).toEqual(statuses);
  });

  it('answers an empty period with zeros, not an error', async () => {
    const { structured, text } = await callOk<ClaimsOutput>(server.client, 'claims_summary', {
      practice: la.name,
      date_from: '2001-01-01',
      date_to: '2001-01-31',
    });
    expect(structured.totals).toEqual({ count: 0, billed: '0.00', paid: '0.00', outstanding: '0.00' });
    expect(structured.by_status).toEqual([]);
    expect(text).toMatch(/0 claims/);
  });

  it('refuses an unknown carrier with the way out', async () => {
    expect(
      await callError(server.client, 'claims_summary', { practice: la.name, carrier: 'Acme Unheard-of Mutual' }),
    ).toMatch(/No insurance carrier/);
  });
});

describe('production_report', () => {
  const lastMonth = () => {
    const start = DateTime.now().setZone(la.timezone).startOf('month').minus({ months: 1 });
    return { from: start.toISODate() as string, to: start.endOf('month').toISODate() as string };
  };

  it('reports last month in practice time exactly as the production endpoint computes it', async () => {
    const range = lastMonth();
    const raw = await rawGet<RawProduction>(sandbox, path('billing/reports/production/'), {
      date_from: range.from,
      date_to: range.to,
    });
    const { structured } = await callOk<ProductionOutput>(server.client, 'production_report', {
      practice: la.name,
      period: 'last_month',
    });
    expect(structured.period).toMatchObject(range);
    expect(structured.summary).toEqual({
      gross_production: raw.summary.total_production,
      collections: raw.summary.total_collections,
      adjustments: raw.summary.total_adjustments,
      net_production: raw.summary.net_production,
      procedure_count: raw.summary.procedure_count,
      collection_pct: new Big(raw.summary.total_collections)
        .times(100)
        .div(raw.summary.total_production)
        .round(2, Big.roundHalfUp)
        .toFixed(2),
    });
    expect(structured.by_provider.map((p) => [p.production, p.completed, p.scheduled, p.collections])).toEqual(
      raw.by_provider.map((p) => [p.production, p.completed_production, p.scheduled_production, p.collections]),
    );
    // CDT categories by the ADA ranges, summed here from the raw by_procedure rows.
    const category = (code: string) => {
      const n = Number(code.slice(1));
      return n < 1000
        ? 'Diagnostic'
        : n < 2000
          ? 'Preventive'
          : n < 3000
            ? 'Restorative'
            : n < 4000
              ? 'Endodontics'
              : n < 5000
                ? 'Periodontics'
                : n < 7000
                  ? 'Prosthodontics / implants'
                  : n < 8000
                    ? 'Oral & maxillofacial surgery'
                    : n < 9000
                      ? 'Orthodontics'
                      : 'Adjunctive general services';
    };
    const expected = new Map<string, Big>();
    for (const row of raw.by_procedure)
      expected.set(
        category(row.proc_code),
        (expected.get(category(row.proc_code)) ?? new Big(0)).plus(row.total_production),
      );
    for (const row of structured.by_category) {
      if (expected.has(row.category)) expect(row.total).toBe(expected.get(row.category)?.toFixed(2));
    }
    expect(money(structured.by_category.map((c) => c.total))).toBe(
      money(raw.by_procedure.map((p) => p.total_production)),
    );
  });

  it('adds a weekly trend and the previous period in two more requests issued together', async () => {
    const range = lastMonth();
    await callOk(server.client, 'production_report', { practice: la.name, period: 'last_month' });
    await sandbox.control.clearRequests();
    const { structured } = await callOk<ProductionOutput>(server.client, 'production_report', {
      practice: la.name,
      period: 'last_month',
      trend: 'week',
    });
    const requests = await sandbox.control.requests();
    expect(requests.map((r) => r.path.replace(la.id, '{p}')).sort()).toEqual([
      '/api/v1/practice/{p}/billing/reports/production/',
      '/api/v1/practice/{p}/billing/reports/production/trending/',
    ]);
    const trending = await rawGet<{
      rows: {
        bucket_start: string;
        bucket_end: string;
        production: string;
        collections: string;
        appointment_count: number;
      }[];
    }>(sandbox, path('billing/reports/production/trending/'), { from: range.from, to: range.to, bucket: 'week' });
    expect(structured.trend?.map((t) => [t.from, t.to, t.production, t.collections, t.appointments])).toEqual(
      trending.rows.map((r) => [r.bucket_start, r.bucket_end, r.production, r.collections, r.appointment_count]),
    );

    const compared = await callOk<ProductionOutput>(server.client, 'production_report', {
      practice: la.name,
      period: 'last_month',
      compare_previous: true,
    });
    const before = DateTime.fromISO(range.from).minus({ months: 1 });
    const previousRange = { from: before.toISODate() as string, to: before.endOf('month').toISODate() as string };
    const rawPrevious = await rawGet<RawProduction>(sandbox, path('billing/reports/production/'), {
      date_from: previousRange.from,
      date_to: previousRange.to,
    });
    expect(compared.structured.previous).toMatchObject({
      ...previousRange,
      gross_production: rawPrevious.summary.total_production,
    });

    // Each change is the difference and its share of the previous figure's size: adjustments are
    // negative, so a smaller write-off is a rise, written "+920.00 (+51.25%)", never "(+-51.25%)".
    const rawCurrent = await rawGet<RawProduction>(sandbox, path('billing/reports/production/'), {
      date_from: range.from,
      date_to: range.to,
    });
    const changeOf = (now: string, then: string) => {
      const delta = new Big(now).minus(then);
      const sign = delta.gte(0) ? '+' : '-';
      const share = new Big(then).eq(0)
        ? ''
        : ` (${sign}${delta.abs().times(100).div(new Big(then).abs()).toFixed(2)}%)`;
      return `${sign}${delta.abs().toFixed(2)}${share}`;
    };
    expect(new Big(rawPrevious.summary.total_adjustments).lt(0)).toBe(true);
    expect(compared.structured.previous?.change).toEqual({
      gross_production: changeOf(rawCurrent.summary.total_production, rawPrevious.summary.total_production),
      collections: changeOf(rawCurrent.summary.total_collections, rawPrevious.summary.total_collections),
      adjustments: changeOf(rawCurrent.summary.total_adjustments, rawPrevious.summary.total_adjustments),
      net_production: changeOf(rawCurrent.summary.net_production, rawPrevious.summary.net_production),
      procedure_count: `${rawCurrent.summary.procedure_count >= rawPrevious.summary.procedure_count ? '+' : ''}${rawCurrent.summary.procedure_count - rawPrevious.summary.procedure_count}`,
    });
  });

  it('narrows to a provider named by first name', async () => {
    const providers = await rawList<{ id: string; first_name: string }>(sandbox, path('provider/'));
    const provider = providers.find((p) => p.id === la.providers.dentists[1]) as { id: string; first_name: string };
    const range = lastMonth();
    const raw = await rawGet<RawProduction>(sandbox, path('billing/reports/production/'), {
      date_from: range.from,
      date_to: range.to,
      provider: provider.id,
    });
    const { structured } = await callOk<ProductionOutput>(server.client, 'production_report', {
      practice: la.name,
      period: 'last_month',
      providers: [provider.first_name],
    });
    expect(structured.summary.gross_production).toBe(raw.summary.total_production);
    expect(structured.by_provider).toHaveLength(raw.by_provider.length);
  });

  it('refuses contradictory or impossible periods without calling the API', async () => {
    await sandbox.control.clearRequests();
    expect(
      await callError(server.client, 'production_report', {
        practice: la.name,
        period: 'last_month',
        start_date: '2026-01-01',
        end_date: '2026-01-31',
      }),
    ).toMatch(/either period or start_date/);
    expect(
      await callError(server.client, 'production_report', {
        practice: la.name,
        start_date: '2026-03-01',
        end_date: '2026-02-01',
      }),
    ).toMatch(/before start_date/);
    expect(
      await callError(server.client, 'production_report', {
        practice: la.name,
        start_date: '2026-02-29',
        end_date: '2026-03-01',
      }),
    ).toMatch(/not a real calendar date/);
    expect(await callError(server.client, 'production_report', { practice: la.name, period: 'last_n_days' })).toMatch(
      /needs days/,
    );
    expect(await sandbox.control.requests()).toEqual([]);
  });
});
