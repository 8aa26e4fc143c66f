import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { Api, boot, practicePath } from './helpers.js';

let sb: RunningSandbox;
let api: Api;

beforeAll(async () => {
  sb = await boot();
  api = new Api(sb.url);
});
afterAll(async () => sb?.close());

const decode = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString('utf8'));

describe('SimpleJWT', () => {
  it('obtains a pair with email and password; wrong password is 401', async () => {
    const ok = await api.post('/api/v1/account/token/', {
      email: sb.credentials.admin.email,
      password: sb.credentials.admin.password,
    });
    expect(ok.status).toBe(200);
    expect(decode(ok.body.access).token_type).toBe('access');
    expect(decode(ok.body.refresh).token_type).toBe('refresh');
    expect(ok.headers.get('set-cookie')).toMatch(/^escape_refresh_token=.+HttpOnly/);
    const bad = await api.post('/api/v1/account/token/', { email: sb.credentials.admin.email, password: 'nope' });
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({ detail: 'No active account found with the given credentials' });
  });

  it('401 without credentials and with a garbage token, with DRF/SimpleJWT bodies', async () => {
    const la = practicePath(sb.fixtures.practices.la.id);
    const none = await api.get(`${la}/`);
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ detail: 'Authentication credentials were not provided.' });
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    const garbage = await api.with('not-a-token').get(`${la}/`);
    expect(garbage.status).toBe(401);
    expect(garbage.body.code).toBe('token_not_valid');
  });

  it('refresh rotates: the new pair works and the old refresh token is rejected', async () => {
    const login = await api.post('/api/v1/account/token/', {
      email: sb.credentials.frontDesk.email,
      password: sb.credentials.frontDesk.password,
    });
    const first = await api.post('/api/v1/account/token/refresh/', { refresh: login.body.refresh });
    expect(first.status).toBe(200);
    expect(first.body.refresh).not.toBe(login.body.refresh);
    expect(first.headers.get('set-cookie')).toContain(first.body.refresh);
    expect(decode(first.body.refresh).orig_iat).toBe(decode(login.body.refresh).orig_iat);
    const reuse = await api.post('/api/v1/account/token/refresh/', { refresh: login.body.refresh });
    expect(reuse.status).toBe(401);
    expect(reuse.body.code).toBe('token_not_valid');
    const me = await api.with(first.body.access).get('/api/v1/account/me/');
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(sb.credentials.frontDesk.email);
  });

  it('refresh from the cookie returns the rotated token only in Set-Cookie', async () => {
    const login = await api.post('/api/v1/account/token/', {
      email: sb.credentials.admin.email,
      password: sb.credentials.admin.password,
    });
    const r = await api.call(
      'POST',
      '/api/v1/account/token/refresh/',
      {},
      { cookie: `escape_refresh_token=${login.body.refresh}` },
    );
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(['access']);
    expect(r.headers.get('set-cookie')).toMatch(/^escape_refresh_token=ey/);
  });

  it('verify accepts a live token and rejects a rotated refresh token', async () => {
    const login = await api.post('/api/v1/account/token/', {
      email: sb.credentials.admin.email,
      password: sb.credentials.admin.password,
    });
    expect((await api.post('/api/v1/account/token/verify/', { token: login.body.access })).status).toBe(200);
    await api.post('/api/v1/account/token/refresh/', { refresh: login.body.refresh });
    expect((await api.post('/api/v1/account/token/verify/', { token: login.body.refresh })).status).toBe(401);
    expect((await api.post('/api/v1/account/token/verify/', {})).status).toBe(400);
  });

  it('logout is counted and blacklists the refresh token', async () => {
    const before = (await sb.control.counters()).events.token_logout ?? 0;
    const login = await api.post('/api/v1/account/token/', {
      email: sb.credentials.admin.email,
      password: sb.credentials.admin.password,
    });
    const out = await api.post('/api/v1/account/token/logout/', { refresh: login.body.refresh });
    expect(out.status).toBe(200);
    expect((await sb.control.counters()).events.token_logout).toBe(before + 1);
    expect((await api.post('/api/v1/account/token/refresh/', { refresh: login.body.refresh })).status).toBe(401);
  });
});

