/**
 * The HTTP transport: node:http routes, body limits and per-request practice access, put together
 * from pieces beside it: inbound auth (`http-auth.ts`), Host/Origin/CORS (`http-access.ts`), health
 * and readiness (`http-health.ts`) and the graceful drain (`http-drain.ts`); the banner is
 * `http-banner.ts`. The MCP protocol side (both Streamable HTTP eras and legacy SSE) is `mcp/http.ts`.
 *
 *   POST|GET|DELETE /mcp      MCP: 2026-07-28 stateless, 2025-era sessions
 *   GET /sse, POST /messages  legacy HTTP+SSE
 *   GET /catalog              our tools in the Escape API's REGISTRY shape (authenticated)
 *   GET /.well-known/oauth-protected-resource[/<path of /mcp>]   RFC 9728 metadata
 *   GET /healthz              liveness; GET /readyz readiness; GET /metrics Prometheus
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type InboundAuthenticator, protectedResourceMetadata, resourceMetadataUrl } from '../auth/inbound.js';
import { isLoopbackAddress } from '../config.js';
import { isListed } from '../gates/decision.js';
import { exportRegistry, toolsMissingUpstream } from '../gates/export.js';
import { McpHttpEndpoints } from '../mcp/http.js';
import type { ProtocolEra } from '../mcp/sdk.js';
import { PrometheusMetrics } from '../metrics.js';
import type { Runtime } from '../runtime.js';
import { CATALOG, createServer, type EscapeMcpServer, type ServerDependencies } from '../server.js';
import { InProcessSlotLedger, type SlotLedger } from '../state/slots.js';
import { authorizeAccess } from '../tenancy/access.js';
import { allowedHostsFor, decideHostOrigin, type HostOriginPolicy } from './http-access.js';
import {
  authenticateRequest,
  checkBoundAddress,
  inboundAuthenticator,
  prepareInboundAuth,
  watchApiKeys,
} from './http-auth.js';
import { countedTools, drainOnce, InFlight } from './http-drain.js';
import { HEALTHY, type ReadinessInputs, readinessAnswer } from './http-health.js';

/** Decodes request bodies as the SDK and `Request#json()` do: a leading byte-order mark is dropped. */
const UTF8 = new TextDecoder();

const ALLOWED_METHODS: Readonly<Record<string, readonly string[]>> = {
  '/mcp': ['GET', 'POST', 'DELETE'],
  '/sse': ['GET'],
  '/messages': ['POST'],
  '/catalog': ['GET'],
};

export interface HttpOptions {
  /** The tools to serve (default: the catalog). Tests add test-only definitions here. */
  tools?: ServerDependencies['tools'];
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
  // Inbound auth, prepared before the socket opens (the authenticator's audience needs the port).
  const authSetup = await prepareInboundAuth(settings, {
    readOnly: config.readOnly,
    demo: runtime.sandbox !== undefined,
  });
  let authenticator: InboundAuthenticator | undefined;
  let resource = '';
  let draining = false;

