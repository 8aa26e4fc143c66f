/**
 * SimpleJWT-style tokens (HS256) and bearer resolution (ASSUMPTIONS §2). OAuth tokens are opaque
 * strings looked up in the store.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { User } from '../model.js';
import type { SandboxStore } from '../store.js';
import { notAuthenticated, tokenNotValid } from './errors.js';
import type { Credential } from './types.js';

export interface JwtPayload {
  token_type: 'access' | 'refresh';
  exp: number; // seconds
  iat: number;
  jti: string;
  user_id: string;
  /** Refresh tokens only: the login time the chain cap is anchored to (GH-564). */
  orig_iat?: number;
}

function b64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

export function signJwt(secret: string, payload: JwtPayload): string {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(payload));
  const sig = createHmac('sha256', secret).update(`${header}.${body}`).digest('base64url');
  return `${header}.${body}.${sig}`;
}

/** Verifies signature and shape; returns the payload or null. Expiry is checked by the caller. */
export function decodeJwt(secret: string, token: string): JwtPayload | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [header, body, sig] = parts as [string, string, string];
  const expected = createHmac('sha256', secret).update(`${header}.${body}`).digest();
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as JwtPayload;
    if (payload.token_type !== 'access' && payload.token_type !== 'refresh') return null;
    if (typeof payload.exp !== 'number' || typeof payload.user_id !== 'string') return null;
    return payload;
  } catch {
    return null;
  }
}

function nextJti(store: SandboxStore): string {
  store.auth.jtiCounter += 1;
  return createHmac('sha256', store.auth.jwtSecret).update(`jti:${store.auth.jtiCounter}`).digest('hex').slice(0, 32);
}

export function issueAccessToken(store: SandboxStore, user: User): string {
  const iat = Math.floor(store.nowMs() / 1000);
  return signJwt(store.auth.jwtSecret, {
    token_type: 'access',
    exp: iat + store.auth.accessTtlSeconds,
    iat,
    jti: nextJti(store),
    user_id: user.id,
  });
}

export function issueRefreshToken(store: SandboxStore, user: User, origIat?: number): string {
  const iat = Math.floor(store.nowMs() / 1000);
  return signJwt(store.auth.jwtSecret, {
    token_type: 'refresh',
    exp: iat + store.auth.refreshTtlSeconds,
    iat,
    jti: nextJti(store),
    user_id: user.id,
    orig_iat: origIat ?? iat,
  });
}

/** The refresh-chain cap in hours: the sandbox override, else the user's client's max_session_hours, else 12. */
export function chainCapHours(store: SandboxStore, user: User): number {
  if (store.auth.chainCapHours !== null) return store.auth.chainCapHours;
  const clientId =
    user.clientMemberships[0]?.clientId ??
    (user.memberships[0] ? store.practiceData(user.memberships[0].practiceId)?.practice.clientId : undefined);
  const client = clientId ? store.clients.get(clientId) : undefined;
  return client?.maxSessionHours ?? 12;
}

/** Resolves `Authorization: Bearer …`; throws 401 for a missing or invalid credential. */
export function authenticate(store: SandboxStore, header: string | undefined): Credential {
  if (!header) throw notAuthenticated();
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw notAuthenticated();
  const token = m[1] as string;
  const oauth = store.oauthTokens.get(token);
  if (oauth) {
    if (store.auth.revokedOAuthTokens.has(token)) throw tokenNotValid('Token is revoked');
    if (oauth.expiresAtMs !== null && store.nowMs() >= oauth.expiresAtMs) throw tokenNotValid('Token is expired');
    const user = store.users.get(oauth.userId);
    if (!user) throw tokenNotValid();
    return { kind: 'oauth', user, token: oauth };
  }
  const payload = decodeJwt(store.auth.jwtSecret, token);
  if (!payload) throw tokenNotValid();
  if (payload.token_type !== 'access') throw tokenNotValid('Token has wrong type');
  if (payload.exp * 1000 <= store.nowMs()) throw tokenNotValid('Token is expired');
  const user = store.users.get(payload.user_id);
  if (!user) throw tokenNotValid('User not found');
  return { kind: 'jwt', user, tokenId: payload.jti };
}
