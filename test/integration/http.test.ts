/**
 * The HTTP transport end to end: real clients of each era over real HTTP, the real server, the
 * sandbox as upstream. Expected values come from the sandbox's own API, called directly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClientKind, type Stack, startStack, textOf, toolNames, waitFor } from './http-harness.js';

const KEY = 'edm_test-transport-key-0123456789';
const LEGACY_VERSION = '2025-11-25';

let stack: Stack;
let la: { id: string; name: string };
const auth = { authorization: `Bearer ${KEY}` };

beforeAll(async () => {
  stack = await startStack({
    keys: [
      {
        id: 'ops',
        key: KEY,
        practices: 'all',
        scopes: ['scheduling:read', 'patients:read', 'insurance:read', 'reports:read'],
      },
    ],
    args: ['--max-body-bytes', '4096', '--sse-keepalive-seconds', '1'],
  });
  la = stack.sandbox.fixtures.practices.la;
});

afterAll(async () => {
  await stack?.close();
});

/** find_spot's first slot as the sandbox answers it directly (the expected value), as local wall time. */
async function firstSlotFromSandbox(practiceId: string): Promise<string> {
  const response = await fetch(
    `${stack.sandbox.url}/api/v1/practice/${practiceId}/scheduling/find-spot/?duration_minutes=60&max_results=1`,
    { headers: { authorization: `Bearer ${stack.sandbox.credentials.oauth.service.token}` } },
  );
  const body = (await response.json()) as { results: { date_time: string }[] };
  return body.results[0]?.date_time.slice(0, 16) ?? '';
}

describe.each<ClientKind>(['modern', 'legacy', 'sse'])('a %s client', (kind) => {
  it('lists the catalog and calls find_spot', async () => {
    const client = await stack.connect(kind, auth);
    expect(client.getProtocolEra()).toBe(kind === 'modern' ? 'modern' : 'legacy');
    const tools = toolNames(await client.listTools());
    expect(tools).toContain('find_spot');
    expect(tools).toEqual([...tools].sort());

    const result = await client.callTool({
      name: 'find_spot',
      arguments: { practice: la.name, duration_minutes: 60, max_results: 1 },
    });
    expect(result.isError).toBeFalsy();
    const structured = result.structuredContent as { slots: { start: string }[] };
    expect(structured.slots.length).toBe(1);
    const expected = await firstSlotFromSandbox(la.id);
    expect(expected).not.toBe('');
    expect(structured.slots[0]?.start.slice(0, 16)).toBe(expected);
    await client.close();
  });
});

describe('tools/list under 2026-07-28', () => {
  it('depends only on the authorization presented: same key, same bytes, with a private cache hint', async () => {
    const first = await stack.connect('modern', auth);
    const second = await stack.connect('modern', auth);
    const a = await first.listTools();
    const b = await second.listTools(undefined, { cacheMode: 'refresh' });
    expect(JSON.stringify(a.tools)).toBe(JSON.stringify(b.tools));
    expect(toolNames(a)).toEqual(toolNames(a).slice().sort());
    // One gate-poll interval, capped at a minute (the stack polls hourly).
    expect(a).toMatchObject({ ttlMs: 60_000, cacheScope: 'private' });
    const pinned = await stack.connect('modern', { ...auth, 'x-escape-practice': la.id });
    const schema = (await pinned.listTools()).tools.find((t) => t.name === 'find_spot')?.inputSchema as {
      properties: Record<string, unknown>;
    };
    expect(Object.keys(schema.properties)).not.toContain('practice');
  });
});

