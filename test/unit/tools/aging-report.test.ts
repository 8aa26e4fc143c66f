/**
 * aging_report's decisions on answers the sandbox does not give: a job aged at another date than
 * asked, buckets that do not add up to the total, a failed job; and the one figure it computes.
 */
import { describe, expect, it } from 'vitest';
import type { EscapeApi } from '../../../src/api/port.js';
import type { AgingJob, AgingJobsPort, AgingReport } from '../../../src/api/resources/aging-jobs.js';
import { scopeFor } from '../../../src/tenancy/practice.js';
import type { PracticeRef } from '../../../src/tenancy/types.js';
import { invokeTool } from '../../../src/tools/framework/invoke.js';
import { agingReport } from '../../../src/tools/reports/aging-report.js';
import { invokeDeps } from './invoke-deps.js';

const A: PracticeRef = {
  id: '11111111-1111-4111-8111-111111111111',
  name: 'Alpha Dental',
  timezone: 'America/Los_Angeles',
};
const JOB = '33333333-3333-4333-8333-333333333333';

const row = { current: '10.00', days31to60: '0.00', days61to90: '0.00', over90: '5.00', total: '15.00' };
const REPORT: AgingReport = {
  summary: { ...row, patientCount: 2 },
  byProvider: [{ id: 'p1', name: 'Dr Ana Lima', ...row }],
  byInsurance: [{ id: 'c1', name: 'Delta Dental', ...row }],
};

/** A job that is complete at creation, with `overrides`. */
function jobs(overrides: Partial<AgingJob>): AgingJobsPort {
  const done: AgingJob = {
    id: JOB,
    status: 'complete',
    progress: 100,
    asOf: '2026-11-01',
    report: REPORT,
    ...overrides,
  };
  return {
    start: async () => done,
    read: async () => done,
    cancel: async () => {},
  };
}

function run(port: AgingJobsPort, args: Record<string, unknown> = { as_of_date: '2026-11-01' }) {
  const deps = invokeDeps(scopeFor([A]), { api: { agingJobs: port } as unknown as EscapeApi });
  return invokeTool(agingReport, args, deps);
}

describe('aging_report', () => {
  it('names the date Escape Dental aged the balances at when it is not the one asked for', async () => {
    const outcome = await run(jobs({ asOf: '2026-10-31' }));
    expect(outcome.kind).toBe('ok');
    if (outcome.kind !== 'ok') return;
    expect(outcome.structured).toMatchObject({ as_of: '2026-10-31', requested_as_of: '2026-11-01' });
    expect(outcome.text).toContain('as of 2026-10-31, not 2026-11-01 as asked');
  });

  it('says so when the buckets do not add up to the total, and shows both as reported', async () => {
    const report = { ...REPORT, summary: { ...REPORT.summary, total: '20.00' } };
    const outcome = await run(jobs({ report }));
    expect(outcome.kind).toBe('ok');
    expect(outcome.kind === 'ok' && outcome.text).toContain('The buckets add up to $15.00, not the total of $20.00');
  });

  it('refuses a failed job with a plain message', async () => {
    const outcome = await run(jobs({ status: 'failed', report: undefined }));
    expect(outcome).toEqual({ kind: 'error', text: expect.stringContaining('could not compute the aging report') });
  });

  it('computes over 90 as a share of A/R and labels it as computed', async () => {
    const outcome = await run(jobs({}));
    expect(outcome.kind === 'ok' && outcome.structured.summary).toMatchObject({ over_90_pct: '33.33' });
    expect(outcome.kind === 'ok' && outcome.text).toContain('over_90_pct = over 90 ÷ total A/R, computed here');
  });
});
