/**
 * recall_worklist through a real MCP client and server against the sandbox over HTTP. What it
 * must list is worked out here from raw sandbox reads (the recall list, the communication log,
 * SMS consents, patient records) and the seeded scenarios: every due, unbooked recall present,
 * the booked near-misses absent, markers and last contacts as the raw rows say.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_QUIRKS, type RunningSandbox, type WorklistFixtures } from '../../src/sandbox/index.js';
import { expectPastEndAnswer } from '../helpers/cursor-end.js';
import {
  callError,
  callOk,
  connectInProcess,
  type InProcessConnection,
  rawGet,
  rawList,
  startTestSandbox,
  textOf,
} from '../helpers/harness.js';

interface RawRecall {
  id: string;
  patient: string;
  recall_type: string;
  date_due: string | null;
  has_future_appointment: boolean;
  is_disabled: boolean;
}
interface RawCommlog {
  id: string;
  patient: string;
  date_time: string;
  mode: string;
  outcome: string;
  recall: string | null;
}
interface Row {
  recall_id: string;
  patient_id: string;
  recall_type: string;
  date_due: string;
  days_overdue: number;
  do_not_contact: boolean;
  sms_consent: boolean;
  last_contact?: { date: string; mode: string; outcome: string; about_this_recall: boolean };
  action: string;
  patient?: string;
  phone?: string;
}
interface Output {
  as_of: string;
  due_by: string;
  total: number;
  rows: Row[];
  next_cursor?: string;
  already_booked: number;
}

const DAY = 86_400_000;
const addDays = (date: string, n: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
const localDate = (iso: string, zone: string) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(new Date(iso));
const tokens = (value: unknown) => Math.ceil(JSON.stringify(value).length / 4);

let sandbox: RunningSandbox;
let connection: InProcessConnection;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  connection = await connectInProcess({ sandbox });
});

afterAll(async () => {
  await connection?.close();
  await sandbox?.close();
});

/** Every row of the worklist, page by page through next_cursor. */
async function wholeList(practice: string): Promise<{ rows: Row[]; first: Output; pages: number }> {
  const rows: Row[] = [];
  let cursor: string | undefined;
  let first: Output | undefined;
  let pages = 0;
  do {
    const { structured } = await callOk<Output>(connection.client, 'recall_worklist', {
      practice,
      limit: 30,
      ...(cursor ? { cursor } : {}),
    });
    first ??= structured;
    pages += 1;
    rows.push(...structured.rows);
    cursor = structured.next_cursor;
  } while (cursor && pages < 50);
  return { rows, first: first as Output, pages };
}

