/**
 * The HTTP transport: node:http routes, Host/Origin checks, body limits, inbound auth, per-request
 * practice access, health, readiness, metrics and a graceful drain. The MCP protocol side (both
 * Streamable HTTP eras and legacy SSE) is `mcp/http.ts`.
 *
 *   POST|GET|DELETE /mcp      MCP: 2026-07-28 stateless, 2025-era sessions
 *   GET /sse, POST /messages  legacy HTTP+SSE
 *   GET /catalog              our tools in the Escape API's REGISTRY shape (authenticated)
 *   GET /.well-known/oauth-protected-resource[/<path of /mcp>]   RFC 9728 metadata
 *   GET /healthz              liveness; GET /readyz readiness; GET /metrics Prometheus
 */
import { lookup } from 'node:dns/promises';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, isIP } from 'node:net';
import {
  type ApiKeyEntry,
  bearerChallenge,
  createAuthenticator,
  generateApiKey,
  InboundAuthConfigError,
  type InboundAuthenticator,
  loadApiKeys,
  PRACTICE_HEADER,
  protectedResourceMetadata,
  remoteKeySet,
  resourceMetadataUrl,
  SCOPES,
} from '../auth/inbound.js';
import { isLoopbackAddress } from '../config.js';
import { exportRegistry, toolsMissingUpstream } from '../gates/export.js';
import { McpHttpEndpoints, type RequestCredential } from '../mcp/http.js';
import type { ProtocolEra } from '../mcp/sdk.js';
import { PrometheusMetrics } from '../metrics.js';
import { type Runtime, StartupError } from '../runtime.js';
import { createServer, type EscapeMcpServer, isToolListed } from '../server.js';
import { authorizeAccess } from '../tenancy.js';
import { CATALOG } from '../tools/registry.js';
import type { AnyToolDefinition } from '../tools/types.js';
import { WatchedFile } from '../watched-file.js';
import { InProcessSlotLedger, type SlotLedger } from './slots.js';

/** Decodes request bodies as the SDK and `Request#json()` do: a leading byte-order mark is dropped. */
const UTF8 = new TextDecoder();

export interface HttpOptions {
  /** The tools to serve (default: the catalog). Tests add test-only definitions here. */
  tools?: readonly AnyToolDefinition[];
  /** Where /metrics reads from; pass the same instance to `startRuntime` to get upstream metrics too. */
  metrics?: PrometheusMetrics;
  /** Called on every server built (test and conformance profiles register extra surface here). */
  extendServer?: (server: EscapeMcpServer, era: ProtocolEra) => void;
  /** Sessions held at most (2025 Streamable HTTP + legacy SSE). */
  maxSessions?: number;
  /** A 2025 session idle this long with no open stream is closed (default 30 minutes). */
  sessionIdleMs?: number;
  /** Per-principal slot accounting (default: in this process, with the configured caps). */
  slots?: SlotLedger;
}

/** One reason the server is not (fully) ready, as /readyz lists it to authenticated callers. */
export interface ReadinessReason {
  code: string;
  /** True when the reason makes /readyz answer 503. */
  blocking: boolean;
  message: string;
  practiceIds?: string[];
}

