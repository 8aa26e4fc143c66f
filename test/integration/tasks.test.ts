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
import { mapBounded } from '../../src/tools/framework/fan-out.js';
import type { ToolDefinition } from '../../src/tools/framework/types.js';
import { CATALOG } from '../../src/tools/registry.js';
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
let rollupPractices: string[] = [];
let asOf: string;

const rollupOutput = z.object({ practices: z.array(z.object({ id: z.string(), production: z.string().nullable() })) });

/**
 * Test-only: the shape of a DSO roll-up (dso_overview opts in at merge) — one upstream read per
 * practice of the group through mapBounded, one at a time, each settled read reported as progress.
 */
const rollupProbe: ToolDefinition<z.ZodObject, typeof rollupOutput> = {
  name: 'rollup_probe',
  toolset: 'reports',
  title: 'Roll-up probe',
  description: 'Test-only: production of each practice of the group, read one practice at a time.',
  inputSchema: z.object({}),
  outputSchema: rollupOutput,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  requiredScopes: ['reports:read'],
  writes: false,
  operations: ['billing.production'],
  task: 'optional',
  async handler(context) {
    const range = { from: asOf, to: asOf };
    const practices = await mapBounded(
      context,
      rollupPractices,
      async (id) => {
        try {
          const report = await context.api.billing.productionReport(id, { range }, { signal: context.signal });
          return { id, production: report.summary.totalProduction };
        } catch (error) {
          if (context.signal.aborted) throw error;
          return { id, production: null };
        }
      },
      { concurrency: 1, label: 'practices read' },
    );
    return { structured: { practices }, summary: `${practices.length} practices read.` };
  },
};
const clients: TaskClient[] = [];

async function taskClient(key = OWNER_KEY): Promise<TaskClient> {
  const client = await connectTaskClient(stack.http.mcpUrl, bearer(key));
  clients.push(client);
  return client;
}

const jobsPath = () => `/api/v1/practice/${la.id}/billing/reports/aging/jobs/`;

beforeAll(async () => {
  stack = await startStack({
    http: { tools: [...CATALOG, rollupProbe] },
    keys: (sandbox) => [
      { id: 'owner', key: OWNER_KEY, practices: [sandbox.fixtures.practices.la.id], scopes: READ_SCOPES },
      { id: 'other', key: OTHER_KEY, practices: [sandbox.fixtures.practices.la.id], scopes: READ_SCOPES },
    ],
  });
  la = stack.sandbox.fixtures.practices.la;
  const { ny, chicago } = stack.sandbox.fixtures.practices;
  rollupPractices = [la.id, ny.id, chicago.id];
  asOf = (await stack.sandbox.control.clock()).now.slice(0, 10);
});

afterEach(async () => {
  await stack.sandbox.control.setQuirks(DEFAULT_QUIRKS);
  await stack.sandbox.control.clearFaults();
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

describe('a roll-up over the 3 practices of a group, as a task', () => {
  const productionPath = (id: string) => `/api/v1/practice/${id}/billing/reports/production/`;

  it('reports each practice read as progress and completes with every practice’s figure', async () => {
    // Slow enough reads that the task is seen between them.
    await stack.sandbox.control.setFaults({ path: '/billing/reports/production/$', latencyMs: 300 });
    const client = await taskClient();
    const created = await client.callAsTask('rollup_probe', { practice: la.name });
    const { task, messages } = await client.settle(created.taskId as string);
    expect(task.status).toBe('completed');
    expect(messages.some((m) => /^practices read: [12] of 3 done$/.test(m))).toBe(true);
    expect(messages.at(-1)).toBe('practices read: 3 of 3 done');

    const rows = rollupOutput.parse(task.result?.structuredContent).practices;
    expect(rows.map((r) => r.id)).toEqual(rollupPractices);
    for (const row of rows.slice(0, 2)) {
      const raw = await rawGet<{ summary: { total_production: string } }>(stack.sandbox, productionPath(row.id), {
        date_from: asOf,
        date_to: asOf,
      });
      expect(row.production).toBe(raw.summary.total_production);
    }
  });

  it('cancels between practices: the practices not yet read are never read', async () => {
    await stack.sandbox.control.setFaults({ path: '/billing/reports/production/$', latencyMs: 1500 });
    const client = await taskClient();
    const since = await stack.sandbox.control.lastSeq();
    const created = await client.callAsTask('rollup_probe', { practice: la.name });
    const taskId = created.taskId as string;
    await waitFor(
      async () => (await client.get(taskId)).statusMessage === 'practices read: 1 of 3 done',
      'one practice read',
    );
    await client.cancel(taskId);
    expect((await client.get(taskId)).status).toBe('cancelled');

    // Longer than a read's latency passes (a whole aging job, read until done) before looking.
    await stack.sandbox.control.clearFaults();
    const after = await client.callAsTask('aging_report', { practice: la.name, as_of_date: asOf });
    expect((await client.settle(after.taskId as string)).task.status).toBe('completed');
    const reads = (await stack.sandbox.control.requests(since)).map((r) => r.path);
    const [first, , third] = rollupPractices.map((id) => reads.filter((p) => p === productionPath(id)).length);
    expect(first).toBe(1);
    expect(third).toBe(0);
    expect((await client.get(taskId)).status).toBe('cancelled');
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
