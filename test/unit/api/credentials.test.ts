import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  fingerprint,
  jwtExpiryMs,
  refreshTokenFromSetCookie,
  SimpleJwtProvider,
  StaticTokenProvider,
  writeFileAtomic0600,
} from '../../../src/api/credentials.js';
import { RateLimited, ReauthenticationRequired, Unauthorized, UpstreamUnavailable } from '../../../src/api/errors.js';
import { type Reply, type ScriptedServer, startScriptedServer } from './scripted-server.js';

function jwt(payload: Record<string, unknown>): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc(payload)}.sig`;
}

let dir: string;
let server: ScriptedServer;
/** The refresh endpoint's state: valid refresh tokens and how many rotations happened. */
let valid: Set<string>;
let rotations: number;
let nowMs: number;
let replyOverride: ((body: { refresh?: string }) => Reply | undefined) | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'escape-upstream-'));
  valid = new Set(['R0']);
  rotations = 0;
  nowMs = Date.parse('2026-05-14T16:00:00Z');
  replyOverride = undefined;
  server = await startScriptedServer(async (req) => {
    const body = (req.body ?? {}) as { refresh?: string };
    const override = replyOverride?.(body);
    if (override) return override;
    expect(req.path).toBe('/api/v1/account/token/refresh/');
    expect(req.method).toBe('POST');
    if (!body.refresh || !valid.has(body.refresh)) {
      return { status: 401, json: { detail: 'Token is invalid or expired', code: 'token_not_valid' } };
    }
    // Rotation: the old token is blacklisted.
    valid.delete(body.refresh);
    rotations += 1;
    const next = `R${rotations}`;
    valid.add(next);
    await new Promise((r) => setTimeout(r, 20));
    return {
      json: { access: jwt({ token_type: 'access', exp: Math.floor(nowMs / 1000) + 300, n: rotations }), refresh: next },
    };
  });
});

afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function provider(extra: Partial<ConstructorParameters<typeof SimpleJwtProvider>[0]> = {}): SimpleJwtProvider {
  return new SimpleJwtProvider({
    baseUrl: server.url,
    refreshToken: 'R0',
    stateFile: join(dir, 'session.json'),
    now: () => nowMs,
    reauthHint: 'ESCAPE_REFRESH_TOKEN',
    ...extra,
  });
}

describe('token helpers', () => {
  it('decodes exp without verifying', () => {
    expect(jwtExpiryMs(jwt({ exp: 1_800_000_000 }))).toBe(1_800_000_000_000);
    expect(jwtExpiryMs('oat_opaque')).toBeUndefined();
    expect(jwtExpiryMs('a.b.c')).toBeUndefined();
  });

  it('reads the rotated token from Set-Cookie (C-T17)', () => {
    expect(refreshTokenFromSetCookie(['sessionid=x; Path=/', 'escape_refresh_token=abc%3D; HttpOnly; Path=/'])).toBe(
      'abc=',
    );
    expect(refreshTokenFromSetCookie('escape_refresh_token=""; Max-Age=0')).toBeUndefined();
    expect(refreshTokenFromSetCookie(undefined)).toBeUndefined();
  });

  it('writes files atomically with 0600 and leaves no temp files', async () => {
    const file = join(dir, 'nested', 'state.json');
    await writeFileAtomic0600(file, 'one');
    await writeFileAtomic0600(file, 'two');
    expect(await readFile(file, 'utf8')).toBe('two');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(dir, 'nested'))).toEqual(['state.json']);
  });
});

describe('StaticTokenProvider', () => {
  it('returns the token and cannot refresh', async () => {
    const p = new StaticTokenProvider('oat_123', 'ESCAPE_API_TOKEN');
    expect(await p.getAccessToken()).toBe('oat_123');
    await expect(p.refreshAfterUnauthorized()).rejects.toBeInstanceOf(Unauthorized);
    await expect(p.refreshAfterUnauthorized()).rejects.toThrow(/ESCAPE_API_TOKEN/);
    expect(() => new StaticTokenProvider(' ')).toThrow(TypeError);
  });
});

describe('SimpleJwtProvider', () => {
  it('refreshes on first use, persists the rotated token atomically with 0600', async () => {
    const p = provider();
    const access = await p.getAccessToken();
    expect(jwtExpiryMs(access)).toBe(nowMs + 300_000);
    expect(rotations).toBe(1);
    const file = join(dir, 'session.json');
    const state = JSON.parse(await readFile(file, 'utf8'));
    expect(state).toMatchObject({ version: 1, configuredFingerprint: fingerprint('R0'), refreshToken: 'R1' });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.stringify(state)).not.toContain('R0');
  });

  it('reuses a fresh access token and refreshes ~30 s before exp', async () => {
    const p = provider();
    const first = await p.getAccessToken();
    nowMs += 200_000;
    expect(await p.getAccessToken()).toBe(first);
    expect(rotations).toBe(1);
    nowMs += 75_000; // 25 s before exp
    const second = await p.getAccessToken();
    expect(second).not.toBe(first);
    expect(rotations).toBe(2);
  });

  it('single-flight: concurrent callers share one refresh (rotation would kill a second one)', async () => {
    const p = provider();
    const tokens = await Promise.all(Array.from({ length: 8 }, () => p.getAccessToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(rotations).toBe(1);
    expect(server.requests).toHaveLength(1);
    const after = await Promise.all(Array.from({ length: 5 }, () => p.refreshAfterUnauthorized(tokens[0] as string)));
    expect(new Set(after).size).toBe(1);
    expect(rotations).toBe(2);
  });

  it('after a 401 on an old token, a caller gets the already-refreshed token without another rotation', async () => {
    const p = provider();
    const t1 = await p.getAccessToken();
    const t2 = await p.refreshAfterUnauthorized(t1);
    expect(await p.refreshAfterUnauthorized(t1)).toBe(t2);
    expect(rotations).toBe(2);
  });

  it('a restart continues from the persisted token while the configured one is unchanged', async () => {
    await provider().getAccessToken(); // R0 → R1 persisted
    const restarted = provider();
    expect(await restarted.currentRefreshToken()).toBe('R1');
    await restarted.getAccessToken(); // R1 → R2
    expect(rotations).toBe(2);
    expect(JSON.parse(await readFile(join(dir, 'session.json'), 'utf8')).refreshToken).toBe('R2');
  });

  it('a newly configured token starts a new chain (persisted state of the old one is ignored)', async () => {
    await provider().getAccessToken();
    valid.add('NEW');
    const p = provider({ refreshToken: 'NEW' });
    expect(await p.currentRefreshToken()).toBe('NEW');
    await p.getAccessToken();
    const state = JSON.parse(await readFile(join(dir, 'session.json'), 'utf8'));
    expect(state.configuredFingerprint).toBe(fingerprint('NEW'));
  });

  it('ignores a corrupt state file', async () => {
    await writeFile(join(dir, 'session.json'), '{not json');
    expect(await provider().currentRefreshToken()).toBe('R0');
  });

  it('accepts the rotated token from Set-Cookie when the body lacks it', async () => {
    replyOverride = (body) => {
      if (body.refresh !== 'R0') return undefined;
      valid.delete('R0');
      valid.add('C1');
      return {
        json: { access: jwt({ exp: Math.floor(nowMs / 1000) + 300 }) },
        headers: { 'set-cookie': 'escape_refresh_token=C1; HttpOnly; Path=/' },
      };
    };
    const p = provider();
    await p.getAccessToken();
    expect(await p.currentRefreshToken()).toBe('C1');
    expect(JSON.parse(await readFile(join(dir, 'session.json'), 'utf8')).refreshToken).toBe('C1');
  });

  it('a dead chain (401 on refresh) is ReauthenticationRequired naming where the token goes, and stays dead', async () => {
    valid.clear();
    const p = provider();
    const error = await p.getAccessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReauthenticationRequired);
    expect((error as Error).message).toMatch(
      /Sign in to Escape Dental again and update the refresh token \(ESCAPE_REFRESH_TOKEN\)/,
    );
    await expect(p.getAccessToken()).rejects.toBeInstanceOf(ReauthenticationRequired);
    await expect(p.refreshAfterUnauthorized('x')).rejects.toBeInstanceOf(ReauthenticationRequired);
    expect(server.requests).toHaveLength(1);
  });

  it('a 400 on refresh is also a dead chain', async () => {
    replyOverride = () => ({ status: 400, json: { refresh: ['This field may not be blank.'] } });
    await expect(provider().getAccessToken()).rejects.toBeInstanceOf(ReauthenticationRequired);
  });

  it("a 403 page that is not the API's JSON (a proxy or firewall) is transient, not a dead chain", async () => {
    let calls = 0;
    replyOverride = () => {
      calls += 1;
      return calls === 1
        ? {
            status: 403,
            raw: '<html><body><h1>403 Forbidden</h1></body></html>',
            headers: { 'content-type': 'text/html' },
          }
        : undefined;
    };
    const p = provider();
    await expect(p.getAccessToken()).rejects.toBeInstanceOf(UpstreamUnavailable);
    expect(await p.getAccessToken()).toBeTruthy();
    expect(rotations).toBe(1);
  });

  it('a 5xx or 429 on refresh is transient, not a dead chain', async () => {
    let calls = 0;
    replyOverride = () => {
      calls += 1;
      if (calls === 1) return { status: 503, json: {} };
      if (calls === 2) return { status: 429, headers: { 'retry-after': '3' }, json: {} };
      return undefined;
    };
    const p = provider();
    await expect(p.getAccessToken()).rejects.toBeInstanceOf(UpstreamUnavailable);
    const limited = await p.getAccessToken().catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RateLimited);
    expect((limited as RateLimited).retryAfterMs).toBe(3000);
    expect(await p.getAccessToken()).toBeTruthy();
  });

  it('works in memory without a state file', async () => {
    const p = provider({ stateFile: undefined });
    await p.getAccessToken();
    expect(await p.currentRefreshToken()).toBe('R1');
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('clock skew', () => {
  it('anchors the access-token lifetime (exp − iat) at our receive time', async () => {
    const { localExpiryMs } = await import('../../../src/api/credentials.js');
    const serverNow = Date.parse('2020-01-01T00:00:00Z') / 1000;
    const token = jwt({ iat: serverNow, exp: serverNow + 300 });
    expect(localExpiryMs(token, 1_000_000)).toBe(1_000_000 + 300_000);
    expect(localExpiryMs(jwt({ exp: 2_000 }), 1)).toBe(2_000_000);
    expect(localExpiryMs('opaque', 1)).toBeUndefined();
  });

  it('a server clock far behind ours does not cause a refresh per call', async () => {
    replyOverride = (body) => {
      if (!body.refresh || !valid.has(body.refresh)) return undefined;
      valid.delete(body.refresh);
      rotations += 1;
      valid.add(`R${rotations}`);
      const iat = Date.parse('2020-01-01T00:00:00Z') / 1000;
      return { json: { access: jwt({ iat, exp: iat + 300, n: rotations }), refresh: `R${rotations}` } };
    };
    const p = provider();
    const a = await p.getAccessToken();
    expect(await p.getAccessToken()).toBe(a);
    expect(rotations).toBe(1);
  });
});

describe('token store failures', () => {
  it('an unwritable token store fails loudly, and the rotated token is kept in memory', async () => {
    await writeFile(join(dir, 'not-a-dir'), 'x');
    const p = provider({ stateFile: join(dir, 'not-a-dir', 'session.json') });
    await expect(p.getAccessToken()).rejects.toThrow(/Could not save the rotated Escape Dental refresh token/);
    expect(await p.currentRefreshToken()).toBe('R1');
    // The next attempt continues the chain from R1 (R0 is blacklisted) and fails on the store again.
    await expect(p.getAccessToken()).rejects.toThrow(/token store/);
    expect(rotations).toBe(2);
  });
});