export interface HttpServing {
  /** Base URL, e.g. http://127.0.0.1:3333 */
  url: string;
  /** The MCP endpoint: the public URL when configured, else `${url}/mcp`. */
  mcpUrl: string;
  /** In demo mode without configured auth: a key generated for this run. */
  demoApiKey: string | undefined;
  metrics: PrometheusMetrics;
  /** Publishes a list change to every open 2026-07-28 `subscriptions/listen` stream. */
  broadcast: (kind: 'tools' | 'prompts' | 'resources') => void;
  /** Stops accepting, lets in-flight requests finish (up to --drain-seconds), closes sessions and streams. */
  drain: () => Promise<void>;
  /** Drain without waiting for in-flight work. */
  close: () => Promise<void>;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const RPC_OBJECT = (value: unknown): value is { method?: unknown; id?: unknown; params?: { name?: unknown } } =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * tools/list of a 2026-07-28 client may be reused for one gate-poll interval (at most a minute):
 * the list only changes on a gate poll or a policy edit, a subscribed client is told at once
 * (list_changed evicts its cache), and a call from a stale list is refused with the reason by
 * the call-time decision anyway. Longer would leave unsubscribed clients offering a switched-off
 * tool for longer than an operator would expect after flipping a gate.
 */
function toolsListTtlMs(gatePollSeconds: number): number {
  return Math.min(gatePollSeconds, 60) * 1000;
}

export async function startHttp(runtime: Runtime, options: HttpOptions = {}): Promise<HttpServing> {
  const { config, logger } = runtime;
  const settings = config.http;
  const metrics =
    options.metrics ?? (runtime.metrics instanceof PrometheusMetrics ? runtime.metrics : new PrometheusMetrics());
  const inFlight = new InFlight((count) => metrics.inFlight(count));
  const tools = countedTools(options.tools ?? CATALOG, inFlight);
  const toolsByName = new Map(tools.map((tool) => [tool.name, tool]));
  if (settings.auth === 'off') {
    const problem = await loopbackBindingProblem(settings.host);
    if (problem)
      throw new StartupError(`--auth off is allowed only on a loopback address: ${problem}. ${AUTH_OFF_FIX}`);
  }

  // --- inbound auth, prepared before the socket opens (the audience needs the port, set below)
  let apiKeys: Awaited<ReturnType<typeof loadApiKeys>> = [];
  let demoApiKey: string | undefined;
  const keysFile =
    settings.auth === 'required' && settings.apiKeysFile ? new WatchedFile(settings.apiKeysFile) : undefined;
  if (settings.auth === 'required') {
    if (keysFile) {
      try {
        apiKeys = await keysFile.read(loadApiKeys);
      } catch (error) {
        if (error instanceof InboundAuthConfigError) throw new StartupError(error.message);
        throw error;
      }
    }
    if (!settings.apiKeysFile && !settings.jwtIssuer) {
      if (!runtime.sandbox) {
        throw new StartupError(
          'The HTTP server needs inbound authentication: set --api-keys-file (ESCAPE_MCP_API_KEYS_FILE) or --jwt-issuer (ESCAPE_MCP_JWT_ISSUER), or bind loopback with --auth off.',
        );
      }
      // Demo mode with nothing configured: a key for this run only, printed on the banner.
      const generated = generateApiKey();
      demoApiKey = generated.key;
      apiKeys = [
        { id: 'demo', sha256: generated.sha256, practices: 'all', scopes: [...SCOPES], readOnly: config.readOnly },
      ];
    }
  }

  let authenticator: InboundAuthenticator | undefined;
  let resource = '';
  let draining = false;

  const endpoints = new McpHttpEndpoints({
    build: (caller, era) => {
      const server = createServer({
        ...runtime.serverDependencies(caller.principal, caller.practices),
        // Each call is decided again with the credential its own message presents (tenancy.ts).
        credentialPerMessage: true,
        tools,
        metrics,
        toolsListTtlMs: toolsListTtlMs(settings.gatePollSeconds),
      });
      options.extendServer?.(server, era);
      return server;
    },
    isListed: (caller, name) => {
      const tool = toolsByName.get(name);
      // Unknown names go to the session server, which answers "not found".
      if (!tool) return true;
      return isToolListed(tool, caller.principal, caller.practices, runtime.gatesFor);
    },
    served: () => runtime.practices,
    slots:
      options.slots ??
      new InProcessSlotLedger({
        session: settings.maxSessionsPerPrincipal,
        sse: settings.maxSseConnectionsPerPrincipal,
        listen: settings.maxListenStreamsPerPrincipal,
      }),
    onRefused: (principal, reason) => logger.info({ principal, reason }, 'request refused'),
    keepAliveMs: settings.keepAliveSeconds * 1000,
    maxBodyBytes: settings.maxBodyBytes,
    maxSessions: options.maxSessions ?? 1000,
    sessionIdleMs: options.sessionIdleMs ?? 30 * 60_000,
    onError: (error) => logger.debug({ err: error }, 'MCP transport error'),
    onSessionCount: (kind, count) => metrics.openSessions(kind, count),
  });

  const recordGates = (practiceIds: readonly string[]) => {
    for (const id of practiceIds) {
      const gates = runtime.gates.gatesFor(id);
      metrics.gatedToolCount(id, 'upstream', gates.upstreamDisabled.size);
      metrics.gatedToolCount(id, 'local', gates.locallyDisabled.size);
    }
  };
  recordGates(runtime.practices.available.map((p) => p.id));
  const stopListening = runtime.gates.onChange((changed) => {
    recordGates(changed);
    logger.info({ practiceIds: changed }, 'tool availability changed; notifying sessions of those practices');
    endpoints.toolsChanged(changed);
  });
  const stopDiscovery = runtime.discovery.onChange(() => {
    recordGates(runtime.practices.available.map((p) => p.id));
    endpoints.rescope((caller) => {
      const access = authorizeAccess({ principal: caller.principal, pin: caller.pin, served: runtime.practices });
      return access.ok ? access.scope : undefined;
    });
  });

  // Set once the socket is bound: loopback or not is a property of the address actually bound.
  let allowedHosts: string[] | undefined;
  const hostAllowed = (host: string | undefined) => {
    if (!allowedHosts) return true;
    if (!host) return false;
    const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
    return allowedHosts.some((allowed) => allowed.toLowerCase() === name?.toLowerCase() || allowed === host);
  };
  const originAllowed = (origin: string) => {
    if (settings.allowedOrigins) return settings.allowedOrigins.includes(origin);
    try {
      return LOOPBACK_NAMES.includes(new URL(origin).hostname);
    } catch {
      return false;
    }
  };

  /** Why the server is not (fully) ready: a blocking reason turns /readyz 503, the others are notes. */
  const readinessReasons = (): ReadinessReason[] => {
    const gates = runtime.gates.status();
    const practices = runtime.discovery.status();
    const reasons: ReadinessReason[] = [];
    if (draining) reasons.push({ code: 'draining', blocking: true, message: 'The server is shutting down.' });
    if (!practices.ready) {
      reasons.push({ code: 'practices_pending', blocking: true, message: practices.reason ?? 'Not read yet.' });
    }
    if (!gates.ready) {
      reasons.push({
        code: 'gates_pending',
        blocking: true,
        message: "Escape's tool gates have not been read yet for these practices.",
        practiceIds: gates.pendingPracticeIds,
      });
    }
    if (runtime.api.client.breakerState() === 'open') {
      reasons.push({
        code: 'upstream_breaker_open',
        blocking: true,
        message: 'Recent calls to Escape Dental failed; the circuit breaker holds calls back for now.',
      });
    }
    if (gates.unreadablePracticeIds.length > 0) {
      reasons.push({
        code: 'gates_unreadable',
        blocking: false,
        message: gates.localGatesOnly
          ? "The credential cannot read Escape's tool gates for these practices; --local-gates-only serves write tools there on local policy alone."
          : "The credential cannot read Escape's tool gates for these practices, so their write tools are off (reads go on). Give it read access to the gate rows, or accept the risk with --local-gates-only.",
        practiceIds: gates.unreadablePracticeIds,
      });
    }
    return reasons;
  };

  const readiness = () => {
    const gates = runtime.gates.status();
    const practices = runtime.discovery.status();
    const reasons = readinessReasons();
    const ready = !reasons.some((reason) => reason.blocking);
    return {
      ready,
      body: {
        status: ready ? 'ready' : 'not_ready',
        ...(practices.reason ? { reason: practices.reason } : {}),
        reasons,
        practices,
        draining,
        upstream: { breaker: runtime.api.client.breakerState() },
        gates: {
          loaded: gates.ready,
          pendingPractices: gates.pendingPracticeIds,
          unreadablePractices: gates.unreadablePracticeIds,
          localGatesOnly: gates.localGatesOnly,
          lastPollAt: gates.lastPollAt?.toISOString(),
        },
        sessions: endpoints.sessionCount(),
      },
    };
  };

  /** Whether the request carries a credential this server accepts (readiness detail is for them only). */
  const authenticated = async (req: IncomingMessage) =>
    authenticator !== undefined && (await authenticator.authenticate(req.headers.authorization)).ok;

  /** Who sent this request (the practices it may touch are decided per message, in mcp/http.ts). */
  async function authenticate(req: IncomingMessage, res: ServerResponse): Promise<RequestCredential | undefined> {
    if (!authenticator) {
      sendJson(res, 503, { error: 'starting', error_description: 'The server is starting; retry shortly.' });
      return undefined;
    }
    const outcome = await authenticator.authenticate(req.headers.authorization);
    if (!outcome.ok) {
      const headers: Record<string, string> =
        outcome.status === 401 ? { 'www-authenticate': bearerChallenge(resource, outcome) } : { 'retry-after': '10' };
      sendJson(
        res,
        outcome.status,
        { error: outcome.error ?? 'invalid_request', error_description: outcome.description },
        headers,
      );
      return undefined;
    }
    return { principal: outcome.principal, pin: headerValue(req, PRACTICE_HEADER), expiresAt: outcome.expiresAt };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Origin form only (a path): an absolute-form or `//host/…` target would make the host the
    // Host check looked at differ from the one the SDK builds its request URL from.
    if (!req.url?.startsWith('/') || req.url.startsWith('//')) {
      metrics.httpRequest('other', req.method ?? 'GET', undefined, 400);
      sendJson(res, 400, {
        error: 'invalid_request',
        error_description: 'Send the request target in origin form, a path such as /mcp, not a full URL.',
      });
      return;
    }
    const url = new URL(req.url, 'http://server.invalid');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const route = routeOf(path, resource);
    const exchange: { rpc: string | undefined } = { rpc: undefined };
    res.once('close', () => metrics.httpRequest(route, method, exchange.rpc, res.statusCode));

    if (draining) {
      sendJson(res, 503, { error: 'draining' }, { connection: 'close', 'retry-after': '5' });
      return;
    }
    if (route !== '/healthz' && route !== '/readyz' && !hostAllowed(req.headers.host)) {
      sendJson(res, 403, { jsonrpc: '2.0', error: { code: -32000, message: 'Invalid Host header' }, id: null });
      return;
    }
    const origin = headerValue(req, 'origin');
    if (origin !== undefined) {
      if (!originAllowed(origin)) {
        sendJson(res, 403, { jsonrpc: '2.0', error: { code: -32000, message: 'Origin not allowed' }, id: null });
        return;
      }
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('vary', 'Origin');
      res.setHeader(
        'access-control-expose-headers',
        'Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate, Last-Event-Id',
      );
    }
    if (method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
        'access-control-allow-headers':
          'Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-Id, X-Escape-Practice',
        'access-control-max-age': '600',
      });
      res.end();
      return;
    }

