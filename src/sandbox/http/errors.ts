/**
 * DRF-style error responses. Handlers `throw` these (or return them); the router turns any
 * thrown `HttpError` into its response.
 */
import type { SandboxResponse } from './types.js';

export class HttpError extends Error {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Record<string, string> | undefined;

  constructor(status: number, body: unknown, headers?: Record<string, string>) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }

  toResponse(): SandboxResponse {
    return this.headers
      ? { status: this.status, body: this.body, headers: this.headers }
      : { status: this.status, body: this.body };
  }
}

/** 400 with field errors: `badRequest({ date_time: ['Datetime must include a timezone offset.'] })`. */
export function badRequest(errors: Record<string, string[] | string> | string): HttpError {
  if (typeof errors === 'string') return new HttpError(400, { detail: errors });
  const body: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(errors)) body[key] = Array.isArray(value) ? value : [value];
  return new HttpError(400, body);
}

export function notFound(detail = 'Not found.'): HttpError {
  return new HttpError(404, { detail });
}

export function forbidden(
  detail = 'You do not have permission to perform this action.',
  extra?: Record<string, unknown>,
): HttpError {
  return new HttpError(403, { detail, ...extra });
}

export function inactivePractice(): HttpError {
  return new HttpError(403, {
    detail: 'This practice or its parent organization is disabled.',
    code: 'inactive_practice',
  });
}

export function insufficientScope(requiredScopes: string[]): HttpError {
  return new HttpError(403, {
    detail: 'You do not have permission to perform this action.',
    code: 'insufficient_scope',
    required_scopes: requiredScopes,
  });
}

const WWW_AUTH = { 'WWW-Authenticate': 'Bearer realm="api"' };

export function notAuthenticated(): HttpError {
  return new HttpError(401, { detail: 'Authentication credentials were not provided.' }, WWW_AUTH);
}

/** SimpleJWT's body for a bad/expired access token. */
export function tokenNotValid(message = 'Token is invalid or expired'): HttpError {
  return new HttpError(
    401,
    {
      detail: 'Given token not valid for any token type',
      code: 'token_not_valid',
      messages: [{ token_class: 'AccessToken', token_type: 'access', message }],
    },
    WWW_AUTH,
  );
}

/** SimpleJWT's body for a bad refresh token on token/refresh/ and token/verify/. */
export function refreshNotValid(): HttpError {
  return new HttpError(401, { detail: 'Token is invalid or expired', code: 'token_not_valid' }, WWW_AUTH);
}

export function conflict(body: unknown): HttpError {
  return new HttpError(409, body);
}

export function methodNotAllowed(method: string, allowed: string[]): HttpError {
  return new HttpError(405, { detail: `Method "${method}" not allowed.` }, { Allow: allowed.join(', ') });
}

export function throttled(waitSeconds: number): HttpError {
  return new HttpError(
    429,
    { detail: `Request was throttled. Expected available in ${waitSeconds} second${waitSeconds === 1 ? '' : 's'}.` },
    { 'Retry-After': String(waitSeconds) },
  );
}
