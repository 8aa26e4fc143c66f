import { describe, expect, it } from 'vitest';
import { ArgumentError, InvalidResponse, UnrecognizedShape, UnusableUpstreamValue } from '../../../src/api/errors.js';
import { normalizeAppointment, parseValidation, writeBody } from '../../../src/api/resources/appointments.js';
import { formatAvailabilityWindow, legacyWindowParams } from '../../../src/api/resources/find-spot.js';
import { aggregateClaims, parseClaimsSummary } from '../../../src/api/resources/insurance.js';
import { readTimelineRow } from '../../../src/api/resources/patients.js';
import { buildCarrierMap } from '../../../src/api/resources/reference.js';
import { parseSlots, sortAndDedupeSlots } from '../../../src/api/resources/slots.js';
import { Claim } from '../../../src/api/schemas.js';

const LA = 'America/Los_Angeles';
const opts = { zone: LA, durationMinutes: 60, operation: 'scheduling.findSpot' as const };

describe('slot shapes (T11)', () => {
  it('find-spot default: {count, results:[{date_time, provider, operatory}]}', () => {
    const r = parseSlots(
      {
        count: 1,
        results: [{ date_time: '2026-05-14T09:00:00-07:00', provider: 'p1', operatory: 'o1', duration_minutes: 60 }],
      },
      opts,
    );
    expect(r.slots).toEqual([
      {
        start: '2026-05-14T09:00:00-07:00',
        startMs: Date.UTC(2026, 4, 14, 16),
        localDate: '2026-05-14',
        localTime: '09:00',
        zone: LA,
        providerId: 'p1',
        operatoryId: 'o1',
        durationMinutes: 60,
      },
    ]);
    expect(r.hasProviderIds).toBe(true);
  });

  it('available-slots default: {date, slots:[ISO]} and UTC renderings are re-rendered in practice time', () => {
    const r = parseSlots(
      { date: '2026-05-14', duration_minutes: 60, slots: ['2026-05-14T16:00:00Z', '2026-05-14T09:15:00-07:00'] },
      opts,
    );
    expect(r.slots.map((s) => s.start)).toEqual(['2026-05-14T09:00:00-07:00', '2026-05-14T09:15:00-07:00']);
    expect(r.hasProviderIds).toBe(false);
  });

  it('a bare array of ISO strings, or of objects', () => {
    expect(parseSlots(['2026-05-14T09:00:00-07:00'], opts).slots).toHaveLength(1);
    expect(parseSlots([{ start: '2026-05-14T09:00:00-07:00', provider_id: 7 }], opts).slots[0]?.providerId).toBe('7');
  });

  it('HH:MM items combined with the requested date in practice TZ (DST-aware)', () => {
    const r = parseSlots({ available_slots: ['01:30', '02:30', '03:00'] }, { ...opts, date: '2026-03-08' });
    // 02:30 does not exist on 2026-03-08 in LA: skipped, counted as unreadable.
    expect(r.slots.map((s) => s.start)).toEqual(['2026-03-08T01:30:00-08:00', '2026-03-08T03:00:00-07:00']);
    expect(r.unreadable).toBe(1);
  });

  it('objects with start_time/time + date, and naive datetimes read as practice-local', () => {
    const r = parseSlots(
      { slots: [{ date: '2026-11-01', time: '01:30' }, { start_time: '2026-11-02T08:00:00' }] },
      opts,
    );
    expect(r.slots.map((s) => s.start)).toEqual(['2026-11-01T01:30:00-07:00', '2026-11-02T08:00:00-08:00']);
  });

  it('unreadable answers are refused: an unknown shape, or no usable time', () => {
    expect(() => parseSlots({ detail: 'ok' }, opts)).toThrow(UnrecognizedShape);
    expect(() => parseSlots({ results: ['soon', 'later'] }, opts)).toThrow(UnusableUpstreamValue);
    expect(parseSlots({ results: [] }, opts).slots).toEqual([]);
  });

  it('sorts by instant and drops duplicates', () => {
    const a = parseSlots(
      ['2026-05-14T10:00:00-07:00', '2026-05-14T16:00:00Z', '2026-05-14T09:00:00-07:00'],
      opts,
    ).slots;
    expect(sortAndDedupeSlots(a).map((s) => s.localTime)).toEqual(['09:00', '10:00']);
  });
});

