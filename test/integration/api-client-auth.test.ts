/**
 * The API client's credentials and transport against the sandbox over real HTTP: SimpleJWT
 * rotation and persistence, expiry and the chain cap, static tokens, the disabled practice, and
 * fault injection (5xx, 429 + Retry-After, resets, truncated and malformed JSON, the breaker).
 * Request counts come from the sandbox's own request log, not from the client.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { fingerprint } from '../../src/api/credentials.js';
import {
  type CreateEscapeApiOptions,
  createEscapeApi,
  type EscapeApiHandle,
  InvalidResponse,
  NotFound,
  PracticeInactive,
  RateLimited,
  ReauthenticationRequired,
  Unauthorized,
  type UpstreamObservation,
  UpstreamTimeout,
  UpstreamUnavailable,
} from '../../src/api/index.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';

let sandbox: RunningSandbox;
let dir: string;
const open: EscapeApiHandle[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, now: '2026-05-13T17:00:00Z' });
  dir = await mkdtemp(join(tmpdir(), 'escape-api-auth-'));
});

afterAll(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

afterEach(async () => {
  await sandbox.control.clearFaults();
  while (open.length > 0) await open.pop()?.close();
});

function api(options: Partial<CreateEscapeApiOptions> = {}): EscapeApiHandle {
  const handle = createEscapeApi({
    baseUrl: sandbox.url,
    // The service user's OAuth token: opaque and not clock-bound (other tests move the clock).
    credentials: { kind: 'static', token: sandbox.credentials.oauth.service.token },
    retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
    breaker: { enabled: false },
    timeoutMs: 5_000,
    ...options,
  });
  open.push(handle);
  return handle;
}

/** Sandbox log entries after `since` for paths matching `re`. */
async function logSince(since: number, re: RegExp) {
  return (await sandbox.control.requests(since)).filter((r) => re.test(r.path));
}

async function rawRefresh(refresh: string): Promise<number> {
  const res = await fetch(`${sandbox.url}/api/v1/account/token/refresh/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refresh }),
  });
  await res.text();
  return res.status;
}

/** A fresh SimpleJWT login (its own chain), so tests do not share a chain. */
async function login(): Promise<string> {
  const res = await fetch(`${sandbox.url}/api/v1/account/token/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: sandbox.credentials.service.email, password: sandbox.credentials.service.password }),
  });
  const body = (await res.json()) as { refresh: string };
  return body.refresh;
}

describe('SimpleJWT credentials', () => {
  it('rotates the refresh token, persists it 0600 before use, and a restart continues the chain', async () => {
    const configured = await login();
    const stateFile = join(dir, 'rotation', 'session.json');
    const since = await sandbox.control.lastSeq();
    const first = api({ credentials: { kind: 'simplejwt', refreshToken: configured, stateFile } });
    const me = await first.account.me();
    expect(me.id).toBe(sandbox.credentials.service.userId);

    const state = JSON.parse(await readFile(stateFile, 'utf8')) as {
      refreshToken: string;
      configuredFingerprint: string;
    };
    expect(state.configuredFingerprint).toBe(fingerprint(configured));
    expect(state.refreshToken).not.toBe(configured);
    expect((await stat(stateFile)).mode & 0o777).toBe(0o600);
    expect(await logSince(since, /token\/refresh/)).toHaveLength(1);
    // The configured token was rotated away: the sandbox now rejects it.
    expect(await rawRefresh(configured)).toBe(401);

    // A restart with the same configuration only works if it picks up the persisted token.
    await first.close();
    const second = api({ credentials: { kind: 'simplejwt', refreshToken: configured, stateFile } });
    await expect(second.account.me()).resolves.toMatchObject({ id: sandbox.credentials.service.userId });
    const rotatedAgain = JSON.parse(await readFile(stateFile, 'utf8')) as { refreshToken: string };
    expect(rotatedAgain.refreshToken).not.toBe(state.refreshToken);
  });

  it('an access token that expired on the server is refreshed once after the 401, then retried', async () => {
    const handle = api({ credentials: { kind: 'simplejwt', refreshToken: await login() } });
    await handle.account.me();
    await sandbox.control.advanceClock(10 * 60_000); // access TTL is 5 minutes
    const since = await sandbox.control.lastSeq();
    await expect(handle.account.me()).resolves.toMatchObject({ id: sandbox.credentials.service.userId });
    const log = await sandbox.control.requests(since);
    expect(log.map((r) => `${r.path.includes('refresh') ? 'refresh' : 'me'}:${r.status}`)).toEqual([
      'me:401',
      'refresh:200',
      'me:200',
    ]);
  });

  it('concurrent 401s share one refresh', async () => {
    const handle = api({ credentials: { kind: 'simplejwt', refreshToken: await login() } });
    await handle.account.me();
    await sandbox.control.advanceClock(10 * 60_000);
    const since = await sandbox.control.lastSeq();
    await Promise.all(Array.from({ length: 6 }, () => handle.account.me()));
    expect(await logSince(since, /token\/refresh/)).toHaveLength(1);
  });

  it('past the absolute chain cap the refresh fails with ReauthenticationRequired', async () => {
    const stateFile = join(dir, 'cap', 'session.json');
    const handle = api({
      credentials: { kind: 'simplejwt', refreshToken: await login(), stateFile, reauthHint: 'ESCAPE_REFRESH_TOKEN' },
    });
    await handle.account.me();
    await sandbox.control.advanceClock(13 * 3_600_000); // default cap: 12 h since login
    const error = await handle.account.me().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReauthenticationRequired);
    expect((error as Error).message).toMatch(
      /Sign in to Escape Dental again and update the refresh token \(ESCAPE_REFRESH_TOKEN\)/,
    );
    // Dead stays dead: no further refresh attempts.
    const since = await sandbox.control.lastSeq();
    await expect(handle.account.me()).rejects.toBeInstanceOf(ReauthenticationRequired);
    expect(await sandbox.control.requests(since)).toHaveLength(0);
  });

  it('never calls logout', async () => {
    expect((await sandbox.control.counters()).events.token_logout ?? 0).toBe(0);
  });
});

