/** Patient lookup and the clinical timeline, checked against each source's own list endpoint. */
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

describe('patients', () => {
  it('search is a case-insensitive substring match; every token must match', async () => {
    const both = await api.all(`${P}/patient/`, { search: 'emily johnson', page_size: 100 });
    expect(both.map((p) => p.id).sort()).toEqual([...la.patients.ambiguousName].sort());
    const upper = await api.all(`${P}/patient/`, { search: 'EMILY JOHNSON', page_size: 100 });
    expect(upper).toHaveLength(2);
    const nguyen = await api.all(`${P}/patient/`, { search: 'nguyen', page_size: 100 });
    const pair = nguyen.filter((p) => la.patients.sameLastNameAndDob.includes(p.id));
    expect(pair).toHaveLength(2);
    expect(pair[0].date_of_birth).toBe(pair[1].date_of_birth);
    expect(pair[0].first_name).not.toBe(pair[1].first_name);
    const accented = await api.all(`${P}/patient/`, { search: 'Núñez', page_size: 100 });
    expect(accented.map((p) => p.id)).toContain(la.patients.unicode[0]);
  });

  it('phone matches on digits whatever the stored format', async () => {
    const p = (await api.get(`${P}/patient/${la.patients.ambiguousName[0]}/`)).body;
    const stored = p.phone_mobile ?? p.phone_home;
    const digits = stored.replace(/\D/g, '').slice(-10);
    const pretty = `(${digits.slice(0, 3)}) ${digits.slice(3, 6)}-${digits.slice(6)}`;
    for (const q of [digits, pretty, `+1${digits}`]) {
      const rows = await api.all(`${P}/patient/`, { phone: q, page_size: 100 });
      expect(
        rows.map((r) => r.id),
        q,
      ).toContain(p.id);
      for (const r of rows) {
        const all = [r.phone_home, r.phone_work, r.phone_mobile]
          .filter(Boolean)
          .map((x: string) => x.replace(/\D/g, ''));
        expect(all.some((d: string) => d.includes(digits))).toBe(true);
      }
    }
  });

  it('status, provider and ordering filters', async () => {
    const inactive = await api.all(`${P}/patient/`, { status: 'inactive', page_size: 100 });
    expect(inactive.length).toBeGreaterThan(0);
    expect(inactive.every((p) => p.status === 'inactive')).toBe(true);
    const dentist = la.providers.dentists[0] as string;
    const mine = await api.get(`${P}/patient/`, { provider: dentist, page_size: 100 });
    expect(mine.body.results.every((p: { primary_provider: string }) => p.primary_provider === dentist)).toBe(true);
    const byDob = await api.get(`${P}/patient/`, { ordering: '-date_of_birth', page_size: 50 });
    const dobs = byDob.body.results.map((p: { date_of_birth: string | null }) => p.date_of_birth ?? '');
    expect([...dobs].sort().reverse()).toEqual(dobs);
    const dflt = await api.get(`${P}/patient/`, { page_size: 100 });
    const names = dflt.body.results.map(
      (p: { last_name: string; first_name: string }) => `${p.last_name.toLowerCase()}|${p.first_name.toLowerCase()}`,
    );
    expect([...names].sort()).toEqual(names);
    expect((await api.get(`${P}/patient/`, { status: 'gone' })).status).toBe(400);
  });

  it('include=first_visit,last_visit annotates from completed visits by local date', async () => {
    const id = la.patients.timeline;
    const r = await api.get(`${P}/patient/`, { search: 'Quill', include: 'first_visit,last_visit' });
    const row = r.body.results.find((p: { id: string }) => p.id === id);
    const visits = (await api.all(`${P}/scheduling/appointment/`, { patient: id, page_size: 100 })).filter(
      (a) =>
        (a.status === 'complete' || a.status === 'ready_for_walkout') &&
        Date.parse(a.date_time) <= Date.parse(sb.fixtures.generatedAt),
    );
    const dates = visits.map((a) => DateTime.fromISO(a.date_time, { setZone: true }).setZone(TZ).toISODate()).sort();
    expect(row.first_visit_date).toBe(dates[0]);
    expect(row.last_visit_date).toBe(dates[dates.length - 1]);
    const plain = await api.get(`${P}/patient/`, { search: 'Quill' });
    expect(plain.body.results[0]).not.toHaveProperty('first_visit_date');
  });
});

