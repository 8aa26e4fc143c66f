/**
 * A tiny scripted `node:http` server for transport tests: each request is answered by a handler
 * that can send JSON, raw bytes, delay, reset the connection or cut a body short. Every request
 * is recorded (method, path, query, headers, body).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StaticTokenProvider } from '../../../src/api/credentials.js';
import { createEscapeApi, type EscapeApiHandle } from '../../../src/api/index.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export type Reply =
  | { status?: number; json?: unknown; headers?: Record<string, string | string[]>; delayMs?: number }
  | { raw: string; status?: number; headers?: Record<string, string>; delayMs?: number }
  | { reset: true; delayMs?: number }
  /** Sends headers announcing `declaredLength` bytes, writes `body`, then destroys the socket. */
  | { truncate: string; declaredLength: number; status?: number }
  /** Sends headers announcing `declaredLength` bytes, writes `body`, then nothing more. */
  | { stall: string; declaredLength: number }
  | { hang: true };

export type Handler = (req: RecordedRequest, index: number) => Reply | Promise<Reply>;

export interface ScriptedServer {
  url: string;
  requests: RecordedRequest[];
  setHandler(handler: Handler): void;
  close(): Promise<void>;
}

export async function startScriptedServer(initial: Handler): Promise<ScriptedServer> {
  let handler = initial;
  const requests: RecordedRequest[] = [];
  const open = new Set<ServerResponse>();
  const server: Server = createServer(async (req, res) => {
    open.add(res);
    res.on('close', () => open.delete(res));
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://localhost');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
    };
    requests.push(recorded);
    const reply = await handler(recorded, requests.length - 1);
    if ('delayMs' in reply && reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    if ('hang' in reply) return;
    if ('reset' in reply) {
      req.socket.destroy();
      return;
    }
    if ('truncate' in reply) {
      res.writeHead(reply.status ?? 200, {
        'content-type': 'application/json',
        'content-length': String(reply.declaredLength),
      });
      res.write(reply.truncate);
      setTimeout(() => req.socket.destroy(), 5);
      return;
    }
    if ('stall' in reply) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(reply.declaredLength) });
      res.write(reply.stall);
      return;
    }
    if ('raw' in reply) {
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.raw);
      return;
    }
    const payload = reply.json === undefined ? '' : JSON.stringify(reply.json);
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
    res.end(payload);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setHandler(next) {
      handler = next;
    },
    async close() {
      for (const res of open) res.socket?.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A credential provider fake that counts refreshes. */
export class FakeCredentials {
  readonly kind = 'simplejwt' as const;
  refreshes = 0;
  token = 'token-1';
  failRefresh: Error | undefined;
  async getAccessToken(): Promise<string> {
    return this.token;
  }
  async refreshAfterUnauthorized(rejected: string): Promise<string> {
    if (this.failRefresh) throw this.failRefresh;
    if (rejected !== this.token) return this.token;
    this.refreshes += 1;
    await new Promise((r) => setTimeout(r, 10));
    this.token = `token-${this.refreshes + 1}`;
    return this.token;
  }
}

/**
 * A scripted upstream for one practice (its retrieve answers with `timezone`) and an API client
 * against it, without retries or breaker; `route` answers everything else (undefined → 404).
 */
export async function startScriptedPractice(
  route: (req: RecordedRequest) => Reply | undefined,
  options: { practiceId: string; now: number; timezone?: string },
): Promise<{ server: ScriptedServer; api: EscapeApiHandle }> {
  const base = `/api/v1/practice/${options.practiceId}`;
  const timezone = options.timezone ?? 'America/Los_Angeles';
  const server = await startScriptedServer((req) => {
    if (req.path === `${base}/`) return { json: { id: options.practiceId, name: 'Sunset', timezone, is_active: true } };
    return route(req) ?? { status: 404, json: { detail: 'Not found.' } };
  });
  const api = createEscapeApi({
    baseUrl: server.url,
    credentials: new StaticTokenProvider('t'),
    breaker: { enabled: false },
    retry: { maxAttempts: 1 },
    now: () => options.now,
  });
  return { server, api };
}
