/**
 * Integration harness: a real sandbox over HTTP, the real server (spawned over stdio from
 * dist/, or assembled in-process), and a real MCP client. Every server log line of the run is
 * also kept under test-results/logs/ so the privacy check can scan the whole run.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { parseConfig } from '../../src/config.js';
import { createFetchHandler } from '../../src/mcp/sdk.js';
import { type Runtime, startRuntime } from '../../src/runtime.js';
import { type RunningSandbox, type StartSandboxOptions, startSandbox } from '../../src/sandbox/index.js';
import { createServer } from '../../src/server.js';
import type { Principal } from '../../src/tenancy/types.js';
import type { AnyToolDefinition } from '../../src/tools/framework/types.js';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
export const LOG_ROOT = join(REPO_ROOT, 'test-results', 'logs');
/** Set per run by test/global-setup.ts; a file run on its own falls back to a shared folder. */
export const LOG_DIR = process.env.ESCAPE_TEST_LOG_DIR ?? join(LOG_ROOT, 'adhoc');
const CLI = join(REPO_ROOT, 'dist', 'cli.js');

export type Era = 'modern' | 'legacy';

export function newClient(era: Era, options: { elicitation?: boolean } = {}): Client {
  return new Client(
    { name: 'escape-dental-mcp-tests', version: '1.0.0' },
    {
      ...(era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {}),
      ...(options.elicitation ? { capabilities: { elicitation: { form: {} } } } : {}),
    },
  );
}

export async function startTestSandbox(options: StartSandboxOptions = {}): Promise<RunningSandbox> {
  return startSandbox({ port: 0, ...options });
}

export interface Connection {
  client: Client;
  /** Everything the server logged so far (stderr lines / pino JSON). */
  logs: () => string;
  close: () => Promise<void>;
}

function logFile(label: string): string {
  mkdirSync(LOG_DIR, { recursive: true });
  return join(LOG_DIR, `${label}-${randomUUID()}.log`);
}

export interface StdioOptions {
  sandbox: RunningSandbox;
  era?: Era;
  /** Extra environment for the server process (ESCAPE_PRACTICE, ESCAPE_READ_ONLY, …). */
  env?: Record<string, string>;
  /** Upstream token; default: the sandbox's service OAuth token. */
  token?: string;
  /** Answers the server's elicitation/create requests (the client then declares elicitation). */
  elicit?: (
    message: string,
  ) => { action: 'accept'; content: Record<string, string | number | boolean> } | { action: 'decline' };
}

/** The built server (dist/cli.js) over stdio, pointed at the sandbox. */
export async function connectStdio(options: StdioOptions): Promise<Connection> {
  const file = logFile('stdio');
  let captured = '';
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI],
    env: {
      PATH: process.env.PATH ?? '',
      ESCAPE_API_URL: options.sandbox.url,
      ESCAPE_API_TOKEN: options.token ?? options.sandbox.credentials.oauth.service.token,
      ESCAPE_LOG_LEVEL: 'info',
      ESCAPE_TOOLSETS: 'all',
      ...options.env,
    },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    captured += text;
    appendFileSync(file, text);
  });
  const client = newClient(options.era ?? 'legacy', { elicitation: options.elicit !== undefined });
  const { elicit } = options;
  if (elicit) client.setRequestHandler('elicitation/create', async (request) => elicit(request.params.message));
  await client.connect(transport);
  return {
    client,
    logs: () => captured,
    close: () => client.close(),
  };
}

export interface InProcessOptions {
  sandbox: RunningSandbox;
  era?: Era;
  /** argv for parseConfig, e.g. ['--practice', id, '--read-only']. */
  argv?: string[];
  token?: string;
  principal?: Partial<Principal>;
  tools?: readonly AnyToolDefinition[];
  /** Serve the default toolsets (DEFAULT_TOOLSETS) instead of every toolset, as tests otherwise do. */
  defaultToolsets?: boolean;
}

export interface InProcessConnection extends Connection {
  runtime: Runtime;
}

/** The same server assembled in this process and served through the SDK's fetch handler. */
export async function connectInProcess(options: InProcessOptions): Promise<InProcessConnection> {
  const file = logFile('inprocess');
  let captured = '';
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    captured += text;
    appendFileSync(file, text);
  });
  const config = parseConfig(options.argv ?? [], {
    ESCAPE_API_URL: options.sandbox.url,
    ESCAPE_API_TOKEN: options.token ?? options.sandbox.credentials.oauth.service.token,
    ESCAPE_LOG_LEVEL: 'info',
    // Tests reach every tool; the default offers fewer (DEFAULT_TOOLSETS).
    ...(options.defaultToolsets ? {} : { ESCAPE_TOOLSETS: 'all' }),
  });
  const runtime = await startRuntime(config, { logDestination: sink });
  const principal: Principal = {
    id: 'test-operator',
    kind: 'local',
    practiceIds: 'all',
    scopes: 'all',
    readOnly: config.readOnly,
    ...options.principal,
  };
  const handler = createFetchHandler(
    () =>
      createServer({ ...runtime.serverDependencies(principal), ...(options.tools ? { tools: options.tools } : {}) })
        .server,
  );
  const client = newClient(options.era ?? 'modern');
  await client.connect(
    new StreamableHTTPClientTransport(new URL('http://in-process.test/mcp'), {
      fetch: (url, init) => handler.fetch(new Request(url, init)),
    }),
  );
  return {
    client,
    runtime,
    logs: () => captured,
    async close() {
      await client.close();
      await handler.close();
      await runtime.close();
    },
  };
}

/** Calls a tool and returns its structured content, failing loudly on an error result. */
export async function callOk<T = Record<string, unknown>>(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<{ structured: T; text: string }> {
  const result = await client.callTool({ name, arguments: args });
  const text = textOf(result);
  if (result.isError) throw new Error(`${name} returned an error: ${text}`);
  return { structured: result.structuredContent as T, text };
}

/** Calls a tool that must fail; returns the error text. */
export async function callError(client: Client, name: string, args: Record<string, unknown>): Promise<string> {
  const result = await client.callTool({ name, arguments: args });
  const text = textOf(result);
  if (!result.isError) throw new Error(`${name} was expected to fail but answered: ${text.slice(0, 300)}`);
  return text;
}

export function textOf(result: { content?: unknown }): string {
  const content = Array.isArray(result.content) ? result.content : [];
  return content
    .map((block: { type?: string; text?: string }) => (block.type === 'text' ? (block.text ?? '') : ''))
    .join('\n');
}

/** A raw GET against the sandbox, as a test's independent source of truth. */
export async function rawGet<T = unknown>(
  sandbox: RunningSandbox,
  path: string,
  query: Record<string, string | string[]> = {},
  token?: string,
): Promise<T> {
  const url = new URL(path, sandbox.url);
  for (const [key, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, v);
  }
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${token ?? sandbox.credentials.oauth.service.token}` },
  });
  if (!response.ok) throw new Error(`GET ${url.pathname} → ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/** Every row of a paginated sandbox list, following `next`. */
export async function rawList<T = Record<string, unknown>>(
  sandbox: RunningSandbox,
  path: string,
  query: Record<string, string | string[]> = {},
): Promise<T[]> {
  const rows: T[] = [];
  let page = 1;
  for (;;) {
    const body = await rawGet<{ results: T[]; next: string | null } | T[]>(sandbox, path, {
      ...query,
      page: String(page),
      page_size: '100',
    });
    if (Array.isArray(body)) return body;
    rows.push(...body.results);
    if (!body.next) return rows;
    page += 1;
  }
}