    switch (route) {
      case '/healthz':
        sendJson(res, 200, { status: 'ok' });
        return;
      case '/readyz': {
        const state = readiness();
        // A load balancer needs the status only; the reasons, practice ids and session counts are
        // for an authenticated operator.
        const body = (await authenticated(req)) ? state.body : { status: state.body.status };
        sendJson(res, state.ready ? 200 : 503, body, { 'cache-control': 'no-store' });
        return;
      }
      case '/metrics': {
        const rendered = await metrics.render();
        res.writeHead(200, { 'content-type': rendered.contentType });
        res.end(rendered.body);
        return;
      }
      case 'resource-metadata':
        sendJson(res, 200, protectedResourceMetadata(resource, settings.jwtIssuer), {
          'cache-control': 'public, max-age=3600',
        });
        return;
      case '/mcp':
      case '/sse':
      case '/messages':
      case '/catalog':
        break;
      default:
        sendJson(res, 404, { error: 'not_found' });
        return;
    }

    const allowedMethods: Record<string, string[]> = {
      '/mcp': ['GET', 'POST', 'DELETE'],
      '/sse': ['GET'],
      '/messages': ['POST'],
      '/catalog': ['GET'],
    };
    if (!allowedMethods[route]?.includes(method)) {
      sendJson(res, 405, { error: 'method_not_allowed' }, { allow: allowedMethods[route]?.join(', ') ?? '' });
      return;
    }
    // A declared oversized body is refused before any work, auth included.
    if (Number(headerValue(req, 'content-length') ?? 0) > settings.maxBodyBytes) {
      sendTooLarge(res, settings.maxBodyBytes);
      return;
    }