describe('clinical timeline', () => {
  const sources = {
    procedure: 'clinical/procedure',
    note: 'clinical/note',
    perio_exam: 'clinical/perio',
    treatment_plan: 'clinical/treatment-plan',
    imaging: 'imaging/exam',
    communication: 'comms/commlog',
  } as const;

  /** The sort instant of a source row as the spec digest §8.8 defines it (date-only → local midnight). */
  // biome-ignore lint/suspicious/noExplicitAny: source rows are untyped JSON
  function sortKey(type: string, row: Record<string, any>): number {
    const day = (d: string) => DateTime.fromISO(d, { zone: TZ }).startOf('day').toMillis();
    switch (type) {
      case 'procedure':
        return row.date_complete
          ? day(row.date_complete)
          : row.proc_date
            ? day(row.proc_date)
            : Date.parse(row.created);
      case 'note':
        return row.note_date ? day(row.note_date) : Date.parse(row.created);
      case 'perio_exam':
        return Date.parse(row.exam_date);
      case 'treatment_plan':
        return row.date_created ? day(row.date_created) : Date.parse(row.created);
      case 'imaging':
        return day(row.exam_date);
      default:
        return Date.parse(row.date_time);
    }
  }

  it('aggregates all seven sources, newest first, matching each source list', async () => {
    const id = la.patients.timeline;
    const base = `${P}/patient/${id}`;
    const events = await api.all(`${base}/clinical/timeline/`, { page_size: 200 });
    const expected: { type: string; id: string; key: number }[] = [];
    for (const [type, path] of Object.entries(sources)) {
      const rows = await api.all(`${base}/${path}/`, { page_size: 100 });
      expect(rows.length, type).toBeGreaterThan(0);
      for (const row of rows) expected.push({ type, id: row.id, key: sortKey(type, row) });
    }
    const appts = await api.all(`${P}/scheduling/appointment/`, { patient: id, page_size: 100 });
    for (const a of appts) expected.push({ type: 'appointment', id: a.id, key: Date.parse(a.date_time) });
    expect(new Set(events.map((e) => e.event_type))).toEqual(new Set([...Object.keys(sources), 'appointment']));
    expect(events.map((e) => `${e.event_type}:${e.id}`).sort()).toEqual(
      expected.map((e) => `${e.type}:${e.id}`).sort(),
    );
    const keyOf = new Map(expected.map((e) => [`${e.type}:${e.id}`, e.key]));
    const keys = events.map((e) => keyOf.get(`${e.event_type}:${e.id}`) as number);
    for (let i = 1; i < keys.length; i++) expect(keys[i - 1]).toBeGreaterThanOrEqual(keys[i] as number);
    // Mixed precision: date-only and date-time `date` values both occur.
    expect(events.some((e) => /^\d{4}-\d{2}-\d{2}$/.test(e.date))).toBe(true);
    expect(events.some((e) => /T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/.test(e.date))).toBe(true);
    for (const e of events) expect(e.data.id).toBe(e.id);
  });

  it('filters by event_type (comma-separated) and rejects unknown types', async () => {
    const base = `${P}/patient/${la.patients.timeline}/clinical/timeline/`;
    const r = await api.all(base, { event_type: 'note,imaging', page_size: 200 });
    expect(new Set(r.map((e) => e.event_type))).toEqual(new Set(['note', 'imaging']));
    const bad = await api.get(base, { event_type: 'note,x-ray' });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body)).toEqual(['event_type']);
  });

  it('pages 50 by default, at most 200', async () => {
    const base = `${P}/patient/${la.patients.frequentNoShow}/clinical/timeline/`;
    const dflt = await api.get(base);
    expect(dflt.body.results.length).toBe(Math.min(50, dflt.body.count));
    const big = await api.get(base, { page_size: 500 });
    expect(big.body.results.length).toBe(Math.min(200, big.body.count));
  });

  it('returns instruction-looking note text verbatim, as data', async () => {
    const notes = await api.all(`${P}/patient/${la.patients.injectionNote}/clinical/note/`, { page_size: 100 });
    const injected = notes.filter((n) => la.notes.injection.includes(n.id));
    expect(injected.length).toBeGreaterThanOrEqual(2);
    expect(injected.some((n) => /Ignore previous instructions/.test(n.content))).toBe(true);
  });

  it('404 for a patient of another practice', async () => {
    const r = await api.get(`${P}/patient/${sb.fixtures.practices.ny.patients.timeline}/clinical/timeline/`);
    expect(r.status).toBe(404);
  });
});
