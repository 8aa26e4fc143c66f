/**
 * Byte-identical answers (issue 19 item 5): a fixed set of read-tool calls, through real MCP
 * clients of both eras → the HTTP server → the sandbox over HTTP, at one pinned instant, must
 * answer exactly what test/fixtures/output-identity.json holds (content and structuredContent).
 * The fixture was written by the code before the CPU-per-call work; a change meant to be
 * invisible to callers must leave every answer as it was.
 *
 * Regenerate only for an intended change of answers: UPDATE_OUTPUT_IDENTITY=1 npx vitest run <this file>.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT, rawGet } from '../helpers/harness.js';
import { type Stack, startStack } from './http-harness.js';

const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'output-identity.json');
const UPDATE = process.env.UPDATE_OUTPUT_IDENTITY === '1';
// 23:30 in Los Angeles on the last day of March, 02:30 the next day in New York: "today" differs
// by zone, the UTC date is already April, and the to-date presets clamp (Mar 31 → Feb 28).
const NOW = '2026-04-01T06:30:00.000Z';

interface Recorded {
  isError: boolean;
  content: unknown;
  structuredContent: unknown;
}

type Calls = [label: string, tool: string, args: Record<string, unknown>][];

function callsFor(stack: Stack, patientId: string, patientName: string): Calls {
  const { la, ny } = stack.sandbox.fixtures.practices;
  const calls: Calls = [
    ['find_spot la 60 min', 'find_spot', { practice: la.id, duration_minutes: 60, max_results: 8 }],
    [
      'find_spot ny mornings',
      'find_spot',
      { practice: ny.id, duration_minutes: 30, when: 'morning', start_date: '2026-04-06', max_results: 5 },
    ],
    ['find_patient by name', 'find_patient', { practice: la.id, name: patientName }],
    ['patient_timeline', 'patient_timeline', { practice: la.id, patient_id: patientId, limit: 30 }],
    ['claims_summary la', 'claims_summary', { practice: la.id }],
    ['claims_summary ny dated', 'claims_summary', { practice: ny.id, date_from: '2026-01-01', date_to: '2026-03-31' }],
    ['day_brief la', 'day_brief', { practice: la.id }],
    ['recall_worklist la', 'recall_worklist', { practice: la.id, limit: 20 }],
    ['claims_worklist la', 'claims_worklist', { practice: la.id, limit: 20 }],
    ['balances_worklist ny', 'balances_worklist', { practice: ny.id, limit: 20 }],
    ['aging_report la', 'aging_report', { practice: la.id }],
    ['missed_visits la', 'missed_visits', { practice: la.id, limit: 20 }],
  ];
  const presets = ['today', 'yesterday', 'this_week', 'last_week', 'month_to_date', 'last_month', 'quarter_to_date'];
  for (const period of [...presets, 'year_to_date']) {
    calls.push([
      `production_report la ${period}`,
      'production_report',
      { practice: la.id, period, compare_previous: true },
    ]);
  }
  calls.push(
    [
      'production_report ny last_n_days',
      'production_report',
      { practice: ny.id, period: 'last_n_days', days: 45, trend: 'week', compare_previous: true },
    ],
    ['kpi_scorecard la', 'kpi_scorecard', { practice: la.id }],
    ['kpi_scorecard ny last_month', 'kpi_scorecard', { practice: ny.id, period: 'last_month' }],
    ['kpi_scorecard la last_week', 'kpi_scorecard', { practice: la.id, period: 'last_week' }],
  );
  return calls;
}

async function record(client: Client, calls: Calls): Promise<Record<string, Recorded>> {
  const answers: Record<string, Recorded> = {};
  for (const [label, name, args] of calls) {
    const result = await client.callTool({ name, arguments: args });
    answers[label] = {
      isError: result.isError === true,
      content: result.content,
      structuredContent: result.structuredContent ?? null,
    };
  }
  return answers;
}

let stack: Stack;
let calls: Calls;
let written = false;

beforeAll(async () => {
  // The server's clock and the sandbox's, pinned together; timers run as usual.
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(NOW));
  stack = await startStack({ sandbox: { now: NOW }, args: ['--auth', 'off'] });
  const la = stack.sandbox.fixtures.practices.la;
  const page = await rawGet<{ results: { id: string; first_name: string; last_name: string }[] }>(
    stack.sandbox,
    `/api/v1/practice/${la.id}/patient/`,
    { page_size: '1' },
  );
  const patient = page.results[0];
  if (!patient) throw new Error('the sandbox has no patients');
  calls = callsFor(stack, patient.id, `${patient.first_name} ${patient.last_name}`);
});

afterAll(async () => {
  await stack?.close();
  vi.useRealTimers();
});

describe('tool answers stay byte-identical', () => {
  it.each(['modern', 'legacy'] as const)('%s client: every answer equals the fixture', async (kind) => {
    const client = await stack.connect(kind);
    const answers = await record(client, calls);
    // The set must exercise both answers and refusals no more than it did when recorded.
    expect(Object.values(answers).filter((a) => !a.isError).length).toBeGreaterThan(calls.length - 3);
    const serialized = `${JSON.stringify(answers, null, 2)}\n`;
    // The first era written is the one the other is compared with.
    if (UPDATE && !written) {
      mkdirSync(dirname(FIXTURE), { recursive: true });
      writeFileSync(FIXTURE, serialized);
      written = true;
    }
    if (!existsSync(FIXTURE)) throw new Error(`${FIXTURE} is missing: write it with UPDATE_OUTPUT_IDENTITY=1.`);
    const expected = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, Recorded>;
    expect(Object.keys(answers)).toEqual(Object.keys(expected));
    for (const label of Object.keys(expected)) expect(answers[label], label).toEqual(expected[label]);
    expect(serialized).toBe(readFileSync(FIXTURE, 'utf8'));
  });
});
