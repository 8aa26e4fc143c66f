/**
 * Hostile request shapes that used to end in a 500: 300 kB of deeply nested JSON (on /mcp in
 * both eras and on a legacy SSE session's /messages) and request targets that are not a plain
 * path (absolute-form `http://host/mcp`, `//host/mcp`, asterisk-form). Each now gets a 4xx that
 * says what was wrong, nothing is logged as a server error, and the server keeps serving.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callOk } from '../helpers/harness.js';
import { postInitialize, type Stack, startStack } from '../integration/http-harness.js';

const KEY = 'edm_targets-0000000000000000000000000000';
const auth = { authorization: `Bearer ${KEY}` };
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ keys: [{ id: 'targets', key: KEY, practices: 'all', scopes: ['scheduling:read'] }] });
});

afterAll(async () => {
  await stack?.close();
});

const depth = 50_000;
const NESTED = {
  objects: `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
  arrays: `${'['.repeat(150_000)}${']'.repeat(150_000)}`,
  'inside a tools/call': JSON.stringify({
    jsonrpc: '2.0',
    id: 7,
    method: 'tools/call',
    params: { name: 'find_spot', arguments: { duration_minutes: 30, providers: '__DEEP__' } },
  }).replace('"__DEEP__"', `${'['.repeat(100_000)}${']'.repeat(100_000)}`),
};

async function openLegacySession(): Promise<string> {
  return (await postInitialize(stack.http, auth)).sessionId as string;
}

async function stillServing() {
  const client = await stack.connect('modern', auth);
  const { structured } = await callOk<{ slots: unknown[] }>(client, 'find_spot', {
    practice: stack.sandbox.fixtures.practices.la.name,
    duration_minutes: 30,
    max_results: 1,
  });
  expect(structured.slots.length).toBeGreaterThan(0);
  await client.close();
}

describe('deeply nested JSON', () => {
  it.each(Object.entries(NESTED))(
    '%s (≥ 200 kB): 400 on /mcp (2026 and 2025 session) and on /messages',
    async (_label, body) => {
      expect(body.length).toBeGreaterThan(200_000);
      const sessionId = await openLegacySession();
      const sseSession = await openSseSession();
      const targets: [string, Record<string, string>][] = [
        [stack.http.mcpUrl, { 'mcp-protocol-version': '2026-07-28' }],
        [stack.http.mcpUrl, { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' }],
        [`${stack.http.url}/messages?sessionId=${sseSession}`, {}],
      ];
      for (const [url, headers] of targets) {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            ...auth,
            ...headers,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
          },
          body,
        });
        const text = await response.text();
        expect(response.status, `${url} ${JSON.stringify(headers)}: ${text.slice(0, 200)}`).toBe(400);
        expect(JSON.parse(text).error.message).toMatch(/nested deeper than \d+ levels/);
      }
      await stillServing();
      expect(stack.logs()).not.toMatch(/"level":50/);
    },
  );
});

/** Opens a legacy SSE session with a raw GET and returns the id its endpoint event announces. */
async function openSseSession(): Promise<string> {
  const response = await fetch(`${stack.http.url}/sse`, { headers: auth });
  const reader = response.body?.getReader();
  let text = '';
  while (!/sessionId=([0-9a-f-]+)/.test(text)) {
    const chunk = await reader?.read();
    if (!chunk || chunk.done) break;
    text += new TextDecoder().decode(chunk.value);
  }
  const id = /sessionId=([0-9a-f-]+)/.exec(text)?.[1];
  if (!id) throw new Error('no SSE session id');
  return id;
}

describe('request targets that are not a plain path', () => {
  /** Sends a raw request line, since fetch always sends origin-form. */
  function rawRequest(target: string, method = 'GET'): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const port = Number(new URL(stack.http.url).port);
      const socket = connect(port, '127.0.0.1');
      let reply = '';
      socket.on('data', (chunk) => {
        reply += chunk.toString('latin1');
      });
      socket.on('error', reject);
      // An old server opened a stream for /sse here; the reply so far is what counts.
      socket.setTimeout(5_000, () => socket.destroy());
      socket.on('close', () =>
        resolve({
          status: Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 0),
          body: reply.slice(reply.indexOf('\r\n\r\n') + 4),
        }),
      );
      socket.write(
        `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${KEY}\r\nAccept: application/json, text/event-stream\r\nConnection: close\r\n\r\n`,
      );
    });
  }

  it.each([
    ['absolute-form to this server', () => `${stack.http.url}/mcp`],
    ['absolute-form to another host', () => 'http://evil.example/mcp'],
    ['absolute-form to /sse', () => `${stack.http.url}/sse`],
    ['a network-path reference', () => '//evil.example/mcp'],
  ])('%s: 400 with the reason', async (_label, target) => {
    const reply = await rawRequest(target());
    expect(reply.status, reply.body.slice(0, 200)).toBe(400);
    expect(reply.body).toMatch(/origin form/);
  });

  it('asterisk-form (OPTIONS *): 400, and the server keeps serving without a server error', async () => {
    const reply = await rawRequest('*', 'OPTIONS');
    expect(reply.status).toBe(400);
    await stillServing();
    expect(stack.logs()).not.toMatch(/"level":50/);
  });
});
