/**
 * One error hierarchy for everything the Escape Dental client can fail with (STYLE item 7).
 *
 * `message` is always safe to show a user or a model: it never contains an upstream body, a token,
 * a URL with ids or patient data. The raw material (status, upstream body, cause) lives in
 * non-enumerable fields so that a logger serialising the error by its enumerable properties does
 * not pick it up by accident; `logDetails()` hands it over explicitly for redacted logging.
 */
import { KNOWN_FIELD_NAMES } from './field-names.js';
import { parseRetryAfter } from './retry.js';

export type EscapeErrorKind =
  | 'unauthorized'
  | 'reauthentication_required'
  | 'forbidden'
  | 'insufficient_scope'
  | 'practice_inactive'
  | 'not_found'
  | 'bad_request'
  | 'conflict'
  | 'rate_limited'
  | 'unavailable'
  | 'timeout'
  | 'invalid_response'
  | 'unrecognized_shape'
  | 'unusable_value'
  | 'endpoint_not_configured'
  | 'aborted'
  | 'http_error';

export interface ErrorContext {
  /** Operation name from the path table, e.g. `scheduling.findSpot`. */
  operation?: string | undefined;
  method?: string | undefined;
  status?: number | undefined;
  /** Attempts made before giving up (1 = no retry). */
  attempts?: number | undefined;
  /** The upstream body as received (parsed JSON or a text excerpt). For redacted logs only. */
  upstreamBody?: unknown;
  cause?: unknown;
}

export abstract class EscapeApiError extends Error {
  abstract readonly kind: EscapeErrorKind;
  /** Whether repeating the same request later could succeed. */
  abstract readonly retryable: boolean;
  declare readonly status: number | undefined;
  declare readonly operation: string | undefined;
  declare readonly method: string | undefined;
  declare readonly attempts: number | undefined;
  declare readonly upstreamBody: unknown;

  constructor(message: string, context: ErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = new.target.name;
    const hidden = (key: string, value: unknown): void => {
      Object.defineProperty(this, key, { value, enumerable: false, writable: false, configurable: true });
    };
    hidden('status', context.status);
    hidden('operation', context.operation);
    hidden('method', context.method);
    hidden('attempts', context.attempts);
    hidden('upstreamBody', context.upstreamBody);
    if (context.cause !== undefined) hidden('cause', context.cause);
  }

  /** Everything useful for a (redacted) log line. The caller's logger must apply redaction. */
  logDetails(): Record<string, unknown> {
    return {
      kind: this.kind,
      status: this.status,
      operation: this.operation,
      method: this.method,
      attempts: this.attempts,
      upstreamBody: this.upstreamBody,
      cause: this.cause instanceof Error ? { name: this.cause.name, message: this.cause.message } : this.cause,
    };
  }

