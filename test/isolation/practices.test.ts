/**
 * One practice's data never reaches a call made for another, over the real HTTP server:
 * a principal of two practices acting on A with B's ids in every id-taking argument of every
 * tool (patients, providers, chairs, carriers, appointments, cursors, confirmation tokens); the
 * pin header narrowing what arguments can name; a session of one principal (or one pinned
 * practice) used by another. Every upstream request of a call for A goes under A's practice
 * path (the sandbox's request log), no write is sent, and B's patient data never appears.
 * (A principal of A alone — arguments, header, B's ids — is test/integration/http-auth.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { rawGet, textOf } from '../helpers/harness.js';
import { type Stack, startStack } from '../integration/http-harness.js';

const KEY_BOTH = 'sk-isolation-both-0123456789abcdef';
const KEY_B = 'sk-isolation-b-0123456789abcdef0123';
const ALL_SCOPES = ['scheduling:read', 'scheduling:write', 'patients:read', 'insurance:read', 'reports:read'];
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

type Practice = RunningSandbox['fixtures']['practices']['la'];
let stack: Stack;
let a: Practice;
let b: Practice;
/** What identifies B's patients in an answer: their names (ids may be echoed from the caller's own input). */
let bSecrets: string[];

beforeAll(async () => {
  stack = await startStack({
    keys: (sandbox) => [
      {
        id: 'both',
        key: KEY_BOTH,
        practices: [sandbox.fixtures.practices.la.id, sandbox.fixtures.practices.ny.id],
        scopes: ALL_SCOPES,
      },
      { id: 'b-only', key: KEY_B, practices: [sandbox.fixtures.practices.ny.id], scopes: ALL_SCOPES },
    ],
  });
  a = stack.sandbox.fixtures.practices.la;
  b = stack.sandbox.fixtures.practices.ny;
  bSecrets = [];
  for (const id of [b.patients.timeline, b.patients.injectionNote, ...b.patients.ambiguousName]) {
    const p = await rawGet<{ first_name: string; last_name: string }>(
      stack.sandbox,
      `/api/v1/practice/${b.id}/patient/${id}/`,
    );
    bSecrets.push(`${p.first_name} ${p.last_name}`);
  }
});

afterAll(async () => {
  await stack?.close();
});

async function practicePaths(since: number): Promise<{ method: string; path: string }[]> {
  return (await stack.sandbox.control.requests(since))
    .filter((e) => e.path.startsWith('/api/v1/practice/'))
    .map((e) => ({ method: e.method, path: e.path }));
}

function expectNothingOfB(answer: unknown, label: string, names = true) {
  const json = JSON.stringify(answer);
  if (names) for (const secret of bSecrets) expect(json, label).not.toContain(secret);
  expect(json, label).not.toContain(b.name);
}

