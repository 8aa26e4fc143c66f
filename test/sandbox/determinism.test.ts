/** Same seed + pinned clock ⇒ byte-identical responses from two independently generated sandboxes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
import { boot, practicePath } from './helpers.js';

let a: RunningSandbox;
let b: RunningSandbox;
let c: RunningSandbox;

beforeAll(async () => {
  a = await boot({ seed: 42, fresh: true });
  b = await boot({ seed: 42, fresh: true });
  c = await boot({ seed: 43, fresh: true });
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close(), c?.close()]);
});

async function bytes(sb: RunningSandbox, path: string): Promise<string> {
  const res = await fetch(`${sb.url}${path}`, {
    headers: { authorization: `Bearer ${sb.credentials.service.access}` },
  });
  expect(res.status, path).toBe(200);
  // Only the origin in absolute `next` links differs between two servers.
  return (await res.text()).split(sb.url).join('ORIGIN');
}

describe('determinism', () => {
  it('produces identical ids, credentials and fixtures', () => {
    expect(a.fixtures).toEqual(b.fixtures);
    expect(a.credentials).toEqual(b.credentials);
    expect(c.fixtures.practices.la.id).not.toBe(a.fixtures.practices.la.id);
  });

  it('answers byte-identical responses', async () => {
    const la = a.fixtures.practices.la;
    const P = practicePath(la.id);
    const paths = [
      '/api/v1/account/me/',
      `${P}/`,
      `${P}/provider/`,
      `${P}/provider/operatory/`,
      `${P}/scheduling/appointment/?from=2026-01-01&to=2026-03-31&page=3`,
      `${P}/scheduling/appointment/?status=no_show&page_size=100`,
      `${P}/scheduling/find-spot/?duration_minutes=45&max_results=50`,
      `${P}/scheduling/available-slots/?date=2026-03-08&duration_minutes=30`,
      `${P}/scheduling/month-summary/?from=2025-03-01&to=2026-08-31`,
      `${P}/scheduling/day-sheet/?date=2026-02-20&include_hidden=true`,
      `${P}/scheduling/resolved-schedule/?date_from=2026-02-01&date_to=2026-03-31`,
      `${P}/scheduling/schedule-template/?page_size=100`,
      `${P}/scheduling/schedule-override/?page_size=100`,
      `${P}/scheduling/recall/?page=2`,
      `${P}/scheduling/reports/cancellations/?from=2025-01-01&to=2026-02-20`,
      `${P}/scheduling/reports/provider-utilization/?from=2026-01-01&to=2026-01-31&granularity=week`,
      `${P}/patient/?search=an&page_size=100`,
      `${P}/patient/${la.patients.timeline}/clinical/timeline/?page_size=200`,
      `${P}/patient/${la.patients.injectionNote}/clinical/note/`,
    ];
    for (const path of paths) {
      const [x, y] = await Promise.all([bytes(a, path), bytes(b, path)]);
      expect(x === y, path).toBe(true);
    }
    const other = await bytes(c, `${practicePath(c.fixtures.practices.la.id)}/patient/`);
    expect(other).not.toBe(await bytes(a, `${P}/patient/`));
  });
});
