/**
 * Writes stay right when they run at the same time (issue 15, item 3): two confirmed bookings of
 * one patient started together, two moves of one appointment started together, and someone else
 * writing straight to Escape Dental in the middle of our write. Real MCP clients (one per
 * protocol era) of one server, the sandbox over HTTP; truth from the sandbox's request log and
 * raw reads.
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { rawGet, startTestSandbox, textOf } from '../helpers/harness.js';
import {
  appointmentWrites,
  type BookingConnection,
  connectBooking,
  instant,
  type RawAppointment,
  type RawSlot,
  rawRequest,
  rawSlots,
  upstreamProxy,
} from './booking-helpers.js';

let sandbox: RunningSandbox;
let ny: RunningSandbox['fixtures']['practices']['ny'];
let modern: BookingConnection;
let legacy: BookingConnection;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  ny = sandbox.fixtures.practices.ny;
  // One server (one runtime), two clients: a 2026-07-28 one and a 2025 session.
  modern = await connectBooking(sandbox, { era: 'modern', answer: 'accept' });
  legacy = await connectBooking(sandbox, { era: 'legacy', answer: 'accept', runtime: modern.runtime });
});

afterAll(async () => {
  await legacy?.close();
  await modern?.close();
  await sandbox?.close();
});

const P = () => `/api/v1/practice/${ny.id}`;
const addDays = (date: string, days: number) =>
  DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate() as string;
const localDay = (iso: string) => DateTime.fromISO(iso, { setZone: true }).setZone(ny.timezone).toISODate() as string;

async function dayAppointments(day: string): Promise<RawAppointment[]> {
  const body = await rawGet<{ results: RawAppointment[] }>(sandbox, `${P()}/scheduling/appointment/`, {
    from: day,
    to: day,
    page_size: '500',
  });
  return body.results;
}

/** An instant where both dentists are free, each in a chair of their own (raw slot finder). */
async function twoDentistsFree(fromDay: number): Promise<{ x: RawSlot; y: RawSlot }> {
  const [first, second] = ny.providers.dentists as [string, string];
  const window = {
    duration_minutes: '30',
    start_date: addDays(ny.today, fromDay),
    end_date: addDays(ny.today, fromDay + 10),
    max_results: '50',
  };
  const [a, b] = await Promise.all([first, second].map((provider) => rawSlots(sandbox, ny, { ...window, provider })));
  const pair = (a ?? [])
    .map((x) => ({ x, y: (b ?? []).find((y) => instant(y.date_time) === instant(x.date_time)) }))
    .find(({ x, y }) => y && y.operatory !== x.operatory && y.provider !== x.provider);
  expect(pair, 'no instant with two dentists free in two chairs').toBeDefined();
  return pair as { x: RawSlot; y: RawSlot };
}

/** A dentist's first open 30-minute slot in the ten days from `fromDay` (raw slot finder). */
async function firstSlot(provider: string, fromDay: number): Promise<RawSlot> {
  const [slot] = await rawSlots(sandbox, ny, {
    duration_minutes: '30',
    start_date: addDays(ny.today, fromDay),
    end_date: addDays(ny.today, fromDay + 10),
    provider,
    max_results: '1',
  });
  expect(slot, 'no open slot').toBeDefined();
  return slot as RawSlot;
}

/** A scheduled appointment made directly in the sandbox. */
async function rawBooking(patientId: string, slot: RawSlot): Promise<RawAppointment> {
  const created = await rawRequest<RawAppointment>(sandbox, 'POST', `${P()}/scheduling/appointment/`, {
    patient: patientId,
    provider: slot.provider,
    operatory: slot.operatory,
    date_time: slot.date_time,
    duration_minutes: 30,
  });
  expect(created.status).toBe(201);
  return created.body;
}

const book = (connection: BookingConnection, patientId: string, slot: RawSlot) =>
  connection.client.callTool({
    name: 'book_appointment',
    arguments: {
      practice: ny.name,
      patient_id: patientId,
      start: slot.date_time,
      provider: slot.provider,
      operatory: slot.operatory,
      duration_minutes: 30,
    },
  });

