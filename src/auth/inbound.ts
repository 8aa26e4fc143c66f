/**
 * Inbound authentication for the HTTP transport: `Authorization: Bearer <token>` → a Principal.
 *
 * Two verifiers, tried in this order:
 *   1. operator API keys, stored as sha256 hashes in the --api-keys-file JSON:
 *        {"keys": [{"id": "front-desk-la", "sha256": "<64 hex>", "practices": ["<practice id>"] | "all",
 *                   "scopes": ["scheduling:read", …], "readOnly": true}]}
 *      (`printf %s "$KEY" | sha256sum` gives the hash; a key never sits on disk in clear);
 *   2. JWTs from the configured issuer: signature against its JWKS, `iss`, `aud` = this server's
 *      resource URL (the public /mcp URL), `exp` required. Scopes come from the `scope` claim
 *      (space-separated, RFC 8693 §4.2; an `scp` array is accepted too), practices from the
 *      `escape_practices` claim (an array of Escape practice ids), read-only from
 *      `escape_read_only: true`.
 *
 * Only scopes of this server's own taxonomy count; anything else in a token is ignored. The
 * server's --read-only is a ceiling over every principal. Inbound tokens are never forwarded
 * upstream: the Escape API is always called with the server's own credential.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, errors as joseErrors, jwtVerify } from 'jose';
import { z } from 'zod';
import { isScope, type Principal, SCOPES } from '../tenancy/types.js';

/** JWT claim naming the Escape practice ids the bearer may act on. */
export const PRACTICES_CLAIM = 'escape_practices';
/** JWT claim that makes the bearer read-only (write tools hidden and refused). */
export const READ_ONLY_CLAIM = 'escape_read_only';
/** Header a request uses to pin one of the principal's practices (id or name). */
export const PRACTICE_HEADER = 'x-escape-practice';

export class InboundAuthConfigError extends Error {
  override name = 'InboundAuthConfigError';
}

export type AuthOutcome =
  | { ok: true; principal: Principal; expiresAt: number | undefined }
  | {
      ok: false;
      /** 401 for a missing or rejected token; 503 when the issuer's keys cannot be fetched. */
      status: 401 | 503;
      /** RFC 6750 error code; absent when no token was presented (§3.1: no error attribute then). */
      error: 'invalid_request' | 'invalid_token' | 'temporarily_unavailable' | undefined;
      description: string;
    };

export interface InboundAuthenticator {
  /** "required", or "off" (loopback only, config.ts enforces it). */
  readonly mode: 'required' | 'off';
  authenticate(authorization: string | undefined): Promise<AuthOutcome>;
  /** Replaces the operator API keys (the keys file changed): a key no longer listed is refused from now on. */
  replaceApiKeys(entries: readonly ApiKeyEntry[]): void;
}

// --- operator API keys -------------------------------------------------------------------------

const keyEntry = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9._:-]{1,80}$/, 'ids are 1–80 letters, digits, ".", "_", ":" or "-"'),
  sha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'sha256 is the 64-hex-digit hash of the key')
    .transform((s) => s.toLowerCase()),
  practices: z.union([z.literal('all'), z.array(z.string().min(1)).min(1)]),
  scopes: z.array(z.enum(SCOPES, { error: `scopes are among ${SCOPES.join(', ')}` })),
  readOnly: z.boolean().default(false),
});

const keysFile = z.strictObject({ keys: z.array(keyEntry) });

export type ApiKeyEntry = z.infer<typeof keyEntry>;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A fresh key and the hash to store for it. */
export function generateApiKey(): { key: string; sha256: string } {
  const key = `edm_${randomBytes(32).toString('base64url')}`;
  return { key, sha256: sha256Hex(key) };
}

