/** Fault injection (one test per kind), the request log and counters. No timing assertions. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { Api, boot, practicePath } from './helpers.js';

let sb: RunningSandbox;
let api: Api;
let path: string;

beforeAll(async () => {
  sb = await boot();
  api = new Api(sb.url, sb.credentials.service.access);
  path = `${practicePath(sb.fixtures.practices.la.id)}/provider/`;
});
afterAll(async () => sb?.close());
beforeEach(async () => {
  await sb.control.clearFaults();
  await sb.control.clearRequests();
});

async function raw(p = path, method = 'GET') {
  return fetch(`${sb.url}${p}`, { method, headers: { authorization: `Bearer ${sb.credentials.service.access}` } });
}

describe('fault injection', () => {
  it('latency and jitter delay responses (observed through the log, not a clock)', async () => {
    await sb.control.setFaults({ path: '/provider/$', latencyMs: 30, jitterMs: 20 });
    expect((await api.get(path)).status).toBe(200);
    const [entry] = await sb.control.requests();
    expect(entry?.status).toBe(200);
    expect((await sb.control.counters()).faults.latency).toBe(1);
  });

  it('error rates answer 500/502/503 with HTML bodies', async () => {
    await sb.control.setFaults({ errorRate: 1, errorStatuses: [500, 502, 503] });
    const statuses = new Set<number>();
    for (let i = 0; i < 30; i++) {
      const r = await raw();
      statuses.add(r.status);
      expect(r.headers.get('content-type')).toContain('text/html');
      await r.text();
    }
    expect([...statuses].sort()).toEqual([500, 502, 503]);
  });

  it('a 429 burst answers N throttles with Retry-After, then recovers', async () => {
    await sb.control.setFaults({ burst429: 3, retryAfterSeconds: 7 });
    for (let i = 0; i < 3; i++) {
      const r = await api.get(path);
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toBe('7');
    }
    expect((await api.get(path)).status).toBe(200);
  });

  it('connection resets reject the fetch', async () => {
    await sb.control.setFaults({ resetRate: 1 });
    await expect(raw()).rejects.toThrow();
    const [entry] = await sb.control.requests();
    expect(entry?.fault).toBe('reset');
  });

  it('truncated bodies fail while reading', async () => {
    await sb.control.setFaults({ truncateRate: 1 });
    const r = await raw();
    expect(r.status).toBe(200);
    await expect(r.text()).rejects.toThrow();
  });

  it('malformed JSON arrives complete but does not parse', async () => {
    await sb.control.setFaults({ malformedRate: 1 });
    const r = await raw();
    expect(r.status).toBe(200);
    const text = await r.text();
    expect(() => JSON.parse(text)).toThrow();
  });

  it('slow bodies arrive intact in chunks', async () => {
    await sb.control.setFaults({ slowBody: { chunkBytes: 256, chunkDelayMs: 2 } });
    const slow = await api.get(path);
    await sb.control.clearFaults();
    const fast = await api.get(path);
    expect(slow.text).toBe(fast.text);
    expect((await sb.control.requests())[0]?.fault).toBe('slow_body');
  });

  it('rules can be restricted by method and path pattern', async () => {
    await sb.control.setFaults({ method: 'POST', path: '/transition/$', errorRate: 1, errorStatuses: [503] });
    expect((await api.get(path)).status).toBe(200);
    await sb.control.setFaults({ method: 'GET', path: '/patient/$', errorRate: 1 });
    expect((await api.get(path)).status).toBe(200);
    expect((await api.get(`${practicePath(sb.fixtures.practices.la.id)}/patient/`)).status).toBe(500);
  });

  it('is deterministic for a given seed', async () => {
    const run = async (s: RunningSandbox) => {
      await s.control.setFaults({ errorRate: 0.5, errorStatuses: [500, 503] });
      const out: number[] = [];
      for (let i = 0; i < 20; i++) {
        const r = await fetch(`${s.url}${path}`, {
          headers: { authorization: `Bearer ${s.credentials.service.access}` },
        });
        out.push(r.status);
        await r.text();
      }
      return out;
    };
    const other = await boot();
    try {
      const a = await run(sb);
      const b = await run(other);
      expect(a).toEqual(b);
      expect(new Set(a).size).toBeGreaterThan(1);
    } finally {
      await other.close();
    }
  });

  it('faults can be set at start', async () => {
    const s = await boot({ faults: { burst429: 1 } });
    try {
      const a = new Api(s.url, s.credentials.service.access);
      expect((await a.get(path)).status).toBe(429);
      expect((await a.get(path)).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe('request log and counters', () => {
  it('records seq, method, path, query, status, duration and token kind — never the token', async () => {
    await api.get(path, { page_size: 5 });
    await api
      .with(sb.credentials.oauth.readerLa.token)
      .get(`${practicePath(sb.fixtures.practices.la.id)}/patient/`, { search: 'x' });
    await api.with(undefined).get(path);
    const log = await sb.control.requests();
    expect(log).toHaveLength(3);
    const first = log[0]?.seq ?? 0;
    expect(log.map((e) => e.seq)).toEqual([first, first + 1, first + 2]);
    expect(log[0]).toMatchObject({
      method: 'GET',
      path,
      query: 'page_size=5',
      status: 200,
      token_kind: 'jwt',
      route: 'GET /api/v1/practice/{practice_uid}/provider/',
    });
    expect(typeof log[0]?.durationMs).toBe('number');
    expect(log[1]).toMatchObject({ token_kind: 'oauth', query: 'search=x' });
    expect(log[2]).toMatchObject({ status: 401, token_kind: 'none' });
    const dump = JSON.stringify(log);
    expect(dump).not.toContain(sb.credentials.service.access);
    expect(dump).not.toContain(sb.credentials.oauth.readerLa.token);
    const since = await sb.control.requests(first + 1);
    expect(since).toHaveLength(1);
  });

  it('counts requests per route and status', async () => {
    for (let i = 0; i < 4; i++) await api.get(path);
    await api.get('/api/v1/account/me/');
    const c = await sb.control.counters();
    expect(c.total).toBe(5);
    expect(c.by_route['GET /api/v1/practice/{practice_uid}/provider/']).toBe(4);
    expect(c.by_route['GET /api/v1/account/me/']).toBe(1);
    expect(c.by_status['200']).toBe(5);
  });
});