    const caller = await authenticate(req, res);
    if (!caller) return;

    if (route === '/catalog') {
      const access = authorizeAccess({ ...caller, served: runtime.practices });
      if (!access.ok) {
        logger.info({ principal: caller.principal.id, reason: access.reason }, 'request refused');
        sendJson(res, 403, { jsonrpc: '2.0', error: { code: -32003, message: access.message }, id: null });
        return;
      }
      sendJson(res, 200, exportRegistry(tools));
      return;
    }
    if (route === '/sse') {
      await endpoints.openSse(res, caller, '/messages');
      return;
    }

    let body: Buffer | undefined;
    if (method === 'POST') {
      body = await readBody(req, settings.maxBodyBytes);
      if (body === undefined) {
        sendTooLarge(res, settings.maxBodyBytes);
        return;
      }
    }
    if (body && jsonDepthExceeds(body, MAX_JSON_DEPTH)) {
      sendJson(res, 400, {
        jsonrpc: '2.0',
        error: { code: -32700, message: `Parse error: the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels.` },
        id: null,
      });
      return;
    }
    let message: unknown;
    try {
      message = body && body.length > 0 ? JSON.parse(UTF8.decode(body)) : undefined;
    } catch {
      message = undefined;
    }
    if (RPC_OBJECT(message) && typeof message.method === 'string') {
      exchange.rpc = message.method;
      // Only a request (with an id) is a call: a tools/call without one is a malformed notification,
      // and routing it to a one-request server for the gate refusal would wait for an answer that
      // never comes; the SDK answers it like any other frame.
      const isRequest = typeof message.id === 'string' || typeof message.id === 'number';
      if (message.method === 'tools/call' && isRequest && typeof message.params?.name === 'string') {
        caller.calledTool = message.params.name;
      }
    }

