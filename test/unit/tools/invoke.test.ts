import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ReferenceCache } from '../../../src/api/cache.js';
import { type Divergence, noteDivergence } from '../../../src/api/divergence.js';
import { PracticeInactive, RequestAborted, UpstreamUnavailable } from '../../../src/api/errors.js';
import type { ProductionReport, ProductionTrending } from '../../../src/api/port.js';
import { decideTool, NO_GATES } from '../../../src/gates/decision.js';
import { noMetrics, upstreamObserver } from '../../../src/telemetry.js';
import { scopeFor } from '../../../src/tenancy/practice.js';
import type { PracticeRef, Principal } from '../../../src/tenancy/types.js';
import { ToolInputError } from '../../../src/tools/framework/errors.js';
import { type InvokeDependencies, invokeTool } from '../../../src/tools/framework/invoke.js';
import type { AnyToolDefinition } from '../../../src/tools/framework/types.js';
import { productionReport } from '../../../src/tools/reports/production-report.js';
import { fakeApi } from '../../helpers/fake-api.js';
import { invokeDeps } from './invoke-deps.js';

const A: PracticeRef = {
  id: '11111111-1111-4111-8111-111111111111',
  name: 'Alpha Dental',
  timezone: 'America/Los_Angeles',
};
const B: PracticeRef = {
  id: '22222222-2222-4222-8222-222222222222',
  name: 'Beta Dental',
  timezone: 'America/New_York',
};
const local: Principal = { id: 'local', kind: 'local', practiceIds: 'all', scopes: 'all', readOnly: false };

function echoTool(overrides: Partial<AnyToolDefinition> = {}): AnyToolDefinition {
  return {
    name: 'echo_practice',
    toolset: 'scheduling',
    title: 'Echo',
    description: 'Echoes the practice it ran for.',
    inputSchema: z.object({}),
    outputSchema: z.object({ practice: z.string() }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    requiredScopes: ['scheduling:read'],
    writes: false,
    operations: [],
    handler: async (context) => {
      context.notePatient('33333333-3333-4333-8333-333333333333');
      return { structured: { practice: context.practice.id }, summary: context.practice.name };
    },
    ...overrides,
  };
}

function deps(overrides: Partial<InvokeDependencies> = {}): InvokeDependencies & { logs: () => string[] } {
  return invokeDeps(scopeFor([A, B]), { principal: local, ...overrides });
}

const audits = (lines: string[]) => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.audit);

