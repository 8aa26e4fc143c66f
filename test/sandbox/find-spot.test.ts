/**
 * find-spot and available-slots against raw data fetched from the same sandbox: appointments,
 * resolved schedule and providers. Local times are recomputed with luxon, independently of the
 * sandbox's own time code.
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PracticeFixture, RunningSandbox } from '../../src/sandbox/index.js';
import { Api, boot, practicePath, wallOf } from './helpers.js';

let sb: RunningSandbox;
let api: Api;
let la: PracticeFixture;
let P: string;
const TZ = 'America/Los_Angeles';

interface Slot {
  date_time: string;
  provider: string;
  operatory: string;
  duration_minutes: number;
}

interface Block {
  start: string;
  end: string;
  schedule_type: string;
  blockout_type: string;
  provider: string | null;
  operatory: string | null;
  status: string;
}

const BLOCKING = new Set(['scheduled', 'arrived', 'seated', 'ready_for_doctor', 'ready_for_walkout', 'complete']);

beforeAll(async () => {
  sb = await boot();
  api = new Api(sb.url, sb.credentials.service.access);
  la = sb.fixtures.practices.la;
  P = practicePath(la.id);
});
afterAll(async () => sb?.close());

const ms = (iso: string) => Date.parse(iso);

async function findSpot(query: Record<string, string | number | (string | number)[]>) {
  return api.get(`${P}/scheduling/find-spot/`, query);
}

/** Checks every slot against appointments and the resolved schedule fetched over HTTP. */
async function assertSlotsRespectRawData(slots: Slot[], from: string, to: string) {
  const appts = await api.all(`${P}/scheduling/appointment/`, { from, to, page_size: 100 });
  const schedule = (await api.get(`${P}/scheduling/resolved-schedule/`, { date_from: from, date_to: to })).body
    .schedule as Record<string, Block[]>;
  for (const slot of slots) {
    const start = ms(slot.date_time);
    const end = start + slot.duration_minutes * 60_000;
    const localDate = DateTime.fromMillis(start, { zone: TZ }).toISODate() as string;
    const blocks = schedule[localDate] ?? [];
    // Inside office hours and inside the provider's hours for that chair.
    const inside = (b: Block) => ms(b.start) <= start && end <= ms(b.end);
    expect(
      blocks.some((b) => b.schedule_type === 'office_hours' && b.status === 'open' && inside(b)),
      slot.date_time,
    ).toBe(true);
    expect(
      blocks.some(
        (b) =>
          b.schedule_type === 'provider' &&
          b.provider === slot.provider &&
          (b.operatory === null || b.operatory === slot.operatory) &&
          inside(b),
      ),
    ).toBe(true);
    // No blockout / closure applying to the practice, the provider or the chair overlaps it.
    for (const b of blocks) {
      const applies =
        (b.schedule_type === 'blockout' || b.status === 'closed' || b.status === 'holiday') &&
        (b.provider === null || b.provider === slot.provider) &&
        (b.operatory === null || b.operatory === slot.operatory);
      if (applies)
        expect(ms(b.start) < end && start < ms(b.end), `${slot.date_time} overlaps ${b.blockout_type}`).toBe(false);
    }
    // No blocking appointment in the chair or with the provider overlaps it.
    for (const a of appts) {
      if (!BLOCKING.has(a.status)) continue;
      const as = ms(a.date_time);
      const ae = as + a.duration_minutes * 60_000;
      if (!(as < end && start < ae)) continue;
      expect(a.operatory, `chair double-booked at ${slot.date_time}`).not.toBe(slot.operatory);
      expect([a.provider, a.provider_hygienist], `provider double-booked at ${slot.date_time}`).not.toContain(
        slot.provider,
      );
    }
    expect(start).toBeGreaterThanOrEqual(ms(sb.fixtures.generatedAt));
  }
}

