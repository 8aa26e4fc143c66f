/** Tenancy (cross-practice 404, disabled practice 403), routing rules and DRF pagination. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PracticeFixture, RunningSandbox } from '../../src/sandbox/index.js';
import { Api, boot, practicePath } from './helpers.js';

let sb: RunningSandbox;
let api: Api;
let la: PracticeFixture;
let ny: PracticeFixture;

beforeAll(async () => {
  sb = await boot();
  api = new Api(sb.url, sb.credentials.service.access);
  la = sb.fixtures.practices.la;
  ny = sb.fixtures.practices.ny;
});
afterAll(async () => sb?.close());

describe('tenancy', () => {
  it('ids of another practice are 404 under this practice', async () => {
    const nyAppt = (
      await api.get(`${practicePath(ny.id)}/scheduling/appointment/`, { from: '2026-02-02', to: '2026-02-02' })
    ).body.results[0];
    expect((await api.get(`${practicePath(ny.id)}/scheduling/appointment/${nyAppt.id}/`)).status).toBe(200);
    const cross = await api.get(`${practicePath(la.id)}/scheduling/appointment/${nyAppt.id}/`);
    expect(cross.status).toBe(404);
    expect(cross.body).toEqual({ detail: 'Not found.' });
    expect((await api.get(`${practicePath(la.id)}/patient/${ny.patients.timeline}/`)).status).toBe(404);
    expect((await api.get(`${practicePath(la.id)}/provider/${ny.providers.dentists[0]}/`)).status).toBe(404);
    expect(
      (
        await api.post(`${practicePath(la.id)}/scheduling/appointment/${nyAppt.id}/transition/`, {
          status: 'cancelled',
        })
      ).status,
    ).toBe(404);
  });

  it('a practice the caller has no membership or grant for is 404, not 403', async () => {
    expect((await api.with(sb.credentials.frontDesk.access).get(`${practicePath(ny.id)}/`)).status).toBe(404);
    expect(
      (await api.with(sb.credentials.oauth.readerLa.token).get(`${practicePath(ny.id)}/scheduling/appointment/`))
        .status,
    ).toBe(404);
    expect((await api.with(sb.credentials.frontDesk.access).get(`${practicePath(la.id)}/`)).status).toBe(200);
    expect((await api.get(`${practicePath('00000000-0000-4000-8000-000000000000')}/`)).status).toBe(404);
  });

  it('the disabled practice answers 403 inactive_practice to reads and writes', async () => {
    const chi = sb.fixtures.practices.chicago;
    expect(chi.isActive).toBe(false);
    for (const path of ['/', '/scheduling/appointment/', '/patient/', '/provider/']) {
      const r = await api.get(`${practicePath(chi.id)}${path}`);
      expect(r.status, path).toBe(403);
      expect(r.body).toEqual({
        detail: 'This practice or its parent organization is disabled.',
        code: 'inactive_practice',
      });
    }
    // Users without access still get 404 (no existence leak).
    expect((await api.with(sb.credentials.frontDesk.access).get(`${practicePath(chi.id)}/`)).status).toBe(404);
    const available = await api.with(sb.credentials.admin.access).get('/api/v1/practice/available/');
    expect(available.body.map((p: { id: string }) => p.id)).not.toContain(chi.id);
  });

  it('practice retrieve carries the IANA timezone', async () => {
    expect((await api.get(`${practicePath(la.id)}/`)).body.timezone).toBe('America/Los_Angeles');
    expect((await api.get(`${practicePath(ny.id)}/`)).body.timezone).toBe('America/New_York');
    const list = await api.with(sb.credentials.support.access).get('/api/v1/practice/');
    expect(list.body.count).toBe(3);
    expect((await api.with(sb.credentials.admin.access).get('/api/v1/practice/')).status).toBe(403);
  });
});

describe('routing', () => {
  it('GET without the trailing slash redirects (301); other methods 404', async () => {
    const path = `${practicePath(la.id)}/scheduling/appointment`;
    const r = await api.get(`${path}?page=2`);
    expect(r.status).toBe(301);
    expect(r.headers.get('location')).toBe(`${sb.url}${path}/?page=2`);
    expect((await api.post(path, {})).status).toBe(404);
    expect((await api.get('/api/v1/nope/')).body).toEqual({ detail: 'Not found.' });
    const wrong = await api.call('DELETE', `${practicePath(la.id)}/scheduling/appointment/`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toContain('GET');
  });

  it('malformed JSON is a 400 parse error', async () => {
    const r = await fetch(`${sb.url}${practicePath(la.id)}/scheduling/validate-appointment/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sb.credentials.service.access}`, 'content-type': 'application/json' },
      body: '{"date_time": ',
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { detail: string }).detail).toMatch(/^JSON parse error/);
  });
});

describe('pagination', () => {
  const appts = () => `${practicePath(la.id)}/scheduling/appointment/`;

  it('returns the DRF envelope with absolute next/previous URLs; walking next yields count rows', async () => {
    const first = await api.get(appts(), { from: '2026-01-01', to: '2026-01-31' });
    expect(Object.keys(first.body)).toEqual(['count', 'next', 'previous', 'results']);
    expect(first.body.results).toHaveLength(50);
    expect(first.body.previous).toBeNull();
    const next = new URL(first.body.next);
    expect(`${next.protocol}//${next.host}`).toBe(sb.url);
    expect(next.searchParams.get('page')).toBe('2');
    expect(next.searchParams.get('from')).toBe('2026-01-01');
    const second = await api.get(first.body.next);
    expect(new URL(second.body.previous).searchParams.get('page')).toBeNull();
    const all = await api.all(appts(), { from: '2026-01-01', to: '2026-01-31' });
    expect(all).toHaveLength(first.body.count);
    expect(new Set(all.map((a) => a.id)).size).toBe(all.length);
  });

  it('clamps page_size to the endpoint maximum and falls back to the default on nonsense', async () => {
    expect((await api.get(appts(), { page_size: 500 })).body.results).toHaveLength(100);
    expect((await api.get(appts(), { page_size: 0 })).body.results).toHaveLength(50);
    expect((await api.get(appts(), { page_size: 'ten' })).body.results).toHaveLength(50);
    const patients = `${practicePath(la.id)}/patient/`;
    expect((await api.get(patients)).body.results).toHaveLength(20);
    expect((await api.get(patients, { page_size: 1000 })).body.results).toHaveLength(100);
    const providers = await api.get(`${practicePath(la.id)}/provider/`, { page_size: 5000 });
    expect(providers.body.results.length).toBe(providers.body.count);
  });

  it('an out-of-range or invalid page is 404 "Invalid page."', async () => {
    const last = await api.get(appts(), { from: '2026-01-05', to: '2026-01-05', page_size: 5 });
    const pages = Math.ceil(last.body.count / 5);
    expect((await api.get(appts(), { from: '2026-01-05', to: '2026-01-05', page_size: 5, page: pages })).status).toBe(
      200,
    );
    for (const page of [pages + 1, 0, 'x']) {
      const r = await api.get(appts(), { from: '2026-01-05', to: '2026-01-05', page_size: 5, page });
      expect(r.status).toBe(404);
      expect(r.body).toEqual({ detail: 'Invalid page.' });
    }
    const empty = await api.get(appts(), { from: '2030-01-01', to: '2030-01-01' });
    expect(empty.body).toEqual({ count: 0, next: null, previous: null, results: [] });
  });

  it('flat arrays where the spec says unpaginated', async () => {
    expect(Array.isArray((await api.get(`${practicePath(la.id)}/scheduling/appointment-status/`)).body)).toBe(true);
    expect(Array.isArray((await api.get('/api/v1/practice/accessible/')).body)).toBe(true);
    expect(Array.isArray((await api.get('/api/v1/admin/mcp/catalog/')).body)).toBe(true);
  });
});
