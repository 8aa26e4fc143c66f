/** Every quirk switch of ASSUMPTIONS (the `Quirks` type) selects the other documented reading. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_QUIRKS, type PracticeFixture, type RunningSandbox } from '../../src/sandbox/index.js';
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
afterEach(async () => {
  await sb.control.setQuirks(DEFAULT_QUIRKS);
});

const appts = () => `${P}/scheduling/appointment/`;

describe('idFilters', () => {
  const patient = () => la.patients.timeline;

  it('uuid (default): the "integer PK" filters take UUIDs; a non-UUID is 400', async () => {
    const rows = await api.all(appts(), { patient: patient(), page_size: 100 });
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((a) => a.patient === patient())).toBe(true);
    expect((await api.get(appts(), { patient: '17' })).status).toBe(400);
  });

  it('int-strict: a UUID is 400 "A valid integer is required."; the hidden integer PK matches', async () => {
    await sb.control.setQuirks({ idFilters: 'int-strict' });
    const r = await api.get(appts(), { patient: patient() });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ patient: ['A valid integer is required.'] });
    const pk = sb.store.practiceData(la.id)?.patients.find((p) => p.id === patient())?.pk;
    const byPk = await api.all(appts(), { patient: String(pk), page_size: 100 });
    expect(byPk.length).toBeGreaterThan(0);
    expect(byPk.every((a) => a.patient === patient())).toBe(true);
    expect(
      (
        await api.get(`${P}/scheduling/find-spot/`, {
          duration_minutes: 30,
          provider: la.providers.dentists[0] as string,
        })
      ).status,
    ).toBe(400);
  });

  it('ignore-invalid: a UUID filter is silently dropped (only post-filtering keeps results right)', async () => {
    await sb.control.setQuirks({ idFilters: 'ignore-invalid' });
    const r = await api.get(appts(), { patient: patient(), from: '2026-02-02', to: '2026-02-06', page_size: 100 });
    expect(r.status).toBe(200);
    expect(r.body.results.some((a: { patient: string }) => a.patient !== patient())).toBe(true);
    const fs = await api.get(`${P}/scheduling/find-spot/`, {
      duration_minutes: 30,
      provider: la.providers.dentists[0] as string,
      max_results: 50,
    });
    expect(new Set(fs.body.results.map((s: { provider: string }) => s.provider)).size).toBeGreaterThan(1);
  });
});

it('appointmentEnvelope=nested wraps the page in a one-element outer results (T3)', async () => {
  const flat = await api.get(appts(), { from: '2026-02-02', to: '2026-02-02' });
  await sb.control.setQuirks({ appointmentEnvelope: 'nested' });
  const nested = await api.get(appts(), { from: '2026-02-02', to: '2026-02-02' });
  expect(nested.body.results).toHaveLength(1);
  expect(nested.body.results[0]).toEqual(flat.body);
});

describe('slotShape', () => {
  it('array: both slot finders answer bare arrays', async () => {
    await sb.control.setQuirks({ slotShape: 'array' });
    const fs = await api.get(`${P}/scheduling/find-spot/`, { duration_minutes: 30 });
    expect(Array.isArray(fs.body)).toBe(true);
    expect(fs.body[0]).toHaveProperty('date_time');
    const av = await api.get(`${P}/scheduling/available-slots/`, { date: '2026-02-24', duration_minutes: 30 });
    expect(Array.isArray(av.body)).toBe(true);
    expect(typeof av.body[0]).toBe('string');
  });

  it('per-chair: find-spot returns one entry per (instant, provider, operatory)', async () => {
    const q = { duration_minutes: 30, start_date: '2026-04-14', end_date: '2026-04-14', max_results: 50 };
    const one = await api.get(`${P}/scheduling/find-spot/`, q);
    await sb.control.setQuirks({ slotShape: 'per-chair' });
    const many = await api.get(`${P}/scheduling/find-spot/`, q);
    const instants = many.body.results.map((s: { date_time: string }) => s.date_time);
    expect(new Set(instants).size).toBeLessThan(instants.length);
    const keys = many.body.results.map(
      (s: { date_time: string; provider: string; operatory: string }) => `${s.date_time}|${s.provider}|${s.operatory}`,
    );
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(one.body.results.map((s: { date_time: string }) => s.date_time)).size).toBe(one.body.results.length);
  });
});

it('datetimes=utc renders practice datetimes in Z', async () => {
  await sb.control.setQuirks({ datetimes: 'utc' });
  const r = await api.get(appts(), { from: '2026-02-02', to: '2026-02-02' });
  expect(r.body.results[0].date_time).toMatch(/Z$/);
  const oc = await api.get(`${P}/scheduling/open-close/`, { date: '2026-02-02' });
  expect(oc.body.open).toMatch(/Z$/);
  const fs = await api.get(`${P}/scheduling/find-spot/`, { duration_minutes: 30 });
  expect(fs.body.results[0].date_time).toMatch(/Z$/);
});

it('templateTimes=z-suffix appends Z to template and override times', async () => {
  await sb.control.setQuirks({ templateTimes: 'z-suffix' });
  const t = await api.get(`${P}/scheduling/schedule-template/`);
  expect(t.body.results[0].start_time).toMatch(/^\d{2}:\d{2}:\d{2}Z$/);
  const o = await api.get(`${P}/scheduling/schedule-override/`);
  expect(o.body.results[0].end_time).toMatch(/Z$/);
});

it('findSpotLimits=clamp clamps the window and max_results instead of 400', async () => {
  await sb.control.setQuirks({ findSpotLimits: 'clamp' });
  const r = await api.get(`${P}/scheduling/find-spot/`, {
    duration_minutes: 30,
    start_date: '2026-03-01',
    end_date: '2026-12-31',
    max_results: 80,
  });
  expect(r.status).toBe(200);
  expect(r.body.results).toHaveLength(50);
  const far = await api.get(`${P}/scheduling/find-spot/`, {
    duration_minutes: 30,
    start_date: '2026-03-01',
    end_date: '2026-12-31',
    days_of_week: '6',
    max_results: 50,
  });
  for (const s of far.body.results) expect(s.date_time.slice(0, 10) <= '2026-05-30').toBe(true);
});

it('inactiveReads=allow lets reads of the disabled practice through; writes stay 403', async () => {
  const chi = practicePath(sb.fixtures.practices.chicago.id);
  await sb.control.setQuirks({ inactiveReads: 'allow' });
  expect((await api.get(`${chi}/`)).status).toBe(200);
  expect((await api.get(`${chi}/scheduling/appointment/`)).status).toBe(200);
  const w = await api.post(`${chi}/scheduling/appointment/`, {});
  expect(w.status).toBe(403);
  expect(w.body.code).toBe('inactive_practice');
});

it('scopeChecks=spec-only enforces only the documented scopes', async () => {
  const noSched = api.with(sb.credentials.oauth.noSchedulingLa.token);
  expect((await noSched.get(appts())).status).toBe(403);
  await sb.control.setQuirks({ scopeChecks: 'spec-only' });
  expect((await noSched.get(appts())).status).toBe(200);
  expect((await noSched.get(`${P}/scheduling/open-close/`, { date: '2026-02-02' })).status).toBe(403);
  expect((await noSched.get('/api/v1/account/me/')).status).toBe(403);
});

it('claimsSummaryShape=list switches the claims summary to the list shape', async () => {
  const path = `${P}/insurance/claims/summary/`;
  const byStatus = await api.get(path);
  expect(byStatus.status).toBe(200);
  expect(byStatus.body).toHaveProperty('by_status');
  await sb.control.setQuirks({ claimsSummaryShape: 'list' });
  const list = await api.get(path);
  expect(Array.isArray(list.body.results)).toBe(true);
  expect(list.body).toHaveProperty('outstanding_balance');
});

describe('pagination and list switches (ASSUMPTIONS §3)', () => {
  const patients = () => `${P}/patient/`;

  it('pagination=page-ignored answers page 1 whatever `page` says, with the next link of page 1', async () => {
    const first = await api.get(patients(), { page_size: 10 });
    const second = await api.get(patients(), { page_size: 10, page: 2 });
    expect(second.body.results[0].id).not.toBe(first.body.results[0].id);
    await sb.control.setQuirks({ pagination: 'page-ignored' });
    const ignored = await api.get(patients(), { page_size: 10, page: 2 });
    expect(ignored.body.results.map((p: { id: string }) => p.id)).toEqual(
      first.body.results.map((p: { id: string }) => p.id),
    );
    expect(ignored.body.next).toBe(first.body.next);
    expect((await api.get(patients(), { page: 'nope' })).status).toBe(200);
  });

  it('pagination=next-loop: every next is the URL just requested, even on the last page', async () => {
    await sb.control.setQuirks({ pagination: 'next-loop' });
    const providers = await api.get(`${P}/provider/`, { page_size: 100 });
    expect(providers.body.count).toBe(providers.body.results.length);
    expect(providers.body.next).toBe(`${sb.url}${P}/provider/?page_size=100`);
    const page3 = await api.get(patients(), { page_size: 10, page: 3 });
    expect(page3.body.next).toBe(`${sb.url}${P}/patient/?page_size=10&page=3`);
  });

  it('nextLinks=proxy names the same path on the internal host; foreign another host and path', async () => {
    await sb.control.setQuirks({ nextLinks: 'proxy' });
    const proxied = await api.get(patients(), { page_size: 10, page: 2 });
    expect(proxied.body.next).toBe(`http://escape-api.internal:8000${P}/patient/?page_size=10&page=3`);
    expect(proxied.body.previous).toBe(`http://escape-api.internal:8000${P}/patient/?page_size=10`);
    await sb.control.setQuirks({ nextLinks: 'foreign' });
    const foreign = await api.get(`${P}/scheduling/appointment/`, { page_size: 10 });
    expect(foreign.body.next).toBe('http://links.example.invalid/next?page_size=10&page=2');
  });

  it('listCount=inflated counts 100 rows more than the list has; next still ends with the rows', async () => {
    const exact = await api.get(`${P}/provider/`);
    await sb.control.setQuirks({ listCount: 'inflated' });
    const inflated = await api.get(`${P}/provider/`);
    expect(inflated.body.results).toEqual(exact.body.results);
    expect(inflated.body.count).toBe(exact.body.count + 100);
    expect(inflated.body.next).toBeNull();
    const appointments = await api.get(appts(), { from: la.today, to: la.today });
    expect(appointments.body.count).toBe(appointments.body.results.length + 100);
  });

  it('dateParams=ignored: optional dates are ignored (default periods answer); required ones still count', async () => {
    const from = '2026-04-01';
    const asked = { duration_minutes: 30, start_date: from, end_date: '2026-04-30' };
    const spot = await api.get(`${P}/scheduling/find-spot/`, asked);
    expect(spot.body.results.every((s: { date_time: string }) => s.date_time.slice(0, 10) >= from)).toBe(true);
    const report = { date_from: '2026-01-01', date_to: '2026-01-31' };
    expect((await api.get(`${P}/billing/reports/production/`, report)).body).toMatchObject(report);
    await sb.control.setQuirks({ dateParams: 'ignored' });
    const ignored = await api.get(`${P}/scheduling/find-spot/`, asked);
    expect(ignored.body.results[0].date_time.slice(0, 10)).toBe(la.today);
    const defaulted = await api.get(`${P}/billing/reports/production/`, report);
    expect(defaulted.body.date_to).toBe(la.today);
    expect(defaulted.body.date_from).not.toBe(report.date_from);
    const trending = await api.get(`${P}/billing/reports/production/trending/`, {
      from: '2026-01-01',
      to: '2026-01-31',
    });
    expect(trending.status).toBe(200);
  });

  it('listFilters=ignored drops provider, status, search, phone and event_type filters', async () => {
    const dentist = la.providers.dentists[0] as string;
    const query = { from: la.today, to: la.today, provider: dentist, status: 'scheduled', page_size: 100 };
    const filtered = await api.all(appts(), query);
    expect(filtered.every((a) => a.provider === dentist)).toBe(true);
    await sb.control.setQuirks({ listFilters: 'ignored' });
    const unfiltered = await api.all(appts(), query);
    expect(unfiltered.length).toBeGreaterThan(filtered.length);
    expect(unfiltered.some((a) => a.provider !== dentist)).toBe(true);
    const search = await api.get(`${P}/patient/`, { search: 'zzzz-no-such-name' });
    expect(search.body.count).toBeGreaterThan(100);
    const timeline = await api.get(`${P}/patient/${la.patients.timeline}/clinical/timeline/`, {
      event_type: 'note',
    });
    expect(timeline.body.results.some((e: { event_type: string }) => e.event_type !== 'note')).toBe(true);
  });
});

it('rejects unknown quirks and values', async () => {
  const r = await fetch(`${sb.url}/__sandbox/quirks`, {
    method: 'PUT',
    body: JSON.stringify({ slotShape: 'round', nope: 'x' }),
  });
  expect(r.status).toBe(400);
  expect(Object.keys((await r.json()) as object).sort()).toEqual(['nope', 'slotShape']);
});
