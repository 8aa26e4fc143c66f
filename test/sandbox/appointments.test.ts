/**
 * The appointment list filters and the booking writes (create, move, transition, confirm), each
 * write checked through later reads: find-spot, day sheet, month summary, timeline, history.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PracticeFixture, RunningSandbox } from '../../src/sandbox/index.js';
import { Api, boot, practicePath } from './helpers.js';

let sb: RunningSandbox;
let api: Api;
let la: PracticeFixture;
let P: string;

beforeAll(async () => {
  sb = await boot();
  api = new Api(sb.url, sb.credentials.service.access);
  la = sb.fixtures.practices.la;
  P = practicePath(la.id);
});
afterAll(async () => sb?.close());

describe('appointment list', () => {
  it('orders by date_time then id, and from/to are inclusive practice-local dates', async () => {
    const rows = await api.all(`${P}/scheduling/appointment/`, {
      from: '2026-02-02',
      to: '2026-02-06',
      page_size: 100,
    });
    const t = rows.map((a) => Date.parse(a.date_time));
    expect([...t].sort((a, b) => a - b)).toEqual(t);
    expect(new Set(rows.map((a) => a.date_time.slice(0, 10)))).toEqual(
      new Set(['2026-02-02', '2026-02-03', '2026-02-04', '2026-02-05', '2026-02-06']),
    );
  });

  it('status=no_show is an alias of broken and adds the no-show annotations', async () => {
    const broken = await api.all(`${P}/scheduling/appointment/`, {
      status: 'broken',
      from: '2025-12-01',
      to: '2026-02-19',
      page_size: 100,
    });
    const alias = await api.all(`${P}/scheduling/appointment/`, {
      status: 'no_show',
      from: '2025-12-01',
      to: '2026-02-19',
      page_size: 100,
    });
    expect(alias.map((a) => a.id)).toEqual(broken.map((a) => a.id));
    expect(broken.length).toBeGreaterThan(0);
    const row = broken[0];
    expect(row.status).toBe('broken');
    const patient = await api.get(`${P}/patient/${row.patient}/`);
    expect(row.patient_phone).toBe(patient.body.phone_mobile ?? patient.body.phone_home ?? patient.body.phone_work);
    expect(row.patient_outstanding_balance).toBe(patient.body.balance_current);
    const history = await api.all(`${P}/scheduling/appointment/`, { status: 'broken', page_size: 100 });
    expect(row.patient_no_show_count).toBe(history.filter((a) => a.patient === row.patient).length);
    const plain = await api.get(`${P}/scheduling/appointment/`, { from: '2026-02-02', to: '2026-02-02' });
    expect(plain.body.results[0].patient_no_show_count).toBeNull();
  });

  it('no_show_between expands to status=broken&from&to, but explicit params win (L16)', async () => {
    const short = await api.all(`${P}/scheduling/appointment/`, {
      no_show_between: '2026-01-01,2026-01-31',
      page_size: 100,
    });
    const explicit = await api.all(`${P}/scheduling/appointment/`, {
      status: 'broken',
      from: '2026-01-01',
      to: '2026-01-31',
      page_size: 100,
    });
    expect(short.map((a) => a.id)).toEqual(explicit.map((a) => a.id));
    const win = await api.all(`${P}/scheduling/appointment/`, {
      no_show_between: '2026-01-01,2026-01-31',
      status: 'cancelled',
      to: '2026-01-10',
      page_size: 100,
    });
    expect(win.length).toBeGreaterThan(0);
    for (const a of win) {
      expect(a.status).toBe('cancelled');
      expect(a.date_time.slice(0, 10) <= '2026-01-10').toBe(true);
    }
    expect((await api.get(`${P}/scheduling/appointment/`, { no_show_between: '2026-01-01' })).status).toBe(400);
  });

  it('provider matches the primary provider only (T26); patient filters by patient', async () => {
    const hyg = la.providers.hygienists[0] as string;
    const day = await api.all(`${P}/scheduling/appointment/`, { from: '2026-02-02', to: '2026-02-13', page_size: 100 });
    const byProvider = await api.all(`${P}/scheduling/appointment/`, {
      from: '2026-02-02',
      to: '2026-02-13',
      provider: hyg,
      page_size: 100,
    });
    expect(byProvider.map((a) => a.id)).toEqual(day.filter((a) => a.provider === hyg).map((a) => a.id));
    expect(day.some((a) => a.provider_hygienist === hyg && a.provider !== hyg)).toBe(true);
    const tl = la.patients.timeline;
    const mine = await api.all(`${P}/scheduling/appointment/`, { patient: tl, page_size: 100 });
    expect(mine.length).toBeGreaterThanOrEqual(7);
    expect(mine.every((a) => a.patient === tl)).toBe(true);
    expect((await api.get(`${P}/scheduling/appointment/`, { status: 'bogus' })).status).toBe(400);
  });
});

describe('booking writes', () => {
  const dentist = () => la.providers.dentists[0] as string;

  async function firstSlot(date: string, days = 0) {
    const end = new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
    const r = await api.get(`${P}/scheduling/find-spot/`, {
      duration_minutes: 60,
      start_date: date,
      end_date: end,
      provider: dentist(),
    });
    return r.body.results[0] as { date_time: string; provider: string; operatory: string };
  }

  it('creates an appointment in a free slot; later reads reflect it', async () => {
    const date = '2026-02-25';
    const slot = await firstSlot(date);
    expect(slot).toBeDefined();
    const before = await api.get(`${P}/scheduling/month-summary/`, { from: date, to: date });
    const created = await api.post(`${P}/scheduling/appointment/`, {
      patient: la.patients.portal,
      provider: slot.provider,
      operatory: slot.operatory,
      date_time: slot.date_time,
      duration_minutes: 60,
      appointment_type: 'Filling',
      scheduled_procedures: [{ proc_code: 'D2392', fee: '250.00', tooth_num: '30', surface: 'MO' }],
    });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('scheduled');
    expect(created.body.date_time).toBe(slot.date_time);
    const id = created.body.id;
    expect((await api.get(`${P}/scheduling/appointment/${id}/`)).body.id).toBe(id);
    const after = await firstSlot(date);
    expect(after?.date_time).not.toBe(slot.date_time);
    const sheet = await api.get(`${P}/scheduling/day-sheet/`, { date });
    expect(sheet.body.appointments.map((a: { id: string }) => a.id)).toContain(id);
    const summary = await api.get(`${P}/scheduling/month-summary/`, { from: date, to: date });
    expect(summary.body.days[date].appointment_count).toBe(before.body.days[date].appointment_count + 1);
    expect(Math.round(Number(summary.body.days[date].production) * 100)).toBe(
      Math.round(Number(before.body.days[date].production) * 100) + 25000,
    );
    const tl = await api.get(`${P}/patient/${la.patients.portal}/clinical/timeline/`, { event_type: 'appointment' });
    expect(tl.body.results.map((e: { id: string }) => e.id)).toContain(id);

    // Double-booking the same chair → 409 with details; allow_overbooking skips the guard.
    const clash = await api.post(`${P}/scheduling/appointment/`, {
      patient: la.patients.ambiguousName[0],
      provider: la.providers.dentists[1],
      operatory: slot.operatory,
      date_time: slot.date_time,
      duration_minutes: 30,
      skip_validation: true,
    });
    expect(clash.status).toBe(409);
    expect(clash.body.detail).toBe('Scheduling conflict.');
    expect(clash.body.conflicts).toContainEqual(
      expect.objectContaining({ code: 'operatory_conflict', appointment: id }),
    );
    const sameProvider = await api.post(`${P}/scheduling/appointment/`, {
      patient: la.patients.ambiguousName[0],
      provider: slot.provider,
      date_time: slot.date_time,
      duration_minutes: 30,
    });
    expect(sameProvider.status).toBe(409);
    expect(sameProvider.body.conflicts[0].code).toBe('provider_conflict');

    // Cancel through transition: the slot comes back; history records it; terminal afterwards.
    const cancelled = await api.post(`${P}/scheduling/appointment/${id}/transition/`, {
      status: 'cancelled',
      note: 'Patient called',
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect((await firstSlot(date)).date_time).toBe(slot.date_time);
    const hist = await api.get(`${P}/scheduling/appointment/${id}/history/`);
    expect(hist.body).toEqual([
      expect.objectContaining({
        previous_status: 'scheduled',
        new_status: 'cancelled',
        note: 'Patient called',
        changed_by: sb.credentials.service.userId,
      }),
    ]);
    const again = await api.post(`${P}/scheduling/appointment/${id}/transition/`, { status: 'scheduled' });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ status: ['Cannot transition from cancelled to scheduled.'] });
  });

  it('rejects naive datetimes, closed days, blockouts and DST gaps with 400', async () => {
    const base = {
      patient: la.patients.portal,
      provider: dentist(),
      operatory: la.operatories.bookable[0],
      duration_minutes: 30,
    };
    const naive = await api.post(`${P}/scheduling/appointment/`, { ...base, date_time: '2026-02-26T10:00:00' });
    expect(naive.status).toBe(400);
    expect(naive.body).toEqual({ date_time: ['Datetime must include a timezone offset.'] });
    const closed = await api.post(`${P}/scheduling/appointment/`, {
      ...base,
      date_time: `${la.dates.closure}T10:00:00-08:00`,
    });
    expect(closed.status).toBe(400);
    expect(closed.body.date_time[0]).toMatch(/closed/);
    const lunch = await api.post(`${P}/scheduling/appointment/`, { ...base, date_time: '2026-02-26T12:15:00-08:00' });
    expect(lunch.status).toBe(400);
    expect(lunch.body.date_time[0]).toMatch(/lunch/);
    const gap = await api.post(`${P}/scheduling/appointment/`, { ...base, date_time: '2026-03-08T02:30:00-08:00' });
    expect(gap.status).toBe(400);
    expect(gap.body.date_time.join(' ')).toMatch(/daylight-saving gap/);
    const skipped = await api.post(`${P}/scheduling/appointment/`, {
      ...base,
      date_time: '2026-02-26T12:15:00-08:00',
      skip_validation: true,
    });
    expect([201, 409]).toContain(skipped.status);
    const cross = await api.post(`${P}/scheduling/appointment/`, {
      ...base,
      patient: sb.fixtures.practices.ny.patients.timeline,
      date_time: '2026-02-26T09:00:00-08:00',
    });
    expect(cross.status).toBe(400);
    expect(Object.keys(cross.body)).toEqual(['patient']);
  });

  it('validate-appointment reports issues without persisting', async () => {
    const r = await api.post(`${P}/scheduling/validate-appointment/`, {
      operatory: la.operatories.bookable[0],
      provider: dentist(),
      date_time: '2026-02-26T12:15:00-08:00',
      duration_minutes: 30,
    });
    expect(r.status).toBe(200);
    expect(r.body.valid).toBe(false);
    expect(r.body.issues.map((i: { code: string }) => i.code)).toContain('blocked');
    const slot = await firstSlot('2026-04-20', 14);
    const ok = await api.post(`${P}/scheduling/validate-appointment/`, { ...slot, duration_minutes: 60 });
    expect(ok.body).toEqual({ valid: true, issues: [] });
  });

  it('moves with PATCH (conflict-checked, excluding itself); PUT/PATCH with status → 400; confirm is strict', async () => {
    const slot = await firstSlot('2026-04-06', 14);
    const created = await api.post(`${P}/scheduling/appointment/`, {
      patient: la.patients.ambiguousName[1],
      provider: slot.provider,
      operatory: slot.operatory,
      date_time: slot.date_time,
      duration_minutes: 60,
    });
    const id = created.body.id;
    const later = new Date(Date.parse(slot.date_time) + 15 * 60_000).toISOString();
    const moved = await api.patch(`${P}/scheduling/appointment/${id}/`, { date_time: later });
    expect(moved.status === 200 || moved.status === 409).toBe(true);
    if (moved.status === 200) {
      expect(Date.parse(moved.body.date_time)).toBe(Date.parse(later));
      expect(moved.body.date_time).toMatch(/-07:00$/);
    }
    expect((await api.patch(`${P}/scheduling/appointment/${id}/`, { status: 'complete' })).body).toEqual({
      status: ['Status changes must go through /transition/.'],
    });
    expect((await api.put(`${P}/scheduling/appointment/${id}/`, { status: 'complete' })).status).toBe(400);
    expect(
      (await api.post(`${P}/scheduling/appointment/${id}/confirm/`, { confirmed_status: 'Confirmed' })).status,
    ).toBe(400);
    const conf = await api.post(`${P}/scheduling/appointment/${id}/confirm/`, { confirmed_status: 'confirmed' });
    expect(conf.body.confirmed_status).toBe('confirmed');
    expect((await api.post(`${P}/scheduling/appointment/${id}/transition/`, { status: 'no_show' })).status).toBe(400);
    const arrived = await api.post(`${P}/scheduling/appointment/${id}/transition/`, { status: 'arrived' });
    expect(arrived.body.arrived_at).toBe(new Date(sb.fixtures.generatedAt).toISOString().replace('.000Z', 'Z'));
  });

  it('writes to the disabled practice are 403 inactive_practice', async () => {
    const chi = sb.fixtures.practices.chicago;
    const r = await api.post(`${practicePath(chi.id)}/scheduling/appointment/`, {
      patient: chi.patients.portal,
      date_time: '2026-02-26T10:00:00-06:00',
      duration_minutes: 30,
    });
    expect(r.status).toBe(403);
    expect(r.body).toEqual({
      detail: 'This practice or its parent organization is disabled.',
      code: 'inactive_practice',
    });
  });

  it('writes need scheduling:write for OAuth tokens', async () => {
    const r = await api.with(sb.credentials.oauth.readerLa.token).post(`${P}/scheduling/appointment/`, {});
    expect(r.status).toBe(403);
    expect(r.body.required_scopes).toEqual(['scheduling:write']);
  });
});