describe('2025-era sessions on /mcp', () => {
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(stack.http.mcpUrl, {
      method: 'POST',
      headers: {
        ...auth,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...headers,
      },
      body: JSON.stringify(body),
    });

  it('issues Mcp-Session-Id, serves the GET stream with keepalives, ends on DELETE', async () => {
    const init = await post({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    });
    expect(init.status).toBe(200);
    const sessionId = init.headers.get('mcp-session-id');
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    await init.text();
    const session = { 'mcp-session-id': sessionId as string, 'mcp-protocol-version': LEGACY_VERSION };
    expect((await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, session)).status).toBe(202);

    // The standalone GET stream stays open and carries comment-frame keepalives.
    const controller = new AbortController();
    const stream = await fetch(stack.http.mcpUrl, {
      headers: { ...auth, ...session, accept: 'text/event-stream' },
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    let seen = '';
    await waitFor(async () => {
      const chunk = await reader.read();
      seen += new TextDecoder().decode(chunk.value ?? new Uint8Array());
      return seen.includes(': keepalive') || undefined;
    }, 'a keepalive frame on the session stream');
    controller.abort();

    const list = await post({ jsonrpc: '2.0', id: 2, method: 'tools/list' }, session);
    expect(list.status).toBe(200);
    expect(await list.text()).toContain('find_spot');

    // Another principal cannot use the session, even knowing its id.
    const other = await fetch(stack.http.mcpUrl, {
      method: 'POST',
      headers: { authorization: 'Bearer nope', 'content-type': 'application/json', ...session },
      body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }),
    });
    expect(other.status).toBe(401);

    const deleted = await fetch(stack.http.mcpUrl, { method: 'DELETE', headers: { ...auth, ...session } });
    expect(deleted.status).toBe(200);
    const after = await post({ jsonrpc: '2.0', id: 4, method: 'tools/list' }, session);
    expect(after.status).toBe(404);
  });

  it('answers a request with no session id and no initialize with 400', async () => {
    const response = await post({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(response.status).toBe(400);
  });
});

describe('the legacy SSE endpoints', () => {
  it('open with an endpoint event and keepalives; an unknown session id is 404', async () => {
    const controller = new AbortController();
    const response = await fetch(`${stack.http.url}/sse`, { headers: auth, signal: controller.signal });
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let seen = '';
    await waitFor(async () => {
      const chunk = await reader.read();
      seen += new TextDecoder().decode(chunk.value ?? new Uint8Array());
      return (seen.includes('event: endpoint') && seen.includes(': keepalive')) || undefined;
    }, 'the endpoint event and a keepalive');
    expect(seen).toMatch(/data: \/messages\?sessionId=[0-9a-f-]{36}/);
    controller.abort();

    const unknown = await fetch(`${stack.http.url}/messages?sessionId=00000000-0000-0000-0000-000000000000`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(unknown.status).toBe(404);
  });
});

describe('request guards', () => {
  it('refuses a foreign Origin with 403 and allows a loopback one', async () => {
    const foreign = await fetch(stack.http.mcpUrl, {
      method: 'POST',
      headers: { ...auth, origin: 'https://evil.example', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(foreign.status).toBe(403);
    const local = await fetch(`${stack.http.url}/healthz`, { headers: { origin: 'http://localhost:6274' } });
    expect(local.status).toBe(200);
    expect(local.headers.get('access-control-allow-origin')).toBe('http://localhost:6274');
  });

  it('refuses a foreign Host with 403 (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${stack.http.url}/catalog`, { headers: { host: 'attacker.example', ...auth } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });

  it('answers 413 to a body over --max-body-bytes, declared or streamed', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { pad: 'x'.repeat(10_000) } });
    const declared = await fetch(stack.http.mcpUrl, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: big,
    });
    expect(declared.status).toBe(413);

    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const streamed = await fetch(stack.http.mcpUrl, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
  });
});

describe('operational endpoints', () => {
  it('serves liveness and readiness; the detail of readiness only to an authenticated caller', async () => {
    expect((await fetch(`${stack.http.url}/healthz`)).status).toBe(200);
    const anonymous = await fetch(`${stack.http.url}/readyz`);
    expect(anonymous.status).toBe(200);
    // A load balancer gets the status; session counts, practices and reasons are not for anyone.
    expect(await anonymous.json()).toEqual({ status: 'ready' });
    const wrongKey = await fetch(`${stack.http.url}/readyz`, { headers: { authorization: 'Bearer edm_not-a-key' } });
    expect(wrongKey.status).toBe(200);
    expect(await wrongKey.json()).toEqual({ status: 'ready' });

    const ready = await fetch(`${stack.http.url}/readyz`, { headers: auth });
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as {
      upstream: { breaker: string };
      gates: { loaded: boolean };
      sessions: { streamable: number; sse: number };
      reasons: unknown[];
    };
    expect(body.upstream.breaker).toBe('closed');
    expect(body.gates.loaded).toBe(true);
    expect(body.sessions).toEqual({ streamable: expect.any(Number), sse: expect.any(Number) });
    expect(body.reasons).toEqual([]);
  });

  it('exposes Prometheus metrics: requests, tool latency, upstream requests', async () => {
    const client = await stack.connect('modern', auth);
    await client.callTool({
      name: 'find_spot',
      arguments: { practice: la.name, duration_minutes: 30, max_results: 1 },
    });
    const text = await (await fetch(`${stack.http.url}/metrics`)).text();
    expect(text).toMatch(
      /escape_mcp_http_requests_total\{route="\/mcp",method="POST",rpc="tools\/call",status="200"\} \d+/,
    );
    expect(text).toMatch(/escape_mcp_tool_duration_seconds_count\{tool="find_spot",outcome="ok"\} \d+/);
    expect(text).toMatch(
      /escape_mcp_upstream_requests_total\{operation="[^"]+",method="GET",status="200",outcome="ok"\}/,
    );
    expect(text).toMatch(
      /escape_mcp_gate_decisions_total\{tool="find_spot",practice="[^"]+",allowed="true",reason="allowed"\}/,
    );
    await client.close();
  });

  it('exports the catalog in the REGISTRY shape, for authenticated callers', async () => {
    expect((await fetch(`${stack.http.url}/catalog`)).status).toBe(401);
    const rows = (await (await fetch(`${stack.http.url}/catalog`, { headers: auth })).json()) as {
      name: string;
      required_scopes: string[];
      pass_context: boolean;
    }[];
    const findSpot = rows.find((r) => r.name === 'find_spot');
    expect(findSpot).toMatchObject({ required_scopes: ['scheduling:read'], pass_context: true });
    expect(Object.keys(findSpot ?? {}).sort()).toEqual(['description', 'name', 'pass_context', 'required_scopes']);
  });

  it('returns tool results that name the practice the call ran for', async () => {
    const client = await stack.connect('legacy', auth);
    const result = await client.callTool({
      name: 'find_spot',
      arguments: { practice: stack.sandbox.fixtures.practices.ny.name, duration_minutes: 45, max_results: 1 },
    });
    expect(textOf(result)).toContain(stack.sandbox.fixtures.practices.ny.name);
    await client.close();
  });
});

describe('idle 2025 sessions', () => {
  it('are closed when idle with no open stream; a session holding its GET stream stays', async () => {
    const idle = await startStack({
      keys: [{ id: 'ops', key: KEY, practices: 'all', scopes: ['scheduling:read'] }],
      http: { sessionIdleMs: 200 },
    });
    try {
      const open = async () => {
        const init = await fetch(idle.http.mcpUrl, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 1,
            method: 'initialize',
            params: { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
          }),
        });
        await init.text();
        return {
          'mcp-session-id': init.headers.get('mcp-session-id') as string,
          'mcp-protocol-version': LEGACY_VERSION,
        };
      };
      const ping = (session: Record<string, string>) =>
        fetch(idle.http.mcpUrl, {
          method: 'POST',
          headers: {
            ...auth,
            ...session,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
          },
          body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'ping' }),
        }).then(async (r) => {
          await r.text();
          return r.status;
        });
      const forgotten = await open();
      const listening = await open();
      const controller = new AbortController();
      const stream = await fetch(idle.http.mcpUrl, {
        headers: { ...auth, ...listening, accept: 'text/event-stream' },
        signal: controller.signal,
      });
      expect(stream.status).toBe(200);

      await waitFor(async () => ((await ping(forgotten)) === 404 ? true : undefined), 'the idle session to be closed');
      expect(await ping(listening)).toBe(200);
      controller.abort();
    } finally {
      await idle.close();
    }
  });
});
