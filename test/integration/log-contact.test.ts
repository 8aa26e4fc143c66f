/**
 * log_contact goes through the write pipeline like a booking: the person confirms (a form on both
 * protocol eras, a token for a client without one), a no writes nothing, identical calls at once
 * write one entry, and read-only or under-scoped callers neither see nor call it. Real MCP
 * clients, the server in process, the sandbox over HTTP; truth from the sandbox's request log and
 * raw reads of the communication log and the recall.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestLogEntry, RunningSandbox, WorklistFixtures } from '../../src/sandbox/index.js';
import type { Scope } from '../../src/tenancy/types.js';
import { rawGet, rawList, startTestSandbox, textOf } from '../helpers/harness.js';
import { ACCEPTED, type BookingConnection, callWithAnswer, connectBooking } from './booking-helpers.js';

interface RawCommlog {
  id: string;
  patient: string;
  date_time: string;
  mode: string;
  direction: string;
  outcome: string;
  note: string;
  recall: string | null;
}
interface Output {
  status: string;
  recall_id: string;
  patient_id?: string;
  commlog_id?: string;
  logged_at?: string;
  confirmation_token?: string;
}

let sandbox: RunningSandbox;
let la: RunningSandbox['fixtures']['practices']['la'];
let ny: RunningSandbox['fixtures']['practices']['ny'];
let modern: BookingConnection;
let legacy: BookingConnection;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  la = sandbox.fixtures.practices.la;
  ny = sandbox.fixtures.practices.ny;
  // One server (one runtime), two clients that say yes: a 2026-07-28 one and a 2025 session.
  modern = await connectBooking(sandbox, { era: 'modern', answer: 'accept' });
  legacy = await connectBooking(sandbox, { era: 'legacy', answer: 'accept', runtime: modern.runtime });
});

afterAll(async () => {
  await legacy?.close();
  await modern?.close();
  await sandbox?.close();
});

const worklists = (practice: typeof la) => practice.worklists as WorklistFixtures;

async function commlogWrites(since: number): Promise<RequestLogEntry[]> {
  return (await sandbox.control.requests(since)).filter(
    (entry) => entry.method !== 'GET' && /\/comms\/commlog\//.test(entry.path),
  );
}

async function rawLog(practice: typeof la, patientId: string): Promise<RawCommlog[]> {
  return rawList<RawCommlog>(sandbox, `/api/v1/practice/${practice.id}/patient/${patientId}/comms/commlog/`);
}

async function call(connection: BookingConnection, args: Record<string, unknown>) {
  const result = await connection.client.callTool({ name: 'log_contact', arguments: args });
  return { result, structured: result.structuredContent as unknown as Output, text: textOf(result) };
}

describe.each([
  ['2026-07-28', () => modern],
  ['2025', () => legacy],
] as const)('confirmed by the person (%s era)', (era, connection) => {
  it('asks, then writes one entry linked to the recall, read back as written', async () => {
    const candidate =
      era === '2025' ? worklists(la).recalls.perioOverdueNeverContacted : worklists(la).recalls.dueSoonNotBooked;
    const before = await rawLog(la, candidate.patientId);
    const prompts = connection().prompts.length;
    const since = await sandbox.control.lastSeq();
    const { result, structured, text } = await call(connection(), {
      practice: la.name,
      recall_id: candidate.recallId,
      mode: 'phone',
      outcome: 'success',
      note: 'Booked nothing yet; will call back Monday.',
    });
    expect(result.isError, text).toBeFalsy();
    expect(structured.status, text).toBe('logged');
    expect(connection().prompts.length).toBe(prompts + 1);
    expect(connection().prompts.at(-1)).toContain('Log it?');
    expect(await commlogWrites(since)).toHaveLength(1);

    const after = await rawLog(la, candidate.patientId);
    const added = after.filter((c) => !before.some((b) => b.id === c.id));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({
      id: structured.commlog_id,
      patient: candidate.patientId,
      recall: candidate.recallId,
      mode: 'phone',
      direction: 'sent',
      outcome: 'success',
      note: 'Booked nothing yet; will call back Monday.',
    });
    expect(Date.parse(added[0]?.date_time as string)).toBe(Date.parse(structured.logged_at as string));
    // A success reaches the recall (its last_reached_at follows the log, ASSUMPTIONS §15).
    const recall = await rawGet<{ last_reached_at: string | null }>(
      sandbox,
      `/api/v1/practice/${la.id}/scheduling/recall/${candidate.recallId}/`,
    );
    expect(Date.parse(recall.last_reached_at as string)).toBe(Date.parse(structured.logged_at as string));
  });
});

describe('an answer the server did not ask for', () => {
  it('2026-07-28: a first call already carrying an accepted answer is asked, not logged', async () => {
    const candidate = worklists(la).fillOpening.noSmsConsentRecall;
    const since = await sandbox.control.lastSeq();
    const result = await callWithAnswer(
      modern.client,
      'log_contact',
      { practice: la.name, recall_id: candidate.recallId, outcome: 'no_answer' },
      { inputResponses: ACCEPTED },
    );
    expect(result.resultType, textOf(result)).toBe('input_required');
    expect(JSON.stringify(result.inputRequests)).toContain('Log it?');
    expect(await commlogWrites(since)).toEqual([]);
  });
});

describe.each(['modern', 'legacy'] as const)('declined (%s era)', (era) => {
  it('writes nothing', async () => {
    const connection = await connectBooking(sandbox, { era, answer: 'decline', runtime: modern.runtime });
    try {
      const candidate = worklists(ny).fillOpening.fittingRecall;
      const before = await rawLog(ny, candidate.patientId);
      const since = await sandbox.control.lastSeq();
      const { structured, text } = await call(connection, {
        practice: ny.name,
        recall_id: candidate.recallId,
        outcome: era === 'modern' ? 'no_answer' : 'bad_number',
      });
      expect(connection.prompts).toHaveLength(1);
      expect(structured.status, text).toBe('not_logged');
      expect(await commlogWrites(since)).toEqual([]);
      expect(await rawLog(ny, candidate.patientId)).toEqual(before);
    } finally {
      await connection.close();
    }
  });
});

describe('identical calls at the same time', () => {
  it('write one entry, whichever era each call came from', async () => {
    const candidate = worklists(ny).recalls.perioOverdueNeverContacted;
    const before = await rawLog(ny, candidate.patientId);
    const since = await sandbox.control.lastSeq();
    const args = { practice: ny.name, recall_id: candidate.recallId, mode: 'phone', outcome: 'voicemail' };
    const results = await Promise.all([modern, legacy, modern, legacy, modern].map((c) => call(c, args)));
    const statuses = results.map((r) => r.structured.status).sort();
    expect(statuses, results.map((r) => r.text).join('\n')).toEqual([
      'already_logged',
      'already_logged',
      'already_logged',
      'already_logged',
      'logged',
    ]);
    expect(new Set(results.map((r) => r.structured.commlog_id)).size).toBe(1);
    expect(await commlogWrites(since)).toHaveLength(1);
    const added = (await rawLog(ny, candidate.patientId)).filter((c) => !before.some((b) => b.id === c.id));
    expect(added.map((c) => c.id)).toEqual([results[0]?.structured.commlog_id]);
  });
});

describe.each(['modern', 'legacy'] as const)('a client without a form (%s era)', (era) => {
  it('gets a summary and a token; only the token with confirm: true writes', async () => {
    const connection = await connectBooking(sandbox, { era, answer: 'none', runtime: modern.runtime });
    try {
      const candidate =
        era === 'modern' ? worklists(ny).recalls.dueSoonNotBooked : worklists(ny).fillOpening.topRecallTooLong;
      const args = { practice: ny.name, recall_id: candidate.recallId, mode: 'text', outcome: 'bounced' };
      const since = await sandbox.control.lastSeq();
      const first = await call(connection, args);
      expect(first.structured.status, first.text).toBe('confirmation_required');
      expect(first.text).toContain('Nothing is logged yet');
      const unconfirmed = await call(connection, { ...args, confirm: true });
      expect(unconfirmed.structured.status).toBe('confirmation_required');
      expect(await commlogWrites(since)).toEqual([]);
      const confirmed = await call(connection, {
        ...args,
        confirm: true,
        confirmation_token: first.structured.confirmation_token,
      });
      expect(confirmed.structured.status, confirmed.text).toBe('logged');
      expect(await commlogWrites(since)).toHaveLength(1);
    } finally {
      await connection.close();
    }
  });
});

describe('who may log', () => {
  it.each([
    ['a read-only caller', { readOnly: true }],
    ['a caller without patients:write', { scopes: ['scheduling:read', 'patients:read'] as Scope[] }],
  ])('%s neither sees nor calls it, and nothing is written', async (_label, principal) => {
    const connection = await connectBooking(sandbox, {
      era: 'modern',
      answer: 'accept',
      principal,
      runtime: modern.runtime,
    });
    try {
      const { tools } = await connection.client.listTools();
      expect(tools.map((t) => t.name)).toContain('recall_worklist');
      expect(tools.map((t) => t.name)).not.toContain('log_contact');
      const since = await sandbox.control.lastSeq();
      const { result, text } = await call(connection, {
        practice: la.name,
        recall_id: worklists(la).fillOpening.fittingRecall.recallId,
        outcome: 'no_answer',
      });
      expect(result.isError).toBe(true);
      expect(text).toMatch(/read-only|needs the scope patients:write/);
      expect(connection.prompts).toEqual([]);
      expect(await commlogWrites(since)).toEqual([]);
    } finally {
      await connection.close();
    }
  });

  it('refuses an id that is not a recall of the practice, in plain words, before asking', async () => {
    const prompts = modern.prompts.length;
    const notAnId = await call(modern, { practice: la.name, recall_id: 'Jane Doe', outcome: 'success' });
    expect(notAnId.result.isError).toBe(true);
    expect(notAnId.text).toContain('is not a recall id');
    const otherPractice = await call(modern, {
      practice: la.name,
      recall_id: worklists(ny).recalls.dueButBooked.recallId,
      outcome: 'success',
    });
    expect(otherPractice.result.isError).toBe(true);
    expect(otherPractice.text).toContain('No recall with id');
    expect(modern.prompts.length).toBe(prompts);
  });
});
