/**
 * After a write, the server says what Escape Dental now holds, checked against what was asked
 * (issue 14, "Writes"): a transition answered with another status, a write answered (and read
 * back) as another appointment, and a chair roster that leaves chairs out. Each case runs against
 * a sandbox quirk switch (src/sandbox/ASSUMPTIONS.md §7), through a real MCP client; truth from
 * raw sandbox reads.
 */
import { DateTime } from 'luxon';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Quirks } from '../../src/sandbox/http/types.js';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { rawGet, startTestSandbox, textOf } from '../helpers/harness.js';
import {
  appointmentWrites,
  bookingArguments,
  connectBooking,
  instant,
  type RawAppointment,
  type RawSlot,
  rawRequest,
  rawSlots,
} from './booking-helpers.js';

let sandbox: RunningSandbox;
let la: RunningSandbox['fixtures']['practices']['la'];
let ny: RunningSandbox['fixtures']['practices']['ny'];

beforeAll(async () => {
  sandbox = await startTestSandbox();
  la = sandbox.fixtures.practices.la;
  // Los Angeles has cancel_appointment switched off by its Escape gate: cancellations run in New York.
  ny = sandbox.fixtures.practices.ny;
});

afterEach(async () => {
  await setQuirks({ writeAnswers: 'faithful', operatoryRoster: 'complete' });
});

afterAll(async () => {
  await sandbox?.close();
});

const P = (practice: { id: string } = la) => `/api/v1/practice/${practice.id}`;
const addDays = (date: string, days: number) =>
  DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate() as string;

async function setQuirks(quirks: Partial<Quirks>): Promise<void> {
  const response = await rawRequest(sandbox, 'PUT', '/__sandbox/quirks', quirks);
  expect(response.status).toBe(200);
}

async function rawAppointment(id: string, practice: { id: string } = la): Promise<RawAppointment> {
  return rawGet<RawAppointment>(sandbox, `${P(practice)}/scheduling/appointment/${id}/`);
}

async function openTime(fromDay: number, query: Record<string, string> = {}, practice = la): Promise<RawSlot> {
  const [slot] = await rawSlots(sandbox, practice, {
    duration_minutes: '30',
    start_date: addDays(practice.today, fromDay),
    end_date: addDays(practice.today, fromDay + 10),
    max_results: '1',
    ...query,
  });
  expect(slot, 'no open time').toBeDefined();
  return slot as RawSlot;
}

/** The patient's scheduled appointments on the slot's day, from the list (never the quirked detail route). */
async function listed(patientId: string, slot: RawSlot): Promise<RawAppointment[]> {
  const day = DateTime.fromISO(slot.date_time, { setZone: true }).setZone(la.timezone).toISODate() as string;
  const body = await rawGet<{ results: RawAppointment[] }>(sandbox, `${P()}/scheduling/appointment/`, {
    from: day,
    to: day,
    page_size: '500',
  });
  return body.results.filter((a) => a.patient === patientId && a.status === 'scheduled');
}

/** The patient's scheduled appointments at exactly the slot's time. */
async function listedAt(patientId: string, slot: RawSlot): Promise<RawAppointment[]> {
  return (await listed(patientId, slot)).filter((a) => instant(a.date_time) === instant(slot.date_time));
}

describe('a cancellation answered with another status', () => {
  it('is not reported as cancelled: "not confirmed; check in Escape Dental", naming the status it still has', async () => {
    const slot = await openTime(4, {}, ny);
    const created = await rawRequest<RawAppointment>(sandbox, 'POST', `${P(ny)}/scheduling/appointment/`, {
      patient: ny.patients.sameLastNameAndDob[0],
      provider: slot.provider,
      operatory: slot.operatory,
      date_time: slot.date_time,
      duration_minutes: 30,
    });
    expect(created.status).toBe(201);
    await setQuirks({ writeAnswers: 'other-status' });
    const connection = await connectBooking(sandbox, { era: 'modern', answer: 'accept' });
    try {
      const result = await connection.client.callTool({
        name: 'cancel_appointment',
        arguments: { practice: ny.name, appointment_id: created.body.id, reason: 'called in sick' },
      });
      const text = textOf(result);
      expect((await rawAppointment(created.body.id, ny)).status).toBe('scheduled');
      expect((result.structuredContent as { status?: string } | undefined)?.status, text).not.toBe('cancelled');
      expect(text).not.toMatch(/^Cancelled/);
      expect(text).toMatch(/not confirmed; check in Escape Dental/);
      expect(text).toMatch(/scheduled/);
    } finally {
      await connection.close();
    }
  });
});

