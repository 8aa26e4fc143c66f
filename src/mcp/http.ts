/**
 * The SDK side of the HTTP transport: everything that touches `@modelcontextprotocol/*` for
 * HTTP lives here, so `transports/http.ts` deals only in node:http, principals and routes.
 *
 *   /mcp, 2026-07-28 → `createMcpHandler` (strict, stateless): a server built per request for
 *                      the verified caller; change notifications through `notify` on listen streams.
 *   /mcp, 2025 era   → sessions on `WebStandardStreamableHTTPServerTransport` (Mcp-Session-Id,
 *                      GET stream, DELETE), routed with the SDK's own `isLegacyRequest`.
 *   /sse + /messages → the frozen HTTP+SSE transport from `@modelcontextprotocol/server-legacy`.
 *
 * Every message is authorized here, on every transport, by `authorizeAccess` (src/tenancy/access.ts)
 * with the credential it presents now. A session belongs to the principal that opened it (a
 * request of another principal gets the same 404 as an unknown session id) and to the grant it
 * was opened with (a message granting anything else gets 403). Each principal holds at most its
 * cap of sessions, SSE connections and listen streams (429), under the instance-wide caps.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type NodeIncomingMessageLike, toNodeHandler } from '@modelcontextprotocol/node';
import {
  type AuthInfo,
  createMcpHandler,
  InMemoryTransport,
  isInitializeRequest,
  isJSONRPCResponse,
  isLegacyRequest,
  type JSONRPCMessage,
  type LegacyHttpHandler,
  legacyStatelessFallback,
  type McpHandlerRequestOptions,
  type McpHttpHandler,
  type ServerEvent,
  type ServerEventBus,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';
import { SSEServerTransport } from '@modelcontextprotocol/server-legacy/sse';
import { contextSlot } from '../context.js';
import type { SessionDirectory } from '../state/port.js';
import { capMessage, type SlotKind, type SlotLedger } from '../state/slots.js';
import {
  type AccessGrant,
  type AccessRefusal,
  authorizeAccess,
  grantOf,
  type MessageCredential,
} from '../tenancy/access.js';
import type { PracticeScope } from '../tenancy/types.js';
import { SCOPES } from '../tenancy/types.js';
import { CALLER_EXTRA_KEY, type EscapeMcpServer, markStatelessLegacy, type ProtocolEra } from './sdk.js';

/**
 * What transports/http.ts verified about one request: its principal and its X-Escape-Practice
 * header (`pin`; a session's practices are worked out again from it, `rescope`), and its call.
 */
export interface RequestCredential extends MessageCredential {
  /** Token expiry (seconds since the epoch), when the credential has one. */
  expiresAt?: number | undefined;
  /** The tool a `tools/call` request names (see `oneShotServer`). */
  calledTool?: string | undefined;
}

/** A request once authorized: the practices it may touch and the grant that decided them. */
export interface CallerContext extends RequestCredential {
  practices: PracticeScope;
  grant: AccessGrant;
}

export type SessionKind = 'streamable' | 'sse' | 'listen';

export interface McpHttpOptions {
  /** `onlyTool`: the server answers one tools/call of that tool (see createServer's `onlyTool`). */
  build: (caller: CallerContext, era: ProtocolEra, onlyTool?: string) => EscapeMcpServer;
  /** The practices this process serves now (the input of every authorization decision). */
  served: () => PracticeScope;
  /** Per-principal caps on sessions, SSE connections and listen streams. */
  slots: SlotLedger;
  /** Sessions open on every replica (--state redis): an unknown id opened elsewhere gets a 404 saying so. */
  sessionDirectory?: SessionDirectory;
  /** A message refused by the authorization decision (403) or a principal's cap (429). */
  onRefused?: (principalId: string, reason: AccessRefusal | `cap_${SlotKind}`) => void;
  /** Whether the caller's tools/list shows this tool (the same decision createServer lists by). */
  isListed: (caller: CallerContext, toolName: string) => boolean;
  /** SSE comment-frame interval on every long-lived stream; 0 = none. */
  keepAliveMs: number;
  maxBodyBytes: number;
  /** Sessions (2025 Streamable HTTP + legacy SSE) this instance holds at most, whoever opened them. */
  maxSessions: number;
  /**
   * A 2025 session with no request for this long and no open GET stream is closed: clients
   * rarely send DELETE, and a crashed one never does.
   */
  sessionIdleMs: number;
  onError: (error: Error) => void;
  onSessionCount?: (kind: SessionKind, count: number) => void;
}