    if (route === '/messages') {
      if (message === undefined) {
        sendJson(res, 400, { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null });
        return;
      }
      await inFlight.track(() =>
        endpoints.handleSseMessage(req, res, url.searchParams.get('sessionId'), message, caller),
      );
      return;
    }

    // GET streams and subscriptions/listen stay open until the client leaves: not "in flight".
    const longLived = method === 'GET' || exchange.rpc === 'subscriptions/listen';
    if (longLived) await endpoints.handleMcp(req, res, body, message, caller);
    else await inFlight.track(() => endpoints.handleMcp(req, res, body, message, caller));
  }

  const server = createHttpServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A client that hung up mid-request (its body unread) is not a server error.
      if (req.destroyed && (error as { code?: string }).code === 'ECONNRESET') {
        logger.debug('HTTP client disconnected before its request was read');
        return;
      }
      logger.error({ err: error }, 'HTTP request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'server_error' });
      else res.end();
    });
  });
  // Bounds receiving a request (headers and body), not the response: SSE streams stay open.
  server.requestTimeout = 30_000;
  server.headersTimeout = 20_000;
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address: boundAddress } = server.address() as AddressInfo;
  const bound = isLoopbackAddress(boundAddress);
  if (settings.auth === 'off' && !bound) {
    server.close();
    throw new StartupError(
      `--auth off is allowed only on a loopback address: ${settings.host} was bound on ${boundAddress}. ${AUTH_OFF_FIX}`,
    );
  }
  allowedHosts = settings.allowedHosts ?? (bound ? LOOPBACK_NAMES : undefined);
  if (!allowedHosts) {
    logger.warn(
      { host: settings.host },
      'no --allowed-hosts on a non-loopback bind: the Host header is not checked (set it to the names clients use)',
    );
  }
  const hostForUrl = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const baseUrl = `http://${hostForUrl}:${port}`;
  resource = settings.publicUrl ?? `${baseUrl}/mcp`;
  authenticator = createAuthenticator({
    mode: settings.auth,
    readOnly: config.readOnly,
    apiKeys,
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
  const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));

  // The keys file applies without a restart, as the policy file does. A broken edit keeps the
  // previous keys: a half-written file must not lock every client out.
  keysFile?.watch(async () => {
    let keys: ApiKeyEntry[];
    try {
      keys = await keysFile.read(loadApiKeys);
    } catch (error) {
      logger.error({ error: (error as Error).message }, 'API keys file reload failed; keeping the previous keys');
      return;
    }
    authenticator?.replaceApiKeys(keys);
    const listed = new Set(keys.map((entry) => `key:${entry.id}`));
    const closedSessions = endpoints.closeSessionsOf(
      (principal) => principal.startsWith('key:') && !listed.has(principal),
    );
    logger.info({ keys: keys.length, closedSessions }, 'API keys file reloaded');
  }, logger);

  logger.info(
    {
      url: baseUrl,
      mcp: resource,
      auth: settings.auth,
      verifiers: { apiKeys: apiKeys.length, jwtIssuer: settings.jwtIssuer ?? null, demoKey: demoApiKey !== undefined },
      practices: runtime.practices.available.map((p) => p.id),
    },
    'serving MCP over HTTP',
  );

  // Gate rows are keyed by tool name: a tool Escape's catalog does not list cannot be gated there.
  void runtime.api.admin
    .mcpCatalog()
    .then((catalog) => {
      if (!catalog.readable) return;
      const missing = toolsMissingUpstream(tools, catalog.value);
      if (missing.length > 0) {
        logger.warn(
          { tools: missing },
          "tools missing from Escape's MCP catalog: its support UI offers no gate row for them",
        );
      }
    })
    .catch((error: unknown) => logger.debug({ err: error }, 'could not read the upstream MCP catalog'));

  let drained: Promise<void> | undefined;
  const drain = (waitMs: number) => {
    drained ??= (async () => {
      draining = true;
      keysFile?.stop();
      endpoints.stopOpening();
      server.close();
      server.closeIdleConnections();
      logger.info({ inFlight: inFlight.count }, 'draining: no new connections; waiting for in-flight requests');
      const finished = await inFlight.idle(waitMs);
      if (!finished) logger.warn({ inFlight: inFlight.count }, 'drain deadline passed; closing what is left');
      stopListening();
      stopDiscovery();
      await endpoints.close();
      server.closeAllConnections();
      await closed;
      logger.info('HTTP server closed');
    })();
    return drained;
  };

  return {
    url: baseUrl,
    mcpUrl: resource,
    demoApiKey,
    metrics,
    broadcast: (kind) => endpoints.broadcast(kind),
    drain: () => drain(settings.drainSeconds * 1000),
    close: () => drain(0),
  };
}

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

