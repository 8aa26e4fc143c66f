/**
 * A write goes ahead only on an answer to a prompt this server issued, for exactly that write
 * (issue 15, item 2). Answers sent with the first call, answers a client without elicitation
 * makes up, answers replayed from another round, and a confirmation token used a second time
 * all make the server ask again; nothing is written. Real MCP clients in both eras (and the
 * built server over stdio), the sandbox over HTTP; truth from the sandbox's request log and
 * raw reads.
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { callOk, connectStdio, rawGet, startTestSandbox, textOf } from '../helpers/harness.js';
import { writtenAuditLines } from '../reliability/stack.js';
import {
  ACCEPTED,
  appointmentWrites,
  auditLines,
  bookingArguments,
  callWithAnswer,
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
  ny = sandbox.fixtures.practices.ny;
});

afterAll(async () => {
  await sandbox?.close();
});

const addDays = (date: string, days: number) =>
  DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate() as string;

/** `count` open 30-minute times from `fromDay` days ahead, each on its own instant. */
async function openTimes(practice: typeof la, fromDay: number, count = 1): Promise<RawSlot[]> {
  const slots = await rawSlots(sandbox, practice, {
    duration_minutes: '30',
    start_date: addDays(practice.today, fromDay),
    end_date: addDays(practice.today, fromDay + 10),
    max_results: String(Math.max(count * 3, 3)),
  });
  // Times an hour apart, so two bookings of one test never overlap each other.
  const picked: RawSlot[] = [];
  for (const slot of slots) {
    if (picked.every((p) => Math.abs(instant(p.date_time) - instant(slot.date_time)) >= 3_600_000)) picked.push(slot);
    if (picked.length === count) break;
  }
  expect(picked.length, 'not enough open times').toBe(count);
  return picked;
}

/** The patient's appointments at that instant, straight from the sandbox. */
async function heldAt(practice: typeof la, patientId: string, at: string): Promise<RawAppointment[]> {
  const day = DateTime.fromISO(at, { setZone: true }).setZone(practice.timezone).toISODate() as string;
  const body = await rawGet<{ results: RawAppointment[] }>(
    sandbox,
    `/api/v1/practice/${practice.id}/scheduling/appointment/`,
    { from: day, to: day, page_size: '500' },
  );
  return body.results.filter(
    (a) => a.patient === patientId && instant(a.date_time) === instant(at) && a.status === 'scheduled',
  );
}

describe('an answer sent with the first call is not a confirmation', () => {
  it('2026-07-28: a first book_appointment already carrying an accepted answer is asked, not booked', async () => {
    const connection = await connectBooking(sandbox, { era: 'modern', answer: 'decline' });
    try {
      const [slot] = await openTimes(la, 3);
      const since = await sandbox.control.lastSeq();
      const result = await callWithAnswer(
        connection.client,
        'book_appointment',
        bookingArguments(la, la.patients.sameLastNameAndDob[0], slot, 30),
        { inputResponses: ACCEPTED },
      );
      expect(result.resultType, textOf(result)).toBe('input_required');
      expect(JSON.stringify(result.inputRequests)).toContain('Book it?');
      expect(await appointmentWrites(sandbox, since)).toEqual([]);
      expect(await heldAt(la, la.patients.sameLastNameAndDob[0], slot?.date_time as string)).toEqual([]);
    } finally {
      await connection.close();
    }
  });

  it('2025 session: an answer sent with the call, with no elicitation/create, makes the server ask the person', async () => {
    const connection = await connectBooking(sandbox, { era: 'legacy', answer: 'decline' });
    try {
      const [slot] = await openTimes(la, 6);
      const since = await sandbox.control.lastSeq();
      const result = await callWithAnswer(
        connection.client,
        'book_appointment',
        bookingArguments(la, la.patients.sameLastNameAndDob[1], slot, 30),
        { inputResponses: ACCEPTED },
      );
      expect(connection.client.getProtocolEra()).toBe('legacy');
      // The person was asked (through elicitation/create), said no, and nothing was booked.
      expect(connection.prompts).toHaveLength(1);
      expect(result.structuredContent?.status, textOf(result)).toBe('not_booked');
      expect(await appointmentWrites(sandbox, since)).toEqual([]);
    } finally {
      await connection.close();
    }
  });

  it('stdio (built server, 2025 era): an answer sent with the call makes the server ask the person', async () => {
    const prompts: string[] = [];
    const connection = await connectStdio({
      sandbox,
      era: 'legacy',
      elicit: (message) => {
        prompts.push(message);
        return { action: 'decline' };
      },
    });
    try {
      const [slot] = await openTimes(la, 9);
      const since = await sandbox.control.lastSeq();
      const result = await callWithAnswer(
        connection.client,
        'book_appointment',
        bookingArguments(la, la.patients.frequentNoShow, slot, 30),
        { inputResponses: ACCEPTED },
      );
      expect(prompts).toHaveLength(1);
      expect(result.structuredContent?.status, textOf(result)).toBe('not_booked');
      expect(await appointmentWrites(sandbox, since)).toEqual([]);
    } finally {
      await connection.close();
    }
  });
});

