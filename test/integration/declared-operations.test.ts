/**
 * A tool may reach only the upstream operations its definition declares (`operations`): a call
 * that reaches another fails as an internal error, with the operation named in the log only,
 * even when the handler swallowed what followed. Through a real client, server and sandbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import type { AnyToolDefinition } from '../../src/tools/framework/types.js';
import { callError, callOk, connectInProcess, type InProcessConnection, startTestSandbox } from '../helpers/harness.js';

function patientReader(name: string, operations: AnyToolDefinition['operations']): AnyToolDefinition {
  return {
    name,
    toolset: 'patients',
    title: 'Read patients',
    description: 'A test-only tool that reads the patient list and ignores whether it could.',
    inputSchema: z.object({}),
    outputSchema: z.object({ read: z.boolean() }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    requiredScopes: ['patients:read'],
    writes: false,
    operations,
    handler: async (context) => {
      const read = await context.api.patients
        .search(context.practice.id, { search: 'a', limit: 1 }, { signal: context.signal })
        .then(() => true)
        .catch(() => false);
      return { structured: { read }, summary: read ? 'read' : 'not read' };
    },
  };
}

let sandbox: RunningSandbox;
let connection: InProcessConnection;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  connection = await connectInProcess({
    sandbox,
    argv: ['--practice', sandbox.fixtures.practices.la.id],
    tools: [patientReader('declares_patients', ['patients.list']), patientReader('declares_nothing', [])],
  });
}, 60_000);

afterAll(async () => {
  await connection?.close();
  await sandbox?.close();
});

describe('declared upstream operations', () => {
  it('lets a tool call what it declares', async () => {
    const { structured } = await callOk<{ read: boolean }>(connection.client, 'declares_patients', {});
    expect(structured.read).toBe(true);
  });

  it('fails a call that reached an undeclared operation, generically, and names it in the log', async () => {
    const text = await callError(connection.client, 'declares_nothing', {});
    expect(text).toContain('Something went wrong inside the server');
    expect(text).not.toContain('patients.list');
    const entries = connection
      .logs()
      .split('\n')
      .filter((line) => line.includes('"declares_nothing"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.find((e) => e.msg === 'tool call failed unexpectedly')).toMatchObject({
      undeclaredOperations: ['patients.list'],
    });
    expect(entries.find((e) => e.audit === true)).toMatchObject({ outcome: 'internal_error', upstreamRequests: 1 });
  });
});
