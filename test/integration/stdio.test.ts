/**
 * The built server (dist/cli.js) over stdio, in both protocol eras, against the sandbox: every
 * tool answers; the tool list and default answers stay small; a pinned disabled practice and an
 * expired upstream token give clear errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import {
  type Connection,
  connectInProcess,
  connectStdio,
  type Era,
  startTestSandbox,
  textOf,
} from '../helpers/harness.js';

const CORE_TOOLS = ['claims_summary', 'find_spot', 'patient_timeline', 'production_report'];
const tokens = (value: unknown) => Math.ceil(JSON.stringify(value).length / 4);

let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startTestSandbox();
});

afterAll(async () => {
  await sandbox?.close();
});

describe.each(['modern', 'legacy'] as Era[])('stdio, %s era', (era) => {
  let connection: Connection;
  beforeAll(async () => {
    connection = await connectStdio({ sandbox, era });
  });
  afterAll(async () => {
    await connection?.close();
  });

  it('negotiated the era it was asked for', () => {
    expect(connection.client.getProtocolEra()).toBe(era);
  });

  it('lists the four core tools in under 3,000 tokens', async () => {
    const { tools } = await connection.client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(CORE_TOOLS));
    const core = tools.filter((t) => CORE_TOOLS.includes(t.name));
    const size = tokens(core);
    console.info(
      `[figures] tools/list (${era}): the four core tools ${JSON.stringify(core).length} chars ≈ ${size} tokens; all ${tools.length} tools ≈ ${tokens(tools)} tokens`,
    );
    expect(size).toBeLessThan(3000);
  });

  it('answers every tool with structured content, each default answer under 4,000 tokens', async () => {
    const la = sandbox.fixtures.practices.la;
    const calls: [string, Record<string, unknown>][] = [
      ['find_spot', { practice: la.name, duration_minutes: 60 }],
      ['patient_timeline', { practice: la.name, patient_id: la.patients.timeline }],
      ['claims_summary', { practice: la.name }],
      ['production_report', { practice: la.name }],
    ];
    for (const [name, args] of calls) {
      const result = await connection.client.callTool({ name, arguments: args });
      expect(result.isError, `${name}: ${textOf(result)}`).toBeFalsy();
      expect(result.structuredContent).toBeTypeOf('object');
      const size = tokens(result.content) + tokens(result.structuredContent);
      console.info(`[figures] ${name} default answer (${era}): ≈ ${size} tokens`);
      expect(size).toBeLessThan(4000);
    }
  });
});

describe('the built bundle lists what the source lists', () => {
  // The bundle advertises JSON Schemas converted at build time (src/mcp/preconverted.ts); the
  // server assembled from source converts its zod schemas when asked. Both must list the same.
  it.each([
    ['unpinned', undefined],
    ['pinned', 'la'],
  ] as const)('%s', async (_label, pin) => {
    const practiceId = pin ? sandbox.fixtures.practices[pin].id : undefined;
    const built = await connectStdio({
      sandbox,
      era: 'modern',
      env: practiceId ? { ESCAPE_PRACTICE: practiceId } : {},
    });
    const fromSource = await connectInProcess({
      sandbox,
      era: 'modern',
      argv: practiceId ? ['--practice', practiceId] : [],
    });
    try {
      const [bundled, live] = await Promise.all([built.client.listTools(), fromSource.client.listTools()]);
      expect(bundled.tools.length).toBeGreaterThan(3);
      expect(bundled.tools).toEqual(live.tools);
      const practiceArgument = (tool: (typeof bundled.tools)[number]) =>
        (tool.inputSchema.properties as Record<string, unknown> | undefined)?.practice;
      for (const tool of bundled.tools) {
        if (pin) expect(practiceArgument(tool)).toBeUndefined();
        else
          expect(practiceArgument(tool)).toMatchObject({
            type: 'string',
            description: expect.stringContaining('Practice to act on'),
          });
      }
    } finally {
      await built.close();
      await fromSource.close();
    }
  });
});

describe('stdio edge cases', () => {
  it.each(['modern', 'legacy'] as Era[])(
    'a tool hidden from the list (read-only) and called anyway is refused with the reason, not "Tool … disabled" (%s era)',
    async (era) => {
      const connection = await connectStdio({ sandbox, era, env: { ESCAPE_READ_ONLY: 'true' } });
      try {
        const { tools } = await connection.client.listTools();
        expect(tools.map((t) => t.name)).not.toContain('cancel_appointment');
        expect(tools.map((t) => t.name)).toContain('find_spot');
        await sandbox.control.clearRequests();
        const result = await connection.client.callTool({
          name: 'cancel_appointment',
          arguments: { practice: sandbox.fixtures.practices.ny.name, appointment_id: '1', reason: 'test' },
        });
        expect(result.isError).toBe(true);
        expect(textOf(result)).toMatch(/read-only/);
        expect(textOf(result)).not.toMatch(/Tool cancel_appointment disabled/);
        expect((await sandbox.control.requests()).filter((r) => r.method !== 'GET')).toEqual([]);
      } finally {
        await connection.close();
      }
    },
  );

  it('pinned to a disabled practice: listed tools take no practice argument, calls explain the practice is disabled', async () => {
    const chicago = sandbox.fixtures.practices.chicago;
    const connection = await connectStdio({ sandbox, env: { ESCAPE_PRACTICE: chicago.id } });
    try {
      const { tools } = await connection.client.listTools();
      for (const tool of tools) expect(Object.keys(tool.inputSchema.properties ?? {})).not.toContain('practice');
      await sandbox.control.clearRequests();
      const result = await connection.client.callTool({ name: 'find_spot', arguments: { duration_minutes: 30 } });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/disabled in Escape Dental/);
      expect(await sandbox.control.requests()).toEqual([]);
    } finally {
      await connection.close();
    }
  });

  it('an upstream token that expires while serving gives a clear credential error', async () => {
    const pinned = await startTestSandbox({ now: Date.now() });
    const connection = await connectStdio({ sandbox: pinned, token: pinned.credentials.frontDesk.access });
    try {
      const la = pinned.fixtures.practices.la;
      const ok = await connection.client.callTool({
        name: 'find_spot',
        arguments: { duration_minutes: 30, max_results: 1 },
      });
      expect(ok.isError, textOf(ok)).toBeFalsy();
      await pinned.control.advanceClock(10 * 60_000);
      const expired = await connection.client.callTool({
        name: 'find_spot',
        arguments: { duration_minutes: 30, max_results: 1 },
      });
      expect(expired.isError).toBe(true);
      expect(textOf(expired)).toMatch(/rejected the configured credential|expired/i);
      expect(textOf(expired)).not.toContain(pinned.credentials.frontDesk.access);
      expect(la.id).toBeTruthy();
    } finally {
      await connection.close();
      await pinned.close();
    }
  });
});
