/**
 * Strict readers for the three answers the spec leaves without a schema (find-spot, the clinical
 * timeline, the claims summary; T11, C-T5): every shape the digests list is read exactly, and
 * anything else is refused with UnrecognizedShape naming the endpoint — never a guess. Values the
 * readers cannot use (the spec's placeholder "string") are UnusableUpstreamValue naming the field.
 */
import { describe, expect, it } from 'vitest';
import { describeShape, UnrecognizedShape, UnusableUpstreamValue } from '../../../src/api/errors.js';
import { parseClaimsSummary } from '../../../src/api/resources/insurance.js';
import { readTimelineRow } from '../../../src/api/resources/patients.js';
import { parseSlots } from '../../../src/api/resources/slots.js';

const LA = 'America/Los_Angeles';
const opts = { zone: LA, durationMinutes: 60, operation: 'scheduling.findSpot' as const };

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('find-spot shapes', () => {
  it('days that carry their office hours: the slots inside each day, never the opening time', () => {
    const body = {
      count: 3,
      results: [
        {
          date: '2026-05-14',
          start_time: '08:00',
          end_time: '17:00',
          slots: [
            { start_time: '09:00', provider: 'p1', operatory: 'o1' },
            { start_time: '10:30', provider: 'p2', operatory: 'o2' },
          ],
        },
        {
          date: '2026-05-15',
          start_time: '08:00',
          end_time: '12:00',
          slots: [{ start_time: '11:00', provider: 'p1' }],
        },
      ],
    };
    const r = parseSlots(body, opts);
    expect(r.slots.map((s) => [s.start, s.providerId, s.operatoryId])).toEqual([
      ['2026-05-14T09:00:00-07:00', 'p1', 'o1'],
      ['2026-05-14T10:30:00-07:00', 'p2', 'o2'],
      ['2026-05-15T11:00:00-07:00', 'p1', null],
    ]);
  });

  it('office hours under their own key and ISO slot strings in each day', () => {
    const body = [
      { date: '2026-05-14', office_hours: { start: '08:00', end: '17:00' }, times: ['2026-05-14T09:00:00-07:00'] },
    ];
    expect(parseSlots(body, opts).slots.map((s) => s.start)).toEqual(['2026-05-14T09:00:00-07:00']);
  });

  it('a map keyed by date, bare or under a key', () => {
    const byDate = { '2026-05-14': ['09:00', '09:15'], '2026-05-15': [{ time: '08:00', provider: 'p1' }] };
    for (const body of [byDate, { count: 3, dates: byDate }, { results: byDate }]) {
      expect(parseSlots(body, opts).slots.map((s) => s.start)).toEqual([
        '2026-05-14T09:00:00-07:00',
        '2026-05-14T09:15:00-07:00',
        '2026-05-15T08:00:00-07:00',
      ]);
    }
  });

  it('an empty map keyed by date is no open times (a closed day in the by-date shape), not an unknown shape', () => {
    for (const body of [{ count: 0, dates: {} }, { dates: {} }, { count: 0, results: {} }]) {
      const r = parseSlots(body, opts);
      expect(r.slots, JSON.stringify(body)).toEqual([]);
      expect(r.unreadable).toBe(0);
    }
  });

  it('anything else is refused naming the endpoint, and the logged shape carries no values', () => {
    const bodies: unknown[] = [
      { detail: 'ok' },
      {},
      { count: 2, spots: [{ begins: '2026-05-14T09:00:00-07:00' }] },
      { results: [{ provider: 'p1' }] },
      { results: [{ date: '2026-05-14', slots: ['09:00'] }, '2026-05-14T09:00:00-07:00'] },
      { results: ['09:00'] }, // a wall time with no date anywhere
      { results: [{ start: '2026-05-14T09:00:00-07:00', date_time: '2026-05-14T10:00:00-07:00' }] },
      [[]],
    ];
    for (const body of bodies) {
      const error = thrown(() => parseSlots(body, opts));
      expect(error, JSON.stringify(body)).toBeInstanceOf(UnrecognizedShape);
      expect((error as Error).message).toContain(
        'Escape Dental answered in a shape this server does not understand (endpoint GET …/scheduling/find-spot/)',
      );
    }
    const shape = (
      thrown(() =>
        parseSlots({ spots: [{ begins: '2026-05-14T09:00:00-07:00', who: 'Ann' }] }, opts),
      ) as UnrecognizedShape
    ).shape;
    expect(JSON.stringify(shape)).not.toMatch(/Ann|2026/);
    // Keys the spec does not name could be anything (a name): masked, the structure kept.
    expect(shape).toEqual({ '<key>': { array: 1, of: [{ '<key>': 'string:datetime', '<key>#1': 'string:text' }] } });
  });

  it('placeholder times: an unreadable item is left out and counted; none readable is UnusableUpstreamValue', () => {
    const some = parseSlots({ results: [{ date_time: 'string' }, { date_time: '2026-05-14T09:00:00-07:00' }] }, opts);
    expect(some.slots).toHaveLength(1);
    expect(some.unreadable).toBe(1);
    expect(some.warnings.join(' ')).toMatch(/1 open time .*could not be read.*left out/);
    const error = thrown(() => parseSlots({ results: [{ date_time: 'string', provider: 'p1' }] }, opts));
    expect(error).toBeInstanceOf(UnusableUpstreamValue);
    expect((error as Error).message).toMatch(/^Escape Dental sent an unusable date_time for the open times/);
  });
});