describe('refresh chain cap (pinned clock)', () => {
  it('the chain dies max_session_hours after the original login, however often it rotates', async () => {
    const local = await boot();
    try {
      const a = new Api(local.url);
      const login = await a.post('/api/v1/account/token/', {
        email: local.credentials.admin.email,
        password: local.credentials.admin.password,
      });
      let refresh = login.body.refresh as string;
      // Rotate every 3 hours: 3h, 6h, 9h, 12h are inside the 12-hour cap…
      for (let i = 0; i < 4; i++) {
        await local.control.advanceClock(3 * 3_600_000);
        const r = await a.post('/api/v1/account/token/refresh/', { refresh });
        expect(r.status).toBe(200);
        refresh = r.body.refresh;
      }
      // …but a fresh-looking refresh token is refused once 12 h have passed since login.
      await local.control.advanceClock(60_000);
      const dead = await a.post('/api/v1/account/token/refresh/', { refresh });
      expect(dead.status).toBe(401);
      expect(dead.body).toEqual({ detail: 'Token is invalid or expired', code: 'token_not_valid' });
      // A new login starts a new chain.
      const again = await a.post('/api/v1/account/token/', {
        email: local.credentials.admin.email,
        password: local.credentials.admin.password,
      });
      expect((await a.post('/api/v1/account/token/refresh/', { refresh: again.body.refresh })).status).toBe(200);
    } finally {
      await local.close();
    }
  });

  it('access tokens expire with the clock', async () => {
    const local = await boot();
    try {
      const a = new Api(local.url, local.credentials.admin.access);
      expect((await a.get('/api/v1/account/me/')).status).toBe(200);
      await local.control.advanceClock(301_000);
      const expired = await a.get('/api/v1/account/me/');
      expect(expired.status).toBe(401);
      expect(expired.body.code).toBe('token_not_valid');
    } finally {
      await local.close();
    }
  });
});

