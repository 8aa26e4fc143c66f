/**
 * find_spot through a real MCP client, the real server and the sandbox over HTTP. Every
 * expectation comes from raw sandbox API calls or the seeded fixtures, never from the tool.
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import {
  callError,
  callOk,
  connectInProcess,
  type InProcessConnection,
  rawGet,
  rawList,
  startTestSandbox,
} from '../helpers/harness.js';

interface Slot {
  start: string;
  end: string;
  weekday: string;
  provider?: string;
  provider_id?: string;
  operatory?: string;
  operatory_id?: string;
}
interface FindSpotOutput {
  practice: string;
  timezone: string;
  duration_minutes: number;
  start_date: string;
  end_date: string;
  slots: Slot[];
  more_available: boolean;
  suggestions: { change: string; earliest: string }[];
  notes: string[];
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
  provider_type: string;
  is_active: boolean;
}
interface RawAppointment {
  id: string;
  date_time: string;
  duration_minutes: number;
  status: string;
  provider: string | null;
  provider_hygienist: string | null;
  operatory: string | null;
}

let sandbox: RunningSandbox;
let server: InProcessConnection;
let la: RunningSandbox['fixtures']['practices']['la'];
const practicePath = () => `/api/v1/practice/${la.id}`;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  la = sandbox.fixtures.practices.la;
  server = await connectInProcess({ sandbox });
});

afterAll(async () => {
  await server?.close();
  await sandbox?.close();
});

const instant = (iso: string) => DateTime.fromISO(iso, { setZone: true }).toMillis();
const addDays = (date: string, days: number) =>
  DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate() as string;

describe('find_spot', () => {
  it('finds mornings with a dentist named by part of the last name, matching the raw slot finder', async () => {
    const providers = await rawList<RawProvider>(sandbox, `${practicePath()}/provider/`);
    const dentist = providers.find((p) => p.id === la.providers.dentists[0]) as RawProvider;
    const partial = dentist.last_name.slice(0, 3).toLowerCase();

    const { structured } = await callOk<FindSpotOutput>(server.client, 'find_spot', {
      practice: la.name,
      duration_minutes: 60,
      providers: [`Dr. ${partial}`],
      when: 'mornings',
      max_results: 10,
    });

    const raw = await rawGet<{ results: RawSlot[] }>(sandbox, `${practicePath()}/scheduling/find-spot/`, {
      duration_minutes: '60',
      start_date: la.today,
      end_date: addDays(la.today, 30),
      provider: dentist.id,
      latest_time: '11:59',
      max_results: '10',
    });
    expect(raw.results.length).toBeGreaterThan(0);
    expect(structured.slots.map((s) => [instant(s.start), s.provider_id, s.operatory_id])).toEqual(
      raw.results.map((r) => [instant(r.date_time), r.provider, r.operatory]),
    );
    for (const slot of structured.slots) {
      const start = DateTime.fromISO(slot.start, { setZone: true });
      const local = start.setZone(la.timezone);
      expect(local.hour).toBeLessThan(12);
      // The offset written in the answer is the practice's offset at that instant.
      expect(start.offset).toBe(local.offset);
      expect(instant(slot.end) - instant(slot.start)).toBe(60 * 60_000);
      expect(slot.weekday).toBe(local.toFormat('ccc'));
      expect(slot.provider).toContain(dentist.last_name);
    }
  });

  it('never offers a time that overlaps a blocking appointment of the provider or the chair', async () => {
    const { structured } = await callOk<FindSpotOutput>(server.client, 'find_spot', {
      practice: la.name,
      duration_minutes: 45,
      start_date: la.today,
      end_date: addDays(la.today, 14),
      max_results: 50,
    });
    expect(structured.slots.length).toBeGreaterThan(0);
    const statuses = await rawGet<{ slug: string; blocks_slot: boolean }[]>(
      sandbox,
      `${practicePath()}/scheduling/appointment-status/`,
    );
    const blocking = new Set(statuses.filter((s) => s.blocks_slot).map((s) => s.slug));
    const appointments = (
      await rawList<RawAppointment>(sandbox, `${practicePath()}/scheduling/appointment/`, {
        from: addDays(la.today, -1),
        to: addDays(la.today, 15),
      })
    ).filter((a) => blocking.has(a.status));
    expect(appointments.length).toBeGreaterThan(0);
    for (const slot of structured.slots) {
      const [start, end] = [instant(slot.start), instant(slot.end)];
      for (const a of appointments) {
        const aStart = instant(a.date_time);
        const aEnd = aStart + a.duration_minutes * 60_000;
        const overlaps = start < aEnd && aStart < end;
        if (!overlaps) continue;
        expect(a.operatory).not.toBe(slot.operatory_id);
        expect([a.provider, a.provider_hygienist]).not.toContain(slot.provider_id);
      }
    }
  });

  it('handles a DST week: no start in the spring-forward gap, and the right offset on each side', async () => {
    const spring = la.dates.springForward.find((d) => d >= la.today) as string;
    expect(spring).toBeDefined();
    const { structured } = await callOk<FindSpotOutput>(server.client, 'find_spot', {
      practice: la.name,
      duration_minutes: 30,
      start_date: addDays(spring, -1),
      end_date: addDays(spring, 1),
      when: 'before 6am',
      max_results: 50,
    });
    const onTheSunday = structured.slots.filter((s) => s.start.startsWith(spring));
    expect(onTheSunday.length).toBeGreaterThan(0);
    const before = DateTime.fromISO(`${spring}T01:00`, { zone: la.timezone }).offset;
    const after = DateTime.fromISO(`${spring}T04:00`, { zone: la.timezone }).offset;
    expect(after - before).toBe(60);
    for (const slot of onTheSunday) {
      const local = DateTime.fromISO(slot.start, { setZone: true }).setZone(la.timezone);
      expect(local.hour).not.toBe(2);
      expect(DateTime.fromISO(slot.start, { setZone: true }).offset).toBe(local.hour < 2 ? before : after);
    }
    // Both sides of the jump are present, so the test is not passing on an empty side.
    expect(onTheSunday.some((s) => DateTime.fromISO(s.start, { setZone: true }).offset === before)).toBe(true);
    expect(onTheSunday.some((s) => DateTime.fromISO(s.start, { setZone: true }).offset === after)).toBe(true);
    // A 30-minute visit at 01:30 ends at 03:00 local: the clock jumped, the visit did not.
    const late = onTheSunday.find((s) => s.start.slice(11, 16) === '01:30');
    if (late)
      expect(DateTime.fromISO(late.end, { setZone: true }).setZone(la.timezone).toFormat('HH:mm')).toBe('03:00');
  });

  it('says so when nothing fits and suggests the nearest relaxation, on a day the practice is closed', async () => {
    const closure = la.dates.closure;
    const raw = await rawGet<{ results: RawSlot[] }>(sandbox, `${practicePath()}/scheduling/find-spot/`, {
      duration_minutes: '60',
      start_date: closure,
      end_date: closure,
    });
    expect(raw.results).toEqual([]);
    const { structured, text } = await callOk<FindSpotOutput>(server.client, 'find_spot', {
      practice: la.name,
      duration_minutes: 60,
      start_date: closure,
      end_date: closure,
    });
    expect(structured.slots).toEqual([]);
    expect(text).toMatch(/^No open times/);
    const later = structured.suggestions.find((s) => s.change.startsWith('dates after'));
    expect(later).toBeDefined();
    expect((later?.earliest ?? '').slice(4, 14) > closure).toBe(true);
  });

  it('takes the usual length of a named visit type from the practice', async () => {
    const appointments = await rawList<RawAppointment & { appointment_type: string }>(
      sandbox,
      `${practicePath()}/scheduling/appointment/`,
      {
        from: addDays(la.today, -28),
        to: la.today,
      },
    );
    const crownPreps = appointments
      .filter((a) => a.appointment_type === 'Crown Prep' && !['cancelled', 'broken', 'unscheduled'].includes(a.status))
      .map((a) => a.duration_minutes)
      .sort((a, b) => a - b);
    expect(crownPreps.length).toBeGreaterThan(0);
    const middle = crownPreps[Math.floor(crownPreps.length / 2)] as number;
    const { structured } = await callOk<FindSpotOutput>(server.client, 'find_spot', {
      practice: la.name,
      appointment_type: 'crown prep',
      max_results: 3,
    });
    expect(structured.duration_minutes).toBe(middle);
  });

  it('keeps the answer right when the upstream rejects the provider filter (integer-PK reading)', async () => {
    await sandbox.control.setQuirks({ idFilters: 'int-strict' });
    try {
      const provider = la.providers.dentists[1] as string;
      const { structured } = await callOk<FindSpotOutput>(server.client, 'find_spot', {
        practice: la.name,
        duration_minutes: 30,
        providers: [provider],
        start_date: la.today,
        end_date: addDays(la.today, 10),
        max_results: 20,
      });
      expect(structured.slots.length).toBeGreaterThan(0);
      expect(new Set(structured.slots.map((s) => s.provider_id))).toEqual(new Set([provider]));
      expect(structured.notes.join(' ')).toMatch(/did not accept the provider filter/);
      // Independently: every returned time is one the unfiltered slot finder offers that provider
      // (asked day by day, so that no day's times fall past one answer's max_results).
      const offered = new Set<number>();
      for (let day = 0; day <= 10; day += 1) {
        const date = addDays(la.today, day);
        const unfiltered = await rawGet<{ results: RawSlot[] }>(sandbox, `${practicePath()}/scheduling/find-spot/`, {
          duration_minutes: '30',
          start_date: date,
          end_date: date,
          max_results: '50',
        });
        expect(unfiltered.results.length).toBeLessThan(50);
        for (const r of unfiltered.results) if (r.provider === provider) offered.add(instant(r.date_time));
      }
      for (const slot of structured.slots) expect(offered.has(instant(slot.start)), slot.start).toBe(true);
    } finally {
      await sandbox.control.setQuirks({ idFilters: 'uuid' });
    }
  });

  it('refuses bad arguments clearly, without any upstream call', async () => {
    await callOk(server.client, 'find_spot', { practice: la.name, duration_minutes: 30, max_results: 1 });
    await sandbox.control.clearRequests();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ practice: la.name, duration_minutes: 'sixty' }, /duration_minutes/],
      [{ practice: la.name, duration_minutes: 60, start_date: '2026-02-30' }, /not a real calendar date/],
      [
        { practice: la.name, duration_minutes: 60, start_date: addDays(la.today, 5), end_date: la.today },
        /before start_date/,
      ],
      [
        { practice: la.name, duration_minutes: 60, start_date: la.today, end_date: addDays(la.today, 120) },
        /at most 90 days/,
      ],
      [{ practice: la.name, duration_minutes: 60, providers: ['Dr. Nobody Atall'] }, /No provider .* matches/],
      [{ practice: la.name, duration_minutes: 600 }, /at most 480/],
      [{ practice: la.name, duration_minutes: 60, max_results: 99 }, /at most 50/],
      [{ practice: la.name }, /duration_minutes .* or appointment_type/],
      [{ practice: 'Nowhere Dental', duration_minutes: 60 }, /No practice called/],
      [{ practice: la.name, duration_minutes: 60, when: 'whenever the moon is full' }, /Try phrases like/],
    ];
    for (const [args, message] of cases) {
      const text = await callError(server.client, 'find_spot', args).catch(async (error: Error) => {
        // Schema-level rejections surface as protocol errors in some eras; both must be clear.
        return error.message;
      });
      expect(text).toMatch(message);
    }
    expect(await sandbox.control.requests()).toEqual([]);
  });

  it('costs exactly one upstream request with a warm cache', async () => {
    const providers = await rawList<RawProvider>(sandbox, `${practicePath()}/provider/`);
    const dentist = providers.find((p) => p.id === la.providers.dentists[0]) as RawProvider;
    const byName = `Dr. ${dentist.last_name}`;
    await callOk(server.client, 'find_spot', {
      practice: la.name,
      duration_minutes: 60,
      providers: [byName],
      max_results: 5,
    });
    await sandbox.control.clearRequests();
    await callOk(server.client, 'find_spot', {
      practice: la.name,
      duration_minutes: 45,
      providers: [byName],
      when: 'afternoons',
    });
    const requests = await sandbox.control.requests();
    expect(requests.map((r) => `${r.method} ${r.path.replace(la.id, '{practice}')}`)).toEqual([
      'GET /api/v1/practice/{practice}/scheduling/find-spot/',
    ]);
  });
});
