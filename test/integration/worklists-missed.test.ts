/**
 * missed_visits through a real MCP client and server against the sandbox over HTTP. The expected
 * worklist is computed here from raw reads asked the other way round — the appointment list with
 * explicit status/from/to (not the no_show_between shortcut the tool sends), each patient's own
 * appointments, the cancellations report with from/to (not cancelled_between) — and checked
 * against the seeded missed-visit scenarios: true positives present, near-misses absent.
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox, WorklistFixtures } from '../../src/sandbox/index.js';
import { expectPastEndAnswer } from '../helpers/cursor-end.js';
import {
  callError,
  callOk,
  connectInProcess,
  type InProcessConnection,
  rawGet,
  rawList,
  startTestSandbox,
} from '../helpers/harness.js';

interface MissedRow {
  kind: 'no_show' | 'cancelled';
  appointment_id: string;
  patient_id: string;
  visit_date: string;
  lead_time_hours?: string;
  no_show_count: number | null;
  phone?: string;
  reason: string;
}
interface Missed {
  period: { from: string; to: string };
  rows: MissedRow[];
  next_cursor?: string;
  totals: { no_shows: number; no_shows_rebooked: number; cancelled: number; cancelled_rebooked: number };
  recapture_rate_pct: string | null;
  definition: string;
}
interface RawAppointment {
  id: string;
  patient: string;
  date_time: string;
  status: string;
}
interface RawCancellation {
  id: string;
  cancelled_at: string;
  scheduled_start: string | null;
  rebooked: boolean;
  lead_time_hours: string;
}

const BOOKED = ['scheduled', 'arrived', 'seated', 'ready_for_doctor', 'ready_for_walkout', 'complete'];

let sandbox: RunningSandbox;
let server: InProcessConnection;
let la: RunningSandbox['fixtures']['practices']['la'];
let w: WorklistFixtures;
const path = (rest: string) => `/api/v1/practice/${la.id}/${rest}`;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  la = sandbox.fixtures.practices.la;
  w = la.worklists as WorklistFixtures;
  server = await connectInProcess({ sandbox });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await sandbox?.close();
});

async function whole(from: string, to: string): Promise<{ rows: MissedRow[]; answer: Missed; text: string }> {
  const first = await callOk<Missed>(server.client, 'missed_visits', {
    practice: la.id,
    start_date: from,
    end_date: to,
    limit: 100,
  });
  const answer = first.structured;
  const rows = [...answer.rows];
  let cursor = answer.next_cursor;
  while (cursor) {
    const page = (
      await callOk<Missed>(server.client, 'missed_visits', {
        practice: la.id,
        start_date: from,
        end_date: to,
        limit: 100,
        cursor,
      })
    ).structured;
    rows.push(...page.rows);
    cursor = page.next_cursor;
  }
  return { rows, answer, text: first.text };
}

interface RawMissed {
  broken: RawAppointment[];
  rebooked: Set<string>;
  cancelled: RawCancellation[];
  expected: Set<string>;
  /** Practice-local visit date of every expected row, read from the raw rows. */
  visitDate: Map<string, string>;
}

const local = (iso: string) => DateTime.fromISO(iso).setZone(la.timezone).toISODate() as string;

/** The worklist recomputed from raw reads asked the other way round (see the file comment). */
async function rawMissed(from: string, to: string): Promise<RawMissed> {
  const broken = (
    await rawList<RawAppointment>(sandbox, path('scheduling/appointment/'), { status: 'broken', from, to })
  ).filter((a) => local(a.date_time) >= from && local(a.date_time) <= to);
  const rebooked = new Set<string>();
  for (const a of broken) {
    const own = await rawList<RawAppointment>(sandbox, path('scheduling/appointment/'), {
      patient: a.patient,
      from,
      to: DateTime.fromISO(to).plus({ years: 2 }).toISODate() as string,
    });
    if (own.some((o) => BOOKED.includes(o.status) && DateTime.fromISO(o.date_time) > DateTime.fromISO(a.date_time))) {
      rebooked.add(a.id);
    }
  }
  const cancelled = (
    await rawGet<{ results: RawCancellation[] }>(sandbox, path('scheduling/reports/cancellations/'), { from, to })
  ).results;
  const expected = new Set([
    ...broken.filter((a) => !rebooked.has(a.id)).map((a) => a.id),
    ...cancelled.filter((c) => !c.rebooked).map((c) => c.id),
  ]);
  const visitDate = new Map([
    ...broken.map((a) => [a.id, local(a.date_time)] as const),
    ...cancelled.map((c) => [c.id, local(c.scheduled_start ?? c.cancelled_at)] as const),
  ]);
  return { broken, rebooked, cancelled, expected, visitDate };
}