describe('OAuth scopes and staff rules', () => {
  it('open-close needs scheduling:read for OAuth; JWT bypasses the scope check (L790)', async () => {
    const path = `${practicePath(sb.fixtures.practices.la.id)}/scheduling/open-close/?date=2026-02-19`;
    const denied = await api.with(sb.credentials.oauth.noSchedulingLa.token).get(path);
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('insufficient_scope');
    expect(denied.body.required_scopes).toEqual(['scheduling:read']);
    expect((await api.with(sb.credentials.oauth.readerLa.token).get(path)).status).toBe(200);
    expect((await api.with(sb.credentials.frontDesk.access).get(path)).status).toBe(200);
  });

  it('account/me needs profile:read or read for OAuth (L6039)', async () => {
    expect((await api.with(sb.credentials.oauth.noSchedulingLa.token).get('/api/v1/account/me/')).status).toBe(403);
    const me = await api.with(sb.credentials.oauth.readerLa.token).get('/api/v1/account/me/');
    expect(me.status).toBe(200);
    expect(me.body.memberships.map((m: { practice_id: string }) => m.practice_id)).toContain(
      sb.fixtures.practices.la.id,
    );
    expect(me.body.practice_timezone).toBe('America/Los_Angeles');
  });

  it('accessible practices needs reports:read for OAuth and lists only active granted practices (L9834)', async () => {
    expect((await api.with(sb.credentials.oauth.readerLa.token).get('/api/v1/practice/accessible/')).status).toBe(403);
    const r = await api.with(sb.credentials.oauth.reportsAll.token).get('/api/v1/practice/accessible/');
    expect(r.status).toBe(200);
    expect(r.body.map((p: { id: string }) => p.id).sort()).toEqual(
      [sb.fixtures.practices.la.id, sb.fixtures.practices.ny.id].sort(),
    );
    const jwt = await api.with(sb.credentials.admin.access).get('/api/v1/practice/accessible/');
    expect(jwt.body).toHaveLength(2);
  });

  it('inferred scopes: patient reads need patients:read', async () => {
    const path = `${practicePath(sb.fixtures.practices.la.id)}/patient/`;
    expect((await api.with(sb.credentials.oauth.reportsAll.token).get(path)).status).toBe(403);
    expect((await api.with(sb.credentials.oauth.readerLa.token).get(path)).status).toBe(200);
  });

  it('admin routes are for internal staff only; practice data still needs membership', async () => {
    expect((await api.with(sb.credentials.frontDesk.access).get('/api/v1/admin/mcp/catalog/')).status).toBe(403);
    expect((await api.with(sb.credentials.admin.access).get('/api/v1/admin/mcp/catalog/')).status).toBe(403);
    expect((await api.with(sb.credentials.support.access).get('/api/v1/admin/mcp/catalog/')).status).toBe(200);
    expect(
      (await api.with(sb.credentials.support.access).get(`${practicePath(sb.fixtures.practices.la.id)}/`)).status,
    ).toBe(404);
    // The service credential is both: internal staff and a member.
    expect((await api.with(sb.credentials.service.access).get('/api/v1/admin/mcp/catalog/')).status).toBe(200);
    expect(
      (await api.with(sb.credentials.service.access).get(`${practicePath(sb.fixtures.practices.la.id)}/`)).status,
    ).toBe(200);
    expect(
      (
        await api
          .with(sb.credentials.service.oauthToken)
          .get(`/api/v1/admin/practice/${sb.fixtures.practices.la.id}/mcp-gates/`)
      ).status,
    ).toBe(200);
  });

  it('patient users get 403 on staff endpoints', async () => {
    const r = await api
      .with(sb.credentials.patient.access)
      .get(`${practicePath(sb.fixtures.practices.la.id)}/patient/`);
    expect(r.status).toBe(403);
    const me = await api.with(sb.credentials.patient.access).get('/api/v1/account/me/');
    expect(me.body.is_patient).toBe(true);
  });

  it('MCP gates: upsert creates (201) then updates (200); delete 204 then 404', async () => {
    const staff = api.with(sb.credentials.support.access);
    const base = `/api/v1/admin/practice/${sb.fixtures.practices.ny.id}/mcp-gates`;
    const created = await staff.put(`${base}/production_report/`, { enabled: false, note: 'pilot off' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      tool_key: 'production_report',
      enabled: false,
      note: 'pilot off',
      created_by_email: sb.credentials.support.email,
    });
    const updated = await staff.put(`${base}/production_report/`, { enabled: true });
    expect(updated.status).toBe(200);
    expect(updated.body.enabled).toBe(true);
    expect((await staff.put(`${base}/x/`, {})).status).toBe(400);
    const list = await staff.get(`${base}/`);
    expect(list.body.map((g: { tool_key: string }) => g.tool_key)).toContain('production_report');
    expect((await staff.delete(`${base}/production_report/`)).status).toBe(204);
    expect((await staff.delete(`${base}/production_report/`)).status).toBe(404);
    expect((await api.with(sb.credentials.admin.access).put(`${base}/find_spot/`, { enabled: false })).status).toBe(
      403,
    );
  });
});

describe('throttling', () => {
  it('answers 429 with Retry-After once a token exceeds the per-minute rate; the window follows the clock', async () => {
    const local = await boot({ rateLimitPerMinute: 3 });
    try {
      const a = new Api(local.url, local.credentials.admin.access);
      for (let i = 0; i < 3; i++) expect((await a.get('/api/v1/account/me/')).status).toBe(200);
      const limited = await a.get('/api/v1/account/me/');
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(limited.body.detail).toMatch(/^Request was throttled\. Expected available in \d+ seconds?\.$/);
      // Another token has its own budget.
      expect((await a.with(local.credentials.frontDesk.access).get('/api/v1/account/me/')).status).toBe(200);
      await local.control.advanceClock(61_000);
      const fresh = new Api(
        local.url,
        (
          await a.post('/api/v1/account/token/', {
            email: local.credentials.admin.email,
            password: local.credentials.admin.password,
          })
        ).body.access,
      );
      expect((await fresh.get('/api/v1/account/me/')).status).toBe(200);
    } finally {
      await local.close();
    }
  });
});
