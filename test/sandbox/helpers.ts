/** Shared helpers for the sandbox tests: plain fetch against a sandbox started on an ephemeral port. */
import { type RunningSandbox, type StartSandboxOptions, startSandbox } from '../../src/sandbox/index.js';

/** Friday 2026-02-20 09:00 in Los Angeles; the 2026-03-08 spring-forward Sunday is ahead. */
export const NOW = '2026-02-20T17:00:00Z';

export function boot(options: StartSandboxOptions = {}): Promise<RunningSandbox> {
  return startSandbox({ port: 0, now: NOW, ...options });
}

// biome-ignore lint/suspicious/noExplicitAny: replies are loosely typed JSON in tests
type Json = any;

export interface Reply<T = Json> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export class Api {
  constructor(
    readonly base: string,
    readonly token?: string,
  ) {}

  with(token: string | undefined): Api {
    return new Api(this.base, token);
  }

  async call<T = Json>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply<T>> {
    const url = path.startsWith('http') ? path : `${this.base}${path}`;
    const res = await fetch(url, {
      method,
      redirect: 'manual',
      headers: {
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // non-JSON (fault pages)
    }
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }

  get<T = Json>(path: string, query?: Record<string, string | number | (string | number)[]>): Promise<Reply<T>> {
    return this.call<T>('GET', withQuery(path, query));
  }
  post<T = Json>(path: string, body?: unknown): Promise<Reply<T>> {
    return this.call<T>('POST', path, body ?? {});
  }
  put<T = Json>(path: string, body?: unknown): Promise<Reply<T>> {
    return this.call<T>('PUT', path, body ?? {});
  }
  patch<T = Json>(path: string, body?: unknown): Promise<Reply<T>> {
    return this.call<T>('PATCH', path, body ?? {});
  }
  delete<T = Json>(path: string): Promise<Reply<T>> {
    return this.call<T>('DELETE', path);
  }

  /** Follows `next` until null and returns every row (asserting a 200 on each page). */
  async all<T = Json>(path: string, query?: Record<string, string | number | (string | number)[]>): Promise<T[]> {
    const rows: T[] = [];
    let url: string | null = withQuery(path, query);
    while (url) {
      const r: Reply = await this.call('GET', url);
      if (r.status !== 200) throw new Error(`GET ${url} → ${r.status}: ${r.text}`);
      rows.push(...(r.body.results as T[]));
      url = r.body.next;
    }
    return rows;
  }
}

export function withQuery(path: string, query?: Record<string, string | number | (string | number)[]>): string {
  if (!query) return path;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    for (const item of Array.isArray(v) ? v : [v]) qs.append(k, String(item));
  }
  const s = qs.toString();
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path;
}

export function practicePath(practiceId: string): string {
  return `/api/v1/practice/${practiceId}`;
}

/** Offset minutes of an ISO string with an explicit offset (`-07:00` → -420). */
export function offsetOf(iso: string): number {
  const m = /([+-])(\d{2}):(\d{2})$/.exec(iso);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/** The local wall-clock `YYYY-MM-DD` and minute of day of an ISO string with an offset. */
export function wallOf(iso: string): { date: string; minute: number } {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})/.exec(iso);
  if (!m) throw new Error(`not an ISO datetime: ${iso}`);
  return { date: m[1] as string, minute: Number(m[2]) * 60 + Number(m[3]) };
}
