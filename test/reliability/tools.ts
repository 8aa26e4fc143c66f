/**
 * The four tools as the reliability, security and isolation suites call them: arguments for the
 * Los Angeles fixture practice, and the one upstream route each call requests exactly once (the
 * route a suite injects faults on and counts in the sandbox request log).
 */
import { DateTime } from 'luxon';
import type { RunningSandbox } from '../../src/sandbox/index.js';

export interface ToolCase {
  name: 'find_spot' | 'patient_timeline' | 'claims_summary' | 'production_report';
  args: Record<string, unknown>;
  /** Path (regular-expression source) of the upstream route this call requests once. */
  route: string;
}

export function toolCases(sandbox: RunningSandbox): ToolCase[] {
  const la = sandbox.fixtures.practices.la;
  // A fixed window in the future: the answer does not move while the suite runs.
  const start = DateTime.now().setZone('America/Los_Angeles').plus({ days: 21 }).toISODate() as string;
  return [
    {
      name: 'find_spot',
      args: { practice: la.name, duration_minutes: 60, start_date: start, max_results: 5 },
      route: '/scheduling/find-spot/',
    },
    {
      name: 'patient_timeline',
      args: { practice: la.name, patient_id: la.patients.timeline, limit: 10 },
      route: '/clinical/timeline/',
    },
    { name: 'claims_summary', args: { practice: la.name, oldest: 3 }, route: '/insurance/claims/summary/' },
    {
      name: 'production_report',
      args: { practice: la.name, period: 'last_month' },
      route: '/billing/reports/production/',
    },
  ];
}

/** structuredContent without what legitimately changes between two calls (the clock). */
export function stable(structured: unknown): unknown {
  return JSON.parse(JSON.stringify(structured ?? null), (key, value) => (key === 'as_of' ? undefined : value));
}