interface Session {
  id: string;
  kind: 'streamable' | 'sse';
  principalId: string;
  /** The caller that opened the session. */
  caller: CallerContext;
  lastSeen: number;
  openStreams: number;
  /** What the session was opened with (worked out again by `rescope`): every later message must be granted it. */
  grant: AccessGrant;
  practiceIds: ReadonlySet<string>;
  server: EscapeMcpServer;
  close: () => Promise<void>;
  /** Gives the principal's slot back (once). */
  releaseSlot: () => void;
}

interface SessionWithStreamable extends Session {
  kind: 'streamable';
  transport: WebStandardStreamableHTTPServerTransport;
}

interface SessionWithSse extends Session {
  kind: 'sse';
  transport: SSEServerTransport;
}

/** The caller of the request being served (read by the listen bus when a stream subscribes). */
const currentCaller = contextSlot<CallerContext>('caller');
/** The practices a change notification is for (set around `notify.toolsChanged()`). */
const notificationTarget = contextSlot<ReadonlySet<string>>('notification target');

const practiceIdsOf = (scope: PracticeScope) => new Set(scope.available.map((p) => p.id));
const intersects = (a: ReadonlySet<string>, b: ReadonlySet<string>) => [...a].some((id) => b.has(id));

function toAuthInfo(caller: CallerContext): AuthInfo {
  return {
    // The inbound token stays in transports/http.ts: nothing downstream needs it, and it is
    // never forwarded upstream.
    token: '',
    clientId: caller.principal.id,
    scopes: caller.principal.scopes === 'all' ? [...SCOPES] : [...caller.principal.scopes],
    ...(caller.expiresAt !== undefined ? { expiresAt: caller.expiresAt } : {}),
    extra: { [CALLER_EXTRA_KEY]: caller },
  };
}

function callerOf(authInfo: AuthInfo | undefined): CallerContext {
  const caller = authInfo?.extra?.[CALLER_EXTRA_KEY] as CallerContext | undefined;
  // Every request reaches the SDK through `handleMcp`, which always sets it.
  if (!caller) throw new Error('MCP request without a verified caller');
  return caller;
}

const handlerOptions = (authInfo: AuthInfo | undefined, parsedBody: unknown): McpHandlerRequestOptions => ({
  ...(authInfo ? { authInfo } : {}),
  ...(parsedBody !== undefined ? { parsedBody } : {}),
});

function jsonRpcError(status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  return Response.json({ jsonrpc: '2.0', error: { code, message }, id: null }, { status, headers });
}

function sendJsonRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

/** JSON-RPC code of a message refused by the authorization decision (HTTP 403). */
const ACCESS_REFUSED = -32003;
/** How long a capped principal is asked to wait before retrying (429). */
const CAP_RETRY_AFTER = '30';

const isListenRequest = (body: unknown) =>
  typeof body === 'object' && body !== null && (body as { method?: unknown }).method === 'subscriptions/listen';

/**
 * The listen-stream bus of the 2026 handler, scoped by practice: a stream remembers the
 * practices of the caller that opened it, and a tools change published for some practices
 * reaches only the streams that can see one of them. (Unscoped events reach every stream.)
 */
class PracticeScopedBus implements ServerEventBus {
  private readonly listeners = new Map<(event: ServerEvent) => void, ReadonlySet<string> | undefined>();

