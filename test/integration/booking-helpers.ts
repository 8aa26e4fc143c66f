/**
 * Helpers for the scheduling-write tests: the real server assembled in process, a real MCP
 * client that answers confirmation prompts (or cannot), raw sandbox reads and writes as the
 * independent source of truth, and the request log filtered to writes.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import {
  Client,
  InMemoryTransport,
  StreamableHTTPClientTransport,
  specTypeSchemas,
  withInputRequired,
} from '@modelcontextprotocol/client';
import { parseConfig } from '../../src/config.js';
import { createFetchHandler } from '../../src/mcp/sdk.js';
import { type Runtime, startRuntime } from '../../src/runtime.js';
import type { RequestLogEntry, RunningSandbox } from '../../src/sandbox/index.js';
import { createServer } from '../../src/server.js';
import type { Metrics } from '../../src/telemetry.js';
import type { Principal } from '../../src/tenancy/types.js';
import { type Era, LOG_DIR } from '../helpers/harness.js';

export type Answer = 'accept' | 'decline' | 'none';

export interface BookingConnection {
  client: Client;
  runtime: Runtime;
  /** Messages of the confirmation prompts the client was shown. */
  prompts: string[];
  logs: () => string;
  close: () => Promise<void>;
}

export interface BookingConnectionOptions {
  era?: Era;
  /** How the client answers confirmation prompts; 'none' = a client without elicitation. */
  answer?: Answer;
  argv?: string[];
  principal?: Partial<Principal>;
  /** Metrics sink (e.g. to watch every upstream attempt through the client's observer). */
  metrics?: Metrics;
  /** Another client of this (already started) runtime: one server process, several clients. */
  runtime?: Runtime;
}

