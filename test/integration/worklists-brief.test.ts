/**
 * day_brief through a real MCP client and server against the sandbox over HTTP. Every expectation
 * is computed here from raw sandbox reads (day sheet, route slips, patients, enrollments,
 * verifications, practice, production report) or the seeded huddle fixtures: each flagged visit
 * present with exactly its flags, each near-miss absent, the seeded openings among the gaps.
 */
import Big from 'big.js';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_QUIRKS, type RunningSandbox, type WorklistFixtures } from '../../src/sandbox/index.js';
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

interface BriefRow {
  time: string;
  appointment_id: string;
  patient_id: string;
  patient: string;
  flags: string[];
  reason: string;
  phone?: string;
  balance?: string;
}
interface Brief {
  date: string;
  visits: number;
  schedule: {
    provider_id: string;
    open_gaps: { start: string; end: string; minutes: number; operatory_id: string }[];
  }[];
  counts: Record<string, number>;
  rows: BriefRow[];
  next_cursor?: string;
  production: {
    scheduled: string;
    daily_goal: string | null;
    yesterday: { date: string; production: string; collections: string };
  };
}
interface RawAppointment {
  id: string;
  patient: string;
  date_time: string;
  status: string;
  confirmed_status: string;
  is_new_patient: boolean;
}

const INSURANCE_DAYS = 30;
const HIDDEN = ['cancelled', 'broken', 'unscheduled', 'planned', 'note', 'other'];

let sandbox: RunningSandbox;
let server: InProcessConnection;
let la: RunningSandbox['fixtures']['practices']['la'];
let w: WorklistFixtures;
const path = (rest: string) => `/api/v1/practice/${la.id}/${rest}`;

/** Flags per appointment id, from raw reads only. */
async function expectedFlags(date: string): Promise<Map<string, string[]>> {
  const sheet = await rawGet<{ appointments: RawAppointment[] }>(sandbox, path('scheduling/day-sheet/'), { date });
  const expected = new Map<string, string[]>();
  const since = DateTime.fromISO(date, { zone: la.timezone }).minus({ days: INSURANCE_DAYS }).startOf('day');
  for (const a of sheet.appointments.filter((x) => !HIDDEN.includes(x.status))) {
    const flags: string[] = [];
    if (!['confirmed', 'econfirmed'].includes(a.confirmed_status)) flags.push('unconfirmed');
    const slip = await rawGet<{ insurance: unknown; patient: { medical_alerts: string[] } }>(
      sandbox,
      path(`scheduling/appointment/${a.id}/route-slip/`),
    );
    if (slip.insurance !== null) {
      const enrollments = await rawList<{ ordinal: number; insurance_plan: string | null }>(
        sandbox,
        path('insurance/patient-insurance/'),
        { patient: a.patient },
      );
      const primary = enrollments.sort((x, y) => x.ordinal - y.ordinal)[0];
      const verifications = await rawList<{ insurance_plan: string; verified_at: string }>(
        sandbox,
        path('insurance/verification/'),
        { patient: a.patient },
      );
      const verified = verifications.some(
        (v) =>
          primary?.insurance_plan &&
          v.insurance_plan === primary.insurance_plan &&
          DateTime.fromISO(v.verified_at) >= since &&
          (DateTime.fromISO(v.verified_at).setZone(la.timezone).toISODate() ?? '') <= date,
      );
      if (!verified) flags.push('insurance_unverified');
    }
    const patient = await rawGet<{ balance_current: string }>(sandbox, path(`patient/${a.patient}/`));
    if (new Big(patient.balance_current).gt(0)) flags.push('balance_due');
    if (a.is_new_patient) flags.push('first_visit');
    if (slip.patient.medical_alerts.length > 0) flags.push('medical_alert');
    expected.set(a.id, flags);
  }
  return expected;
}

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

async function allRows(date: string): Promise<{ rows: BriefRow[]; first: Brief }> {
  const first = (await callOk<Brief>(server.client, 'day_brief', { practice: la.id, date, limit: 60 })).structured;
  return { rows: first.rows, first };
}

