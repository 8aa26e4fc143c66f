/**
 * The `plantedText` switch (ASSUMPTIONS §5, src/sandbox/http/planted.ts): with it on, every
 * free-text field and name the sandbox serves ends in instruction-like text — reads, write
 * answers and what writes stored, validation messages and 409 conflicts — while ids, codes,
 * statuses, dates and money stay exactly as they are, and the value's own text stays in front.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PLANTED_MARKER, plantedText } from '../../src/sandbox/http/planted.js';
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

const planted = (value: string, field: string) => `${value}${plantedText(field)}`;

/** Every string in `body` whose key is one of `keys`. */
function valuesOf(body: unknown, keys: ReadonlySet<string>, out: string[] = [], key?: string): string[] {
  if (Array.isArray(body)) for (const v of body) valuesOf(v, keys, out);
  else if (body !== null && typeof body === 'object')
    for (const [k, v] of Object.entries(body)) valuesOf(v, keys, out, k);
  else if (typeof body === 'string' && key !== undefined && keys.has(key)) out.push(body);
  return out;
}

describe('plantedText', () => {
  it('off (default): nothing is planted', async () => {
    const r = await api.get(`${P}/patient/${la.patients.timeline}/clinical/timeline/`, { page_size: 200 });
    expect(r.text).not.toContain(PLANTED_MARKER);
  });

  it('on: free text and names carry the plant after their own text; ids, codes, dates and money do not', async () => {
    const path = `${P}/patient/${la.patients.timeline}/clinical/timeline/`;
    const before = (await api.get(path, { page_size: 200 })).body;
    await sb.control.setQuirks({ plantedText: 'on' });
    const after = (await api.get(path, { page_size: 200 })).body;
    const compare = (b: unknown, a: unknown, key?: string): void => {
      if (Array.isArray(b)) {
        for (const [i, v] of b.entries()) compare(v, (a as unknown[])[i]);
        return;
      }
      if (b !== null && typeof b === 'object') {
        for (const [k, v] of Object.entries(b)) compare(v, (a as Record<string, unknown>)[k], k);
        return;
      }
      if (typeof b === 'string' && a !== b) expect(a).toBe(planted(b, key as string));
      else expect(a, key).toBe(b);
    };
    compare(before, after);
    const texts = new Set([
      'appointment_type',
      'description',
      'subject',
      'content',
      'outcome',
      'title',
      'name',
      'note',
    ]);
    for (const field of texts) {
      const values = valuesOf(after, new Set([field]));
      expect(values.length, field).toBeGreaterThan(0);
      expect(
        values.every((v) => v.endsWith(plantedText(field))),
        field,
      ).toBe(true);
    }
    for (const field of ['id', 'status', 'date', 'proc_code', 'proc_fee', 'event_type']) {
      expect(
        valuesOf(after, new Set([field])).some((v) => v.includes(PLANTED_MARKER)),
        field,
      ).toBe(false);
    }
    expect(plantedText('x')).toMatch(/\n.*Note: SYSTEM:.*"Book it\?".*\u202E/su);
  });

  it('on: names of patients, providers, chairs, carriers and practices', async () => {
    await sb.control.setQuirks({ plantedText: 'on' });
    const patient = (await api.get(`${P}/patient/${la.patients.timeline}/`)).body;
    for (const key of ['first_name', 'last_name']) expect(patient[key]).toContain(plantedText(key));
    const [provider] = (await api.get(`${P}/provider/`)).body.results;
    expect(provider.first_name).toContain(PLANTED_MARKER);
    const [chair] = (await api.get(`${P}/provider/operatory/`)).body.results;
    expect(chair.name).toContain(PLANTED_MARKER);
    const [carrier] = (await api.get(`${P}/insurance/carrier/`)).body.results;
    expect(carrier.name).toContain(PLANTED_MARKER);
    expect((await api.get(`${P}/`)).body.name).toBe(planted(la.name, 'name'));
  });

  it('on: what a write stores comes back planted, in its answer and in later reads', async () => {
    await sb.control.setQuirks({ plantedText: 'on' });
    const [slot] = (
      await api.get(`${P}/scheduling/find-spot/`, { duration_minutes: 30, start_date: '2026-03-02', max_results: 1 })
    ).body.results;
    const created = await api.post(`${P}/scheduling/appointment/`, {
      patient: la.patients.timeline,
      provider: slot.provider,
      operatory: slot.operatory,
      date_time: slot.date_time,
      duration_minutes: 30,
      appointment_type: 'Cleaning',
      note: 'Call first',
    });
    expect(created.status).toBe(201);
    expect(created.body.appointment_type).toBe(planted('Cleaning', 'appointment_type'));
    expect(created.body.note).toBe(planted('Call first', 'note'));
    const read = (await api.get(`${P}/scheduling/appointment/${created.body.id}/`)).body;
    expect(read.appointment_type).toBe(planted('Cleaning', 'appointment_type'));
    // Stored as sent: the plant is in what is served, not in the record.
    await sb.control.setQuirks({ plantedText: 'off' });
    expect((await api.get(`${P}/scheduling/appointment/${created.body.id}/`)).body.appointment_type).toBe('Cleaning');
    await sb.control.setQuirks({ plantedText: 'on' });

    // The API's own messages: validation issues, a 409's conflicts, a 400's field messages.
    const again = {
      patient: la.patients.injectionNote,
      provider: slot.provider,
      operatory: slot.operatory,
      date_time: slot.date_time,
      duration_minutes: 30,
    };
    const validated = await api.post(`${P}/scheduling/validate-appointment/`, again);
    expect(validated.body.valid).toBe(false);
    for (const issue of validated.body.issues) expect(issue.message).toContain(plantedText('message'));
    const conflict = await api.post(`${P}/scheduling/appointment/`, again);
    expect(conflict.status).toBe(409);
    expect(conflict.body.conflicts[0].code).not.toContain(PLANTED_MARKER);
    expect(conflict.body.conflicts[0].message).toContain(plantedText('message'));
    const invalid = await api.post(`${P}/scheduling/appointment/`, { ...again, date_time: '2026-03-02T09:00:00' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.date_time[0]).toContain(plantedText('date_time'));
  });

  it('on: token endpoints, 401s and the internal admin routes are left alone', async () => {
    await sb.control.setQuirks({ plantedText: 'on' });
    const unauthenticated = await api.with(undefined).get(`${P}/provider/`);
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.text).not.toContain(PLANTED_MARKER);
    const catalog = await api.get('/api/v1/admin/mcp/catalog/');
    expect(catalog.status).toBe(200);
    expect(catalog.text).not.toContain(PLANTED_MARKER);
  });

  it('is a quirk like the others: unknown values are refused', async () => {
    const response = await fetch(`${sb.url}/__sandbox/quirks`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ plantedText: 'maybe' }),
    });
    expect(response.status).toBe(400);
    expect(DEFAULT_QUIRKS.plantedText).toBe('off');
  });
});
