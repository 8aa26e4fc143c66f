/**
 * Hostile HTTP against the real HTTP server (in this process, so its prototype objects can be
 * inspected): malformed JSON-RPC bodies, wrong content types and Accept headers, batches, a
 * prototype-pollution attempt, oversized headers, and clients that read slowly or send slowly.
 * Every request ends in a 4xx or a correct answer (never a 5xx, never a crash) and a valid
 * client keeps being served while the hostile ones hang on. 413 for bodies over the limit is
 * covered in test/integration/http.test.ts.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callOk } from '../helpers/harness.js';
import { type Stack, startStack } from '../integration/http-harness.js';

const KEY = 'sk-security-http-0123456789abcdef';
const auth = { authorization: `Bearer ${KEY}` };
let stack: Stack;
/** The headers and body an SDK client sends for one 2026-07-28 tools/call. */
let captured: { headers: Record<string, string>; body: string };
let findSpotArgs: Record<string, unknown>;

beforeAll(async () => {
  stack = await startStack({
    keys: [
      {
        id: 'security',
        key: KEY,
        practices: 'all',
        scopes: ['scheduling:read', 'patients:read', 'insurance:read', 'reports:read'],
      },
    ],
    args: ['--max-body-bytes', '65536'],
  });
  findSpotArgs = { practice: stack.sandbox.fixtures.practices.la.name, duration_minutes: 30, max_results: 2 };
  const { Client, StreamableHTTPClientTransport } = await import('@modelcontextprotocol/client');
  const client = new Client({ name: 'capture', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  let seen: typeof captured | undefined;
  await client.connect(
    new StreamableHTTPClientTransport(new URL(stack.http.mcpUrl), {
      requestInit: { headers: auth },
      fetch: async (url, init) => {
        const body = typeof init?.body === 'string' ? init.body : '';
        if (body.includes('"tools/call"')) {
          seen = { headers: Object.fromEntries(new Headers(init?.headers).entries()), body };
        }
        return fetch(url, init);
      },
    }),
  );
  await callOk(client, 'find_spot', findSpotArgs);
  await client.close();
  if (!seen) throw new Error('no tools/call captured');
  captured = seen;
});

afterAll(async () => {
  await stack?.close();
});

async function post(body: string | Uint8Array, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(stack.http.mcpUrl, { method: 'POST', headers: { ...captured.headers, ...headers }, body });
}

/** A fresh SDK client still gets a correct find_spot answer. */
async function expectStillServing(): Promise<void> {
  const client = await stack.connect('modern', auth);
  const { structured } = await callOk<{ slots: unknown[] }>(client, 'find_spot', findSpotArgs);
  expect(structured.slots.length).toBeGreaterThan(0);
  const health = await fetch(`${stack.http.url}/healthz`);
  expect(health.status).toBe(200);
}

function callBody(mutate: (message: Record<string, unknown>) => unknown): string {
  return JSON.stringify(mutate(JSON.parse(captured.body) as Record<string, unknown>));
}

describe('malformed JSON-RPC over HTTP', () => {
  it('junk bodies get a 4xx with a JSON-RPC error, never a 5xx', async () => {
    const bodies: (string | Uint8Array)[] = [
      'not json',
      '{',
      '',
      'null',
      '[]',
      '42',
      '"tools/call"',
      '{}',
      '{"jsonrpc":"2.0"}',
      '{"jsonrpc":"1.0","id":1,"method":"tools/list"}',
      new Uint8Array([0xff, 0xfe, 0x00, 0x80]),
      `${'['.repeat(50_000)}`,
      callBody((m) => ({ ...m, params: 'not an object' })),
      callBody((m) => ({ ...m, id: { nested: true } })),
      callBody((m) => ({ ...m, method: 'no/such/method' })),
      callBody((m) => ({ ...m, params: { ...(m.params as object), name: 'no_such_tool' } })),
      callBody((m) => [m, m, m]),
      JSON.stringify(Array.from({ length: 500 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'tools/list' }))),
    ];
    const statuses: number[] = [];
    for (const body of bodies) {
      const response = await post(body);
      const text = await response.text();
      statuses.push(response.status);
      expect(response.status, `${String(body).slice(0, 60)} → ${text.slice(0, 200)}`).toBeLessThan(500);
      expect(text).not.toMatch(/at .*\.(ts|js):\d+|TypeError|ReferenceError/);
      // A refused request is refused with a status, or with a JSON-RPC error / an isError result.
      if (response.status === 200) expect(text, String(body).slice(0, 60)).toMatch(/"error"|"isError":true/);
    }
    expect(statuses.filter((s) => s >= 400).length).toBeGreaterThan(8);
    await expectStillServing();
  });

  it('a body that starts with a UTF-8 byte-order mark is read like the same body without it, in both eras', async () => {
    const bom = '\uFEFF';
    const modern = await post(bom + captured.body);
    const modernText = await modern.text();
    expect(modern.status, modernText.slice(0, 200)).toBe(200);
    expect(modernText).toContain('"slots"');
    expect(modernText).not.toMatch(/"isError":true|"error"\s*:\s*\{/);

    const initialize = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bom', version: '1' } },
    });
    const legacy = await fetch(stack.http.mcpUrl, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: bom + initialize,
    });
    const legacyText = await legacy.text();
    expect(legacy.status, legacyText.slice(0, 200)).toBe(200);
    const sessionId = legacy.headers.get('mcp-session-id');
    expect(sessionId).toBeTruthy();
    expect(legacyText).toContain('"protocolVersion":"2025-11-25"');
    await fetch(stack.http.mcpUrl, { method: 'DELETE', headers: { ...auth, 'mcp-session-id': sessionId as string } });
  });

  it('wrong content types and Accept headers are refused with a 4xx', async () => {
    for (const [headers, label] of [
      [{ 'content-type': 'text/plain' }, 'text/plain'],
      [{ 'content-type': 'application/x-www-form-urlencoded' }, 'form'],
      [{ 'content-type': 'multipart/form-data; boundary=x' }, 'multipart'],
      [{ 'content-type': 'application/xml' }, 'xml'],
    ] as [Record<string, string>, string][]) {
      const response = await post(captured.body, headers);
      const text = await response.text();
      expect(response.status, `${label}: ${text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(response.status, label).toBeLessThan(500);
    }
    // An Accept without JSON or SSE: the SDK answers 406, or (2026-07-28, stateless) plain JSON anyway.
    for (const accept of ['text/html', '']) {
      const response = await post(captured.body, { accept });
      const text = await response.text();
      expect([200, 406], `accept "${accept}": ${text.slice(0, 200)}`).toContain(response.status);
      if (response.status === 200) expect(text).toMatch(/"slots"/);
    }
    for (const method of ['PUT', 'PATCH']) {
      const response = await fetch(stack.http.mcpUrl, { method, headers: captured.headers, body: captured.body });
      expect(response.status, method).toBe(405);
    }
    await expectStillServing();
  });

  it('oversized and odd headers are refused without harm', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const socket = connect(Number(new URL(stack.http.url).port), '127.0.0.1');
      let reply = '';
      socket.on('data', (chunk) => {
        reply += chunk.toString('latin1');
      });
      const statusOf = () => Number(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 0);
      socket.on('close', () => resolve(statusOf()));
      // Node 24 answers 431 and then resets the connection (the rest of the request is unread):
      // the answer already received is what counts.
      socket.on('error', (error) => (statusOf() ? resolve(statusOf()) : reject(error)));
      socket.write(
        `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nx-escape-practice: ${'a'.repeat(100_000)}\r\nContent-Length: 2\r\n\r\n{}`,
      );
    });
    expect(status).toBe(431);
    const practice = await post(captured.body, { 'x-escape-practice': '\u00ff'.repeat(50) });
    expect(practice.status).toBeLessThan(500);
    await practice.arrayBuffer();
    await expectStillServing();
  });

  it('a prototype-pollution attempt in the arguments changes nothing', async () => {
    const body = captured.body.replace(
      '"arguments":{',
      '"arguments":{"__proto__":{"polluted":"yes","readOnly":false},"constructor":{"prototype":{"polluted":"yes"}},',
    );
    expect(body).toContain('__proto__');
    const response = await post(body);
    const text = await response.text();
    expect(response.status).toBeLessThan(500);
    expect(text).toMatch(/"slots"|"isError":true/);
    expect(({} as { polluted?: string }).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    await expectStillServing();
  });
});

describe('slow clients', () => {
  const port = () => Number(new URL(stack.http.url).port);

  function rawRequest(body: string): string {
    const headers = {
      ...captured.headers,
      host: `127.0.0.1:${port()}`,
      'content-length': String(Buffer.byteLength(body)),
    };
    return `POST ${new URL(stack.http.mcpUrl).pathname} HTTP/1.1\r\n${Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\r\n')}\r\n\r\n${body}`;
  }

  it('a client that never reads its answers, one that sends headers byte by byte and one that trickles its body do not stop others', async () => {
    const sockets: Socket[] = [];
    const open = () => {
      const socket = connect(port(), '127.0.0.1');
      socket.on('error', () => {});
      sockets.push(socket);
      return socket;
    };
    try {
      // 1. Pipelined requests whose answers are never read (the socket is paused).
      const deaf = open();
      deaf.pause();
      const timeline = callBody((m) => ({
        ...m,
        params: {
          ...(m.params as object),
          name: 'patient_timeline',
          arguments: {
            practice: stack.sandbox.fixtures.practices.la.name,
            patient_id: stack.sandbox.fixtures.practices.la.patients.timeline,
            limit: 50,
          },
        },
      }));
      for (let i = 0; i < 200; i += 1) deaf.write(rawRequest(timeline));

      // 2. Headers one byte at a time.
      const slowHeaders = open();
      const head = rawRequest(captured.body);
      let sent = 0;
      const drip = setInterval(() => {
        if (sent < 200) slowHeaders.write(head[sent++] as string);
      }, 20);

      // 3. A body promised in full and sent a byte at a time.
      const slowBody = open();
      const full = rawRequest(captured.body);
      const split = full.indexOf('\r\n\r\n') + 4;
      slowBody.write(full.slice(0, split));
      let bodySent = split;
      const trickle = setInterval(() => {
        if (bodySent < full.length - 1) slowBody.write(full[bodySent++] as string);
      }, 20);

      // Meanwhile, everyone else is served.
      for (let round = 0; round < 3; round += 1) await expectStillServing();
      clearInterval(drip);
      clearInterval(trickle);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
    await expectStillServing();
    expect(stack.logs()).not.toMatch(/"level":(50|60)/);
  });
});
