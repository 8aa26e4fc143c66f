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
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  bearerChallenge,
  createAuthenticator,
  generateApiKey,
  InboundAuthConfigError,
  type InboundAuthenticator,
  loadApiKeys,
  PRACTICE_HEADER,
  practiceAccess,
  protectedResourceMetadata,
  remoteKeySet,
  resourceMetadataUrl,
  SCOPES,
} from '../auth/inbound.js';
import { isLoopbackHost } from '../config.js';
import { exportRegistry, toolsMissingUpstream } from '../gates/export.js';
import { type CallerContext, McpHttpEndpoints } from '../mcp/http.js';
import type { ProtocolEra } from '../mcp/sdk.js';
import { PrometheusMetrics } from '../metrics.js';
import { type Runtime, StartupError } from '../runtime.js';
import { createServer, type EscapeMcpServer, isToolListed } from '../server.js';
import { CATALOG } from '../tools/registry.js';
import type { AnyToolDefinition } from '../tools/types.js';

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
  const bound = isLoopbackHost(settings.host);

  // --- inbound auth, prepared before the socket opens (the audience needs the port, set below)
  let apiKeys: Awaited<ReturnType<typeof loadApiKeys>> = [];
  let demoApiKey: string | undefined;
  if (settings.auth === 'required') {
    if (settings.apiKeysFile) {
      try {
        apiKeys = await loadApiKeys(settings.apiKeysFile);
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
      const access = practiceAccess(caller.principal, runtime.practices, caller.practiceHeader);
      return access.ok ? access.scope : undefined;
    });
  });

  const allowedHosts = settings.allowedHosts ?? (bound ? LOOPBACK_NAMES : undefined);
  if (!allowedHosts) {
    logger.warn(
      { host: settings.host },
      'no --allowed-hosts on a non-loopback bind: the Host header is not checked (set it to the names clients use)',
    );
  }
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

  const readiness = () => {
    const gates = runtime.gates.status();
    const breaker = runtime.api.client.breakerState();
    const practices = runtime.discovery.status();
    const ready = !draining && gates.ready && breaker !== 'open' && practices.ready;
    return {
      ready,
      body: {
        status: ready ? 'ready' : 'not_ready',
        ...(practices.reason ? { reason: practices.reason } : {}),
        practices,
        draining,
        upstream: { breaker },
        gates: {
          loaded: gates.ready,
          pendingPractices: gates.pendingPracticeIds,
          lastPollAt: gates.lastPollAt?.toISOString(),
        },
        sessions: endpoints.sessionCount(),
      },
    };
  };

  async function authorize(req: IncomingMessage, res: ServerResponse): Promise<CallerContext | undefined> {
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
    const access = practiceAccess(outcome.principal, runtime.practices, headerValue(req, PRACTICE_HEADER));
    if (!access.ok) {
      logger.info({ principal: outcome.principal.id }, 'request refused: practice outside the credential');
      sendJson(res, 403, { jsonrpc: '2.0', error: { code: -32003, message: access.message }, id: null });
      return undefined;
    }
    return {
      principal: outcome.principal,
      practices: access.scope,
      expiresAt: outcome.expiresAt,
      practiceHeader: headerValue(req, PRACTICE_HEADER),
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://server.invalid');
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
        sendJson(res, state.ready ? 200 : 503, state.body);
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

    const caller = await authorize(req, res);
    if (!caller) return;

    if (route === '/catalog') {
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
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const baseUrl = `http://${hostForUrl}:${port}`;
  resource = settings.publicUrl ?? `${baseUrl}/mcp`;
  authenticator = createAuthenticator({
    mode: settings.auth,
    readOnly: config.readOnly,
    apiKeys,
    ...(settings.jwtIssuer && settings.jwksUrl
      ? { jwt: { issuer: settings.jwtIssuer, audience: resource, keys: remoteKeySet(settings.jwksUrl) } }
      : {}),
  });
  const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));

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