describe('a write answered as another appointment', () => {
  it('a booking is not reported for the appointment the answer named; it says not confirmed and why', async () => {
    await setQuirks({ writeAnswers: 'other-appointment' });
    const connection = await connectBooking(sandbox, { era: 'legacy', answer: 'accept' });
    try {
      const slot = await openTime(8);
      const patientId = la.patients.sameLastNameAndDob[1];
      const since = await sandbox.control.lastSeq();
      const result = await connection.client.callTool({
        name: 'book_appointment',
        arguments: bookingArguments(la, patientId, slot, 30),
      });
      const text = textOf(result);
      // Written once, and it is there (the list is the truth; the detail route is quirked).
      const posts = (await appointmentWrites(sandbox, since)).filter((w) => w.method === 'POST');
      expect(posts).toHaveLength(1);
      const ours = await listedAt(patientId, slot);
      expect(ours).toHaveLength(1);
      // What Escape Dental answers for it (the quirked detail route): another appointment of another patient.
      const answered = await rawAppointment((ours[0] as RawAppointment).id);
      expect(answered.id).not.toBe(ours[0]?.id);
      expect(answered.patient).not.toBe(patientId);
      expect((result.structuredContent as { status?: string } | undefined)?.status, text).not.toBe('booked');
      expect(text).not.toMatch(/^Booked/);
      expect(text).toMatch(/not confirmed; check in Escape Dental/);
      expect(text).toContain(answered.id);
    } finally {
      await connection.close();
    }
  });
});

describe('an appointment read answered as another appointment', () => {
  it('a reschedule of it is refused with both ids; nothing is written and the other appointment is not touched', async () => {
    await setQuirks({ writeAnswers: 'other-appointment' });
    const connection = await connectBooking(sandbox, { era: 'modern', answer: 'accept' });
    try {
      const slot = await openTime(9);
      const patientId = la.patients.sameLastNameAndDob[0];
      await connection.client.callTool({
        name: 'book_appointment',
        arguments: bookingArguments(la, patientId, slot, 30),
      });
      const [ours] = await listedAt(patientId, slot);
      const id = (ours as RawAppointment).id;
      // What the detail route now answers for it, read raw: another appointment.
      const answered = await rawAppointment(id);
      expect(answered.id).not.toBe(id);
      const before = await rawAppointment(answered.id);
      const later = await openTime(14);
      const since = await sandbox.control.lastSeq();
      const result = await connection.client.callTool({
        name: 'reschedule_appointment',
        arguments: { practice: la.name, appointment_id: id, start: later.date_time },
      });
      const text = textOf(result);
      expect(result.isError, text).toBe(true);
      expect(text).toContain(`answered with appointment ${answered.id} when asked for appointment ${id}`);
      expect(await appointmentWrites(sandbox, since)).toEqual([]);
      expect(await rawAppointment(answered.id)).toEqual(before);
    } finally {
      await connection.close();
    }
  });
});