describe('invokeTool', () => {
  it('resolves the practice argument by name fragment and writes one ids-only audit line', async () => {
    const d = deps();
    const outcome = await invokeTool(echoTool(), { practice: 'beta' }, d);
    expect(outcome).toEqual({ kind: 'ok', structured: { practice: B.id }, text: B.name });
    const [audit] = audits(d.logs());
    expect(audit).toMatchObject({
      tool: 'echo_practice',
      practiceId: B.id,
      outcome: 'ok',
      upstreamRequests: 0,
      patientIds: ['33333333-3333-4333-8333-333333333333'],
    });
  });

  it('asks which practice when several are available and none is named', async () => {
    const outcome = await invokeTool(echoTool(), {}, deps());
    expect(outcome).toMatchObject({ kind: 'error' });
    expect(outcome.kind === 'error' && outcome.text).toMatch(/Say which practice.*Alpha Dental.*Beta Dental/);
  });

  it('explains a disabled practice without calling the handler', async () => {
    let ran = false;
    const tool = echoTool({
      handler: async () => {
        ran = true;
        return { structured: {}, summary: '' };
      },
    });
    const C: PracticeRef = {
      id: '44444444-4444-4444-8444-444444444444',
      name: 'Gamma Dental',
      timezone: 'America/Chicago',
    };
    const d = deps({ practices: scopeFor([A, C], undefined, [{ id: B.id, name: B.name }]) });
    const outcome = await invokeTool(tool, { practice: B.id }, d);
    expect(outcome.kind === 'error' && outcome.text).toMatch(/Beta Dental is disabled in Escape Dental/);
    expect(ran).toBe(false);
  });

  it('a practice whose time zone is not an IANA name: a clear error for that practice, the handler never runs, others still work', async () => {
    let ran = 0;
    const tool = echoTool({
      handler: async (context) => {
        ran += 1;
        return { structured: { practice: context.practice.id }, summary: context.practice.name };
      },
    });
    const odd: PracticeRef = {
      id: '55555555-5555-4555-8555-555555555555',
      name: 'Delta Dental',
      timezone: 'Pacific Time',
    };
    const d = deps({ practices: scopeFor([A, odd]) });
    const refused = await invokeTool(tool, { practice: odd.name }, d);
    expect(refused.kind === 'error' && refused.text).toMatch(
      /Delta Dental cannot be used: Escape Dental has no usable time zone for it \("Pacific Time" is not an IANA zone name.*Ask an administrator/,
    );
    expect(ran).toBe(0);
    expect(await invokeTool(tool, { practice: A.name }, d)).toMatchObject({ kind: 'ok' });
    expect(ran).toBe(1);
  });

  it('refuses at call time what the gates refuse, even if the client still lists the tool', async () => {
    const d = deps({
      gatesFor: (p) =>
        p.id === A.id ? { upstreamDisabled: new Set(['echo_practice']), locallyDisabled: new Set() } : NO_GATES,
    });
    const refused = await invokeTool(echoTool(), { practice: A.id }, d);
    expect(refused.kind === 'error' && refused.text).toMatch(/turned off for Alpha Dental/);
    expect(await invokeTool(echoTool(), { practice: B.id }, d)).toMatchObject({ kind: 'ok' });
    expect(audits(d.logs()).map((a) => a.outcome)).toEqual(['refused', 'ok']);
  });

  it('maps upstream errors to safe, actionable messages and unexpected ones to a generic message', async () => {
    const failing = (error: unknown) => echoTool({ handler: async () => Promise.reject(error) });
    const d = deps();
    const inactive = await invokeTool(failing(new PracticeInactive()), { practice: A.id }, d);
    expect(inactive.kind === 'error' && inactive.text).toMatch(/disabled in Escape Dental/);
    const down = await invokeTool(
      failing(new UpstreamUnavailable('The Escape Dental API is unavailable; retry in 30 s.')),
      { practice: A.id },
      d,
      undefined,
    );
    expect(down.kind === 'error' && down.text).toMatch(/unavailable/);
    const bug = await invokeTool(
      failing(new TypeError('Cannot read properties of undefined (reading "first_name")')),
      { practice: A.id },
      d,
      undefined,
    );
    expect(bug.kind === 'error' && bug.text).toMatch(/Something went wrong inside the server/);
    expect(bug.kind === 'error' && bug.text).not.toMatch(/first_name|TypeError/);
  });

  it('stops a handler at the tool deadline with a retry-able message', async () => {
    const slow = echoTool({
      handler: (context) =>
        new Promise((_resolve, reject) =>
          context.signal.addEventListener('abort', () => reject(context.signal.reason)),
        ),
    });
    const outcome = await invokeTool(slow, { practice: A.id }, deps({ toolTimeoutMs: 50 }));
    expect(outcome.kind === 'error' && outcome.text).toMatch(/took longer than .* try again/i);
  });

  it("a client's cancel is no deadline, and a call lets go of the client's signal when it answers", async () => {
    const client = new AbortController();
    const waiting = echoTool({
      handler: (context) =>
        new Promise((_resolve, reject) => {
          // As the API client fails a request whose signal aborts.
          context.signal.addEventListener('abort', () => reject(new RequestAborted()));
          client.abort();
        }),
    });
    const none = { answer: 'none', supported: false } as const;
    const cancelled = await invokeTool(waiting, { practice: A.id }, deps(), {
      signal: client.signal,
      confirmation: none,
    });
    expect(cancelled.kind).toBe('error');
    expect(cancelled.kind === 'error' && cancelled.text).not.toMatch(/took longer/i);
    const open = new AbortController();
    const answered = await invokeTool(echoTool(), { practice: A.id }, deps(), {
      signal: open.signal,
      confirmation: none,
    });
    expect(answered.kind).toBe('ok');
    expect(getEventListeners(open.signal, 'abort')).toHaveLength(0);
  });
});

describe('decideTool', () => {
  const write = echoTool({ name: 'book_something', writes: true, requiredScopes: ['scheduling:write'] });
  it('checks upstream gates, then local policy, then scopes, then read-only', () => {
    const both = { upstreamDisabled: new Set(['book_something']), locallyDisabled: new Set(['book_something']) };
    expect(decideTool(write, local, A, both)).toMatchObject({ allowed: false, reason: 'upstream_gate' });
    expect(decideTool(write, local, A, { ...both, upstreamDisabled: new Set() })).toMatchObject({
      reason: 'local_policy',
    });
    const reader: Principal = { ...local, scopes: ['scheduling:read'] };
    expect(decideTool(write, reader, A, NO_GATES)).toMatchObject({ reason: 'missing_scope' });
    expect(decideTool(write, { ...local, readOnly: true }, A, NO_GATES)).toMatchObject({ reason: 'read_only' });
    expect(decideTool(write, local, A, NO_GATES)).toEqual({ allowed: true });
  });

  it('keeps write tools off until the practice gate rows have been read once, and serves reads', () => {
    const unknown = { upstreamDisabled: new Set<string>(), locallyDisabled: new Set<string>(), upstreamKnown: false };
    expect(decideTool(write, local, A, unknown)).toMatchObject({ allowed: false, reason: 'upstream_gate' });
    expect(decideTool(echoTool(), local, A, unknown)).toEqual({ allowed: true });
  });
});

describe('production_report concurrency', () => {
  it('asks for the report and the trend at the same time', async () => {
    // The fake report does not answer until the trend has been requested: sequential code would hang.
    let trendRequested!: () => void;
    const trendAsked = new Promise<void>((resolve) => (trendRequested = resolve));
    const report: ProductionReport = {
      range: { from: '2026-10-01', to: '2026-10-31' },
      requestedRange: { from: '2026-10-01', to: '2026-10-31' },
      summary: {
        totalProduction: '100.00',
        totalCollections: '50.00',
        totalAdjustments: '0.00',
        netProduction: '100.00',
        procedureCount: 1,
      },
      byProvider: [],
      byProcedure: [
        {
          procCode: 'D1110',
          description: 'Prophylaxis - adult',
          count: 1,
          totalProduction: '100.00',
          avgFee: '100.00',
        },
      ],
      warnings: [],
    };
    const trending: ProductionTrending = {
      range: report.range,
      requestedRange: report.range,
      bucket: 'week',
      metrics: ['production'],
      rows: [
        {
          bucketStart: '2026-10-01',
          bucketEnd: '2026-10-31',
          appointmentCount: 1,
          values: { production: '100.00', collections: '50.00' },
        },
      ],
      totals: { production: '100.00' },
      warnings: [],
    };
    const api = fakeApi({
      reference: { providers: async () => [] },
      billing: {
        productionReport: async () => {
          await trendAsked;
          return report;
        },
        productionTrending: async () => {
          trendRequested();
          return trending;
        },
      },
    });
    const outcome = await invokeTool(
      productionReport,
      { practice: A.id, period: 'last_month', trend: 'week' },
      deps({ api, toolTimeoutMs: 2000 }),
      undefined,
    );
    expect(outcome.kind).toBe('ok');
  });
});

describe('what the API did differently, in every answer (issue 14 item 1)', () => {
  const partial: Divergence = {
    kind: 'partial',
    list: 'claims',
    noun: ['claim', 'claims'],
    received: 1,
    counted: 123,
    reason: 'count',
    pages: 1,
  };
  const leftOut: Divergence = {
    kind: 'left-out',
    noun: ['claim', 'claims'],
    rows: ['c1', 'c2', 'c3', 'c4'],
    outside: 'of another status',
  };
  const reading = (after: () => Promise<never> | Promise<{ structured: Record<string, unknown>; summary: string }>) =>
    echoTool({
      outputSchema: z.object({ practice: z.string(), notes: z.array(z.string()) }),
      handler: async () => {
        noteDivergence(partial);
        noteDivergence(leftOut);
        return after();
      },
    });

  it('states them in the text: "Partial result" first, notes last, and adds them to structured notes', async () => {
    const outcome = await invokeTool(
      reading(async () => ({ structured: { practice: A.id, notes: ['own note'] }, summary: '1 claims at Alpha.' })),
      { practice: A.id },
      deps(),
    );
    const lines = [
      'Partial result: Escape Dental counted 123 claims but sent 1; this answer covers only those.',
      'Escape Dental returned 4 claims of another status; they were left out here.',
    ];
    expect(outcome).toEqual({
      kind: 'ok',
      structured: { practice: A.id, notes: ['own note', ...lines] },
      text: [lines[0], '1 claims at Alpha.', `Note: ${lines[1]}`].join('\n'),
    });
  });

  it('states them after a refusal too, and never twice when the tool already wrote them', async () => {
    const outcome = await invokeTool(
      reading(async () => Promise.reject(new ToolInputError('No claim matches.'))),
      { practice: A.id },
      deps(),
    );
    expect(outcome.kind).toBe('error');
    expect((outcome as { text: string }).text.split('\n')).toEqual([
      'No claim matches.',
      'Partial result: Escape Dental counted 123 claims but sent 1; this answer covers only those.',
      'Note: Escape Dental returned 4 claims of another status; they were left out here.',
    ]);
    const already = await invokeTool(
      reading(async () => ({
        structured: { practice: A.id, notes: [] },
        summary: 'Note: Escape Dental returned 4 claims of another status; they were left out here.',
      })),
      { practice: A.id },
      deps(),
    );
    expect((already as { text: string }).text.match(/left out here/g)).toHaveLength(1);
  });

  it('reference data read once keeps stating what was wrong with it on every later call (cache hits)', async () => {
    const cache = new ReferenceCache();
    let loads = 0;
    const roster = echoTool({
      handler: async (context) => {
        await cache.get(context.practice.id, 'providers', async () => {
          loads += 1;
          noteDivergence({ ...partial, noun: ['provider', 'providers'], counted: 105, received: 5 });
          return ['dana'];
        });
        return { structured: { practice: context.practice.id }, summary: 'Roster read.' };
      },
    });
    const line = 'Partial result: Escape Dental counted 105 providers but sent 5; this answer covers only those.';
    for (let call = 0; call < 2; call++) {
      const outcome = await invokeTool(roster, { practice: A.id }, deps());
      expect((outcome as { text: string }).text).toBe(`${line}\nRoster read.`);
    }
    expect(loads).toBe(1);
  });

  it('concurrent calls each get their own records and request tally, a shared load counting for the call that ran it', async () => {
    const cache = new ReferenceCache();
    const observe = upstreamObserver(noMetrics);
    const request = (operation: string) =>
      observe({ operation, method: 'GET', status: 200, durationMs: 1, attempt: 1, outcome: 'ok' });
    let release!: () => void;
    const bothStarted = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    const interleaved = echoTool({
      operations: ['providers.list', 'patients.list'],
      handler: async (context) => {
        started += 1;
        if (started === 2) release();
        await bothStarted;
        await cache.get('shared', 'providers', async () => {
          request('providers.list');
          await new Promise((resolve) => setTimeout(resolve, 5));
          noteDivergence({ kind: 'note', text: 'the roster came back short' });
          return [];
        });
        for (let i = 0; i < (context.practice.id === A.id ? 1 : 3); i++) {
          request('patients.list');
          await new Promise((resolve) => setImmediate(resolve));
          noteDivergence({ kind: 'note', text: `read for ${context.practice.name} #${i}` });
        }
        return { structured: { practice: context.practice.id }, summary: 'done' };
      },
    });
    const d = deps();
    const [forA, forB] = await Promise.all([
      invokeTool(interleaved, { practice: A.id }, d),
      invokeTool(interleaved, { practice: B.id }, d),
    ]);
    const notes = (outcome: unknown) =>
      (outcome as { text: string }).text.split('\n').filter((line) => line.startsWith('Note:'));
    expect(notes(forA).sort()).toEqual([`Note: read for ${A.name} #0`, 'Note: the roster came back short'].sort());
    expect(notes(forB).sort()).toEqual(
      [0, 1, 2]
        .map((i) => `Note: read for ${B.name} #${i}`)
        .concat('Note: the roster came back short')
        .sort(),
    );
    const lines = audits(d.logs());
    const requests = (practiceId: string) => lines.find((l) => l.practiceId === practiceId)?.upstreamRequests;
    // The shared roster load was run by the call that asked first (A); B waited on it.
    expect([requests(A.id), requests(B.id)]).toEqual([2, 3]);
  });
});