describe('describeShape', () => {
  it('keys and value classes only; keys that are not spec field names or dates are masked', () => {
    expect(describeShape({ 'Jane Doe': { dob: '1980-01-02' }, count: 3, is_active: true, next: null })).toEqual({
      '<key>': { dob: 'string:date' },
      count: 'number',
      is_active: 'boolean',
      next: 'null',
    });
  });
});

describe('timeline event shapes', () => {
  const note = {
    id: 'n1',
    note_type: 'clinical',
    subject: 'Post-op check',
    note_date: '2026-03-02',
    created: '2026-03-02T22:05:00Z',
  };
  const appointment = {
    id: 'a1',
    date_time: '2026-03-03T09:00:00-08:00',
    status: 'complete',
    appointment_type: 'Crown Prep',
  };

  it('the envelope {event_type, id, date, title, data}', () => {
    const r = readTimelineRow(
      { event_type: 'note', id: 'n1', date: '2026-03-02', title: 'Clinical note: Post-op check', data: note },
      LA,
    );
    expect(r).toEqual({
      kind: 'event',
      event: {
        eventType: 'note',
        id: 'n1',
        date: '2026-03-02',
        localDate: '2026-03-02',
        title: 'Clinical note: Post-op check',
        data: note,
      },
    });
  });

  it('flat source rows with event_type: the date comes from the source row (§8.8 sort keys)', () => {
    const r = readTimelineRow({ event_type: 'note', ...note }, LA);
    expect(r.kind === 'event' && r.event).toMatchObject({
      eventType: 'note',
      id: 'n1',
      date: '2026-03-02',
      localDate: '2026-03-02',
    });
    expect(r.kind === 'event' && r.event.data.subject).toBe('Post-op check');
    const a = readTimelineRow({ event_type: 'appointment', ...appointment }, LA);
    expect(a.kind === 'event' && a.event).toMatchObject({
      date: '2026-03-03T09:00:00-08:00',
      localDate: '2026-03-03',
      id: 'a1',
    });
    const noDate = readTimelineRow({ event_type: 'note', ...note, note_date: null }, LA);
    expect(noDate.kind === 'event' && noDate.event.localDate).toBe('2026-03-02'); // created, in LA
  });

  it('{kind|type, timestamp, summary, object}', () => {
    const r = readTimelineRow(
      { kind: 'appointment', id: 'a1', timestamp: '2026-03-03T17:00:00Z', summary: 'Crown Prep', object: appointment },
      LA,
    );
    expect(r.kind === 'event' && r.event).toMatchObject({
      eventType: 'appointment',
      localDate: '2026-03-03',
      title: 'Crown Prep',
      data: appointment,
    });
  });

  it('a row of unknown shape refuses the answer; an unusable date or type skips that row only', () => {
    for (const row of [
      { when: '2026-03-02', what: 'note', payload: note },
      'note',
      { event_type: 'note', data: note, object: note },
    ]) {
      const error = thrown(() => readTimelineRow(row, LA));
      expect(error, JSON.stringify(row)).toBeInstanceOf(UnrecognizedShape);
      expect((error as Error).message).toContain('(endpoint GET …/patient/{patient}/clinical/timeline/)');
    }
    expect(readTimelineRow({ event_type: 'note', date: 'string', data: note }, LA)).toMatchObject({
      kind: 'unusable',
      field: 'date',
    });
    expect(readTimelineRow({ event_type: 'prescription', date: '2026-03-02', data: {} }, LA)).toMatchObject({
      kind: 'unusable',
      field: 'event_type',
    });
    expect(readTimelineRow({ event_type: 'note', ...note, note_date: null, created: null }, LA)).toMatchObject({
      kind: 'unusable',
      field: 'note_date',
    });
  });
});