describe('static tokens', () => {
  it('an invalid token is Unauthorized after one request (nothing to refresh)', async () => {
    const since = await sandbox.control.lastSeq();
    const handle = api({ credentials: { kind: 'static', token: 'not-a-token', hint: 'ESCAPE_API_TOKEN' } });
    const error = await handle.account.me().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Unauthorized);
    expect((error as Error).message).toContain('ESCAPE_API_TOKEN');
    expect(await sandbox.control.requests(since)).toHaveLength(1);
  });

  it('an OAuth token works as a static bearer', async () => {
    const handle = api({ credentials: { kind: 'static', token: sandbox.credentials.oauth.service.token } });
    await expect(handle.account.me()).resolves.toMatchObject({ id: sandbox.credentials.oauth.service.userId });
  });
});

describe('tenancy and the disabled practice', () => {
  it('the disabled practice answers PracticeInactive to reads, never retried', async () => {
    const { chicago } = sandbox.fixtures.practices;
    expect(chicago.isActive).toBe(false);
    const handle = api();
    const since = await sandbox.control.lastSeq();
    const error = await handle.practices.retrieve(chicago.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PracticeInactive);
    expect((error as Error).message).toMatch(/disabled/);
    expect(await sandbox.control.requests(since)).toHaveLength(1);
  });

  it('a practice of another tenant is NotFound', async () => {
    // The front-desk app was granted Los Angeles only.
    const handle = api({ credentials: { kind: 'static', token: sandbox.credentials.oauth.frontDeskLa.token } });
    expect(sandbox.credentials.oauth.frontDeskLa.practiceIds).not.toContain(sandbox.fixtures.practices.ny.id);
    await expect(handle.practices.retrieve(sandbox.fixtures.practices.ny.id)).rejects.toBeInstanceOf(NotFound);
  });

  it('discovery lists the accessible practices with their time zones', async () => {
    const handle = api();
    const raw = (await (
      await fetch(`${sandbox.url}/api/v1/practice/accessible/`, {
        headers: { authorization: `Bearer ${sandbox.credentials.oauth.service.token}` },
      })
    ).json()) as Array<{ id: string; timezone: string }>;
    const result = await handle.practices.discover();
    expect(result.sources).toEqual(['accessible', 'memberships']);
    expect(result.practices.flatMap((p) => (p.status === 'available' ? [[p.id, p.timezone]] : []))).toEqual(
      raw.map((p) => [p.id, p.timezone]),
    );
    // The accessible list names active practices only (L9834): the memberships name the disabled one.
    expect(result.practices.find((p) => p.id === sandbox.fixtures.practices.chicago.id)?.status).toBe('disabled');
    expect(await handle.practices.timezone(sandbox.fixtures.practices.la.id)).toBe(
      sandbox.fixtures.practices.la.timezone,
    );
  });

  it('discovery falls back to account/me memberships when the accessible list is refused', async () => {
    // The front-desk OAuth token lacks reports:read, which the accessible list requires (L9834).
    const oauth = sandbox.credentials.oauth.frontDeskLa;
    const handle = api({ credentials: { kind: 'static', token: oauth.token } });
    const result = await handle.practices.discover();
    expect(result.sources).toEqual(['memberships']);
    expect(result.warnings).toHaveLength(1);
    expect(result.practices.map((p) => p.id)).toContain(sandbox.fixtures.practices.la.id);
  });
});