describe('missed_visits', () => {
  it('answers a cursor past the end of the list (it shrank) with no rows and the size of the list now', async () => {
    const { from, to } = w.missedVisits;
    const total = (await rawMissed(from, to)).expected.size;
    for (const offset of [total, total + 4]) {
      await expectPastEndAnswer(
        server.client,
        'missed_visits',
        { practice: la.id, start_date: from, end_date: to, cursor: String(offset) },
        'rows',
        offset,
        total,
      );
    }
    expect(
      await callError(server.client, 'missed_visits', {
        practice: la.id,
        start_date: from,
        end_date: to,
        cursor: '-1',
      }),
    ).toMatch(/cursor "-1" is not one this tool gave/);
  }, 180_000);

  it('lists exactly the no-shows and cancellations not rebooked, from raw reads, with the recapture rate', async () => {
    const { from, to } = w.missedVisits;
    const { broken, rebooked, cancelled, expected } = await rawMissed(from, to);

    // The seeded scenarios make every part of the expectation non-empty: a no-show not rebooked, one
    // rebooked the next day, a cancellation not rebooked.
    expect(broken.length - rebooked.size).toBeGreaterThan(0);
    expect(rebooked.size).toBeGreaterThan(0);
    expect(cancelled.some((c) => !c.rebooked)).toBe(true);

    const { rows, answer, text } = await whole(from, to);
    // The cancellations report is one answer: read whole, not flagged partial (it was, when paged).
    expect(text).not.toMatch(/Partial result/);
    expect(new Set(rows.map((r) => r.appointment_id))).toEqual(expected);
    expect(rows.length).toBe(expected.size);
    expect(answer.totals).toMatchObject({
      no_shows: broken.length,
      no_shows_rebooked: rebooked.size,
      cancelled: cancelled.length,
      cancelled_rebooked: cancelled.filter((c) => c.rebooked).length,
    });
    expect(answer.recapture_rate_pct).toBe(((rebooked.size / broken.length) * 100).toFixed(1));
    expect(answer.definition).toMatch(/Recapture rate = .*÷ all no-shows/);
    for (const row of rows) {
      expect(row.reason).toMatch(/rebook/);
      if (row.kind === 'cancelled') {
        expect(row.lead_time_hours).toBe(cancelled.find((c) => c.id === row.appointment_id)?.lead_time_hours);
      }
    }
  }, 180_000);

  it('has the seeded true positives and leaves out the rebooked near-misses', async () => {
    const m = w.missedVisits;
    const { rows } = await whole(m.from, m.to);
    const byId = new Map(rows.map((r) => [r.appointment_id, r]));
    expect(byId.get(m.brokenNotRebooked.appointmentId)?.kind).toBe('no_show');
    const cancelled = byId.get(m.cancelledNotRebooked.appointmentId);
    expect(cancelled?.kind).toBe('cancelled');
    expect(Number(cancelled?.lead_time_hours)).toBeCloseTo(4, 0);
    const lastNoShow = m.repeatNoShow.brokenAppointmentIds.map((id) => byId.get(id)).find((r) => r !== undefined);
    expect(lastNoShow?.no_show_count).toBe(3);
    expect(byId.has(m.brokenRebookedNextDay.brokenAppointmentId)).toBe(false);
    expect(byId.has(m.cancelledRebooked.cancelledAppointmentId)).toBe(false);
    // The row for a call carries the number to call, from the patient record.
    const patient = await rawGet<{ phone_mobile: string | null; phone_home: string | null; phone_work: string | null }>(
      sandbox,
      path(`patient/${m.cancelledNotRebooked.patientId}/`),
    );
    expect(cancelled?.phone).toBe(patient.phone_mobile ?? patient.phone_home ?? patient.phone_work ?? undefined);
  }, 180_000);

  it('lists visits already missed first, newest first, then cancelled visits still ahead, soonest first', async () => {
    // The cancellations report windows on when a visit was cancelled (L980), so a cancellation made
    // in the period can be of a visit months ahead: it is not missed yet and must not lead the calls.
    const { from, to } = w.missedVisits;
    const today = DateTime.now().setZone(la.timezone).toISODate() as string;
    const { expected, visitDate } = await rawMissed(from, to);
    const dated = [...expected].map((id) => ({ id, date: visitDate.get(id) as string }));
    const byDateThenId = (a: { id: string; date: string }, b: { id: string; date: string }) =>
      a.date.localeCompare(b.date) || a.id.localeCompare(b.id);
    const missed = dated
      .filter((r) => r.date <= today)
      .sort((a, b) => b.date.localeCompare(a.date) || a.id.localeCompare(b.id));
    const ahead = dated.filter((r) => r.date > today).sort(byDateThenId);
    // Both groups are non-empty in the seeded practice, so the order between them is tested.
    expect(missed.length).toBeGreaterThan(0);
    expect(ahead.length).toBeGreaterThan(0);

    const { rows, text } = await whole(from, to);
    expect(rows.map((r) => r.appointment_id)).toEqual([...missed, ...ahead].map((r) => r.id));
    expect(rows.map((r) => r.visit_date)).toEqual([...missed, ...ahead].map((r) => r.date));
    // The text says the order it uses, and marks a cancelled visit that is still ahead as such.
    expect(text).toMatch(/already missed first/);
    const firstAhead = rows.find((r) => r.visit_date > today);
    expect(firstAhead?.reason).toMatch(/still ahead/);
    expect(rows.filter((r) => r.visit_date <= today).every((r) => !/still ahead/.test(r.reason))).toBe(true);
  }, 180_000);

  it('defaults to the last 30 days, stays under 4,000 tokens and refuses a bad period plainly', async () => {
    const result = await server.client.callTool({ name: 'missed_visits', arguments: { practice: la.id } });
    const answer = result.structuredContent as unknown as Missed;
    const today = DateTime.now().setZone(la.timezone);
    expect(answer.period).toEqual({
      from: today.minus({ days: 29 }).toISODate(),
      to: today.toISODate(),
    });
    const tokens = Math.ceil(JSON.stringify(result).length / 4);
    console.log(`[figures] missed_visits default answer: ${JSON.stringify(result).length} chars ≈ ${tokens} tokens`);
    expect(tokens).toBeLessThan(4000);
    expect(
      await callError(server.client, 'missed_visits', {
        practice: la.id,
        start_date: '2026-03-10',
        end_date: '2026-03-01',
      }),
    ).toMatch(/before start_date/);
    expect(
      await callError(server.client, 'missed_visits', {
        practice: la.id,
        start_date: '2024-01-01',
        end_date: '2026-03-01',
      }),
    ).toMatch(/at most 366/);
  }, 180_000);
});
