/**
 * Which names and browsers may reach the HTTP server: the Host header (against DNS rebinding, for
 * clients that send no Origin), the Origin header (the MCP transport rules ask servers to check
 * it), and the CORS headers an allowed origin gets.
 */

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

export interface HostOriginPolicy {
  /** Host header names accepted; undefined = not checked (a non-loopback bind without --allowed-hosts). */
  allowedHosts: readonly string[] | undefined;
  /** Origins accepted; undefined = loopback origins only. */
  allowedOrigins: readonly string[] | undefined;
}

/**
 * The Host names to accept once the socket is bound: the configured ones, else the loopback names
 * when the address actually bound is loopback, else none checked.
 */
export function allowedHostsFor(
  configured: readonly string[] | undefined,
  boundLoopback: boolean,
): string[] | undefined {
  if (configured) return [...configured];
  return boundLoopback ? [...LOOPBACK_NAMES] : undefined;
}

export function hostAllowed(allowedHosts: readonly string[] | undefined, host: string | undefined): boolean {
  if (!allowedHosts) return true;
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  return allowedHosts.some((allowed) => allowed.toLowerCase() === name?.toLowerCase() || allowed === host);
}

export function originAllowed(allowedOrigins: readonly string[] | undefined, origin: string): boolean {
  if (allowedOrigins) return allowedOrigins.includes(origin);
  try {
    return LOOPBACK_NAMES.includes(new URL(origin).hostname);
  } catch {
    return false;
  }
}

export type HostOriginDecision =
  | { ok: false; message: 'Invalid Host header' | 'Origin not allowed' }
  | {
      ok: true;
      /** Set on the response whatever comes next (empty without an Origin). */
      corsHeaders: Record<string, string>;
      /** An OPTIONS preflight: answer 204 with these headers and stop. */
      preflight: Record<string, string> | undefined;
    };

/**
 * The Host and Origin decision for one request. Health and readiness skip the Host check (load
 * balancers probe by address); everything, preflights included, passes the Origin check.
 */
export function decideHostOrigin(
  policy: HostOriginPolicy,
  request: { route: string; method: string; host: string | undefined; origin: string | undefined },
): HostOriginDecision {
  const probe = request.route === '/healthz' || request.route === '/readyz';
  if (!probe && !hostAllowed(policy.allowedHosts, request.host)) return { ok: false, message: 'Invalid Host header' };
  const corsHeaders: Record<string, string> = {};
  if (request.origin !== undefined) {
    if (!originAllowed(policy.allowedOrigins, request.origin)) return { ok: false, message: 'Origin not allowed' };
    corsHeaders['access-control-allow-origin'] = request.origin;
    corsHeaders.vary = 'Origin';
    corsHeaders['access-control-expose-headers'] =
      'Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate, Last-Event-Id';
  }
  const preflight =
    request.method === 'OPTIONS'
      ? {
          'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
          'access-control-allow-headers':
            'Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-Id, X-Escape-Practice',
          'access-control-max-age': '600',
        }
      : undefined;
  return { ok: true, corsHeaders, preflight };
}
