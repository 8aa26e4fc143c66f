/**
 * A phone field holding only spaces is no phone, in every tool that picks a patient's number
 * (mobile, then home, then work). Phones are blanked in this sandbox's own data (its in-process
 * store; the API has no patient update), then read back raw over HTTP, and each tool's answer is
 * checked against those raw reads: the next non-blank number, or the tool's "no phone" wording.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox, WorklistFixtures } from '../../src/sandbox/index.js';
import { callOk, connectInProcess, type InProcessConnection, rawGet, startTestSandbox } from '../helpers/harness.js';

interface RawPatient {
  first_name: string;
  last_name: string;
  phone_mobile: string | null;
  phone_home: string | null;
  phone_work: string | null;
}
interface Phones {
  phoneMobile: string | null;
  phoneHome: string | null;
  phoneWork: string | null;
}

// One sandbox for this file alone: its phones are overwritten here.
let stack: { sandbox: RunningSandbox; server: InProcessConnection } | undefined;
const sandbox = () => stack?.sandbox as RunningSandbox;
const client = () => (stack as { server: InProcessConnection }).server.client;
const la = () => sandbox().fixtures.practices.la;
const w = () => la().worklists as WorklistFixtures;

beforeAll(async () => {
  const started = await startTestSandbox();
  stack = { sandbox: started, server: await connectInProcess({ sandbox: started }) };
}, 120_000);

afterAll(async () => {
  await stack?.server.close();
  await stack?.sandbox.close();
});

/** Overwrites a patient's phones in this sandbox's copy of the practice, and reads them back raw. */
async function setPhones(patientId: string, phones: Phones): Promise<RawPatient> {
  const patient = sandbox()
    .store.mutablePracticeData(la().id)
    ?.patients.find((p) => p.id === patientId);
  if (!patient) throw new Error(`no patient ${patientId} in the sandbox`);
  Object.assign(patient, phones);
  const raw = await rawGet<RawPatient>(sandbox(), `/api/v1/practice/${la().id}/patient/${patientId}/`);
  expect([raw.phone_mobile, raw.phone_home, raw.phone_work]).toEqual([
    phones.phoneMobile,
    phones.phoneHome,
    phones.phoneWork,
  ]);
  return raw;
}

const digits = (phone: string) => phone.replace(/\D/g, '');

describe('a blank phone is no phone', () => {
  it('missed_visits gives the next non-blank number for a cancellation to call back', async () => {
    const { patientId, appointmentId } = w().missedVisits.cancelledNotRebooked;
    const raw = await setPhones(patientId, { phoneMobile: '   ', phoneHome: ' \t ', phoneWork: '(323) 555-0166' });
    const { from, to } = w().missedVisits;
    const rows: { appointment_id: string; phone?: string }[] = [];
    let cursor: string | undefined;
    do {
      const page = await callOk<{ rows: typeof rows; next_cursor?: string }>(client(), 'missed_visits', {
        practice: la().id,
        start_date: from,
        end_date: to,
        limit: 100,
        ...(cursor ? { cursor } : {}),
      });
      rows.push(...page.structured.rows);
      cursor = page.structured.next_cursor;
    } while (cursor);
    expect(rows.find((r) => r.appointment_id === appointmentId)?.phone).toBe(raw.phone_work);
  }, 120_000);

  it('recall_worklist asks for a letter when every phone is blank, and calls the non-blank one otherwise', async () => {
    const blank = w().recalls.perioOverdueNeverContacted;
    const homeOnly = w().recalls.dueSoonNotBooked;
    await setPhones(blank.patientId, { phoneMobile: '  ', phoneHome: '', phoneWork: '\t' });
    const raw = await setPhones(homeOnly.patientId, { phoneMobile: ' ', phoneHome: '(323) 555-0177', phoneWork: null });
    const rows: { recall_id: string; action: string; reason: string; phone?: string }[] = [];
    let cursor: string | undefined;
    do {
      const page = await callOk<{ rows: typeof rows; next_cursor?: string }>(client(), 'recall_worklist', {
        practice: la().name,
        limit: 30,
        ...(cursor ? { cursor } : {}),
      });
      rows.push(...page.structured.rows);
      cursor = page.structured.next_cursor;
    } while (cursor);
    const blankRow = rows.find((r) => r.recall_id === blank.recallId);
    expect(blankRow?.action).toBe('write');
    expect(blankRow?.reason).toContain('No phone on file');
    expect(blankRow?.phone).toBeUndefined();
    const homeRow = rows.find((r) => r.recall_id === homeOnly.recallId);
    expect(homeRow?.phone).toBe(raw.phone_home);
  }, 120_000);

  it('day_brief says "no phone on file" for an unconfirmed visit whose phones are blank', async () => {
    const { patientId, appointmentId } = w().huddle.unconfirmed;
    await setPhones(patientId, { phoneMobile: '  ', phoneHome: '  ', phoneWork: null });
    const { structured, text } = await callOk<{
      rows: { appointment_id: string; reason: string; phone?: string }[];
    }>(client(), 'day_brief', { practice: la().id, date: w().huddleDate, limit: 60 });
    const row = structured.rows.find((r) => r.appointment_id === appointmentId);
    expect(row?.reason).toContain('onfirm the visit (no phone on file)');
    expect(row?.phone).toBeUndefined();
    expect(text.split('\n').find((l) => l.includes(row?.reason ?? '—'))).not.toMatch(/call to confirm/i);
  }, 120_000);

  it('patient candidates show the last digits of the first non-blank phone', async () => {
    const [a] = la().patients.ambiguousName;
    const raw = await setPhones(a, { phoneMobile: '  ', phoneHome: '(323) 555-0188', phoneWork: null });
    const { structured, text } = await callOk<{ candidates?: { id: string; phone_last4?: string }[] }>(
      client(),
      'patient_timeline',
      { practice: la().name, name: `${raw.first_name} ${raw.last_name}` },
    );
    const last4 = digits(raw.phone_home ?? '').slice(-4);
    expect(structured.candidates?.find((c) => c.id === a)?.phone_last4).toBe(last4);
    expect(text).toContain(`phone …${last4} — id ${a}`);
  }, 120_000);
});
