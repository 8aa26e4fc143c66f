/**
 * Every gating case on every transport (stdio, 2026-07-28 stateless, 2025 sessions, legacy SSE):
 * the tool is absent from the list, a call by name is refused with the reason, and nothing is
 * written upstream. The cases: an Escape gate row switching a tool off, Escape's gate rows
 * unreadable by the server's credential (writes fail closed, reads go on), the operator's local
 * policy, a missing scope, read-only — and `--local-gates-only`, the explicit opt-out, which
 * serves writes on local policy alone. Scopes belong to inbound credentials: the stdio operator
 * holds every scope, so that case has no stdio row.
 */
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { type Connection, connectStdio } from '../helpers/harness.js';
import { type Stack, startStack, textOf, toolNames, writeTempJson } from '../integration/http-harness.js';

type Transport = 'stdio' | 'modern' | 'legacy' | 'sse';
const TRANSPORTS: Transport[] = ['stdio', 'modern', 'legacy', 'sse'];
const ALL_SCOPES = ['scheduling:read', 'scheduling:write', 'patients:read', 'insurance:read', 'reports:read'];
const WRITE_TOOLS = ['book_appointment', 'cancel_appointment', 'reschedule_appointment'];
const KEY_WRITER = 'edm_gating-writer-000000000000000000000';
const KEY_NO_REPORTS = 'edm_gating-no-reports-00000000000000000';
const KEY_READ_ONLY = 'edm_gating-read-only-000000000000000000';

/** service: the credential that reads Escape's gate rows; frontDesk: the least-privilege one, which cannot. */
type StackName = 'service' | 'frontDesk' | 'localOnly';
const stacks = {} as Record<StackName, Stack>;
const stdioConnections = new Map<string, Connection>();

const keys = (sandbox: RunningSandbox) => {
  const la = [sandbox.fixtures.practices.la.id];
  return [
    { id: 'writer', key: KEY_WRITER, practices: la, scopes: ALL_SCOPES },
    { id: 'no-reports', key: KEY_NO_REPORTS, practices: la, scopes: ALL_SCOPES.filter((s) => s !== 'reports:read') },
    { id: 'read-only', key: KEY_READ_ONLY, practices: la, scopes: ALL_SCOPES, readOnly: true },
  ];
};
const policyFor = (sandbox: RunningSandbox) =>
  writeTempJson('gating-policy', {
    practices: { [sandbox.fixtures.practices.la.id]: { disabled: ['claims_summary'] } },
  });
const frontDeskToken = (sandbox: RunningSandbox) => ({
  ESCAPE_API_TOKEN: sandbox.credentials.oauth.frontDeskLa.token,
});

beforeAll(async () => {
  [stacks.service, stacks.frontDesk, stacks.localOnly] = await Promise.all([
    startStack({ keys, args: (sandbox) => ['--policy-file', policyFor(sandbox)] }),
    startStack({ keys, env: frontDeskToken }),
    startStack({ keys, env: frontDeskToken, args: ['--local-gates-only'] }),
  ]);
});

afterAll(async () => {
  await Promise.allSettled([...stdioConnections.values()].map((c) => c.close()));
  await Promise.allSettled(Object.values(stacks).map((s) => s.close()));
});

/** The built server over stdio against a stack's sandbox, configured as that stack's HTTP server is. */
async function stdioClient(name: StackName, env: Record<string, string>): Promise<Client> {
  const key = `${name}:${JSON.stringify(env)}`;
  let connection = stdioConnections.get(key);
  if (!connection) {
    const { sandbox } = stacks[name];
    const base: Record<string, string> = {
      // Pinned to A like the HTTP keys, so the same calls run unchanged.
      ESCAPE_PRACTICE: sandbox.fixtures.practices.la.id,
      ...(name === 'service' ? { ESCAPE_POLICY_FILE: policyFor(sandbox) } : {}),
      ...(name === 'localOnly' ? { ESCAPE_LOCAL_GATES_ONLY: 'true' } : {}),
    };
    connection = await connectStdio({
      sandbox,
      env: { ...base, ...env },
      ...(name === 'service' ? {} : { token: sandbox.credentials.oauth.frontDeskLa.token }),
    });
    stdioConnections.set(key, connection);
  }
  return connection.client;
}

async function clientFor(transport: Transport, name: StackName, httpKey: string, stdioEnv: Record<string, string>) {
  if (transport === 'stdio') return { client: await stdioClient(name, stdioEnv), close: async () => {} };
  const client = await stacks[name].connect(transport, { authorization: `Bearer ${httpKey}` });
  return { client, close: () => client.close() };
}

function futureAppointmentOf(sandbox: RunningSandbox): string {
  const practice = sandbox.store.practices.get(sandbox.fixtures.practices.la.id);
  const appointment = practice?.appointments.find((x) => x.status === 'scheduled' && x.startMs > Date.now());
  if (!appointment) throw new Error('no scheduled appointment in A');
  return appointment.id;
}

interface GatingCase {
  name: string;
  stack: StackName;
  /** The HTTP credential, and the stdio environment (on top of the stack's), that make the case; undefined = no stdio row. */
  key: string;
  stdio: Record<string, string> | undefined;
  /** Tools that must not be listed. */
  hidden: readonly string[];
  /** The call by name that must be refused, and the words the refusal must carry. */
  call: { tool: string; args: (sandbox: RunningSandbox) => Record<string, unknown> };
  refusal: RegExp;
  /** A read that must still be served in this configuration. */
  served?: { tool: string; args: Record<string, unknown> };
}

const cancelArgs = (sandbox: RunningSandbox) => ({
  appointment_id: futureAppointmentOf(sandbox),
  reason: 'gating test',
});