describe('find-spot', () => {
  it('returns chronological slots that respect appointments, hours, blockouts and closures', async () => {
    // Through the extended-hours day (today + ~14): the huddle scenarios of the worklists take some of
    // today's hour-long holes, and the ten days to the closure held barely more than 50 of them.
    const end = la.dates.extendedHours.date;
    const r = await findSpot({
      duration_minutes: 60,
      start_date: la.today,
      end_date: end,
      max_results: 50,
    });
    expect(r.status).toBe(200);
    const slots = r.body.results as Slot[];
    expect(r.body.count).toBe(slots.length);
    expect(slots.length).toBe(50);
    const starts = slots.map((s) => ms(s.date_time));
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    expect(new Set(starts).size).toBe(starts.length);
    await assertSlotsRespectRawData(slots, la.today, end);
  });

  it('never offers a slot on a closed day, in a blockout, or on a provider day off', async () => {
    for (const date of [la.dates.closure, ...(la.dates.nextHoliday ? [la.dates.nextHoliday] : [])]) {
      const r = await findSpot({ duration_minutes: 30, start_date: date, end_date: date, max_results: 50 });
      expect(r.body.results, date).toEqual([]);
    }
    const off = la.dates.providerDayOff;
    const r = await findSpot({
      duration_minutes: 30,
      start_date: off.date,
      end_date: off.date,
      provider: off.providerId,
      max_results: 50,
    });
    expect(r.body.results).toEqual([]);
    const meeting = await findSpot({
      duration_minutes: 30,
      start_date: la.dates.meetingBlockout,
      end_date: la.dates.meetingBlockout,
      max_results: 50,
    });
    const slots = meeting.body.results as Slot[];
    await assertSlotsRespectRawData(slots, la.dates.meetingBlockout, la.dates.meetingBlockout);
    for (const s of slots) {
      const { minute } = wallOf(s.date_time);
      expect(minute >= 9 * 60 && !(minute > 11 * 60 + 30 && minute < 13 * 60)).toBe(true);
    }
  });

  it('honours the extended-hours open override', async () => {
    const ext = la.dates.extendedHours;
    const r = await findSpot({
      duration_minutes: 60,
      start_date: ext.date,
      end_date: ext.date,
      provider: ext.providerId,
      max_results: 50,
    });
    const minutes = (r.body.results as Slot[]).map((s) => wallOf(s.date_time).minute);
    expect(minutes.some((m) => m < 8 * 60 || m >= 17 * 60)).toBe(true);
    await assertSlotsRespectRawData(r.body.results, ext.date, ext.date);
  });

  it('legacy days_of_week/earliest_time/latest_time constrain the start (0=Mon..6=Sun, inclusive)', async () => {
    const r = await findSpot({
      duration_minutes: 30,
      start_date: la.today,
      end_date: '2026-04-10',
      days_of_week: '1,3',
      earliest_time: '10:00',
      latest_time: '11:30',
      max_results: 50,
    });
    expect(r.status).toBe(200);
    const slots = r.body.results as Slot[];
    expect(slots.length).toBeGreaterThan(0);
    for (const s of slots) {
      const dt = DateTime.fromISO(s.date_time, { zone: TZ });
      expect([2, 4]).toContain(dt.weekday); // luxon: 1=Mon … so 0=Mon → Tue(2), Thu(4)
      const minute = dt.hour * 60 + dt.minute;
      expect(minute).toBeGreaterThanOrEqual(600);
      expect(minute).toBeLessThanOrEqual(690);
    }
  });

  it('availability_windows are a union of disjoint windows', async () => {
    const r = await findSpot({
      duration_minutes: 30,
      start_date: la.today,
      end_date: '2026-04-10',
      availability_windows: ['0:08:00-09:00', '4:14:00-16:00'],
      max_results: 50,
    });
    expect(r.status).toBe(200);
    const slots = r.body.results as Slot[];
    const mondays = slots.filter((s) => DateTime.fromISO(s.date_time, { zone: TZ }).weekday === 1);
    const fridays = slots.filter((s) => DateTime.fromISO(s.date_time, { zone: TZ }).weekday === 5);
    expect(mondays.length).toBeGreaterThan(0);
    expect(fridays.length).toBeGreaterThan(0);
    expect(mondays.length + fridays.length).toBe(slots.length);
    for (const s of mondays) expect(wallOf(s.date_time).minute).toBeLessThanOrEqual(9 * 60);
    for (const s of fridays) expect(wallOf(s.date_time).minute).toBeGreaterThanOrEqual(14 * 60);
  });

  it('rejects mixing availability_windows with the legacy parameters, and malformed windows', async () => {
    const mixed = await findSpot({
      duration_minutes: 30,
      availability_windows: '0:08:00-12:00',
      earliest_time: '09:00',
    });
    expect(mixed.status).toBe(400);
    expect(Object.keys(mixed.body)).toEqual(['availability_windows']);
    for (const bad of ['7:08:00-09:00', 'mon:08:00-09:00', '0:9-10', '0:12:00-08:00']) {
      expect((await findSpot({ duration_minutes: 30, availability_windows: bad })).status, bad).toBe(400);
    }
  });

  it('enforces the 90-day window, max_results 50 and duration_minutes', async () => {
    const ok = await findSpot({ duration_minutes: 30, start_date: '2026-03-01', end_date: '2026-05-30' });
    expect(ok.status).toBe(200);
    const over = await findSpot({ duration_minutes: 30, start_date: '2026-03-01', end_date: '2026-05-31' });
    expect(over.status).toBe(400);
    expect(over.body).toEqual({ end_date: ['Search window cannot exceed 90 days.'] });
    expect((await findSpot({ duration_minutes: 30, start_date: '2026-03-10', end_date: '2026-03-09' })).status).toBe(
      400,
    );
    const many = await findSpot({ duration_minutes: 30, max_results: 51 });
    expect(many.status).toBe(400);
    expect(many.body).toEqual({ max_results: ['Ensure this value is less than or equal to 50.'] });
    expect((await findSpot({})).status).toBe(400);
    expect((await findSpot({ duration_minutes: 481 })).status).toBe(400);
    const dflt = await findSpot({ duration_minutes: 15 });
    expect(dflt.body.results).toHaveLength(20);
  });

  it('provider and operatory filters are unions', async () => {
    const [d1, d2] = la.providers.dentists as [string, string];
    const both = await findSpot({ duration_minutes: 30, provider: [d1, d2], max_results: 50, end_date: '2026-03-20' });
    const providers = new Set((both.body.results as Slot[]).map((s) => s.provider));
    expect([...providers].sort()).toEqual([d1, d2].sort());
    const hyg = la.operatories.hygiene;
    const ops = [hyg, la.operatories.notWebSched];
    const byOp = await findSpot({ duration_minutes: 30, operatory: ops, max_results: 50, end_date: '2026-03-20' });
    const seen = new Set((byOp.body.results as Slot[]).map((s) => s.operatory));
    expect([...seen].every((o) => ops.includes(o))).toBe(true);
    expect(seen.size).toBe(2);
    // Not-bookable chairs and inactive providers never appear.
    const all = await findSpot({ duration_minutes: 15, max_results: 50, end_date: '2026-03-20' });
    for (const s of all.body.results as Slot[]) {
      expect(s.operatory).not.toBe(la.operatories.notBookable);
      expect(s.provider).not.toBe(la.providers.inactive);
    }
    expect((await findSpot({ duration_minutes: 15, operatory: la.operatories.notBookable })).body.results).toEqual([]);
  });
});

