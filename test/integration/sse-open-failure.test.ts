/**
 * A legacy SSE session whose MCP server fails to connect to its stream leaves nothing behind: no
 * session entry, no keepalive timer, and the principal's SSE slot is given back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from './http-harness.js';

const KEY = 'edm_sse-open-failure-00000000000000000';
const auth = { authorization: `Bearer ${KEY}` };

let stack: Stack;
let failNextConnect = false;
const streams: AbortController[] = [];

beforeAll(async () => {
  stack = await startStack({
    keys: [{ id: 'ops', key: KEY, practices: 'all', scopes: ['scheduling:read'] }],
    args: ['--max-sse-per-principal', '1'],
    http: {
      extendServer: (server, era) => {
        if (era !== 'legacy' || !failNextConnect) return;
        failNextConnect = false;
        server.server.connect = async () => {
          throw new Error('the transport could not be started');
        };
      },
    },
  });
});

afterAll(async () => {
  for (const controller of streams) controller.abort();
  await stack?.close();
});

async function sseSessions(): Promise<number> {
  const body = (await (await fetch(`${stack.http.url}/readyz`, { headers: auth })).json()) as {
    sessions: { sse: number };
  };
  return body.sessions.sse;
}

describe('GET /sse when the server cannot connect to the stream', () => {
  it('answers 500 and keeps no session; the SSE slot is free for the next connection', async () => {
    failNextConnect = true;
    const failed = await fetch(`${stack.http.url}/sse`, { headers: { ...auth, accept: 'text/event-stream' } });
    expect(failed.status).toBe(500);
    await failed.body?.cancel();
    expect(await sseSessions()).toBe(0);

    // With one SSE connection allowed per principal, the failed one must not hold it.
    const controller = new AbortController();
    streams.push(controller);
    const next = await fetch(`${stack.http.url}/sse`, {
      headers: { ...auth, accept: 'text/event-stream' },
      signal: controller.signal,
    });
    expect(next.status).toBe(200);
    await next.body?.getReader().read();
    expect(await sseSessions()).toBe(1);
  });
});
