/**
 * The API client under every sandbox quirk switch (ASSUMPTIONS §3–§10): each test first proves the
 * raw answer really changed shape or behaviour (so the test can fail), then checks that the client
 * gives the same result as under the default reading — and that no foreign rows leak when a
 * filter is rejected or silently ignored (T1).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEscapeApi, type EscapeApiHandle, InvalidResponse, PracticeInactive } from '../../src/api/index.js';
import { DEFAULT_QUIRKS, type Quirks, type RunningSandbox, startSandbox } from '../../src/sandbox/index.js';

const NOW = '2026-05-13T17:00:00Z';

let sandbox: RunningSandbox;
let api: EscapeApiHandle;
let token: string;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, now: NOW });
  token = sandbox.credentials.oauth.service.token;
  api = createEscapeApi({ baseUrl: sandbox.url, credentials: { kind: 'static', token }, now: () => Date.parse(NOW) });
});

afterAll(async () => {
  await api.close();
  await sandbox.close();
});

afterEach(async () => {
  await sandbox.control.setQuirks(DEFAULT_QUIRKS);
});

async function withQuirks<T>(quirks: Partial<Quirks>, fn: () => Promise<T>): Promise<T> {
  await sandbox.control.setQuirks({ ...DEFAULT_QUIRKS, ...quirks });
  try {
    return await fn();
  } finally {
    await sandbox.control.setQuirks(DEFAULT_QUIRKS);
  }
}

type Json = Record<string, unknown>;

async function raw(
  path: string,
  query: Record<string, string | number | string[]> = {},
): Promise<{ status: number; body: Json & Json[] }> {
  const url = new URL(path, sandbox.url);
  for (const [k, v] of Object.entries(query))
    for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(item));
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Json & Json[] };
}

const addDays = (date: string, n: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const sorted = (list: string[]) => [...list].sort();

describe('appointmentEnvelope=nested (T3)', () => {
  it('lists the same appointments as the flat envelope', async () => {
    const { la } = sandbox.fixtures.practices;
    const range = { from: addDays(la.today, -10), to: addDays(la.today, 10) };
    const flat = await api.scheduling.listAppointments(la.id, { range, limit: 10_000 });
    const nested = await withQuirks({ appointmentEnvelope: 'nested' }, async () => {
      const sample = await raw(`/api/v1/practice/${la.id}/scheduling/appointment/`, { from: range.from, to: range.to });
      const first = (sample.body.results as Json[])[0] as Json;
      expect(first.id).toBeUndefined();
      expect(Array.isArray(first.results)).toBe(true);
      return api.scheduling.listAppointments(la.id, { range, limit: 10_000 });
    });
    expect(flat.appointments.length).toBeGreaterThan(100); // more than one page
    expect(nested.appointments.map((a) => a.id)).toEqual(flat.appointments.map((a) => a.id));
  });
});

describe('idFilters (T1, C-T2)', () => {
  const range = () => {
    const { la } = sandbox.fixtures.practices;
    return { from: addDays(la.today, -365), to: addDays(la.today, 60) };
  };

  it('int-strict: the UUID patient filter is rejected, dropped and filtered locally with a warning', async () => {
    const { la } = sandbox.fixtures.practices;
    const patientId = la.patients.frequentNoShow;
    const baseline = await api.scheduling.listAppointments(la.id, { range: range(), patientId, limit: 10_000 });
    const strict = await withQuirks({ idFilters: 'int-strict' }, async () => {
      const probe = await raw(`/api/v1/practice/${la.id}/scheduling/appointment/`, { patient: patientId });
      expect(probe.status).toBe(400);
      return api.scheduling.listAppointments(la.id, { range: range(), patientId, limit: 10_000 });
    });
    expect(baseline.warnings).toEqual([]);
    expect(strict.appointments.map((a) => a.id)).toEqual(baseline.appointments.map((a) => a.id));
    expect(strict.appointments.every((a) => a.patient === patientId)).toBe(true);
    expect(strict.warnings.join(' ')).toMatch(/patient filter/);
  });

  it('ignore-invalid: the filter is silently dropped upstream, yet no foreign rows leak', async () => {
    const { la } = sandbox.fixtures.practices;
    const patientId = la.patients.frequentNoShow;
    const provider = la.providers.dentists[0] as string;
    const baseline = await api.scheduling.listAppointments(la.id, { range: range(), patientId, limit: 10_000 });
    const lenient = await withQuirks({ idFilters: 'ignore-invalid' }, async () => {
      const probe = await raw(`/api/v1/practice/${la.id}/scheduling/appointment/`, {
        patient: patientId,
        from: addDays(la.today, -1),
        to: la.today,
      });
      expect((probe.body.results as Json[]).some((a) => a.patient !== patientId)).toBe(true);
      return api.scheduling.listAppointments(la.id, { range: range(), patientId, limit: 10_000 });
    });
    expect(lenient.appointments.map((a) => a.id)).toEqual(baseline.appointments.map((a) => a.id));
    expect(lenient.appointments.every((a) => a.patient === patientId)).toBe(true);

    const byProvider = await withQuirks({ idFilters: 'ignore-invalid' }, () =>
      api.scheduling.listAppointments(la.id, {
        range: { from: la.today, to: addDays(la.today, 7) },
        providerId: provider,
        limit: 10_000,
      }),
    );
    expect(byProvider.appointments.length).toBeGreaterThan(0);
    expect(byProvider.appointments.every((a) => a.provider === provider)).toBe(true);
  });

  it('find-spot provider filter under int-strict and ignore-invalid: only that provider, with a warning', async () => {
    const { la } = sandbox.fixtures.practices;
    const provider = la.providers.dentists[1] as string;
    const params = { durationMinutes: 60, providerIds: [provider], maxResults: 30 };
    const baseline = await api.scheduling.findSpot(la.id, params);
    expect(baseline.slots.length).toBeGreaterThan(0);
    for (const mode of ['int-strict', 'ignore-invalid'] as const) {
      const result = await withQuirks({ idFilters: mode }, async () => {
        const probe = await raw(`/api/v1/practice/${la.id}/scheduling/find-spot/`, { duration_minutes: 60, provider });
        if (mode === 'int-strict') expect(probe.status).toBe(400);
        else expect((probe.body.results as Json[]).some((s) => s.provider !== provider)).toBe(true);
        return api.scheduling.findSpot(la.id, params);
      });
      expect(result.slots.length).toBeGreaterThan(0);
      expect(result.slots.every((s) => s.providerId === provider)).toBe(true);
      expect(result.warnings.length).toBeGreaterThan(0);
      // Every returned time is free for that provider: checked day by day with raw available-slots
      // in the default (UUID) reading, after the quirk is reset.
      const byDate = new Map<string, string[]>();
      for (const slot of result.slots) byDate.set(slot.localDate, [...(byDate.get(slot.localDate) ?? []), slot.start]);
      for (const [date, starts] of byDate) {
        const free = await raw(`/api/v1/practice/${la.id}/scheduling/available-slots/`, {
          date,
          duration_minutes: 60,
          provider,
        });
        const instants = new Set(((free.body.slots as string[]) ?? []).map((t) => Date.parse(t)));
        for (const start of starts) expect(instants.has(Date.parse(start))).toBe(true);
      }
    }
  });

  it('available-slots under int-strict says the filter could not be applied', async () => {
    const { la } = sandbox.fixtures.practices;
    const result = await withQuirks({ idFilters: 'int-strict' }, () =>
      api.scheduling.availableSlots(la.id, {
        date: addDays(la.today, 1),
        durationMinutes: 30,
        providerIds: [la.providers.dentists[0] as string],
      }),
    );
    expect(result.warnings.join(' ')).toMatch(/could not be applied/);
  });
});

describe('slotShape', () => {
  it('array: find-spot and available-slots give the same times as the default shapes', async () => {
    const { la } = sandbox.fixtures.practices;
    const date = addDays(la.today, 1);
    const spot = await api.scheduling.findSpot(la.id, { durationMinutes: 60 });
    const day = await api.scheduling.availableSlots(la.id, { date, durationMinutes: 60 });
    const [spotArr, dayArr] = await withQuirks({ slotShape: 'array' }, async () => {
      const probe = await raw(`/api/v1/practice/${la.id}/scheduling/available-slots/`, { date, duration_minutes: 60 });
      expect(Array.isArray(probe.body)).toBe(true);
      return Promise.all([
        api.scheduling.findSpot(la.id, { durationMinutes: 60 }),
        api.scheduling.availableSlots(la.id, { date, durationMinutes: 60 }),
      ]);
    });
    expect(spotArr.slots).toEqual(spot.slots);
    expect(dayArr.slots).toEqual(day.slots);
  });

  it('per-chair: one entry per (time, provider, chair), each one a real free combination', async () => {
    const { la } = sandbox.fixtures.practices;
    const result = await withQuirks({ slotShape: 'per-chair' }, async () => {
      const r = await api.scheduling.findSpot(la.id, { durationMinutes: 60, maxResults: 50 });
      const probe = await raw(`/api/v1/practice/${la.id}/scheduling/find-spot/`, {
        duration_minutes: 60,
        start_date: la.today,
        end_date: addDays(la.today, 30),
        max_results: 50,
      });
      const expected = (probe.body.results as Json[]).map(
        (s) => `${Date.parse(String(s.date_time))}|${s.provider}|${s.operatory}`,
      );
      expect(sorted(r.slots.map((s) => `${Date.parse(s.start)}|${s.providerId}|${s.operatoryId}`))).toEqual(
        sorted(expected),
      );
      return r;
    });
    const instants = result.slots.map((s) => s.start);
    expect(new Set(instants).size).toBeLessThan(instants.length);
  });
});

describe('claimsSummaryShape=list (C-T5)', () => {
  it('reads the same per-status totals and outstanding balance', async () => {
    const { la } = sandbox.fixtures.practices;
    const byStatus = await api.insurance.claimsSummary(la.id);
    const list = await withQuirks({ claimsSummaryShape: 'list' }, async () => {
      const probe = await raw(`/api/v1/practice/${la.id}/insurance/claims/summary/`);
      expect(Array.isArray(probe.body.results)).toBe(true);
      expect(probe.body.by_status).toBeUndefined();
      return api.insurance.claimsSummary(la.id);
    });
    expect(list.source).toBe('summary');
    expect(list.byStatus).toEqual(byStatus.byStatus);
    expect(list.totals.outstanding).toBe(byStatus.totals.outstanding);
    expect(list.totals.count).toBe(byStatus.totals.count);
  });
});

describe('datetimes=utc (T8)', () => {
  it('appointments, slots and the timeline are rendered back in practice time', async () => {
    const { la } = sandbox.fixtures.practices;
    const late = la.appointments.lateNight;
    const range = { from: late.localDate, to: late.localDate };
    const local = await api.scheduling.listAppointments(la.id, { range });
    const spot = await api.scheduling.findSpot(la.id, { durationMinutes: 60 });
    const timeline = await api.clinical.timeline(la.id, la.patients.timeline, { limit: 1000 });
    const [utc, utcSpot, utcTimeline] = await withQuirks({ datetimes: 'utc' }, async () => {
      const probe = await raw(`/api/v1/practice/${la.id}/scheduling/appointment/${late.id}/`);
      expect(String(probe.body.date_time)).toMatch(/Z$/);
      return Promise.all([
        api.scheduling.listAppointments(la.id, { range }),
        api.scheduling.findSpot(la.id, { durationMinutes: 60 }),
        api.clinical.timeline(la.id, la.patients.timeline, { limit: 1000 }),
      ]);
    });
    expect(utc.appointments.map((a) => [a.id, a.date_time])).toEqual(
      local.appointments.map((a) => [a.id, a.date_time]),
    );
    expect(utc.appointments.find((a) => a.id === late.id)?.date_time).toMatch(/T23:30:00-07:00$/);
    expect(utcSpot.slots).toEqual(spot.slots);
    expect(utcTimeline.events.map((e) => [e.id, e.localDate])).toEqual(timeline.events.map((e) => [e.id, e.localDate]));
  });
});

describe('templateTimes=z-suffix', () => {
  it('slot finding and the day sheet are unaffected', async () => {
    const { la } = sandbox.fixtures.practices;
    const spot = await api.scheduling.findSpot(la.id, { durationMinutes: 60 });
    const sheet = await api.scheduling.daySheet(la.id, addDays(la.today, 1));
    const [zSpot, zSheet] = await withQuirks({ templateTimes: 'z-suffix' }, async () => {
      const probe = await raw(`/api/v1/practice/${la.id}/scheduling/schedule-template/`);
      expect(String((probe.body.results as Json[])[0]?.start_time)).toMatch(/Z$/);
      return Promise.all([
        api.scheduling.findSpot(la.id, { durationMinutes: 60 }),
        api.scheduling.daySheet(la.id, addDays(la.today, 1)),
      ]);
    });
    expect(zSpot.slots).toEqual(spot.slots);
    expect(zSheet.appointments?.length).toBe(sheet.appointments?.length);
  });
});

describe('findSpotLimits=clamp', () => {
  it('the client already stays within the caps, so the answer is identical', async () => {
    const { la } = sandbox.fixtures.practices;
    const params = { durationMinutes: 30, range: { from: la.today, to: addDays(la.today, 150) }, maxResults: 80 };
    const reject = await api.scheduling.findSpot(la.id, params);
    const clamp = await withQuirks({ findSpotLimits: 'clamp' }, () => api.scheduling.findSpot(la.id, params));
    expect(clamp.slots).toEqual(reject.slots);
    expect(reject.slots).toHaveLength(50);
  });
});

describe('inactiveReads', () => {
  it('forbid: PracticeInactive on reads; allow: reads pass while writes stay refused', async () => {
    const { chicago } = sandbox.fixtures.practices;
    api.reference.invalidate(chicago.id);
    await expect(api.reference.providers(chicago.id)).rejects.toBeInstanceOf(PracticeInactive);
    await withQuirks({ inactiveReads: 'allow' }, async () => {
      const providers = await api.reference.providers(chicago.id);
      expect(providers.length).toBeGreaterThan(0);
      await expect(api.practices.timezone(chicago.id)).resolves.toBe(chicago.timezone);
      await expect(
        api.scheduling.createAppointment(chicago.id, {
          patient: chicago.patients.timeline,
          date_time: `${addDays(chicago.today, 3)}T09:00:00-05:00`,
          duration_minutes: 30,
        }),
      ).rejects.toBeInstanceOf(PracticeInactive);
    });
  });
});

describe('lists and filters the API did not apply (found by the hostile upstream run)', () => {
  it('listFilters=ignored: a production report for one provider is refused, never the practice figures as hers', async () => {
    const { la } = sandbox.fixtures.practices;
    const provider = la.providers.dentists[0] as string;
    const range = { from: addDays(la.today, -40), to: addDays(la.today, -10) };
    const hers = await api.billing.productionReport(la.id, { range, providerIds: [provider] });
    expect(hers.byProvider.map((row) => row.providerId)).toEqual([provider]);
    await withQuirks({ listFilters: 'ignored' }, async () => {
      const probe = await raw(`/api/v1/practice/${la.id}/billing/reports/production/`, {
        date_from: range.from,
        date_to: range.to,
        provider,
      });
      expect((probe.body.by_provider as Json[]).length).toBeGreaterThan(1);
      const refused = await api.billing.productionReport(la.id, { range, providerIds: [provider] }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(InvalidResponse);
      expect((refused as Error).message).toMatch(/^Escape Dental did not apply the provider filter/);
    });
  });

  it('pagination=page-ignored: an appointment list read in part says it is truncated', async () => {
    const { la } = sandbox.fixtures.practices;
    const range = { from: addDays(la.today, -20), to: la.today };
    const whole = await api.scheduling.listAppointments(la.id, { range, limit: 10_000 });
    expect(whole.truncated).toBe(false);
    expect(whole.appointments.length).toBeGreaterThan(100);
    const part = await withQuirks({ pagination: 'page-ignored' }, () =>
      api.scheduling.listAppointments(la.id, { range, limit: 10_000 }),
    );
    expect(part.appointments.length).toBeLessThan(whole.appointments.length);
    expect(part.truncated).toBe(true);
  });
});
