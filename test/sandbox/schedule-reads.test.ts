/**
 * Month summary, open-close, day sheet, resolved schedule and templates, each checked against the
 * raw appointment list / override list of the same sandbox (luxon for local dates).
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PracticeFixture, RunningSandbox } from '../../src/sandbox/index.js';
import { Api, boot, practicePath } from './helpers.js';

let sb: RunningSandbox;
let api: Api;
let la: PracticeFixture;
let P: string;
const TZ = 'America/Los_Angeles';

beforeAll(async () => {
  sb = await boot();
  api = new Api(sb.url, sb.credentials.service.access);
  la = sb.fixtures.practices.la;
  P = practicePath(la.id);
});
afterAll(async () => sb?.close());

const localDate = (iso: string) => DateTime.fromISO(iso, { setZone: true }).setZone(TZ).toISODate() as string;
const cents = (fee: string) => Math.round(Number(fee) * 100);

describe('month-summary', () => {
  it('equals the appointment list bucketed by practice-local date, without cancelled and broken', async () => {
    const from = '2026-01-01';
    const to = '2026-02-28';
    // Widen by a day on each side and re-bucket locally (T8), so the check does not trust `from`/`to`.
    const appts = await api.all(`${P}/scheduling/appointment/`, {
      from: '2025-12-31',
      to: '2026-03-01',
      page_size: 100,
    });
    const expected: Record<string, { appointment_count: number; production: string }> = {};
    const sums = new Map<string, { n: number; c: number }>();
    for (const a of appts) {
      const day = localDate(a.date_time);
      if (day < from || day > to || a.status === 'cancelled' || a.status === 'broken') continue;
      const s = sums.get(day) ?? { n: 0, c: 0 };
      s.n += 1;
      for (const p of a.scheduled_procedures) s.c += cents(p.fee);
      sums.set(day, s);
    }
    for (const [day, s] of [...sums].sort())
      expected[day] = { appointment_count: s.n, production: (s.c / 100).toFixed(2) };
    const r = await api.get(`${P}/scheduling/month-summary/`, { from, to });
    expect(r.status).toBe(200);
    expect(r.body.from).toBe(from);
    expect(r.body.days).toEqual(expected);
  });

  it('keeps a 23:30 local appointment on its local date, not the UTC date', async () => {
    const late = la.appointments.lateNight;
    expect(late.utcDate).not.toBe(late.localDate);
    const a = await api.get(`${P}/scheduling/appointment/${late.id}/`);
    expect(a.body.date_time).toMatch(/T23:30:00-0[78]:00$/);
    const onLocal = await api.get(`${P}/scheduling/month-summary/`, { from: late.localDate, to: late.localDate });
    const onUtc = await api.get(`${P}/scheduling/month-summary/`, { from: late.utcDate, to: late.utcDate });
    const list = await api.all(`${P}/scheduling/appointment/`, {
      from: late.localDate,
      to: late.localDate,
      page_size: 100,
    });
    expect(list.map((x) => x.id)).toContain(late.id);
    const counted = list.filter((x) => x.status !== 'cancelled' && x.status !== 'broken').length;
    expect(onLocal.body.days[late.localDate].appointment_count).toBe(counted);
    const nextDay = await api.all(`${P}/scheduling/appointment/`, {
      from: late.utcDate,
      to: late.utcDate,
      page_size: 100,
    });
    expect(nextDay.map((x) => x.id)).not.toContain(late.id);
    expect(onUtc.body.days[late.utcDate]?.appointment_count ?? 0).toBe(
      nextDay.filter((x) => x.status !== 'cancelled' && x.status !== 'broken').length,
    );
    const oc = await api.get(`${P}/scheduling/open-close/`, { date: late.localDate });
    expect(Date.parse(oc.body.close)).toBe(Date.parse(a.body.date_time) + a.body.duration_minutes * 60_000);
  });

  it('is sparse and requires both dates', async () => {
    const r = await api.get(`${P}/scheduling/month-summary/`, { from: la.dates.closure, to: la.dates.closure });
    expect(r.body.days).toEqual({});
    expect((await api.get(`${P}/scheduling/month-summary/`, { from: '2026-01-01' })).status).toBe(400);
  });
});

describe('open-close', () => {
  async function expectedOpenClose(date: string) {
    const list = await api.all(`${P}/scheduling/appointment/`, { from: date, to: date, page_size: 100 });
    const q = list.filter((a) => a.status !== 'cancelled' && a.status !== 'broken' && localDate(a.date_time) === date);
    if (q.length === 0) return { open: null, close: null };
    const open = Math.min(...q.map((a) => Date.parse(a.date_time)));
    const close = Math.max(...q.map((a) => Date.parse(a.date_time) + a.duration_minutes * 60_000));
    return { open, close };
  }

  for (const [label, dates] of [
    ['spring-forward', ['2026-03-06', '2026-03-08', '2026-03-09']],
    ['fall-back', ['2025-10-31', '2025-11-02', '2025-11-03']],
  ] as const) {
    it(`renders the practice offset of each date around the ${label} change`, async () => {
      for (const date of dates) {
        const r = await api.get(`${P}/scheduling/open-close/`, { date });
        expect(r.status).toBe(200);
        const want = await expectedOpenClose(date);
        expect(r.body.date).toBe(date);
        if (want.open === null) {
          expect(r.body).toEqual({ date, open: null, close: null });
          continue;
        }
        expect(Date.parse(r.body.open)).toBe(want.open);
        expect(Date.parse(r.body.close)).toBe(want.close);
        for (const key of ['open', 'close'] as const) {
          const iso = r.body[key] as string;
          const offset = DateTime.fromMillis(Date.parse(iso), { zone: TZ }).toFormat('ZZ');
          expect(iso.endsWith(offset), `${date} ${key} ${iso}`).toBe(true);
          expect(localDate(iso) === date || key === 'close').toBe(true);
        }
      }
    });
  }

  it('differs in offset on the two sides of a DST change', async () => {
    const before = await api.get(`${P}/scheduling/open-close/`, { date: '2026-03-06' });
    const after = await api.get(`${P}/scheduling/open-close/`, { date: '2026-03-09' });
    expect(before.body.open).toMatch(/-08:00$/);
    expect(after.body.open).toMatch(/-07:00$/);
    const dst = await api.get(`${P}/scheduling/open-close/`, { date: '2026-03-08' });
    expect(dst.body.open).toMatch(/-08:00$/);
    expect(dst.body.close).toMatch(/-07:00$/);
  });

  it('an empty day is 200 with nulls', async () => {
    const r = await api.get(`${P}/scheduling/open-close/`, { date: la.dates.closure });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ date: la.dates.closure, open: null, close: null });
  });
});

describe('day sheet and schedule rows', () => {
  it('hides cancelled/unscheduled/planned unless include_hidden', async () => {
    const date = '2026-02-10';
    const list = await api.all(`${P}/scheduling/appointment/`, { from: date, to: date, page_size: 100 });
    const hidden = new Set(['cancelled', 'unscheduled', 'planned']);
    const sheet = await api.get(`${P}/scheduling/day-sheet/`, { date });
    expect(sheet.body.date).toBe(date);
    expect(sheet.body.appointments.map((a: { id: string }) => a.id).sort()).toEqual(
      list
        .filter((a) => !hidden.has(a.status))
        .map((a) => a.id)
        .sort(),
    );
    const all = await api.get(`${P}/scheduling/day-sheet/`, { date, include_hidden: 'true' });
    expect(all.body.appointments).toHaveLength(list.length);
    expect(sheet.body.operatories.map((o: { id: string }) => o.id)).toContain(la.operatories.notBookable);
    expect(sheet.body.blocks.some((b: { blockout_type: string }) => b.blockout_type === 'lunch')).toBe(true);
  });

  it('shows the patient in the chair during a seated visit', async () => {
    const list = await api.all(`${P}/scheduling/appointment/`, { from: la.today, to: la.today, page_size: 100 });
    const seated = list.filter(
      (a) => ['seated', 'ready_for_doctor', 'ready_for_walkout'].includes(a.status) && a.dismissed_at === null,
    );
    const sheet = await api.get(`${P}/scheduling/day-sheet/`, { date: la.today });
    for (const op of sheet.body.operatories) {
      const here = seated.filter((a) => a.operatory === op.id);
      if (here.length === 0) expect(op.in_chair_patient).toBeNull();
      else expect(here.map((a) => a.id)).toContain(op.in_chair_patient.appointment_id);
    }
  });

  it('resolved-schedule shows a holiday closure and a provider day off', async () => {
    const closed = await api.get(`${P}/scheduling/resolved-schedule/`, { date: la.dates.closure });
    const blocks = closed.body.blocks as { schedule_type: string; status: string }[];
    expect(blocks.some((b) => b.status === 'closed')).toBe(true);
    expect(blocks.some((b) => b.schedule_type === 'office_hours' && b.status === 'open')).toBe(false);
    const off = la.dates.providerDayOff;
    const day = await api.get(`${P}/scheduling/resolved-schedule/`, { date: off.date });
    const provBlocks = (
      day.body.blocks as { schedule_type: string; provider: string | null; blockout_type: string }[]
    ).filter((b) => b.provider === off.providerId);
    expect(provBlocks.some((b) => b.schedule_type === 'provider')).toBe(false);
    expect(provBlocks.some((b) => b.blockout_type === 'time_off')).toBe(true);
    expect((await api.get(`${P}/scheduling/resolved-schedule/`)).status).toBe(400);
  });

  it('templates use 0=Sunday and list practice-wide rows with a null provider', async () => {
    const rows = await api.all(`${P}/scheduling/schedule-template/`, { page_size: 100 });
    const hours = rows.filter((t) => t.schedule_type === 'office_hours' && t.provider === null);
    expect(hours.map((t) => t.day_of_week).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(hours[0].start_time).toMatch(/^\d{2}:\d{2}:\d{2}$/);
    const sunday = await api.get(`${P}/scheduling/schedule-template/`, { day_of_week: 0 });
    expect(sunday.body.count).toBe(0);
    const overrides = await api.all(`${P}/scheduling/schedule-override/`, { date_from: la.today, page_size: 100 });
    expect(overrides.some((o) => o.status === 'open' && o.schedule_date === la.dates.extendedHours.date)).toBe(true);
    expect(overrides.some((o) => o.schedule_date === '2026-03-08' && o.start_time === '00:00:00')).toBe(true);
  });

  it('the cancellations report lists cancelled appointments by their cancellation time', async () => {
    const r = await api.get(`${P}/scheduling/reports/cancellations/`, { cancelled_between: '2026-01-01,2026-01-31' });
    expect(r.status).toBe(200);
    for (const row of r.body.results) {
      const a = await api.get(`${P}/scheduling/appointment/${row.id}/`);
      expect(a.body.status).toBe('cancelled');
      const hist = await api.get(`${P}/scheduling/appointment/${row.id}/history/`);
      const last = [...hist.body].reverse().find((h: { new_status: string }) => h.new_status === 'cancelled');
      expect(localDate(last.changed_at) >= '2026-01-01' && localDate(last.changed_at) <= '2026-01-31').toBe(true);
      if (r.body.results.indexOf(row) > 3) break;
    }
    expect((await api.get(`${P}/scheduling/reports/cancellations/`)).status).toBe(400);
  });

  it('provider utilization subtracts blocked time from the denominator', async () => {
    const r = await api.get(`${P}/scheduling/reports/provider-utilization/`, {
      from: '2026-02-02',
      to: '2026-02-06',
      granularity: 'day',
    });
    const row = (r.body.results as Record<string, string>[]).find(
      (x) => x.provider_id === la.providers.dentists[0] && x.bucket_start === '2026-02-02',
    );
    expect(row).toBeDefined();
    // Dr. Chen works 08:00–17:00 with a 1-hour lunch blockout: 9 template hours, 8 available.
    expect(row?.template_hours).toBe('9.00');
    expect(row?.blocked_hours).toBe('1.00');
    expect(row?.available_hours).toBe('8.00');
  });
});
