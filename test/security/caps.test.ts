/**
 * One credential cannot take every slot: with the default caps (20 sessions, 20 SSE connections,
 * 50 listen streams per principal) a principal's next 2025 `initialize`, `GET /sse` or
 * `subscriptions/listen` gets 429 with a message that says what is full and what to do; another
 * principal is served meanwhile; a slot given back (DELETE, a closed stream) can be taken again.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postInitialize, type Stack, startStack, waitFor } from '../integration/http-harness.js';

const KEY_GREEDY = 'edm_caps-greedy-0000000000000000000000';
const KEY_OTHER = 'edm_caps-other-00000000000000000000000';
const SCOPES = ['scheduling:read'];
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

let stack: Stack;
/** The request an SDK client sends to open a 2026-07-28 listen stream, replayed below. */
let listenRequest: { headers: Record<string, string>; body: string };
const open: AbortController[] = [];

beforeAll(async () => {
  stack = await startStack({
    keys: [
      { id: 'greedy', key: KEY_GREEDY, practices: 'all', scopes: SCOPES },
      { id: 'other', key: KEY_OTHER, practices: 'all', scopes: SCOPES },
    ],
  });
  let seen: typeof listenRequest | undefined;
  const client = new Client({ name: 'caps', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(stack.http.mcpUrl), {
      requestInit: { headers: bearer(KEY_OTHER) },
      fetch: (url, init) => {
        const body = typeof init?.body === 'string' ? init.body : '';
        if (body.includes('"subscriptions/listen"')) {
          seen = { headers: Object.fromEntries(new Headers(init?.headers).entries()), body };
        }
        return fetch(url, init);
      },
    }),
  );
  await client.listen({ toolsListChanged: true });
  await client.close();
  if (!seen) throw new Error('no subscriptions/listen captured');
  listenRequest = seen;
});

afterAll(async () => {
  for (const controller of open) controller.abort();
  await stack?.close();
});

const initialize = (key: string) => postInitialize(stack.http, bearer(key));

/** Opens a long-lived stream and keeps it open; the response's status says whether it was accepted. */
async function openStream(request: () => Promise<Response>, controller: AbortController) {
  open.push(controller);
  const response = await request();
  if (response.status !== 200) return { status: response.status, body: await response.text() };
  // Read the first frame so the server has registered the stream before the next one is opened.
  const reader = response.body?.getReader();
  await reader?.read();
  return { status: 200, body: '' };
}

function sse(key: string) {
  const controller = new AbortController();
  return {
    controller,
    opened: openStream(
      () =>
        fetch(`${stack.http.url}/sse`, {
          headers: { ...bearer(key), accept: 'text/event-stream' },
          signal: controller.signal,
        }),
      controller,
    ),
  };
}

function listen(key: string) {
  const controller = new AbortController();
  return {
    controller,
    opened: openStream(
      () =>
        fetch(stack.http.mcpUrl, {
          method: 'POST',
          headers: { ...listenRequest.headers, ...bearer(key) },
          body: listenRequest.body,
          signal: controller.signal,
        }),
      controller,
    ),
  };
}

describe('per-principal caps (defaults)', () => {
  it('20 sessions: the 21st initialize is 429 with the reason, another principal still gets one, a DELETE frees a slot', async () => {
    const sessions: string[] = [];
    for (let i = 0; i < 20; i += 1) {
      const opened = await initialize(KEY_GREEDY);
      expect(opened.status, opened.body.slice(0, 200)).toBe(200);
      sessions.push(opened.sessionId as string);
    }
    const refused = await initialize(KEY_GREEDY);
    expect(refused.status).toBe(429);
    expect(refused.sessionId).toBeNull();
    expect(JSON.parse(refused.body).error.message).toMatch(/already holds 20 open sessions.*DELETE/);

    const other = await initialize(KEY_OTHER);
    expect(other.status).toBe(200);

    const closed = await fetch(stack.http.mcpUrl, {
      method: 'DELETE',
      headers: { ...bearer(KEY_GREEDY), 'mcp-session-id': sessions[0] as string, 'mcp-protocol-version': '2025-11-25' },
    });
    expect(closed.status).toBe(200);
    await waitFor(async () => (await initialize(KEY_GREEDY)).status === 200, 'a freed session slot');
  });

  it('20 SSE connections: the 21st GET /sse is 429, another principal still connects, a closed stream frees a slot', async () => {
    const streams = [];
    for (let i = 0; i < 20; i += 1) {
      const stream = sse(KEY_GREEDY);
      expect((await stream.opened).status).toBe(200);
      streams.push(stream);
    }
    const refused = await sse(KEY_GREEDY).opened;
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body).error.message).toMatch(/already holds 20 open SSE connections/);
    expect((await sse(KEY_OTHER).opened).status).toBe(200);

    streams[0]?.controller.abort();
    await waitFor(async () => {
      const again = sse(KEY_GREEDY);
      const { status } = await again.opened;
      return status === 200;
    }, 'a freed SSE slot');
  });

  it('50 listen streams: the 51st subscriptions/listen is 429, another principal still listens, a closed stream frees a slot', async () => {
    const streams = [];
    for (let i = 0; i < 50; i += 1) {
      const stream = listen(KEY_GREEDY);
      expect((await stream.opened).status).toBe(200);
      streams.push(stream);
    }
    const refused = await listen(KEY_GREEDY).opened;
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body).error.message).toMatch(/already holds 50 open subscriptions\/listen streams/);
    expect((await listen(KEY_OTHER).opened).status).toBe(200);

    streams[0]?.controller.abort();
    await waitFor(async () => (await listen(KEY_GREEDY).opened).status === 200, 'a freed listen slot');
  });
});