  const endpoints = new McpHttpEndpoints({
    build: (caller, era, onlyTool) => {
      const server = createServer({
        ...runtime.serverDependencies(caller.principal, caller.practices),
        // Each call is decided again with the credential its own message presents (tenancy/access.ts).
        credentialPerMessage: true,
        tools,
        metrics,
        toolsListTtlMs: toolsListTtlMs(settings.gatePollSeconds),
        onlyTool,
      });
      options.extendServer?.(server, era);
      return server;
    },
    isListed: (caller, name) => {
      const tool = toolsByName.get(name);
      // Unknown names go to the session server, which answers "not found".
      if (!tool) return true;
      return isListed(tool, caller.principal, caller.practices, runtime.gatesFor);
    },
    served: () => runtime.practices,
    ...(runtime.state.sessions ? { sessionDirectory: runtime.state.sessions } : {}),
    slots: options.slots ?? slotLedger(runtime, settings),
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

  // allowedHosts is set once the socket is bound: loopback or not is a property of the address actually bound.
  const hostOrigin: HostOriginPolicy = { allowedHosts: undefined, allowedOrigins: settings.allowedOrigins };
  const readinessInputs = (): ReadinessInputs => ({
    draining,
    practices: runtime.discovery.status(),
    gates: runtime.gates.status(),
    breaker: runtime.api.client.breakerState(),
    sessions: endpoints.sessionCount(),
  });

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
    const access = decideHostOrigin(hostOrigin, {
      route,
      method,
      host: req.headers.host,
      origin: headerValue(req, 'origin'),
    });
    if (!access.ok) {
      sendJson(res, 403, { jsonrpc: '2.0', error: { code: -32000, message: access.message }, id: null });
      return;
    }
    for (const [name, value] of Object.entries(access.corsHeaders)) res.setHeader(name, value);
    if (access.preflight) {
      res.writeHead(204, access.preflight);
      res.end();
      return;
    }

    switch (route) {
      case '/healthz':
        sendJson(res, 200, HEALTHY);
        return;
      case '/readyz': {
        const authenticated = (await authenticateRequest(authenticator, resource, req)).ok;
        const state = { kind: runtime.state.kind, ...(await runtime.state.health()) };
        const answer = readinessAnswer({ ...readinessInputs(), state }, authenticated);
        sendJson(res, answer.status, answer.body, { 'cache-control': 'no-store' });
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

    if (!ALLOWED_METHODS[route]?.includes(method)) {
      sendJson(res, 405, { error: 'method_not_allowed' }, { allow: ALLOWED_METHODS[route]?.join(', ') ?? '' });
      return;
    }
    // A declared oversized body is refused before any work, auth included.
    if (Number(headerValue(req, 'content-length') ?? 0) > settings.maxBodyBytes) {
      sendTooLarge(res, settings.maxBodyBytes);
      return;
    }

    const authentication = await authenticateRequest(authenticator, resource, req);
    if (!authentication.ok) {
      sendJson(res, authentication.status, authentication.body, authentication.headers);
      return;
    }
    const caller = authentication.credential;

    if (route === '/catalog') {
      const catalogAccess = authorizeAccess({ ...caller, served: runtime.practices });
      if (!catalogAccess.ok) {
        logger.info({ principal: caller.principal.id, reason: catalogAccess.reason }, 'request refused');
        sendJson(res, 403, { jsonrpc: '2.0', error: { code: -32003, message: catalogAccess.message }, id: null });
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
  try {
    checkBoundAddress(settings, boundAddress);
  } catch (error) {
    server.close();
    throw error;
  }
  hostOrigin.allowedHosts = allowedHostsFor(settings.allowedHosts, isLoopbackAddress(boundAddress));
  if (!hostOrigin.allowedHosts) {
    logger.warn(
      { host: settings.host },
      'no --allowed-hosts on a non-loopback bind: the Host header is not checked (set it to the names clients use)',
    );
  }
  const hostForUrl = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const baseUrl = `http://${hostForUrl}:${port}`;
  resource = settings.publicUrl ?? `${baseUrl}/mcp`;
  authenticator = inboundAuthenticator(settings, authSetup, resource, config.readOnly);
  const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
  const { keysFile } = authSetup;
  if (keysFile) watchApiKeys(keysFile, authenticator, (matches) => endpoints.closeSessionsOf(matches), logger);

  logger.info(
    {
      url: baseUrl,
      mcp: resource,
      auth: settings.auth,
      verifiers: {
        apiKeys: authSetup.apiKeys.length,
        jwtIssuer: settings.jwtIssuer ?? null,
        demoKey: authSetup.demoApiKey !== undefined,
      },
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

  const drain = drainOnce({
    stopAccepting: () => {
      draining = true;
      keysFile?.stop();
      endpoints.stopOpening();
      server.close();
      server.closeIdleConnections();
    },
    inFlight,
    closeEverything: async () => {
      stopListening();
      stopDiscovery();
      await endpoints.close();
      server.closeAllConnections();
      await closed;
    },
    logger,
  });

  return {
    url: baseUrl,
    mcpUrl: resource,
    demoApiKey: authSetup.demoApiKey,
    metrics,
    broadcast: (kind) => endpoints.broadcast(kind),
    drain: () => drain(settings.drainSeconds * 1000),
    close: () => drain(0),
  };
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

/** The per-principal caps: counted across replicas with --state redis, else in this process. */
function slotLedger(runtime: Runtime, settings: Runtime['config']['http']): SlotLedger {
  const limits = {
    session: settings.maxSessionsPerPrincipal,
    sse: settings.maxSseConnectionsPerPrincipal,
    listen: settings.maxListenStreamsPerPrincipal,
  };
  return runtime.state.slots?.(limits) ?? new InProcessSlotLedger(limits);
}
