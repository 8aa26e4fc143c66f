/**
 * Credentials for the Escape Dental API (claims digest §12).
 *
 * 1. A static bearer token (an Escape OAuth access token, or a service token): used as is; a 401
 *    cannot be cured, so it surfaces as Unauthorized.
 * 2. SimpleJWT: a refresh token rotated through `POST /api/v1/account/token/refresh/`. The access
 *    token is refreshed ~30 s before its `exp` and after a 401 (single-flight, so concurrent
 *    callers share one refresh — rotation blacklists the old refresh token, so two parallel
 *    refreshes with the same token would kill the chain). Each rotated refresh token is written
 *    atomically (temp file + rename, 0600) *before* the new access token is used, so a restart
 *    keeps working. When the chain is dead (absolute cap, blacklisted token) the provider turns
 *    into a ReauthenticationRequired that says where the new token goes.
 *
 * Logout is never called: it flushes every browser session of the user (§8.3, C-T18).
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Dispatcher, request as undiciRequest } from 'undici';
import { waitFor } from './cache.js';
import type { UpstreamObservation } from './client.js';
import {
  type EscapeApiError,
  RateLimited,
  ReauthenticationRequired,
  Unauthorized,
  UpstreamTimeout,
  UpstreamUnavailable,
} from './errors.js';
import { parseRetryAfter } from './retry.js';

export interface CredentialProvider {
  readonly kind: 'static' | 'simplejwt';
  /** A usable access token (refreshing first when it is about to expire). */
  getAccessToken(signal?: AbortSignal): Promise<string>;
  /**
   * Called after the API answered 401 to `rejectedToken`. Returns a fresh token (sharing one
   * refresh between concurrent callers), or throws Unauthorized / ReauthenticationRequired.
   */
  refreshAfterUnauthorized(rejectedToken: string, signal?: AbortSignal): Promise<string>;
}

export class StaticTokenProvider implements CredentialProvider {
  readonly kind = 'static';
  constructor(
    private readonly token: string,
    private readonly hint = 'the configured API token',
  ) {
    if (typeof token !== 'string' || token.trim() === '') throw new TypeError('The Escape Dental API token is empty.');
  }

  async getAccessToken(): Promise<string> {
    return this.token;
  }

  async refreshAfterUnauthorized(): Promise<string> {
    throw new Unauthorized(
      `The Escape Dental API rejected ${this.hint} (expired or revoked). Issue a new token and update the configuration.`,
      { status: 401 },
    );
  }
}

export interface SimpleJwtOptions {
  /** API origin (as for the client). */
  baseUrl: string;
  /** The refresh token from configuration. */
  refreshToken: string;
  /** Where rotated refresh tokens are kept (0600). Without it they live in memory only. */
  stateFile?: string;
  refreshPath?: string;
  dispatcher?: Dispatcher;
  /** Timeout of one refresh request (default 10 s). */
  timeoutMs?: number;
  /** Refresh this long before `exp` (default 30 s). */
  refreshSkewMs?: number;
  now?: () => number;
  /** Where an operator puts a new refresh token, e.g. "ESCAPE_REFRESH_TOKEN". */
  reauthHint?: string;
  /** Reports the refresh request like any other upstream attempt. */
  observer?: (o: UpstreamObservation) => void;
}

interface PersistedState {
  version: 1;
  /** sha256 of the configured refresh token this chain started from. */
  configuredFingerprint: string;
  refreshToken: string;
  rotatedAt: string;
}

const REFRESH_COOKIE = 'escape_refresh_token';

export function fingerprint(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function jwtClaims(token: string): { exp?: unknown; iat?: unknown } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return payload !== null && typeof payload === 'object' ? (payload as { exp?: unknown; iat?: unknown }) : undefined;
  } catch {
    return undefined;
  }
}

/** Decodes a JWT's `exp` (seconds) without verifying it; undefined for opaque tokens. */
export function jwtExpiryMs(token: string): number | undefined {
  const exp = jwtClaims(token)?.exp;
  return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
}

/**
 * When to consider an access token expired, on our clock. With `iat` the token's lifetime
 * (`exp − iat`) is anchored at the moment we received it, so a skewed server clock neither
 * makes every token look expired (a refresh — and a rotation — per request) nor keeps an
 * expired one alive; without `iat`, `exp` is taken as is.
 */
export function localExpiryMs(token: string, receivedAtMs: number): number | undefined {
  const claims = jwtClaims(token);
  const exp = claims?.exp;
  const iat = claims?.iat;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return undefined;
  if (typeof iat === 'number' && Number.isFinite(iat) && exp >= iat) return receivedAtMs + (exp - iat) * 1000;
  return exp * 1000;
}