  /** What JSON.stringify / pino see: safe fields only. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, kind: this.kind, message: this.message, status: this.status, operation: this.operation };
  }
}

/** 401 that a credential refresh did not cure (or a static token that was rejected). */
export class Unauthorized extends EscapeApiError {
  readonly kind = 'unauthorized';
  readonly retryable = false;
  constructor(
    message = 'The Escape Dental API rejected the configured credential. Check the API token.',
    context: ErrorContext = {},
  ) {
    super(message, context);
  }
}

/** The refresh chain is dead (absolute cap, rotation race, revoked token): a human must sign in again. */
export class ReauthenticationRequired extends EscapeApiError {
  readonly kind = 'reauthentication_required';
  readonly retryable = false;
  constructor(
    readonly hint = 'the configured refresh token',
    context: ErrorContext = {},
  ) {
    super(
      `The Escape Dental session has expired and can no longer be renewed. Sign in to Escape Dental again and update the refresh token (${hint}), then retry.`,
      context,
    );
  }
}

export class Forbidden extends EscapeApiError {
  readonly kind: EscapeErrorKind = 'forbidden';
  readonly retryable = false;
  constructor(
    message = 'The Escape Dental API refused this request for the configured credential (missing role, permission or practice grant).',
    context: ErrorContext = {},
  ) {
    super(message, context);
  }
}

/** 403 `insufficient_scope`: the OAuth token lacks a scope the upstream named. */
export class InsufficientScope extends Forbidden {
  override readonly kind = 'insufficient_scope';
  constructor(
    readonly requiredScopes: readonly string[],
    context: ErrorContext = {},
  ) {
    super(
      requiredScopes.length > 0
        ? `The Escape Dental credential lacks the scope needed here (${requiredScopes.join(' or ')}). Re-authorize the app with that scope.`
        : 'The Escape Dental credential lacks a scope needed here. Re-authorize the app with the required scopes.',
      context,
    );
  }
}

/** 403 `inactive_practice` (L15356, C-T34): permanent, never retried, on any method. */
export class PracticeInactive extends EscapeApiError {
  readonly kind = 'practice_inactive';
  readonly retryable = false;
  constructor(context: ErrorContext = {}) {
    super(
      'This practice (or its parent organization) is disabled in Escape Dental, so it cannot be used. Ask an Escape Dental administrator to re-activate it.',
      context,
    );
  }
}

/** 404: the API deliberately does not distinguish "missing" from "not yours" (L6397). */
export class NotFound extends EscapeApiError {
  readonly kind = 'not_found';
  readonly retryable = false;
  constructor(message = 'Not found, or not accessible with this credential.', context: ErrorContext = {}) {
    super(message, context);
  }
}

export interface FieldError {
  field: string;
  messages: string[];
}

/** 400/422 with DRF-style `{field: [msg]}` or `{detail}` bodies parsed into `fieldErrors`. */
// A function, not a static method: a class that names itself inside its body is bundled as
// `BadRequest = class _BadRequest`, and `name` (from new.target) would read "_BadRequest" in logs.
/**
 * Names the refused fields only: Escape Dental's messages may echo what was sent (a patient's
 * name), and this message reaches logs. Tools quote the messages themselves (apiErrorText).
 */
function describeFieldErrors(fieldErrors: readonly FieldError[]): string {
  const fields = fieldErrors
    .map((f) => f.field)
    .filter((field) => field !== 'detail' && field !== 'non_field_errors')
    .map((field) => (/^[A-Za-z_][\w.[\]-]{0,79}$/.test(field) ? field : '(unnamed)'));
  const named = [...new Set(fields)];
  return named.length > 0
    ? `The Escape Dental API rejected the request as invalid (fields: ${named.join(', ')}).`
    : 'The Escape Dental API rejected the request as invalid.';
}

export class BadRequest extends EscapeApiError {
  readonly kind = 'bad_request';
  readonly retryable = false;
  /** Upstream validation messages (may echo input): non-enumerable, so loggers skip them. */
  declare readonly fieldErrors: readonly FieldError[];
  constructor(fieldErrors: readonly FieldError[], context: ErrorContext = {}, message?: string) {
    super(message ?? describeFieldErrors(fieldErrors), context);
    Object.defineProperty(this, 'fieldErrors', { value: fieldErrors, enumerable: false });
  }

