import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EscapeClient, type EscapeClientOptions, type UpstreamObservation } from '../../../src/api/client.js';
import { StaticTokenProvider } from '../../../src/api/credentials.js';
import {
  BadRequest,
  Conflict,
  EndpointNotConfigured,
  Forbidden,
  InsufficientScope,
  InvalidResponse,
  NotFound,
  PracticeInactive,
  RateLimited,
  ReauthenticationRequired,
  RequestAborted,
  Unauthorized,
  UpstreamTimeout,
  UpstreamUnavailable,
} from '../../../src/api/errors.js';
import { FakeCredentials, type Handler, type ScriptedServer, startScriptedServer } from './scripted-server.js';

const PRACTICE = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';

let server: ScriptedServer;
let client: EscapeClient;
let observations: UpstreamObservation[];
let sleeps: number[];

function makeClient(overrides: Partial<EscapeClientOptions> = {}): EscapeClient {
  return new EscapeClient({
    baseUrl: server.url,
    credentials: new StaticTokenProvider('static-token'),
    observer: (o) => observations.push(o),
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    breaker: { enabled: false },
    timeoutMs: 2_000,
    ...overrides,
  });
}

async function start(handler: Handler): Promise<void> {
  server = await startScriptedServer(handler);
  client = makeClient();
}

beforeEach(() => {
  observations = [];
  sleeps = [];
});

afterEach(async () => {
  await client?.close();
  await server?.close();
});

describe('request basics', () => {
  it('puts ids in their segments, repeats array params, sends the bearer token and JSON', async () => {
    await start(() => ({ json: { ok: true } }));
    await expect(
      client.request({ operation: 'patients.retrieve', params: { practice: PRACTICE, patient: 'a/b?c' } }),
    ).rejects.toThrow(/not an Escape Dental id/);
    expect(server.requests).toHaveLength(0);
    const res = await client.request({
      operation: 'patients.retrieve',
      params: { practice: PRACTICE, patient: '1234' },
      query: { provider: ['p1', 'p2'], include_hidden: true, skip: undefined, n: 5 },
    });
    expect(res.body).toEqual({ ok: true });
    const req = server.requests[0];
    expect(req?.path).toBe(`/api/v1/practice/${PRACTICE}/patient/1234/`);
    expect(req?.query.getAll('provider')).toEqual(['p1', 'p2']);
    expect(req?.query.get('include_hidden')).toBe('true');
    expect(req?.query.has('skip')).toBe(false);
    expect(req?.headers.authorization).toBe('Bearer static-token');
    expect(req?.headers.accept).toBe('application/json');
  });

  it('honours a base URL path prefix and path overrides', async () => {
    server = await startScriptedServer(() => ({ json: [] }));
    client = makeClient({
      baseUrl: `${server.url}/escape/`,
      operations: { 'practices.accessible': '/api/v1/me/practices/' },
    });
    await client.request({ operation: 'practices.accessible' });
    expect(server.requests[0]?.path).toBe('/escape/api/v1/me/practices/');
  });

  it('an operation overridden to null fails as EndpointNotConfigured without a request', async () => {
    server = await startScriptedServer(() => ({ json: [] }));
    client = makeClient({ operations: { 'admin.mcpCatalog': null } });
    await expect(client.request({ operation: 'admin.mcpCatalog' })).rejects.toBeInstanceOf(EndpointNotConfigured);
    expect(server.requests).toHaveLength(0);
  });

  it('reports every attempt to the observer without URLs or ids', async () => {
    await start((_r, i) => (i === 0 ? { status: 503, json: { detail: 'x' } } : { json: { ok: 1 } }));
    await client.request({ operation: 'patients.retrieve', params: { practice: PRACTICE, patient: '98765' } });
    expect(observations).toHaveLength(2);
    expect(observations[0]).toMatchObject({
      operation: 'patients.retrieve',
      method: 'GET',
      status: 503,
      attempt: 1,
      outcome: 'unavailable',
    });
    expect(observations[1]).toMatchObject({ status: 200, attempt: 2, outcome: 'ok' });
    expect(JSON.stringify(observations)).not.toContain(PRACTICE);
    expect(JSON.stringify(observations)).not.toContain('98765');
  });

  it('follows a pagination link to the same list only, and only on the configured origin', async () => {
    client = new EscapeClient({
      baseUrl: 'http://127.0.0.1:9',
      credentials: new StaticTokenProvider('t'),
      breaker: { enabled: false },
    });
    const list = 'http://127.0.0.1:9/api/v1/x/';
    expect(client.resolveLink('/api/v1/x/?page=2', list)).toBe('http://127.0.0.1:9/api/v1/x/?page=2');
    // Without the trailing slash the API would answer a redirect: the list's own path is kept.
    expect(client.resolveLink('http://127.0.0.1:9/api/v1/x?page=2', list)).toBe('http://127.0.0.1:9/api/v1/x/?page=2');
    // The same list under the host name Django sees behind a proxy: asked of our origin instead.
    expect(client.resolveLink('http://escape-api.internal:8000/api/v1/x/?page=2&status=paid', list)).toBe(
      'http://127.0.0.1:9/api/v1/x/?page=2&status=paid',
    );
    // Another path (here or elsewhere), another scheme or an unreadable link: not followed.
    expect(client.resolveLink('http://evil.example/steal/?page=2', list)).toBeUndefined();
    expect(client.resolveLink('/api/v1/other/?page=2', list)).toBeUndefined();
    expect(client.resolveLink('ftp://127.0.0.1:9/api/v1/x/?page=2', list)).toBeUndefined();
    expect(client.resolveLink('http://[oops/', list)).toBeUndefined();
    // A link handed to request() directly must still be on our origin: the token goes with it.
    await expect(
      client.request({ operation: 'patients.list', params: { practice: PRACTICE }, url: 'http://evil.example/x/' }),
    ).rejects.toThrow(InvalidResponse);
  });

  it('rebases a link that lost the base URL path prefix (a proxy that strips it)', () => {
    client = new EscapeClient({
      baseUrl: 'https://gateway.example/escape',
      credentials: new StaticTokenProvider('t'),
      breaker: { enabled: false },
    });
    expect(
      client.resolveLink('http://10.0.0.5:8000/api/v1/x/?page=3', 'https://gateway.example/escape/api/v1/x/?page=2'),
    ).toBe('https://gateway.example/escape/api/v1/x/?page=3');
  });
});

