/**
 * fill_opening through a real MCP client and server against the sandbox over HTTP, on the two
 * seeded openings of the huddle day. Scores of the seeded candidates are recomputed here from raw
 * reads (recall, SMS consent, communication log, appointments) with the formula the tool
 * documents; true positives present in that order, near-misses absent (a recall too long for the
 * opening, a planned visit too long, recalls already booked).
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Opening, RunningSandbox, WorklistFixtures } from '../../src/sandbox/index.js';
import {
  callError,
  callOk,
  connectInProcess,
  type InProcessConnection,
  rawGet,
  rawList,
  startTestSandbox,
} from '../helpers/harness.js';

interface FillCandidate {
  rank: number;
  score: number;
  source: string;
  patient_id: string;
  minutes: number;
  can_text: boolean;
  reason: string;
  book_appointment: Record<string, string | number>;
}
interface Fill {
  opening: { start: string; minutes: number; kind: string; provider_id?: string };
  candidates: FillCandidate[];
  left_out: { too_long: number; already_booked: number; not_examined: number };
  ranking: string;
}
interface RawAppointment {
  id: string;
  date_time: string;
  status: string;
}

const BOOKED = ['scheduled', 'arrived', 'seated', 'ready_for_doctor', 'ready_for_walkout'];

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

const slotOf = (o: Opening) => ({ start: o.start, end: o.end, provider_id: o.providerId, operatory_id: o.operatoryId });

/** The documented score, from raw reads: kind 30, wait ≤30, textable 15, no contact in 7 days 20, fill ≤10. */
async function expectedScore(
  patientId: string,
  o: { minutes: number; openingDate: string },
  c: { kindMatch: boolean; dueDate?: string; minutes: number },
): Promise<number> {
  const consents = await rawGet<{ state: string }[]>(sandbox, path('sms/consents/'), { patient: patientId });
  const logs = await rawList<{ date_time: string }>(sandbox, path(`patient/${patientId}/comms/commlog/`));
  const weekAgo = DateTime.now().minus({ days: 7 });
  const recent = logs.some((l) => DateTime.fromISO(l.date_time) > weekAgo);
  const days = c.dueDate
    ? Math.max(0, DateTime.fromISO(o.openingDate).diff(DateTime.fromISO(c.dueDate), 'days').days)
    : undefined;
  const wait = days === undefined ? 30 : (Math.min(days, 365) / 365) * 30;
  const score =
    (c.kindMatch ? 30 : 0) +
    wait +
    (consents.some((x) => x.state === 'opted_out') ? 0 : 15) +
    (recent ? 0 : 20) +
    (10 * c.minutes) / o.minutes;
  return Math.round(score * 10) / 10;
}

/** A missed visit's length and kind are its own (the cancellations report carries neither). */
async function expectMissedVisitsOwnLengthAndKind(answer: Fill, kind: 'hygiene' | 'doctor'): Promise<number> {
  let checked = 0;
  for (const c of answer.candidates.filter((x) => x.source === 'cancelled' || x.source === 'broken')) {
    const missed = await rawList<{ duration_minutes: number; is_hygiene: boolean }>(
      sandbox,
      path('scheduling/appointment/'),
      {
        patient: c.patient_id,
        status: c.source,
        from: DateTime.now().minus({ days: 400 }).toISODate() as string,
        to: DateTime.now().plus({ days: 400 }).toISODate() as string,
      },
    );
    expect(
      missed.map((m) => m.duration_minutes),
      `patient ${c.patient_id}`,
    ).toContain(c.minutes);
    const kinds = new Set(missed.filter((m) => m.duration_minutes === c.minutes).map((m) => m.is_hygiene));
    if (kinds.size === 1) expect(c.reason.includes(`not a ${kind} visit`)).toBe(kinds.has(kind !== 'hygiene'));
    checked += 1;
  }
  return checked;
}