describe.each(['modern', 'legacy'] as const)('a client that declared no elicitation (%s era)', (era) => {
  it('gets the summary and a token, whatever answer it sends; nothing is booked without the token', async () => {
    const connection = await connectBooking(sandbox, { era, answer: 'none' });
    try {
      const [slot] = await openTimes(ny, era === 'modern' ? 4 : 8);
      const since = await sandbox.control.lastSeq();
      const result = await callWithAnswer(
        connection.client,
        'book_appointment',
        bookingArguments(ny, ny.patients.sameLastNameAndDob[0], slot, 30),
        { inputResponses: ACCEPTED },
      );
      expect(result.structuredContent?.status, textOf(result)).toBe('confirmation_required');
      expect(result.structuredContent?.confirmation_token).toEqual(expect.any(String));
      expect(await appointmentWrites(sandbox, since)).toEqual([]);
    } finally {
      await connection.close();
    }
  });
});

describe('an answer counts only for the prompt it came back with', () => {
  it('round 1 answer ("book patient A 11:00") reused in round 2 for patient B at another time: asked again, B not booked', async () => {
    const connection = await connectBooking(sandbox, { era: 'modern', answer: 'decline' });
    try {
      const [first, second] = await openTimes(ny, 12, 2);
      const [patientA, patientB] = ny.patients.ambiguousName;
      const since = await sandbox.control.lastSeq();

      // Round 1: asked, answered yes with the prompt's own state: A is booked.
      const argsA = bookingArguments(ny, patientA, first, 30);
      const asked = await callWithAnswer(connection.client, 'book_appointment', argsA);
      expect(asked.resultType).toBe('input_required');
      const bookedA = await callWithAnswer(connection.client, 'book_appointment', argsA, {
        inputResponses: ACCEPTED,
        requestState: asked.requestState,
      });
      expect(bookedA.structuredContent?.status, textOf(bookedA)).toBe('booked');

      // Round 2: another patient and time, with round 1's answer and state replayed.
      const argsB = bookingArguments(ny, patientB, second, 30);
      const replay = await callWithAnswer(connection.client, 'book_appointment', argsB, {
        inputResponses: ACCEPTED,
        requestState: asked.requestState,
      });
      expect(replay.resultType, textOf(replay)).toBe('input_required');
      expect(JSON.stringify(replay.inputRequests)).toContain('Book it?');

      const posts = (await appointmentWrites(sandbox, since)).filter((w) => w.method === 'POST');
      expect(posts).toHaveLength(1);
      expect(await heldAt(ny, patientA, first?.date_time as string)).toHaveLength(1);
      expect(await heldAt(ny, patientB, second?.date_time as string)).toEqual([]);
    } finally {
      await connection.close();
    }
  });

  it('a state this server did not seal (altered on the way back) is rejected as a protocol error (SEP-2322), nothing booked', async () => {
    const connection = await connectBooking(sandbox, { era: 'modern', answer: 'decline' });
    try {
      const [slot] = await openTimes(ny, 24);
      const args = bookingArguments(ny, ny.patients.injectionNote, slot, 30);
      const since = await sandbox.control.lastSeq();
      const asked = await callWithAnswer(connection.client, 'book_appointment', args);
      const state = asked.requestState as string;
      expect(state).toEqual(expect.any(String));
      // Flip one character of the signed body: the seal no longer matches.
      const at = state.indexOf('.') + 5;
      const altered = `${state.slice(0, at)}${state[at] === 'A' ? 'B' : 'A'}${state.slice(at + 1)}`;
      for (const requestState of [altered, 'v1.not-a-state.at-all']) {
        // "Servers MUST reject state that fails integrity verification" (SEP-2322, the conformance
        // suite's input-required-result-tampered-state): an error, never a result built on it.
        await expect(
          callWithAnswer(connection.client, 'book_appointment', args, { inputResponses: ACCEPTED, requestState }),
        ).rejects.toThrow(/state/i);
      }
      // The flow is not stuck: the untouched state still gets the person's answer.
      const honest = await callWithAnswer(connection.client, 'book_appointment', args, {
        inputResponses: { confirm: { action: 'decline' } },
        requestState: state,
      });
      expect(honest.isError ?? false, textOf(honest)).toBe(false);
      expect(await appointmentWrites(sandbox, since)).toEqual([]);
    } finally {
      await connection.close();
    }
  });

  it('a confirmation token is good for one write: after that booking was cancelled, the same token books nothing', async () => {
    const connection = await connectBooking(sandbox, { era: 'modern', answer: 'none' });
    try {
      const [slot] = await openTimes(ny, 16);
      const args = bookingArguments(ny, ny.patients.unicode[1] as string, slot, 30);
      const first = await callOk<{ confirmation_token: string }>(connection.client, 'book_appointment', args);
      const confirmed = { ...args, confirm: true, confirmation_token: first.structured.confirmation_token };
      const booked = await callOk<{ status: string; appointment: { id: string } }>(
        connection.client,
        'book_appointment',
        confirmed,
      );
      expect(booked.structured.status).toBe('booked');
      const cancelled = await rawRequest(
        sandbox,
        'POST',
        `/api/v1/practice/${ny.id}/scheduling/appointment/${booked.structured.appointment.id}/transition/`,
        { status: 'cancelled', note: 'changed their mind' },
      );
      expect(cancelled.status).toBe(200);

      const since = await sandbox.control.lastSeq();
      const again = await callOk<{ status: string; confirmation_token?: string }>(
        connection.client,
        'book_appointment',
        confirmed,
      );
      expect(again.structured.status, again.text).toBe('confirmation_required');
      expect(again.structured.confirmation_token).not.toBe(first.structured.confirmation_token);
      expect(await appointmentWrites(sandbox, since)).toEqual([]);
    } finally {
      await connection.close();
    }
  });
});

