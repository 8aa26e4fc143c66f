/**
 * Upstream values the client cannot use (the spec's sample "string", a missing figure, an enum
 * outside its list), against a scripted upstream: one bad practice, provider or row degrades only
 * itself — left out and said so — and a headline figure that cannot be read refuses the answer
 * with the field named. Never a zero in place of a value that is not there.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Divergence, describeDivergences, recordDivergences } from '../../../src/api/divergence.js';
import { UnrecognizedShape, UnusableUpstreamValue } from '../../../src/api/errors.js';
import type { EscapeApiHandle } from '../../../src/api/index.js';
import type { RecordedRequest, Reply, ScriptedServer } from './scripted-server.js';
import { startScriptedPractice } from './scripted-server.js';

const P = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const PATIENT = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const BASE = `/api/v1/practice/${P}`;
const NOW = Date.parse('2026-05-14T18:00:00Z');
const RANGE = { from: '2026-05-01', to: '2026-05-13' };

let server: ScriptedServer;
let api: EscapeApiHandle;

async function start(route: (req: RecordedRequest) => Reply | undefined, timezone?: string) {
  ({ server, api } = await startScriptedPractice(route, {
    practiceId: P,
    now: NOW,
    ...(timezone ? { timezone } : {}),
  }));
}

/** One list route (the request path ends with `path`) answering `results` whole, in one page. */
async function startList(path: string, results: unknown[]) {
  await start((req) =>
    req.path.endsWith(path) ? { json: { count: results.length, next: null, results } } : undefined,
  );
}

