/**
 * Inbound authentication of the HTTP server, set up in two halves: before the socket opens, the
 * API keys (or why the server cannot start); once it is bound, the authenticator, whose JWT
 * audience is the MCP URL and so needs the port. Then, per request, who sent it.
 */
import { lookup } from 'node:dns/promises';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import {
  type ApiKeyEntry,
  bearerChallenge,
  createAuthenticator,
  generateApiKey,
  InboundAuthConfigError,
  type InboundAuthenticator,
  loadApiKeys,
  PRACTICE_HEADER,
  remoteKeySet,
} from '../auth/inbound.js';
import { type HttpSettings, isLoopbackAddress } from '../config.js';
import type { Logger } from '../logger.js';
import type { RequestCredential } from '../mcp/http.js';
import { StartupError } from '../runtime.js';
import { SCOPES } from '../tenancy/types.js';
import { WatchedFile } from '../watched-file.js';

const AUTH_OFF_FIX = 'Bind 127.0.0.1 or ::1, or configure API keys / a JWT issuer.';

export type AddressLookup = (host: string) => Promise<readonly { address: string }[]>;

const lookupAll: AddressLookup = (host) => lookup(host, { all: true });

/**
 * Why `host` is not a loopback binding, or undefined when it is: an IP literal must be loopback,
 * and a name must resolve, every address of it loopback (a prefix such as "127." proves nothing).
 */
export async function loopbackBindingProblem(
  host: string,
  resolve: AddressLookup = lookupAll,
): Promise<string | undefined> {
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0) {
    return isLoopbackAddress(host) ? undefined : `${host} is not a loopback address`;
  }
  let addresses: readonly { address: string }[];
  try {
    addresses = await resolve(host);
  } catch (error) {
    return `${host} cannot be resolved (${(error as NodeJS.ErrnoException).code ?? 'lookup failed'})`;
  }
  if (addresses.length === 0) return `${host} resolves to no address`;
  const outside = addresses.map((a) => a.address).filter((address) => !isLoopbackAddress(address));
  if (outside.length > 0) return `${host} resolves to ${outside.join(', ')}, which is not a loopback address`;
  return undefined;
}

/** What the bound server authenticates with, prepared before the socket opens. */
export interface InboundAuthSetup {
  apiKeys: ApiKeyEntry[];
  /** In demo mode without configured auth: a key generated for this run (the banner prints it). */
  demoApiKey: string | undefined;
  /** The API keys file, watched once the server is up. */
  keysFile: WatchedFile | undefined;
}

/**
 * The API keys, from the keys file or, on the demo sandbox with nothing configured, one generated
 * for this run; a StartupError when the settings leave the server open or unusable.
 */
export async function prepareInboundAuth(
  settings: HttpSettings,
  options: { readOnly: boolean; demo: boolean; resolve?: AddressLookup },
): Promise<InboundAuthSetup> {
  if (settings.auth === 'off') {
    const problem = await loopbackBindingProblem(settings.host, options.resolve);
    if (problem)
      throw new StartupError(`--auth off is allowed only on a loopback address: ${problem}. ${AUTH_OFF_FIX}`);
    return { apiKeys: [], demoApiKey: undefined, keysFile: undefined };
  }
  const keysFile = settings.apiKeysFile ? new WatchedFile(settings.apiKeysFile) : undefined;
  let apiKeys: ApiKeyEntry[] = [];
  if (keysFile) {
    try {
      apiKeys = await keysFile.read(loadApiKeys);
    } catch (error) {
      if (error instanceof InboundAuthConfigError) throw new StartupError(error.message);
      throw error;
    }
  }
  if (settings.apiKeysFile || settings.jwtIssuer) return { apiKeys, demoApiKey: undefined, keysFile };
  if (!options.demo) {
    throw new StartupError(
      'The HTTP server needs inbound authentication: set --api-keys-file (ESCAPE_MCP_API_KEYS_FILE) or --jwt-issuer (ESCAPE_MCP_JWT_ISSUER), or bind loopback with --auth off.',
    );
  }
  // Demo mode with nothing configured: a key for this run only, printed on the banner.
  const generated = generateApiKey();
  return {
    apiKeys: [
      { id: 'demo', sha256: generated.sha256, practices: 'all', scopes: [...SCOPES], readOnly: options.readOnly },
    ],
    demoApiKey: generated.key,
    keysFile: undefined,
  };
}