export async function loadApiKeys(path: string): Promise<ApiKeyEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InboundAuthConfigError(
      `Cannot read the API keys file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}. Fix --api-keys-file / ESCAPE_MCP_API_KEYS_FILE.`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InboundAuthConfigError(`The API keys file ${path} is not valid JSON.`);
  }
  const parsed = keysFile.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new InboundAuthConfigError(
      `The API keys file ${path} is not valid: ${issues}. Expected {"keys": [{"id", "sha256", "practices", "scopes", "readOnly"}]}.`,
    );
  }
  const seen = new Set<string>();
  for (const entry of parsed.data.keys) {
    if (seen.has(entry.sha256)) throw new InboundAuthConfigError(`The API keys file ${path} lists one hash twice.`);
    seen.add(entry.sha256);
  }
  return parsed.data.keys;
}

// --- the authenticator ---------------------------------------------------------------------------

export interface AuthenticatorOptions {
  mode: 'required' | 'off';
  /** The server-wide --read-only ceiling. */
  readOnly: boolean;
  apiKeys?: readonly ApiKeyEntry[];
  jwt?: {
    issuer: string;
    /** The resource URL JWTs must name in `aud`: this server's public /mcp URL. */
    audience: string;
    /** The issuer's JWKS; tests pass a local key set. */
    keys: JWTVerifyGetKey;
    /** The longest a token may be valid, `exp` − `iat` (or − now without `iat`), in seconds (default 24 h). */
    maxLifetimeSeconds?: number;
  };
  now?: () => Date;
}

const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

export function createAuthenticator(options: AuthenticatorOptions): InboundAuthenticator {
  let keysByHash = new Map((options.apiKeys ?? []).map((entry) => [entry.sha256, entry]));
  // One principal a key (until the keys file is replaced): authorizeAccess remembers its decisions by principal.
  const keyPrincipals = new WeakMap<ApiKeyEntry, Principal>();
  const keyPrincipal = (entry: ApiKeyEntry): Principal => {
    let principal = keyPrincipals.get(entry);
    if (!principal) {
      principal = {
        id: `key:${entry.id}`,
        kind: 'api-key',
        practiceIds: entry.practices,
        scopes: [...entry.scopes],
        readOnly: entry.readOnly || options.readOnly,
      };
      keyPrincipals.set(entry, principal);
    }
    return principal;
  };
  const now = options.now ?? (() => new Date());

  const anonymous: Principal = {
    id: 'anonymous',
    kind: 'anonymous',
    practiceIds: 'all',
    scopes: 'all',
    readOnly: options.readOnly,
  };

  const reject = (error: 'invalid_request' | 'invalid_token' | undefined, description: string): AuthOutcome => ({
    ok: false,
    status: 401,
    error,
    description,
  });

  async function verifyJwt(token: string): Promise<AuthOutcome> {
    const jwt = options.jwt;
    if (!jwt) return reject('invalid_token', 'The token is not a known API key.');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwt.keys, {
        issuer: jwt.issuer,
        audience: jwt.audience,
        requiredClaims: ['exp', 'sub'],
        algorithms: ASYMMETRIC_ALGORITHMS,
        clockTolerance: 30,
        currentDate: now(),
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) return reject('invalid_token', 'The token has expired.');
      if (error instanceof joseErrors.JWTClaimValidationFailed) {
        if (error.claim === 'aud')
          return reject('invalid_token', 'The token was not issued for this server (audience).');
        if (error.claim === 'iss') return reject('invalid_token', 'The token was not issued by the trusted issuer.');
        return reject('invalid_token', `The token's "${error.claim}" claim is missing or invalid.`);
      }
      if (error instanceof joseErrors.JWKSTimeout || isFetchFailure(error)) {
        return {
          ok: false,
          status: 503,
          error: 'temporarily_unavailable',
          description: "The issuer's signing keys cannot be fetched right now; retry shortly.",
        };
      }
      return reject('invalid_token', 'The token is not valid.');
    }
    // A long-lived bearer token is a standing credential: refused, so a leaked one expires soon.
    // The lifetime counts from now at the latest: an `iat` in the future would shorten it.
    const maxLifetime = jwt.maxLifetimeSeconds ?? DEFAULT_JWT_MAX_LIFETIME_SECONDS;
    const nowSeconds = Math.floor(now().getTime() / 1000);
    const issuedAt = Math.min(typeof payload.iat === 'number' ? payload.iat : nowSeconds, nowSeconds);
    if (typeof payload.exp === 'number' && payload.exp - issuedAt > maxLifetime) {
      return reject(
        'invalid_token',
        `The token is valid for longer than this server accepts (${describeSeconds(maxLifetime)}): ask the issuer for tokens that expire sooner.`,
      );
    }
    return { ok: true, principal: jwtPrincipal(payload, options.readOnly), expiresAt: payload.exp };
  }

  return {
    mode: options.mode,
    replaceApiKeys(entries) {
      keysByHash = new Map(entries.map((entry) => [entry.sha256, entry]));
    },
    async authenticate(authorization) {
      if (options.mode === 'off') return { ok: true, principal: anonymous, expiresAt: undefined };
      if (!authorization) return reject(undefined, 'This server needs a Bearer token.');
      const match = /^Bearer[ ]+([^\s]+)[ ]*$/i.exec(authorization);
      if (!match?.[1]) return reject('invalid_request', 'Send the token as "Authorization: Bearer <token>".');
      const token = match[1];

      const entry = keysByHash.get(sha256Hex(token));
      if (entry) return { ok: true, principal: keyPrincipal(entry), expiresAt: undefined };
      if (token.split('.').length === 3) return verifyJwt(token);
      return reject('invalid_token', 'The token is not a known API key.');
    },
  };
}