describe('two confirmed bookings of one patient started together', () => {
  it('with different providers and chairs at the same time: one lands, the other is refused naming it', async () => {
    const { x, y } = await twoDentistsFree(20);
    const patientId = ny.patients.sameLastNameAndDob[0];
    const since = await sandbox.control.lastSeq();

    const results = await Promise.all([book(modern, patientId, x), book(legacy, patientId, y)]);

    const posts = (await appointmentWrites(sandbox, since)).filter((w) => w.method === 'POST');
    expect(posts).toHaveLength(1);
    const held = (await dayAppointments(localDay(x.date_time))).filter(
      (a) => a.patient === patientId && instant(a.date_time) === instant(x.date_time) && a.status === 'scheduled',
    );
    expect(held).toHaveLength(1);
    const winner = held[0] as RawAppointment;
    const texts = results.map(textOf);
    const booked = results.filter((r) => !r.isError);
    const refused = results.filter((r) => r.isError);
    expect(booked, texts.join('\n---\n')).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(textOf(booked[0] as { content?: unknown })).toContain(winner.id);
    const refusal = textOf(refused[0] as { content?: unknown });
    expect(refusal).toMatch(/already has .*overlaps.*Nothing was booked/s);
    expect(refusal).toContain(winner.id);
  });
});

describe('the same confirmed booking twice at once', () => {
  it('the copy that checks the place after the first one landed gets that booking, not a refusal', async () => {
    const slot = await firstSlot(ny.providers.dentists[1] as string, 75);
    const patientId = ny.patients.ambiguousName[0];
    let copyChecking: () => void = () => undefined;
    const copyIsChecking = new Promise<void>((resolve) => {
      copyChecking = resolve;
    });
    let firstLanded: () => void = () => undefined;
    const landed = new Promise<void>((resolve) => {
      firstLanded = resolve;
    });
    let checks = 0;
    const proxy = await upstreamProxy(sandbox, {
      // The copy's check of the place (the first one to reach Escape Dental) goes on only once
      // the first booking was created: it then sees the chair taken by that very booking.
      before: async (request) => {
        if (request.method === 'POST' && request.path.endsWith('/scheduling/validate-appointment/') && checks++ === 0) {
          copyChecking();
          await landed;
        }
      },
      after: async (request, status) => {
        if (request.method === 'POST' && request.path.endsWith('/scheduling/appointment/') && status === 201) {
          firstLanded();
        }
      },
    });
    const copy = await connectBooking({ ...sandbox, url: proxy.url }, { era: 'modern', answer: 'accept' });
    const first = await connectBooking(sandbox, { era: 'legacy', answer: 'accept', runtime: copy.runtime });
    try {
      const since = await sandbox.control.lastSeq();
      const copyCall = book(copy, patientId, slot);
      await copyIsChecking;
      const results = await Promise.all([book(first, patientId, slot), copyCall]);

      const posts = (await appointmentWrites(sandbox, since)).filter((w) => w.method === 'POST');
      expect(posts).toHaveLength(1);
      const held = (await dayAppointments(localDay(slot.date_time))).filter(
        (a) => a.patient === patientId && instant(a.date_time) === instant(slot.date_time) && a.status === 'scheduled',
      );
      expect(held).toHaveLength(1);
      const texts = results.map(textOf);
      for (const [i, result] of results.entries()) {
        expect(result.isError, texts[i]).toBeFalsy();
        expect(texts[i]).toContain((held[0] as RawAppointment).id);
      }
      const statuses = results.map((r) => (r.structuredContent as { status?: string } | undefined)?.status);
      expect(statuses).toEqual(['booked', 'already_booked']);
    } finally {
      await first.close();
      await copy.close();
      await proxy.close();
    }
  });
});

describe('two moves of one appointment started together', () => {
  it('one moves it where its caller confirmed; the other changes nothing and says where it is now', async () => {
    const [origin, , targetA, , targetB] = await rawSlots(sandbox, ny, {
      duration_minutes: '30',
      start_date: addDays(ny.today, 25),
      end_date: addDays(ny.today, 35),
      provider: ny.providers.dentists[0] as string,
      max_results: '5',
    });
    const otherDentistSlot = await firstSlot(ny.providers.dentists[1] as string, 36);
    expect(origin && targetA && targetB && otherDentistSlot).toBeTruthy();
    const appointment = await rawBooking(ny.patients.frequentNoShow, origin as RawSlot);
    const moveTo = (connection: BookingConnection, target: RawSlot) =>
      connection.client.callTool({
        name: 'reschedule_appointment',
        arguments: {
          practice: ny.name,
          appointment_id: appointment.id,
          start: target.date_time,
          provider: target.provider,
          operatory: target.operatory,
        },
      });
    const since = await sandbox.control.lastSeq();

    const results = await Promise.all([moveTo(modern, targetA as RawSlot), moveTo(legacy, otherDentistSlot)]);

    const patches = (await appointmentWrites(sandbox, since)).filter((w) => w.method === 'PATCH');
    expect(patches).toHaveLength(1);
    const stored = await rawGet<RawAppointment>(sandbox, `${P()}/scheduling/appointment/${appointment.id}/`);
    const moved = results.filter((r) => !r.isError && (r.structuredContent as { status?: string }).status === 'moved');
    const notMoved = results.filter((r) => r.isError);
    const texts = results.map(textOf).join('\n---\n');
    expect(moved, texts).toHaveLength(1);
    expect(notMoved, texts).toHaveLength(1);
    // Where the "moved" answer put it is where it is.
    const said = (
      (moved[0] as { structuredContent?: unknown }).structuredContent as {
        appointment: { start: string; provider_id: string };
      }
    ).appointment;
    expect(instant(stored.date_time)).toBe(instant(said.start));
    expect(stored.provider).toBe(said.provider_id);
    // The other caller is told it changed meanwhile, and nothing of theirs was written.
    const other = textOf(notMoved[0] as { content?: unknown });
    expect(other).toMatch(/changed while|meanwhile/);
    expect(other).toMatch(/Nothing was changed/);
  });
});

