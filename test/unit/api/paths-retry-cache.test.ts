import { describe, expect, it } from 'vitest';
import { ReferenceCache } from '../../../src/api/cache.js';
import { ArgumentError, RequestAborted } from '../../../src/api/errors.js';
import {
  asOfParams,
  buildOperationTable,
  DEFAULT_OPERATIONS,
  dateParamsFor,
  dateRangeParams,
  fillPath,
  path,
  resolveOperation,
  sameId,
  templateLabel,
} from '../../../src/api/paths.js';
import { backoffDelay, parseRetryAfter } from '../../../src/api/retry.js';

describe('path table', () => {
  it('mirrors ASSUMPTIONS §1 and ends every path with a slash', () => {
    for (const spec of Object.values(DEFAULT_OPERATIONS)) expect(spec.path.endsWith('/')).toBe(true);
    expect(DEFAULT_OPERATIONS['scheduling.findSpot'].path).toBe('/api/v1/practice/{practice}/scheduling/find-spot/');
    expect(DEFAULT_OPERATIONS['operatories.list'].path).toBe('/api/v1/practice/{practice}/provider/operatory/');
    expect(DEFAULT_OPERATIONS['insurance.claimsSummary'].path).toBe(
      '/api/v1/practice/{practice}/insurance/claims/summary/',
    );
  });

  it('accepts overrides with the same placeholders and rejects others', () => {
    const table = buildOperationTable({
      'insurance.claimsSummary': '/api/v1/practice/{practice}/insurance/claims-summary/',
      'scheduling.appointmentUpdate': { method: 'PUT' },
    });
    expect(resolveOperation(table, 'insurance.claimsSummary').path).toContain('claims-summary');
    expect(resolveOperation(table, 'scheduling.appointmentUpdate').method).toBe('PUT');
    expect(() => buildOperationTable({ 'patients.retrieve': '/api/v1/practice/{practice}/patient/' })).toThrow(
      /placeholders/,
    );
    expect(() => buildOperationTable({ 'account.me': 'api/v1/me/' })).toThrow(/absolute path/);
    expect(() => buildOperationTable({ 'nope.x': '/x/' } as never)).toThrow(/Unknown API operation/);
  });

  it('takes only UUIDs and whole numbers as ids, before anything reaches a path', () => {
    const uuid = '3f2b8c1e-9d4a-4c6b-8e2f-1a2b3c4d5e6f';
    expect(fillPath('/p/{practice}/x/{patient}/', { practice: uuid, patient: 42 })).toBe(`/p/${uuid}/x/42/`);
    // A UUID in capitals is the same UUID: sent in lower case, as the API writes it.
    expect(fillPath('/p/{practice}/', { practice: uuid.toUpperCase() })).toBe(`/p/${uuid}/`);
    expect(sameId(uuid.toUpperCase(), uuid)).toBe(true);
    expect(sameId('42', '042')).toBe(false);
    for (const bad of ['a b', '../etc', '..', '.', '%2e%2e', 'x/y', '12a', '-1', '1.5', '', ' 42', `${uuid}/..`]) {
      expect(() => fillPath('/p/{practice}/', { practice: bad }), bad).toThrow(ArgumentError);
      expect(() => fillPath('/p/{practice}/', { practice: bad }), bad).toThrow(/not an Escape Dental id/);
    }
    expect(() => fillPath('/p/{practice}/', {})).toThrow(/Missing path parameter/);
    const id = 'x/y';
    expect(() => path`/api/v1/practice/${id}/patient/${42}/`).toThrow(ArgumentError);
    expect(path`/api/v1/practice/${uuid}/patient/${42}/`).toBe(`/api/v1/practice/${uuid}/patient/42/`);
    expect(templateLabel('/api/v1/practice/{practice}/patient/{patient}/')).toBe(
      '/api/v1/practice/:practice/patient/:patient/',
    );
  });

  it('date adapters render one internal range per endpoint naming (C-T6)', () => {
    const r = { from: '2026-04-01', to: '2026-04-30' };
    expect(dateRangeParams('date_from/date_to', r)).toEqual({ date_from: '2026-04-01', date_to: '2026-04-30' });
    expect(dateRangeParams('from/to', r)).toEqual({ from: '2026-04-01', to: '2026-04-30' });
    expect(dateRangeParams('start_date/end_date', r)).toEqual({ start_date: '2026-04-01', end_date: '2026-04-30' });
    expect(asOfParams('as_of', '2026-04-30')).toEqual({ as_of: '2026-04-30' });
    expect(dateParamsFor('billing.production', r)).toEqual({ date_from: '2026-04-01', date_to: '2026-04-30' });
    expect(dateParamsFor('billing.productionTrending', r)).toEqual({ from: '2026-04-01', to: '2026-04-30' });
    expect(dateParamsFor('scheduling.findSpot', r)).toEqual({ start_date: '2026-04-01', end_date: '2026-04-30' });
    expect(dateParamsFor('scheduling.appointmentList', r)).toEqual({ from: '2026-04-01', to: '2026-04-30' });
    expect(dateParamsFor('insurance.claimList', r)).toEqual({ date_from: '2026-04-01', date_to: '2026-04-30' });
    expect(asOfParams('as_of_date', '2026-04-30')).toEqual({ as_of_date: '2026-04-30' });
  });
});