/** The bound half: `--auth off` only where the address actually bound is loopback. */
export function checkBoundAddress(settings: HttpSettings, boundAddress: string): void {
  if (settings.auth === 'off' && !isLoopbackAddress(boundAddress)) {
    throw new StartupError(
      `--auth off is allowed only on a loopback address: ${settings.host} was bound on ${boundAddress}. ${AUTH_OFF_FIX}`,
    );
  }
}

/** The authenticator of the bound server: `resource` (the MCP URL) is the JWT audience. */
export function inboundAuthenticator(
  settings: HttpSettings,
  setup: InboundAuthSetup,
  resource: string,
  readOnly: boolean,
): InboundAuthenticator {
  return createAuthenticator({
    mode: settings.auth,
    readOnly,
    apiKeys: setup.apiKeys,
    ...(settings.jwtIssuer && settings.jwksUrl
      ? {
          jwt: {
            issuer: settings.jwtIssuer,
            audience: resource,
            keys: remoteKeySet(settings.jwksUrl),
            maxLifetimeSeconds: settings.jwtMaxLifetimeSeconds,
          },
        }
      : {}),
  });
}

/**
 * The keys file applies without a restart, as the policy file does: a key no longer listed stops
 * working and its sessions close. A broken edit keeps the previous keys: a half-written file must
 * not lock every client out.
 */
export function watchApiKeys(
  keysFile: WatchedFile,
  authenticator: InboundAuthenticator,
  closeSessionsOf: (matches: (principalId: string) => boolean) => number,
  logger: Logger,
): void {
  keysFile.watch(async () => {
    let keys: ApiKeyEntry[];
    try {
      keys = await keysFile.read(loadApiKeys);
    } catch (error) {
      logger.error({ error: (error as Error).message }, 'API keys file reload failed; keeping the previous keys');
      return;
    }
    authenticator.replaceApiKeys(keys);
    const listed = new Set(keys.map((entry) => `key:${entry.id}`));
    const closedSessions = closeSessionsOf((principal) => principal.startsWith('key:') && !listed.has(principal));
    logger.info({ keys: keys.length, closedSessions }, 'API keys file reloaded');
  }, logger);
}

export type RequestAuthentication =
  | { ok: true; credential: RequestCredential }
  | { ok: false; status: number; body: { error: string; error_description: string }; headers: Record<string, string> };

/**
 * Who sent this request (the practices it may touch are decided per message, in mcp/http.ts), or
 * the answer that refuses it: 401 with a Bearer challenge, 503 while the server starts or the
 * issuer's keys cannot be fetched.
 */
export async function authenticateRequest(
  authenticator: InboundAuthenticator | undefined,
  resource: string,
  req: IncomingMessage,
): Promise<RequestAuthentication> {
  if (!authenticator) {
    return {
      ok: false,
      status: 503,
      body: { error: 'starting', error_description: 'The server is starting; retry shortly.' },
      headers: {},
    };
  }
  const outcome = await authenticator.authenticate(req.headers.authorization);
  if (!outcome.ok) {
    return {
      ok: false,
      status: outcome.status,
      body: { error: outcome.error ?? 'invalid_request', error_description: outcome.description },
      headers:
        outcome.status === 401 ? { 'www-authenticate': bearerChallenge(resource, outcome) } : { 'retry-after': '10' },
    };
  }
  const pin = req.headers[PRACTICE_HEADER];
  return {
    ok: true,
    credential: {
      principal: outcome.principal,
      pin: Array.isArray(pin) ? pin[0] : pin,
      expiresAt: outcome.expiresAt,
    },
  };
}
