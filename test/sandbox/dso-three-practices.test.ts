/**
 * The DSO client with its third practice active (`activeThirdPractice`, issue 18): every client
 * report covers the three practices and agrees, practice by practice, with that practice's own
 * production and aging reports; the default world keeps the third practice disabled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { Api, boot } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: replies are loosely typed JSON in tests
type Json = any;

let three: RunningSandbox;
let two: RunningSandbox;

beforeAll(async () => {
  [three, two] = await Promise.all([boot({ activeThirdPractice: true }), boot()]);
}, 120_000);

afterAll(async () => {
  await Promise.all([three?.close(), two?.close()]);
});

async function get(api: Api, path: string): Promise<Json> {
  const reply = await api.get(path);
  if (reply.status !== 200) throw new Error(`GET ${path} → ${reply.status}: ${reply.text.slice(0, 200)}`);
  return reply.body;
}

describe('a DSO client with three active practices', () => {
  it('reports on all three, each row equal to the practice-level reports', async () => {
    const api = new Api(three.url, three.credentials.oauth.service.token);
    const { la, ny, chicago } = three.fixtures.practices;
    const [client] = (await get(api, '/api/v1/client/')) as Json[];
    const R = `/api/v1/clients/${client.id}/reports`;
    const from = '2026-01-15';
    const to = '2026-02-13';
    const pvc = await get(api, `${R}/production-vs-collections/?start_date=${from}&end_date=${to}`);
    expect(pvc.practices.map((p: Json) => p.practice_id)).toEqual([la.id, ny.id, chicago.id]);
    const aging = await get(api, `${R}/ar-aging/?as_of=${to}`);
    const overview = await get(api, `${R}/overview/?as_of=${to}`);
    expect(overview.totals.practice_count).toBe(3);
    for (const id of [la.id, ny.id, chicago.id]) {
      const prod = await get(api, `/api/v1/practice/${id}/billing/reports/production/?date_from=${from}&date_to=${to}`);
      const row = pvc.practices.find((p: Json) => p.practice_id === id);
      expect([row.production, row.collections, row.adjustments, row.net_production]).toEqual([
        prod.summary.total_production,
        prod.summary.total_collections,
        prod.summary.total_adjustments,
        prod.summary.net_production,
      ]);
      const own = await get(api, `/api/v1/practice/${id}/billing/reports/aging/?as_of_date=${to}`);
      const agingRow = aging.practices.find((p: Json) => p.practice_id === id);
      expect([agingRow.total_ar, agingRow.over_90]).toEqual([own.summary.total_ar, own.summary.over_90]);
      expect(overview.practices.find((p: Json) => p.practice_id === id).ar_total).toBe(own.summary.total_ar);
    }
    expect(Number(pvc.practices.find((p: Json) => p.practice_id === chicago.id).production)).toBeGreaterThan(0);
  });

  it('leaves the default world as it was: the third practice disabled and out of the reports', async () => {
    const api = new Api(two.url, two.credentials.oauth.service.token);
    const [client] = (await get(api, '/api/v1/client/')) as Json[];
    const overview = await get(api, `/api/v1/clients/${client.id}/reports/overview/`);
    expect(overview.totals.practice_count).toBe(2);
    const chicago = two.fixtures.practices.chicago.id;
    expect((await api.call('GET', `/api/v1/practice/${chicago}/`)).status).toBe(403);
  });
});