describe('retry helpers', () => {
  it('full jitter stays within [0, min(cap, base·2^(n−1))]', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1000 };
    for (let attempt = 1; attempt <= 8; attempt++) {
      const ceiling = Math.min(1000, 100 * 2 ** (attempt - 1));
      expect(backoffDelay(attempt, policy, () => 0)).toBe(0);
      expect(backoffDelay(attempt, policy, () => 0.999999)).toBeLessThanOrEqual(ceiling);
      expect(backoffDelay(attempt, policy, () => 0.999999)).toBeGreaterThanOrEqual(ceiling - 1);
      for (let i = 0; i < 50; i++) {
        const d = backoffDelay(attempt, policy);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  it('parses Retry-After seconds, HTTP dates and DRF detail text', () => {
    const now = Date.parse('2026-05-14T16:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(new Date(now + 5000).toUTCString(), now)).toBe(5000);
    expect(parseRetryAfter(new Date(now - 5000).toUTCString(), now)).toBe(0);
    expect(
      parseRetryAfter(undefined, now, { detail: 'Request was throttled. Expected available in 12 seconds.' }),
    ).toBe(12_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('reference cache', () => {
  it('single-flight: concurrent callers share one load', async () => {
    const cache = new ReferenceCache();
    let loads = 0;
    let release: (v: string[]) => void = () => {};
    const load = () => {
      loads += 1;
      return new Promise<string[]>((r) => {
        release = r;
      });
    };
    const all = Promise.all([1, 2, 3, 4, 5].map(() => cache.get('p1', 'providers', load)));
    release(['dana']);
    expect(await all).toEqual(Array(5).fill(['dana']));
    expect(loads).toBe(1);
    await cache.get('p1', 'providers', load);
    expect(loads).toBe(1);
  });

  it('keys are per practice and per kind', async () => {
    const cache = new ReferenceCache();
    await cache.get('p1', 'providers', async () => 'a');
    expect(await cache.get('p2', 'providers', async () => 'b')).toBe('b');
    expect(await cache.get('p1', 'operatories', async () => 'c')).toBe('c');
    expect(await cache.get('p1', 'providers', async () => 'z')).toBe('a');
  });

  it('expires after the TTL and can be invalidated', async () => {
    const cache = new ReferenceCache({ ttlMs: 30 });
    await cache.get('p1', 'timezone', async () => 'America/Los_Angeles');
    expect(cache.has('p1', 'timezone')).toBe(true);
    cache.invalidate('p1', 'timezone');
    expect(cache.has('p1', 'timezone')).toBe(false);
    await cache.get('p1', 'timezone', async () => 'America/New_York');
    await new Promise((r) => setTimeout(r, 60));
    expect(await cache.get('p1', 'timezone', async () => 'UTC')).toBe('UTC');
  });

  it('a failed load is not cached', async () => {
    const cache = new ReferenceCache();
    await expect(cache.get('p1', 'carriers', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get('p1', 'carriers', async () => 'ok')).toBe('ok');
  });

  it('a value loaded across an invalidation is not stored', async () => {
    const cache = new ReferenceCache();
    let release: (v: string) => void = () => {};
    const pending = cache.get('p1', 'providers', () => new Promise<string>((r) => (release = r)));
    cache.invalidate('p1');
    release('stale');
    expect(await pending).toBe('stale');
    expect(cache.has('p1', 'providers')).toBe(false);
  });

  it('one caller giving up does not fail the others', async () => {
    const cache = new ReferenceCache();
    let release: (v: string) => void = () => {};
    const controller = new AbortController();
    const load = () => new Promise<string>((r) => (release = r));
    const first = cache.get('p1', 'providers', load, controller.signal);
    const second = cache.get('p1', 'providers', load);
    controller.abort();
    await expect(first).rejects.toBeInstanceOf(RequestAborted);
    release('ok');
    expect(await second).toBe('ok');
  });
});