describe('find-spot window encoding (T5, T7)', () => {
  it('legacy params for one window', () => {
    expect(legacyWindowParams({ days: [1, 3], earliest: '15:00', latest: null })).toEqual({
      days_of_week: '1,3',
      earliest_time: '15:00',
      latest_time: undefined,
    });
    expect(legacyWindowParams(undefined)).toEqual({});
  });

  it('availability_windows strings', () => {
    expect(formatAvailabilityWindow({ days: [0, 2, 4], earliest: '08:00', latest: '12:00' })).toBe('0,2,4:08:00-12:00');
    expect(formatAvailabilityWindow({ days: null, earliest: null, latest: '11:59' })).toBe('0,1,2,3,4,5,6:00:00-11:59');
  });
});

describe('claims summary shapes (C-T5)', () => {
  it('the by_status map with totals', () => {
    const s = parseClaimsSummary({
      by_status: {
        paid: { count: 2, total_fee: '300.00', total_paid: '250.5' },
        draft: { count: 1, total_fee: '100', total_paid: '0' },
      },
      totals: { count: 3, total_fee: '400.00', total_paid: '250.50', outstanding: '75.00' },
    });
    expect(s?.byStatus.paid).toEqual({ count: 2, totalFee: '300.00', totalPaid: '250.50' });
    expect(s?.byStatus.void).toEqual({ count: 0, totalFee: '0.00', totalPaid: '0.00' });
    expect(s?.totals).toEqual({ count: 3, totalFee: '400.00', totalPaid: '250.50', outstanding: '75.00' });
  });

  it('a results list with outstanding_balance and total_count', () => {
    const s = parseClaimsSummary({
      results: [
        { status: 'submitted', count: 4, total_fee: '1000.00', total_paid: '0.00' },
        { status: 'partial', count: 1, total_fee: '500.00', total_paid: '200.00' },
      ],
      outstanding_balance: '1300.00',
      total_count: 5,
    });
    expect(s?.byStatus.submitted?.count).toBe(4);
    expect(s?.totals).toEqual({ count: 5, totalFee: '1500.00', totalPaid: '200.00', outstanding: '1300.00' });
  });

  it('top-level status keys; a null amount is refused, not read as zero', () => {
    const s = parseClaimsSummary({ denied: { count: 2, total_fee: '10.00', total_paid: '0' } });
    expect(s.byStatus.denied).toEqual({ count: 2, totalFee: '10.00', totalPaid: '0.00' });
    expect(s.totals.outstanding).toBeNull();
    expect(() => parseClaimsSummary({ denied: { count: 2, total_fee: null, total_paid: null } })).toThrow(
      UnusableUpstreamValue,
    );
  });

  it('unrecognisable → UnrecognizedShape', () => {
    expect(() => parseClaimsSummary({ detail: 'hello' })).toThrow(UnrecognizedShape);
    expect(() => parseClaimsSummary([])).toThrow(UnrecognizedShape);
  });

  it('aggregates a claim list with exact money', () => {
    const claims = [
      { id: '1', status: 'submitted', claim_fee: '100.10', ins_pay_amt: '0', write_off: '0' },
      { id: '2', status: 'partial', claim_fee: '200.20', ins_pay_amt: '50.05', write_off: '10.00' },
      { id: '3', status: 'paid', claim_fee: '0.10', ins_pay_amt: '0.10' },
      { id: '4', status: 'paid', claim_fee: '0.20', ins_pay_amt: '0.20' },
    ].map((c) => Claim.parse(c));
    const s = aggregateClaims(claims);
    expect(s.byStatus.paid).toEqual({ count: 2, totalFee: '0.30', totalPaid: '0.30' });
    expect(s.totals).toEqual({ count: 4, totalFee: '300.60', totalPaid: '50.35', outstanding: '240.25' });
  });
});