describe('a chair roster that leaves chairs out', () => {
  it('a booking with no chair named still finds a chair: the day sheet shows what the roster left out', async () => {
    await setQuirks({ operatoryRoster: 'empty' });
    const connection = await connectBooking(sandbox, { era: 'modern', answer: 'accept' });
    try {
      const slot = await openTime(12, { provider: la.providers.dentists[0] as string });
      const patientId = la.patients.frequentNoShow;
      const result = await connection.client.callTool({
        name: 'book_appointment',
        arguments: {
          practice: la.name,
          patient_id: patientId,
          start: slot.date_time,
          provider: slot.provider,
          duration_minutes: 30,
        },
      });
      const text = textOf(result);
      expect(result.isError, text).toBeFalsy();
      expect(text).not.toMatch(/no bookable chair/);
      const [stored] = await listedAt(patientId, slot);
      expect(stored?.provider).toBe(slot.provider);
      expect(la.operatories.bookable).toContain(stored?.operatory);
      expect(text).toContain(stored?.id as string);
    } finally {
      await connection.close();
    }
  });

  it('a chair named by name that the roster left out is found too', async () => {
    await setQuirks({ operatoryRoster: 'web-sched' });
    const connection = await connectBooking(sandbox, { era: 'modern', answer: 'accept' });
    try {
      const chair = la.operatories.notWebSched;
      const slot = await openTime(16, { operatory: chair });
      const detail = await rawGet<{ name: string }>(sandbox, `${P()}/provider/operatory/${chair}/`);
      const patientId = la.patients.injectionNote;
      const result = await connection.client.callTool({
        name: 'book_appointment',
        arguments: {
          practice: la.name,
          patient_id: patientId,
          start: slot.date_time,
          provider: slot.provider,
          operatory: detail.name,
          duration_minutes: 30,
        },
      });
      const text = textOf(result);
      expect(result.isError, text).toBeFalsy();
      const [stored] = await listedAt(patientId, slot);
      expect(stored?.operatory).toBe(chair);
    } finally {
      await connection.close();
    }
  });
});

describe('chairs and clashes when Escape Dental lists only part of what it holds (hostile upstream run)', () => {
  it('find_spot for a chair the roster left out searches that chair instead of denying it exists', async () => {
    await setQuirks({ operatoryRoster: 'empty' });
    const connection = await connectBooking(sandbox, { era: 'legacy', answer: 'accept' });
    try {
      const chair = la.operatories.bookable[0] as string;
      const detail = await rawGet<{ name: string }>(sandbox, `${P()}/provider/operatory/${chair}/`);
      const result = await connection.client.callTool({
        name: 'find_spot',
        arguments: { practice: la.name, operatories: [detail.name], duration_minutes: 30, max_results: 3 },
      });
      const text = textOf(result);
      expect(result.isError, text).toBeFalsy();
      expect(text).not.toMatch(/No operatory/);
      const slots = (result.structuredContent as { slots: { operatory_id?: string }[] }).slots;
      expect(slots.length).toBe(3);
      expect(slots.every((s) => s.operatory_id === chair)).toBe(true);
      expect(text).toContain(detail.name);
    } finally {
      await connection.close();
    }
  });

  it('a booking that would put the patient in two chairs is refused though the list of her visits cannot be read whole', async () => {
    const patientId = la.patients.timeline;
    const [dentist, other] = la.providers.dentists as [string, string];
    const day = addDays(la.today, 22);
    const [mine, theirs] = await Promise.all(
      [dentist, other].map((provider) =>
        rawSlots(sandbox, la, {
          duration_minutes: '30',
          start_date: day,
          end_date: addDays(day, 10),
          provider,
          max_results: '50',
        }),
      ),
    );
    const slot = (mine as RawSlot[]).find((s) =>
      (theirs as RawSlot[]).some((t) => instant(t.date_time) === instant(s.date_time)),
    ) as RawSlot;
    const second = (theirs as RawSlot[]).find((t) => instant(t.date_time) === instant(slot.date_time)) as RawSlot;
    const held = await rawRequest<RawAppointment>(sandbox, 'POST', `${P()}/scheduling/appointment/`, {
      patient: patientId,
      provider: slot.provider,
      operatory: slot.operatory,
      date_time: slot.date_time,
      duration_minutes: 30,
    });
    expect(held.status).toBe(201);
    await setQuirks({ pagination: 'page-ignored', listFilters: 'ignored', dateParams: 'ignored' });
    const connection = await connectBooking(sandbox, { era: 'modern', answer: 'accept' });
    try {
      const since = await sandbox.control.lastSeq();
      const result = await connection.client.callTool({
        name: 'book_appointment',
        arguments: bookingArguments(la, patientId, second, 30),
      });
      const text = textOf(result);
      expect((await appointmentWrites(sandbox, since)).filter((w) => w.method === 'POST')).toEqual([]);
      expect((result.structuredContent as { status?: string } | undefined)?.status, text).not.toBe('booked');
      expect(text).toContain(held.body.id);
    } finally {
      await setQuirks({ pagination: 'drf', listFilters: 'applied', dateParams: 'applied' });
      await connection.close();
    }
  });
});