describe.each(['la', 'ny'] as const)('recall_worklist (%s)', (key) => {
  it('lists exactly the due recalls without a future visit, with the markers and last contacts the raw rows give', async () => {
    const practice = sandbox.fixtures.practices[key];
    const w = practice.worklists as WorklistFixtures;
    const P = `/api/v1/practice/${practice.id}`;
    const dueBy = addDays(practice.today, 14);
    const raw = await rawList<RawRecall>(sandbox, `${P}/scheduling/recall/`, { due_before: dueBy });
    const expected = raw.filter((r) => r.date_due && r.date_due <= dueBy && !r.has_future_appointment);
    const bookedRaw = raw.filter((r) => r.date_due && r.date_due <= dueBy && r.has_future_appointment);

    const { rows, first } = await wholeList(practice.name);
    console.info(
      `[figures] recall_worklist ${key}: ${rows.length} rows, ${first.already_booked} booked left out; default-size page ≈ ${tokens(first)} tokens`,
    );
    expect(first.as_of).toBe(practice.today);
    expect(first.total).toBe(expected.length);
    expect(first.already_booked).toBe(bookedRaw.length);
    expect(rows.map((r) => r.recall_id).sort()).toEqual(expected.map((r) => r.id).sort());

    const byId = new Map(rows.map((r) => [r.recall_id, r]));
    // True positives.
    for (const c of [
      w.recalls.perioOverdueNeverContacted,
      w.recalls.dueSoonNotBooked,
      w.fillOpening.topRecallTooLong,
      w.fillOpening.fittingRecall,
      w.fillOpening.noSmsConsentRecall,
    ]) {
      const row = byId.get(c.recallId);
      expect(row, c.recallId).toBeDefined();
      expect(row?.patient_id).toBe(c.patientId);
      expect(row?.date_due).toBe(c.dateDue);
    }
    // Near-misses: due, but a visit is booked.
    expect(byId.has(w.recalls.dueButBooked.recallId)).toBe(false);
    expect(byId.has(w.recalls.overdueWithOtherFutureVisit.recallId)).toBe(false);

    expect(byId.get(w.recalls.perioOverdueNeverContacted.recallId)?.last_contact).toBeUndefined();
    expect(byId.get(w.fillOpening.noSmsConsentRecall.recallId)?.sms_consent).toBe(false);
    const dnc = byId.get(w.recalls.doNotContact.recallId);
    expect(dnc?.do_not_contact).toBe(true);
    expect(dnc?.action).toBe('do_not_contact');
    expect(dnc?.patient).toBeUndefined();
    expect(dnc?.phone).toBeUndefined();

    // The last contact of the top recall: the voicemail 40 days ago, not the older text.
    const logs = await rawList<RawCommlog>(sandbox, `${P}/comms/commlog/`, {
      patient: w.recalls.lastContact.patientId,
    });
    const latest = logs.find((l) => l.id === w.recalls.lastContact.latestCommlogId) as RawCommlog;
    expect(byId.get(w.recalls.lastContact.recallId)?.last_contact).toEqual({
      date: localDate(latest.date_time, practice.timezone),
      mode: latest.mode,
      outcome: 'voicemail',
      about_this_recall: true,
    });

    // Called two days ago: wait, no contact details.
    const recent = byId.get(w.fillOpening.recentlyContactedRecall.recallId);
    expect(recent?.action).toBe('wait');
    expect(recent?.phone).toBeUndefined();

    // Every call row carries the phone of the patient's own record; no other row carries one.
    for (const row of rows) {
      if (row.action !== 'call') {
        expect(row.phone, row.recall_id).toBeUndefined();
        expect(row.patient, row.recall_id).toBeUndefined();
        continue;
      }
      const patient = await rawGet<Record<string, string>>(sandbox, `${P}/patient/${row.patient_id}/`);
      const phone = [patient.phone_mobile, patient.phone_home, patient.phone_work].find((p) => p?.trim());
      expect(row.phone).toBe(phone?.trim());
    }

    // Grouped by type; within a type contactable rows first, most overdue first.
    const types = rows.map((r) => r.recall_type);
    expect(types).toEqual([...types].sort((a, b) => a.localeCompare(b)));
    for (const type of new Set(types)) {
      const group = rows.filter((r) => r.recall_type === type);
      const flags = group.map((r) => (r.do_not_contact ? 1 : 0));
      expect(flags).toEqual([...flags].sort());
      const overdue = group.filter((r) => !r.do_not_contact).map((r) => r.days_overdue);
      expect(overdue).toEqual([...overdue].sort((a, b) => b - a));
    }
    for (const row of rows) {
      const recall = expected.find((r) => r.id === row.recall_id) as RawRecall;
      const days = Math.round(
        (Date.parse(`${practice.today}T00:00:00Z`) - Date.parse(`${recall.date_due}T00:00:00Z`)) / DAY,
      );
      expect(row.days_overdue).toBe(days);
    }
    // Every non-waiting row's last contact is at least a week old.
    for (const row of rows.filter((r) => r.action === 'call')) {
      if (row.last_contact) expect(row.last_contact.date <= addDays(practice.today, -7)).toBe(true);
    }
  });
});