  constructor(
    private readonly onError: (error: Error) => void,
    private readonly onCount: (count: number) => void,
  ) {}

  publish(event: ServerEvent): void {
    const target = notificationTarget.get();
    for (const [listener, practiceIds] of [...this.listeners]) {
      if (target && practiceIds && !intersects(practiceIds, target)) continue;
      try {
        listener(event);
      } catch (error) {
        this.onError(error instanceof Error ? error : new Error(String(error)));
      }
    }
  }

  subscribe(listener: (event: ServerEvent) => void): () => void {
    // The listen router subscribes while serving the subscriptions/listen request, inside the
    // request's async context, so the caller of that request is known here.
    // A stream opened before the practice list was read hears every change (it has no practices yet).
    const caller = currentCaller.get();
    this.listeners.set(listener, caller && !caller.practices.pending ? practiceIdsOf(caller.practices) : undefined);
    this.onCount(this.listeners.size);
    return () => {
      if (this.listeners.delete(listener)) this.onCount(this.listeners.size);
    };
  }
}

export class McpHttpEndpoints {
  private readonly sessions = new Map<string, SessionWithStreamable | SessionWithSse>();
  private readonly bus: PracticeScopedBus;
  private readonly modern: McpHttpHandler;
  private readonly legacyOneShot: LegacyHttpHandler;
  private readonly node: ReturnType<typeof toNodeHandler>;
  private closing = false;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly options: McpHttpOptions) {
    this.sweeper = setInterval(() => this.closeIdleSessions(), Math.min(60_000, options.sessionIdleMs));
    this.sweeper.unref();
    this.bus = new PracticeScopedBus(options.onError, (count) => options.onSessionCount?.('listen', count));
    this.modern = createMcpHandler((context) => this.oneShotServer(callerOf(context.authInfo), context.era).server, {
      legacy: 'reject',
      bus: this.bus,
      keepAliveMs: options.keepAliveMs,
      maxRequestBodySize: options.maxBodyBytes,
      onerror: options.onError,
    });
    this.legacyOneShot = legacyStatelessFallback(
      // Stateless 2025 requests have no channel back to the client: no confirmation prompts there.
      (context) => markStatelessLegacy(this.oneShotServer(callerOf(context.authInfo), 'legacy').server),
      options.onError,
      { maxRequestBodySize: options.maxBodyBytes },
    );
    this.node = toNodeHandler(
      { fetch: (request, requestOptions) => this.route(request, requestOptions) },
      { maxRequestBodySize: options.maxBodyBytes, onerror: options.onError },
    );
  }

  /**
   * A server for one request. A tool hidden from this caller's list stays callable on it, so a
   * call from a stale list reaches invokeTool, whose gate decision refuses it with the reason
   * (and counts and logs the decision) instead of the SDK's bare "Tool … disabled". A tools/call
   * request is served by a server built for that tool alone (createServer's `onlyTool`).
   */
  private oneShotServer(caller: CallerContext, era: ProtocolEra): EscapeMcpServer {
    const built = this.options.build(caller, era, caller.calledTool);
    if (caller.calledTool) built.setEnabled(caller.calledTool, true);
    return built;
  }

  /** A session's call to a tool its list hides: answered by a one-request server (see oneShotServer). */
  private callsHiddenTool(caller: CallerContext): boolean {
    return caller.calledTool !== undefined && !this.options.isListed(caller, caller.calledTool);
  }

  /**
   * POST, GET or DELETE /mcp, with the body already read (and size-checked) by the caller, and
   * parsed when it is JSON: the parsed body is handed to the SDK so that neither the era
   * routing nor the handler clones and re-reads the request. A body that is not JSON goes on
   * unparsed: the 2026-07-28 handler answers its parse error; a 2025 request without a session
   * gets our "send initialize first" 400 (legacySession).
   */
  async handleMcp(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer | undefined,
    parsedBody: unknown,
    credential: RequestCredential,
  ): Promise<void> {
    const sessionHeader = req.headers['mcp-session-id'];
    const sessionId = Array.isArray(sessionHeader) ? sessionHeader[0] : sessionHeader;
    const session = sessionId ? this.sessionOf(sessionId, 'streamable', credential) : undefined;
    const caller = this.authorize(res, credential, session);
    if (!caller) return;
    if (req.method === 'POST' && isListenRequest(parsedBody)) {
      const claim = await this.options.slots.claim('listen', caller.principal.id);
      if (!claim.granted) return this.refuseCap(res, caller, 'listen', claim.limit);
      res.once('close', claim.release);
    }
    const replay: NodeIncomingMessageLike = {
      method: req.method,
      url: req.url,
      headers: req.headers,
      auth: toAuthInfo(caller),
      async *[Symbol.asyncIterator]() {
        if (body && body.length > 0) yield body;
      },
    };
    return currentCaller.run(caller, () => this.node(replay, res, parsedBody));
  }

  private async route(request: Request, requestOptions: McpHandlerRequestOptions | undefined): Promise<Response> {
    const { authInfo, parsedBody } = requestOptions ?? {};
    if (await isLegacyRequest(request, parsedBody, { maxRequestBodySize: this.options.maxBodyBytes })) {
      return this.legacySession(request, authInfo, parsedBody);
    }
    return this.modern.fetch(request, handlerOptions(authInfo, parsedBody));
  }

  private async legacySession(
    request: Request,
    authInfo: AuthInfo | undefined,
    parsedBody: unknown,
  ): Promise<Response> {
    const caller = callerOf(authInfo);
    const sessionId = request.headers.get('mcp-session-id');
    if (sessionId) {
      // handleMcp authorized this message against this session's grant.
      const session = this.sessionOf(sessionId, 'streamable', caller);
      if (!session) return jsonRpcError(404, -32001, await this.sessionNotFound(sessionId, caller.principal.id));
      session.lastSeen = Date.now();
      if (request.method === 'POST' && this.callsHiddenTool(caller)) {
        return this.legacyOneShot(request, handlerOptions(authInfo, parsedBody));
      }
      const response = await session.transport.handleRequest(request, handlerOptions(authInfo, parsedBody));
      return request.method === 'GET' ? this.countedStream(session, request, response) : response;
    }

    if (!isInitializeRequest(request.method === 'POST' ? parsedBody : undefined)) {
      return jsonRpcError(400, -32000, 'Bad Request: Mcp-Session-Id header is required (send initialize first)');
    }
    if (this.closing) return jsonRpcError(503, -32000, 'The server is shutting down', { 'retry-after': '5' });
    if (this.sessions.size >= this.options.maxSessions) {
      return jsonRpcError(503, -32000, 'Too many open sessions; retry later', { 'retry-after': '30' });
    }
    const claim = await this.options.slots.claim('session', caller.principal.id);
    if (!claim.granted) {
      this.options.onRefused?.(caller.principal.id, 'cap_session');
      return jsonRpcError(429, -32000, capMessage('session', claim.limit), { 'retry-after': CAP_RETRY_AFTER });
    }

    const server = this.options.build(caller, 'legacy');
    let record: SessionWithStreamable | undefined;
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      keepAliveMs: this.options.keepAliveMs,
      maxRequestBodySize: this.options.maxBodyBytes,
      onsessioninitialized: async (id) => {
        record = {
          id,
          kind: 'streamable',
          principalId: caller.principal.id,
          caller,
          lastSeen: Date.now(),
          openStreams: 0,
          grant: caller.grant,
          practiceIds: practiceIdsOf(caller.practices),
          server,
          transport,
          close: () => transport.close(),
          releaseSlot: claim.release,
        };
        this.sessions.set(id, record);
        this.countSessions();
        // Awaited (the SDK waits before answering initialize): the next request may reach another replica.
        await this.options.sessionDirectory?.record(id, caller.principal.id).catch(() => undefined);
      },
    });
    // Set before connect: the protocol layer chains its own close handling after this one.
    transport.onclose = () => {
      if (record) this.forget(record);
      else claim.release();
    };
    try {
      await server.server.connect(transport);
      return await transport.handleRequest(request, handlerOptions(authInfo, parsedBody));
    } finally {
      // An initialize the transport refused opened no session: its slot goes back.
      if (!record) claim.release();
    }
  }

  /** GET /sse: opens a legacy HTTP+SSE session; its messages arrive on `messagesPath?sessionId=…`. */
  async openSse(res: ServerResponse, credential: RequestCredential, messagesPath: string): Promise<void> {
    const caller = this.authorize(res, credential, undefined);
    if (!caller) return;
    if (this.closing || this.sessions.size >= this.options.maxSessions) {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '30' });
      res.end(JSON.stringify({ error: 'unavailable', error_description: 'No session can be opened right now.' }));
      return;
    }
    const claim = await this.options.slots.claim('sse', caller.principal.id);
    if (!claim.granted) return this.refuseCap(res, caller, 'sse', claim.limit);
    // The client may have left while its credential was being checked (a JWT check awaits): the
    // SDK transport would never hear that close, and the session would hold a slot for good.
    if (responseGone(res)) {
      claim.release();
      return;
    }
    const transport = new SSEServerTransport(messagesPath, res);
    const server = this.options.build(caller, 'legacy');
    const record: SessionWithSse = {
      id: transport.sessionId,
      kind: 'sse',
      principalId: caller.principal.id,
      caller,
      lastSeen: Date.now(),
      // The session is its stream: it ends when the client disconnects.
      openStreams: 1,
      grant: caller.grant,
      practiceIds: practiceIdsOf(caller.practices),
      server,
      transport,
      close: () => transport.close(),
      releaseSlot: claim.release,
    };
    // The frozen transport sends no keepalives of its own.
    const keepAlive =
      this.options.keepAliveMs > 0
        ? setInterval(() => {
            if (!res.writableEnded && !res.destroyed) res.write(': keepalive\n\n');
          }, this.options.keepAliveMs)
        : undefined;
    keepAlive?.unref();
    transport.onclose = () => {
      if (keepAlive) clearInterval(keepAlive);
      this.forget(record);
    };
    this.sessions.set(record.id, record);
    this.countSessions();
    this.options.sessionDirectory?.record(record.id, caller.principal.id).catch(() => undefined);
    res.setHeader('x-accel-buffering', 'no');
    let connected = false;
    try {
      await server.server.connect(transport);
      connected = true;
    } finally {
      // A stream that never started never closes: its timer, entry and slot go now.
      if (!connected) {
        if (keepAlive) clearInterval(keepAlive);
        this.forget(record);
      }
    }
    if (responseGone(res)) await transport.close();
  }

  /** POST /messages?sessionId=…: one client message of a legacy SSE session. */
  async handleSseMessage(
    req: IncomingMessage,
    res: ServerResponse,
    sessionId: string | null,
    message: unknown,
    credential: RequestCredential,
  ): Promise<void> {
    const session = sessionId ? this.sessionOf(sessionId, 'sse', credential) : undefined;
    if (!session) {
      return sendJsonRpcError(res, 404, -32001, await this.sessionNotFound(sessionId, credential.principal.id));
    }
    const caller = this.authorize(res, credential, session);
    if (!caller) return;
    session.lastSeen = Date.now();
    if (this.callsHiddenTool(caller)) {
      res.writeHead(202).end('Accepted');
      await this.answerOnStream(session.transport, caller, message as JSONRPCMessage);
      return;
    }
    const withAuth = req as IncomingMessage & { auth?: AuthInfo };
    withAuth.auth = toAuthInfo(caller);
    await currentCaller.run(caller, () => session.transport.handlePostMessage(withAuth, res, message));
  }

  /** Serves one request on a one-request server and sends its answer down a legacy SSE stream. */
  private async answerOnStream(stream: SSEServerTransport, caller: CallerContext, message: JSONRPCMessage) {
    const built = this.oneShotServer(caller, 'legacy');
    const [near, far] = InMemoryTransport.createLinkedPair();
    const answered = new Promise<void>((resolve) => {
      near.onmessage = (reply) => {
        stream.send(reply).catch((error: unknown) => this.options.onError(error as Error));
        if (isJSONRPCResponse(reply)) resolve();
      };
      near.onclose = () => resolve();
    });
    await built.server.connect(far);
    await near.start();
    await near.send(message, { authInfo: toAuthInfo(caller) });
    await answered;
    await near.close();
  }

  /**
   * The 404 text for a session this replica does not hold: "lives elsewhere" only when another
   * replica holds it for this same principal (anyone else learns nothing about it).
   */
  private async sessionNotFound(sessionId: string | null, principalId: string): Promise<string> {
    const directory = this.options.sessionDirectory;
    if (!sessionId || !directory || this.sessions.has(sessionId)) return 'Session not found';
    const owner = await directory.owner(sessionId).catch(() => undefined);
    return owner === principalId
      ? "Session not found: this session lives elsewhere (another server replica opened it). Route a session's requests to the replica that opened it (sticky sessions on Mcp-Session-Id, or by client address for /sse), or open a new session."
      : 'Session not found';
  }

  /** The session of this id and kind, if the credential's principal opened it (else: as if unknown). */
  private sessionOf(id: string, kind: 'streamable', credential: MessageCredential): SessionWithStreamable | undefined;
  private sessionOf(id: string, kind: 'sse', credential: MessageCredential): SessionWithSse | undefined;
  private sessionOf(
    id: string,
    kind: Session['kind'],
    credential: MessageCredential,
  ): SessionWithStreamable | SessionWithSse | undefined {
    const session = this.sessions.get(id);
    return session?.kind === kind && session.principalId === credential.principal.id ? session : undefined;
  }

  /**
   * The authorization decision for this message (tenancy/access.ts), against the grant of the session it
   * reaches, if any. A refusal is answered here with 403 and the reason.
   */
  private authorize(
    res: ServerResponse,
    credential: RequestCredential,
    session: Session | undefined,
  ): CallerContext | undefined {
    const decision = authorizeAccess({
      principal: credential.principal,
      pin: credential.pin,
      served: this.options.served(),
      openedWith: session?.grant,
    });
    if (!decision.ok) {
      this.options.onRefused?.(credential.principal.id, decision.reason);
      sendJsonRpcError(res, 403, ACCESS_REFUSED, decision.message);
      return undefined;
    }
    return { ...credential, practices: decision.scope, grant: decision.grant };
  }

  private refuseCap(res: ServerResponse, caller: CallerContext, kind: SlotKind, limit: number): void {
    this.options.onRefused?.(caller.principal.id, `cap_${kind}`);
    sendJsonRpcError(res, 429, -32000, capMessage(kind, limit), { 'retry-after': CAP_RETRY_AFTER });
  }

  /** Drops a session from the table (if it is still there) and gives its principal's slot back. */
  private forget(session: SessionWithStreamable | SessionWithSse): void {
    session.releaseSlot();
    if (this.sessions.get(session.id) === session) {
      this.sessions.delete(session.id);
      this.countSessions();
      this.options.sessionDirectory?.drop(session.id).catch(() => undefined);
    }
  }

  /** Closes every session of the principals `gone` names (a key removed from the keys file). */
  closeSessionsOf(gone: (principalId: string) => boolean): number {
    const closing = [...this.sessions.values()].filter((session) => gone(session.principalId));
    for (const session of closing) {
      this.forget(session);
      void session.close().then(() => session.server.server.close());
    }
    return closing.length;
  }

  /**
   * The effective tool set of these practices changed: sessions that can see one of them
   * re-apply the gate decision (the SDK sends `notifications/tools/list_changed` when their
   * list actually changes), and 2026 listen streams of those practices are told through the
   * handler's notify facade.
   */
  toolsChanged(practiceIds: readonly string[]): void {
    const changed = new Set(practiceIds);
    for (const session of this.sessions.values()) {
      if (intersects(session.practiceIds, changed)) session.server.refreshToolAvailability();
    }
    notificationTarget.run(changed, () => this.modern.notify.toolsChanged());
  }

  /**
   * The practice list was read or changed: each session's practices are worked out again for the
   * caller that opened it (`scopeOf`, undefined when that caller may no longer use any), its
   * server serves them (list_changed follows when its tools change), and 2026 listen streams are
   * told. A session whose caller lost every practice is closed; its client hears why on reconnecting.
   */
  rescope(scopeOf: (caller: CallerContext) => PracticeScope | undefined): void {
    let closed = 0;
    for (const session of [...this.sessions.values()]) {
      const practices = scopeOf(session.caller);
      if (!practices) {
        this.forget(session);
        closed += 1;
        void session.close().then(() => session.server.server.close());
        continue;
      }
      const grant = grantOf(session.caller.principal, practices);
      session.caller = { ...session.caller, practices, grant };
      session.grant = grant;
      session.practiceIds = practiceIdsOf(practices);
      session.server.setPractices(practices);
    }
    if (closed > 0) this.countSessions();
    this.modern.notify.toolsChanged();
  }

  /** Publishes to every open 2026 listen stream, whatever its practices. */
  broadcast(kind: 'tools' | 'prompts' | 'resources'): void {
    if (kind === 'tools') this.modern.notify.toolsChanged();
    else if (kind === 'prompts') this.modern.notify.promptsChanged();
    else this.modern.notify.resourcesChanged();
  }

  sessionCount(): { streamable: number; sse: number } {
    let streamable = 0;
    let sse = 0;
    for (const session of this.sessions.values()) {
      if (session.kind === 'streamable') streamable += 1;
      else sse += 1;
    }
    return { streamable, sse };
  }

  /** A GET stream of a session counts as activity for as long as it stays open. */
  private countedStream(session: Session, request: Request, response: Response): Response {
    if (!response.body || !response.headers.get('content-type')?.includes('text/event-stream')) return response;
    session.openStreams += 1;
    let open = true;
    const done = () => {
      if (!open) return;
      open = false;
      session.openStreams -= 1;
      session.lastSeen = Date.now();
    };
    request.signal.addEventListener('abort', done, { once: true });
    const body = response.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ flush: done }));
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  }

  /** Closes 2025 sessions idle for longer than `sessionIdleMs` with no open stream. */
  closeIdleSessions(now = Date.now()): number {
    let closed = 0;
    for (const session of [...this.sessions.values()]) {
      if (session.kind !== 'streamable' || session.openStreams > 0) continue;
      if (now - session.lastSeen < this.options.sessionIdleMs) continue;
      this.forget(session);
      closed += 1;
      void session.close().then(() => session.server.server.close());
    }
    return closed;
  }

  /** Refuses new sessions from now on (drain). */
  stopOpening(): void {
    this.closing = true;
  }

  /** Ends every session and stream: 2026 listen streams, 2025 sessions, legacy SSE sessions. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.sweeper);
    const sessions = [...this.sessions.values()];
    await Promise.allSettled([this.modern.close(), ...sessions.map((session) => session.close())]);
    await Promise.allSettled(sessions.map((session) => session.server.server.close()));
    for (const session of sessions) this.forget(session);
    this.sessions.clear();
    this.countSessions();
  }

  private countSessions(): void {
    const counts = this.sessionCount();
    this.options.onSessionCount?.('streamable', counts.streamable);
    this.options.onSessionCount?.('sse', counts.sse);
  }
}

/** The client's connection is closed (or the response already ended): nothing more can reach it. */
function responseGone(res: ServerResponse): boolean {
  return res.destroyed || res.writableEnded || res.socket === null || res.socket.destroyed;
}
