/**
 * Chat-driven scheduling through a real MCP client, the real server and the sandbox over HTTP:
 * book a time find_spot offered, see it everywhere the schedule is read, move it, cancel it;
 * confirmation in both eras and for clients that cannot ask; refusals with the API's reasons;
 * ambiguous patients; repeated calls; gates and read-only. Every expectation comes from raw
 * sandbox calls, the request log or the seeded fixtures — never from the tool under test.
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { callError, callOk, rawGet, rawList, startTestSandbox, textOf } from '../helpers/harness.js';
import {
  appointmentWrites,
  type BookingConnection,
  bookingArguments,
  connectBooking,
  instant,
  type RawAppointment,
  type RawPatient,
  rawRequest,
} from './booking-helpers.js';

interface View {
  id?: string;
  patient: string;
  patient_id: string;
  start: string;
  end: string;
  duration_minutes: number;
  provider?: string;
  provider_id?: string;
  operatory?: string;
  operatory_id?: string;
  procedures?: string[];
  status?: string;
}
interface WriteOutput {
  status: string;
  appointment?: View;
  confirmation_token?: string;
  notes: string[];
}
/** Statuses that hold a chair and a patient's time (ASSUMPTIONS §6 `blocks_slot`). */
const BLOCKING = new Set(['scheduled', 'arrived', 'seated', 'ready_for_doctor', 'ready_for_walkout', 'complete']);

interface Slot {
  start: string;
  provider_id: string;
  operatory_id: string;
  provider: string;
  operatory: string;
}
interface RawSlot {
  date_time: string;
  provider: string;
  operatory: string;
}
interface RawProvider {
  id: string;
  first_name: string;
  last_name: string;
}
interface RawOperatory {
  id: string;
  name: string;
}

let sandbox: RunningSandbox;
let ny: RunningSandbox['fixtures']['practices']['ny'];
let la: RunningSandbox['fixtures']['practices']['la'];
let accepting: BookingConnection;
let declining: BookingConnection;
let unable: BookingConnection;

const P = (practice: { id: string }) => `/api/v1/practice/${practice.id}`;
const addDays = (date: string, days: number) =>
  DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate() as string;
const localDateOf = (iso: string, zone: string) => DateTime.fromISO(iso, { setZone: true }).setZone(zone).toISODate();

beforeAll(async () => {
  sandbox = await startTestSandbox();
  ny = sandbox.fixtures.practices.ny;
  la = sandbox.fixtures.practices.la;
  [accepting, declining, unable] = await Promise.all([
    connectBooking(sandbox, { answer: 'accept' }),
    connectBooking(sandbox, { answer: 'decline' }),
    connectBooking(sandbox, { answer: 'none' }),
  ]);
});

afterAll(async () => {
  for (const c of [accepting, declining, unable]) await c?.close();
  await sandbox?.close();
});

async function patient(practice: { id: string }, id: string): Promise<RawPatient> {
  return rawGet<RawPatient>(sandbox, `${P(practice)}/patient/${id}/`);
}

async function appointment(practice: { id: string }, id: string): Promise<RawAppointment> {
  return rawGet<RawAppointment>(sandbox, `${P(practice)}/scheduling/appointment/${id}/`);
}

/** Open times straight from the sandbox's slot finder (one per instant, first provider/chair that fits). */
async function rawSlots(practice: { id: string }, query: Record<string, string>): Promise<RawSlot[]> {
  const body = await rawGet<{ results: RawSlot[] }>(sandbox, `${P(practice)}/scheduling/find-spot/`, query);
  return body.results;
}

async function rawValidate(
  practice: { id: string },
  body: { date_time: string; duration_minutes: number; provider: string; operatory: string },
) {
  const r = await rawRequest<{ valid: boolean; issues: { code: string; message: string }[] }>(
    sandbox,
    'POST',
    `${P(practice)}/scheduling/validate-appointment/`,
    body,
  );
  expect(r.status).toBe(200);
  return r.body;
}

async function monthCount(practice: { id: string }, date: string): Promise<number> {
  const body = await rawGet<{ days: Record<string, { appointment_count: number }> }>(
    sandbox,
    `${P(practice)}/scheduling/month-summary/`,
    { from: date, to: date },
  );
  return body.days[date]?.appointment_count ?? 0;
}

