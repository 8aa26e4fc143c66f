/**
 * Inbound authentication and practice isolation over real HTTP: JWTs signed by a local issuer
 * whose JWKS this test serves, operator API keys, the 401 challenge and RFC 9728 metadata, a
 * principal of practice A reaching nothing of practice B (arguments, header, B's ids), and
 * read-only principals with a test-only write tool.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AnyToolDefinition } from '../../src/tools/framework/types.js';
import { CATALOG } from '../../src/tools/registry.js';
import { type Stack, startStack, textOf, toolNames } from './http-harness.js';

const READ_SCOPES = ['scheduling:read', 'patients:read', 'insurance:read', 'reports:read'];
const KEY_A = 'edm_auth-practice-a-0000000000000000';
const KEY_READ_ONLY = 'edm_auth-read-only-000000000000000000';
const KEY_WRITER = 'edm_auth-writer-00000000000000000000000';
const KEY_NO_WRITE_SCOPE = 'edm_auth-no-write-scope-0000000000000';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

let stack: Stack;
let jwks: Server;
let issuer: string;
type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let signingKey: SigningKey;
let otherKey: SigningKey;
let a: { id: string; name: string; patients: { timeline: string } };
let b: { id: string; name: string; patients: { timeline: string } };
let bookings = 0;

/** A write tool that exists only in this test, to exercise read-only and scopes end to end. */
const testBooking: AnyToolDefinition = {
  name: 'test_book_slot',
  toolset: 'scheduling',
  title: 'Test booking',
  description: 'Test-only write tool.',
  inputSchema: z.object({ note: z.string().optional().describe('Anything.') }),
  outputSchema: z.object({ booked: z.boolean() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  requiredScopes: ['scheduling:write'],
  writes: true,
  operations: [],
  async handler() {
    bookings += 1;
    return { structured: { booked: true }, summary: 'booked' };
  },
};

async function jwt(
  claims: Record<string, unknown>,
  options: { key?: SigningKey; exp?: number; aud?: string; iss?: string } = {},
) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: READ_SCOPES.join(' '), escape_practices: [a.id], ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: options.key ? 'other' : 'k1' })
    .setIssuer(options.iss ?? issuer)
    .setAudience(options.aud ?? stack.http.mcpUrl)
    .setSubject('user-1')
    .setIssuedAt(now - 60)
    .setExpirationTime(options.exp ?? now + 600)
    .sign(options.key ?? signingKey);
}

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  signingKey = pair.privateKey;
  otherKey = (await generateKeyPair('ES256')).privateKey;
  const publicJwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  jwks = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}`;

  stack = await startStack({
    args: ['--jwt-issuer', issuer, '--jwks-url', `${issuer}/jwks.json`],
    keys: (sandbox) => {
      const la = sandbox.fixtures.practices.la.id;
      return [
        { id: 'a', key: KEY_A, practices: [la], scopes: READ_SCOPES },
        { id: 'ro', key: KEY_READ_ONLY, practices: [la], scopes: [...READ_SCOPES, 'scheduling:write'], readOnly: true },
        { id: 'writer', key: KEY_WRITER, practices: [la], scopes: [...READ_SCOPES, 'scheduling:write'] },
        { id: 'nowrite', key: KEY_NO_WRITE_SCOPE, practices: [la], scopes: READ_SCOPES },
      ];
    },
    http: { tools: [...CATALOG, testBooking] },
  });
  a = stack.sandbox.fixtures.practices.la;
  b = stack.sandbox.fixtures.practices.ny;
});

afterAll(async () => {
  await stack?.close();
  await new Promise((resolve) => jwks?.close(resolve));
});

const listRequest = (headers: Record<string, string>) =>
  fetch(stack.http.mcpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });

function challengeOf(response: Response): Record<string, string> {
  const header = response.headers.get('www-authenticate') ?? '';
  expect(header.startsWith('Bearer ')).toBe(true);
  return Object.fromEntries([...header.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
}

describe('401 with a Bearer challenge', () => {
  it('for a missing token: resource_metadata, no error attribute', async () => {
    const response = await listRequest({});
    expect(response.status).toBe(401);
    const challenge = challengeOf(response);
    expect(challenge.resource_metadata).toBe(`${stack.http.url}/.well-known/oauth-protected-resource/mcp`);
    expect(challenge.error).toBeUndefined();
  });

  it.each([
    ['an unknown key', async () => 'edm_not-a-key'],
    ['an expired JWT', async () => jwt({}, { exp: Math.floor(Date.now() / 1000) - 3600 })],
    ['a JWT for another audience', async () => jwt({}, { aud: 'https://other.example/mcp' })],
    ['a JWT from another issuer', async () => jwt({}, { iss: 'https://evil.example' })],
    ['a JWT signed by an unknown key', async () => jwt({}, { key: otherKey })],
    ['a malformed JWT', async () => 'a.b.c'],
  ])('for %s: error="invalid_token"', async (_label, token) => {
    const response = await listRequest(bearer(await token()));
    expect(response.status).toBe(401);
    const challenge = challengeOf(response);
    expect(challenge.error).toBe('invalid_token');
    expect(challenge.resource_metadata).toContain('/.well-known/oauth-protected-resource/mcp');
    const body = (await response.json()) as { error: string; error_description: string };
    expect(body.error).toBe('invalid_token');
  });

  it('serves RFC 9728 metadata at both well-known locations', async () => {
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const metadata = (await (await fetch(`${stack.http.url}${path}`)).json()) as Record<string, unknown>;
      expect(metadata).toMatchObject({
        resource: stack.http.mcpUrl,
        authorization_servers: [issuer],
        bearer_methods_supported: ['header'],
      });
      expect(metadata.scopes_supported).toEqual(expect.arrayContaining(['scheduling:read', 'reports:read']));
    }
  });
});

describe('a valid JWT', () => {
  it('connects each client kind; scopes and practices come from its claims', async () => {
    const token = await jwt({ scope: 'scheduling:read openid profile' });
    for (const kind of ['modern', 'legacy', 'sse'] as const) {
      const client = await stack.connect(kind, bearer(token));
      // Only scheduling:read: the tools needing other scopes are not listed.
      expect(toolNames(await client.listTools())).toEqual(['find_spot', 'playbook']);
      const result = await client.callTool({ name: 'find_spot', arguments: { duration_minutes: 30, max_results: 1 } });
      expect(result.isError).toBeFalsy();
      expect(textOf(result)).toContain(a.name);
      await client.close();
    }
  });

  it('without the escape_practices claim reaches no practice (403)', async () => {
    const token = await jwt({ escape_practices: undefined });
    const response = await listRequest(bearer(token));
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain('grants no practice');
  });
});

describe('a principal of practice A', () => {
  const practicePaths = async (since: number) =>
    (await stack.sandbox.control.requests(since))
      .map((entry) => entry.path)
      .filter((path) => path.startsWith('/api/v1/practice/'));

  it.each([
    ['an API key', async () => KEY_A],
    ['a JWT', async () => jwt({})],
  ])('gets nothing of practice B through arguments, header or B ids (%s)', async (_label, token) => {
    const credential = bearer(await token());
    const since = await stack.sandbox.control.lastSeq();

    // Header naming B: refused outright.
    expect((await listRequest({ ...credential, 'x-escape-practice': b.id })).status).toBe(403);
    expect((await listRequest({ ...credential, 'x-escape-practice': b.name })).status).toBe(403);

    const client = await stack.connect('modern', credential);
    // One practice: pinned, so there is no practice argument to name B with...
    const tools = (await client.listTools()).tools;
    const findSpot = tools.find((t) => t.name === 'find_spot');
    expect(Object.keys((findSpot?.inputSchema as { properties: object } | undefined)?.properties ?? {})).not.toContain(
      'practice',
    );
    // ...and one passed anyway is ignored: the call runs for A.
    const spot = await client.callTool({
      name: 'find_spot',
      arguments: { practice: b.name, duration_minutes: 30, max_results: 1 },
    });
    expect(textOf(spot)).toContain(a.name);
    expect(textOf(spot)).not.toContain(b.name);

    // B's patient id: not found in A (the upstream 404s a cross-practice id), no data of B.
    const timeline = await client.callTool({
      name: 'patient_timeline',
      arguments: { patient_id: b.patients.timeline },
    });
    expect(timeline.isError).toBe(true);
    expect(JSON.stringify(timeline)).not.toContain(b.name);
    // Every upstream request the server made went to A's practice path.
    const paths = await practicePaths(since);
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.filter((p) => !p.startsWith(`/api/v1/practice/${a.id}/`))).toEqual([]);

    const direct = await fetch(`${stack.sandbox.url}/api/v1/practice/${b.id}/patient/${b.patients.timeline}/`, {
      headers: bearer(stack.sandbox.credentials.oauth.service.token),
    });
    const patientOfB = (await direct.json()) as { last_name: string };
    expect(patientOfB.last_name).toBeTruthy();
    expect(JSON.stringify(timeline)).not.toContain(patientOfB.last_name);
    await client.close();
  });
});

describe('read-only and write scopes (test-only write tool)', () => {
  it('a read-only principal never sees or runs the write tool; a writer does', async () => {
    const readOnly = await stack.connect('modern', bearer(KEY_READ_ONLY));
    expect(toolNames(await readOnly.listTools())).not.toContain('test_book_slot');
    const refused = await readOnly.callTool({ name: 'test_book_slot', arguments: {} });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain('read-only');

    const noScope = await stack.connect('legacy', bearer(KEY_NO_WRITE_SCOPE));
    expect(toolNames(await noScope.listTools())).not.toContain('test_book_slot');

    const roJwt = await stack.connect('sse', bearer(await jwt({ scope: 'scheduling:write', escape_read_only: true })));
    expect(toolNames(await roJwt.listTools())).not.toContain('test_book_slot');

    expect(bookings).toBe(0);
    const writer = await stack.connect('modern', bearer(KEY_WRITER));
    expect(toolNames(await writer.listTools())).toContain('test_book_slot');
    const booked = await writer.callTool({ name: 'test_book_slot', arguments: {} });
    expect(booked.isError).toBeFalsy();
    expect(bookings).toBe(1);
  });
});

describe('the catalog write tools (book, reschedule, cancel)', () => {
  const WRITE_TOOLS = ['book_appointment', 'cancel_appointment', 'reschedule_appointment'];

  it('are never listed or run for a read-only principal, nor listed without scheduling:write', async () => {
    const since = await stack.sandbox.control.lastSeq();
    for (const kind of ['modern', 'legacy', 'sse'] as const) {
      const readOnly = await stack.connect(kind, bearer(KEY_READ_ONLY));
      const names = toolNames(await readOnly.listTools());
      for (const name of WRITE_TOOLS) expect(names).not.toContain(name);
      const refused = await readOnly.callTool({
        name: 'book_appointment',
        arguments: {
          patient_id: a.patients.timeline,
          start: '2026-12-10 09:00',
          duration_minutes: 30,
          provider: 'any',
        },
      });
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toContain('read-only');
      await readOnly.close();
    }
    const writesUpstream = (await stack.sandbox.control.requests(since)).filter((e) => e.method !== 'GET');
    expect(writesUpstream).toEqual([]);

    const reader = await stack.connect('modern', bearer(KEY_NO_WRITE_SCOPE));
    const readerNames = toolNames(await reader.listTools());
    for (const name of WRITE_TOOLS) expect(readerNames).not.toContain(name);

    const writer = await stack.connect('modern', bearer(KEY_WRITER));
    const writerNames = toolNames(await writer.listTools());
    expect(writerNames).toContain('book_appointment');
    expect(writerNames).toContain('reschedule_appointment');
    // The sandbox seeds a gate row switching cancel_appointment off in practice A.
    expect(writerNames).not.toContain('cancel_appointment');
  });
});
