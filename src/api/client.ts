/**
 * The Escape Dental HTTP core (STYLE item 5; shaped after openai-node's `client.ts`): one undici
 * keep-alive Agent, per-attempt timeouts plus the caller's AbortSignal, a total deadline,
 * Retry-After-aware full-jitter retries for idempotent requests, a per-origin circuit breaker,
 * a single-flight credential refresh on 401, typed errors and an observer per attempt.
 *
 * Options come from the caller (config); nothing here reads `process.env`.
 */
import { EventEmitter } from 'node:events';
import { Agent, type Dispatcher, request as undiciRequest } from 'undici';
import type { z } from 'zod';
import { type BreakerOptions, BreakerRegistry } from './breaker.js';
import type { CredentialProvider } from './credentials.js';
import {
  type ErrorContext,
  EscapeApiError,
  InvalidResponse,
  mapStatus,
  RateLimited,
  RequestAborted,
  Unauthorized,
  UpstreamTimeout,
  UpstreamUnavailable,
} from './errors.js';
import {
  buildOperationTable,
  fillPath,
  type HttpMethod,
  type OperationName,
  type OperationOverrides,
  type OperationTable,
  resolveOperation,
} from './paths.js';
import { backoffDelay, DEFAULT_RETRY_POLICY, type RetryPolicy, sleep } from './retry.js';

/** One upstream attempt, as reported to the observer. No URL, no ids, no tokens. */
export interface UpstreamObservation {
  operation: string;
  method: string;
  /** HTTP status, or undefined when no response arrived. */
  status: number | undefined;
  durationMs: number;
  /** 1-based attempt number within one logical request (a post-401 retry counts too). */
  attempt: number;
  /** `ok` or the error kind (`unavailable`, `timeout`, `rate_limited`, `not_found`, …). */
  outcome: string;
}

export type QueryValue = string | number | boolean | null | undefined | ReadonlyArray<string | number>;
export type QueryInit = Record<string, QueryValue>;

export interface EscapeClientOptions {
  /** API origin, optionally with a path prefix (`https://api.example`, no `/api/v1`). */
  baseUrl: string;
  credentials: CredentialProvider;
  /** Path-table overrides by operation name (from the paths file). */
  operations?: OperationOverrides;
  /** Timeout of one attempt, headers and body included (default 10 s). */
  timeoutMs?: number;
  /** Total budget of one logical request, retries and waits included (default 30 s). */
  deadlineMs?: number;
  retry?: Partial<RetryPolicy>;
  breaker?: BreakerOptions;
  observer?: (observation: UpstreamObservation) => void;
  /** Supply a dispatcher (tests, proxies); otherwise a keep-alive Agent is created and owned. */
  dispatcher?: Dispatcher;
  /** Connections per origin of the owned Agent (default 16). */
  connections?: number;
  keepAliveTimeoutMs?: number;
  userAgent?: string;
  /** Largest accepted response body (default 20 MB). */
  maxResponseBytes?: number;
  /** Hard cap on pages fetched by one pagination walk (default 200). */
  maxPages?: number;
  random?: () => number;
  now?: () => number;
  /** Waits between attempts (tests record the delays instead of sleeping). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface RequestOptions {
  operation: OperationName;
  /** Path placeholders, e.g. `{ practice, patient }`; encoded per segment. */
  params?: Record<string, string | number>;
  query?: QueryInit;
  body?: unknown;
  signal?: AbortSignal | undefined;
  timeoutMs?: number;
  deadlineMs?: number;
  /**
   * Explicit idempotency guard: lets a POST/PATCH be retried (only pass it when repeating the
   * request cannot duplicate its effect). GET and PUT are idempotent by default.
   */
  idempotent?: boolean;
  /** An absolute URL to fetch instead of building one (pagination `next` links); must be on our origin. */
  url?: string;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  /** The URL that was fetched (for resolving relative pagination links). Never log it. */
  url: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_DEADLINE_MS = 30_000;
const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_RESPONSE_STATUS_CODE',
]);
// Failures that prove the request never reached the server, so even a POST may be retried.
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

class NotSentError extends UpstreamUnavailable {}

