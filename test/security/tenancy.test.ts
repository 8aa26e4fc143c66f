/**
 * One authorization decision per message, on every transport: a table of narrowing cases × the
 * four transports (stdio, 2026-07-28 stateless, 2025 sessions, legacy HTTP+SSE). A client opens
 * its connection with one credential and pin, then sends the next message with a narrower one
 * (fewer practices, a pin header, fewer scopes, read-only) — as a token refresh or a proxy would.
 * Whatever the transport, the call never reads practice B and never writes what the credential
 * presented now does not allow. stdio has no inbound credential or header: its rows are the pin
 * the operator configured (ESCAPE_PRACTICE), against a `practice` argument naming another practice.
 */
import { Client, SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import type { AnyToolDefinition } from '../../src/tools/framework/types.js';
import { CATALOG } from '../../src/tools/registry.js';
import { connectStdio, rawGet, startTestSandbox } from '../helpers/harness.js';
import { startTestIssuer, type TestIssuer } from '../helpers/jwt-issuer.js';
import { type Stack, startStack } from '../integration/http-harness.js';

type HttpTransport = 'modern' | 'legacy' | 'sse';
const HTTP_TRANSPORTS: HttpTransport[] = ['modern', 'legacy', 'sse'];
const ALL_SCOPES = ['scheduling:read', 'scheduling:write', 'patients:read', 'insurance:read', 'reports:read'];
const READ_SCOPES = ALL_SCOPES.filter((s) => s !== 'scheduling:write');
const KEY_AB = 'edm_tenancy-ab-000000000000000000000000';
const KEY_A = 'edm_tenancy-a-0000000000000000000000000';

type Practice = RunningSandbox['fixtures']['practices']['la'];
let stack: Stack;
let issuer: TestIssuer;
let a: Practice;
let b: Practice;
let bPatientName: string;
let writes = 0;

/** A write tool that exists only in this test: it counts the calls that reach its handler. */
const testWrite: AnyToolDefinition = {
  name: 'test_write',
  toolset: 'scheduling',
  title: 'Test write',
  description: 'Test-only write tool.',
  inputSchema: z.object({ note: z.string().optional().describe('Anything.') }),
  outputSchema: z.object({ written: z.boolean() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  requiredScopes: ['scheduling:write'],
  writes: true,
  operations: [],
  async handler() {
    writes += 1;
    return { structured: { written: true }, summary: 'written' };
  },
};

beforeAll(async () => {
  issuer = await startTestIssuer();
  stack = await startStack({
    args: issuer.args,
    keys: (sandbox) => [
      {
        id: 'ab',
        key: KEY_AB,
        practices: [sandbox.fixtures.practices.la.id, sandbox.fixtures.practices.ny.id],
        scopes: ALL_SCOPES,
      },
      { id: 'a', key: KEY_A, practices: [sandbox.fixtures.practices.la.id], scopes: ALL_SCOPES },
    ],
    http: { tools: [...CATALOG, testWrite] },
  });
  a = stack.sandbox.fixtures.practices.la;
  b = stack.sandbox.fixtures.practices.ny;
  const patient = await rawGet<{ first_name: string; last_name: string }>(
    stack.sandbox,
    `/api/v1/practice/${b.id}/patient/${b.patients.timeline}/`,
  );
  bPatientName = `${patient.first_name} ${patient.last_name}`;
});

afterAll(async () => {
  await stack?.close();
  await issuer?.close();
});

/** What a message carries: the bearer token and, optionally, the pin header. */
interface Credential {
  token: string;
  pin?: string;
}

/**
 * A connected client whose credential can change between messages (the SDK transports take
 * their headers from this fetch on every request, the SSE stream's GET included).
 */
async function mutableClient(kind: HttpTransport, first: Credential) {
  let current = first;
  const fetchWith = (url: string | URL, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${current.token}`);
    if (current.pin) headers.set('x-escape-practice', current.pin);
    else headers.delete('x-escape-practice');
    return fetch(url, { ...init, headers });
  };
  const transport =
    kind === 'sse'
      ? new SSEClientTransport(new URL(`${stack.http.url}/sse`), {
          fetch: fetchWith,
          eventSourceInit: { fetch: fetchWith },
        })
      : new StreamableHTTPClientTransport(new URL(stack.http.mcpUrl), { fetch: fetchWith });
  const client = new Client(
    { name: 'tenancy-tests', version: '1' },
    kind === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
  );
  await client.connect(transport);
  return {
    client,
    present(next: Credential) {
      current = next;
    },
  };
}

const jwt = (claims: Record<string, unknown>) => issuer.sign(stack.http.mcpUrl, { sub: 'user-tenancy', ...claims });

interface Attempt {
  refused: boolean;
  text: string;
}

async function attempt(client: Client, name: string, args: Record<string, unknown>): Promise<Attempt> {
  try {
    const result = await client.callTool({ name, arguments: args });
    return { refused: result.isError === true, text: JSON.stringify(result) };
  } catch (error) {
    return { refused: true, text: (error as Error).message };
  }
}

async function upstreamPaths(sandbox: RunningSandbox, since: number) {
  return (await sandbox.control.requests(since)).map((e) => `${e.method} ${e.path}`);
}

interface NarrowingCase {
  name: string;
  /** The credential the connection is opened with, then the one the call carries. */
  open: () => Promise<Credential>;
  next: () => Promise<Credential>;
  /** A read of B (patient_timeline of B's patient, named by practice) or the test write. */
  call: 'read-b' | 'write';
}

const NARROWING: NarrowingCase[] = [
  {
    name: 'a token for the same subject whose escape_practices no longer covers B',
    open: async () => ({ token: await jwt({ scope: ALL_SCOPES.join(' '), escape_practices: [a.id, b.id] }) }),
    next: async () => ({ token: await jwt({ scope: ALL_SCOPES.join(' '), escape_practices: [a.id] }) }),
    call: 'read-b',
  },
  {
    name: 'a token for the same subject that grants no practice any more',
    open: async () => ({ token: await jwt({ scope: ALL_SCOPES.join(' '), escape_practices: [a.id, b.id] }) }),
    next: async () => ({ token: await jwt({ scope: ALL_SCOPES.join(' '), escape_practices: [] }) }),
    call: 'read-b',
  },
  {
    name: 'X-Escape-Practice pinning A, with a practice argument naming B',
    open: async () => ({ token: KEY_AB }),
    next: async () => ({ token: KEY_AB, pin: a.id }),
    call: 'read-b',
  },
  {
    name: 'X-Escape-Practice naming B, outside the credential',
    open: async () => ({ token: KEY_A }),
    next: async () => ({ token: KEY_A, pin: b.id }),
    call: 'read-b',
  },
  {
    name: 'a token for the same subject without scheduling:write',
    open: async () => ({ token: await jwt({ scope: ALL_SCOPES.join(' '), escape_practices: [a.id] }) }),
    next: async () => ({ token: await jwt({ scope: READ_SCOPES.join(' '), escape_practices: [a.id] }) }),
    call: 'write',
  },
  {
    name: 'a token for the same subject that is read-only now',
    open: async () => ({ token: await jwt({ scope: ALL_SCOPES.join(' '), escape_practices: [a.id] }) }),
    next: async () => ({
      token: await jwt({ scope: ALL_SCOPES.join(' '), escape_practices: [a.id], escape_read_only: true }),
    }),
    call: 'write',
  },
];

describe('the credential presented now decides every message (HTTP)', () => {
  const table = NARROWING.flatMap((c) => HTTP_TRANSPORTS.map((transport) => [c.name, transport, c] as const));

  it.each(table)('%s — %s', async (_name, transport, narrowing) => {
    const { client, present } = await mutableClient(transport, await narrowing.open());
    try {
      // The connection works for what the first credential allows.
      await client.listTools();
      present(await narrowing.next());
      const writesBefore = writes;
      const since = await stack.sandbox.control.lastSeq();
      const outcome =
        narrowing.call === 'write'
          ? await attempt(client, 'test_write', { note: 'tenancy' })
          : await attempt(client, 'patient_timeline', { practice: b.name, patient_id: b.patients.timeline });
      expect(outcome.refused, outcome.text.slice(0, 400)).toBe(true);
      expect(outcome.text).not.toContain(bPatientName);
      const paths = await upstreamPaths(stack.sandbox, since);
      expect(paths.filter((p) => p.includes(`/practice/${b.id}/`))).toEqual([]);
      expect(writes).toBe(writesBefore);
    } finally {
      await client.close().catch(() => {});
    }
  });
});

describe('the configured pin decides every message (stdio)', () => {
  it('ESCAPE_PRACTICE pinning A, with a practice argument naming B: nothing of B is read', async () => {
    const sandbox = await startTestSandbox();
    const la = sandbox.fixtures.practices.la;
    const ny = sandbox.fixtures.practices.ny;
    const patient = await rawGet<{ first_name: string; last_name: string }>(
      sandbox,
      `/api/v1/practice/${ny.id}/patient/${ny.patients.timeline}/`,
    );
    const connection = await connectStdio({ sandbox, env: { ESCAPE_PRACTICE: la.id } });
    try {
      const since = await sandbox.control.lastSeq();
      const outcome = await attempt(connection.client, 'patient_timeline', {
        practice: ny.name,
        patient_id: ny.patients.timeline,
      });
      expect(outcome.refused, outcome.text.slice(0, 400)).toBe(true);
      expect(outcome.text).not.toContain(`${patient.first_name} ${patient.last_name}`);
      const paths = await upstreamPaths(sandbox, since);
      expect(paths.filter((p) => p.includes(`/practice/${ny.id}/`))).toEqual([]);
    } finally {
      await connection.close();
      await sandbox.close();
    }
  });
});

describe('a practice argument under a pin is decided, never dropped (every transport)', () => {
  const PINNED_ELSEWHERE = /pinned to Sunset Smiles Dental .*practice argument does not name it, so it was not run/s;

  it.each(HTTP_TRANSPORTS)(
    'X-Escape-Practice pinning A: a call naming B is refused plainly, one naming A runs — %s',
    async (transport) => {
      const client = await stack.connect(transport, { authorization: `Bearer ${KEY_AB}`, 'x-escape-practice': a.id });
      const since = await stack.sandbox.control.lastSeq();
      const elsewhere = await client.callTool({
        name: 'find_spot',
        arguments: { practice: b.name, duration_minutes: 30, max_results: 1 },
      });
      const text = (elsewhere.content as { text?: string }[]).map((c) => c.text ?? '').join('\n');
      expect(elsewhere.isError, text.slice(0, 300)).toBe(true);
      expect(text).toMatch(PINNED_ELSEWHERE);
      expect(await upstreamPaths(stack.sandbox, since)).toEqual([]);
      const here = await client.callTool({
        name: 'find_spot',
        arguments: { practice: a.name, duration_minutes: 30, max_results: 1 },
      });
      expect(here.isError).toBeFalsy();
    },
  );

  it('ESCAPE_PRACTICE pinning A over stdio: a call naming B is refused plainly, one naming A runs', async () => {
    const sandbox = await startTestSandbox();
    const la = sandbox.fixtures.practices.la;
    const ny = sandbox.fixtures.practices.ny;
    const connection = await connectStdio({ sandbox, env: { ESCAPE_PRACTICE: la.id } });
    try {
      const since = await sandbox.control.lastSeq();
      const elsewhere = await connection.client.callTool({
        name: 'find_spot',
        arguments: { practice: ny.name, duration_minutes: 30, max_results: 1 },
      });
      const text = (elsewhere.content as { text?: string }[]).map((c) => c.text ?? '').join('\n');
      expect(elsewhere.isError, text.slice(0, 300)).toBe(true);
      expect(text).toMatch(PINNED_ELSEWHERE);
      expect(await upstreamPaths(sandbox, since)).toEqual([]);
      const here = await connection.client.callTool({
        name: 'find_spot',
        arguments: { practice: la.name, duration_minutes: 30, max_results: 1 },
      });
      expect(here.isError).toBeFalsy();
    } finally {
      await connection.close();
      await sandbox.close();
    }
  });
});
