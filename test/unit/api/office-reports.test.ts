/**
 * The office-report reads check what comes back against what was asked, against a scripted
 * upstream: log rows of another claim, balance rows under the minimum or outside the bucket,
 * utilization rows for other dates and patients whose first visit is outside the range are left
 * out and said; a client report that answers for other dates says so; unusable figures degrade
 * only their practice row.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Divergence, describeDivergences, recordDivergences } from '../../../src/api/divergence.js';
import type { EscapeApiHandle } from '../../../src/api/index.js';
import type { RecordedRequest, Reply, ScriptedServer } from './scripted-server.js';
import { startScriptedPractice } from './scripted-server.js';

const P = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const PATIENT = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const CLAIM = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';
const OTHER = 'dddddddd-dddd-4ddd-8ddd-dddddddddddd';
const CLIENT = 'eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee';
const BASE = `/api/v1/practice/${P}`;
const NOW = Date.parse('2026-05-14T18:00:00Z');
const RANGE = { from: '2026-05-01', to: '2026-05-13' };

let server: ScriptedServer;
let api: EscapeApiHandle;

async function start(route: (req: RecordedRequest) => Reply | undefined) {
  ({ server, api } = await startScriptedPractice(route, { practiceId: P, now: NOW }));
}

afterEach(async () => {
  await api?.close();
  await server?.close();
});

async function recorded<T>(read: () => Promise<T>): Promise<{ value: T; said: string }> {
  const records: Divergence[] = [];
  const value = await recordDivergences(records, read);
  const { partial, notes } = describeDivergences(records);
  return { value, said: [...partial, ...notes].join('\n') };
}

const page = (results: unknown[]) => ({ json: { count: results.length, next: null, previous: null, results } });
const balance = (id: string, total: string, over90: string) => ({
  patient_id: id,
  patient_name: 'X',
  balance_total: total,
  bal_0_30: '0.00',
  bal_31_60: '0.00',
  bal_61_90: '0.00',
  bal_over_90: over90,
  last_payment_date: null,
  last_payment_amount: null,
});

describe('office reports: answers checked against the ask', () => {
  it('leaves out claim log rows of another claim and says so', async () => {
    await start((req) =>
      req.path === `${BASE}/patient/${PATIENT}/insurance/claim/${CLAIM}/log/`
        ? page([
            { id: '1', claim: CLAIM, to_status: 'submitted', changed_at: '2026-05-02T10:00:00Z', note: '' },
            { id: '2', claim: OTHER, to_status: 'paid', changed_at: '2026-05-09T10:00:00Z', note: '' },
          ])
        : undefined,
    );
    const { value, said } = await recorded(() => api.officeReports.claimLog(P, PATIENT, CLAIM));
    expect(value.map((e) => e.toStatus)).toEqual(['submitted']);
    expect(said).toMatch(/claim log entr.*of another claim than asked/);
  });

  it('leaves out balance rows under the minimum or with nothing in the bucket asked for', async () => {
    await start((req) =>
      req.path === `${BASE}/billing/reports/patient-balance/`
        ? page([balance('p1', '500.00', '500.00'), balance('p2', '5.00', '5.00'), balance('p3', '300.00', '0.00')])
        : undefined,
    );
    const { value, said } = await recorded(() =>
      api.officeReports.patientBalances(P, { minBalance: '10.00', bucket: 'over_90', limit: 100 }),
    );
    expect(value.rows.map((r) => r.patientId)).toEqual(['p1']);
    expect(said).toMatch(/under the minimum balance/);
    expect(said).toMatch(/nothing in the bucket asked for/);
    expect(server.requests.at(-1)?.query.get('bucket')).toBe('over_90');
  });

  it('leaves out utilization rows for other dates and new patients outside the range', async () => {
    await start((req) => {
      if (req.path === `${BASE}/scheduling/reports/provider-utilization/`) {
        return {
          json: {
            results: [
              {
                provider_id: 'a',
                bucket_start: RANGE.from,
                bucket_end: RANGE.to,
                available_hours: '10.00',
                scheduled_hours: '5.00',
              },
              {
                provider_id: 'a',
                bucket_start: '2026-04-01',
                bucket_end: '2026-04-30',
                available_hours: '99.00',
                scheduled_hours: '99.00',
              },
            ],
          },
        };
      }
      if (req.path === `${BASE}/patient/`) {
        return page([
          { id: 'n1', first_visit_date: '2026-05-13' },
          { id: 'n2', first_visit_date: '2026-05-14' },
          { id: 'n3', first_visit_date: null },
        ]);
      }
      return undefined;
    });
    const util = await recorded(() => api.officeReports.providerUtilization(P, RANGE));
    expect(util.value).toEqual([{ providerId: 'a', availableHours: '10.00', scheduledHours: '5.00' }]);
    expect(util.said).toMatch(/utilization row.*for other dates/);
    const fresh = await recorded(() => api.officeReports.newPatients(P, RANGE));
    expect(fresh.value.patientIds).toEqual(['n1']);
    expect(fresh.said).toMatch(/first visit is not within 2026-05-01 to 2026-05-13/);
  });

  it('says when a client report answered for other dates, and leaves out only the unusable practice row', async () => {
    await start((req) =>
      req.path === `/api/v1/clients/${CLIENT}/reports/case-acceptance/`
        ? {
            json: {
              date_from: '2026-04-14',
              date_to: '2026-05-14',
              practices: [
                {
                  practice_id: P,
                  practice_name: 'A',
                  presented_amount: '100.00',
                  accepted_amount: '50.00',
                  acceptance_rate_pct: '50.00',
                },
                {
                  practice_id: OTHER,
                  practice_name: 'B',
                  presented_amount: 'string',
                  accepted_amount: '0.00',
                  acceptance_rate_pct: '0.00',
                },
              ],
            },
          }
        : undefined,
    );
    const answer = await api.officeReports.clientReport(CLIENT, 'caseAcceptance', { range: RANGE });
    expect(answer.range).toEqual({ from: '2026-04-14', to: '2026-05-14' });
    expect(answer.warnings.join('\n')).toMatch(/answered for 2026-04-14 to 2026-05-14 instead of/);
    expect([...answer.practices.keys()]).toEqual([P]);
    expect(answer.warnings.join('\n')).toMatch(/1 practice row of the caseAcceptance report could not be read/);
    expect(server.requests.at(-1)?.query.get('start_date')).toBe(RANGE.from);
  });
});