export class EscapeClient {
  readonly operations: OperationTable;
  readonly origin: string;
  readonly maxPages: number;
  private readonly prefix: string;
  private readonly credentials: CredentialProvider;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly breakers: BreakerRegistry;
  private readonly retry: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly deadlineMs: number;
  private readonly observer: ((o: UpstreamObservation) => void) | undefined;
  private readonly userAgent: string;
  private readonly maxResponseBytes: number;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(options: EscapeClientOptions) {
    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch {
      throw new TypeError('The Escape Dental base URL is not a valid URL.');
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new TypeError('The Escape Dental base URL must be http(s).');
    }
    this.origin = base.origin;
    this.prefix = base.pathname.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
    this.credentials = options.credentials;
    this.operations = buildOperationTable(options.operations);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.breakers = new BreakerRegistry(options.breaker);
    this.observer = options.observer;
    this.userAgent = options.userAgent ?? 'escape-dental-mcp';
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_BYTES;
    this.maxPages = options.maxPages ?? 200;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? sleep;
    if (options.dispatcher) {
      this.dispatcher = options.dispatcher;
      this.ownsDispatcher = false;
    } else {
      this.dispatcher = new Agent({
        connections: options.connections ?? 16,
        keepAliveTimeout: options.keepAliveTimeoutMs ?? 10_000,
        keepAliveMaxTimeout: 60_000,
        connect: { timeout: Math.min(this.timeoutMs, 10_000) },
      });
      this.ownsDispatcher = true;
    }
  }

  /** Breaker state of the API origin (for health endpoints and tests). */
  breakerState(): 'closed' | 'open' | 'half_open' {
    return this.breakers.state(this.origin);
  }

  private closing: Promise<void> | undefined;

  /** Stops the breakers and closes the owned connection pool (idempotent). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.breakers.shutdown();
      if (this.ownsDispatcher) await this.dispatcher.close();
    })();
    return this.closing;
  }

  /** Builds the absolute URL of an operation (path placeholders encoded, arrays as repeated params). */
  buildUrl(operation: OperationName, params: Record<string, string | number> = {}, query: QueryInit = {}): string {
    const spec = resolveOperation(this.operations, operation);
    const url = new URL(this.prefix + fillPath(spec.path, params), this.origin);
    appendQuery(url, query);
    return url.toString();
  }