/** Counts requests and tool executions still running, so a drain knows when it may close streams. */
class InFlight {
  count = 0;
  private waiters = new Set<() => void>();

  constructor(private readonly onCount: (count: number) => void) {}

  async track<T>(work: () => Promise<T>): Promise<T> {
    this.count += 1;
    this.onCount(this.count);
    try {
      return await work();
    } finally {
      this.count -= 1;
      this.onCount(this.count);
      if (this.count === 0) for (const wake of this.waiters) wake();
    }
  }

  /** Resolves true once nothing is in flight, false if `waitMs` passes first. */
  idle(waitMs: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (value: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(value);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), waitMs);
      this.waiters.add(wake);
    });
  }
}

/** Tool handlers counted as in flight: legacy SSE answers arrive on the stream, after the POST returned. */
function countedTools(tools: readonly AnyToolDefinition[], inFlight: InFlight): AnyToolDefinition[] {
  return tools.map((tool) => ({
    ...tool,
    handler: (context, args) => inFlight.track(() => tool.handler(context, args)),
  }));
}

/**
 * Deeper than any MCP message this server reads: a body nested further is refused before it is
 * parsed, since schema validation walks it recursively and would overflow the stack (a 500).
 */
const MAX_JSON_DEPTH = 64;

/** Whether the JSON text nests objects and arrays deeper than `limit` (brackets inside strings do not count). */
export function jsonDepthExceeds(body: Uint8Array, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i += 1) {
    const byte = body[i];
    if (inString) {
      if (byte === 0x5c)
        i += 1; // backslash: the next byte is escaped
      else if (byte === 0x22) inString = false;
      continue;
    }
    if (byte === 0x22) inString = true;
    else if (byte === 0x7b || byte === 0x5b) {
      depth += 1;
      if (depth > limit) return true;
    } else if (byte === 0x7d || byte === 0x5d) depth -= 1;
  }
  return false;
}