describe('someone else writes to Escape Dental during our write', () => {
  it('a conflicting appointment that appears anyway is named next to ours', async () => {
    const { x, y } = await twoDentistsFree(50);
    const patientId = ny.patients.sameLastNameAndDob[1];
    let intruder: RawAppointment | undefined;
    const proxy = await upstreamProxy(sandbox, {
      // Just before our create reaches Escape Dental, another client books the same patient at
      // the same time with the other dentist (the API guards chairs and providers, not patients).
      before: async (request) => {
        if (request.method === 'POST' && request.path.endsWith('/scheduling/appointment/') && !intruder) {
          intruder = await rawBooking(patientId, y);
        }
      },
    });
    const connection = await connectBooking({ ...sandbox, url: proxy.url }, { era: 'modern', answer: 'accept' });
    try {
      const result = await book(connection, patientId, x);
      const text = textOf(result);
      expect(intruder).toBeDefined();
      const ours = (result.structuredContent as { appointment?: { id?: string } } | undefined)?.appointment?.id;
      const held = (await dayAppointments(localDay(x.date_time))).filter(
        (a) => a.patient === patientId && a.status === 'scheduled' && instant(a.date_time) === instant(x.date_time),
      );
      expect(held.map((a) => a.id).sort()).toEqual([intruder?.id, ours].sort());
      expect(text).toContain(ours as string);
      expect(text).toContain(intruder?.id as string);
      expect(text).toMatch(/overlap/i);
      expect(text).toMatch(/check in Escape Dental/i);
    } finally {
      await connection.close();
      await proxy.close();
    }
  });

  it('a move whose final state differs from what was confirmed says so, naming the difference', async () => {
    const [origin, , target, , elsewhere] = await rawSlots(sandbox, ny, {
      duration_minutes: '30',
      start_date: addDays(ny.today, 60),
      end_date: addDays(ny.today, 70),
      provider: ny.providers.dentists[0] as string,
      max_results: '5',
    });
    const appointment = await rawBooking(ny.patients.unicode[0] as string, origin as RawSlot);
    let meddled = false;
    const proxy = await upstreamProxy(sandbox, {
      // Right after our PATCH landed, another client moves the appointment again.
      after: async (request, status) => {
        if (request.method === 'PATCH' && status === 200 && !meddled) {
          meddled = true;
          const moved = await rawRequest(sandbox, 'PATCH', `${P()}/scheduling/appointment/${appointment.id}/`, {
            date_time: (elsewhere as RawSlot).date_time,
          });
          expect(moved.status).toBe(200);
        }
      },
    });
    const connection = await connectBooking({ ...sandbox, url: proxy.url }, { era: 'legacy', answer: 'accept' });
    try {
      const result = await connection.client.callTool({
        name: 'reschedule_appointment',
        arguments: {
          practice: ny.name,
          appointment_id: appointment.id,
          start: (target as RawSlot).date_time,
          operatory: (target as RawSlot).operatory,
        },
      });
      const text = textOf(result);
      expect(meddled).toBe(true);
      expect((result.structuredContent as { status?: string } | undefined)?.status, text).not.toBe('moved');
      expect(text).toMatch(/not confirmed; check in Escape Dental/);
      const wanted = DateTime.fromISO((target as RawSlot).date_time, { setZone: true }).setZone(ny.timezone);
      const actual = DateTime.fromISO((elsewhere as RawSlot).date_time, { setZone: true }).setZone(ny.timezone);
      expect(text).toContain(wanted.toFormat('HH:mm'));
      expect(text).toContain(actual.toFormat('HH:mm'));
    } finally {
      await connection.close();
      await proxy.close();
    }
  });
});