  /** Whether any field error mentions `field`. */
  hasField(field: string): boolean {
    return this.fieldErrors.some((f) => f.field === field);
  }
}

export interface ConflictDetail {
  code: string | undefined;
  /** The conflicting appointment's id, when the upstream names it. */
  appointment: string | undefined;
  message: string | undefined;
}

/** 409 with the conflicts the upstream listed (double-booking). */
export class Conflict extends EscapeApiError {
  readonly kind = 'conflict';
  readonly retryable = false;
  /** The conflicts the upstream listed (non-enumerable, like every upstream text). */
  declare readonly conflicts: readonly ConflictDetail[];
  constructor(conflicts: readonly ConflictDetail[], context: ErrorContext = {}) {
    const codes = [...new Set(conflicts.map((c) => c.code).filter((c): c is string => !!c))];
    super(
      codes.length > 0
        ? `The time conflicts with existing bookings (${codes.join(', ')}). Pick another time, chair or provider.`
        : 'The request conflicts with the current state in Escape Dental (for example a double booking).',
      context,
    );
    Object.defineProperty(this, 'conflicts', { value: conflicts, enumerable: false });
  }
}

export class RateLimited extends EscapeApiError {
  readonly kind = 'rate_limited';
  readonly retryable = true;
  constructor(
    /** How long the upstream asked us to wait, when it said. */
    readonly retryAfterMs: number | undefined,
    context: ErrorContext = {},
    message?: string,
  ) {
    super(
      message ??
        (retryAfterMs === undefined
          ? 'The Escape Dental API is rate-limiting requests. Try again shortly.'
          : `The Escape Dental API is rate-limiting requests. Try again in ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s.`),
      context,
    );
  }
}

/** 5xx, connection failures, or the circuit breaker being open. */
export class UpstreamUnavailable extends EscapeApiError {
  readonly kind = 'unavailable';
  readonly retryable = true;
  constructor(
    message = 'The Escape Dental API is unavailable right now. Try again in a minute.',
    context: ErrorContext = {},
    /** When the breaker is open: when it will let a trial request through. */
    readonly retryAfterMs?: number,
    readonly circuitOpen = false,
  ) {
    super(message, context);
  }
}

export class UpstreamTimeout extends EscapeApiError {
  readonly kind = 'timeout';
  readonly retryable = true;
  constructor(
    message = 'The Escape Dental API did not answer in time. Try again, or narrow the request.',
    context: ErrorContext = {},
  ) {
    super(message, context);
  }
}

/** Unparseable JSON, a truncated body, or a body that does not match the expected shape. */
export class InvalidResponse extends EscapeApiError {
  readonly kind: EscapeErrorKind = 'invalid_response';
  readonly retryable: boolean;
  constructor(
    message = 'The Escape Dental API sent a response that could not be read.',
    context: ErrorContext = {},
    retryable = false,
  ) {
    super(message, context);
    this.retryable = retryable;
  }
}

/**
 * A body with no documented schema (T11, C-T5) in none of the shapes this server reads. The
 * answer is refused instead of guessed; `shape` (keys and value types, never values) is for the
 * operator's log.
 */
export class UnrecognizedShape extends InvalidResponse {
  override readonly kind = 'unrecognized_shape';
  declare readonly endpoint: string;
  declare readonly shape: unknown;
  constructor(endpoint: string, shape: unknown, context: ErrorContext = {}) {
    super(
      `Escape Dental answered in a shape this server does not understand (endpoint ${endpoint}), so no answer is given rather than a guess. The shape was logged for the operator; reading it needs an update of this server.`,
      context,
    );
    Object.defineProperty(this, 'endpoint', { value: endpoint, enumerable: false });
    Object.defineProperty(this, 'shape', { value: shape, enumerable: false });
  }
}

/**
 * One upstream value that cannot be used: unparseable money, a date, a time zone, an enum value,
 * or a required figure that is missing (the spec's own examples send the literal "string").
 * `field` is the API's field name, `thing` says whose it is ("the production report", "claim
 * <id>"); `received` is a description of the value's type, never the value.
 */
export class UnusableUpstreamValue extends InvalidResponse {
  override readonly kind = 'unusable_value';
  declare readonly field: string;
  declare readonly thing: string;
  declare readonly received: string;
  constructor(field: string, thing: string, value: unknown, context: ErrorContext = {}) {
    super(
      `Escape Dental sent an unusable ${field} for ${thing}, so no answer is given rather than a guess. Ask an Escape Dental administrator to check that record.`,
      context,
    );
    Object.defineProperty(this, 'field', { value: field, enumerable: false });
    Object.defineProperty(this, 'thing', { value: thing, enumerable: false });
    Object.defineProperty(this, 'received', { value: describeValueType(value), enumerable: false });
  }