describe('DST', () => {
  const spring = '2026-03-08';

  it('no slot starts in the spring-forward gap; offsets flip across it and durations are real minutes', async () => {
    expect(la.dates.springForward).toContain(spring);
    const r = await api.get(`${P}/scheduling/available-slots/`, { date: spring, duration_minutes: 60 });
    expect(r.status).toBe(200);
    const slots = r.body.slots as string[];
    expect(slots.length).toBeGreaterThan(0);
    for (const s of slots) {
      const { minute } = wallOf(s);
      expect(minute < 120 || minute >= 180, s).toBe(true);
      // The offset printed is the zone's real offset at that instant.
      const real = DateTime.fromMillis(ms(s), { zone: TZ }).offset;
      expect(s.endsWith(real === -480 ? '-08:00' : '-07:00')).toBe(true);
    }
    expect(slots.some((s) => s.endsWith('-08:00'))).toBe(true);
    expect(slots.some((s) => s.endsWith('-07:00'))).toBe(true);
    // Office hours 00:00–06:00 local are only 5 real hours that day; the last 60-minute start is 05:00.
    const last = slots[slots.length - 1] as string;
    expect(wallOf(last).minute).toBeLessThanOrEqual(5 * 60);
    const fs = await findSpot({ duration_minutes: 60, start_date: spring, end_date: spring, max_results: 50 });
    await assertSlotsRespectRawData(fs.body.results, spring, spring);
    for (const s of fs.body.results as Slot[]) {
      const { minute } = wallOf(s.date_time);
      expect(minute < 120 || minute >= 180).toBe(true);
    }
  });

  it('a 60-minute slot at 01:30 on the spring-forward Sunday ends at 03:30 local', async () => {
    const hyg = la.providers.hygienists[0] as string;
    const r = await findSpot({
      duration_minutes: 60,
      start_date: spring,
      end_date: spring,
      provider: hyg,
      max_results: 50,
    });
    const at130 = (r.body.results as Slot[]).find((s) => s.date_time === '2026-03-08T01:30:00-08:00');
    expect(at130).toBeDefined();
    const end = DateTime.fromMillis(ms((at130 as Slot).date_time) + 3_600_000, { zone: TZ });
    expect(end.toFormat('HH:mm')).toBe('03:30');
  });
});

describe('available-slots', () => {
  it('deduplicates by instant and applies interval', async () => {
    const r = await api.get(`${P}/scheduling/available-slots/`, {
      date: '2026-02-24',
      duration_minutes: 30,
      interval: 30,
    });
    const slots = r.body.slots as string[];
    expect(new Set(slots).size).toBe(slots.length);
    for (const s of slots) expect(wallOf(s).minute % 30).toBe(0);
    expect((await api.get(`${P}/scheduling/available-slots/`, { duration_minutes: 30 })).status).toBe(400);
  });
});