describe('other defensive readers', () => {
  it('validation results', () => {
    expect(parseValidation({ valid: true, issues: [] })).toEqual({ valid: true, issues: [] });
    expect(
      parseValidation({ valid: false, issues: [{ code: 'operatory_conflict', severity: 'error', message: 'busy' }] })
        .issues[0],
    ).toEqual({
      code: 'operatory_conflict',
      severity: 'error',
      message: 'busy',
    });
    expect(parseValidation({ issues: [{ severity: 'warning', message: 'lunch soon' }] }).valid).toBe(true);
    expect(parseValidation({ issues: ['conflict'] }).valid).toBe(false);
    expect(parseValidation({ available: true })).toEqual({ valid: true, issues: [] });
    expect(() => parseValidation({})).toThrow(InvalidResponse);
  });

  it('timeline events: envelope fields, date-only vs datetime', () => {
    expect(
      readTimelineRow(
        { event_type: 'procedure', id: 'x', date: '2026-03-01', title: 'D2740', data: { proc_code: 'D2740' } },
        LA,
      ),
    ).toEqual({
      kind: 'event',
      event: {
        eventType: 'procedure',
        id: 'x',
        date: '2026-03-01',
        localDate: '2026-03-01',
        title: 'D2740',
        data: { proc_code: 'D2740' },
      },
    });
    const flat = readTimelineRow({ type: 'note', date: '2026-03-02T06:30:00Z', note_type: 'clinical' }, LA);
    expect(flat.kind === 'event' && flat.event).toMatchObject({
      eventType: 'note',
      localDate: '2026-03-01',
      title: 'note',
      data: { note_type: 'clinical' },
    });
    expect(() => readTimelineRow('nope', LA)).toThrow(UnrecognizedShape);
  });

  it('claim → carrier map prefers the carrier catalog name', () => {
    const map = buildCarrierMap(
      [
        { id: 'pi1', carrier: 'c1', carrier_name: 'Old name' },
        { id: 'pi2', carrier: null, carrier_name: 'Walk-in carrier' },
      ],
      [{ id: 'c1', name: 'Delta Synthetic' }],
    );
    expect(map.get('pi1')).toEqual({ carrierId: 'c1', carrierName: 'Delta Synthetic' });
    expect(map.get('pi2')).toEqual({ carrierId: null, carrierName: 'Walk-in carrier' });
  });

  it('appointments are re-rendered with the practice offset (datetimes=utc)', () => {
    const a = normalizeAppointment({ id: 'a', date_time: '2026-05-15T06:30:00Z' }, LA);
    expect(a.date_time).toBe('2026-05-14T23:30:00-07:00');
  });

  it('write bodies: allow-listed fields, offset required, no overbooking flags or status', () => {
    const body = writeBody(
      {
        patient: 'p',
        date_time: '2026-05-14T09:00:00-07:00',
        duration_minutes: 60,
        confirmed_status: 'Confirmed',
        ...({ allow_overbooking: true, skip_validation: true, status: 'complete' } as object),
      },
      true,
    );
    expect(body).toEqual({
      patient: 'p',
      date_time: '2026-05-14T09:00:00-07:00',
      duration_minutes: 60,
      confirmed_status: 'confirmed',
    });
    expect(() => writeBody({ patient: 'p', date_time: '2026-05-14T09:00:00', duration_minutes: 60 }, true)).toThrow(
      /timezone offset/,
    );
    expect(() => writeBody({ patient: 'p', date_time: '2026-05-14T09:00:00Z', duration_minutes: 0 }, true)).toThrow(
      ArgumentError,
    );
    expect(() => writeBody({}, false)).toThrow(/Nothing to change/);
  });
});