/** The real server for one principal, reached by a real client, logs kept for the privacy scan. */
export async function connectBooking(
  sandbox: RunningSandbox,
  options: BookingConnectionOptions = {},
): Promise<BookingConnection> {
  mkdirSync(LOG_DIR, { recursive: true });
  const file = join(LOG_DIR, `booking-${randomUUID()}.log`);
  let captured = '';
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => {
    captured += chunk.toString('utf8');
    appendFileSync(file, chunk);
  });
  const config = parseConfig(options.argv ?? [], {
    ESCAPE_API_URL: sandbox.url,
    ESCAPE_API_TOKEN: sandbox.credentials.oauth.service.token,
    ESCAPE_LOG_LEVEL: 'info',
    ESCAPE_TOOLSETS: 'all',
  });
  const ownRuntime = options.runtime === undefined;
  const runtime =
    options.runtime ??
    (await startRuntime(config, {
      logDestination: sink,
      ...(options.metrics ? { metrics: options.metrics } : {}),
    }));
  const principal: Principal = {
    id: 'front-desk-test',
    kind: 'local',
    practiceIds: 'all',
    scopes: 'all',
    readOnly: config.readOnly,
    ...options.principal,
  };
  const answer = options.answer ?? 'accept';
  const era = options.era ?? 'modern';
  const prompts: string[] = [];
  const client = new Client(
    { name: 'front-desk-chat', version: '1.0.0' },
    {
      ...(era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {}),
      ...(answer === 'none' ? {} : { capabilities: { elicitation: { form: {} } } }),
    },
  );
  if (answer !== 'none') {
    client.setRequestHandler('elicitation/create', async (request) => {
      prompts.push(request.params.message);
      return answer === 'accept' ? { action: 'accept', content: { confirm: true } } : { action: 'decline' };
    });
  }
  const build = () => createServer(runtime.serverDependencies(principal)).server;
  let closeServer: () => Promise<void>;
  if (era === 'modern') {
    const handler = createFetchHandler(build);
    await client.connect(
      new StreamableHTTPClientTransport(new URL('http://in-process.test/mcp'), {
        fetch: (url, init) => handler.fetch(new Request(url, init)),
      }),
    );
    closeServer = () => handler.close();
  } else {
    // 2025 era with elicitation needs a session: stdio-like linked transports.
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const server = build();
    await server.connect(serverSide);
    await client.connect(clientSide);
    closeServer = () => server.close();
  }
  return {
    client,
    runtime,
    prompts,
    logs: () => captured,
    async close() {
      await client.close();
      await closeServer();
      if (ownRuntime) await runtime.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Raw sandbox access (the tests' independent truth)

export interface RawAppointment {
  id: string;
  patient: string;
  provider: string | null;
  operatory: string | null;
  date_time: string;
  duration_minutes: number;
  status: string;
  note: string;
  appointment_type: string;
  cancellation_reason: string;
  scheduled_procedures: { proc_code: string }[];
}

export interface RawPatient {
  id: string;
  first_name: string;
  last_name: string;
  preferred_name: string;
  date_of_birth: string;
  primary_provider: string | null;
  status: string;
}

export async function rawRequest<T = unknown>(
  sandbox: RunningSandbox,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(new URL(path, sandbox.url), {
    method,
    headers: {
      authorization: `Bearer ${sandbox.credentials.oauth.service.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Writes seen by the sandbox since `since`: creates, updates and transitions of appointments. */
export async function appointmentWrites(sandbox: RunningSandbox, since: number): Promise<RequestLogEntry[]> {
  return (await sandbox.control.requests(since)).filter(
    (entry) => entry.method !== 'GET' && /\/scheduling\/appointment\//.test(entry.path),
  );
}

export const instant = (iso: string) => Date.parse(iso);

/** book_appointment arguments for an open time the sandbox's slot finder returned. */
export function bookingArguments(
  practice: { name: string },
  patientId: string,
  slot: { date_time: string; provider: string; operatory: string } | undefined,
  durationMinutes: number,
) {
  return {
    practice: practice.name,
    patient_id: patientId,
    start: slot?.date_time,
    provider: slot?.provider,
    operatory: slot?.operatory,
    duration_minutes: durationMinutes,
  };
}

// ---------------------------------------------------------------------------------------------
// Raw protocol calls and sandbox look-ups shared by the write tests

export interface RawSlot {
  date_time: string;
  provider: string;
  operatory: string;
}

/** Open times straight from the sandbox's slot finder (one per instant, first provider/chair that fits). */
export async function rawSlots(
  sandbox: RunningSandbox,
  practice: { id: string },
  query: Record<string, string | string[]>,
): Promise<RawSlot[]> {
  const url = new URL(`/api/v1/practice/${practice.id}/scheduling/find-spot/`, sandbox.url);
  for (const [key, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, v);
  }
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${sandbox.credentials.oauth.service.token}` },
  });
  if (!response.ok) throw new Error(`find-spot → ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { results: RawSlot[] }).results;
}

/** A tools/call result as it came over the wire: a complete result or (2026-07-28) input_required. */
export interface WireToolResult {
  resultType?: string;
  content?: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  inputRequests?: Record<string, unknown>;
  requestState?: string;
}

/**
 * tools/call with the multi-round fields set by hand (`inputResponses`, `requestState`), the way
 * a client that answers on its own — or replays an old answer — would send them. An
 * input_required answer comes back as it is instead of being fulfilled.
 */
export async function callWithAnswer(
  client: Client,
  name: string,
  args: Record<string, unknown>,
  round: { inputResponses?: Record<string, unknown>; requestState?: string | undefined } = {},
): Promise<WireToolResult> {
  return (await client.request(
    {
      method: 'tools/call',
      params: {
        name,
        arguments: args,
        ...(round.inputResponses ? { inputResponses: round.inputResponses } : {}),
        ...(round.requestState ? { requestState: round.requestState } : {}),
      },
    },
    withInputRequired(specTypeSchemas.CallToolResult),
    { allowInputRequired: true },
  )) as WireToolResult;
}

/** The answer a person gives to the confirmation form: yes. */
export const ACCEPTED = { confirm: { action: 'accept', content: { confirm: true } } };

/** The audit lines in a server's logs (ids only), oldest first. */
export function auditLines(logs: string): Record<string, unknown>[] {
  return logs
    .split('\n')
    .filter((line) => line.includes('"audit":true'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

// ---------------------------------------------------------------------------------------------
// Someone else writing to Escape Dental while the server writes

export interface UpstreamProxy {
  /** The proxy's origin: give it to the server as its Escape Dental URL. */
  url: string;
  close: () => Promise<void>;
}

export interface ProxiedRequest {
  method: string;
  path: string;
  body: unknown;
}

/**
 * A pass-through HTTP proxy in front of the sandbox that lets a test act as another Escape
 * Dental client at exact points of the server's write: `before` runs once the server's request
 * has arrived and before it is forwarded; `after` runs once the sandbox answered it and before
 * the server gets that answer. Everything else is forwarded unchanged.
 */
export async function upstreamProxy(
  sandbox: RunningSandbox,
  hooks: {
    before?: (request: ProxiedRequest) => Promise<void>;
    after?: (request: ProxiedRequest, status: number) => Promise<void>;
  },
): Promise<UpstreamProxy> {
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks);
        const path = (req.url ?? '/').split('?')[0] as string;
        const proxied: ProxiedRequest = {
          method: req.method ?? 'GET',
          path,
          body: raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined,
        };
        await hooks.before?.(proxied);
        const headers = new Headers();
        for (const [name, value] of Object.entries(req.headers)) {
          if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name)) {
            headers.set(name, value);
          }
        }
        const upstream = await fetch(new URL(req.url ?? '/', sandbox.url), {
          method: proxied.method,
          headers,
          ...(raw.length > 0 ? { body: raw } : {}),
        });
        const text = await upstream.text();
        await hooks.after?.(proxied, upstream.status);
        const out: Record<string, string> = {};
        upstream.headers.forEach((value, name) => {
          if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(name))
            out[name] = value;
        });
        res.writeHead(upstream.status, out);
        res.end(text);
      })().catch((error: unknown) => {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ detail: String(error) }));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