const CASES: GatingCase[] = [
  {
    name: "an Escape gate row switching cancel_appointment off at A (the sandbox's seeded row)",
    stack: 'service',
    key: KEY_WRITER,
    stdio: {},
    hidden: ['cancel_appointment'],
    call: { tool: 'cancel_appointment', args: cancelArgs },
    refusal: /cancel_appointment is turned off for .* in Escape Dental's tool settings/,
  },
  {
    name: "Escape's gate rows unreadable by the server's credential: writes fail closed, reads go on",
    stack: 'frontDesk',
    key: KEY_WRITER,
    stdio: {},
    hidden: WRITE_TOOLS,
    call: { tool: 'cancel_appointment', args: cancelArgs },
    refusal: /cancel_appointment is off for .*cannot read .*tool settings.*--local-gates-only/,
    served: { tool: 'find_spot', args: { duration_minutes: 30, max_results: 1 } },
  },
  {
    name: 'the local policy switching claims_summary off at A',
    stack: 'service',
    key: KEY_WRITER,
    stdio: {},
    hidden: ['claims_summary'],
    call: { tool: 'claims_summary', args: () => ({}) },
    refusal: /claims_summary is disabled for .* by this server's local policy/,
  },
  {
    name: 'a credential without reports:read',
    stack: 'service',
    key: KEY_NO_REPORTS,
    stdio: undefined,
    hidden: ['production_report'],
    call: { tool: 'production_report', args: () => ({ period: 'last_month' }) },
    refusal: /production_report needs the scope reports:read/,
  },
  {
    name: 'read-only (a read-only key; ESCAPE_READ_ONLY on stdio)',
    stack: 'service',
    key: KEY_READ_ONLY,
    stdio: { ESCAPE_READ_ONLY: 'true' },
    hidden: WRITE_TOOLS,
    call: {
      tool: 'book_appointment',
      args: (sandbox) => ({
        patient_id: sandbox.fixtures.practices.la.patients.timeline,
        start: '2027-03-10 09:00',
        duration_minutes: 30,
        provider: 'any',
      }),
    },
    refusal: /read-only/,
  },
];

describe('every gating case on every transport', () => {
  const table = CASES.flatMap((c) =>
    TRANSPORTS.filter((t) => t !== 'stdio' || c.stdio !== undefined).map((t) => [c.name, t, c] as const),
  );

  it.each(table)('%s — %s', async (_name, transport, gating) => {
    const stack = stacks[gating.stack];
    const { client, close } = await clientFor(transport, gating.stack, gating.key, gating.stdio ?? {});
    try {
      const names = toolNames(await client.listTools());
      for (const tool of gating.hidden) expect(names, transport).not.toContain(tool);
      const since = await stack.sandbox.control.lastSeq();
      const outcome = await client
        .callTool({ name: gating.call.tool, arguments: gating.call.args(stack.sandbox) })
        .then(
          (result) => ({ refused: result.isError === true, text: textOf(result) }),
          (error: Error) => ({ refused: true, text: error.message }),
        );
      expect(outcome.refused, outcome.text.slice(0, 300)).toBe(true);
      // A tool hidden from the caller's list is refused with the reason on every transport (stdio
      // too), never with the SDK's bare "Tool … disabled".
      expect(outcome.text).toMatch(gating.refusal);
      expect(outcome.text).not.toMatch(/^Tool \w+ disabled/);
      const upstream = await stack.sandbox.control.requests(since);
      expect(upstream.filter((e) => e.method !== 'GET').map((e) => `${e.method} ${e.path}`)).toEqual([]);
      if (gating.served) {
        const read = await client.callTool({ name: gating.served.tool, arguments: gating.served.args });
        expect(read.isError, textOf(read).slice(0, 300)).toBeFalsy();
      }
    } finally {
      await close();
    }
  });
});

describe('--local-gates-only (ESCAPE_LOCAL_GATES_ONLY): the documented opt-out', () => {
  it.each(TRANSPORTS)(
    'serves write tools on local policy alone, although Escape switched cancel off — %s',
    async (transport) => {
      const { client, close } = await clientFor(transport, 'localOnly', KEY_WRITER, {});
      try {
        const names = toolNames(await client.listTools());
        // The risk the flag accepts: the seeded gate row switching cancel_appointment off cannot be seen.
        for (const tool of WRITE_TOOLS) expect(names).toContain(tool);
      } finally {
        await close();
      }
    },
  );

  it('says so at start-up (HTTP and stdio), and /readyz names the practices whose gates are unreadable', async () => {
    expect(stacks.localOnly.logs()).toMatch(/"level":40.*--local-gates-only/);
    expect(stacks.frontDesk.logs()).toMatch(/"level":40.*write tools stay off/);
    await stdioClient('frontDesk', {});
    await stdioClient('localOnly', {});
    const stderr = (name: StackName) => stdioConnections.get(`${name}:{}`)?.logs() ?? '';
    expect(stderr('frontDesk')).toMatch(/"level":40.*write tools stay off/);
    expect(stderr('localOnly')).toMatch(/"level":40.*--local-gates-only/);
    const ready = await fetch(`${stacks.frontDesk.http.url}/readyz`, {
      headers: { authorization: `Bearer ${KEY_WRITER}` },
    });
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { reasons: { code: string; practiceIds: string[] }[] };
    expect(body.reasons).toContainEqual(
      expect.objectContaining({
        code: 'gates_unreadable',
        practiceIds: [stacks.frontDesk.sandbox.fixtures.practices.la.id],
      }),
    );
  });
});