describe('claims summary shapes', () => {
  const paid = { count: 2, total_fee: '300.00', total_paid: '250.50' };
  const submitted = { count: 1, total_fee: '100.00', total_paid: '0.00' };
  const expected = {
    paid: { count: 2, totalFee: '300.00', totalPaid: '250.50' },
    submitted: { count: 1, totalFee: '100.00', totalPaid: '0.00' },
  };

  it('reads each listed shape to the same figures', () => {
    const bodies = [
      {
        by_status: { paid, submitted },
        totals: { count: 3, total_fee: '400.00', total_paid: '250.50', outstanding: '100.00' },
      },
      {
        by_status: [
          { status: 'paid', ...paid },
          { status: 'submitted', ...submitted },
        ],
        totals: { outstanding: '100.00' },
      },
      {
        results: [
          { status: 'paid', ...paid },
          { status: 'submitted', ...submitted },
        ],
        outstanding_balance: '100.00',
        total_count: 3,
      },
      { paid, submitted, outstanding_balance: '100.00' },
    ];
    for (const body of bodies) {
      const s = parseClaimsSummary(body);
      expect(s.byStatus.paid, JSON.stringify(body)).toEqual(expected.paid);
      expect(s.byStatus.submitted).toEqual(expected.submitted);
      expect(s.byStatus.void).toEqual({ count: 0, totalFee: '0.00', totalPaid: '0.00' });
      expect(s.totals).toEqual({ count: 3, totalFee: '400.00', totalPaid: '250.50', outstanding: '100.00' });
    }
    const bare = parseClaimsSummary([{ status: 'paid', ...paid }]);
    expect(bare.totals).toEqual({ count: 2, totalFee: '300.00', totalPaid: '250.50', outstanding: null });
  });

  it('anything else is refused naming the endpoint', () => {
    for (const body of [
      { detail: 'hello' },
      [],
      {},
      { summary: { paid } },
      { by_status: { paid }, results: [{ status: 'paid', ...paid }] },
      { paid, generated_for: 'x' },
      { by_status: { paid: { n: 2 } } },
    ]) {
      const error = thrown(() => parseClaimsSummary(body));
      expect(error, JSON.stringify(body)).toBeInstanceOf(UnrecognizedShape);
      expect((error as Error).message).toContain('(endpoint GET …/insurance/claims/summary/)');
    }
  });

  it('an unusable or missing figure names the field; never a zero in its place', () => {
    const cases: [unknown, RegExp][] = [
      [
        { by_status: { paid: { ...paid, total_paid: 'string' } } },
        /unusable total_paid for status paid in the claims summary/,
      ],
      [{ by_status: { paid: { count: 2, total_fee: '300.00' } } }, /unusable total_paid for status paid/],
      [{ by_status: { paid: { ...paid, count: 'string' } } }, /unusable count for status paid/],
      [{ by_status: { string: paid } }, /unusable status for the claims summary/],
      [{ by_status: { paid }, totals: { total_fee: 'string' } }, /unusable total_fee for the claims summary totals/],
    ];
    for (const [body, message] of cases) {
      const error = thrown(() => parseClaimsSummary(body));
      expect(error, JSON.stringify(body)).toBeInstanceOf(UnusableUpstreamValue);
      expect((error as Error).message).toMatch(message);
    }
    // An unusable outstanding degrades only itself: left out (computed elsewhere) and said.
    const s = parseClaimsSummary({ by_status: { paid }, totals: { outstanding: 'string' } });
    expect(s.totals.outstanding).toBeNull();
    expect(s.warnings.join(' ')).toMatch(/unusable outstanding/);
  });
});
