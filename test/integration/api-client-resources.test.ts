/**
 * Every resource function of the API client against the sandbox over real HTTP. Expected values
 * are computed independently: raw `fetch` calls to the sandbox (walking `next` links by hand) and
 * `Intl` for practice-local dates — never the client's own helpers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArgumentError,
  BadRequest,
  Conflict,
  createEscapeApi,
  type EscapeApiHandle,
  NotFound,
  type UpstreamObservation,
} from '../../src/api/index.js';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';

const NOW = '2026-05-13T17:00:00Z'; // 10:00 in Los Angeles, 13:00 in New York

let sandbox: RunningSandbox;
let api: EscapeApiHandle;
let token: string;
const observations: UpstreamObservation[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, now: NOW });
  token = sandbox.credentials.oauth.service.token;
  api = createEscapeApi({
    baseUrl: sandbox.url,
    credentials: { kind: 'static', token },
    now: () => Date.parse(NOW),
    observer: (o) => observations.push(o),
  });
});

afterAll(async () => {
  await api.close();
  await sandbox.close();
});

type Json = Record<string, unknown>;
type Query = Record<string, string | number | string[] | undefined>;

async function raw<T = unknown>(
  path: string,
  query: Query = {},
  init: RequestInit = {},
): Promise<{ status: number; body: T }> {
  const url = new URL(path, sandbox.url);
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(item));
  }
  const res = await fetch(url, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Every row of a list, following `next` links by hand. */
async function rawAll(path: string, query: Query = {}): Promise<Json[]> {
  const first = await raw<Json | Json[]>(path, query);
  if (Array.isArray(first.body)) return first.body;
  const rows = [...((first.body.results as Json[]) ?? [])];
  let next = first.body.next as string | null | undefined;
  while (next) {
    const res = await fetch(next, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as Json;
    rows.push(...((body.results as Json[]) ?? []));
    next = body.next as string | null;
  }
  return rows;
}

const localDate = (iso: string, zone: string) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(iso),
  );