  /**
   * Where a pagination link leads, or undefined when it cannot be followed (the pager then asks
   * for `page=N`). A link is followed only when it names the list that was just read, and always
   * on our origin: on another host name (Django behind a proxy builds links from the Host it
   * sees) it is asked of our origin instead, so the bearer token never goes to another host.
   */
  resolveLink(link: string, currentUrl: string): string | undefined {
    let url: URL;
    let current: URL;
    try {
      url = new URL(link, currentUrl);
      current = new URL(currentUrl);
    } catch {
      return undefined;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    const listPath = withoutTrailingSlash(current.pathname);
    const path = withoutTrailingSlash(url.pathname);
    // A proxy may also strip the path prefix the base URL carries.
    if (path !== listPath && withoutTrailingSlash(this.prefix + url.pathname) !== listPath) return undefined;
    // The list's own path as we asked for it (slash included), with the link's query (its page).
    const resolved = new URL(current.pathname, this.origin);
    resolved.search = url.search;
    return resolved.toString();
  }

  /** An absolute URL on the configured origin; any other is refused (it would receive our token). */
  private ownUrl(link: string): string {
    let url: URL;
    try {
      url = new URL(link);
    } catch {
      throw new InvalidResponse('The Escape Dental API sent an unreadable pagination link.');
    }
    if (url.origin !== this.origin) {
      throw new InvalidResponse('The Escape Dental API sent a pagination link to another host; it was not followed.');
    }
    return url.toString();
  }

  /** GET/POST/… one operation and return its parsed JSON body (undefined for an empty body). */
  async request(options: RequestOptions): Promise<ApiResponse> {
    const spec = resolveOperation(this.operations, options.operation);
    const method = spec.method;
    const url = options.url
      ? this.ownUrl(options.url)
      : this.buildUrl(options.operation, options.params, options.query);
    const operation = options.operation;
    const idempotent = options.idempotent ?? (method === 'GET' || method === 'PUT');
    const deadline = this.now() + (options.deadlineMs ?? this.deadlineMs);
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const signal = options.signal;
    const ctx = { operation, method };

    let attempt = 0;
    let failures = 0;
    let refreshed = false;
    for (;;) {
      if (signal?.aborted) throw new RequestAborted({ ...ctx, attempts: attempt });
      attempt += 1;
      const token = await this.credentials.getAccessToken(signal);
      const remaining = deadline - this.now();
      if (remaining <= 0) {
        throw new UpstreamTimeout('The Escape Dental API did not answer within the time allowed for this request.', {
          ...ctx,
          attempts: attempt - 1,
        });
      }
      try {
        return await this.breakers.run(
          this.origin,
          () =>
            this.attempt({
              url,
              method,
              operation,
              body: options.body,
              token,
              attempt,
              timeoutMs: Math.min(timeoutMs, remaining),
              signal,
            }),
          ctx,
        );
      } catch (error) {
        if (!(error instanceof EscapeApiError)) throw error;
        if (error instanceof Unauthorized && !refreshed) {
          // One single-flight refresh, then one retry (§12.5 step 2). A static token throws here.
          refreshed = true;
          await this.credentials.refreshAfterUnauthorized(token, signal);
          continue;
        }
        failures += 1;
        const mayRetry = error.retryable && (idempotent || error instanceof NotSentError) && !isCircuitOpen(error);
        if (!mayRetry || failures >= this.retry.maxAttempts) throw withAttempts(error, attempt);
        const waitMs = this.retryDelay(error, failures, deadline, attempt);
        await this.sleep(waitMs, signal).catch(() => {
          throw new RequestAborted({ ...ctx, attempts: attempt });
        });
      }
    }
  }

  /** Fetches one operation and validates the body with a zod schema (InvalidResponse on mismatch). */
  async requestJson<S extends z.ZodType>(options: RequestOptions, schema: S): Promise<z.output<S>> {
    const res = await this.request(options);
    return parseBody(schema, res.body, options.operation);
  }

  /**
   * How long to wait before the next attempt: the upstream's Retry-After when it gave one
   * (never beyond the remaining deadline — if it does not fit, fail now and say so), otherwise
   * full-jitter backoff, shortened to what is left of the deadline.
   */
  private retryDelay(error: EscapeApiError, failures: number, deadline: number, attempt: number): number {
    const remaining = deadline - this.now();
    const retryAfter =
      error instanceof RateLimited || error instanceof UpstreamUnavailable ? error.retryAfterMs : undefined;
    if (retryAfter !== undefined) {
      if (retryAfter > this.retry.maxRetryAfterMs || retryAfter >= remaining) {
        const waitS = Math.max(1, Math.ceil(retryAfter / 1000));
        const leftS = Math.max(0, Math.floor(remaining / 1000));
        const message = `The Escape Dental API asked us to wait ${waitS} s before retrying, more than the ${leftS} s left for this request. Try again in ${waitS} s.`;
        const context: ErrorContext = {
          operation: error.operation,
          method: error.method,
          status: error.status,
          attempts: attempt,
          upstreamBody: error.upstreamBody,
        };
        throw error instanceof RateLimited
          ? new RateLimited(retryAfter, context, message)
          : new UpstreamUnavailable(message, context, retryAfter);
      }
      return retryAfter;
    }
    const delay = backoffDelay(failures, this.retry, this.random);
    if (delay >= remaining) throw withAttempts(error, attempt);
    return delay;
  }

  private async attempt(args: {
    url: string;
    method: HttpMethod;
    operation: string;
    body: unknown;
    token: string;
    attempt: number;
    timeoutMs: number;
    signal: AbortSignal | undefined;
  }): Promise<ApiResponse> {
    const started = performance.now();
    const ctx = { operation: args.operation, method: args.method, attempts: args.attempt };
    // Aborted by the attempt's timer or by the caller's signal. Composing the two with
    // AbortSignal.any costs a weakly tracked signal per request, and even an AbortController's
    // signal is costly to create on Node 20 (createAbortSignal, makeTransferable).
    const abort = new AttemptAbort();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort(new Error('attempt timeout'));
    }, args.timeoutMs);
    const callerSignal = args.signal;
    const forwardAbort = () => abort.abort(callerSignal?.reason);
    if (callerSignal?.aborted) forwardAbort();
    else callerSignal?.addEventListener('abort', forwardAbort, { once: true });
    let status: number | undefined;
    let outcome = 'ok';
    let phase: 'connect' | 'body' = 'connect';
    try {
      const headers: Record<string, string> = {
        accept: 'application/json',
        authorization: `Bearer ${args.token}`,
        'user-agent': this.userAgent,
      };
      let payload: string | undefined;
      if (args.body !== undefined) {
        payload = JSON.stringify(args.body);
        headers['content-type'] = 'application/json';
      }
      const res = await undiciRequest(args.url, {
        dispatcher: this.dispatcher,
        method: args.method,
        headers,
        body: payload,
        signal: abort,
      });
      status = res.statusCode;
      phase = 'body';
      const text = await readBody(res.body, this.maxResponseBytes);
      const body = parseJsonText(text, res.headers['content-type'], status, ctx);
      if (status >= 200 && status < 300) return { status, body, url: args.url };
      throw mapStatus(status, body, res.headers, ctx, this.now());
    } catch (error) {
      const mapped = this.classify(error, {
        timedOut,
        callerAborted: args.signal?.aborted === true,
        phase,
        status,
        ctx,
      });
      outcome = mapped.kind;
      throw mapped;
    } finally {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', forwardAbort);
      if (this.observer) {
        try {
          this.observer({
            operation: args.operation,
            method: args.method,
            status,
            durationMs: Math.round(performance.now() - started),
            attempt: args.attempt,
            outcome,
          });
        } catch {
          // An observer failure must never fail the request.
        }
      }
    }
  }

  private classify(
    error: unknown,
    info: {
      timedOut: boolean;
      callerAborted: boolean;
      phase: 'connect' | 'body';
      status: number | undefined;
      ctx: { operation: string; method: string; attempts: number };
    },
  ): EscapeApiError {
    if (error instanceof EscapeApiError) return error;
    const { ctx } = info;
    if (info.callerAborted) return new RequestAborted({ ...ctx, cause: error });
    if (info.timedOut) {
      return new UpstreamTimeout(undefined, { ...ctx, status: info.status, cause: error });
    }
    const code = errorCode(error);
    if (info.phase === 'body') {
      // Headers arrived but the body did not complete: a truncated response.
      return new InvalidResponse(
        'The Escape Dental API response was cut off before it was complete. Try again in a moment.',
        { ...ctx, status: info.status, cause: error },
        true,
      );
    }
    if (code && NOT_SENT_CODES.has(code)) {
      return new NotSentError('The Escape Dental API could not be reached. Try again in a minute.', {
        ...ctx,
        cause: error,
      });
    }
    if ((code && NETWORK_CODES.has(code)) || error instanceof Error) {
      return new UpstreamUnavailable('The connection to the Escape Dental API failed. Try again in a minute.', {
        ...ctx,
        cause: error,
      });
    }
    return new UpstreamUnavailable(undefined, { ...ctx, cause: error });
  }
}

function withoutTrailingSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

function isCircuitOpen(error: EscapeApiError): boolean {
  return error instanceof UpstreamUnavailable && error.circuitOpen;
}

function withAttempts(error: EscapeApiError, attempts: number): EscapeApiError {
  if (error.attempts !== attempts) {
    Object.defineProperty(error, 'attempts', { value: attempts, enumerable: false, configurable: true });
  }
  return error;
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function appendQuery(url: URL, query: QueryInit): void {
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      // C-T29: repeated params (`?provider=a&provider=b`), never comma-joined.
      for (const v of value) url.searchParams.append(key, String(v));
    } else if (typeof value === 'boolean') {
      // T13: booleans as lowercase strings.
      url.searchParams.set(key, value ? 'true' : 'false');
    } else {
      url.searchParams.set(key, String(value));
    }
  }
}

async function readBody(body: Dispatcher.ResponseData['body'], maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    total += buf.length;
    if (total > maxBytes) {
      body.destroy();
      throw new InvalidResponse('The Escape Dental API response was larger than this server accepts.');
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJsonText(
  text: string,
  contentType: string | string[] | undefined,
  status: number,
  ctx: { operation: string; method: string; attempts: number },
): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    // The SyntaxError is not kept as `cause`: its message quotes the body, which may hold
    // patient data, and loggers serialise `cause`.
    if (status >= 200 && status < 300) {
      const type = Array.isArray(contentType) ? contentType[0] : contentType;
      const isJson = !type || /json/i.test(type);
      throw new InvalidResponse(
        isJson
          ? 'The Escape Dental API sent malformed or truncated JSON. Try again in a moment.'
          : 'The Escape Dental API sent a response that is not JSON (a proxy or maintenance page?). Try again in a minute.',
        { ...ctx, status, upstreamBody: text.slice(0, 500) },
        true,
      );
    }
    // Error statuses with an HTML/text body (proxies): keep an excerpt for the log.
    return { detail: text.slice(0, 200) };
  }
}

/** Validates a body; a mismatch is InvalidResponse naming only paths (never values). */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, operation: string): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw new InvalidResponse(`The Escape Dental API returned data in an unexpected shape (${operation}).`, {
    operation,
    upstreamBody: { issues: result.error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.'), code: i.code })) },
  });
}

/**
 * An attempt's abort as undici takes it besides an AbortSignal: an EventEmitter with `aborted`
 * and `reason`, emitting 'abort' once; undici fails the request (or its body) with the reason.
 */
class AttemptAbort extends EventEmitter {
  aborted = false;
  reason: unknown;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }
}