describe("a principal of A and B, acting on A with B's ids", () => {
  it('every id-taking argument of every tool: refused or empty, upstream only under A, nothing written', async () => {
    const client = await stack.connect('modern', bearer(KEY_BOTH));
    const bData = stack.sandbox.store.practices.get(b.id);
    const bAppointment = bData?.appointments.find((x) => x.status === 'scheduled' && x.startMs > Date.now());
    const bCarrier = bData?.carriers[0];
    expect(bAppointment && bCarrier).toBeTruthy();
    const bPatient = await rawGet<{ first_name: string; last_name: string; date_of_birth: string }>(
      stack.sandbox,
      `/api/v1/practice/${b.id}/patient/${b.patients.timeline}/`,
    );
    const start = new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);
    // Every id of B's records (patients, appointments, providers, chairs, carriers, claims).
    const bIds = new Set<string>(
      [
        ...(bData?.patients ?? []),
        ...(bData?.appointments ?? []),
        ...(bData?.providers ?? []),
        ...(bData?.operatories ?? []),
        ...(bData?.carriers ?? []),
        ...(bData?.claims ?? []),
      ].map((row) => row.id),
    );
    const calls: [string, Record<string, unknown>][] = [
      ['find_spot', { duration_minutes: 30, providers: [b.providers.dentists[0]] }],
      ['find_spot', { duration_minutes: 30, operatories: [b.operatories.bookable[0]] }],
      ['patient_timeline', { patient_id: b.patients.timeline }],
      [
        'patient_timeline',
        { name: `${bPatient.first_name} ${bPatient.last_name}`, date_of_birth: bPatient.date_of_birth },
      ],
      ['find_patient', { patient_id: b.patients.timeline }],
      ['find_patient', { name: `${bPatient.first_name} ${bPatient.last_name}`, date_of_birth: bPatient.date_of_birth }],
      ['claims_summary', { provider: b.providers.dentists[0] }],
      ['claims_summary', { carrier: bCarrier?.id }],
      ['production_report', { period: 'last_month', providers: [b.providers.dentists[0]] }],
      [
        'book_appointment',
        {
          patient_id: b.patients.timeline,
          start: `${start} 10:00`,
          provider: a.providers.dentists[0],
          duration_minutes: 30,
        },
      ],
      [
        'book_appointment',
        {
          patient_id: a.patients.timeline,
          start: `${start} 10:00`,
          provider: b.providers.dentists[0],
          duration_minutes: 30,
        },
      ],
      ['reschedule_appointment', { appointment_id: bAppointment?.id, start: `${start} 11:00` }],
      ['cancel_appointment', { appointment_id: bAppointment?.id, reason: 'isolation test' }],
      ['fill_opening', { provider: b.providers.dentists[0], start: `${start} 10:00`, minutes: 30 }],
      ['fill_opening', { operatory: b.operatories.bookable[0], start: `${start} 10:00`, minutes: 30 }],
      [
        'fill_opening',
        { opening: { start: `${start} 10:00`, end: `${start} 10:30`, provider_id: b.providers.dentists[0] } },
      ],
    ];
    for (const [name, args] of calls) {
      const since = await stack.sandbox.control.lastSeq();
      const answer = await client.callTool({ name, arguments: { practice: a.name, ...args } });
      const label = `${name} ${JSON.stringify(args)}`;
      const structured = answer.structuredContent as
        | { status?: string; candidates?: unknown[]; patient?: unknown }
        | undefined;
      // Refused, or an answer about A: any patient or appointment it names is A's (the fixture
      // names repeat across practices, so B's patient's name and birth date may well find A's).
      if (!answer.isError) {
        expect(['booked', 'moved', 'cancelled'], `${label}: ${textOf(answer)}`).not.toContain(structured?.status);
        for (const id of JSON.stringify(answer).match(
          /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
        ) ?? []) {
          if (Object.values(args).includes(id)) continue; // the caller's own input, echoed
          expect(bIds.has(id), `${label}: B's id ${id} in the answer`).toBe(false);
        }
      }
      // Names are checked only when the call did not itself search by B's patient's name.
      expectNothingOfB(answer, label, !('name' in args));
      const paths = await practicePaths(since);
      expect(
        paths.filter((p) => !p.path.startsWith(`/api/v1/practice/${a.id}/`)),
        label,
      ).toEqual([]);
      expect(
        paths.filter((p) => p.method !== 'GET' && !p.path.endsWith('/validate-appointment/')),
        label,
      ).toEqual([]);
    }
    // B's appointment is untouched.
    const still = await rawGet<{ status: string }>(
      stack.sandbox,
      `/api/v1/practice/${b.id}/scheduling/appointment/${bAppointment?.id}/`,
    );
    expect(still.status).toBe('scheduled');
  });

  it("B's timeline cursor does not page A's patient, and B's confirmation token does not book for A", async () => {
    const client = await stack.connect('modern', bearer(KEY_BOTH));
    const first = await client.callTool({
      name: 'patient_timeline',
      arguments: { practice: b.name, patient_id: b.patients.timeline, limit: 2 },
    });
    const cursor = (first.structuredContent as { next_cursor?: string }).next_cursor;
    expect(cursor).toBeTruthy();
    const since = await stack.sandbox.control.lastSeq();
    const reused = await client.callTool({
      name: 'patient_timeline',
      arguments: { practice: a.name, patient_id: a.patients.timeline, limit: 2, cursor },
    });
    expect(reused.isError, textOf(reused)).toBe(true);
    expectNothingOfB(reused, 'cursor');
    expect((await practicePaths(since)).filter((p) => !p.path.startsWith(`/api/v1/practice/${a.id}/`))).toEqual([]);

    // A confirmation summary for B, then its token presented with A's booking.
    const slot = await rawGet<{ results: { date_time: string; provider: string; operatory: string }[] }>(
      stack.sandbox,
      `/api/v1/practice/${b.id}/scheduling/find-spot/`,
      {
        duration_minutes: '30',
        max_results: '1',
        start_date: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
      },
    );
    const bSlot = slot.results[0];
    const asked = await client.callTool({
      name: 'book_appointment',
      arguments: {
        practice: b.name,
        patient_id: b.patients.timeline,
        start: bSlot?.date_time,
        provider: bSlot?.provider,
        operatory: bSlot?.operatory,
        duration_minutes: 30,
      },
    });
    const token = (asked.structuredContent as { confirmation_token?: string }).confirmation_token;
    expect(token, textOf(asked)).toBeTruthy();
    const aSlot = (
      await rawGet<{ results: { date_time: string; provider: string; operatory: string }[] }>(
        stack.sandbox,
        `/api/v1/practice/${a.id}/scheduling/find-spot/`,
        {
          duration_minutes: '30',
          max_results: '1',
          start_date: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
        },
      )
    ).results[0];
    const sinceBooking = await stack.sandbox.control.lastSeq();
    const smuggled = await client.callTool({
      name: 'book_appointment',
      arguments: {
        practice: a.name,
        patient_id: a.patients.timeline,
        start: aSlot?.date_time,
        provider: aSlot?.provider,
        operatory: aSlot?.operatory,
        duration_minutes: 30,
        confirm: true,
        confirmation_token: token,
      },
    });
    expect((smuggled.structuredContent as { status?: string } | undefined)?.status, textOf(smuggled)).not.toBe(
      'booked',
    );
    expect(
      (await practicePaths(sinceBooking)).filter((p) => p.method === 'POST' && p.path.endsWith('/appointment/')),
    ).toEqual([]);
  });

  it('the pin header narrows: with X-Escape-Practice A, an argument naming B is refused before any read', async () => {
    const client = await stack.connect('modern', { ...bearer(KEY_BOTH), 'x-escape-practice': a.id });
    const since = await stack.sandbox.control.lastSeq();
    const answer = await client.callTool({
      name: 'patient_timeline',
      arguments: { practice: b.name, patient_id: b.patients.timeline },
    });
    expect(answer.isError).toBe(true);
    expectNothingOfB(answer, 'pinned A');
    expect(await practicePaths(since)).toEqual([]);
  });
});