const addDays = (date: string, n: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const ids = (rows: ReadonlyArray<{ id?: unknown }>) => rows.map((r) => String(r.id)).sort();
const instants = (list: Array<string>) => list.map((t) => Date.parse(t));

describe('practice and reference data', () => {
  it('practice retrieve and timezone', async () => {
    const { la, ny } = sandbox.fixtures.practices;
    const expected = (await raw<Json>(`/api/v1/practice/${ny.id}/`)).body;
    expect(await api.practices.retrieve(ny.id)).toMatchObject({
      id: ny.id,
      name: expected.name,
      timezone: expected.timezone,
    });
    expect(await api.practices.timezone(la.id)).toBe('America/Los_Angeles');
    expect(await api.practices.timezone(ny.id)).toBe('America/New_York');
  });

  it('full provider and operatory rosters, including inactive and hidden ones', async () => {
    const { la } = sandbox.fixtures.practices;
    const providers = await api.reference.providers(la.id);
    expect(ids(providers)).toEqual(ids(await rawAll(`/api/v1/practice/${la.id}/provider/`)));
    expect(providers.map((p) => p.id)).toContain(la.providers.inactive);
    const operatories = await api.reference.operatories(la.id);
    expect(ids(operatories)).toEqual(ids(await rawAll(`/api/v1/practice/${la.id}/provider/operatory/`)));
    expect(operatories.find((o) => o.id === la.operatories.notBookable)?.is_bookable).toBe(false);
  });

  it('cached: a second read makes no request', async () => {
    const { la } = sandbox.fixtures.practices;
    await api.reference.providers(la.id);
    const since = await sandbox.control.lastSeq();
    await Promise.all([api.reference.providers(la.id), api.reference.providers(la.id)]);
    expect(await sandbox.control.requests(since)).toHaveLength(0);
  });

  it('appointment statuses with blocks_slot', async () => {
    const { la } = sandbox.fixtures.practices;
    const statuses = await api.reference.appointmentStatuses(la.id);
    const expected = (await raw<Json[]>(`/api/v1/practice/${la.id}/scheduling/appointment-status/`)).body;
    expect(statuses.map((s) => [s.slug, s.blocks_slot])).toEqual(expected.map((s) => [s.slug, s.blocks_slot]));
  });

  it('carriers and the patient-insurance → carrier map', async () => {
    const { la } = sandbox.fixtures.practices;
    const carriers = await api.reference.carriers(la.id);
    const rawCarriers = await rawAll(`/api/v1/practice/${la.id}/insurance/carrier/`);
    expect(ids(carriers)).toEqual(ids(rawCarriers));
    const map = await api.reference.patientInsuranceCarriers(la.id);
    const enrollments = await rawAll(`/api/v1/practice/${la.id}/insurance/patient-insurance/`);
    expect(map.size).toBe(enrollments.length);
    const sample = enrollments[0] as Json;
    const carrierName = rawCarriers.find((c) => c.id === sample.carrier)?.name;
    expect(map.get(String(sample.id))).toEqual({ carrierId: sample.carrier, carrierName });
  });
});

describe('slot finding', () => {
  it('find-spot with explicit practice-local dates equals the raw answer', async () => {
    const { la } = sandbox.fixtures.practices;
    const result = await api.scheduling.findSpot(la.id, { durationMinutes: 60 });
    const expected = await raw<{ results: Json[] }>(`/api/v1/practice/${la.id}/scheduling/find-spot/`, {
      duration_minutes: 60,
      start_date: la.today,
      end_date: addDays(la.today, 30),
      max_results: 20,
    });
    expect(result.searched.range).toEqual({ from: la.today, to: addDays(la.today, 30) });
    expect(instants(result.slots.map((s) => s.start))).toEqual(
      instants(expected.body.results.map((r) => String(r.date_time))),
    );
    expect(result.slots.every((s) => s.start.endsWith('-07:00'))).toBe(true);
  });

  it('several windows (availability_windows) equal the raw union', async () => {
    const { la } = sandbox.fixtures.practices;
    const windows = [
      { days: [0], earliest: null, latest: '11:59' },
      { days: [3], earliest: '15:00', latest: null },
    ];
    const result = await api.scheduling.findSpot(la.id, { durationMinutes: 30, windows, maxResults: 50 });
    const expected = await raw<{ results: Json[] }>(`/api/v1/practice/${la.id}/scheduling/find-spot/`, {
      duration_minutes: 30,
      start_date: la.today,
      end_date: addDays(la.today, 30),
      max_results: 50,
      availability_windows: ['0:00:00-11:59', '3:15:00-23:59'],
    });
    expect(result.searched.form).toBe('availability_windows');
    expect(result.slots.map((s) => s.start)).toEqual(expected.body.results.map((r) => r.date_time));
    for (const s of result.slots) {
      const weekday = new Date(`${s.localDate}T12:00:00Z`).getUTCDay(); // 0=Sun
      expect([1, 4]).toContain(weekday);
      expect(weekday === 1 ? s.localTime <= '11:59' : s.localTime >= '15:00').toBe(true);
    }
  });

  it('a provider filter, a long range (clamped to 90 days) and too many results (clamped to 50)', async () => {
    const { la } = sandbox.fixtures.practices;
    const dentist = la.providers.dentists[0] as string;
    const result = await api.scheduling.findSpot(la.id, {
      durationMinutes: 60,
      providerIds: [dentist],
      range: { from: la.today, to: addDays(la.today, 200) },
      maxResults: 500,
    });
    expect(result.searched).toMatchObject({ maxResults: 50, range: { from: la.today, to: addDays(la.today, 89) } });
    expect(result.slots.length).toBeGreaterThan(0);
    expect(result.slots.every((s) => s.providerId === dentist)).toBe(true);
    expect(result.warnings.length).toBe(2);
  });

  it('available-slots for one day equals the raw answer', async () => {
    const { la } = sandbox.fixtures.practices;
    const date = addDays(la.today, 1);
    const result = await api.scheduling.availableSlots(la.id, { date, durationMinutes: 45 });
    const expected = await raw<{ slots: string[] }>(`/api/v1/practice/${la.id}/scheduling/available-slots/`, {
      date,
      duration_minutes: 45,
    });
    expect(instants(result.slots.map((s) => s.start))).toEqual(instants(expected.body.slots));
    expect(result.slots.every((s) => s.localDate === date)).toBe(true);
  });

  it('a closed day has no slots', async () => {
    const { la } = sandbox.fixtures.practices;
    const result = await api.scheduling.availableSlots(la.id, { date: la.dates.closure, durationMinutes: 30 });
    expect(result.slots).toEqual([]);
  });
});

describe('appointments', () => {
  it('a date range is re-filtered by practice-local date (widened request)', async () => {
    const { la } = sandbox.fixtures.practices;
    const range = { from: addDays(la.today, -3), to: addDays(la.today, 3) };
    const result = await api.scheduling.listAppointments(la.id, { range, limit: 10_000 });
    const rawRows = await rawAll(`/api/v1/practice/${la.id}/scheduling/appointment/`, {
      from: addDays(range.from, -1),
      to: addDays(range.to, 1),
      page_size: 100,
    });
    const expected = rawRows.filter((a) => {
      const d = localDate(String(a.date_time), la.timezone);
      return d >= range.from && d <= range.to;
    });
    expect(ids(result.appointments)).toEqual(ids(expected));
    expect(result.truncated).toBe(false);
  });

  it('the 23:30 appointment stays on its local date', async () => {
    const { la } = sandbox.fixtures.practices;
    const late = la.appointments.lateNight;
    const onLocal = await api.scheduling.listAppointments(la.id, {
      range: { from: late.localDate, to: late.localDate },
    });
    const onUtc = await api.scheduling.listAppointments(la.id, { range: { from: late.utcDate, to: late.utcDate } });
    expect(onLocal.appointments.map((a) => a.id)).toContain(late.id);
    expect(onUtc.appointments.map((a) => a.id)).not.toContain(late.id);
    expect(onLocal.appointments.find((a) => a.id === late.id)?.date_time).toMatch(/T23:30:00-07:00$/);
  });

  it("a patient's appointments: post-filtered, no foreign rows", async () => {
    const { la } = sandbox.fixtures.practices;
    const patient = la.patients.frequentNoShow;
    const range = { from: addDays(la.today, -365), to: addDays(la.today, 60) };
    const result = await api.scheduling.listAppointments(la.id, { range, patientId: patient, limit: 10_000 });
    const expected = (
      await rawAll(`/api/v1/practice/${la.id}/scheduling/appointment/`, {
        from: addDays(range.from, -1),
        to: addDays(range.to, 1),
        patient,
      })
    ).filter((a) => a.patient === patient && localDate(String(a.date_time), la.timezone) >= range.from);
    expect(result.appointments.length).toBeGreaterThan(0);
    expect(ids(result.appointments)).toEqual(ids(expected));
    const broken = await api.scheduling.listAppointments(la.id, { range, patientId: patient, status: 'no_show' });
    expect(broken.appointments.length).toBeGreaterThan(1);
    expect(broken.appointments.every((a) => a.status === 'broken')).toBe(true);
  });

  it('retrieve, and a foreign appointment id is NotFound', async () => {
    const { la, ny } = sandbox.fixtures.practices;
    const id = la.appointments.lateNight.id;
    const expected = (await raw<Json>(`/api/v1/practice/${la.id}/scheduling/appointment/${id}/`)).body;
    const got = await api.scheduling.getAppointment(la.id, id);
    expect(got).toMatchObject({ id, patient: expected.patient, status: expected.status });
    expect(Date.parse(got.date_time ?? '')).toBe(Date.parse(String(expected.date_time)));
    await expect(api.scheduling.getAppointment(ny.id, id)).rejects.toBeInstanceOf(NotFound);
  });

  it('validate → create → conflict → update → transition, never retried, never with overbooking flags', async () => {
    const { la } = sandbox.fixtures.practices;
    const slot = (
      await raw<{ results: Json[] }>(`/api/v1/practice/${la.id}/scheduling/find-spot/`, {
        duration_minutes: 60,
        start_date: addDays(la.today, 2),
        end_date: addDays(la.today, 20),
        max_results: 1,
      })
    ).body.results[0] as Json;
    const patient = la.patients.timeline;
    const booking = {
      patient,
      provider: String(slot.provider),
      operatory: String(slot.operatory),
      date_time: String(slot.date_time),
      duration_minutes: 60,
      appointment_type: 'Crown Prep',
    };
    const validation = await api.scheduling.validateAppointment(la.id, {
      date_time: booking.date_time,
      duration_minutes: 60,
      operatory: booking.operatory,
      provider: booking.provider,
    });
    expect(validation).toEqual({ valid: true, issues: [] });

    const since = await sandbox.control.lastSeq();
    const created = await api.scheduling.createAppointment(la.id, booking);
    const log = (await sandbox.control.requests(since)).filter((r) => r.method === 'POST');
    expect(log).toHaveLength(1);
    const reread = (await raw<Json>(`/api/v1/practice/${la.id}/scheduling/appointment/${created.id}/`)).body;
    expect(reread).toMatchObject({ patient, status: 'scheduled', operatory: booking.operatory });
    expect(reread.allow_overbooking ?? false).toBe(false);

    const conflict = (await api.scheduling.createAppointment(la.id, booking).catch((e: unknown) => e)) as Conflict;
    expect(conflict).toBeInstanceOf(Conflict);
    expect(conflict.conflicts.map((c) => c.appointment)).toContain(created.id);
    const invalid = await api.scheduling.validateAppointment(la.id, {
      date_time: booking.date_time,
      duration_minutes: 60,
      operatory: booking.operatory,
    });
    expect(invalid.valid).toBe(false);
    expect(invalid.issues.map((i) => i.code)).toContain('operatory_conflict');

    const updated = await api.scheduling.updateAppointment(la.id, created.id, { note: 'Bring the night guard.' });
    expect(updated.note).toBe('Bring the night guard.');
    expect((await raw<Json>(`/api/v1/practice/${la.id}/scheduling/appointment/${created.id}/`)).body.note).toBe(
      'Bring the night guard.',
    );

    const cancelled = await api.scheduling.transitionAppointment(la.id, created.id, {
      status: 'cancelled',
      note: 'Patient called',
    });
    expect(cancelled.status).toBe('cancelled');
    const history = await rawAll(`/api/v1/practice/${la.id}/scheduling/appointment/${created.id}/history/`);
    expect(history.map((h) => h.new_status)).toContain('cancelled');
  });

  it('writes are validated locally before any request', async () => {
    const { la } = sandbox.fixtures.practices;
    const since = await sandbox.control.lastSeq();
    await expect(
      api.scheduling.createAppointment(la.id, {
        patient: la.patients.timeline,
        date_time: '2026-05-20T09:00:00',
        duration_minutes: 60,
      }),
    ).rejects.toThrow(/timezone offset/);
    await expect(api.scheduling.transitionAppointment(la.id, 'x', { status: 'done' })).rejects.toThrow(ArgumentError);
    expect((await sandbox.control.requests(since)).filter((r) => r.method !== 'GET')).toHaveLength(0);
  });

  it('upstream validation errors surface as BadRequest with field errors', async () => {
    const { la } = sandbox.fixtures.practices;
    const error = (await api.scheduling
      .createAppointment(la.id, {
        patient: la.patients.timeline,
        operatory: la.operatories.bookable[0] as string,
        provider: la.providers.dentists[0] as string,
        date_time: `${la.dates.closure}T09:00:00-07:00`,
        duration_minutes: 60,
      })
      .catch((e: unknown) => e)) as BadRequest;
    expect(error).toBeInstanceOf(BadRequest);
    expect(error.hasField('date_time')).toBe(true);
  });

  it('day sheet', async () => {
    const { la } = sandbox.fixtures.practices;
    const sheet = await api.scheduling.daySheet(la.id, la.today);
    const expected = (await raw<Json>(`/api/v1/practice/${la.id}/scheduling/day-sheet/`, { date: la.today })).body;
    expect(sheet.date).toBe(la.today);
    expect(ids(sheet.operatories as Array<{ id: unknown }>)).toEqual(ids(expected.operatories as Json[]));
    expect((sheet.appointments ?? []).length).toBe((expected.appointments as Json[]).length);
  });
});

describe('patients and the clinical timeline', () => {
  it('an ambiguous name returns every candidate', async () => {
    const { la } = sandbox.fixtures.practices;
    const [a] = la.patients.ambiguousName;
    const person = (await raw<Json>(`/api/v1/practice/${la.id}/patient/${a}/`)).body;
    const result = await api.patients.search(la.id, { search: `${person.first_name} ${person.last_name}` });
    const expected = (await rawAll(`/api/v1/practice/${la.id}/patient/`, { search: String(person.last_name) })).filter(
      (p) => p.first_name === person.first_name && p.last_name === person.last_name,
    );
    expect(ids(result.patients)).toEqual(ids(expected));
    expect(result.patients.map((p) => p.id)).toEqual(expect.arrayContaining([...la.patients.ambiguousName]));
  });

  it('"Last, First" and a phone in another format pick one of them', async () => {
    const { la } = sandbox.fixtures.practices;
    const [a, b] = la.patients.ambiguousName;
    const person = (await raw<Json>(`/api/v1/practice/${la.id}/patient/${b}/`)).body;
    const byName = await api.patients.search(la.id, { search: `${person.last_name}, ${person.first_name}` });
    expect(byName.patients.map((p) => p.id)).toEqual(expect.arrayContaining([a, b]));
    const phone = String(person.phone_mobile ?? person.phone_home)
      .replace(/\D/g, '')
      .slice(-10);
    const formatted = `(${phone.slice(0, 3)}) ${phone.slice(3, 6)}-${phone.slice(6)}`;
    const byPhone = await api.patients.search(la.id, { phone: formatted });
    // Demo phones repeat across families: expect exactly the patients holding that number.
    const digits = (v: unknown) =>
      String(v ?? '')
        .replace(/\D/g, '')
        .slice(-10);
    const holders = (await rawAll(`/api/v1/practice/${la.id}/patient/`, { phone: phone, page_size: 100 })).filter((p) =>
      [p.phone_mobile, p.phone_home, p.phone_work].some((v) => digits(v) === phone),
    );
    expect(ids(byPhone.patients)).toEqual(ids(holders));
    expect(byPhone.patients.map((p) => p.id)).toContain(b);
    expect(byPhone.patients.map((p) => p.id)).not.toContain(a);
  });

  it('accent-insensitive: "Jose Nunez" finds "José Núñez"', async () => {
    const { la } = sandbox.fixtures.practices;
    const expected = (await rawAll(`/api/v1/practice/${la.id}/patient/`, { search: 'Núñez' })).filter(
      (p) => p.first_name === 'José',
    );
    expect(expected.length).toBeGreaterThan(0);
    const result = await api.patients.search(la.id, { search: 'jose nunez' });
    expect(ids(result.patients)).toEqual(ids(expected));
  });

  it('retrieve; another practice’s patient is NotFound', async () => {
    const { la, ny } = sandbox.fixtures.practices;
    const id = la.patients.timeline;
    const expected = (await raw<Json>(`/api/v1/practice/${la.id}/patient/${id}/`)).body;
    expect(await api.patients.retrieve(la.id, id)).toMatchObject({ id, last_name: expected.last_name });
    await expect(api.patients.retrieve(ny.id, id)).rejects.toBeInstanceOf(NotFound);
  });

  it('the timeline: every event, newest first, all seven sources', async () => {
    const { la } = sandbox.fixtures.practices;
    const patient = la.patients.timeline;
    const expected = await rawAll(`/api/v1/practice/${la.id}/patient/${patient}/clinical/timeline/`, {
      page_size: 200,
    });
    const result = await api.clinical.timeline(la.id, patient, { limit: 1000 });
    expect(result.events.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    expect(new Set(result.events.map((e) => e.eventType))).toEqual(
      new Set(['procedure', 'note', 'perio_exam', 'treatment_plan', 'imaging', 'communication', 'appointment']),
    );
    expect(result.total).toBe(expected.length);
  });

  it('the timeline with a type filter and a since date stops paging once past it', async () => {
    const { la } = sandbox.fixtures.practices;
    const patient = la.patients.timeline;
    const since = addDays(la.today, -180);
    const expected = (
      await rawAll(`/api/v1/practice/${la.id}/patient/${patient}/clinical/timeline/`, {
        event_type: 'appointment,note',
        page_size: 200,
      })
    ).filter((e) => {
      const d = String(e.date);
      return (d.length === 10 ? d : localDate(d, la.timezone)) >= since;
    });
    const result = await api.clinical.timeline(la.id, patient, {
      eventTypes: ['appointment', 'note'],
      since,
      pageSize: 5,
    });
    expect(result.events.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    expect(result.events.every((e) => e.eventType === 'appointment' || e.eventType === 'note')).toBe(true);
  });
});

describe('insurance and billing', () => {
  it('the claims summary equals the raw summary and the claim list counts (I8)', async () => {
    const { la } = sandbox.fixtures.practices;
    const summary = await api.insurance.claimsSummary(la.id);
    const expected = (
      await raw<{ by_status: Record<string, Json>; totals: Json }>(
        `/api/v1/practice/${la.id}/insurance/claims/summary/`,
      )
    ).body;
    expect(summary.source).toBe('summary');
    for (const [status, row] of Object.entries(expected.by_status)) {
      expect(summary.byStatus[status]).toEqual({
        count: row.count,
        totalFee: row.total_fee,
        totalPaid: row.total_paid,
      });
    }
    expect(summary.totals.outstanding).toBe(expected.totals.outstanding);
    const denied = await raw<{ count: number }>(`/api/v1/practice/${la.id}/insurance/claim/`, {
      status: 'denied',
      page_size: 1,
    });
    expect(summary.byStatus.denied?.count).toBe(denied.body.count);
  });

  it('the claim list with a status filter, paged', async () => {
    const { la } = sandbox.fixtures.practices;
    const expected = await rawAll(`/api/v1/practice/${la.id}/insurance/claim/`, {
      status: 'submitted',
      page_size: 100,
    });
    const result = await api.insurance.listClaims(la.id, { status: 'submitted', limit: 5000 });
    expect(result.count).toBe(expected.length);
    expect(ids(result.claims)).toEqual(ids(expected));
    expect(result.claims.every((c) => c.status === 'submitted')).toBe(true);
  });

  it('patient insurance for one patient', async () => {
    const { la } = sandbox.fixtures.practices;
    const all = await rawAll(`/api/v1/practice/${la.id}/insurance/patient-insurance/`);
    const patient = String((all[0] as Json).patient);
    const result = await api.insurance.patientInsurance(la.id, { patientId: patient });
    expect(ids(result)).toEqual(ids(all.filter((r) => r.patient === patient)));
  });

  it('the production report (date_from/date_to) equals the raw report', async () => {
    const { la } = sandbox.fixtures.practices;
    const range = { from: addDays(la.today, -42), to: addDays(la.today, -12) };
    const report = await api.billing.productionReport(la.id, { range });
    const expected = (
      await raw<{ summary: Json; by_provider: Json[] }>(`/api/v1/practice/${la.id}/billing/reports/production/`, {
        date_from: range.from,
        date_to: range.to,
      })
    ).body;
    expect(report.summary).toEqual({
      totalProduction: expected.summary.total_production,
      totalCollections: expected.summary.total_collections,
      totalAdjustments: expected.summary.total_adjustments,
      netProduction: expected.summary.net_production,
      procedureCount: expected.summary.procedure_count,
    });
    expect(report.byProvider.map((p) => [p.providerId, p.production])).toEqual(
      expected.by_provider.map((p) => [p.provider_id, p.production]),
    );
    const dentist = la.providers.dentists[0] as string;
    const one = await api.billing.productionReport(la.id, { range, providerIds: [dentist] });
    expect(one.byProvider.map((p) => p.providerId)).toEqual([dentist]);
  });

  it('production trending (from/to) equals the raw report', async () => {
    const { la } = sandbox.fixtures.practices;
    const range = { from: addDays(la.today, -60), to: addDays(la.today, -1) };
    const trend = await api.billing.productionTrending(la.id, {
      range,
      bucket: 'week',
      metrics: ['production', 'net_production'],
    });
    const expected = (
      await raw<{ rows: Json[]; totals: Record<string, string> }>(
        `/api/v1/practice/${la.id}/billing/reports/production/trending/`,
        {
          from: range.from,
          to: range.to,
          bucket: 'week',
          metric: 'production,net_production',
        },
      )
    ).body;
    expect(trend.rows.map((r) => [r.bucketStart, r.values])).toEqual(
      expected.rows.map((r) => [r.bucket_start, { production: r.production, net_production: r.net_production }]),
    );
    expect(trend.totals).toEqual(expected.totals);
    expect(trend.rows.every((r) => !('collections' in r.values))).toBe(true);
  });
});

describe('admin catalog and gates (read-only)', () => {
  it('readable with the internal-staff service credential', async () => {
    const { la } = sandbox.fixtures.practices;
    const catalog = await api.admin.mcpCatalog();
    const expected = (await raw<Json[]>('/api/v1/admin/mcp/catalog/')).body;
    expect(catalog.readable && catalog.value.map((c) => c.name)).toEqual(expected.map((c) => c.name));
    const gates = await api.admin.mcpGates(la.id);
    const rawGates = (await raw<Json[]>(`/api/v1/admin/practice/${la.id}/mcp-gates/`)).body;
    expect(gates.readable && gates.value.map((g) => [g.tool_key, g.enabled])).toEqual(
      rawGates.map((g) => [g.tool_key, g.enabled]),
    );
  });

  it('not readable with a practice credential', async () => {
    const frontDesk = createEscapeApi({
      baseUrl: sandbox.url,
      credentials: { kind: 'static', token: sandbox.credentials.oauth.frontDeskLa.token },
    });
    try {
      expect((await frontDesk.admin.mcpCatalog()).readable).toBe(false);
      expect((await frontDesk.admin.mcpGates(sandbox.fixtures.practices.la.id)).readable).toBe(false);
    } finally {
      await frontDesk.close();
    }
  });
});

describe('observer', () => {
  it('reported every attempt without ids or tokens', () => {
    expect(observations.length).toBeGreaterThan(20);
    const text = JSON.stringify(observations);
    expect(text).not.toContain(sandbox.fixtures.practices.la.id);
    expect(text).not.toContain(token);
    for (const o of observations)
      expect(Object.keys(o).sort()).toEqual(['attempt', 'durationMs', 'method', 'operation', 'outcome', 'status']);
  });
});