function routeOf(path: string, resource: string): string {
  if (path.startsWith('/.well-known/oauth-protected-resource')) {
    const expected = resource ? new URL(resourceMetadataUrl(resource)).pathname : '';
    return path === '/.well-known/oauth-protected-resource' || path === expected ? 'resource-metadata' : 'other';
  }
  if (resource && path === new URL(resource).pathname) return '/mcp';
  return ['/mcp', '/sse', '/messages', '/catalog', '/healthz', '/readyz', '/metrics'].includes(path) ? path : 'other';
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function sendTooLarge(res: ServerResponse, limit: number): void {
  sendJson(
    res,
    413,
    { jsonrpc: '2.0', error: { code: -32000, message: `Request body larger than ${limit} bytes` }, id: null },
    { connection: 'close' },
  );
}

/** The request body, or undefined once it passes `limit` bytes (the rest is discarded). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

// mcp-remote expands ${AUTH_HEADER} from its env; Claude Desktop mangles spaces inside args.
// biome-ignore lint/suspicious/noTemplateCurlyInString: a literal placeholder, not a template.
const MCP_REMOTE_HEADER = 'Authorization:${AUTH_HEADER}';

/** What a person needs to connect: the URL, client configs and an Inspector command. */
export function connectionBanner(serving: HttpServing, runtime: Runtime): string {
  const url = serving.mcpUrl;
  const key = serving.demoApiKey;
  const auth = runtime.config.http.auth;
  const header = key ? `Authorization: Bearer ${key}` : undefined;
  const practice = runtime.practices.pinned ?? runtime.practices.available[0];
  const demo = runtime.sandbox !== undefined;
  const json = (value: unknown) => JSON.stringify(value);
  const lines = [
    '',
    `Escape Dental MCP is serving at ${url}`,
    `  Streamable HTTP (2026-07-28 and 2025 sessions) at ${url}; legacy SSE at ${serving.url}/sse; health ${serving.url}/healthz; metrics ${serving.url}/metrics`,
    demo
      ? `  DEMO DATA: the embedded Escape Dental sandbox; every practice, patient and figure is synthetic.`
      : `  Upstream: ${runtime.config.upstream.kind === 'remote' ? runtime.config.upstream.apiUrl : 'sandbox'}`,
    runtime.practices.pending
      ? '  Practices: not read yet (Escape Dental could not be reached); tools answer once they are, and clients are told'
      : `  Practices: ${runtime.practices.available.map((p) => `${p.name} (${p.id})`).join('; ')}`,
    key
      ? `  Auth: Bearer key generated for this run (it changes on restart; use --api-keys-file for a lasting one): ${key}`
      : auth === 'off'
        ? '  Auth: off (loopback only)'
        : '  Auth: Bearer token (an operator API key or a JWT from the configured issuer)',
    '',
    'Claude Code:',
    `  claude mcp add --transport http escape-dental ${url}${header ? ` --header "${header}"` : ''}`,
    '',
    'VS Code (.vscode/mcp.json):',
    `  ${json({ servers: { 'escape-dental': { type: 'http', url, ...(header ? { headers: { Authorization: `Bearer ${key}` } } : {}) } } })}`,
    '',
    'Claude Desktop (claude_desktop_config.json, through the mcp-remote bridge):',
    `  ${json({
      mcpServers: {
        'escape-dental': {
          command: 'npx',
          args: ['-y', 'mcp-remote', url, ...(header ? ['--header', MCP_REMOTE_HEADER] : [])],
          ...(header ? { env: { AUTH_HEADER: `Bearer ${key}` } } : {}),
        },
      },
    })}`,
    '',
    'Try a tool with the MCP Inspector (it needs Node 22.19 or later):',
    `  npx -y @modelcontextprotocol/inspector@2.12.0 --cli ${url} --transport http${header ? ` --header "${header}"` : ''} --method tools/call --tool-name find_spot${
      practice && !runtime.practices.pinned ? ` --tool-arg 'practice=${practice.name}'` : ''
    } --tool-arg duration_minutes=60`,
    '',
  ];
  return lines.join('\n');
}
