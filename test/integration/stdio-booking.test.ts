/**
 * The built server (dist/cli.js) over stdio asks a 2025-era client to confirm a booking through
 * elicitation: a yes books once; an answer that does not fit the confirmation form (not
 * `confirm: true`) writes nothing. This is the bundle's confirmation path (the bundle swaps the
 * SDK's JSON Schema validator, scripts/sdk-shims-node.mjs, which this path does not call). Truth comes
 * from raw sandbox reads and the request log.
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { callOk, connectStdio, rawGet, startTestSandbox, textOf } from '../helpers/harness.js';
import { appointmentWrites, bookingArguments, instant, type RawAppointment } from './booking-helpers.js';

interface RawSlot {
  date_time: string;
  provider: string;
  operatory: string;
}

let sandbox: RunningSandbox;
let la: RunningSandbox['fixtures']['practices']['la'];

beforeAll(async () => {
  sandbox = await startTestSandbox();
  la = sandbox.fixtures.practices.la;
});

afterAll(async () => {
  await sandbox?.close();
});

const addDays = (date: string, days: number) =>
  DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate() as string;

/** Open 30-minute times straight from the sandbox's slot finder. */
async function rawSlots(fromDay: number): Promise<RawSlot[]> {
  const body = await rawGet<{ results: RawSlot[] }>(sandbox, `/api/v1/practice/${la.id}/scheduling/find-spot/`, {
    duration_minutes: '30',
    start_date: addDays(la.today, fromDay),
    end_date: addDays(la.today, fromDay + 10),
    max_results: '1',
  });
  return body.results;
}

describe('booking confirmation through the built server over stdio (2025 elicitation)', () => {
  it('books once on yes', async () => {
    const prompts: string[] = [];
    const connection = await connectStdio({
      sandbox,
      era: 'legacy',
      elicit: (message) => {
        prompts.push(message);
        return { action: 'accept', content: { confirm: true } };
      },
    });
    try {
      const [slot] = await rawSlots(5);
      expect(slot).toBeDefined();
      const since = await sandbox.control.lastSeq();
      const booked = await callOk<{ status: string; appointment?: { id?: string } }>(
        connection.client,
        'book_appointment',
        bookingArguments(la, la.patients.timeline, slot, 30),
      );
      expect(prompts).toHaveLength(1);
      expect(booked.structured.status).toBe('booked');
      expect((await appointmentWrites(sandbox, since)).map((w) => w.method)).toEqual(['POST']);
      const stored = await rawGet<RawAppointment>(
        sandbox,
        `/api/v1/practice/${la.id}/scheduling/appointment/${booked.structured.appointment?.id}/`,
      );
      expect(stored.patient).toBe(la.patients.timeline);
      expect(instant(stored.date_time)).toBe(instant(slot?.date_time as string));
    } finally {
      await connection.close();
    }
  });

  it('takes an answer that does not fit the form as no, writes nothing and keeps serving', async () => {
    const connection = await connectStdio({
      sandbox,
      era: 'legacy',
      elicit: () => ({ action: 'accept', content: { confirm: 'yes please' } }),
    });
    try {
      const [slot] = await rawSlots(20);
      expect(slot).toBeDefined();
      const since = await sandbox.control.lastSeq();
      const result = await connection.client.callTool({
        name: 'book_appointment',
        arguments: bookingArguments(la, la.patients.timeline, slot, 30),
      });
      const text = textOf(result);
      expect(text).toMatch(/^Not booked: the person did not confirm/);
      expect(text).not.toMatch(/\n\s+at /);
      expect(await appointmentWrites(sandbox, since)).toEqual([]);
      const { tools } = await connection.client.listTools();
      expect(tools.map((t) => t.name)).toContain('book_appointment');
    } finally {
      await connection.close();
    }
  });
});