  /** The short form for a note about a skipped row: "Escape Dental sent an unusable claim_fee for claim 12". */
  get summary(): string {
    return `Escape Dental sent an unusable ${this.field} for ${this.thing}`;
  }
}

/** The type of a value for a log line: `missing`, `null`, `string(6)`, `number`, `object`… never the value. */
function describeValueType(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (typeof value === 'string') return `string(${value.length})`;
  if (Array.isArray(value)) return `array(${value.length})`;
  return typeof value;
}

/** What a string looks like (a format class, never its content). */
function stringFormat(value: string): string {
  const text = value.trim();
  if (text === '') return 'empty';
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return 'date';
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}/.test(text)) return 'datetime';
  if (/^\d{1,2}:\d{2}(:\d{2})?$/.test(text)) return 'time';
  if (/^-?\d+(\.\d+)?$/.test(text)) return 'decimal';
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)) return 'uuid';
  return 'text';
}

/**
 * The shape of a body for the operator's log: keys and value types, never values (no patient
 * data). Keys that are neither field names the spec or the readers know nor dates are replaced,
 * since a map could be keyed by something personal; arrays show the shapes of their first few
 * distinct elements.
 */
export function describeShape(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return `string:${stringFormat(value)}`;
  if (value === null || typeof value !== 'object') return describeValueType(value);
  if (depth >= 4) return Array.isArray(value) ? 'array' : 'object';
  if (Array.isArray(value)) {
    const shapes: unknown[] = [];
    const seen = new Set<string>();
    for (const item of value.slice(0, 20)) {
      const shape = describeShape(item, depth + 1);
      const key = JSON.stringify(shape);
      if (seen.has(key)) continue;
      seen.add(key);
      shapes.push(shape);
      if (shapes.length >= 3) break;
    }
    return { array: value.length, of: shapes };
  }
  const out: Record<string, unknown> = {};
  const entries = Object.entries(value);
  for (const [key, v] of entries.slice(0, 30)) {
    const safeKey = KNOWN_FIELD_NAMES.has(key) || /^\d{4}-\d{2}-\d{2}$/.test(key) ? key : '<key>';
    out[safeKey in out ? `${safeKey}#${Object.keys(out).length}` : safeKey] = describeShape(v, depth + 1);
  }
  if (entries.length > 30) out['…'] = `${entries.length - 30} more keys`;
  return out;
}

/** An operation whose path is unknown (no operationId in the spec, C-T22) and was not configured. */
export class EndpointNotConfigured extends EscapeApiError {
  readonly kind = 'endpoint_not_configured';
  readonly retryable = false;
  constructor(operation: string, context: ErrorContext = {}) {
    super(
      `The Escape Dental endpoint for "${operation}" is not configured on this server (or answered as if it does not exist). An operator can set its path in the paths file.`,
      { ...context, operation },
    );
  }
}

/** The caller's AbortSignal fired. */
export class RequestAborted extends EscapeApiError {
  readonly kind = 'aborted';
  readonly retryable = false;
  constructor(context: ErrorContext = {}) {
    super('The request was cancelled.', context);
  }
}