/** The default of --jwt-max-lifetime. */
const DEFAULT_JWT_MAX_LIFETIME_SECONDS = 24 * 3600;

function describeSeconds(seconds: number): string {
  if (seconds % 86_400 === 0 && seconds >= 172_800) return `${seconds / 86_400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

function isFetchFailure(error: unknown): boolean {
  // jose reports an unreachable JWKS URL as the fetch's own TypeError ("fetch failed").
  return error instanceof TypeError || (error instanceof joseErrors.JOSEError && error.code === 'ERR_JWKS_INVALID');
}

function jwtPrincipal(payload: JWTPayload, serverReadOnly: boolean): Principal {
  const rawScopes =
    typeof payload.scope === 'string'
      ? payload.scope.split(' ')
      : Array.isArray(payload.scp)
        ? payload.scp.filter((s): s is string => typeof s === 'string')
        : [];
  const claimed = payload[PRACTICES_CLAIM];
  const practiceIds = Array.isArray(claimed)
    ? claimed.filter((p): p is string => typeof p === 'string' && p !== '')
    : [];
  return {
    id: `jwt:${payload.sub}`,
    kind: 'jwt',
    practiceIds,
    scopes: [...new Set(rawScopes.filter(isScope))],
    readOnly: payload[READ_ONLY_CLAIM] === true || serverReadOnly,
  };
}

/** The issuer's JWKS, fetched and cached by jose (refetched on an unknown `kid`, at most every 30 s). */
export function remoteKeySet(jwksUrl: string): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
}

// --- challenges and protected-resource metadata (RFC 6750, RFC 9728) ----------------------------------

/** Where the RFC 9728 document for `resource` lives: the well-known path, suffixed with the resource's path. */
export function resourceMetadataUrl(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/+$/, '');
  return `${url.origin}/.well-known/oauth-protected-resource${path}`;
}

const quoted = (text: string) => `"${text.replace(/["\\]/g, "'")}"`;

/** The `WWW-Authenticate` value of a 401. */
export function bearerChallenge(resource: string, failure: { error: string | undefined; description: string }): string {
  const parts = [`resource_metadata=${quoted(resourceMetadataUrl(resource))}`, `scope=${quoted(SCOPES.join(' '))}`];
  if (failure.error) parts.push(`error=${quoted(failure.error)}`, `error_description=${quoted(failure.description)}`);
  return `Bearer ${parts.join(', ')}`;
}

export function protectedResourceMetadata(resource: string, issuer: string | undefined): Record<string, unknown> {
  return {
    resource,
    ...(issuer ? { authorization_servers: [issuer] } : {}),
    scopes_supported: [...SCOPES],
    bearer_methods_supported: ['header'],
    resource_name: 'Escape Dental MCP server',
  };
}