describe('retries', () => {
  it('retries 500/502/503/504 for GET, then fails with UpstreamUnavailable', async () => {
    const statuses = [500, 502, 504];
    await start((_r, i) => ({ status: statuses[i] ?? 503, json: { detail: 'boom' } }));
    const error = await client.request({ operation: 'account.me' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailable);
    expect(server.requests).toHaveLength(3);
    expect((error as UpstreamUnavailable).attempts).toBe(3);
    expect((error as Error).message).not.toContain('boom');
  });

  it('never retries a POST on 5xx', async () => {
    await start(() => ({ status: 503, json: {} }));
    await expect(
      client.request({ operation: 'scheduling.appointmentCreate', params: { practice: PRACTICE }, body: { a: 1 } }),
    ).rejects.toBeInstanceOf(UpstreamUnavailable);
    expect(server.requests).toHaveLength(1);
  });

  it('retries a POST that carries an explicit idempotency guard', async () => {
    await start((_r, i) => (i === 0 ? { status: 503, json: {} } : { json: { valid: true, issues: [] } }));
    const res = await client.request({
      operation: 'scheduling.validateAppointment',
      params: { practice: PRACTICE },
      body: {},
      idempotent: true,
    });
    expect(res.body).toEqual({ valid: true, issues: [] });
    expect(server.requests).toHaveLength(2);
  });

  it('uses full-jitter backoff within bounds', async () => {
    await start((_r, i) => (i < 2 ? { status: 503, json: {} } : { json: {} }));
    client = makeClient({ retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 }, random: () => 0.5 });
    await client.request({ operation: 'account.me' });
    expect(sleeps).toEqual([50, 100]);
  });

  it('honours Retry-After in seconds on 429 and does not hammer', async () => {
    await start((_r, i) =>
      i === 0 ? { status: 429, headers: { 'retry-after': '2' }, json: { detail: 'slow down' } } : { json: {} },
    );
    await client.request({ operation: 'account.me' });
    expect(sleeps).toEqual([2000]);
    expect(server.requests).toHaveLength(2);
  });

  it('honours Retry-After as an HTTP date on 503', async () => {
    const now = Date.parse('2026-05-14T16:00:00Z');
    await start((_r, i) =>
      i === 0
        ? { status: 503, headers: { 'retry-after': new Date(now + 3000).toUTCString() }, json: {} }
        : { json: {} },
    );
    client = makeClient({ now: () => now });
    await client.request({ operation: 'account.me' });
    expect(sleeps).toEqual([3000]);
  });

  it('fails fast when Retry-After does not fit in the remaining deadline, and says so', async () => {
    await start(() => ({ status: 429, headers: { 'retry-after': '120' }, json: { detail: 'Request was throttled.' } }));
    client = makeClient({ deadlineMs: 10_000 });
    const error = await client.request({ operation: 'account.me' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimited);
    expect((error as RateLimited).retryAfterMs).toBe(120_000);
    expect((error as Error).message).toMatch(/wait 120 s .* more than the \d+ s left/);
    expect(server.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('gives up on 429 after the attempt budget with RateLimited', async () => {
    await start(() => ({ status: 429, headers: { 'retry-after': '1' }, json: {} }));
    await expect(client.request({ operation: 'account.me' })).rejects.toBeInstanceOf(RateLimited);
    expect(server.requests).toHaveLength(3);
  });

  it('retries connection resets', async () => {
    await start((_r, i) => (i === 0 ? { reset: true } : { json: { id: 'me' } }));
    const res = await client.request({ operation: 'account.me' });
    expect(res.body).toEqual({ id: 'me' });
    expect(server.requests).toHaveLength(2);
    expect(observations[0]?.outcome).toBe('unavailable');
  });

  it('maps a timeout to UpstreamTimeout after retrying', async () => {
    await start(() => ({ hang: true }));
    client = makeClient({ timeoutMs: 100 });
    const error = await client.request({ operation: 'account.me' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamTimeout);
    expect(server.requests).toHaveLength(3);
    expect(observations.map((o) => o.outcome)).toEqual(['timeout', 'timeout', 'timeout']);
  });

  it('stops at once when the caller aborts, without retrying', async () => {
    await start(() => ({ hang: true }));
    const controller = new AbortController();
    const pending = client.request({ operation: 'account.me', signal: controller.signal });
    await vi.waitFor(() => expect(server.requests).toHaveLength(1));
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(RequestAborted);
    expect(server.requests).toHaveLength(1);
  });

  it("lets go of the caller's signal after each attempt, and still times an attempt out on its own", async () => {
    let calls = 0;
    await start(() => (calls++ === 0 ? { hang: true } : { json: { ok: true } }));
    client = makeClient({ timeoutMs: 100 });
    const controller = new AbortController();
    const response = await client.request({ operation: 'account.me', signal: controller.signal });
    expect(response.body).toEqual({ ok: true });
    expect(observations.map((o) => o.outcome)).toEqual(['timeout', 'ok']);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('times an attempt out while its body stalls after the headers', async () => {
    await start(() => ({ stall: '{"id": "ab', declaredLength: 500 }));
    client = makeClient({ timeoutMs: 100 });
    const error = await client.request({ operation: 'account.me' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamTimeout);
    expect(server.requests).toHaveLength(3);
    expect(observations.map((o) => o.outcome)).toEqual(['timeout', 'timeout', 'timeout']);
  });

  it('stops reading a stalled body at once when the caller aborts', async () => {
    await start(() => ({ stall: '{"id": "ab', declaredLength: 500 }));
    const controller = new AbortController();
    const pending = client.request({ operation: 'account.me', signal: controller.signal });
    await vi.waitFor(() => expect(server.requests).toHaveLength(1));
    // Time for the headers and the first bytes to arrive, so that the abort meets the body.
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(RequestAborted);
    expect(server.requests).toHaveLength(1);
    expect(observations.map((o) => o.outcome)).toEqual(['aborted']);
  });

  it('an already-aborted signal sends nothing', async () => {
    await start(() => ({ json: {} }));
    await expect(client.request({ operation: 'account.me', signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      RequestAborted,
    );
    expect(server.requests).toHaveLength(0);
  });
});

describe('response bodies', () => {
  it('malformed JSON is InvalidResponse', async () => {
    await start(() => ({ raw: '{"count": 3, "results": [' }));
    const error = await client.request({ operation: 'account.me' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidResponse);
    expect((error as Error).message).not.toContain('count');
  });

  it('a body cut short (connection closed mid-body) is InvalidResponse after retries', async () => {
    await start(() => ({ truncate: '{"id": "abc", "na', declaredLength: 500 }));
    await expect(client.request({ operation: 'account.me' })).rejects.toBeInstanceOf(InvalidResponse);
    expect(server.requests).toHaveLength(3);
  });

  it('an HTML maintenance page with 200 is InvalidResponse', async () => {
    await start(() => ({ raw: '<html>maintenance</html>', headers: { 'content-type': 'text/html' } }));
    await expect(client.request({ operation: 'account.me' })).rejects.toThrow(/not JSON/);
  });

  it('an empty 204 body is undefined', async () => {
    await start(() => ({ status: 204 }));
    expect((await client.request({ operation: 'account.me' })).body).toBeUndefined();
  });

  it('rejects bodies above the size limit', async () => {
    await start(() => ({ json: { big: 'x'.repeat(5000) } }));
    client = makeClient({ maxResponseBytes: 1000 });
    await expect(client.request({ operation: 'account.me' })).rejects.toThrow(/larger than/);
  });
});

describe('error mapping', () => {
  it('400 with DRF field errors', async () => {
    await start(() => ({
      status: 400,
      json: { date_time: ['Datetime must include a timezone offset.'], items: [{ fee: ['Bad fee.'] }] },
    }));
    const error = (await client
      .request({ operation: 'scheduling.appointmentCreate', params: { practice: PRACTICE }, body: {} })
      .catch((e: unknown) => e)) as BadRequest;
    expect(error).toBeInstanceOf(BadRequest);
    expect(error.fieldErrors).toEqual([
      { field: 'date_time', messages: ['Datetime must include a timezone offset.'] },
      { field: 'items[0].fee', messages: ['Bad fee.'] },
    ]);
    expect(error.hasField('date_time')).toBe(true);
    // The message reaches logs: it names the fields, and the messages (which may echo input) stay in fieldErrors.
    expect(error.message).toBe(
      'The Escape Dental API rejected the request as invalid (fields: date_time, items[0].fee).',
    );
  });

  it('400 with {detail}', async () => {
    await start(() => ({ status: 400, json: { detail: 'Search window cannot exceed 90 days.' } }));
    const error = (await client.request({ operation: 'account.me' }).catch((e: unknown) => e)) as BadRequest;
    expect(error.fieldErrors).toEqual([{ field: 'detail', messages: ['Search window cannot exceed 90 days.'] }]);
    expect(server.requests).toHaveLength(1);
  });

  it('403 inactive_practice is PracticeInactive on reads and writes, never retried', async () => {
    await start(() => ({
      status: 403,
      json: { detail: 'This practice or its parent organization is disabled.', code: 'inactive_practice' },
    }));
    await expect(
      client.request({ operation: 'providers.list', params: { practice: PRACTICE } }),
    ).rejects.toBeInstanceOf(PracticeInactive);
    await expect(
      client.request({
        operation: 'scheduling.appointmentCreate',
        params: { practice: PRACTICE },
        body: {},
        idempotent: true,
      }),
    ).rejects.toBeInstanceOf(PracticeInactive);
    expect(server.requests).toHaveLength(2);
  });

  it('403 insufficient_scope names the scopes', async () => {
    await start(() => ({
      status: 403,
      json: { detail: 'You do not have permission.', code: 'insufficient_scope', required_scopes: ['scheduling:read'] },
    }));
    const error = (await client.request({ operation: 'account.me' }).catch((e: unknown) => e)) as InsufficientScope;
    expect(error).toBeInstanceOf(InsufficientScope);
    expect(error).toBeInstanceOf(Forbidden);
    expect(error.requiredScopes).toEqual(['scheduling:read']);
    expect(error.message).toContain('scheduling:read');
  });

  it('plain 403 is Forbidden; 404 is NotFound; 405 is EndpointNotConfigured', async () => {
    const replies = [
      { status: 403, json: { detail: 'nope' } },
      { status: 404, json: { detail: 'Not found.' } },
      { status: 405, json: { detail: 'Method "GET" not allowed.' } },
    ];
    await start((_r, i) => replies[i] ?? { json: {} });
    await expect(client.request({ operation: 'account.me' })).rejects.toSatisfy(
      (e) => e instanceof Forbidden && !(e instanceof InsufficientScope),
    );
    await expect(client.request({ operation: 'account.me' })).rejects.toBeInstanceOf(NotFound);
    await expect(client.request({ operation: 'account.me' })).rejects.toBeInstanceOf(EndpointNotConfigured);
  });

  it('409 carries the conflicts', async () => {
    await start(() => ({
      status: 409,
      json: {
        detail: 'Scheduling conflict.',
        conflicts: [{ code: 'operatory_conflict', appointment: 'apt-1', message: 'Chair 1 is booked.' }],
      },
    }));
    const error = (await client
      .request({ operation: 'scheduling.appointmentCreate', params: { practice: PRACTICE }, body: {} })
      .catch((e: unknown) => e)) as Conflict;
    expect(error).toBeInstanceOf(Conflict);
    expect(error.conflicts).toEqual([
      { code: 'operatory_conflict', appointment: 'apt-1', message: 'Chair 1 is booked.' },
    ]);
    expect(error.message).toContain('operatory_conflict');
  });

  it('keeps the upstream body out of the message and out of JSON, but available for logs', async () => {
    await start(() => ({ status: 404, json: { detail: 'Patient Jane Example not found', secret: 'x' } }));
    const error = (await client.request({ operation: 'account.me' }).catch((e: unknown) => e)) as NotFound;
    expect(error.message).not.toContain('Jane');
    expect(JSON.stringify(error)).not.toContain('Jane');
    expect(Object.keys(error)).not.toContain('upstreamBody');
    expect(error.logDetails().upstreamBody).toEqual({ detail: 'Patient Jane Example not found', secret: 'x' });
  });
});

describe('401 handling', () => {
  it('refreshes once and retries once', async () => {
    const creds = new FakeCredentials();
    await start((req) =>
      req.headers.authorization === 'Bearer token-1'
        ? { status: 401, json: { detail: 'expired' } }
        : { json: { id: 'me' } },
    );
    client = makeClient({ credentials: creds });
    const res = await client.request({ operation: 'account.me' });
    expect(res.body).toEqual({ id: 'me' });
    expect(creds.refreshes).toBe(1);
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
    expect(observations.map((o) => o.outcome)).toEqual(['unauthorized', 'ok']);
  });

  it('a second 401 after refreshing is Unauthorized', async () => {
    const creds = new FakeCredentials();
    await start(() => ({
      status: 401,
      json: { detail: 'Given token not valid for any token type', code: 'token_not_valid' },
    }));
    client = makeClient({ credentials: creds });
    await expect(client.request({ operation: 'account.me' })).rejects.toBeInstanceOf(Unauthorized);
    expect(creds.refreshes).toBe(1);
    expect(server.requests).toHaveLength(2);
  });

  it('403 "credentials were not provided" is treated like 401', async () => {
    const creds = new FakeCredentials();
    await start((_r, i) =>
      i === 0 ? { status: 403, json: { detail: 'Authentication credentials were not provided.' } } : { json: {} },
    );
    client = makeClient({ credentials: creds });
    await client.request({ operation: 'account.me' });
    expect(creds.refreshes).toBe(1);
  });

  it('a dead refresh chain surfaces as ReauthenticationRequired', async () => {
    const creds = new FakeCredentials();
    creds.failRefresh = new ReauthenticationRequired('ESCAPE_REFRESH_TOKEN');
    await start(() => ({ status: 401, json: {} }));
    client = makeClient({ credentials: creds });
    const error = await client.request({ operation: 'account.me' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReauthenticationRequired);
    expect((error as Error).message).toMatch(/Sign in to Escape Dental again.*ESCAPE_REFRESH_TOKEN/);
  });

  it('a static token cannot be refreshed: Unauthorized after one request', async () => {
    await start(() => ({ status: 401, json: {} }));
    await expect(client.request({ operation: 'account.me' })).rejects.toThrow(/rejected the configured API token/);
    expect(server.requests).toHaveLength(1);
  });
});

describe('circuit breaker', () => {
  it('opens on a sustained outage, fails fast, then half-opens and closes on recovery', async () => {
    let healthy = false;
    await start(() => (healthy ? { json: { ok: true } } : { status: 503, json: {} }));
    client = makeClient({
      retry: { maxAttempts: 1 },
      breaker: { volumeThreshold: 4, errorThresholdPercentage: 50, resetTimeoutMs: 200 },
    });
    for (let i = 0; i < 4; i++)
      await expect(client.request({ operation: 'account.me' })).rejects.toBeInstanceOf(UpstreamUnavailable);
    expect(client.breakerState()).toBe('open');
    const sent = server.requests.length;
    const fast = (await client.request({ operation: 'account.me' }).catch((e: unknown) => e)) as UpstreamUnavailable;
    expect(fast).toBeInstanceOf(UpstreamUnavailable);
    expect(fast.circuitOpen).toBe(true);
    expect(fast.message).toMatch(/unavailable .*retry in \d+ s/);
    expect(server.requests.length).toBe(sent);

    healthy = true;
    await vi.waitFor(() => expect(client.breakerState()).toBe('half_open'), { timeout: 5_000, interval: 20 });
    await expect(client.request({ operation: 'account.me' })).resolves.toMatchObject({ body: { ok: true } });
    expect(client.breakerState()).toBe('closed');
  });

  it('a failed trial while half-open re-opens the circuit', async () => {
    await start(() => ({ status: 500, json: {} }));
    client = makeClient({ retry: { maxAttempts: 1 }, breaker: { volumeThreshold: 2, resetTimeoutMs: 100 } });
    for (let i = 0; i < 2; i++) await client.request({ operation: 'account.me' }).catch(() => undefined);
    expect(client.breakerState()).toBe('open');
    await vi.waitFor(() => expect(client.breakerState()).toBe('half_open'), { timeout: 5_000, interval: 20 });
    await expect(client.request({ operation: 'account.me' })).rejects.toBeInstanceOf(UpstreamUnavailable);
    expect(client.breakerState()).toBe('open');
  });

  it('client errors (4xx, 429) never open it', async () => {
    const replies = [404, 400, 409, 429, 403];
    await start((_r, i) => ({ status: replies[i % replies.length] ?? 404, json: {} }));
    client = makeClient({ retry: { maxAttempts: 1 }, breaker: { volumeThreshold: 2, errorThresholdPercentage: 10 } });
    for (let i = 0; i < 15; i++) await client.request({ operation: 'account.me' }).catch(() => undefined);
    expect(client.breakerState()).toBe('closed');
    expect(server.requests).toHaveLength(15);
  });
});