/** Any other unexpected status (405, 410, 418…). */
class UnexpectedStatus extends EscapeApiError {
  readonly kind = 'http_error';
  readonly retryable = false;
  constructor(status: number, context: ErrorContext = {}) {
    super(`The Escape Dental API answered with an unexpected status (${status}).`, { ...context, status });
  }
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Parses a DRF error body: `{"field": ["msg"]}`, `{"detail": "msg"}`, `{"non_field_errors": [...]}`,
 * nested serializer errors (`{"items": [{"fee": ["…"]}]}` → `items[0].fee`) or a bare list.
 */
function parseFieldErrors(body: unknown): FieldError[] {
  const out: FieldError[] = [];
  const visit = (value: unknown, path: string): void => {
    if (typeof value === 'string') {
      out.push({ field: path || 'detail', messages: [clip(value, 300)] });
      return;
    }
    if (Array.isArray(value)) {
      if (value.every((v) => typeof v === 'string')) {
        out.push({ field: path || 'detail', messages: value.map((v) => clip(String(v), 300)) });
        return;
      }
      value.forEach((v, i) => {
        visit(v, `${path}[${i}]`);
      });
      return;
    }
    if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (path === '' && (k === 'code' || k === 'status_code')) continue;
        visit(v, path ? `${path}.${k}` : k);
      }
    }
  };
  visit(body, '');
  return out.slice(0, 50);
}

/**
 * An argument the API client refuses before sending anything (an unknown status, an empty search,
 * an id that cannot go in a path). The message is written for the caller; a tool says it as is.
 */
export class ArgumentError extends Error {
  override name = 'ArgumentError';
}

/** The error an answer with a non-2xx status stands for. */
export function mapStatus(
  status: number,
  body: unknown,
  headers: Record<string, string | string[] | undefined>,
  base: { operation: string; method: string; attempts: number },
  nowMs: number,
): EscapeApiError {
  const ctx: ErrorContext = { ...base, status, upstreamBody: body };
  const obj =
    body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const code = typeof obj.code === 'string' ? obj.code : undefined;
  const detail = typeof obj.detail === 'string' ? obj.detail : undefined;
  if (status === 401) return new Unauthorized(undefined, ctx);
  if (status === 403) {
    if (code === 'inactive_practice') return new PracticeInactive(ctx);
    if (code === 'token_not_valid' || detail === 'Authentication credentials were not provided.') {
      // §12.5 step 4: an authenticator without WWW-Authenticate answers 403 for "no credentials".
      return new Unauthorized(undefined, ctx);
    }
    const scopes = Array.isArray(obj.required_scopes)
      ? obj.required_scopes.filter((s): s is string => typeof s === 'string')
      : [];
    if (code === 'insufficient_scope' || scopes.length > 0) return new InsufficientScope(scopes, ctx);
    return new Forbidden(undefined, ctx);
  }
  if (status === 404) return new NotFound(undefined, ctx);
  if (status === 400 || status === 422) return new BadRequest(parseFieldErrors(body), ctx);
  if (status === 405) return new EndpointNotConfigured(base.operation, ctx);
  if (status === 409) return new Conflict(parseConflicts(body), ctx);
  if (status === 429) return new RateLimited(parseRetryAfter(headers['retry-after'], nowMs, body), ctx);
  if (status >= 500) {
    const retryAfter = status === 503 ? parseRetryAfter(headers['retry-after'], nowMs) : undefined;
    return new UpstreamUnavailable(
      `The Escape Dental API is having trouble (HTTP ${status}). Try again in a minute.`,
      ctx,
      retryAfter,
    );
  }
  if (status >= 300 && status < 400) {
    return new InvalidResponse(
      'The Escape Dental API answered with an unexpected redirect (is the base URL right?).',
      ctx,
    );
  }
  return new UnexpectedStatus(status, ctx);
}

function parseConflicts(body: unknown): ConflictDetail[] {
  const obj = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const list = Array.isArray(obj.conflicts) ? obj.conflicts : Array.isArray(body) ? body : [];
  return list
    .filter((c): c is Record<string, unknown> => c !== null && typeof c === 'object')
    .map((c) => ({
      code: typeof c.code === 'string' ? c.code : undefined,
      appointment: typeof c.appointment === 'string' ? c.appointment : undefined,
      message: typeof c.message === 'string' ? c.message.slice(0, 300) : undefined,
    }));
}
