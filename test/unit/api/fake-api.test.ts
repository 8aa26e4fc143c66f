/** The typed fake of the API port (test/helpers/fake-api.ts): given methods answer, others say what is missing. */
import { describe, expect, it } from 'vitest';
import { readOnlyApi } from '../../../src/tools/framework/writes/port.js';
import { fakeApi, NotFaked } from '../../helpers/fake-api.js';

describe('fakeApi', () => {
  it('answers with the methods it was given', async () => {
    const api = fakeApi({ reference: { providers: async () => [] } });
    await expect(api.reference.providers('p1')).resolves.toEqual([]);
  });

  it('names a method the test did not give, in the area given and in any other', () => {
    const api = fakeApi({ reference: { providers: async () => [] } });
    expect(() => api.reference.carriers('p1')).toThrow(NotFaked);
    expect(() => api.reference.carriers('p1')).toThrow(
      /no reference\.carriers: .*fakeApi\(\{ reference: \{ carriers \} \}\)/,
    );
    expect(() => api.billing.productionReport('p1', { range: { from: '2026-01-01', to: '2026-01-31' } })).toThrow(
      /no billing\.productionReport/,
    );
  });

  it('names a method left out through the read-only view a tool gets, which copies the area', () => {
    const view = readOnlyApi(fakeApi({ scheduling: { getAppointment: async () => ({ id: 'a1' }) } }));
    expect(() => view.scheduling.findSpot('p1', { durationMinutes: 30 })).toThrow(/no scheduling\.findSpot/);
    expect('createAppointment' in view.scheduling).toBe(false);
  });
});