describe('sessions belong to their principal and practices', () => {
  it("another principal, or the same key pinned to another practice, is refused A's session (403/404)", async () => {
    const init = await fetch(stack.http.mcpUrl, {
      method: 'POST',
      headers: {
        ...bearer(KEY_BOTH),
        'x-escape-practice': a.id,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'iso', version: '1' } },
      }),
    });
    await init.text();
    const session = init.headers.get('mcp-session-id');
    expect(session).toBeTruthy();
    const list = (headers: Record<string, string>) =>
      fetch(stack.http.mcpUrl, {
        method: 'POST',
        headers: {
          ...headers,
          'mcp-session-id': session as string,
          'mcp-protocol-version': '2025-11-25',
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }),
      });
    const owner = await list({ ...bearer(KEY_BOTH), 'x-escape-practice': a.id });
    expect(owner.status).toBe(200);
    await owner.text();
    for (const headers of [bearer(KEY_B), { ...bearer(KEY_BOTH), 'x-escape-practice': b.id }]) {
      const response = await list(headers);
      const text = await response.text();
      expect([403, 404], text).toContain(response.status);
      expect(text).not.toContain('find_spot');
    }
  });
});

describe('throughout', () => {
  it('one audit line per tool call, ids only, none of B for the calls made for A', () => {
    const audits = stack
      .logs()
      .split('\n')
      .filter((line) => line.includes('"audit":true'))
      .map((line) => JSON.parse(line) as { practiceId: string | null; patientIds: string[]; tool: string });
    expect(audits.length).toBeGreaterThanOrEqual(17);
    const bPatients = new Set(stack.sandbox.store.practices.get(b.id)?.patients.map((p) => p.id));
    for (const audit of audits.filter((x) => x.practiceId === a.id)) {
      expect(
        audit.patientIds.filter((id) => bPatients.has(id)),
        audit.tool,
      ).toEqual([]);
    }
  });
});
