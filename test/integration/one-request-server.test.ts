/**
 * A tools/call served by a one-request server (2026-07-28 stateless, and a 2025 session's call
 * to a tool its list hides) gets a server built for that tool alone. Its answers must be the ones
 * the whole server gives: the gate refusal for a tool switched off, the argument error, the SDK's
 * "not found" for a name the catalog does not have, and the lists asked for right after a call
 * are the whole lists. A 2025 session's call to a listed tool is served by the session's own
 * server, built whole: it is the reference the one-request answers are compared with.
 */
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack, textOf, toolNames, writeTempJson } from './http-harness.js';

const READ_SCOPES = ['scheduling:read', 'patients:read', 'insurance:read', 'reports:read'];
const KEY = 'edm_one-request-server-key-0000000000';
const headers = { authorization: `Bearer ${KEY}` };

let stack: Stack;
let modern: Client;
let session: Client;
let practiceName: string;

beforeAll(async () => {
  const policyFile = writeTempJson('policy', { disabled: ['claims_summary'] });
  stack = await startStack({
    args: ['--policy-file', policyFile],
    keys: (sandbox) => [{ id: 'one', key: KEY, practices: [sandbox.fixtures.practices.la.id], scopes: READ_SCOPES }],
  });
  practiceName = stack.sandbox.fixtures.practices.la.name;
  modern = await stack.connect('modern', headers);
  session = await stack.connect('legacy', headers);
});

afterAll(async () => {
  await stack?.close();
});

/** The answer to a call, or the JSON-RPC error it was refused with, as the client saw it. */
async function answer(client: Client, name: string, args: Record<string, unknown>): Promise<unknown> {
  try {
    const result = await client.callTool({ name, arguments: args });
    return { isError: result.isError ?? false, text: textOf(result) };
  } catch (error) {
    return { rejected: (error as Error).message };
  }
}

describe('a tools/call on a one-request server', () => {
  it('refuses a tool switched off by the local policy with the reason, on 2026-07-28 and in a 2025 session', async () => {
    expect(toolNames(await modern.listTools())).not.toContain('claims_summary');
    const expected = `claims_summary is disabled for ${practiceName} by this server's local policy.`;
    for (const client of [modern, session]) {
      const refused = await answer(client, 'claims_summary', {});
      expect(refused).toMatchObject({ isError: true });
      expect((refused as { text: string }).text).toContain(expected);
    }
  });

  it('refuses a tool the credential lacks the scope for with the reason, on 2026-07-28 and in a 2025 session', async () => {
    const args = { patient_id: 'p-1', start: '2030-01-07 09:00', duration_minutes: 30, provider: 'Dr. Dana' };
    for (const client of [modern, session]) {
      const refused = await answer(client, 'book_appointment', args);
      expect(refused).toMatchObject({ isError: true });
      expect((refused as { text: string }).text).toContain(
        'book_appointment needs the scope scheduling:write, which this credential does not carry.',
      );
    }
  });

  it('answers bad arguments as the whole server does', async () => {
    const args = { duration_minutes: 'thirty', max_results: 1 };
    const fromOneRequest = await answer(modern, 'find_spot', args);
    expect(fromOneRequest).toMatchObject({ isError: true });
    expect((fromOneRequest as { text: string }).text).toContain('duration_minutes');
    expect(fromOneRequest).toEqual(await answer(session, 'find_spot', args));
  });

  it('answers a name the catalog does not have with the SDK not-found error, as the whole server does', async () => {
    const fromOneRequest = await answer(modern, 'no_such_tool', {});
    expect(JSON.stringify(fromOneRequest)).toContain('no_such_tool');
    expect(JSON.stringify(fromOneRequest)).toMatch(/not found/i);
    expect(fromOneRequest).toEqual(await answer(session, 'no_such_tool', {}));
  });

  it('answers a successful call as the whole server does', async () => {
    const args = { duration_minutes: 30, max_results: 1 };
    const fromOneRequest = await modern.callTool({ name: 'find_spot', arguments: args });
    expect(fromOneRequest.isError).toBeFalsy();
    const fromSession = await session.callTool({ name: 'find_spot', arguments: args });
    expect(fromOneRequest.content).toEqual(fromSession.content);
    expect(fromOneRequest.structuredContent).toEqual(fromSession.structuredContent);
  });

  it('leaves the next requests their whole lists: tools, resources and prompts', async () => {
    const tools = toolNames(await session.listTools());
    const resources = (await session.listResources()).resources.map((r) => r.uri);
    const prompts = (await session.listPrompts()).prompts.map((p) => p.name);
    expect(tools).toContain('find_spot');
    expect(resources.length).toBeGreaterThan(0);
    expect(prompts.length).toBeGreaterThan(0);

    await modern.callTool({ name: 'find_spot', arguments: { duration_minutes: 30, max_results: 1 } });
    expect(toolNames(await modern.listTools(undefined, { cacheMode: 'refresh' }))).toEqual(tools);
    expect((await modern.listResources()).resources.map((r) => r.uri)).toEqual(resources);
    expect((await modern.listPrompts()).prompts.map((p) => p.name)).toEqual(prompts);
    const read = await modern.readResource({ uri: resources[0] as string });
    expect(read.contents.length).toBeGreaterThan(0);
  });
});