describe('recall_worklist answers', () => {
  it('keeps the default answer under 4,000 tokens, one line per row, and says what each marker means', async () => {
    const la = sandbox.fixtures.practices.la;
    const result = await connection.client.callTool({ name: 'recall_worklist', arguments: { practice: la.name } });
    expect(result.isError).toBeFalsy();
    const size = tokens(result.content) + tokens(result.structuredContent);
    console.info(`[figures] recall_worklist default answer ≈ ${size} tokens`);
    expect(size).toBeLessThan(4000);
    const text = textOf(result);
    const rows = (result.structuredContent as unknown as Output).rows;
    const rowLines = text.split('\n').filter((line) => line.startsWith('- '));
    expect(rows.length).toBeGreaterThan(0);
    expect(rowLines).toHaveLength(rows.length);
    for (const [i, row] of rows.entries()) expect(rowLines[i]).toContain(row.recall_id);
  });

  it('filters by recall type, and refuses a cursor of another filter', async () => {
    const la = sandbox.fixtures.practices.la;
    const w = la.worklists as WorklistFixtures;
    const type = w.recalls.perioOverdueNeverContacted.recallType;
    const { structured } = await callOk<Output>(connection.client, 'recall_worklist', {
      practice: la.name,
      recall_type: type,
      limit: 1,
    });
    expect(structured.rows).toHaveLength(1);
    expect(structured.rows.every((r) => r.recall_type === type)).toBe(true);
    expect(structured.next_cursor, 'more than one seeded recall of this type').toBeDefined();
    if (structured.next_cursor) {
      const error = await callError(connection.client, 'recall_worklist', {
        practice: la.name,
        cursor: structured.next_cursor,
      });
      expect(error).toContain('another day or filter');
    }
    const error = await callError(connection.client, 'recall_worklist', { practice: la.name, cursor: 'nope' });
    expect(error).toContain('cursor is not one this tool returned');
  });

  it('answers a cursor past the end of the list (it shrank) with no rows and the size of the list now', async () => {
    const la = sandbox.fixtures.practices.la;
    const dueBy = addDays(la.today, 14);
    const raw = await rawList<RawRecall>(sandbox, `/api/v1/practice/${la.id}/scheduling/recall/`, {
      due_before: dueBy,
    });
    const total = raw.filter((r) => r.date_due && r.date_due <= dueBy && !r.has_future_appointment).length;
    const { structured } = await callOk<Output>(connection.client, 'recall_worklist', { practice: la.name, limit: 1 });
    const print = structured.next_cursor?.split('.')[1];
    expect(print, 'a bound cursor <offset>.<fingerprint>').toBeDefined();
    for (const offset of [total, total + 5]) {
      await expectPastEndAnswer(
        connection.client,
        'recall_worklist',
        { practice: la.name, cursor: `${offset}.${print}` },
        'rows',
        offset,
        total,
      );
    }
  });
});

describe('recall_worklist when Escape Dental ignores filters', () => {
  it('lists the same recalls: what came back outside the request is left out, and the answer says so', async () => {
    const ny = sandbox.fixtures.practices.ny;
    const P = `/api/v1/practice/${ny.id}`;
    const dueBy = addDays(ny.today, 14);
    const raw = await rawList<RawRecall>(sandbox, `${P}/scheduling/recall/`, { due_before: dueBy });
    const expected = raw.filter((r) => r.date_due && r.date_due <= dueBy && !r.has_future_appointment);
    const w = ny.worklists as WorklistFixtures;
    await sandbox.control.setQuirks({ ...DEFAULT_QUIRKS, listFilters: 'ignored', dateParams: 'ignored' });
    try {
      const { rows } = await wholeList(ny.name);
      expect(rows.map((r) => r.recall_id).sort()).toEqual(expected.map((r) => r.id).sort());
      // The consent list answered every row of the practice: only the patient's own counts.
      expect(rows.find((r) => r.recall_id === w.fillOpening.noSmsConsentRecall.recallId)?.sms_consent).toBe(false);
      expect(rows.find((r) => r.recall_id === w.recalls.perioOverdueNeverContacted.recallId)?.sms_consent).toBe(true);
      const result = await connection.client.callTool({ name: 'recall_worklist', arguments: { practice: ny.name } });
      const text = textOf(result);
      expect(text).toMatch(/returned \d+ recalls due after/);
    } finally {
      await sandbox.control.setQuirks(DEFAULT_QUIRKS);
    }
  });
});