/** The `escape_refresh_token` value from Set-Cookie headers (C-T17), if any. */
export function refreshTokenFromSetCookie(header: string | string[] | undefined): string | undefined {
  const list = header === undefined ? [] : Array.isArray(header) ? header : [header];
  for (const cookie of list) {
    const first = cookie.split(';')[0] ?? '';
    const eq = first.indexOf('=');
    if (eq < 0) continue;
    if (first.slice(0, eq).trim() !== REFRESH_COOKIE) continue;
    let value = first.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      value = decodeURIComponent(value);
    } catch {
      // keep the raw value
    }
    if (value !== '') return value;
  }
  return undefined;
}

/** Writes a file atomically (temp file in the same directory + rename) with 0600 permissions. */
export async function writeFileAtomic0600(file: string, data: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await chmod(tmp, 0o600);
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

export class SimpleJwtProvider implements CredentialProvider {
  readonly kind = 'simplejwt';
  private readonly configuredFingerprint: string;
  private readonly url: string;
  private readonly now: () => number;
  private readonly skewMs: number;
  private readonly hint: string;
  private access: { token: string; expMs: number | undefined } | undefined;
  private refreshToken: string | undefined;
  private inflight: Promise<string> | undefined;
  private dead: ReauthenticationRequired | undefined;

  constructor(private readonly options: SimpleJwtOptions) {
    if (typeof options.refreshToken !== 'string' || options.refreshToken.trim() === '') {
      throw new TypeError('The Escape Dental refresh token is empty.');
    }
    this.configuredFingerprint = fingerprint(options.refreshToken);
    const base = new URL(options.baseUrl);
    const prefix = base.pathname.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
    this.url = new URL(prefix + (options.refreshPath ?? '/api/v1/account/token/refresh/'), base.origin).toString();
    this.now = options.now ?? Date.now;
    this.skewMs = options.refreshSkewMs ?? 30_000;
    this.hint = options.reauthHint ?? 'the configured refresh token';
  }

  async getAccessToken(signal?: AbortSignal): Promise<string> {
    if (this.dead) throw this.dead;
    const access = this.access;
    if (access && (access.expMs === undefined || access.expMs - this.skewMs > this.now())) return access.token;
    return this.refreshOnce(signal);
  }

  async refreshAfterUnauthorized(rejectedToken: string, signal?: AbortSignal): Promise<string> {
    if (this.dead) throw this.dead;
    if (this.inflight) return this.inflight;
    // Another caller already replaced the token that was rejected: use the new one.
    if (this.access && this.access.token !== rejectedToken) return this.access.token;
    this.access = undefined;
    return this.refreshOnce(signal);
  }

  /** The refresh token currently in use (tests, diagnostics). */
  async currentRefreshToken(): Promise<string> {
    return this.loadRefreshToken();
  }

  private refreshOnce(signal?: AbortSignal): Promise<string> {
    if (!this.inflight) {
      // The shared refresh ignores any one caller's signal: aborting one caller must not
      // abandon a rotation mid-flight (the old token would be blacklisted, the new one lost).
      this.inflight = this.doRefresh().finally(() => {
        this.inflight = undefined;
      });
    }
    return waitFor(this.inflight, signal, { operation: 'auth.tokenRefresh' });
  }

  private async loadRefreshToken(): Promise<string> {
    if (this.refreshToken !== undefined) return this.refreshToken;
    let token = this.options.refreshToken;
    if (this.options.stateFile) {
      try {
        const state = JSON.parse(await readFile(this.options.stateFile, 'utf8')) as Partial<PersistedState>;
        // The persisted (rotated) token only continues the chain of the token still configured;
        // a newly configured token starts a new chain.
        if (
          state.version === 1 &&
          state.configuredFingerprint === this.configuredFingerprint &&
          typeof state.refreshToken === 'string' &&
          state.refreshToken !== ''
        ) {
          token = state.refreshToken;
        }
      } catch {
        // Missing or unreadable state: start from the configured token.
      }
    }
    this.refreshToken = token;
    return token;
  }

  private async persist(token: string): Promise<void> {
    this.refreshToken = token;
    if (!this.options.stateFile) return;
    const state: PersistedState = {
      version: 1,
      configuredFingerprint: this.configuredFingerprint,
      refreshToken: token,
      rotatedAt: new Date(this.now()).toISOString(),
    };
    try {
      await writeFileAtomic0600(this.options.stateFile, `${JSON.stringify(state)}\n`);
    } catch (cause) {
      // Fail loudly: running on with an unsaved rotation would break the next restart.
      const code = (cause as { code?: unknown }).code;
      throw new Error(
        `Could not save the rotated Escape Dental refresh token to the token store (${typeof code === 'string' ? code : 'write failed'}). Check that the token-store directory is writable.`,
        { cause },
      );
    }
  }

  private async doRefresh(): Promise<string> {
    const refresh = await this.loadRefreshToken();
    const started = performance.now();
    let status: number | undefined;
    let outcome = 'ok';
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error('refresh timeout')), this.options.timeoutMs ?? 10_000);
    try {
      let res: Dispatcher.ResponseData;
      try {
        res = await undiciRequest(this.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            'user-agent': 'escape-dental-mcp',
          },
          // C-T17: always send the body field (the cookie fallback is for browsers).
          body: JSON.stringify({ refresh }),
          signal: controller.signal,
          ...(this.options.dispatcher ? { dispatcher: this.options.dispatcher } : {}),
        });
      } catch (cause) {
        const error: EscapeApiError = controller.signal.aborted
          ? new UpstreamTimeout('The Escape Dental sign-in service did not answer in time. Try again.', {
              operation: 'auth.tokenRefresh',
              cause,
            })
          : new UpstreamUnavailable('The Escape Dental sign-in service could not be reached. Try again in a minute.', {
              operation: 'auth.tokenRefresh',
              cause,
            });
        outcome = error.kind;
        throw error;
      }
      status = res.statusCode;
      let body: unknown;
      try {
        const text = await res.body.text();
        body = text.trim() === '' ? undefined : JSON.parse(text);
      } catch {
        body = undefined;
      }
      if (status === 400 || status === 401 || status === 403) {
        if (body === null || typeof body !== 'object') {
          // Not the API's own JSON: a proxy or firewall page. The refresh token may well be fine, so
          // this must not end the session for the rest of the process; the next call tries again.
          const error = new UpstreamUnavailable(
            'The Escape Dental sign-in service could not be reached. Try again in a minute.',
            { operation: 'auth.tokenRefresh', status },
          );
          outcome = error.kind;
          throw error;
        }
        // Chain cap reached, token blacklisted or revoked: only a new sign-in helps.
        this.access = undefined;
        this.dead = new ReauthenticationRequired(this.hint, {
          operation: 'auth.tokenRefresh',
          status,
          upstreamBody: body,
        });
        outcome = this.dead.kind;
        throw this.dead;
      }
      if (status === 429) {
        const error = new RateLimited(parseRetryAfter(res.headers['retry-after'], this.now(), body), {
          operation: 'auth.tokenRefresh',
          status,
        });
        outcome = error.kind;
        throw error;
      }
      const obj = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
      if (status < 200 || status >= 300 || typeof obj.access !== 'string' || obj.access === '') {
        const error = new UpstreamUnavailable('The Escape Dental sign-in service failed. Try again in a minute.', {
          operation: 'auth.tokenRefresh',
          status,
        });
        outcome = error.kind;
        throw error;
      }
      const rotated =
        (typeof obj.refresh === 'string' && obj.refresh !== '' ? obj.refresh : undefined) ??
        refreshTokenFromSetCookie(res.headers['set-cookie']);
      // Persist the rotated token before anything uses the new access token: if we crashed after
      // using it, the old refresh token (now blacklisted) would be all that is left on disk.
      if (rotated !== undefined && rotated !== refresh) await this.persist(rotated);
      this.access = { token: obj.access, expMs: localExpiryMs(obj.access, this.now()) };
      return obj.access;
    } finally {
      clearTimeout(timer);
      try {
        this.options.observer?.({
          operation: 'auth.tokenRefresh',
          method: 'POST',
          status,
          durationMs: Math.round(performance.now() - started),
          attempt: 1,
          outcome,
        });
      } catch {
        // never fail on the observer
      }
    }
  }
}

export type CredentialConfig =
  | { kind: 'static'; token: string; hint?: string }
  | { kind: 'simplejwt'; refreshToken: string; stateFile?: string; reauthHint?: string };

/** Builds a provider from configuration. */
export function createCredentialProvider(
  config: CredentialConfig,
  options: { baseUrl: string; dispatcher?: Dispatcher; observer?: SimpleJwtOptions['observer']; now?: () => number },
): CredentialProvider {
  if (config.kind === 'static') return new StaticTokenProvider(config.token, config.hint);
  return new SimpleJwtProvider({
    baseUrl: options.baseUrl,
    refreshToken: config.refreshToken,
    ...(config.stateFile !== undefined ? { stateFile: config.stateFile } : {}),
    ...(config.reauthHint !== undefined ? { reauthHint: config.reauthHint } : {}),
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    ...(options.observer ? { observer: options.observer } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
}
