/**
 * Long reports as MCP tasks (issue 18 item 5), through the real HTTP server against the sandbox
 * over real HTTP: aging_report runs Escape Dental's aging-report job as a task for a 2026-07-28
 * client with the tasks extension (progress, result, cancel), stays its owner's, and answers a
 * client without tasks synchronously — or, when the job outlasts a call, says to use tasks.
 * Expectations come from the sandbox's own synchronous aging report and its request log.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_QUIRKS } from '../../src/sandbox/index.js';
import { rawGet } from '../helpers/harness.js';
import { connectTaskClient, type TaskClient } from '../helpers/tasks-client.js';
import { type Stack, startStack, textOf, waitFor } from './http-harness.js';

const READ_SCOPES = ['scheduling:read', 'patients:read', 'insurance:read', 'reports:read'];
const OWNER_KEY = 'edm_tasks-owner-key-00000000000000000';
const OTHER_KEY = 'edm_tasks-other-key-00000000000000000';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

interface RawAging {
  summary: Record<string, string | number>;
  by_insurance: { carrier_name: string; balance_total: string }[];
}

let stack: Stack;
let la: { id: string; name: string };
let asOf: string;
const clients: TaskClient[] = [];

async function taskClient(key = OWNER_KEY): Promise<TaskClient> {
  const client = await connectTaskClient(stack.http.mcpUrl, bearer(key));
  clients.push(client);
  return client;
}

const jobsPath = () => `/api/v1/practice/${la.id}/billing/reports/aging/jobs/`;

beforeAll(async () => {
  stack = await startStack({
    keys: (sandbox) => [
      { id: 'owner', key: OWNER_KEY, practices: [sandbox.fixtures.practices.la.id], scopes: READ_SCOPES },
      { id: 'other', key: OTHER_KEY, practices: [sandbox.fixtures.practices.la.id], scopes: READ_SCOPES },
    ],
  });
  la = stack.sandbox.fixtures.practices.la;
  asOf = (await stack.sandbox.control.clock()).now.slice(0, 10);
});

afterEach(async () => {
  await stack.sandbox.control.setQuirks(DEFAULT_QUIRKS);
});

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await stack?.close();
});

async function rawAging(): Promise<RawAging> {
  return rawGet<RawAging>(stack.sandbox, `/api/v1/practice/${la.id}/billing/reports/aging/`, { as_of_date: asOf });
}

function expectSummaryOf(structured: Record<string, unknown>, raw: RawAging) {
  expect(structured.as_of).toBe(asOf);
  expect(structured.summary).toMatchObject({
    total: raw.summary.total_ar,
    current: raw.summary.current,
    days_31_60: raw.summary.days_31_60,
    days_61_90: raw.summary.days_61_90,
    over_90: raw.summary.over_90,
    patient_count: raw.summary.patient_count,
  });
  const carriers = (structured.by_insurance as { total: string }[]).map((row) => row.total);
  const rawCarriers = raw.by_insurance
    .map((row) => row.balance_total)
    .sort((a, b) => Number(b) - Number(a))
    .slice(0, 10);
  expect(carriers).toEqual(rawCarriers);
}

describe('aging_report as an MCP task', () => {
  it('creates a task, shows the job’s progress, and completes with the figures of the aging report', async () => {
    const client = await taskClient();
    const since = await stack.sandbox.control.lastSeq();
    const created = await client.callAsTask('aging_report', { practice: la.name, as_of_date: asOf });
    expect(created.resultType).toBe('task');
    expect(created).not.toHaveProperty('content');
    const { task, messages } = await client.settle(created.taskId as string);

    expect(task.status).toBe('completed');
    expect(messages.some((m) => /computing the aging report: \d+ of 100 done/.test(m))).toBe(true);
    expect(task.result?.isError).toBeFalsy();
    expectSummaryOf(task.result?.structuredContent ?? {}, await rawAging());

    // One job started, read until it finished, and nothing read after that.
    const requests = (await stack.sandbox.control.requests(since)).filter((r) => r.path.startsWith(jobsPath()));
    expect(requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    const reads = requests.filter((r) => r.method === 'GET');
    expect(reads.length).toBeGreaterThanOrEqual(1);
    expect(new Set(reads.map((r) => r.path)).size).toBe(1);
  });

  it('cancels mid-way: the task says cancelled, the job is cancelled upstream, and nothing more is read', async () => {
    await stack.sandbox.control.setQuirks({ agingJobs: 'stuck' });
    const client = await taskClient();
    const since = await stack.sandbox.control.lastSeq();
    const created = await client.callAsTask('aging_report', { practice: la.name, as_of_date: asOf });
    const taskId = created.taskId as string;
    // `stuck` reports 50% once the job has been read: the task is mid-way.
    await waitFor(async () => (await client.get(taskId)).statusMessage?.includes('50 of 100'), 'a progress report');

    const ack = await client.cancel(taskId);
    expect(Object.keys(ack).filter((k) => k !== '_meta')).toEqual([]);
    expect((await client.get(taskId)).status).toBe('cancelled');

    const jobRequests = async () =>
      (await stack.sandbox.control.requests(since)).filter(
        (r) => r.path.startsWith(jobsPath()) && r.path !== jobsPath(),
      );
    const cancelled = await waitFor(
      async () => (await jobRequests()).find((r) => r.method === 'DELETE'),
      'the job cancelled upstream',
    );
    expect(cancelled.status).toBe(204);

    // A whole job run to completion afterwards (several poll intervals) gives a late read the time to show.
    await stack.sandbox.control.setQuirks(DEFAULT_QUIRKS);
    const after = await client.callAsTask('aging_report', { practice: la.name, as_of_date: asOf });
    expect((await client.settle(after.taskId as string)).task.status).toBe('completed');
    const lateReads = (await jobRequests()).filter(
      (r) => r.path === cancelled.path && r.method === 'GET' && r.seq > cancelled.seq,
    );
    expect(lateReads).toEqual([]);
    expect((await client.get(taskId)).status).toBe('cancelled');
  });

  it('keeps a task to its principal: another key can neither read nor cancel it', async () => {
    await stack.sandbox.control.setQuirks({ agingJobs: 'stuck' });
    const owner = await taskClient(OWNER_KEY);
    const other = await taskClient(OTHER_KEY);
    const created = await owner.callAsTask('aging_report', { practice: la.name, as_of_date: asOf });
    const taskId = created.taskId as string;

    await expect(other.get(taskId)).rejects.toMatchObject({ code: -32602 });
    await expect(other.cancel(taskId)).rejects.toMatchObject({ code: -32602 });
    expect((await owner.get(taskId)).status).toBe('working');

    await owner.cancel(taskId);
    expect((await owner.get(taskId)).status).toBe('cancelled');
  });

  it('refuses tasks/get from a client that did not declare the extension (-32021)', async () => {
    const owner = await taskClient();
    const created = await owner.callAsTask('aging_report', { practice: la.name, as_of_date: asOf });
    const plain = await stack.connect('modern', bearer(OWNER_KEY));
    await expect(
      plain.request({ method: 'tasks/get', params: { taskId: created.taskId } }, z.looseObject({})),
    ).rejects.toMatchObject({ code: -32021 });
    await owner.settle(created.taskId as string);
  });
});

describe('aging_report for clients without tasks', () => {
  for (const kind of ['legacy', 'modern'] as const) {
    it(`answers a ${kind === 'legacy' ? '2025' : '2026-07-28 (no extension)'} client synchronously with the same figures`, async () => {
      const client = await stack.connect(kind, bearer(OWNER_KEY));
      const result = await client.callTool({
        name: 'aging_report',
        arguments: { practice: la.name, as_of_date: asOf },
      });
      expect(result.isError).toBeFalsy();
      expectSummaryOf(result.structuredContent as Record<string, unknown>, await rawAging());
    });
  }
});

describe('a job that outlasts a plain call', () => {
  let short: Stack;
  beforeAll(async () => {
    short = await startStack({
      args: ['--tool-timeout-ms', '1500'],
      keys: (sandbox) => [
        { id: 'owner', key: OWNER_KEY, practices: [sandbox.fixtures.practices.la.id], scopes: READ_SCOPES },
      ],
      sandbox: { quirks: { agingJobs: 'stuck' } },
    });
  });
  afterAll(async () => {
    await short?.close();
  });

  it('says to ask from a client with tasks, and cancels the job upstream', async () => {
    const practice = short.sandbox.fixtures.practices.la;
    const client = await short.connect('legacy', bearer(OWNER_KEY));
    const result = await client.callTool({ name: 'aging_report', arguments: { practice: practice.name } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('Ask again from a client that supports MCP tasks');
    const cancelled = await waitFor(
      async () =>
        (await short.sandbox.control.requests(0)).find(
          (r) =>
            r.method === 'DELETE' && r.path.startsWith(`/api/v1/practice/${practice.id}/billing/reports/aging/jobs/`),
        ),
      'the job cancelled upstream',
    );
    expect(cancelled.status).toBe(204);
  });
});
