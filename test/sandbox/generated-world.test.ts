/** The seeded world has the shape the brief asks for, read back over HTTP. */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PracticeFixture, RunningSandbox } from '../../src/sandbox/index.js';
import { CDT_CODES } from '../../src/sandbox/seed/cdt.js';
import { Api, boot, practicePath } from './helpers.js';

let sb: RunningSandbox;
let api: Api;

beforeAll(async () => {
  sb = await boot({ quirks: { inactiveReads: 'allow' } });
  api = new Api(sb.url, sb.credentials.service.access);
});
afterAll(async () => sb?.close());

const practices = (): [string, PracticeFixture][] => Object.entries(sb.fixtures.practices);

describe('generated world', () => {
  it('one client, two active practices in DST zones and one disabled practice', async () => {
    const list = await api.with(sb.credentials.support.access).all('/api/v1/practice/');
    expect(new Set(list.map((p) => p.client)).size).toBe(1);
    expect(list.map((p) => [p.timezone, p.is_active]).sort()).toEqual([
      ['America/Chicago', false],
      ['America/Los_Angeles', true],
      ['America/New_York', true],
    ]);
  });

  it('providers and operatories have the required variety', async () => {
    for (const [key, f] of practices()) {
      const providers = await api.all(`${practicePath(f.id)}/provider/`);
      const ops = await api.all(`${practicePath(f.id)}/provider/operatory/`);
      expect(providers.length, key).toBeGreaterThanOrEqual(4);
      expect(providers.length, key).toBeLessThanOrEqual(6);
      expect(providers.some((p) => !p.is_active)).toBe(true);
      expect(providers.some((p) => p.is_active && !p.is_web_sched)).toBe(true);
      expect(new Set(providers.map((p) => p.provider_type))).toEqual(new Set(['dentist', 'hygienist']));
      expect(ops.length, key).toBeGreaterThanOrEqual(5);
      expect(ops.length, key).toBeLessThanOrEqual(8);
      expect(ops.some((o) => !o.is_bookable)).toBe(true);
      expect(ops.some((o) => o.is_hygiene && o.is_bookable)).toBe(true);
      expect(ops.some((o) => o.is_bookable && !o.is_web_sched)).toBe(true);
    }
  });

  it('about 1,500 patients per active practice with mixed phone formats', async () => {
    const la = sb.fixtures.practices.la;
    const r = await api.get(`${practicePath(la.id)}/patient/`);
    expect(r.body.count).toBeGreaterThanOrEqual(1400);
    expect(r.body.count).toBeLessThanOrEqual(1600);
    const rows = await api.all(`${practicePath(la.id)}/patient/`, { page_size: 100, search: '555' });
    const styles = new Set(
      rows
        .map((p) => p.phone_mobile as string | null)
        .filter((x): x is string => !!x)
        .map((x) => x.replace(/\d/g, '9')),
    );
    expect(styles.size).toBeGreaterThanOrEqual(4);
  });

  it('18 months of appointments with every main status, real CDT codes and appointment types', async () => {
    const la = sb.fixtures.practices.la;
    const P = practicePath(la.id);
    const today = DateTime.fromISO(la.today, { zone: 'UTC' });
    const first = await api.get(`${P}/scheduling/appointment/`, { page_size: 1 });
    const lastPage = await api.get(`${P}/scheduling/appointment/`, { page_size: 1, page: first.body.count });
    const earliest = DateTime.fromISO(first.body.results[0].date_time);
    const latest = DateTime.fromISO(lastPage.body.results[0].date_time);
    expect(today.diff(earliest, 'days').days).toBeGreaterThan(330);
    expect(latest.diff(today, 'days').days).toBeGreaterThan(150);
    const month = await api.all(`${P}/scheduling/appointment/`, {
      from: '2026-01-01',
      to: '2026-03-31',
      page_size: 100,
    });
    const statuses = new Set(month.map((a) => a.status));
    for (const s of ['complete', 'broken', 'cancelled', 'scheduled']) expect(statuses).toContain(s);
    const codes = new Set(CDT_CODES.map((c) => c.code));
    for (const a of month) {
      expect(a.appointment_type).not.toBe('');
      for (const sp of a.scheduled_procedures) {
        expect(codes.has(sp.proc_code)).toBe(true);
        expect(sp.fee).toMatch(/^\d+\.\d{2}$/);
      }
    }
    // Nothing in the future is scheduled in the past, and nothing complete is in the future.
    const now = Date.parse(sb.fixtures.generatedAt);
    for (const a of month) {
      if (a.status === 'scheduled') expect(Date.parse(a.date_time)).toBeGreaterThan(now);
      if (a.status === 'complete') expect(Date.parse(a.date_time)).toBeLessThan(now);
    }
  });

  it('generated future appointments never double-book a chair or a provider', async () => {
    const la = sb.fixtures.practices.la;
    const rows = await api.all(`${practicePath(la.id)}/scheduling/appointment/`, {
      from: la.today,
      to: '2026-04-30',
      page_size: 100,
    });
    const blocking = rows.filter((a) => ['scheduled', 'arrived', 'seated', 'complete'].includes(a.status));
    for (let i = 0; i < blocking.length; i++) {
      const a = blocking[i];
      const aEnd = Date.parse(a.date_time) + a.duration_minutes * 60_000;
      for (let j = i + 1; j < blocking.length; j++) {
        const b = blocking[j];
        if (Date.parse(b.date_time) >= aEnd) break;
        expect(b.operatory === a.operatory, `${a.id} vs ${b.id}`).toBe(false);
        const people = new Set([a.provider, a.provider_hygienist].filter(Boolean));
        expect(people.has(b.provider) || people.has(b.provider_hygienist)).toBe(false);
      }
    }
  });

  it('has an appointment on each DST boundary date in the window and the 23:30 visit', async () => {
    for (const [, f] of practices()) {
      const P = practicePath(f.id);
      for (const id of [...f.appointments.dstSpring, ...f.appointments.dstFall]) {
        const a = await api.get(`${P}/scheduling/appointment/${id}/`);
        const local = DateTime.fromISO(a.body.date_time, { setZone: true }).setZone(f.timezone);
        expect([...f.dates.springForward, ...f.dates.fallBack]).toContain(local.toISODate());
        expect(local.toFormat('HH:mm')).toBe('01:30');
      }
      expect(f.appointments.dstSpring.length + f.appointments.dstFall.length).toBeGreaterThanOrEqual(2);
      const late = await api.get(`${P}/scheduling/appointment/${f.appointments.lateNight.id}/`);
      expect(DateTime.fromISO(late.body.date_time, { setZone: true }).setZone(f.timezone).toFormat('HH:mm')).toBe(
        '23:30',
      );
      expect(new Date(Date.parse(late.body.date_time)).toISOString().slice(0, 10)).toBe(
        f.appointments.lateNight.utcDate,
      );
    }
  });
});