describe('fault injection', () => {
  const ME = /account\/me/;

  it('a sustained 5xx burst is retried a bounded number of times, then fails clearly', async () => {
    await sandbox.control.setFaults({ path: 'account/me', errorRate: 1, errorStatuses: [503] });
    const observations: UpstreamObservation[] = [];
    const handle = api({ observer: (o) => observations.push(o) });
    const since = await sandbox.control.lastSeq();
    const error = await handle.account.me().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamUnavailable);
    expect((error as Error).message).toMatch(/Escape Dental API is having trouble/);
    const log = await logSince(since, ME);
    expect(log).toHaveLength(3);
    expect(observations.map((o) => o.status)).toEqual(log.map((r) => r.status));
  });

  it('a transient 5xx is retried to success', async () => {
    await sandbox.control.setFaults({ path: 'account/me', errorRate: 1, errorStatuses: [502] });
    const handle = api({ sleep: () => sandbox.control.clearFaults().then(() => undefined) });
    const since = await sandbox.control.lastSeq();
    await expect(handle.account.me()).resolves.toMatchObject({ id: sandbox.credentials.oauth.service.userId });
    expect((await logSince(since, ME)).map((r) => r.status)).toEqual([502, 200]);
  });

  it('429 with Retry-After is honoured and not hammered', async () => {
    await sandbox.control.setFaults({ path: 'account/me', burst429: 2, retryAfterSeconds: 1 });
    const waits: number[] = [];
    const handle = api({
      sleep: async (ms) => {
        waits.push(ms);
        await new Promise((r) => setTimeout(r, ms));
      },
    });
    const since = await sandbox.control.lastSeq();
    await expect(handle.account.me()).resolves.toBeTruthy();
    expect(waits).toEqual([1000, 1000]);
    expect((await logSince(since, ME)).map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it('a Retry-After longer than the deadline fails at once and says so', async () => {
    await sandbox.control.setFaults({ path: 'account/me', burst429: 5, retryAfterSeconds: 60 });
    const handle = api({ deadlineMs: 5_000 });
    const since = await sandbox.control.lastSeq();
    const error = await handle.account.me().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimited);
    expect((error as RateLimited).retryAfterMs).toBe(60_000);
    expect((error as Error).message).toMatch(/wait 60 s/);
    expect(await logSince(since, ME)).toHaveLength(1);
  });

  it('connection resets are retried, then reported as unavailable', async () => {
    await sandbox.control.setFaults({ path: 'account/me', resetRate: 1 });
    const handle = api();
    const since = await sandbox.control.lastSeq();
    await expect(handle.account.me()).rejects.toBeInstanceOf(UpstreamUnavailable);
    expect(await logSince(since, ME)).toHaveLength(3);
  });

  it('truncated JSON is InvalidResponse', async () => {
    await sandbox.control.setFaults({ path: 'account/me', truncateRate: 1 });
    await expect(api().account.me()).rejects.toBeInstanceOf(InvalidResponse);
  });

  it('malformed JSON is InvalidResponse', async () => {
    await sandbox.control.setFaults({ path: 'account/me', malformedRate: 1 });
    const error = await api()
      .account.me()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidResponse);
    expect((error as Error).message).toMatch(/malformed or truncated JSON/);
  });

  it('a slow upstream times out', async () => {
    await sandbox.control.setFaults({ path: 'account/me', latencyMs: 3_000 });
    const handle = api({ timeoutMs: 200, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } });
    await expect(handle.account.me()).rejects.toBeInstanceOf(UpstreamTimeout);
  });

  it('a sustained outage opens the breaker (fail fast), which half-opens and closes on recovery', async () => {
    await sandbox.control.setFaults({ errorRate: 1, errorStatuses: [500] });
    const handle = api({
      retry: { maxAttempts: 1 },
      breaker: { volumeThreshold: 4, errorThresholdPercentage: 50, resetTimeoutMs: 300 },
    });
    for (let i = 0; i < 4; i++) await expect(handle.account.me()).rejects.toBeInstanceOf(UpstreamUnavailable);
    expect(handle.client.breakerState()).toBe('open');
    const since = await sandbox.control.lastSeq();
    const fast = await handle.account.me().catch((e: unknown) => e);
    expect(fast).toBeInstanceOf(UpstreamUnavailable);
    expect((fast as Error).message).toMatch(/unavailable .*retry in \d+ s/);
    expect(await sandbox.control.requests(since)).toHaveLength(0);

    await sandbox.control.clearFaults();
    await vi.waitFor(() => expect(handle.client.breakerState()).toBe('half_open'), { timeout: 5_000, interval: 25 });
    await expect(handle.account.me()).resolves.toBeTruthy();
    expect(handle.client.breakerState()).toBe('closed');
  });

  it('client errors do not open the breaker', async () => {
    const handle = api({
      retry: { maxAttempts: 1 },
      breaker: { volumeThreshold: 3, errorThresholdPercentage: 10, resetTimeoutMs: 60_000 },
    });
    for (let i = 0; i < 8; i++) {
      await expect(handle.practices.retrieve('00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(NotFound);
    }
    expect(handle.client.breakerState()).toBe('closed');
  });
});