describe('fill_opening', () => {
  it('ranks the fitting hygiene candidates by the documented score; the too-long top recall is left out', async () => {
    const opening = w.fillOpening.hygieneOpening;
    if (!opening) throw new Error('the sandbox seeded no hygiene opening');
    const { structured } = await callOk<Fill>(server.client, 'fill_opening', {
      practice: la.id,
      opening: slotOf(opening),
      limit: 30,
    });
    expect(structured.opening).toMatchObject({
      minutes: opening.minutes,
      kind: 'hygiene',
      provider_id: opening.providerId,
    });
    const byPatient = new Map(structured.candidates.map((c) => [c.patient_id, c]));
    const f = w.fillOpening;
    expect(byPatient.has(f.topRecallTooLong.patientId)).toBe(false);
    expect(structured.left_out.too_long).toBeGreaterThan(0);

    const o = { minutes: opening.minutes, openingDate: opening.start.slice(0, 10) };
    const seeded = [
      { id: f.fittingRecall.patientId, c: { kindMatch: true, dueDate: f.fittingRecall.dateDue, minutes: 30 } },
      {
        id: f.noSmsConsentRecall.patientId,
        c: { kindMatch: true, dueDate: f.noSmsConsentRecall.dateDue, minutes: 30 },
      },
      {
        id: f.recentlyContactedRecall.patientId,
        c: { kindMatch: true, dueDate: f.recentlyContactedRecall.dateDue, minutes: 30 },
      },
      { id: f.brokenHygieneNotRebooked.patientId, c: { kindMatch: true, minutes: f.brokenHygieneNotRebooked.minutes } },
    ];
    for (const s of seeded) {
      const got = byPatient.get(s.id);
      expect(got, `candidate ${s.id}`).toBeDefined();
      expect(got?.score).toBeCloseTo(await expectedScore(s.id, o, s.c), 1);
    }
    // The ranking is the score, highest first.
    const scores = structured.candidates.map((c) => c.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(structured.candidates.map((c) => c.rank)).toEqual(structured.candidates.map((_, i) => i + 1));
    // The recall called two days ago and the patient without SMS consent rank below the plain fitting one.
    const rankOf = (id: string) => byPatient.get(id)?.rank ?? Number.POSITIVE_INFINITY;
    expect(rankOf(f.fittingRecall.patientId)).toBeLessThan(rankOf(f.recentlyContactedRecall.patientId));
    expect(rankOf(f.fittingRecall.patientId)).toBeLessThan(rankOf(f.noSmsConsentRecall.patientId));
    expect(byPatient.get(f.noSmsConsentRecall.patientId)?.can_text).toBe(false);
    expect(byPatient.get(f.recentlyContactedRecall.patientId)?.reason).toMatch(/contacted within a week/);

    // The seeded broken hygiene visit is a candidate, so at least one missed visit is checked.
    expect(await expectMissedVisitsOwnLengthAndKind(structured, 'hygiene')).toBeGreaterThan(0);
    for (const c of structured.candidates) {
      expect(c.minutes).toBeLessThanOrEqual(opening.minutes);
      expect(c.book_appointment).toEqual({
        patient_id: c.patient_id,
        start: DateTime.fromISO(opening.start).setZone(la.timezone).toFormat('yyyy-MM-dd HH:mm'),
        duration_minutes: c.minutes,
        provider: opening.providerId,
        operatory: opening.operatoryId,
      });
    }
  }, 180_000);

  it('offers the fitting planned visit and the broken filling for the doctor opening, not the 90-minute one', async () => {
    const opening = w.fillOpening.doctorOpening;
    if (!opening) throw new Error('the sandbox seeded no doctor opening');
    const start = DateTime.fromISO(opening.start).setZone(la.timezone).toFormat('yyyy-MM-dd HH:mm');
    const { structured } = await callOk<Fill>(server.client, 'fill_opening', {
      practice: la.id,
      provider: opening.providerId,
      start,
      minutes: opening.minutes,
      limit: 30,
    });
    expect(structured.opening.kind).toBe('doctor');
    const byPatient = new Map(structured.candidates.map((c) => [c.patient_id, c]));
    expect(byPatient.get(w.fillOpening.plannedFits.patientId)?.source).toBe('planned');
    expect(byPatient.has(w.fillOpening.plannedTooLong.patientId)).toBe(false);
    expect(byPatient.get(w.missedVisits.brokenNotRebooked.patientId)?.source).toBe('broken');
    expect(await expectMissedVisitsOwnLengthAndKind(structured, 'doctor')).toBeGreaterThan(0);
  }, 180_000);

  it('never offers a patient who already has a visit booked ahead', async () => {
    const opening = w.fillOpening.hygieneOpening;
    if (!opening) throw new Error('the sandbox seeded no hygiene opening');
    const { structured } = await callOk<Fill>(server.client, 'fill_opening', {
      practice: la.id,
      opening: slotOf(opening),
      limit: 30,
    });
    const ids = structured.candidates.map((c) => c.patient_id);
    // The seeded fitting recall is offered: the checks below run over at least one candidate.
    expect(ids).toContain(w.fillOpening.fittingRecall.patientId);
    expect(ids).not.toContain(w.recalls.dueButBooked.patientId);
    expect(ids).not.toContain(w.recalls.overdueWithOtherFutureVisit.patientId);
    const now = DateTime.now();
    for (const id of ids) {
      const own = await rawList<RawAppointment>(sandbox, path('scheduling/appointment/'), {
        patient: id,
        from: now.minus({ days: 1 }).toISODate() as string,
        to: now.plus({ years: 2 }).toISODate() as string,
      });
      expect(
        own.filter((a) => BOOKED.includes(a.status) && DateTime.fromISO(a.date_time) > now),
        `patient ${id}`,
      ).toEqual([]);
    }
  }, 180_000);

  it('answers under 4,000 tokens by default and says what is missing from a bad opening', async () => {
    const opening = w.fillOpening.hygieneOpening;
    if (!opening) throw new Error('the sandbox seeded no hygiene opening');
    const result = await server.client.callTool({
      name: 'fill_opening',
      arguments: { practice: la.id, opening: slotOf(opening) },
    });
    const tokens = Math.ceil(JSON.stringify(result).length / 4);
    console.log(`[figures] fill_opening default answer: ${JSON.stringify(result).length} chars ≈ ${tokens} tokens`);
    expect(tokens).toBeLessThan(4000);
    expect(await callError(server.client, 'fill_opening', { practice: la.id, minutes: 30 })).toMatch(
      /Give the opening/,
    );
    expect(
      await callError(server.client, 'fill_opening', {
        practice: la.id,
        start: DateTime.fromISO(opening.start).setZone(la.timezone).toFormat('yyyy-MM-dd HH:mm'),
      }),
    ).toMatch(/length/);
  }, 180_000);
});
