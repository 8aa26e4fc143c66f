/**
 * Aging-report jobs against a scripted upstream: what is sent (the date in the body, one POST,
 * never retried), and which answers are refused (another job, a status or date not understood).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidResponse, UnrecognizedShape } from '../../../src/api/errors.js';
import type { EscapeApiHandle } from '../../../src/api/index.js';
import type { RecordedRequest, Reply, ScriptedServer } from './scripted-server.js';
import { startScriptedPractice } from './scripted-server.js';

const P = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const JOB = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';
const OTHER_JOB = 'dddddddd-dddd-4ddd-8ddd-dddddddddddd';
const JOBS = `/api/v1/practice/${P}/billing/reports/aging/jobs/`;

let server: ScriptedServer;
let api: EscapeApiHandle;

async function start(route: (req: RecordedRequest) => Reply | undefined): Promise<void> {
  ({ server, api } = await startScriptedPractice(route, { practiceId: P, now: Date.parse('2026-05-14T18:00:00Z') }));
}

afterEach(async () => {
  await api?.close();
  await server?.close();
});

const job = (fields: Record<string, unknown> = {}) => ({
  id: JOB,
  status: 'running',
  progress: 33,
  as_of_date: '2026-05-01',
  result: null,
  ...fields,
});

const buckets = {
  bal_0_30: '10.00',
  bal_31_60: '0.00',
  bal_61_90: '0.00',
  bal_over_90: '5.00',
  balance_total: '15.00',
};
const report = {
  summary: {
    total_ar: '15.00',
    current: '10.00',
    days_31_60: '0.00',
    days_61_90: '0.00',
    over_90: '5.00',
    patient_count: 2,
  },
  top_balances: [],
  by_provider: [{ provider_id: 'p1', provider_name: 'Dr Ana Lima', ...buckets }],
  by_insurance: [{ carrier_id: 'c1', carrier_name: 'Delta Dental', ...buckets }],
};

describe('aging jobs', () => {
  it('starts a job with the date in the body, once, and reads its progress', async () => {
    await start((req) => (req.method === 'POST' && req.path === JOBS ? { status: 202, json: job() } : undefined));
    const started = await api.agingJobs.start(P, '2026-05-01');
    expect(started).toMatchObject({ id: JOB, status: 'running', progress: 33, asOf: '2026-05-01' });
    expect(server.requests.map((r) => [r.method, r.path, r.body])).toEqual([
      ['POST', JOBS, { as_of_date: '2026-05-01' }],
    ]);
  });

  it('does not retry the kick-off after a 503: a second POST could start a second job', async () => {
    await start((req) => (req.method === 'POST' ? { status: 503, json: { detail: 'busy' } } : undefined));
    await expect(api.agingJobs.start(P, '2026-05-01')).rejects.toThrow();
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('reads the report of a complete job', async () => {
    await start((req) =>
      req.path === `${JOBS}${JOB}/` ? { json: job({ status: 'complete', progress: 100, result: report }) } : undefined,
    );
    const done = await api.agingJobs.read(P, JOB);
    expect(done.report?.summary).toEqual({
      total: '15.00',
      current: '10.00',
      days31to60: '0.00',
      days61to90: '0.00',
      over90: '5.00',
      patientCount: 2,
    });
    expect(done.report?.byInsurance[0]).toMatchObject({ name: 'Delta Dental', over90: '5.00', total: '15.00' });
  });

  it('refuses an answer about another job', async () => {
    await start((req) => (req.path === `${JOBS}${JOB}/` ? { json: job({ id: OTHER_JOB }) } : undefined));
    await expect(api.agingJobs.read(P, JOB)).rejects.toBeInstanceOf(InvalidResponse);
  });

  it('refuses a status or an as-of date it does not understand, rather than guessing', async () => {
    await start((req) => (req.path === `${JOBS}${JOB}/` ? { json: job({ status: 'done' }) } : undefined));
    await expect(api.agingJobs.read(P, JOB)).rejects.toBeInstanceOf(UnrecognizedShape);
    server.setHandler((req) =>
      req.path === `${JOBS}${JOB}/` ? { json: job({ as_of_date: 'string' }) } : { status: 404 },
    );
    await expect(api.agingJobs.read(P, JOB)).rejects.toBeInstanceOf(UnrecognizedShape);
  });

  it('refuses a complete job whose report has an unusable figure', async () => {
    const broken = { ...report, summary: { ...report.summary, over_90: 'string' } };
    await start((req) =>
      req.path === `${JOBS}${JOB}/` ? { json: job({ status: 'complete', result: broken }) } : undefined,
    );
    await expect(api.agingJobs.read(P, JOB)).rejects.toThrow(/over_90/);
  });

  it('cancels with DELETE on the job', async () => {
    await start((req) => (req.method === 'DELETE' && req.path === `${JOBS}${JOB}/` ? { status: 204 } : undefined));
    await api.agingJobs.cancel(P, JOB);
    expect(server.requests.map((r) => r.method)).toEqual(['DELETE']);
  });
});
