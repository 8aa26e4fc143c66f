/**
 * The shortcut-vs-range trap of the two period reports (T12): no_show_between gives way to an
 * explicit from/to/status (L15–L18), cancelled_between overrides from/to (L983–L990). The client
 * sends the shortcut alone, so neither precedence decides the answer.
 */
import { describe, expect, it } from 'vitest';
import { periodReportQuery } from '../../../src/api/resources/worklists.js';

describe('periodReportQuery', () => {
  it('sends only the shortcut for each report, never from/to/status beside it', () => {
    expect(periodReportQuery('noShows', { from: '2026-11-06', to: '2026-12-06' })).toEqual({
      no_show_between: '2026-11-06,2026-12-06',
    });
    expect(periodReportQuery('cancellations', { from: '2026-11-06', to: '2026-12-06' })).toEqual({
      cancelled_between: '2026-11-06,2026-12-06',
    });
  });

  it('refuses a reversed or impossible period before anything is sent', () => {
    expect(() => periodReportQuery('noShows', { from: '2026-12-06', to: '2026-11-06' })).toThrow(/ends .* before/);
    expect(() => periodReportQuery('cancellations', { from: '2026-02-30', to: '2026-03-01' })).toThrow();
  });
});