afterEach(async () => {
  await api?.close();
  await server?.close();
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

const summary = {
  total_production: '1000.00',
  total_collections: '400.00',
  total_adjustments: '-50.00',
  net_production: '950.00',
  procedure_count: 7,
};
const providerRow = (name: string, production: unknown) => ({
  provider_id: name,
  provider_name: name,
  production,
  completed_production: '100.00',
  scheduled_production: '0.00',
  collections: '10.00',
  adjustments: '0.00',
  procedure_count: 1,
});

describe('production report', () => {
  it('a provider or procedure row with an unusable amount is left out and named; the summary stands', async () => {
    await start((req) =>
      req.path.endsWith('/billing/reports/production/')
        ? {
            json: {
              date_from: RANGE.from,
              date_to: RANGE.to,
              summary,
              by_provider: [providerRow('Dr. Good', '100.00'), providerRow('Dr. Odd', 'string')],
              by_procedure: [
                { proc_code: 'D1110', description: 'Prophy', count: 2, total_production: '200.00', avg_fee: '100.00' },
                { proc_code: 'D0274', description: 'BWX', count: 1, total_production: 'string', avg_fee: '60.00' },
              ],
            },
          }
        : undefined,
    );
    const report = await api.billing.productionReport(P, { range: RANGE });
    expect(report.summary.totalProduction).toBe('1000.00');
    expect(report.byProvider.map((p) => p.providerName)).toEqual(['Dr. Good']);
    expect(report.byProcedure.map((p) => p.procCode)).toEqual(['D1110']);
    expect(report.warnings).toContain(
      '1 provider row was left out: Escape Dental sent an unusable production for provider Dr. Odd in the production report (2026-05-01 to 2026-05-13).',
    );
    expect(report.warnings.join(' ')).toMatch(/unusable total_production for procedure code D0274/);
  });

  it('a headline figure that is unusable or missing refuses the report naming it; no summary is a shape error', async () => {
    for (const [patch, field] of [
      [{ total_collections: 'string' }, 'total_collections'],
      [{ net_production: undefined }, 'net_production'],
      [{ procedure_count: null }, 'procedure_count'],
    ] as const) {
      await start((req) =>
        req.path.endsWith('/production/') ? { json: { summary: { ...summary, ...patch } } } : undefined,
      );
      const error = await rejection(api.billing.productionReport(P, { range: RANGE }));
      expect(error).toBeInstanceOf(UnusableUpstreamValue);
      expect(error.message).toMatch(
        new RegExp(`^Escape Dental sent an unusable ${field} for the production report \\(2026-05-01 to 2026-05-13\\)`),
      );
      await api.close();
      await server.close();
    }
    await start((req) => (req.path.endsWith('/production/') ? { json: { totals: summary } } : undefined));
    const error = await rejection(api.billing.productionReport(P, { range: RANGE }));
    expect(error).toBeInstanceOf(UnrecognizedShape);
    expect(error.message).toContain('(endpoint GET …/billing/reports/production/)');
  });
});

describe('production trending', () => {
  it('reads the amounts present whatever `metrics` says; an absent one is not reported, never zero', async () => {
    await start((req) =>
      req.path.endsWith('/trending/')
        ? {
            json: {
              date_from: RANGE.from,
              date_to: RANGE.to,
              bucket: 'string',
              metrics: ['string'],
              rows: [
                { bucket_start: '2026-05-01', bucket_end: '2026-05-03', production: '125.00', appointment_count: 3 },
                { bucket_start: '2026-05-04', bucket_end: '2026-05-10', collections: '20.00', appointment_count: 2 },
                { bucket_start: 'string', bucket_end: 'string', production: '1.00', appointment_count: 0 },
              ],
              totals: { production: '125.00' },
            },
          }
        : undefined,
    );
    const trend = await api.billing.productionTrending(P, { range: RANGE, bucket: 'week' });
    expect(trend.rows.map((r) => [r.bucketStart, r.values])).toEqual([
      ['2026-05-01', { production: '125.00' }],
      ['2026-05-04', { collections: '20.00' }],
    ]);
    expect(trend.metrics).toEqual(['production', 'collections']);
    expect(trend.skippedRows).toBe(1);
    expect(trend.warnings.join(' ')).toMatch(/1 trend row was left out: Escape Dental sent an unusable bucket_start/);
  });
});

const claim = (id: string, patch: Record<string, unknown> = {}) => ({
  id,
  status: 'submitted',
  claim_fee: '100.00',
  ins_pay_amt: '0.00',
  write_off: '0.00',
  date_service: '2026-04-01',
  date_sent: '2026-04-02',
  ...patch,
});

describe('claim list', () => {
  it('a claim with an unusable amount, date or status is left out and handed back by id; the rest are kept', async () => {
    await startList('/insurance/claim/', [
      claim('c1'),
      claim('c2', { claim_fee: 'string' }),
      claim('c3', { status: 'string' }),
      claim('c4', { date_sent: 'string' }),
      claim('c5', { ins_pay_amt: null }),
    ]);
    const result = await api.insurance.listClaims(P, {});
    expect(result.claims.map((c) => c.id)).toEqual(['c1', 'c5']);
    expect(result.skipped.map((s) => [s.id, s.reason.field])).toEqual([
      ['c2', 'claim_fee'],
      ['c3', 'status'],
      ['c4', 'date_sent'],
    ]);
  });

  it('every claim unusable: an empty list with the unusable ones, for the caller to weigh across its reads', async () => {
    await startList('/insurance/claim/', [claim('c9', { claim_fee: 'string' })]);
    const result = await api.insurance.listClaims(P, {});
    expect(result.claims).toEqual([]);
    expect(result.skipped.map((s) => s.reason.message)).toEqual([
      expect.stringMatching(/^Escape Dental sent an unusable claim_fee for claim c9/),
    ]);
  });

  it('an unusable claim the filters exclude (status, provider, dates) is left out as such, not unreadable', async () => {
    await startList('/insurance/claim/', [
      claim('c1', { status: 'paid', provider: 'dr-a' }),
      claim('c2', { status: 'appealed', claim_fee: 'string', provider: 'dr-a' }),
      claim('c3', { status: 'paid', claim_fee: 'string', provider: 'dr-b' }),
      claim('c4', { status: 'paid', claim_fee: 'string', provider: 'dr-a', date_service: '2019-01-02' }),
      claim('c5', { status: 'paid', provider: 'dr-a', date_service: 'string' }),
    ]);
    const records: Divergence[] = [];
    const result = await recordDivergences(records, () =>
      api.insurance.listClaims(P, {
        status: 'paid',
        providerId: 'dr-a',
        range: { from: '2026-01-01', to: '2026-05-13' },
      }),
    );
    expect(result.claims.map((c) => c.id)).toEqual(['c1']);
    // A date of service that cannot be read cannot be said to be outside the dates: unreadable.
    expect(result.skipped.map((s) => s.id)).toEqual(['c5']);
    expect(describeDivergences(records).notes).toEqual([
      'Escape Dental returned 1 claim of another status than asked; it was left out here.',
      'Escape Dental returned 1 claim of another provider than asked; it was left out here.',
      'Escape Dental returned 1 claim dated outside the requested dates (by date of service); it was left out here.',
    ]);
  });
});

describe('timeline', () => {
  const timelinePath = `${BASE}/patient/${PATIENT}/clinical/timeline/`;
  const event = (id: string, date: unknown) => ({
    event_type: 'appointment',
    id,
    date,
    title: 'Visit',
    data: { id, date_time: '2026-05-01T09:00:00-07:00', status: 'complete' },
  });

  it('an entry with an unusable date is left out and said so; all unusable refuses', async () => {
    await startList(timelinePath, [event('a1', '2026-05-01T09:00:00-07:00'), event('a2', 'string')]);
    const result = await api.clinical.timeline(P, PATIENT, {});
    expect(result.events.map((e) => e.id)).toEqual(['a1']);
    expect(result.skipped.map((s) => s.id)).toEqual(['a2']);
    expect(result.warnings).toContain('1 timeline entry was left out: Escape Dental sent an unusable date for it.');
    await api.close();
    await server.close();
    await startList(timelinePath, [event('a2', 'string')]);
    const error = await rejection(api.clinical.timeline(P, PATIENT, {}));
    expect(error).toBeInstanceOf(UnusableUpstreamValue);
    expect(error.message).toMatch(/^Escape Dental sent an unusable date for the patient's timeline entries/);
  });
});

describe('timeline: types filtered before the unusable check', () => {
  const timelinePath = `${BASE}/patient/${PATIENT}/clinical/timeline/`;
  const visit = {
    event_type: 'appointment',
    id: 'a1',
    date: '2026-05-01T09:00:00-07:00',
    title: 'Visit',
    data: { id: 'a1', date_time: '2026-05-01T09:00:00-07:00', status: 'complete' },
  };

  it('a note with an unusable date or an unknown event type is of another type than asked, not unreadable', async () => {
    await startList(timelinePath, [
      visit,
      { event_type: 'note', id: 'n1', date: 'string', title: 'Note', data: { id: 'n1' } },
      { event_type: 'xray_v2', id: 'x1', date: '2026-04-01', title: 'X-ray', data: { id: 'x1' } },
    ]);
    const records: Divergence[] = [];
    const result = await recordDivergences(records, () =>
      api.clinical.timeline(P, PATIENT, { eventTypes: ['appointment'] }),
    );
    expect(result.events.map((e) => e.id)).toEqual(['a1']);
    expect(result.skipped).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(describeDivergences(records).notes).toEqual([
      'Escape Dental returned 2 timeline events of another type than asked; they were left out here.',
    ]);
  });

  it('an unusable entry of a type asked for is handed back by id with its reason', async () => {
    await startList(timelinePath, [
      visit,
      { ...visit, id: 'a2', date: 'string', data: { id: 'a2', date_time: 'string' } },
    ]);
    const result = await api.clinical.timeline(P, PATIENT, { eventTypes: ['appointment'] });
    expect(result.events.map((e) => e.id)).toEqual(['a1']);
    expect(result.skipped.map((s) => [s.id, s.reason.summary])).toEqual([
      ['a2', 'Escape Dental sent an unusable date for appointment a2'],
    ]);
  });
});

describe('find-spot', () => {
  it('an open time that cannot be read is left out and said so in the warnings', async () => {
    await start((req) =>
      req.path.endsWith('/find-spot/')
        ? {
            json: {
              count: 2,
              results: [{ date_time: '2026-05-15T09:00:00-07:00' }, { date_time: 'string' }],
            },
          }
        : undefined,
    );
    const result = await api.scheduling.findSpot(P, { durationMinutes: 30, maxResults: 5 });
    expect(result.slots.map((s) => s.start)).toEqual(['2026-05-15T09:00:00-07:00']);
    expect(result.warnings.join(' ')).toMatch(/1 open time in Escape Dental's answer could not be read/);
  });
});

describe('practice time zone', () => {
  it('the placeholder "string" is UnusableUpstreamValue naming timezone (the error kind start-up can reuse)', async () => {
    await start(() => undefined, 'string');
    const error = await rejection(api.practices.timezone(P));
    expect(error).toBeInstanceOf(UnusableUpstreamValue);
    expect(error.message).toMatch(/^Escape Dental sent an unusable timezone for practice Sunset/);
  });
});
