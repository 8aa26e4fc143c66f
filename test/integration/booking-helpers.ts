/**
 * Helpers for the scheduling-write tests: the real server assembled in process, a real MCP
 * client that answers confirmation prompts (or cannot), raw sandbox reads and writes as the
 * independent source of truth, and the request log filtered to writes.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Client, InMemoryTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { parseConfig } from '../../src/config.js';
import { createFetchHandler } from '../../src/mcp/sdk.js';
import { type Runtime, startRuntime } from '../../src/runtime.js';
import type { RequestLogEntry, RunningSandbox } from '../../src/sandbox/index.js';
import { createServer } from '../../src/server.js';
import type { Metrics } from '../../src/telemetry.js';
import type { Principal } from '../../src/tools/types.js';
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
  });
  const runtime = await startRuntime(config, {
    logDestination: sink,
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
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
      await runtime.close();
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
