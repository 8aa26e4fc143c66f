/**
 * Retry policy pieces, kept pure so the bounds can be unit-tested.
 *
 * Why not p-retry or undici's RetryAgent: the retry decision here depends on things those
 * libraries do not see — the 401 → single-flight refresh → one retry rule, the circuit breaker
 * (each attempt must be one breaker event), the per-attempt observer callback, and a total
 * deadline that a server-provided Retry-After must fit into (and be reported against when it does
 * not). RetryAgent retries inside the dispatcher, invisibly to all of that; p-retry's backoff is not
 * full-jitter and has no notion of Retry-After. The loop in client.ts is short on top of these
 * helpers.
 */

export interface RetryPolicy {
  /** Total attempts including the first (default 3). */
  maxAttempts: number;
  /** Base delay of the exponential backoff (default 200 ms). */
  baseDelayMs: number;
  /** Cap of one backoff delay (default 5 s). */
  maxDelayMs: number;
  /** Longest Retry-After honoured at all (default 60 s); longer waits fail immediately. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 3,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 60_000,
};

/**
 * "Full jitter" backoff (AWS architecture blog): a uniform delay in
 * [0, min(maxDelay, base · 2^(attempt−1))]. `attempt` is the attempt that just failed (1-based).
 */
export function backoffDelay(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random,
): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(r * exp);
}

/**
 * Parses `Retry-After` (RFC 9110 §10.2.3): delta-seconds or an HTTP-date. Returns milliseconds
 * from `nowMs`, clamped at 0; undefined when absent or unparseable. C-T30: the spec never mentions
 * the header, DRF sends it; a `detail` like "Expected available in 7 seconds." is the fallback.
 */
export function parseRetryAfter(
  header: string | string[] | undefined,
  nowMs: number,
  body?: unknown,
): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value !== undefined) {
    const text = value.trim();
    if (/^\d+$/.test(text)) return Number(text) * 1000;
    if (/^\d+\.\d+$/.test(text)) return Math.ceil(Number(text) * 1000);
    const date = Date.parse(text);
    if (!Number.isNaN(date) && /[a-z]/i.test(text)) return Math.max(0, date - nowMs);
  }
  if (body !== null && typeof body === 'object' && 'detail' in body) {
    const detail = (body as { detail: unknown }).detail;
    if (typeof detail === 'string') {
      const m = /available in (\d+(?:\.\d+)?) seconds?/i.exec(detail);
      if (m) return Math.ceil(Number(m[1]) * 1000);
    }
  }
  return undefined;
}

/** Sleeps `ms`, rejecting early with the signal's reason if it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
