/**
 * The server under fault: the real runtime (practice discovery, gates, memo, logger) against a
 * sandbox, with the tools served through a real MCP client in process. The API client the tools
 * use is built here with the production code (`createEscapeApi`) so a suite can choose the
 * breaker's thresholds and reset time — production waits 15 s before a trial request, which a
 * test should not. Every log line is written under test-results/logs so the whole-run privacy
 * scan (test/global-setup.ts) covers these suites too.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { BreakerOptions } from '../../src/api/breaker.js';
import { createEscapeApi, type EscapeApiHandle } from '../../src/api/index.js';
import type { RetryPolicy } from '../../src/api/retry.js';
import { parseConfig } from '../../src/config.js';
import { createFetchHandler } from '../../src/mcp/sdk.js';
import { type Runtime, startRuntime } from '../../src/runtime.js';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { createServer } from '../../src/server.js';
import { noMetrics, upstreamObserver } from '../../src/telemetry.js';
import type { Principal } from '../../src/tenancy/types.js';
import type { AnyToolDefinition } from '../../src/tools/framework/types.js';
import { type Era, LOG_DIR, newClient } from '../helpers/harness.js';

/** Where the upstream is: a RunningSandbox, or its URL and service token (from a child process). */
export type Upstream = Pick<RunningSandbox, 'url'> & { credentials: { oauth: { service: { token: string } } } };

export interface FaultStackOptions {
  sandbox: Upstream;
  era?: Era;
  /** Deadline of one tool call (the server's --tool-timeout-ms). */
  toolTimeoutMs?: number;
  /** Timeout of one upstream attempt (--request-timeout-ms). */
  requestTimeoutMs?: number;
  breaker?: BreakerOptions;
  retry?: Partial<RetryPolicy>;
  argv?: string[];
  principal?: Partial<Principal>;
  tools?: readonly AnyToolDefinition[];
  label?: string;
  /** Keep the log text in memory for `logs()`/`audits()` (default true; the memory check turns it off). */
  keepLogs?: boolean;
}

export interface AuditLine {
  audit: true;
  callId: string;
  tool: string;
  outcome: string;
  durationMs: number;
  upstreamRequests: number;
  practiceId?: string;
  patientIds: string[];
  principal: string;
  confirmation?: Record<string, unknown>;
}

export interface FaultStack {
  client: Client;
  runtime: Runtime;
  /** The API client the tools use (its breaker is the one under test). */
  api: EscapeApiHandle;
  logs: () => string;
  audits: () => AuditLine[];
  close: () => Promise<void>;
}

/** A log sink that keeps the text and appends it to a file the whole-run privacy scan reads. */
export function logSink(label: string, keep = true): { stream: PassThrough; text: () => string } {
  mkdirSync(LOG_DIR, { recursive: true });
  const file = join(LOG_DIR, `${label}-${randomUUID()}.log`);
  let captured = '';
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    if (keep) captured += text;
    try {
      appendFileSync(file, text);
    } catch {
      // Another run's global setup emptied the directory: recreate it and keep writing.
      mkdirSync(LOG_DIR, { recursive: true });
      appendFileSync(file, text);
    }
  });
  return { stream, text: () => captured };
}

export function auditLines(logText: string): AuditLine[] {
  return logText
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry): entry is AuditLine & Record<string, unknown> => entry.audit === true);
}

/**
 * The audit lines once at least `atLeast` are written. A server process writes its log lines
 * asynchronously (src/logger.ts), so a call's answer can reach the client before the call's audit
 * line reaches stderr. Waits up to 5 s, then returns what there is (the caller's count then fails).
 * Complete lines only: a read can end mid-line. `which` narrows the lines counted and returned.
 */
export async function writtenAuditLines(
  logs: () => string,
  atLeast: number,
  which: (line: AuditLine) => boolean = () => true,
): Promise<AuditLine[]> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const text = logs();
    const lines = auditLines(text.slice(0, text.lastIndexOf('\n') + 1)).filter(which);
    if (lines.length >= atLeast || Date.now() > deadline) return lines;
    await new Promise((done) => setTimeout(done, 20));
  }
}

export async function startFaultStack(options: FaultStackOptions): Promise<FaultStack> {
  const { sandbox } = options;
  const toolTimeoutMs = options.toolTimeoutMs ?? 25_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const sink = logSink(options.label ?? 'reliability', options.keepLogs ?? true);
  const token = sandbox.credentials.oauth.service.token;
  const config = parseConfig(
    [
      '--tool-timeout-ms',
      String(toolTimeoutMs),
      '--request-timeout-ms',
      String(requestTimeoutMs),
      ...(options.argv ?? []),
    ],
    { ESCAPE_API_URL: sandbox.url, ESCAPE_API_TOKEN: token, ESCAPE_LOG_LEVEL: 'info', ESCAPE_TOOLSETS: 'all' },
  );
  const runtime = await startRuntime(config, { logDestination: sink.stream });
  const api = createEscapeApi({
    baseUrl: sandbox.url,
    credentials: { kind: 'static', token, hint: 'ESCAPE_API_TOKEN' },
    timeoutMs: requestTimeoutMs,
    deadlineMs: toolTimeoutMs,
    observer: upstreamObserver(noMetrics),
    ...(options.breaker ? { breaker: options.breaker } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
  });
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
      createServer({
        ...runtime.serverDependencies(principal),
        api,
        ...(options.tools ? { tools: options.tools } : {}),
      }).server,
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
    api,
    logs: sink.text,
    audits: () => auditLines(sink.text()),
    async close() {
      await client.close();
      await handler.close();
      await api.close();
      await runtime.close();
    },
  };
}
