/**
 * Account and SimpleJWT endpoints: token obtain (invented path, ASSUMPTIONS §1), refresh with
 * rotation and the absolute chain cap (GH-564, L6270), verify (L7087), logout (L6260, counted:
 * the MCP server must never call it), and account/me (L6035).
 */
import { chainCapHours, decodeJwt, issueAccessToken, issueRefreshToken } from '../http/auth.js';
import { badRequest, HttpError, refreshNotValid } from '../http/errors.js';
import { bodyObject } from '../http/helpers.js';
import type { Router, SandboxRequest, SandboxResponse } from '../http/types.js';
import { serializeMe } from '../serialize.js';
import type { SandboxStore } from '../store.js';

const COOKIE = 'escape_refresh_token';

function readCookie(req: SandboxRequest, name: string): string | undefined {
  const header = req.headers?.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

function refreshCookie(store: SandboxStore, token: string): string {
  return `${COOKIE}=${token}; HttpOnly; Max-Age=${store.auth.refreshTtlSeconds}; Path=/api/v1/account/; SameSite=Lax`;
}

function tokenError(detail: string): HttpError {
  return new HttpError(401, { detail, code: 'token_not_valid' }, { 'WWW-Authenticate': 'Bearer realm="api"' });
}

export function registerAccountRoutes(router: Router, store: SandboxStore): void {
  router.post('/api/v1/account/token/', { auth: 'none' }, (req) => {
    const body = bodyObject(req);
    const errors: Record<string, string[]> = {};
    if (typeof body.email !== 'string' || body.email === '') errors.email = ['This field is required.'];
    if (typeof body.password !== 'string' || body.password === '') errors.password = ['This field is required.'];
    if (Object.keys(errors).length > 0) throw badRequest(errors);
    const user = store.usersByEmail.get(String(body.email).toLowerCase());
    if (!user || user.password !== body.password) {
      throw new HttpError(401, { detail: 'No active account found with the given credentials' });
    }
    const refresh = issueRefreshToken(store, user);
    const access = issueAccessToken(store, user);
    return { status: 200, body: { refresh, access }, headers: { 'Set-Cookie': refreshCookie(store, refresh) } };
  });

  router.post('/api/v1/account/token/refresh/', { auth: 'none' }, (req): SandboxResponse => {
    const body = bodyObject(req);
    const fromBody = typeof body.refresh === 'string' && body.refresh !== '';
    const token = fromBody ? (body.refresh as string) : readCookie(req, COOKIE);
    if (!token) throw badRequest({ refresh: ['This field is required.'] });
    const payload = decodeJwt(store.auth.jwtSecret, token);
    if (!payload) throw refreshNotValid();
    if (payload.token_type !== 'refresh') throw tokenError('Token has wrong type');
    if (payload.exp * 1000 <= req.nowMs) throw refreshNotValid();
    if (store.auth.blacklistedJtis.has(payload.jti)) throw tokenError('Token is blacklisted');
    const user = store.users.get(payload.user_id);
    if (!user) throw refreshNotValid();
    const origIat = payload.orig_iat ?? payload.iat;
    // The rotation chain dies once the absolute window since the original login has elapsed (GH-564).
    if (req.nowMs - origIat * 1000 > chainCapHours(store, user) * 3_600_000) throw refreshNotValid();
    store.auth.blacklistedJtis.add(payload.jti);
    const refresh = issueRefreshToken(store, user, origIat);
    const access = issueAccessToken(store, user);
    // Body callers still get the rotated token in the body; cookie callers only in the cookie (L6272–6279).
    return {
      status: 200,
      body: fromBody ? { access, refresh } : { access },
      headers: { 'Set-Cookie': refreshCookie(store, refresh) },
    };
  });

  router.post('/api/v1/account/token/verify/', { auth: 'none' }, (req) => {
    const body = bodyObject(req);
    if (typeof body.token !== 'string' || body.token === '') throw badRequest({ token: ['This field is required.'] });
    const payload = decodeJwt(store.auth.jwtSecret, body.token);
    if (!payload || payload.exp * 1000 <= req.nowMs) throw refreshNotValid();
    if (payload.token_type === 'refresh' && store.auth.blacklistedJtis.has(payload.jti)) {
      throw tokenError('Token is blacklisted');
    }
    return { status: 200, body: {} };
  });

  router.post('/api/v1/account/token/logout/', { auth: 'none' }, (req) => {
    // Counted so tests can prove the MCP server never calls it (it flushes every session of the user).
    store.count('token_logout');
    const body = bodyObject(req);
    const refresh = typeof body.refresh === 'string' && body.refresh !== '' ? body.refresh : readCookie(req, COOKIE);
    let identified = false;
    if (refresh) {
      const payload = decodeJwt(store.auth.jwtSecret, refresh);
      if (payload?.token_type === 'refresh') {
        store.auth.blacklistedJtis.add(payload.jti);
        identified = true;
      }
    }
    const bearer = /^Bearer\s+(\S+)/i.exec(req.headers?.authorization ?? '')?.[1];
    if (bearer && store.oauthTokens.has(bearer)) {
      store.auth.revokedOAuthTokens.add(bearer);
      identified = true;
    }
    if (!identified) throw refreshNotValid();
    return {
      status: 200,
      body: { detail: 'Logged out.' },
      headers: { 'Set-Cookie': `${COOKIE}=; HttpOnly; Max-Age=0; Path=/api/v1/account/; SameSite=Lax` },
    };
  });

  router.get('/api/v1/account/me/', { scopes: ['profile:read', 'read'], specScope: true }, (req) => {
    const credential = req.credential;
    if (!credential) throw refreshNotValid();
    return { status: 200, body: serializeMe(store, credential.user, req.nowMs) };
  });
}
