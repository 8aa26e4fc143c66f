/**
 * Start-up pre-loads each practice's provider and chair lists. A DSO's credential can reach
 * hundreds of practices: all at once, those reads would fill the upstream connection pool ahead of
 * the first staff calls (and meet Escape's rate limit), so only a few practices load at a time.
 */
import { describe, expect, it } from 'vitest';
import { WARM_UP_CONCURRENCY, warmReferenceData } from '../../src/runtime.js';
import type { PracticeScope } from '../../src/tenancy/types.js';

const practices = Array.from({ length: 40 }, (_, i) => ({
  id: `practice-${i}`,
  name: `Practice ${i}`,
  zone: 'America/New_York',
}));

function countingReference() {
  let inFlight = 0;
  let most = 0;
  const loaded = new Set<string>();
  const read = (kind: string) => async (practiceId: string) => {
    inFlight += 1;
    most = Math.max(most, inFlight);
    await new Promise((done) => setTimeout(done, 2));
    inFlight -= 1;
    loaded.add(`${kind}:${practiceId}`);
    return [];
  };
  return {
    reference: { providers: read('providers'), operatories: read('operatories') },
    most: () => most,
    loaded,
  };
}

const quietLogger = { warn: () => undefined };

describe('start-up pre-load of provider and chair lists', () => {
  it(`loads every practice's lists, a few practices at a time`, async () => {
    const api = countingReference();
    const scope = { available: practices, disabled: [], unavailable: [] } as unknown as PracticeScope;
    await warmReferenceData(api as never, scope, quietLogger as never);
    expect(api.loaded.size).toBe(practices.length * 2);
    // Two reads (providers, chairs) per practice being loaded.
    expect(api.most()).toBeLessThanOrEqual(WARM_UP_CONCURRENCY * 2);
    expect(api.most()).toBeGreaterThan(1);
  });

  it('skips disabled practices, and a practice whose lists fail does not stop the others', async () => {
    const api = countingReference();
    const failing = practices[3] as (typeof practices)[number];
    const providers = api.reference.providers;
    api.reference.providers = async (practiceId: string) => {
      if (practiceId === failing.id) throw new Error('upstream down');
      return providers(practiceId);
    };
    const disabled = practices[5] as (typeof practices)[number];
    const warned: unknown[] = [];
    const scope = { available: practices, disabled: [disabled], unavailable: [] } as unknown as PracticeScope;
    await warmReferenceData(api as never, scope, { warn: (fields: unknown) => warned.push(fields) } as never);
    expect(api.loaded.has(`providers:${disabled.id}`)).toBe(false);
    expect(api.loaded.has(`providers:${failing.id}`)).toBe(false);
    expect(api.loaded.has(`providers:${(practices[39] as (typeof practices)[number]).id}`)).toBe(true);
    expect(warned).toEqual([expect.objectContaining({ practiceId: failing.id })]);
  });
});