describe('day_brief', () => {
  it('answers a cursor past the end of the list (it shrank) with no rows and the size of the list now', async () => {
    const date = w.huddleDate;
    const total = [...(await expectedFlags(date)).values()].filter((f) => f.length > 0).length;
    for (const offset of [total, total + 9]) {
      await expectPastEndAnswer(
        server.client,
        'day_brief',
        { practice: la.id, date, cursor: String(offset) },
        'rows',
        offset,
        total,
      );
    }
  }, 120_000);

  it('flags every visit of the huddle day exactly as the raw data says, near-misses absent', async () => {
    const date = w.huddleDate;
    const expected = await expectedFlags(date);
    const { rows, first } = await allRows(date);
    expect(first.visits).toBe(expected.size);
    expect(first.next_cursor).toBeUndefined();
    const got = new Map(rows.map((r) => [r.appointment_id, r.flags]));
    for (const [id, flags] of expected) {
      if (flags.length === 0) expect(got.has(id), `visit ${id} has nothing to act on`).toBe(false);
      else expect(got.get(id), `visit ${id}`).toEqual(flags);
    }
    expect(rows.length).toBe([...expected.values()].filter((f) => f.length > 0).length);

    const h = w.huddle;
    const flagsOf = (v: { appointmentId: string }) => got.get(v.appointmentId);
    expect(flagsOf(h.unconfirmed)).toEqual(['unconfirmed']);
    expect(flagsOf(h.primaryVerifiedLongAgo)).toEqual(['insurance_unverified']);
    expect(flagsOf(h.primaryNeverVerified)).toEqual(['insurance_unverified']);
    expect(flagsOf(h.firstVisit)).toEqual(['first_visit']);
    expect(flagsOf(h.medicalAlert)).toEqual(['medical_alert']);
    expect(flagsOf(h.balanceDue)).toEqual(['balance_due']);
    // Near-misses: confirmed and verified 5 days ago (one visit), a credit balance.
    expect(flagsOf(h.confirmed)).toBeUndefined();
    expect(flagsOf(h.primaryVerifiedRecently)).toBeUndefined();
    expect(flagsOf(h.creditBalance)).toBeUndefined();
  }, 120_000);

  it('gives a phone only to rows to call and a balance only to rows with one; never the alert text', async () => {
    const date = w.huddleDate;
    const result = await server.client.callTool({
      name: 'day_brief',
      arguments: { practice: la.id, date, limit: 60 },
    });
    const brief = result.structuredContent as unknown as Brief;
    for (const row of brief.rows) {
      expect('phone' in row).toBe(row.flags.includes('unconfirmed') && row.phone !== undefined);
      expect('balance' in row).toBe(row.flags.includes('balance_due'));
      expect(row.reason.length).toBeGreaterThan(10);
      expect(row.reason).not.toContain('\n');
    }
    const unconfirmed = brief.rows.find((r) => r.appointment_id === w.huddle.unconfirmed.appointmentId);
    const patient = await rawGet<{ phone_mobile: string | null; phone_home: string | null; phone_work: string | null }>(
      sandbox,
      path(`patient/${w.huddle.unconfirmed.patientId}/`),
    );
    expect(unconfirmed?.phone).toBe(patient.phone_mobile ?? patient.phone_home ?? patient.phone_work);
    const balance = await rawGet<{ balance_current: string }>(
      sandbox,
      path(`patient/${w.huddle.balanceDue.patientId}/`),
    );
    expect(brief.rows.find((r) => r.appointment_id === w.huddle.balanceDue.appointmentId)?.balance).toBe(
      new Big(balance.balance_current).toFixed(2),
    );
    const slip = await rawGet<{ patient: { medical_alerts: string[] } }>(
      sandbox,
      path(`scheduling/appointment/${w.huddle.medicalAlert.appointmentId}/route-slip/`),
    );
    const everything = JSON.stringify(result);
    expect(slip.patient.medical_alerts.length, 'the seeded medical-alert visit has an alert').toBeGreaterThan(0);
    for (const alert of slip.patient.medical_alerts) expect(everything).not.toContain(alert);
  }, 120_000);

  it('lists both seeded openings among the open gaps, and every gap is free in the raw day sheet', async () => {
    const date = w.huddleDate;
    const { first } = await allRows(date);
    const sheet = await rawGet<{
      appointments: (RawAppointment & {
        provider: string;
        provider_hygienist: string | null;
        operatory: string;
        duration_minutes: number;
      })[];
    }>(sandbox, path('scheduling/day-sheet/'), { date });
    const local = (iso: string) => DateTime.fromISO(iso).setZone(la.timezone).toFormat('HH:mm');
    for (const opening of [w.fillOpening.hygieneOpening, w.fillOpening.doctorOpening]) {
      if (!opening) throw new Error('the sandbox seeded no hygiene or no doctor opening');
      const provider = first.schedule.find((s) => s.provider_id === opening.providerId);
      const gap = provider?.open_gaps.find((g) => g.start === local(opening.start));
      expect(gap, `opening ${opening.start}`).toBeDefined();
      expect(gap?.minutes).toBeGreaterThanOrEqual(opening.minutes);
      // The chair may be another of the provider's: the loop below checks it is free for the whole gap.
    }
    const at = (hhmm: string) => DateTime.fromISO(`${date}T${hhmm}`, { zone: la.timezone });
    for (const s of first.schedule) {
      for (const g of s.open_gaps) {
        expect(g.minutes).toBeGreaterThanOrEqual(30);
        for (const a of sheet.appointments.filter((x) => !HIDDEN.includes(x.status))) {
          const ours =
            a.provider === s.provider_id || a.provider_hygienist === s.provider_id || a.operatory === g.operatory_id;
          if (!ours) continue;
          const start = DateTime.fromISO(a.date_time);
          const end = start.plus({ minutes: a.duration_minutes });
          expect(start < at(g.end) && end > at(g.start), `visit ${a.id} overlaps the gap ${g.start}`).toBe(false);
        }
      }
    }
  }, 120_000);

  it('reports scheduled production against the daily goal and yesterday from the raw report', async () => {
    const date = w.huddleDate;
    const yesterday = DateTime.fromISO(date).minus({ days: 1 }).toISODate() as string;
    const { first } = await allRows(date);
    const practice = await rawGet<{ production_goal_daily: string | null }>(sandbox, path(''));
    const report = await rawGet<{ by_provider: { scheduled_production: string }[] }>(
      sandbox,
      path('billing/reports/production/'),
      { date_from: date, date_to: date },
    );
    const previous = await rawGet<{ summary: { total_production: string; total_collections: string } }>(
      sandbox,
      path('billing/reports/production/'),
      { date_from: yesterday, date_to: yesterday },
    );
    expect(first.production.daily_goal).toBe(practice.production_goal_daily);
    expect(first.production.scheduled).toBe(
      report.by_provider.reduce((t, p) => t.plus(p.scheduled_production), new Big(0)).toFixed(2),
    );
    expect(first.production.yesterday).toEqual({
      date: yesterday,
      production: new Big(previous.summary.total_production).toFixed(2),
      collections: new Big(previous.summary.total_collections).toFixed(2),
    });
  }, 120_000);

  it('answers under 4,000 tokens by default and pages the rest with the cursor', async () => {
    const date = w.huddleDate;
    const whole = await server.client.callTool({ name: 'day_brief', arguments: { practice: la.id, date } });
    const tokens = Math.ceil(JSON.stringify(whole).length / 4);
    console.log(
      `[figures] day_brief default answer for ${date}: ${JSON.stringify(whole).length} chars ≈ ${tokens} tokens`,
    );
    expect(tokens).toBeLessThan(4000);
    const { rows } = await allRows(date);
    // More rows than one page of 4, so the cursor is followed at least once.
    expect(rows.length).toBeGreaterThan(4);
    const paged: BriefRow[] = [];
    let cursor: string | undefined;
    do {
      const page = (
        await callOk<Brief>(server.client, 'day_brief', {
          practice: la.id,
          date,
          limit: 4,
          ...(cursor ? { cursor } : {}),
        })
      ).structured;
      paged.push(...page.rows);
      cursor = page.next_cursor;
    } while (cursor);
    expect(paged).toEqual(rows);
    expect(await callError(server.client, 'day_brief', { practice: la.id, date, cursor: 'abc' })).toMatch(/cursor/);
  }, 120_000);

  it('reports progress to a client that asked for it', async () => {
    const seen: number[] = [];
    const result = await server.client.callTool(
      { name: 'day_brief', arguments: { practice: la.id, date: w.huddleDate } },
      { onprogress: (p) => seen.push(p.progress) },
    );
    expect(result.isError).toBeFalsy();
    const visits = (result.structuredContent as unknown as Brief).visits;
    expect(visits).toBeGreaterThan(0);
    expect(seen).toEqual(Array.from({ length: visits }, (_, i) => i + 1));
  }, 120_000);

  it('flags the same visits when Escape Dental ignores the patient and date filters, and says what it left out', async () => {
    const date = w.huddleDate;
    const expected = await expectedFlags(date);
    expect([...expected.values()].filter((flags) => flags.length > 0).length).toBeGreaterThan(0);
    await sandbox.control.setQuirks({ ...DEFAULT_QUIRKS, listFilters: 'ignored', dateParams: 'ignored' });
    try {
      const { structured, text } = await callOk<Brief>(server.client, 'day_brief', {
        practice: la.id,
        date,
        limit: 60,
      });
      const got = new Map(structured.rows.map((r) => [r.appointment_id, r.flags]));
      for (const [id, flags] of expected) {
        if (flags.length === 0) expect(got.has(id), `visit ${id}`).toBe(false);
        else expect(got.get(id), `visit ${id}`).toEqual(flags);
      }
      expect(text).toMatch(/insurance verifications? of another patient than asked; (it was|they were) left out here/);
    } finally {
      await sandbox.control.setQuirks(DEFAULT_QUIRKS);
    }
  }, 240_000);
});
