/**
 * The HTTP stack for integration tests: a sandbox over real HTTP, the runtime configured against
 * it with the service credential (as an operator would), the real HTTP server on an ephemeral
 * loopback port, and helpers for clients of each era and raw requests.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Client, SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { sha256Hex } from '../../src/auth/inbound.js';
import { parseConfig } from '../../src/config.js';
import { PrometheusMetrics } from '../../src/metrics.js';
import { type Runtime, startRuntime } from '../../src/runtime.js';
import { type RunningSandbox, type StartSandboxOptions, startSandbox } from '../../src/sandbox/index.js';
import { type HttpOptions, type HttpServing, startHttp } from '../../src/transports/http.js';
import { LOG_DIR } from '../helpers/harness.js';

export type ClientKind = 'modern' | 'legacy' | 'sse';

export interface KeySpec {
  id: string;
  key: string;
  practices: 'all' | string[];
  scopes: string[];
  readOnly?: boolean;
}

export interface Stack {
  sandbox: RunningSandbox;
  runtime: Runtime;
  http: HttpServing;
  metrics: PrometheusMetrics;
  logs: () => string;
  /** A connected client of one kind; headers go on every request it sends. */
  connect: (kind: ClientKind, headers?: Record<string, string>) => Promise<Client>;
  close: () => Promise<void>;
}

export interface StackOptions {
  /** Server arguments; a function gets the sandbox (e.g. for a policy file naming its practice ids). */
  args?: string[] | ((sandbox: RunningSandbox) => string[]);
  /** Server environment; a function gets the sandbox (e.g. for another of its upstream tokens). */
  env?: Record<string, string> | ((sandbox: RunningSandbox) => Record<string, string>);
  /** Operator API keys; a function gets the sandbox, for keys bound to its practice ids. */
  keys?: KeySpec[] | ((sandbox: RunningSandbox) => KeySpec[]);
  sandbox?: StartSandboxOptions;
  http?: HttpOptions;
}

let fileCounter = 0;
export function writeTempJson(prefix: string, value: unknown): string {
  fileCounter += 1;
  const path = join(tmpdir(), `${prefix}-${process.pid}-${Date.now()}-${fileCounter}.json`);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

export function newClient(kind: ClientKind): Client {
  return new Client(
    { name: 'escape-dental-mcp-http-tests', version: '1.0.0' },
    kind === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
  );
}

export function transportFor(http: HttpServing, kind: ClientKind, headers: Record<string, string> = {}) {
  return kind === 'sse'
    ? new SSEClientTransport(new URL(`${http.url}/sse`), {
        requestInit: { headers },
        eventSourceInit: {
          fetch: (url, init) => fetch(url, { ...init, headers: { ...(init?.headers ?? {}), ...headers } }),
        },
      })
    : new StreamableHTTPClientTransport(new URL(http.mcpUrl), { requestInit: { headers } });
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const sandbox = await startSandbox({ port: 0, ...options.sandbox });
  const args = [...((typeof options.args === 'function' ? options.args(sandbox) : options.args) ?? [])];
  if (options.keys) {
    const keys = typeof options.keys === 'function' ? options.keys(sandbox) : options.keys;
    const file = writeTempJson('keys', {
      keys: keys.map((k) => ({
        id: k.id,
        sha256: sha256Hex(k.key),
        practices: k.practices,
        scopes: k.scopes,
        readOnly: k.readOnly ?? false,
      })),
    });
    args.push('--api-keys-file', file);
  }
  const config = parseConfig(['http', '--port', '0', '--gate-poll-seconds', '3600', '--log-level', 'info', ...args], {
    ESCAPE_API_URL: sandbox.url,
    ESCAPE_API_TOKEN: sandbox.credentials.oauth.service.token,
    ESCAPE_TOOLSETS: 'all',
    ...(typeof options.env === 'function' ? options.env(sandbox) : options.env),
  });
  const logStream = new PassThrough();
  let logText = '';
  // Also on disk with the other server logs of the run, for the whole-run privacy scan.
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = join(LOG_DIR, `http-${randomUUID()}.log`);
  logStream.on('data', (chunk: Buffer) => {
    logText += chunk.toString('utf8');
    appendFileSync(logFile, chunk);
  });
  const metrics = new PrometheusMetrics({ defaultMetrics: false });
  const runtime = await startRuntime(config, { metrics, logDestination: logStream });
  const http = await startHttp(runtime, { metrics, ...options.http });
  const clients: Client[] = [];
  return {
    sandbox,
    runtime,
    http,
    metrics,
    logs: () => logText,
    async connect(kind, headers = {}) {
      const client = newClient(kind);
      await client.connect(transportFor(http, kind, headers));
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.allSettled(clients.map((c) => c.close()));
      await http.close();
      await runtime.close();
      await sandbox.close();
    },
  };
}

/** A raw 2025-era `initialize` POST (no SDK client): the status, the session id it opened, the body. */
export async function postInitialize(
  http: HttpServing,
  headers: Record<string, string>,
): Promise<{ status: number; sessionId: string | null; body: string }> {
  const response = await fetch(http.mcpUrl, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    }),
  });
  return { status: response.status, sessionId: response.headers.get('mcp-session-id'), body: await response.text() };
}

/** Polls a condition driven by events elsewhere (no fixed sleeps, no timed assertions). */
export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, what: string): Promise<T> {
  for (let attempt = 0; attempt < 2000; attempt += 1) {
    const value = await probe();
    if (value !== undefined && value !== false) return value as T;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** A gate row change through the sandbox's admin API, as Escape support staff would make it. */
export async function setGate(
  sandbox: RunningSandbox,
  practiceId: string,
  toolKey: string,
  enabled: boolean | 'delete',
): Promise<number> {
  const response = await fetch(`${sandbox.url}/api/v1/admin/practice/${practiceId}/mcp-gates/${toolKey}/`, {
    method: enabled === 'delete' ? 'DELETE' : 'PUT',
    headers: {
      authorization: `Bearer ${sandbox.credentials.oauth.service.token}`,
      'content-type': 'application/json',
    },
    ...(enabled === 'delete' ? {} : { body: JSON.stringify({ enabled, note: 'integration test' }) }),
  });
  await response.arrayBuffer();
  return response.status;
}

export function toolNames(list: { tools: { name: string }[] }): string[] {
  return list.tools.map((t) => t.name);
}

export function textOf(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((c) => c.text ?? '').join('\n');
}