describe('the audit line records what was asked and what was answered', () => {
  it('an unsolicited answer is recorded as such; a prompt and its answer carry the same prompt id', async () => {
    const connection = await connectBooking(sandbox, { era: 'modern', answer: 'accept' });
    try {
      const [unsolicitedSlot, askedSlot] = await openTimes(la, 20, 2);
      const [patientA, patientB] = la.patients.ambiguousName;
      const before = auditLines(connection.logs()).length;
      await callWithAnswer(connection.client, 'book_appointment', bookingArguments(la, patientA, unsolicitedSlot, 30), {
        inputResponses: ACCEPTED,
      });
      const [unsolicited] = (await writtenAuditLines(connection.logs, before + 1)).slice(before);
      expect(unsolicited).toMatchObject({
        tool: 'book_appointment',
        outcome: 'confirmation_requested',
        confirmation: { answered: 'accepted', honoured: false, reason: 'not_asked', asked: expect.any(String) },
      });

      const mark = auditLines(connection.logs()).length;
      const booked = await callOk<{ status: string }>(
        connection.client,
        'book_appointment',
        bookingArguments(la, patientB, askedSlot, 30),
      );
      expect(booked.structured.status).toBe('booked');
      const [askLine, answerLine] = (await writtenAuditLines(connection.logs, mark + 2)).slice(mark);
      expect(askLine).toMatchObject({ outcome: 'confirmation_requested', confirmation: { asked: expect.any(String) } });
      const promptId = (askLine?.confirmation as { asked?: string } | undefined)?.asked;
      expect(answerLine).toMatchObject({
        outcome: 'ok',
        confirmation: { answered: 'accepted', honoured: true, prompt: promptId, via: 'elicitation' },
      });
      // Ids only: the prompt id is opaque, never the summary the person read.
      expect(JSON.stringify(answerLine)).not.toMatch(/Book |Dr\./);
    } finally {
      await connection.close();
    }
  });
});