describe('book, see, move and cancel', () => {
  it('books a time find_spot offered; it leaves find_spot and shows in the timeline, day sheet, month summary and find_patient; then moves and is cancelled', async () => {
    const dentist = ny.providers.dentists[0] as string;
    const from = addDays(ny.today, 2);
    const to = addDays(ny.today, 12);
    const search = { duration_minutes: 30, providers: [dentist], start_date: from, end_date: to, max_results: 8 };
    const offered = await callOk<{ slots: Slot[] }>(accepting.client, 'find_spot', { practice: ny.name, ...search });
    const who = await patient(ny, ny.patients.timeline);
    // The generated world is laid out around the hour the sandbox starts, so the patient may already
    // hold a visit at the first time offered: take the first one that leaves their own visits alone.
    const held = (
      await rawList<RawAppointment>(sandbox, `${P(ny)}/scheduling/appointment/`, { patient: who.id, from, to })
    ).filter((a) => BLOCKING.has(a.status));
    const clashes = (start: string) =>
      held.some((a) => {
        const begins = Date.parse(a.date_time);
        return begins < Date.parse(start) + 30 * 60_000 && Date.parse(start) < begins + a.duration_minutes * 60_000;
      });
    const slot = offered.structured.slots.find((s) => !clashes(s.start)) as Slot;
    expect(slot).toBeDefined();
    const day = localDateOf(slot.start, ny.timezone) as string;
    const countBefore = await monthCount(ny, day);

    const since = await sandbox.control.lastSeq();
    const booked = await callOk<WriteOutput>(accepting.client, 'book_appointment', {
      practice: ny.name,
      name: `${who.first_name} ${who.last_name}`,
      date_of_birth: who.date_of_birth,
      start: slot.start,
      provider: slot.provider_id,
      operatory: slot.operatory_id,
      duration_minutes: 30,
      appointment_type: 'Filling',
      procedures: ['d2391'],
      note: 'Booked from the front-desk chat',
    });
    expect(booked.structured.status).toBe('booked');
    const id = booked.structured.appointment?.id as string;

    // The person was asked once, in words naming who, when, where and with whom.
    const prompt = accepting.prompts.at(-1) as string;
    expect(accepting.prompts.length).toBeGreaterThan(0);
    const localStart = DateTime.fromISO(slot.start, { setZone: true }).setZone(ny.timezone);
    for (const part of [who.first_name, who.last_name, who.date_of_birth, localStart.toFormat('yyyy-MM-dd HH:mm')]) {
      expect(prompt).toContain(part);
    }
    expect(prompt).toContain(slot.provider);
    expect(prompt).toContain(slot.operatory);

    // Escape Dental holds exactly what was asked for, written once.
    const stored = await appointment(ny, id);
    expect(stored).toMatchObject({
      patient: who.id,
      provider: slot.provider_id,
      operatory: slot.operatory_id,
      duration_minutes: 30,
      status: 'scheduled',
      note: 'Booked from the front-desk chat',
      appointment_type: 'Filling',
    });
    expect(instant(stored.date_time)).toBe(instant(slot.start));
    expect(stored.scheduled_procedures.map((p) => p.proc_code)).toEqual(['D2391']);
    const writes = await appointmentWrites(sandbox, since);
    expect(writes.map((w) => [w.method, w.status])).toEqual([['POST', 201]]);

    // Gone from find_spot (and from the raw slot finder, which the tool must agree with).
    const again = await callOk<{ slots: Slot[] }>(accepting.client, 'find_spot', { practice: ny.name, ...search });
    const raw = await rawSlots(ny, {
      duration_minutes: '30',
      provider: dentist,
      start_date: from,
      end_date: to,
      max_results: '8',
    });
    expect(raw.some((s) => instant(s.date_time) === instant(slot.start))).toBe(false);
    expect(again.structured.slots.some((s) => instant(s.start) === instant(slot.start))).toBe(false);

    // In the patient's timeline, the day sheet and the month summary.
    const timeline = await callOk<{ events: { date: string; type: string; line: string }[] }>(
      accepting.client,
      'patient_timeline',
      { practice: ny.name, patient_id: who.id, event_types: ['appointment'], limit: 50 },
    );
    expect(
      timeline.structured.events.some((e) => instant(e.date) === instant(slot.start) && /scheduled/.test(e.line)),
    ).toBe(true);
    const sheet = await rawGet<{ appointments: { id: string }[] }>(sandbox, `${P(ny)}/scheduling/day-sheet/`, {
      date: day,
    });
    expect(sheet.appointments.map((a) => a.id)).toContain(id);
    expect(await monthCount(ny, day)).toBe(countBefore + 1);

    // find_patient's next visit is the patient's earliest upcoming scheduled appointment (raw list).
    const upcoming = (
      await rawList<RawAppointment>(sandbox, `${P(ny)}/scheduling/appointment/`, {
        from: ny.today,
        to: addDays(ny.today, 200),
        patient: who.id,
        status: 'scheduled',
      })
    )
      .filter((a) => a.patient === who.id && instant(a.date_time) >= Date.now())
      .sort((a, b) => instant(a.date_time) - instant(b.date_time));
    const found = await callOk<{ candidates: { id: string; next_visit?: { appointment_id: string } }[] }>(
      accepting.client,
      'find_patient',
      { practice: ny.name, patient_id: who.id },
    );
    expect(found.structured.candidates[0]?.next_visit?.appointment_id).toBe(upcoming[0]?.id);
    expect(upcoming.map((a) => a.id)).toContain(id);

    // Move it to a later time with the same dentist (same chair if free, else any that fits).
    const later = (offered.structured.slots.filter((s) => instant(s.start) >= instant(slot.start) + 2 * 3600_000)[0] ??
      offered.structured.slots.at(-1)) as Slot;
    const moveSince = await sandbox.control.lastSeq();
    const moved = await callOk<WriteOutput>(accepting.client, 'reschedule_appointment', {
      practice: ny.name,
      appointment_id: id,
      start: later.start,
    });
    expect(moved.structured.status).toBe('moved');
    const afterMove = await appointment(ny, id);
    expect(instant(afterMove.date_time)).toBe(instant(later.start));
    expect(afterMove).toMatchObject({ status: 'scheduled', provider: dentist, patient: who.id, duration_minutes: 30 });
    expect(moved.structured.appointment?.operatory_id).toBe(afterMove.operatory);
    expect((await appointmentWrites(sandbox, moveSince)).map((w) => [w.method, w.status])).toEqual([['PATCH', 200]]);
    // The old time is free again.
    const oldSlot = { date_time: slot.start, duration_minutes: 30, provider: dentist, operatory: slot.operatory_id };
    expect((await rawValidate(ny, oldSlot)).valid).toBe(true);

    // Cancel it, with the reason; through the transition endpoint, never a PATCH of status.
    const cancelSince = await sandbox.control.lastSeq();
    const cancelled = await callOk<WriteOutput>(accepting.client, 'cancel_appointment', {
      practice: ny.name,
      appointment_id: id,
      reason: 'Called in sick',
    });
    expect(cancelled.structured.status).toBe('cancelled');
    expect(await appointment(ny, id)).toMatchObject({ status: 'cancelled', cancellation_reason: 'Called in sick' });
    const cancelWrites = await appointmentWrites(sandbox, cancelSince);
    expect(cancelWrites.map((w) => [w.method, w.path.endsWith('/transition/'), w.status])).toEqual([
      ['POST', true, 200],
    ]);
    expect(
      (
        await rawValidate(ny, {
          date_time: later.start,
          duration_minutes: 30,
          provider: dentist,
          operatory: afterMove.operatory as string,
        })
      ).valid,
    ).toBe(true);
    expect(await monthCount(ny, day)).toBe(countBefore);

    // Cancelling again changes nothing and says so.
    const twiceSince = await sandbox.control.lastSeq();
    const again2 = await callOk<WriteOutput>(accepting.client, 'cancel_appointment', {
      practice: ny.name,
      appointment_id: id,
      reason: 'Called in sick',
    });
    expect(again2.structured.status).toBe('already_cancelled');
    expect(await appointmentWrites(sandbox, twiceSince)).toEqual([]);

    // The audit lines carry the appointment and patient ids, and no names.
    const audits = accepting
      .logs()
      .split('\n')
      .filter((line) => line.includes('"audit":true'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter(
        (line) =>
          line.outcome === 'ok' &&
          ['book_appointment', 'reschedule_appointment', 'cancel_appointment'].includes(line.tool as string),
      );
    expect(audits.length).toBeGreaterThanOrEqual(3);
    for (const line of audits) {
      expect(line.appointmentIds).toContain(id);
      expect(line.patientIds).toContain(who.id);
    }
    expect(accepting.logs()).not.toContain(who.last_name);
    expect(accepting.logs()).not.toContain('front-desk chat');
  });
});

/** A scheduled appointment made directly in the sandbox, for the move/cancel tests. */
async function rawBooking(practice: typeof ny, patientId: string, dayOffset: number): Promise<RawAppointment> {
  const [slot] = await rawSlots(practice, {
    duration_minutes: '30',
    start_date: addDays(practice.today, dayOffset),
    end_date: addDays(practice.today, dayOffset + 10),
    max_results: '1',
  });
  if (!slot) throw new Error('no open time for the fixture booking');
  const created = await rawRequest<RawAppointment>(sandbox, 'POST', `${P(practice)}/scheduling/appointment/`, {
    patient: patientId,
    provider: slot.provider,
    operatory: slot.operatory,
    date_time: slot.date_time,
    duration_minutes: 30,
  });
  expect(created.status).toBe(201);
  return created.body;
}

describe('confirmation', () => {
  it('writes nothing when the person declines a booking, a move or a cancellation', async () => {
    const [slot] = await rawSlots(ny, {
      duration_minutes: '30',
      start_date: addDays(ny.today, 3),
      end_date: addDays(ny.today, 9),
      max_results: '3',
    });
    const existing = await rawBooking(ny, ny.patients.frequentNoShow, 20);
    const [target] = await rawSlots(ny, {
      duration_minutes: '30',
      provider: existing.provider as string,
      start_date: addDays(ny.today, 30),
      end_date: addDays(ny.today, 40),
      max_results: '1',
    });
    const since = await sandbox.control.lastSeq();
    const prompts = declining.prompts.length;

    const book = await callOk<WriteOutput>(declining.client, 'book_appointment', {
      practice: ny.name,
      patient_id: ny.patients.timeline,
      start: slot?.date_time,
      provider: slot?.provider,
      operatory: slot?.operatory,
      duration_minutes: 30,
    });
    expect(book.structured.status).toBe('not_booked');
    const move = await callOk<WriteOutput>(declining.client, 'reschedule_appointment', {
      practice: ny.name,
      appointment_id: existing.id,
      start: target?.date_time,
      operatory: target?.operatory,
    });
    expect(move.structured.status).toBe('not_moved');
    const cancel = await callOk<WriteOutput>(declining.client, 'cancel_appointment', {
      practice: ny.name,
      appointment_id: existing.id,
      reason: 'Schedule conflict',
    });
    expect(cancel.structured.status).toBe('not_cancelled');

    // Asked each time; nothing reached the schedule.
    expect(declining.prompts.length - prompts).toBe(3);
    expect(await appointmentWrites(sandbox, since)).toEqual([]);
    expect(await appointment(ny, existing.id)).toMatchObject({ status: 'scheduled', date_time: existing.date_time });
  });

  it('a client that cannot ask gets a summary and a token; only confirm: true with that token books', async () => {
    const slots = await rawSlots(ny, {
      duration_minutes: '45',
      start_date: addDays(ny.today, 4),
      end_date: addDays(ny.today, 14),
      max_results: '5',
    });
    const [slot, other] = slots as [RawSlot, RawSlot];
    const who = await patient(ny, ny.patients.injectionNote);
    const args = {
      practice: ny.name,
      patient_id: who.id,
      start: slot.date_time,
      provider: slot.provider,
      operatory: slot.operatory,
      duration_minutes: 45,
    };
    const since = await sandbox.control.lastSeq();

    const first = await callOk<WriteOutput>(unable.client, 'book_appointment', args);
    expect(first.structured.status).toBe('confirmation_required');
    expect(first.text).toContain(who.first_name);
    expect(first.text).toMatch(/confirm: true/);
    const token = first.structured.confirmation_token as string;
    expect(token).toBeTruthy();

    // confirm without a token, a forged token, or the token of other details: no booking.
    const noToken = await callOk<WriteOutput>(unable.client, 'book_appointment', { ...args, confirm: true });
    expect(noToken.structured.status).toBe('confirmation_required');
    const forged = await callOk<WriteOutput>(unable.client, 'book_appointment', {
      ...args,
      confirm: true,
      confirmation_token: `${token.split('.')[0]}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`,
    });
    expect(forged.structured.status).toBe('confirmation_required');
    const elsewhere = await callOk<WriteOutput>(unable.client, 'book_appointment', {
      ...args,
      start: other.date_time,
      provider: other.provider,
      operatory: other.operatory,
      confirm: true,
      confirmation_token: token,
    });
    expect(elsewhere.structured.status).toBe('confirmation_required');
    expect(elsewhere.structured.notes.join(' ')).toMatch(/does not match/);
    expect(await appointmentWrites(sandbox, since)).toEqual([]);

    const booked = await callOk<WriteOutput>(unable.client, 'book_appointment', {
      ...args,
      confirm: true,
      confirmation_token: token,
    });
    expect(booked.structured.status).toBe('booked');
    const stored = await appointment(ny, booked.structured.appointment?.id as string);
    expect(stored).toMatchObject({ patient: who.id, provider: slot.provider, operatory: slot.operatory });
    expect(instant(stored.date_time)).toBe(instant(slot.date_time));
    expect((await appointmentWrites(sandbox, since)).length).toBe(1);
  });

  it('asks through 2025-era elicitation too, and books on yes', async () => {
    const legacy = await connectBooking(sandbox, { era: 'legacy', answer: 'accept' });
    try {
      const [slot] = await rawSlots(la, {
        duration_minutes: '30',
        start_date: addDays(la.today, 5),
        end_date: addDays(la.today, 15),
        max_results: '1',
      });
      const since = await sandbox.control.lastSeq();
      const booked = await callOk<WriteOutput>(
        legacy.client,
        'book_appointment',
        bookingArguments(la, la.patients.timeline, slot, 30),
      );
      expect(legacy.client.getProtocolEra()).toBe('legacy');
      expect(legacy.prompts.length).toBe(1);
      expect(booked.structured.status).toBe('booked');
      const writes = await appointmentWrites(sandbox, since);
      expect(writes.map((w) => w.method)).toEqual(['POST']);
      expect((await appointment(la, booked.structured.appointment?.id as string)).patient).toBe(la.patients.timeline);
    } finally {
      await legacy.close();
    }
  });
});

describe('repeated calls', () => {
  it('the same confirmed call, repeated or sent three times at once, books once and returns that booking', async () => {
    const [slot] = await rawSlots(ny, {
      duration_minutes: '30',
      start_date: addDays(ny.today, 6),
      end_date: addDays(ny.today, 16),
      max_results: '1',
    });
    const args = {
      practice: ny.name,
      patient_id: ny.patients.unicode[0],
      start: slot?.date_time,
      provider: slot?.provider,
      operatory: slot?.operatory,
      duration_minutes: 30,
    };
    const first = await callOk<WriteOutput>(unable.client, 'book_appointment', args);
    const confirmed = { ...args, confirm: true, confirmation_token: first.structured.confirmation_token };
    const since = await sandbox.control.lastSeq();
    const results = await Promise.all(
      [1, 2, 3].map(() => callOk<WriteOutput>(unable.client, 'book_appointment', confirmed)),
    );
    const ids = new Set(results.map((r) => r.structured.appointment?.id));
    expect(ids.size).toBe(1);
    expect(results.map((r) => r.structured.status).sort()).toEqual(['already_booked', 'already_booked', 'booked']);
    // Later, without the confirmation fields: still that booking, nothing new.
    const later = await callOk<WriteOutput>(unable.client, 'book_appointment', args);
    expect(later.structured.status).toBe('already_booked');
    expect(later.structured.appointment?.id).toBe([...ids][0]);
    // Seconds later, not "1 min ago".
    expect(later.text).toContain('was booked by an identical request less than a minute ago');

    const creates = (await appointmentWrites(sandbox, since)).filter((w) => w.method === 'POST');
    expect(creates.length).toBe(1);
    const day = localDateOf(slot?.date_time as string, ny.timezone) as string;
    const held = (
      await rawList<RawAppointment>(sandbox, `${P(ny)}/scheduling/appointment/`, { from: day, to: day })
    ).filter((a) => a.patient === args.patient_id && instant(a.date_time) === instant(slot?.date_time as string));
    expect(held.map((a) => a.id)).toEqual([...ids]);
  });

  it('a second request for a time the patient already holds (said differently) reports that booking', async () => {
    const existing = await rawBooking(ny, ny.patients.sameLastNameAndDob[0], 25);
    const who = await patient(ny, existing.patient);
    const since = await sandbox.control.lastSeq();
    const local = DateTime.fromISO(existing.date_time, { setZone: true }).setZone(ny.timezone);
    const result = await callOk<WriteOutput>(accepting.client, 'book_appointment', {
      practice: ny.name,
      name: `${who.first_name} ${who.last_name}`,
      date_of_birth: who.date_of_birth,
      start: local.toFormat('yyyy-MM-dd HH:mm'),
      provider: existing.provider,
      duration_minutes: 30,
    });
    expect(result.structured.status).toBe('already_booked');
    expect(result.structured.appointment?.id).toBe(existing.id);
    expect(await appointmentWrites(sandbox, since)).toEqual([]);
  });
});

describe('moving', () => {
  it('validates a move with the appointment itself excluded, changes nothing when it is already there, refuses a taken time', async () => {
    const own = await rawBooking(ny, ny.patients.sameLastNameAndDob[0], 50);
    const start = DateTime.fromISO(own.date_time, { setZone: true }).setZone(ny.timezone);
    const later = start.plus({ minutes: 15 });
    const proposal = {
      date_time: later.toISO() as string,
      duration_minutes: 30,
      provider: own.provider as string,
      operatory: own.operatory as string,
    };
    // Without the exclusion the API sees the appointment in its own way.
    const selfConflict = await rawValidate(ny, proposal);
    if (selfConflict.valid) throw new Error('expected the appointment to overlap its own new time');
    const withExclusion = await rawRequest<{ valid: boolean }>(
      sandbox,
      'POST',
      `${P(ny)}/scheduling/validate-appointment/`,
      { ...proposal, exclude_appointment: own.id },
    );
    const since = await sandbox.control.lastSeq();
    const args = { practice: ny.name, appointment_id: own.id, start: later.toFormat('yyyy-MM-dd HH:mm') };
    if (!withExclusion.body.valid) {
      // Outside hours at +15 min: then the tool must refuse with the API's words and write nothing.
      expect(await callError(accepting.client, 'reschedule_appointment', args)).toMatch(/Nothing was changed/);
      expect(await appointmentWrites(sandbox, since)).toEqual([]);
      return;
    }
    const moved = await callOk<WriteOutput>(accepting.client, 'reschedule_appointment', args);
    expect(moved.structured.status).toBe('moved');
    const stored = await appointment(ny, own.id);
    expect(instant(stored.date_time)).toBe(later.toMillis());
    expect(stored.operatory).toBe(own.operatory);

    // Asked again (same words, or the instant as find_spot writes it): already there.
    const same = await callOk<WriteOutput>(accepting.client, 'reschedule_appointment', args);
    const sameInstant = await callOk<WriteOutput>(accepting.client, 'reschedule_appointment', {
      ...args,
      start: later.toISO({ suppressMilliseconds: true }),
    });
    expect([same.structured.status, sameInstant.structured.status]).toEqual(['unchanged', 'unchanged']);
    expect((await appointmentWrites(sandbox, since)).map((w) => w.method)).toEqual(['PATCH']);

    // Onto another patient's appointment in that chair (made here, unless one is there already):
    // refused with the API's reason.
    const blockerStart = later.plus({ minutes: 90 });
    const blocker = await rawRequest<RawAppointment>(sandbox, 'POST', `${P(ny)}/scheduling/appointment/`, {
      patient: ny.patients.timeline,
      provider: null,
      operatory: own.operatory,
      date_time: blockerStart.toISO(),
      duration_minutes: 30,
      skip_validation: true,
    });
    expect([201, 409]).toContain(blocker.status);
    const verdict = await rawValidate(ny, { ...proposal, date_time: blockerStart.toISO() as string });
    const conflictMessages = verdict.issues
      .filter((i) => i.code === 'operatory_conflict' || i.code === 'provider_conflict')
      .map((i) => i.message);
    expect(conflictMessages.length).toBeGreaterThan(0);
    const refusalSince = await sandbox.control.lastSeq();
    const text = await callError(accepting.client, 'reschedule_appointment', {
      practice: ny.name,
      appointment_id: own.id,
      start: blockerStart.toFormat('yyyy-MM-dd HH:mm'),
      operatory: own.operatory,
    });
    for (const message of conflictMessages) expect(text).toContain(message);
    expect(text).toMatch(/already (booked|has an appointment) then.*Nothing was changed/);
    expect(await appointmentWrites(sandbox, refusalSince)).toEqual([]);
  });
});

describe('the patient is not double-booked', () => {
  it('refuses a second, overlapping appointment for the same patient that the API itself would accept', async () => {
    // An instant where two dentists are free in different chairs (raw slot finder).
    const [first, second] = ny.providers.dentists as [string, string];
    const window = { duration_minutes: '30', start_date: addDays(ny.today, 35), end_date: addDays(ny.today, 45) };
    const [a, b] = await Promise.all(
      [first, second].map((provider) => rawSlots(ny, { ...window, provider, max_results: '50' })),
    );
    const pair = (a ?? [])
      .map((x) => ({ x, y: (b ?? []).find((y) => instant(y.date_time) === instant(x.date_time)) }))
      .find(({ x, y }) => y && y.operatory !== x.operatory);
    expect(pair, 'no instant with two dentists free').toBeDefined();
    const { x, y } = pair as { x: RawSlot; y: RawSlot };
    const created = await rawRequest<RawAppointment>(sandbox, 'POST', `${P(ny)}/scheduling/appointment/`, {
      patient: ny.patients.sameLastNameAndDob[1],
      provider: x.provider,
      operatory: x.operatory,
      date_time: x.date_time,
      duration_minutes: 30,
    });
    expect(created.status).toBe(201);
    const proposal = { date_time: y.date_time, duration_minutes: 30, provider: y.provider, operatory: y.operatory };
    expect((await rawValidate(ny, proposal)).valid).toBe(true);

    const since = await sandbox.control.lastSeq();
    const text = await callError(accepting.client, 'book_appointment', {
      practice: ny.name,
      patient_id: created.body.patient,
      start: y.date_time,
      provider: y.provider,
      operatory: y.operatory,
      duration_minutes: 30,
    });
    expect(text).toMatch(/already has .* overlaps .*Nothing was booked/);
    expect(text).toContain(created.body.id);
    expect(await appointmentWrites(sandbox, since)).toEqual([]);
  });
});

describe('refusals, in plain words with the API reasons', () => {
  async function refusedWithReasons(
    args: Record<string, unknown>,
    proposal: { date_time: string; duration_minutes: number; provider: string; operatory: string },
    code: string,
  ): Promise<string> {
    const verdict = await rawValidate(la, proposal);
    expect(verdict.valid).toBe(false);
    expect(verdict.issues.map((i) => i.code)).toContain(code);
    const since = await sandbox.control.lastSeq();
    const prompts = accepting.prompts.length;
    const text = await callError(accepting.client, 'book_appointment', { practice: la.name, ...args });
    for (const issue of verdict.issues.filter((i) => i.code === code)) expect(text).toContain(issue.message);
    expect(text).toMatch(/Nothing was booked/);
    expect(accepting.prompts.length).toBe(prompts);
    expect(await appointmentWrites(sandbox, since)).toEqual([]);
    return text;
  }

  it('over an existing appointment', async () => {
    const range = { from: addDays(la.today, 2), to: addDays(la.today, 9) };
    const all = await rawList<RawAppointment>(sandbox, `${P(la)}/scheduling/appointment/`, range);
    // Not one that overlaps the patient's own appointments: that refusal (checked first) is another test's.
    const span = (a: RawAppointment) => {
      const start = DateTime.fromISO(a.date_time, { setZone: true }).toMillis();
      return [start, start + a.duration_minutes * 60_000] as const;
    };
    const own = all.filter((a) => a.patient === la.patients.timeline).map(span);
    const taken = all.find(
      (a) =>
        a.status === 'scheduled' &&
        a.provider &&
        a.operatory &&
        a.patient !== la.patients.timeline &&
        own.every(([start, end]) => span(a)[1] <= start || span(a)[0] >= end),
    ) as RawAppointment;
    expect(taken).toBeDefined();
    const proposal = {
      date_time: taken.date_time,
      duration_minutes: taken.duration_minutes,
      provider: taken.provider as string,
      operatory: taken.operatory as string,
    };
    const text = await refusedWithReasons(
      {
        patient_id: la.patients.timeline,
        start: taken.date_time,
        provider: taken.provider,
        operatory: taken.operatory,
        duration_minutes: taken.duration_minutes,
      },
      proposal,
      'operatory_conflict',
    );
    expect(text).toMatch(/already booked then/);
  });

  it('in a blockout (lunch)', async () => {
    const day = addDays(la.today, 8);
    const [morning] = await rawSlots(la, {
      duration_minutes: '30',
      start_date: day,
      end_date: addDays(day, 7),
      latest_time: '10:00',
      max_results: '1',
    });
    const local = DateTime.fromISO(morning?.date_time as string, { setZone: true }).setZone(la.timezone);
    const lunch = local.set({ hour: 12, minute: 15 });
    const text = await refusedWithReasons(
      {
        patient_id: la.patients.timeline,
        start: lunch.toFormat('yyyy-MM-dd HH:mm'),
        provider: morning?.provider,
        operatory: morning?.operatory,
        duration_minutes: 30,
      },
      {
        date_time: lunch.toISO() as string,
        duration_minutes: 30,
        provider: morning?.provider as string,
        operatory: morning?.operatory as string,
      },
      'blocked',
    );
    expect(text).toMatch(/blocked time/);
  });

  it('on a closed day', async () => {
    const dentist = la.providers.dentists[0] as string;
    const chair = la.operatories.bookable[0] as string;
    const start = DateTime.fromISO(`${la.dates.closure}T10:00`, { zone: la.timezone });
    const text = await refusedWithReasons(
      {
        patient_id: la.patients.timeline,
        start: `${la.dates.closure} 10:00`,
        provider: dentist,
        operatory: chair,
        duration_minutes: 30,
      },
      { date_time: start.toISO() as string, duration_minutes: 30, provider: dentist, operatory: chair },
      'closed',
    );
    expect(text).toMatch(/closed that day/);
  });

  it('in a DST gap, or at a fall-back time without saying which, before any upstream call', async () => {
    const spring = la.dates.springForward.find((d) => d > la.today) as string;
    const fall = la.dates.fallBack.find((d) => d > la.today) as string;
    const dentist = la.providers.dentists[0] as string;
    // The API itself refuses a wall-clock time in the gap (dst_gap), whatever the offset says.
    const raw = await rawValidate(la, {
      date_time: `${spring}T02:30:00-08:00`,
      duration_minutes: 30,
      provider: dentist,
      operatory: la.operatories.bookable[0] as string,
    });
    expect(raw.issues.map((i) => i.code)).toContain('dst_gap');

    const since = await sandbox.control.lastSeq();
    const base = { practice: la.name, patient_id: la.patients.timeline, provider: dentist, duration_minutes: 30 };
    expect(await callError(accepting.client, 'book_appointment', { ...base, start: `${spring} 02:30` })).toMatch(
      /does not exist .*clocks jump forward/,
    );
    expect(
      await callError(accepting.client, 'book_appointment', { ...base, start: `${spring}T02:30:00-08:00` }),
    ).toMatch(/is .*03:30 .* at the practice/);
    const twice = await callError(accepting.client, 'book_appointment', { ...base, start: `${fall} 01:30` });
    expect(twice).toMatch(/happens twice/);
    expect(twice).toContain(`${fall}T01:30-07:00`);
    expect(twice).toContain(`${fall}T01:30-08:00`);
    expect(await sandbox.control.requests(since)).toEqual([]);
  });

  it('for a disabled practice', async () => {
    const chicago = sandbox.fixtures.practices.chicago;
    const raw = await rawRequest<{ code: string }>(sandbox, 'POST', `${P(chicago)}/scheduling/appointment/`, {
      patient: chicago.patients.timeline,
      date_time: `${addDays(chicago.today, 3)}T10:00:00-06:00`,
      duration_minutes: 30,
    });
    expect(raw.status).toBe(403);
    expect(raw.body.code).toBe('inactive_practice');
    const pinned = await connectBooking(sandbox, { argv: ['--practice', chicago.id] });
    try {
      const since = await sandbox.control.lastSeq();
      const text = await callError(pinned.client, 'book_appointment', {
        patient_id: chicago.patients.timeline,
        start: `${addDays(chicago.today, 3)} 10:00`,
        provider: chicago.providers.dentists[0],
        duration_minutes: 30,
      });
      expect(text).toMatch(/disabled in Escape Dental/);
      expect(await appointmentWrites(sandbox, since)).toEqual([]);
    } finally {
      await pinned.close();
    }
  });

  it('never books for an ambiguous patient: the candidates come back, nothing is validated or written', async () => {
    const [a, b] = await Promise.all(la.patients.ambiguousName.map((id) => patient(la, id)));
    expect(`${a?.first_name} ${a?.last_name}`).toBe(`${b?.first_name} ${b?.last_name}`);
    const [slot] = await rawSlots(la, {
      duration_minutes: '30',
      start_date: addDays(la.today, 3),
      end_date: addDays(la.today, 10),
      max_results: '1',
    });
    const since = await sandbox.control.lastSeq();
    const text = await callError(accepting.client, 'book_appointment', {
      practice: la.name,
      name: `${a?.first_name} ${a?.last_name}`,
      start: slot?.date_time,
      provider: slot?.provider,
      duration_minutes: 30,
    });
    expect(text).toMatch(/Several patients .* nothing was booked/s);
    expect(text).toContain(a?.id as string);
    expect(text).toContain(b?.id as string);
    const requests = await sandbox.control.requests(since);
    expect(requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });
});

describe('who sees the write tools', () => {
  const writeTools = ['book_appointment', 'cancel_appointment', 'reschedule_appointment'];
  const names = async (c: BookingConnection) => (await c.client.listTools()).tools.map((t) => t.name);

  it('read-only: hidden, and refused if called anyway', async () => {
    const readOnly = await connectBooking(sandbox, { argv: ['--read-only'] });
    try {
      const listed = await names(readOnly);
      expect(listed).toContain('find_patient');
      for (const tool of writeTools) expect(listed).not.toContain(tool);
      const since = await sandbox.control.lastSeq();
      // Not listed for this caller; called anyway, its own gate decision refuses it with the reason.
      const refused = await readOnly.client.callTool({
        name: 'cancel_appointment',
        arguments: { practice: ny.name, appointment_id: ny.appointments.dstFall[0] ?? 'x', reason: 'test' },
      });
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toMatch(/read-only/);
      expect(await sandbox.control.requests(since)).toEqual([]);
    } finally {
      await readOnly.close();
    }
  });

  it('a practice whose Escape gate disables cancel_appointment does not see it', async () => {
    const gates = await rawGet<{ tool_key: string; enabled: boolean }[]>(
      sandbox,
      `/api/v1/admin/practice/${la.id}/mcp-gates/`,
    );
    const disabled = gates.filter((g) => !g.enabled).map((g) => g.tool_key);
    expect(disabled).toContain('cancel_appointment');
    const pinnedLa = await connectBooking(sandbox, { argv: ['--practice', la.id] });
    const pinnedNy = await connectBooking(sandbox, { argv: ['--practice', ny.id] });
    try {
      const laTools = await names(pinnedLa);
      for (const tool of writeTools) expect(laTools.includes(tool)).toBe(!disabled.includes(tool));
      expect(await names(pinnedNy)).toEqual(expect.arrayContaining(writeTools));
      // Called anyway (a stale list), at the gated practice: refused, nothing written.
      const since = await sandbox.control.lastSeq();
      const text = await callError(accepting.client, 'cancel_appointment', {
        practice: la.name,
        appointment_id: la.appointments.dstFall[0] ?? 'x',
        reason: 'test',
      });
      expect(text).toMatch(/turned off/);
      expect(await sandbox.control.requests(since)).toEqual([]);
    } finally {
      await pinnedLa.close();
      await pinnedNy.close();
    }
  });

  it('scopes: reading scopes see no write tool; scheduling:write alone cannot look patients up', async () => {
    const reader = await connectBooking(sandbox, { principal: { scopes: ['scheduling:read', 'patients:read'] } });
    const writer = await connectBooking(sandbox, { principal: { scopes: ['scheduling:write'] } });
    try {
      const read = await names(reader);
      expect(read).toContain('find_patient');
      for (const tool of writeTools) expect(read).not.toContain(tool);
      expect((await names(writer)).sort()).toEqual(['cancel_appointment', 'reschedule_appointment']);
    } finally {
      await reader.close();
      await writer.close();
    }
  });
});

describe('summaries are unmistakable', () => {
  it('the confirmation names the patient, local date and time with offset, provider and chair from the rosters', async () => {
    const [slot] = await rawSlots(la, {
      duration_minutes: '60',
      start_date: addDays(la.today, 10),
      end_date: addDays(la.today, 20),
      max_results: '1',
    });
    const [providers, chairs, who] = await Promise.all([
      rawList<RawProvider>(sandbox, `${P(la)}/provider/`),
      rawList<RawOperatory>(sandbox, `${P(la)}/provider/operatory/`),
      patient(la, la.patients.unicode[0] as string),
    ]);
    const provider = providers.find((p) => p.id === slot?.provider) as RawProvider;
    const chair = chairs.find((o) => o.id === slot?.operatory) as RawOperatory;
    const first = await callOk<WriteOutput>(unable.client, 'book_appointment', {
      practice: la.name,
      patient_id: who.id,
      start: slot?.date_time,
      provider: `${provider.first_name} ${provider.last_name}`,
      operatory: chair.name,
      duration_minutes: 60,
    });
    const local = DateTime.fromISO(slot?.date_time as string, { setZone: true }).setZone(la.timezone);
    expect(first.text).toContain(`${who.first_name}`);
    expect(first.text).toContain(`born ${who.date_of_birth}`);
    expect(first.text).toContain(
      `${local.toFormat('ccc yyyy-MM-dd HH:mm')}–${local.plus({ minutes: 60 }).toFormat('HH:mm')} (UTC${local.toFormat('ZZ')})`,
    );
    expect(first.text).toContain(provider.last_name);
    expect(first.text).toContain(chair.name);
    expect(first.text).toContain(la.timezone);
  });
});
