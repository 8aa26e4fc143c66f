/**
 * Resource logic against a scripted upstream: what is sent (dates in practice time, caps, one
 * window form, filters) and how answers are post-filtered and degraded with warnings.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Divergence, describeDivergences, recordDivergences } from '../../../src/api/divergence.js';
import { ArgumentError, BadRequest, InvalidResponse, NotFound } from '../../../src/api/errors.js';
import type { EscapeApiHandle } from '../../../src/api/index.js';
import type { RecordedRequest, Reply, ScriptedServer } from './scripted-server.js';
import { startScriptedPractice } from './scripted-server.js';

const P = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const PATIENT = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const BASE = `/api/v1/practice/${P}`;
// 2026-05-14T06:30Z = 23:30 on May 13 in Los Angeles: "today" is the 13th there.
const NOW = Date.parse('2026-05-14T06:30:00Z');

let server: ScriptedServer;
let api: EscapeApiHandle;

type Route = (req: RecordedRequest) => Reply | undefined;

async function start(route: Route): Promise<void> {
  ({ server, api } = await startScriptedPractice(route, { practiceId: P, now: NOW }));
}

afterEach(async () => {
  await api?.close();
  await server?.close();
});

const requestsTo = (suffix: string) => server.requests.filter((r) => r.path === `${BASE}${suffix}`);

describe('findSpot', () => {
  it('sends explicit practice-local dates, one legacy window, capped max_results', async () => {
    await start((req) => (req.path.endsWith('/find-spot/') ? { json: { count: 0, results: [] } } : undefined));
    const result = await api.scheduling.findSpot(P, {
      durationMinutes: 60,
      windows: [{ days: [1, 3], earliest: '15:00', latest: null }],
      maxResults: 80,
    });
    const q = requestsTo('/scheduling/find-spot/')[0]?.query;
    expect(q?.get('start_date')).toBe('2026-05-13');
    expect(q?.get('end_date')).toBe('2026-06-12');
    expect(q?.get('max_results')).toBe('50');
    expect(q?.get('days_of_week')).toBe('1,3');
    expect(q?.get('earliest_time')).toBe('15:00');
    expect(q?.has('latest_time')).toBe(false);
    expect(q?.has('availability_windows')).toBe(false);
    expect(result.searched).toMatchObject({ maxResults: 50, form: 'legacy' });
    expect(result.warnings.join(' ')).toMatch(/At most 50/);
  });

  it('clamps the span to 90 dates and skips past dates', async () => {
    await start((req) => (req.path.endsWith('/find-spot/') ? { json: [] } : undefined));
    const result = await api.scheduling.findSpot(P, {
      durationMinutes: 30,
      range: { from: '2026-05-01', to: '2026-12-31' },
    });
    const q = requestsTo('/scheduling/find-spot/')[0]?.query;
    expect(q?.get('start_date')).toBe('2026-05-13');
    expect(q?.get('end_date')).toBe('2026-08-10');
    expect(result.searched.range).toEqual({ from: '2026-05-13', to: '2026-08-10' });
    expect(result.warnings.join(' ')).toMatch(/90 days/);
  });

  it('a range wholly in the past sends nothing', async () => {
    await start(() => undefined);
    const result = await api.scheduling.findSpot(P, {
      durationMinutes: 30,
      range: { from: '2026-01-01', to: '2026-01-31' },
    });
    expect(result.slots).toEqual([]);
    expect(requestsTo('/scheduling/find-spot/')).toHaveLength(0);
  });

  it('several windows go as availability_windows only, never mixed with the legacy form', async () => {
    await start((req) =>
      req.path.endsWith('/find-spot/')
        ? {
            json: {
              results: [
                { date_time: '2026-05-18T09:00:00-07:00', provider: 'd1', operatory: 'o1' },
                { date_time: '2026-05-22T14:00:00-07:00', provider: 'd1', operatory: 'o1' },
              ],
            },
          }
        : undefined,
    );
    const result = await api.scheduling.findSpot(P, {
      durationMinutes: 60,
      windows: [
        { days: [0], earliest: null, latest: '11:59' },
        { days: [4], earliest: '12:00', latest: '16:59' },
      ],
    });
    const q = requestsTo('/scheduling/find-spot/')[0]?.query;
    expect(q?.getAll('availability_windows')).toEqual(['0:00:00-11:59', '4:12:00-16:59']);
    expect(q?.has('days_of_week') || q?.has('earliest_time') || q?.has('latest_time')).toBe(false);
    expect(result.slots.map((s) => s.start)).toEqual(['2026-05-18T09:00:00-07:00', '2026-05-22T14:00:00-07:00']);
  });

  it('falls back to one legacy request per window when availability_windows is rejected, merging and deduplicating', async () => {
    await start((req) => {
      if (!req.path.endsWith('/find-spot/')) return undefined;
      if (req.query.has('availability_windows'))
        return { status: 400, json: { availability_windows: ['Enter a valid value.'] } };
      const day = req.query.get('days_of_week');
      const mon = { date_time: '2026-05-18T09:00:00-07:00', provider: 'd1', operatory: 'o1' };
      const fri = { date_time: '2026-05-22T14:00:00-07:00', provider: 'd1', operatory: 'o2' };
      return { json: { count: 2, results: day === '0' ? [fri, mon] : [fri] } };
    });
    const result = await api.scheduling.findSpot(P, {
      durationMinutes: 60,
      windows: [
        { days: [0], earliest: null, latest: '11:59' },
        { days: [4], earliest: '12:00', latest: '16:59' },
      ],
    });
    expect(requestsTo('/scheduling/find-spot/')).toHaveLength(3);
    expect(result.searched.form).toBe('per_window');
    // The Friday slot the server returned for the Monday window is outside that window but inside
    // the Friday one: kept once. Sorted by time.
    expect(result.slots.map((s) => s.localDate)).toEqual(['2026-05-18', '2026-05-22']);
    expect(result.warnings.join(' ')).toMatch(/searched separately/);
  });

  it('a 400 for a UUID provider filter (int-strict) drops it, filters here and says so', async () => {
    await start((req) => {
      if (!req.path.endsWith('/find-spot/')) return undefined;
      if (req.query.has('provider')) return { status: 400, json: { provider: ['A valid integer is required.'] } };
      return {
        json: {
          results: [
            { date_time: '2026-05-18T09:00:00-07:00', provider: 'other', operatory: 'o1' },
            { date_time: '2026-05-18T10:00:00-07:00', provider: 'dana', operatory: 'o1' },
          ],
        },
      };
    });
    const result = await api.scheduling.findSpot(P, { durationMinutes: 60, providerIds: ['dana'] });
    expect(result.slots.map((s) => s.providerId)).toEqual(['dana']);
    expect(result.warnings.join(' ')).toMatch(/did not accept the provider filter/);
  });

  it('an ignored filter (foreign providers in the answer) is post-filtered and reported', async () => {
    await start((req) =>
      req.path.endsWith('/find-spot/')
        ? { json: { results: [{ date_time: '2026-05-18T09:00:00-07:00', provider: 'other', operatory: 'o1' }] } }
        : undefined,
    );
    const result = await api.scheduling.findSpot(P, { durationMinutes: 60, providerIds: ['dana'] });
    expect(result.slots).toEqual([]);
    expect(result.warnings.join(' ')).toMatch(/outside the requested filters/);
  });

  /** A find-spot upstream that rejects (or ignores) UUID provider filters and pages a fixed calendar by max_results. */
  function pagedFindSpot(
    calendar: Record<string, { provider: string; count: number }>,
    providerFilter: 'rejected' | 'ignored' = 'rejected',
  ): Route {
    return (req) => {
      if (!req.path.endsWith('/find-spot/')) return undefined;
      if (providerFilter === 'rejected' && req.query.has('provider'))
        return { status: 400, json: { provider: ['A valid integer is required.'] } };
      const from = req.query.get('start_date') ?? '';
      const rows = Object.entries(calendar)
        .filter(([date]) => date >= from)
        .sort(([a], [b]) => a.localeCompare(b))
        .flatMap(([date, { provider, count }]) =>
          Array.from({ length: count }, (_, i) => {
            const minutes = 7 * 60 + i * 10;
            const hhmm = `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
            return { date_time: `${date}T${hhmm}:00-07:00`, provider, operatory: 'o1' };
          }),
        );
      return { json: { results: rows.slice(0, Number(req.query.get('max_results'))) } };
    };
  }

  it('a dropped filter pages on past answers holding only other providers, asking for full pages', async () => {
    await start(
      pagedFindSpot({
        '2026-05-13': { provider: 'other', count: 30 },
        '2026-05-14': { provider: 'other', count: 30 },
        '2026-05-15': { provider: 'other', count: 30 },
        '2026-05-18': { provider: 'dana', count: 5 },
      }),
    );
    const result = await api.scheduling.findSpot(P, { durationMinutes: 30, providerIds: ['dana'], maxResults: 3 });
    expect(result.slots.map((s) => [s.providerId, s.localDate])).toEqual([
      ['dana', '2026-05-18'],
      ['dana', '2026-05-18'],
      ['dana', '2026-05-18'],
    ]);
    const unfiltered = requestsTo('/scheduling/find-spot/').filter((r) => !r.query.has('provider'));
    expect(unfiltered.map((r) => r.query.get('max_results'))).toEqual(unfiltered.map(() => '50'));
    // Each page starts at the last date the previous one reached, so the search always moves on.
    const starts = unfiltered.map((r) => r.query.get('start_date'));
    expect(starts).toEqual(['2026-05-13', '2026-05-14', '2026-05-15']);
    expect(result.warnings.join(' ')).not.toMatch(/may be missing: the API returned more times/);
  });

  it('an ignored filter is reported even when only the first of several pages held other providers', async () => {
    await start(
      pagedFindSpot(
        { '2026-05-13': { provider: 'other', count: 30 }, '2026-05-14': { provider: 'dana', count: 30 } },
        'ignored',
      ),
    );
    const result = await api.scheduling.findSpot(P, { durationMinutes: 30, providerIds: ['dana'] });
    expect(result.slots).toHaveLength(20);
    expect(result.slots.every((s) => s.providerId === 'dana')).toBe(true);
    expect(requestsTo('/scheduling/find-spot/').length).toBeGreaterThan(1);
    expect(result.warnings.join(' ')).toMatch(/outside the requested filters/);
  });

  it('a page that never leaves its first day moves to the next day and names the day that may miss times', async () => {
    await start(
      pagedFindSpot({
        '2026-05-13': { provider: 'other', count: 60 },
        '2026-05-14': { provider: 'dana', count: 2 },
      }),
    );
    const result = await api.scheduling.findSpot(P, { durationMinutes: 30, providerIds: ['dana'] });
    expect(result.slots.map((s) => s.localDate)).toEqual(['2026-05-14', '2026-05-14']);
    expect(result.warnings.join(' ')).toMatch(/Some open times on 2026-05-13 may be missing/);
  });

  it('other 400s are not swallowed', async () => {
    await start((req) =>
      req.path.endsWith('/find-spot/') ? { status: 400, json: { duration_minutes: ['Too long.'] } } : undefined,
    );
    await expect(api.scheduling.findSpot(P, { durationMinutes: 60 })).rejects.toBeInstanceOf(BadRequest);
    await expect(api.scheduling.findSpot(P, { durationMinutes: 0 })).rejects.toBeInstanceOf(ArgumentError);
  });
});

describe('listAppointments', () => {
  const appts = [
    { id: 'a1', patient: 'jane', provider: 'dana', date_time: '2026-05-12T06:30:00Z', status: 'scheduled' }, // May 11 23:30 local
    { id: 'a2', patient: 'jane', provider: 'dana', date_time: '2026-05-13T06:30:00Z', status: 'scheduled' }, // May 12 23:30 local
    { id: 'a3', patient: 'bob', provider: 'dana', date_time: '2026-05-12T16:00:00Z', status: 'broken' },
    {
      id: 'a4',
      patient: 'jane',
      provider: 'sam',
      provider_hygienist: 'dana',
      date_time: '2026-05-12T17:00:00Z',
      status: 'scheduled',
    },
  ];

  it('widens the range by a day, re-filters by practice-local date and post-filters the patient', async () => {
    await start((req) =>
      req.path.endsWith('/scheduling/appointment/') ? { json: { count: 4, next: null, results: appts } } : undefined,
    );
    const r = await api.scheduling.listAppointments(P, {
      range: { from: '2026-05-12', to: '2026-05-12' },
      patientId: 'jane',
    });
    const q = requestsTo('/scheduling/appointment/')[0]?.query;
    expect([q?.get('from'), q?.get('to'), q?.get('patient'), q?.get('page_size')]).toEqual([
      '2026-05-11',
      '2026-05-13',
      'jane',
      '100',
    ]);
    expect(r.appointments.map((a) => a.id)).toEqual(['a4', 'a2']);
    expect(r.appointments.find((a) => a.id === 'a2')?.date_time).toBe('2026-05-12T23:30:00-07:00');
  });

  it('matches the primary provider only unless the hygienist is asked for (T26)', async () => {
    await start((req) => (req.path.endsWith('/scheduling/appointment/') ? { json: appts } : undefined));
    const primary = await api.scheduling.listAppointments(P, {
      range: { from: '2026-05-12', to: '2026-05-12' },
      providerId: 'dana',
    });
    expect(primary.appointments.map((a) => a.id)).toEqual(['a3', 'a2']);
    const both = await api.scheduling.listAppointments(P, {
      range: { from: '2026-05-12', to: '2026-05-12' },
      providerId: 'dana',
      includeHygienist: true,
    });
    expect(both.appointments.map((a) => a.id)).toEqual(['a3', 'a4', 'a2']);
    expect(requestsTo('/scheduling/appointment/')[1]?.query.has('provider')).toBe(false);
  });

  it('no_show means broken', async () => {
    await start((req) => (req.path.endsWith('/scheduling/appointment/') ? { json: appts } : undefined));
    const r = await api.scheduling.listAppointments(P, {
      range: { from: '2026-05-12', to: '2026-05-12' },
      status: 'no_show',
    });
    expect(requestsTo('/scheduling/appointment/')[0]?.query.get('status')).toBe('broken');
    expect(r.appointments.map((a) => a.id)).toEqual(['a3']);
  });

  it('drops a rejected UUID filter and filters locally, with a warning', async () => {
    await start((req) => {
      if (!req.path.endsWith('/scheduling/appointment/')) return undefined;
      if (req.query.has('patient')) return { status: 400, json: { patient: ['A valid integer is required.'] } };
      return { json: { count: 4, results: appts } };
    });
    const r = await api.scheduling.listAppointments(P, {
      range: { from: '2026-05-12', to: '2026-05-12' },
      patientId: 'bob',
    });
    expect(r.appointments.map((a) => a.id)).toEqual(['a3']);
    expect(r.warnings.join(' ')).toMatch(/patient filter/);
  });
});

describe('patients and timeline', () => {
  it('post-filters names and retries a multi-token name with its longest token', async () => {
    await start((req) => {
      if (!req.path.endsWith('/patient/')) return undefined;
      const search = req.query.get('search');
      if (search === 'jane example') return { json: { count: 0, results: [] } };
      return {
        json: {
          count: 3,
          results: [
            { id: 'p1', first_name: 'Jane', last_name: 'Example' },
            { id: 'p2', first_name: 'John', last_name: 'Example' },
            { id: 'p3', first_name: 'Janet', last_name: 'Examples' },
          ],
        },
      };
    });
    const r = await api.patients.search(P, { search: 'Jane  Example' });
    expect(requestsTo('/patient/').map((q) => q.query.get('search'))).toEqual(['jane example', 'example']);
    expect(r.patients.map((p) => p.id)).toEqual(['p1', 'p3']);
  });

  it('phone search: phone= then search= with digits, matched on normalised digits', async () => {
    await start((req) => {
      if (!req.path.endsWith('/patient/')) return undefined;
      if (req.query.has('phone')) return { json: { count: 0, results: [] } };
      return {
        json: [
          { id: 'p1', first_name: 'A', last_name: 'B', phone_mobile: '+1 (415) 555-0100' },
          { id: 'p2', first_name: 'C', last_name: 'D', phone_home: '415.555.0199' },
        ],
      };
    });
    const r = await api.patients.search(P, { phone: '415-555-0100' });
    expect(requestsTo('/patient/').map((q) => [q.query.get('phone'), q.query.get('search')])).toEqual([
      ['4155550100', null],
      [null, '4155550100'],
    ]);
    expect(r.patients.map((p) => p.id)).toEqual(['p1']);
  });

  it('the timeline is walked newest-first until past `since`', async () => {
    const page1 = [
      { event_type: 'note', id: 'n1', date: '2026-05-01', title: 'Note' },
      { event_type: 'procedure', id: 'x1', date: '2026-04-02T10:00:00-07:00', title: 'D2740' },
    ];
    const page2 = [
      { event_type: 'appointment', id: 'ap', date: '2026-03-15T09:00:00-07:00', title: 'Visit' },
      { event_type: 'note', id: 'n0', date: '2026-02-01', title: 'Old' },
    ];
    await start((req) => {
      if (!req.path.endsWith('/clinical/timeline/')) return undefined;
      const page = req.query.get('page') ?? '1';
      const next = `${server.url}${req.path}?page=${Number(page) + 1}&page_size=200`;
      if (page === '1') return { json: { count: 6, next, results: page1 } };
      if (page === '2') return { json: { count: 6, next, results: page2 } };
      return { json: { count: 6, next: null, results: [{ event_type: 'note', id: 'ancient', date: '2020-01-01' }] } };
    });
    const r = await api.clinical.timeline(P, PATIENT, {
      since: '2026-03-01',
      eventTypes: ['note', 'procedure', 'appointment'],
    });
    expect(r.events.map((e) => e.id)).toEqual(['n1', 'x1', 'ap']);
    expect(requestsTo(`/patient/${PATIENT}/clinical/timeline/`)).toHaveLength(2);
    expect(requestsTo(`/patient/${PATIENT}/clinical/timeline/`)[0]?.query.get('event_type')).toBe(
      'note,procedure,appointment',
    );
    await expect(api.clinical.timeline(P, PATIENT, { eventTypes: ['xray' as never] })).rejects.toThrow(
      /Unknown timeline event type/,
    );
  });
});

describe('claims summary', () => {
  it('falls back to aggregating the claim list when the summary path 404s', async () => {
    await start((req) => {
      if (req.path.endsWith('/insurance/claim/')) {
        return {
          json: {
            count: 2,
            next: null,
            results: [
              { id: 'c1', status: 'submitted', claim_fee: '120.00', ins_pay_amt: '0.00', write_off: '0.00' },
              { id: 'c2', status: 'paid', claim_fee: '80.00', ins_pay_amt: '64.00' },
            ],
          },
        };
      }
      return undefined;
    });
    const s = await api.insurance.claimsSummary(P);
    expect(s.source).toBe('claim_list');
    expect(s.byStatus.submitted).toEqual({ count: 1, totalFee: '120.00', totalPaid: '0.00' });
    expect(s.totals).toEqual({ count: 2, totalFee: '200.00', totalPaid: '64.00', outstanding: '120.00' });
    expect(s.warnings[0]).toMatch(/computed here/);
  });

  it('a 404 on both (not our practice) stays NotFound', async () => {
    await start(() => undefined);
    await expect(api.insurance.claimsSummary('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb')).rejects.toBeInstanceOf(NotFound);
  });
});

describe('admin', () => {
  it('403/404 mean "not readable with this credential"', async () => {
    await start((req) =>
      req.path.includes('/admin/') ? { status: 403, json: { detail: 'You do not have permission.' } } : undefined,
    );
    expect(await api.admin.mcpCatalog()).toMatchObject({ readable: false, status: 403 });
    expect((await api.admin.mcpGates(P)).readable).toBe(false);
  });

  it('gate rows are read and ordered by tool_key', async () => {
    await start((req) =>
      req.path.includes('/mcp-gates/')
        ? {
            json: [
              { id: 2, tool_key: 'find_spot', enabled: false },
              { id: 1, tool_key: 'claims_summary', enabled: true },
            ],
          }
        : undefined,
    );
    const r = await api.admin.mcpGates(P);
    expect(r.readable && r.value.map((g) => g.tool_key)).toEqual(['claims_summary', 'find_spot']);
  });
});

describe('reads checked against what was asked (issue 14 item 1)', () => {
  /** Runs a read and returns what it recorded for the tool call's text. */
  async function recorded<T>(read: () => Promise<T>): Promise<{ value: T; text: string[] }> {
    const records: Divergence[] = [];
    const value = await recordDivergences(records, read);
    const { partial, notes } = describeDivergences(records);
    return { value, text: [...partial, ...notes] };
  }

  it("another patient's record in answer to an id is refused, never shown", async () => {
    const other = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';
    await start((req) =>
      req.path.endsWith(`/patient/${PATIENT}/`) ? { json: { id: other, first_name: 'X' } } : undefined,
    );
    await expect(api.patients.retrieve(P, PATIENT)).rejects.toThrow(
      new RegExp(`record of patient ${other} when asked for patient ${PATIENT}`),
    );
  });

  it('another appointment in answer to an id is refused, never read as the one asked for', async () => {
    const asked = 'dddddddd-dddd-4ddd-8ddd-dddddddddddd';
    const other = 'eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee';
    const answer = { id: other, patient: PATIENT, date_time: '2026-05-20T09:00:00-07:00', duration_minutes: 30 };
    await start((req) => (req.path.endsWith(`/scheduling/appointment/${asked}/`) ? { json: answer } : undefined));
    await expect(api.scheduling.getAppointment(P, asked)).rejects.toThrow(
      new RegExp(`appointment ${other} when asked for appointment ${asked}`),
    );
    await expect(api.scheduling.getAppointment(P, asked.toUpperCase())).rejects.toBeInstanceOf(InvalidResponse);
  });

  it('the same appointment is read whatever the case of its id', async () => {
    const asked = 'dddddddd-dddd-4ddd-8ddd-dddddddddddd';
    const answer = { id: asked, patient: PATIENT, date_time: '2026-05-20T09:00:00-07:00', duration_minutes: 30 };
    await start((req) => (req.path.endsWith(`/scheduling/appointment/${asked}/`) ? { json: answer } : undefined));
    await expect(api.scheduling.getAppointment(P, asked.toUpperCase())).resolves.toMatchObject({ id: asked });
  });

  it('claims outside the dates asked for are left out here (the date field is the date of service) and counted', async () => {
    const claims = [
      { id: 'c1', status: 'paid', date_service: '2026-05-01', claim_fee: '100.00' },
      { id: 'c2', status: 'paid', date_service: '2019-03-02', claim_fee: '900.00' },
      { id: 'c3', status: 'paid', date_service: null, claim_fee: '50.00' },
    ];
    await start((req) =>
      req.path.endsWith('/insurance/claim/') ? { json: { count: 3, next: null, results: claims } } : undefined,
    );
    const { value, text } = await recorded(() =>
      api.insurance.listClaims(P, { status: 'paid', range: { from: '2026-02-12', to: '2026-05-13' } }),
    );
    expect(value.claims.map((c) => c.id)).toEqual(['c1']);
    expect(requestsTo('/insurance/claim/')[0]?.query.get('date_from')).toBe('2026-02-12');
    expect(text).toEqual([
      'Escape Dental returned 1 claim dated outside the requested dates (by date of service); it was left out here.',
      'Escape Dental returned 1 claim without a date of service although dates were asked for; it was left out here.',
    ]);
  });

  it("timeline rows of another type or another patient are left out and counted; the walk's own count is checked", async () => {
    const rows = [
      { event_type: 'note', id: 'n1', date: '2026-05-01', data: { patient: PATIENT } },
      { event_type: 'note', id: 'n2', date: '2026-04-01', data: { patient: 'someone-else' } },
      { event_type: 'imaging', id: 'i1', date: '2026-03-01', data: { patient: PATIENT } },
    ];
    await start((req) =>
      req.path.endsWith('/clinical/timeline/') ? { json: { count: 9, next: null, results: rows } } : undefined,
    );
    const { value, text } = await recorded(() => api.clinical.timeline(P, PATIENT, { eventTypes: ['note'] }));
    expect(value.events.map((e) => e.id)).toEqual(['n1']);
    expect(text).toEqual([
      'Partial result: Escape Dental counted 9 timeline events but sent 3; this answer covers only those.',
      'Escape Dental returned 1 timeline event of another type than asked; it was left out here.',
      'Escape Dental returned 1 timeline event of another patient; it was left out here.',
    ]);
  });

  it('find-spot: times before the start asked for mean the dates were ignored; no continuation, and the answer says what it covers', async () => {
    const slots = Array.from({ length: 20 }, (_, i) => ({
      date_time: `2026-05-${String(13 + Math.floor(i / 10)).padStart(2, '0')}T${String(8 + (i % 10)).padStart(2, '0')}:00:00-07:00`,
      provider: 'dana',
      operatory: 'op1',
    }));
    await start((req) =>
      req.path.endsWith('/find-spot/') ? { json: { count: slots.length, results: slots } } : undefined,
    );
    const { value, text } = await recorded(() =>
      api.scheduling.findSpot(P, { durationMinutes: 30, range: { from: '2026-06-20', to: '2026-07-10' } }),
    );
    expect(value.slots).toEqual([]);
    expect(value.incomplete).toBe(
      'Escape Dental ignored the dates of this search: asked for 2026-06-20 to 2026-07-10, it answered with times from 2026-05-13 to 2026-05-14',
    );
    expect(value.warnings.join(' ')).not.toMatch(/more times for that day/);
    expect(requestsTo('/scheduling/find-spot/')).toHaveLength(1);
    expect(text).toEqual([
      'Escape Dental returned 20 open times dated outside the 2026-06-20 to 2026-07-10 asked for; they were left out here.',
    ]);
  });

  it('the production report carries the period the API answered for, and says it differs', async () => {
    await start((req) =>
      req.path.endsWith('/billing/reports/production/')
        ? {
            json: {
              date_from: '2026-04-13',
              date_to: '2026-05-13',
              summary: {
                total_production: '10.00',
                total_collections: '0.00',
                total_adjustments: '0.00',
                net_production: '10.00',
                procedure_count: 1,
              },
            },
          }
        : undefined,
    );
    const report = await api.billing.productionReport(P, { range: { from: '2026-01-01', to: '2026-01-31' } });
    expect(report.range).toEqual({ from: '2026-04-13', to: '2026-05-13' });
    expect(report.requestedRange).toEqual({ from: '2026-01-01', to: '2026-01-31' });
    expect(report.warnings).toEqual([
      'Escape Dental answered for 2026-04-13 to 2026-05-13 instead of the 2026-01-01 to 2026-01-31 asked for; the figures are for the period it answered for.',
    ]);
  });
});
