/**
 * The worklist and office-manager endpoints over real HTTP (issues 17 and 18, sandbox side):
 * route slip, recall writes and types, commlogs, SMS consents, insurance verifications, aging
 * jobs and the DSO case-acceptance and hygiene-recare reports — parameters, pagination, errors,
 * tenancy (404) and OAuth scopes (403). Expected values come from other endpoints of the same
 * sandbox or from the seeded rows, never from the code under test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PracticeFixture, RunningSandbox, WorklistFixtures } from '../../src/sandbox/index.js';
import { Api, boot, practicePath } from './helpers.js';

let sb: RunningSandbox;
let api: Api;
let la: PracticeFixture;
let ny: PracticeFixture;
let w: WorklistFixtures;
let P: string;
let PNY: string;

beforeAll(async () => {
  sb = await boot();
  api = new Api(sb.url, sb.credentials.service.access);
  la = sb.fixtures.practices.la;
  ny = sb.fixtures.practices.ny;
  w = la.worklists as WorklistFixtures;
  P = practicePath(la.id);
  PNY = practicePath(ny.id);
});
afterAll(async () => sb?.close());

const oauth = (label: keyof RunningSandbox['credentials']['oauth']) => api.with(sb.credentials.oauth[label].token);
const events = async () => (await api.get('/__sandbox/counters')).body.events as Record<string, number>;

describe('route slip (L504)', () => {
  it('aggregates the appointment, patient, procedures, primary insurance, provider and chair', async () => {
    const v = w.huddle.primaryVerifiedLongAgo;
    const slip = await api.get(`${P}/scheduling/appointment/${v.appointmentId}/route-slip/`);
    expect(slip.status).toBe(200);
    const appt = (await api.get(`${P}/scheduling/appointment/${v.appointmentId}/`)).body;
    expect(slip.body.appointment).toEqual(appt);
    const patient = (await api.get(`${P}/patient/${v.patientId}/`)).body;
    expect(slip.body.patient).toMatchObject({
      uid: patient.id,
      name: appt.patient_name,
      dob: patient.date_of_birth,
      phone: patient.phone_mobile ?? patient.phone_home ?? patient.phone_work,
      medical_alerts: [],
    });
    expect(slip.body.procedures).toEqual(
      appt.scheduled_procedures.map((sp: Record<string, string>) => ({
        cdt_code: sp.proc_code,
        description: sp.description,
        fee: sp.fee,
        tooth: sp.tooth_num,
      })),
    );
    const primary = (await api.get(`${P}/insurance/patient-insurance/`, { patient: v.patientId, ordinal: 1 })).body
      .results[0];
    expect(slip.body.insurance).toEqual({
      primary_carrier: primary.carrier_name,
      primary_plan: primary.plan_detail.plan_name,
      member_id: primary.subscriber_id,
      group_id: primary.group_number,
    });
    expect(slip.body.provider.name).toBe(appt.provider_name);
    const chairs = await api.all(`${P}/provider/operatory/`);
    const chair = chairs.find((o) => o.id === appt.operatory);
    expect(slip.body.operatory).toEqual({ name: chair.name, abbreviation: chair.abbreviation });
  });

  it('lists the medical alerts of the alert patient; an uninsured patient has null insurance', async () => {
    const alert = await api.get(`${P}/scheduling/appointment/${w.huddle.medicalAlert.appointmentId}/route-slip/`);
    expect(alert.body.patient.medical_alerts.length).toBeGreaterThanOrEqual(1);
    const plain = await api.get(`${P}/scheduling/appointment/${w.huddle.unconfirmed.appointmentId}/route-slip/`);
    expect(plain.body.patient.medical_alerts).toEqual([]);
    expect(plain.body.insurance).toBeNull();
  });

  it('404 for another practice’s appointment or practice, 403 without scheduling:read', async () => {
    const nyAppt = (ny.worklists as WorklistFixtures).huddle.unconfirmed.appointmentId;
    expect((await api.get(`${P}/scheduling/appointment/${nyAppt}/route-slip/`)).status).toBe(404);
    const frontDesk = api.with(sb.credentials.frontDesk.access);
    expect((await frontDesk.get(`${PNY}/scheduling/appointment/${nyAppt}/route-slip/`)).status).toBe(404);
    const denied = await oauth('noSchedulingLa').get(
      `${P}/scheduling/appointment/${w.huddle.unconfirmed.appointmentId}/route-slip/`,
    );
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('insufficient_scope');
  });
});

describe('recalls (L861–L980, L17460–17553)', () => {
  it('detail equals the list row; the types list is the distinct recall types', async () => {
    const c = w.recalls.perioOverdueNeverContacted;
    const rows = (await api.get(`${P}/scheduling/recall/`, { patient: c.patientId })).body.results;
    const detail = await api.get(`${P}/scheduling/recall/${c.recallId}/`);
    expect(detail.body).toEqual(rows.find((r: { id: string }) => r.id === c.recallId));
    const all = await api.all(`${P}/scheduling/recall/`, { page_size: 100 });
    const types = await api.get(`${P}/scheduling/recall/types/`);
    expect(types.body).toEqual({ results: [...new Set(all.map((r) => r.recall_type as string))].sort() });
    expect(types.body.results).toEqual(expect.arrayContaining(['perio', 'prophy']));
  });

  it('last_reached_at is the latest successful contact logged against the recall', async () => {
    const c = w.recalls.lastContact;
    const logs = await api.all(`${P}/patient/${c.patientId}/comms/commlog/`);
    const reached = logs.filter((l) => l.recall === c.recallId && l.outcome === 'success');
    expect(reached.length).toBeGreaterThan(0);
    const latest = Math.max(...reached.map((l) => Date.parse(l.date_time)));
    const recall = (await api.get(`${P}/scheduling/recall/${c.recallId}/`)).body;
    expect(Date.parse(recall.last_reached_at)).toBe(latest);
    expect(recall.last_reached_at).toMatch(/Z$/);
  });

  it('creates, updates and deletes with echo answers (no id), counted once each', async () => {
    const patientId = w.recalls.dueSoonNotBooked.patientId;
    const before = await events();
    expect((await api.post(`${P}/scheduling/recall/`, { patient: patientId })).body).toEqual({
      recall_type: ['This field is required.'],
    });
    expect((await api.post(`${P}/scheduling/recall/`, { recall_type: 'bitewings' })).status).toBe(400);
    const nyPatient = (ny.worklists as WorklistFixtures).recalls.dueSoonNotBooked.patientId;
    expect((await api.post(`${P}/scheduling/recall/`, { patient: nyPatient, recall_type: 'fmx' })).status).toBe(400);
    const created = await api.post(`${P}/scheduling/recall/`, {
      patient: patientId,
      recall_type: 'bitewings',
      date_due: '2026-08-01',
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      patient: patientId,
      recall_type: 'bitewings',
      date_due: '2026-08-01',
      date_previous: null,
      date_scheduled: null,
      is_disabled: false,
      custom_data: null,
    });
    const row = (await api.get(`${P}/scheduling/recall/`, { patient: patientId })).body.results.find(
      (r: { recall_type: string }) => r.recall_type === 'bitewings',
    );
    expect(row.date_due).toBe('2026-08-01');
    const detail = `${P}/scheduling/recall/${row.id}/`;
    expect((await api.put(detail, { date_due: '2026-09-01' })).body).toEqual({
      recall_type: ['This field is required.'],
    });
    expect((await api.put(detail, { recall_type: 'bitewings', date_due: '2026-09-01' })).status).toBe(200);
    const patched = await api.patch(detail, { is_disabled: true });
    expect(patched.body).toMatchObject({ is_disabled: true, date_due: '2026-09-01' });
    expect(patched.body.id).toBeUndefined();
    expect((await api.get(detail)).body).toMatchObject({ is_disabled: true, date_due: '2026-09-01' });
    expect((await api.patch(detail, { date_due: '01/09/2026' })).status).toBe(400);
    expect((await api.delete(detail)).status).toBe(204);
    expect((await api.get(detail)).status).toBe(404);
    const after = await events();
    expect((after.recall_created ?? 0) - (before.recall_created ?? 0)).toBe(1);
    expect((after.recall_updated ?? 0) - (before.recall_updated ?? 0)).toBe(2);
    expect((after.recall_deleted ?? 0) - (before.recall_deleted ?? 0)).toBe(1);
  });

  it('tenancy 404 and scope 403', async () => {
    const nyRecall = (ny.worklists as WorklistFixtures).recalls.dueSoonNotBooked.recallId;
    expect((await api.get(`${P}/scheduling/recall/${nyRecall}/`)).status).toBe(404);
    expect((await api.with(sb.credentials.frontDesk.access).get(`${PNY}/scheduling/recall/${nyRecall}/`)).status).toBe(
      404,
    );
    const write = await oauth('readerLa').post(`${P}/scheduling/recall/`, {
      patient: w.recalls.dueSoonNotBooked.patientId,
      recall_type: 'fmx',
    });
    expect(write.status).toBe(403);
    expect(write.body.required_scopes).toEqual(['scheduling:write']);
    expect((await oauth('noSchedulingLa').get(`${P}/scheduling/recall/types/`)).status).toBe(403);
  });
});

describe('commlogs (L18247–18650, L15039–15200)', () => {
  it('lists practice-wide, newest first, by patient and local date, 20 per page', async () => {
    const page = await api.get(`${P}/comms/commlog/`);
    expect(page.body.results).toHaveLength(20);
    expect(page.body.next).toContain('page=2');
    const stamps = page.body.results.map((c: { date_time: string }) => Date.parse(c.date_time));
    expect([...stamps].sort((a, b) => b - a)).toEqual(stamps);
    const patientId = w.recalls.lastContact.patientId;
    const own = await api.all(`${P}/patient/${patientId}/comms/commlog/`);
    const filtered = await api.all(`${P}/comms/commlog/`, { patient: patientId });
    expect(filtered).toEqual(own);
    const day = own[0].date_time.slice(0, 10);
    const sameDay = await api.all(`${P}/comms/commlog/`, { date_from: day, date_to: day, page_size: 100 });
    expect(sameDay.length).toBeGreaterThan(0);
    expect(sameDay.every((c) => c.date_time.slice(0, 10) === day)).toBe(true);
    expect(sameDay.map((c) => c.id)).toContain(own[0].id);
    expect((await api.get(`${P}/comms/commlog/`, { patient: 'nope' })).status).toBe(400);
  });

  it('a patient-scoped create answers the echo (no id) and the row appears, linked to its recall', async () => {
    const c = w.recalls.perioOverdueNeverContacted;
    const before = await events();
    const body = {
      date_time: '2026-02-20T09:05:00-08:00',
      mode: 'phone',
      direction: 'sent',
      outcome: 'voicemail',
      subject: 'Recall reminder',
      note: 'Left a message.',
      staff_user: sb.credentials.frontDesk.userId,
      recall: c.recallId,
    };
    const created = await api.post(`${P}/patient/${c.patientId}/comms/commlog/`, body);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ ...body, custom_data: null });
    const rows = await api.all(`${P}/patient/${c.patientId}/comms/commlog/`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ ...body, patient: c.patientId, is_imported: false });
    expect(((await events()).commlog_created ?? 0) - (before.commlog_created ?? 0)).toBe(1);
    // Unreached: the recall's last_reached_at stays null for a voicemail.
    expect((await api.get(`${P}/scheduling/recall/${c.recallId}/`)).body.last_reached_at).toBeNull();
  });

  it('rejects bad fields and, in bulk, writes nothing when one item is bad', async () => {
    const c = w.recalls.dueSoonNotBooked;
    const path = `${P}/patient/${c.patientId}/comms/commlog/`;
    const before = (await api.all(path)).length;
    expect((await api.post(path, { date_time: '2026-02-20T09:05:00' })).body).toEqual({
      date_time: ['Datetime must include a timezone offset.'],
    });
    expect((await api.post(path, { mode: 'pigeon' })).status).toBe(400);
    expect((await api.post(path, { recall: w.recalls.perioOverdueNeverContacted.recallId })).status).toBe(400);
    expect((await api.post(path, { staff_user: la.id })).status).toBe(400);
    const bulk = await api.post(path, [{ outcome: 'success' }, { outcome: 'lost' }]);
    expect(bulk.status).toBe(400);
    expect(bulk.body).toHaveLength(2);
    expect(bulk.body[0]).toEqual({});
    expect(bulk.body[1].outcome).toBeDefined();
    expect(await api.all(path)).toHaveLength(before);
  });

  it('practice-wide create takes one or many records with their patient and answers ids', async () => {
    const a = w.recalls.dueSoonNotBooked.patientId;
    const b = w.recalls.overdueWithOtherFutureVisit.patientId;
    expect((await api.post(`${P}/comms/commlog/`, { mode: 'email' })).body).toEqual({
      patient: ['This field is required.'],
    });
    const many = await api.post(`${P}/comms/commlog/`, [
      { patient: a, mode: 'email', direction: 'sent', outcome: 'success', subject: 'Recall reminder' },
      { patient: b, mode: 'text', direction: 'sent', outcome: 'bounced', is_imported: true },
    ]);
    expect(many.status).toBe(201);
    expect(many.body.map((r: { patient: string }) => r.patient)).toEqual([a, b]);
    const stored = await api.get(`${P}/patient/${b}/comms/commlog/${many.body[1].id}/`);
    expect(stored.body).toMatchObject({ mode: 'text', outcome: 'bounced', is_imported: true, direction: 'sent' });
    const defaults = await api.post(`${P}/comms/commlog/`, { patient: a });
    expect(defaults.body).toMatchObject({ mode: 'other', direction: 'neither', outcome: 'other', subject: '' });
    expect(Date.parse(defaults.body.date_time)).toBe(Date.parse(sb.fixtures.generatedAt));
  });

  it('detail GET, PATCH (echo), DELETE; another patient’s or practice’s row is 404', async () => {
    const c = w.recalls.lastContact;
    const path = `${P}/patient/${c.patientId}/comms/commlog/${c.latestCommlogId}/`;
    expect((await api.get(path)).body).toMatchObject({ id: c.latestCommlogId, outcome: 'voicemail' });
    const patched = await api.patch(path, { outcome: 'success', note: 'Called back; booking next week.' });
    expect(patched.body).toMatchObject({ outcome: 'success', recall: c.recallId });
    expect(patched.body.id).toBeUndefined();
    expect((await api.get(`${P}/scheduling/recall/${c.recallId}/`)).body.last_reached_at).toMatch(/Z$/);
    const other = w.recalls.dueSoonNotBooked.patientId;
    expect((await api.get(`${P}/patient/${other}/comms/commlog/${c.latestCommlogId}/`)).status).toBe(404);
    expect((await api.get(`${PNY}/patient/${c.patientId}/comms/commlog/${c.latestCommlogId}/`)).status).toBe(404);
    expect((await api.delete(path)).status).toBe(204);
    expect((await api.get(path)).status).toBe(404);
  });

  it('scope 403: reads need patients:read, writes patients:write', async () => {
    expect((await oauth('reportsAll').get(`${P}/comms/commlog/`)).status).toBe(403);
    const write = await oauth('frontDeskLa').post(`${P}/patient/${w.recalls.lastContact.patientId}/comms/commlog/`, {
      outcome: 'success',
    });
    expect(write.status).toBe(403);
    expect(write.body.required_scopes).toEqual(['patients:write']);
  });
});

describe('SMS consents (L18701–18800)', () => {
  it('the list needs a patient and answers zero or one row; the single row is 404 without one', async () => {
    expect((await api.get(`${P}/sms/consents/`)).body).toEqual({ patient: ['This field is required.'] });
    expect((await api.get(`${P}/sms/consents/`, { patient: 'x' })).status).toBe(400);
    const out = w.fillOpening.noSmsConsentRecall;
    const rows = await api.get(`${P}/sms/consents/`, { patient: out.patientId });
    expect(rows.body).toHaveLength(1);
    expect(rows.body[0]).toMatchObject({ id: out.smsConsentId, patient: out.patientId, state: 'opted_out' });
    expect((await api.get(`${P}/patient/${out.patientId}/sms/consent/`)).body).toEqual(rows.body[0]);
    const none = w.recalls.dueSoonNotBooked.patientId;
    expect((await api.get(`${P}/sms/consents/`, { patient: none })).body).toEqual([]);
    expect((await api.get(`${P}/patient/${none}/sms/consent/`)).status).toBe(404);
  });

  it('staff force-opt-in flips an opt-out, creates a missing row, and needs notes', async () => {
    const out = w.recalls.doNotContact;
    const path = `${P}/patient/${out.patientId}/sms/consent/force-opt-in/`;
    expect((await api.post(path, {})).body).toEqual({ notes: ['This field is required.'] });
    const flipped = await api.post(path, { notes: 'Patient asked at the desk to receive texts again.' });
    expect(flipped.status).toBe(200);
    expect(flipped.body).toMatchObject({ id: out.smsConsentId, state: 'opted_in', opted_out_at: null });
    const none = w.recalls.dueSoonNotBooked.patientId;
    const created = await api.post(`${P}/patient/${none}/sms/consent/force-opt-in/`, { notes: 'Verbal request.' });
    expect(created.body).toMatchObject({ patient: none, state: 'opted_in', review_notes: 'Verbal request.' });
    expect((await api.get(`${P}/sms/consents/`, { patient: none })).body).toHaveLength(1);
  });

  it('tenancy 404, scope 403, and listFilters=ignored answers every row of the practice', async () => {
    const nyPatient = (ny.worklists as WorklistFixtures).fillOpening.noSmsConsentRecall.patientId;
    expect((await api.get(`${P}/patient/${nyPatient}/sms/consent/`)).status).toBe(404);
    expect((await api.get(`${P}/sms/consents/`, { patient: nyPatient })).body).toEqual([]);
    expect(
      (await oauth('readerLa').post(`${P}/patient/${nyPatient}/sms/consent/force-opt-in/`, { notes: 'x' })).status,
    ).toBe(403);
    expect((await oauth('reportsAll').get(`${P}/sms/consents/`, { patient: nyPatient })).status).toBe(403);
    const other = await boot({ quirks: { listFilters: 'ignored' } });
    try {
      const rows = await new Api(other.url, other.credentials.service.access).get(`${P}/sms/consents/`, {
        patient: w.fillOpening.noSmsConsentRecall.patientId,
      });
      expect(new Set(rows.body.map((r: { patient: string }) => r.patient)).size).toBeGreaterThan(1);
    } finally {
      await other.close();
    }
  });
});

describe('insurance verifications (L3775–3830)', () => {
  it('filters by patient, plan and verified_between, newest first', async () => {
    const v = w.huddle.primaryVerifiedLongAgo;
    const rows = (await api.get(`${P}/insurance/verification/`, { patient: v.patientId })).body.results;
    expect(rows.map((r: { id: string }) => r.id)).toEqual([v.secondaryVerificationId, v.verificationId]);
    const primaryPlan = rows[1].insurance_plan;
    const byPlan = await api.get(`${P}/insurance/verification/`, { insurance_plan: primaryPlan });
    expect(byPlan.body.results.map((r: { id: string }) => r.id)).toEqual([v.verificationId]);
    const at = rows[0].verified_at as string;
    const window = await api.get(`${P}/insurance/verification/`, {
      patient: v.patientId,
      verified_between: `${at},${at}`,
    });
    expect(window.body.results.map((r: { id: string }) => r.id)).toEqual([v.secondaryVerificationId]);
    const localDay = new Intl.DateTimeFormat('en-CA', { timeZone: la.timezone }).format(new Date(at));
    const byDay = await api.get(`${P}/insurance/verification/`, { verified_between: `${localDay},${localDay}` });
    expect(byDay.body.results.map((r: { id: string }) => r.id)).toContain(v.secondaryVerificationId);
    expect((await api.get(`${P}/insurance/verification/`, { verified_between: '2026-01-01T00:00:00' })).status).toBe(
      400,
    );
    expect(
      (await api.get(`${P}/insurance/verification/`, { verified_between: '2026-01-01T00:00:00,2026-02-01T00:00:00' }))
        .status,
    ).toBe(400);
    const all = await api.all(`${P}/insurance/verification/`, { page_size: 1 });
    expect(all.length).toBe((await api.get(`${P}/insurance/verification/`)).body.count);
  });

  it('creates an append-only row verified by the caller; validates every required field', async () => {
    const v = w.huddle.primaryNeverVerified;
    const plan = (await api.get(`${P}/insurance/patient-insurance/`, { patient: v.patientId, ordinal: 1 })).body
      .results[0].insurance_plan as string;
    const body = {
      patient: v.patientId,
      insurance_plan: plan,
      verified_at: '2026-02-20T08:45:00-08:00',
      source: 'phone',
      annual_max: '1500.00',
    };
    for (const field of ['patient', 'insurance_plan', 'verified_at', 'source']) {
      const { [field]: _, ...rest } = body as Record<string, string>;
      expect((await api.post(`${P}/insurance/verification/`, rest)).body[field], field).toEqual([
        'This field is required.',
      ]);
    }
    expect((await api.post(`${P}/insurance/verification/`, { ...body, source: 'fax' })).status).toBe(400);
    expect((await api.post(`${P}/insurance/verification/`, { ...body, insurance_plan: la.id })).status).toBe(400);
    const created = await api.post(`${P}/insurance/verification/`, body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      patient: v.patientId,
      insurance_plan: plan,
      verified_by: sb.credentials.service.userId,
      verified_at: '2026-02-20T16:45:00Z',
      source: 'phone',
      annual_max: '1500.00',
      deductible_total: null,
      frequency_limits: {},
    });
    expect((await api.get(`${P}/insurance/verification/${created.body.id}/`)).body).toEqual(created.body);
    expect((await api.get(`${P}/insurance/verification/${la.id}/`)).status).toBe(404);
  });

  it('tenancy 404, scope 403', async () => {
    expect((await oauth('readerLa').get(`${P}/insurance/verification/`)).status).toBe(403);
    expect((await api.with(sb.credentials.frontDesk.access).get(`${PNY}/insurance/verification/`)).status).toBe(404);
    const nyV = (ny.worklists as WorklistFixtures).huddle.primaryVerifiedRecently.verificationId;
    expect((await api.get(`${P}/insurance/verification/${nyV}/`)).status).toBe(404);
  });
});

describe('aging jobs (L4587, L4597; protocol ASSUMPTIONS §16)', () => {
  const jobs = () => `${P}/billing/reports/aging/jobs/`;
  const poll = async (job: { poll_url: string }) => api.get(job.poll_url);

  it('a job completes on the third poll with the synchronous aging report for its date', async () => {
    const started = await api.post(jobs(), {});
    expect(started.status).toBe(202);
    expect(started.headers.get('location')).toBe(started.body.poll_url);
    expect(started.body).toMatchObject({ status: 'queued', progress: 0, as_of_date: la.today, result: null });
    const seen = [];
    for (let i = 0; i < 3; i++) seen.push((await poll(started.body)).body);
    expect(seen.map((j) => [j.status, j.progress])).toEqual([
      ['running', 33],
      ['running', 67],
      ['complete', 100],
    ]);
    expect(seen[2].result).toEqual((await api.get(`${P}/billing/reports/aging/`, { as_of_date: la.today })).body);
    const dated = await api.post(`${jobs()}2025-12-31/`, { include_archived: true });
    expect(dated.body).toMatchObject({ as_of_date: '2025-12-31', include_archived: true });
    for (let i = 0; i < 2; i++) await poll(dated.body);
    expect((await poll(dated.body)).body.result).toEqual(
      (await api.get(`${P}/billing/reports/aging/`, { as_of_date: '2025-12-31', include_archived: 'true' })).body,
    );
  });

  it('cancels a running job, refuses to cancel a finished one, 400s on a bad date, 404s across practices', async () => {
    const job = (await api.post(jobs(), {})).body;
    await poll(job);
    expect((await api.delete(new URL(job.poll_url).pathname)).status).toBe(204);
    expect((await poll(job)).body.status).toBe('cancelled');
    expect((await api.delete(new URL(job.poll_url).pathname)).status).toBe(409);
    expect((await api.post(`${jobs()}31-12-2025/`, {})).status).toBe(400);
    expect((await api.post(jobs(), { as_of_date: 'yesterday' })).status).toBe(400);
    expect((await api.get(`${jobs()}2025-12-31/`)).status).toBe(405);
    expect((await api.get(`${PNY}/billing/reports/aging/jobs/${job.id}/`)).status).toBe(404);
    expect((await oauth('readerLa').post(jobs(), {})).status).toBe(403);
  });

  it('agingJobs=instant, stuck and failed', async () => {
    await sb.control.setQuirks({ agingJobs: 'instant' });
    try {
      expect((await api.post(jobs(), {})).body).toMatchObject({ status: 'complete', progress: 100 });
      await sb.control.setQuirks({ agingJobs: 'stuck' });
      const stuck = (await api.post(jobs(), {})).body;
      for (let i = 0; i < 5; i++) expect((await poll(stuck)).body).toMatchObject({ status: 'running', progress: 50 });
      await sb.control.setQuirks({ agingJobs: 'failed' });
      const failed = (await api.post(jobs(), {})).body;
      for (let i = 0; i < 2; i++) await poll(failed);
      const last = (await poll(failed)).body;
      expect(last).toMatchObject({ status: 'failed', result: null });
      expect(last.error).toEqual(expect.any(String));
    } finally {
      await sb.control.setQuirks({ agingJobs: 'steps' });
    }
  });
});

describe('DSO case acceptance and hygiene recare (L7776–7850)', () => {
  const R = () => `/api/v1/clients/${sb.fixtures.clientId}/reports`;

  /** Case acceptance recomputed from the seeded plans (ASSUMPTIONS §16 definitions). */
  function acceptanceOf(practiceId: string, from: string, to: string, codes?: Set<string>) {
    const data = sb.store.practiceData(practiceId);
    if (!data) throw new Error('no practice');
    let presented = 0;
    let accepted = 0;
    let same = 0;
    for (const plan of data.treatmentPlans) {
      const day =
        plan.dateCreated ??
        new Intl.DateTimeFormat('en-CA', { timeZone: data.practice.timezone }).format(new Date(plan.createdMs));
      if (day < from || day > to) continue;
      const amount = plan.items
        .filter((i) => !codes || codes.has(i.procCode))
        .reduce((n, i) => n + i.plannedFeeCents, 0);
      presented += amount;
      if (plan.dateAccepted) {
        accepted += amount;
        if (plan.dateAccepted <= day) same += amount;
      }
    }
    return { presented, accepted, same };
  }
  const money = (cents: number) => (cents / 100).toFixed(2);
  /** part / whole with two decimals, half-up in integers (Decimal ROUND_HALF_UP). */
  const ratio = (part: number, whole: number) => (Math.floor((200 * part + whole) / (2 * whole)) / 100).toFixed(2);
  const pct = (part: number, whole: number) => (whole === 0 ? '0.00' : ratio(100 * part, whole));

  it('case acceptance equals the plans of each practice, with totals from the sums', async () => {
    const r = await api.get(`${R()}/case-acceptance/`, { start_date: '2025-11-01', end_date: la.today });
    expect(r.status).toBe(200);
    expect(r.body.practices.map((p: { practice_id: string }) => p.practice_id)).toEqual([la.id, ny.id]);
    let presented = 0;
    let accepted = 0;
    for (const row of r.body.practices) {
      const expected = acceptanceOf(row.practice_id, '2025-11-01', la.today);
      presented += expected.presented;
      accepted += expected.accepted;
      expect(row).toMatchObject({
        presented_amount: money(expected.presented),
        accepted_amount: money(expected.accepted),
        acceptance_rate_pct: pct(expected.accepted, expected.presented),
        same_visit_accepted_pct: pct(expected.same, expected.presented),
        delayed_accepted_pct: pct(expected.accepted - expected.same, expected.presented),
      });
    }
    expect(r.body.totals).toMatchObject({
      presented_amount: money(presented),
      accepted_amount: money(accepted),
      acceptance_rate_pct: pct(accepted, presented),
    });
  });

  it('narrows to procedure categories and rejects unknown ones, inverted ranges, other clients and scopes', async () => {
    // Implants (D6010, D6065) are `major`; nothing else in the catalog maps there but crowns and buildups.
    const major = new Set(['D6010', 'D6065', 'D2740', 'D2750', 'D2950']);
    const r = await api.get(`${R()}/case-acceptance/`, {
      start_date: '2025-11-01',
      end_date: la.today,
      procedure_category: 'major',
    });
    const expected = acceptanceOf(la.id, '2025-11-01', la.today, major);
    expect(r.body.practices[0].presented_amount).toBe(money(expected.presented));
    expect((await api.get(`${R()}/case-acceptance/`, { procedure_category: 'major,implants' })).status).toBe(400);
    expect((await api.get(`${R()}/case-acceptance/`, { start_date: la.today, end_date: '2025-01-01' })).status).toBe(
      400,
    );
    expect((await api.get(`/api/v1/clients/${la.id}/reports/case-acceptance/`)).status).toBe(404);
    expect((await oauth('readerLa').get(`${R()}/hygiene-recare/`)).status).toBe(403);
  });

  it('hygiene recare equals the recall and patient lists of each practice', async () => {
    const r = await api.get(`${R()}/hygiene-recare/`, { include_without_active_recare: 'true' });
    expect(r.body.as_of).toBe(la.today);
    for (const row of r.body.practices) {
      const fx = row.practice_id === la.id ? la : ny;
      const base = practicePath(fx.id);
      const active = new Set(
        (await api.all(`${base}/patient/`, { status: 'active', page_size: 100 })).map((p) => p.id as string),
      );
      const recalls = (await api.all(`${base}/scheduling/recall/`, { is_disabled: 'false', page_size: 100 })).filter(
        (x) => active.has(x.patient),
      );
      const asOf = Date.parse(`${fx.today}T00:00:00Z`);
      const days = (d: string) => (Date.parse(`${d}T00:00:00Z`) - asOf) / 86_400_000;
      let compliant = 0;
      let upcoming = 0;
      let overdue = 0;
      let late = 0;
      for (const x of recalls) {
        const scheduled = x.date_scheduled !== null && days(x.date_scheduled) >= 0;
        if (scheduled || x.date_due === null || days(x.date_due) > 30) compliant += 1;
        else if (days(x.date_due) < 0) {
          overdue += 1;
          late -= days(x.date_due);
        } else upcoming += 1;
      }
      const without = [...active].filter((id) => !recalls.some((x) => x.patient === id)).length;
      expect(row).toMatchObject({
        compliant_count: compliant,
        upcoming_count: upcoming,
        overdue_count: overdue,
        recall_total: recalls.length,
        without_active_recare_count: without,
        compliance_rate_pct: pct(compliant, recalls.length + without),
        avg_days_late_among_non_compliant: ratio(late, overdue),
      });
    }
    const plain = await api.get(`${R()}/hygiene-recare/`);
    expect(plain.body.totals.without_active_recare_count).toBe(0);
    expect((await api.get(`${R()}/hygiene-recare/`, { include_without_active_recare: 'maybe' })).status).toBe(400);
  });
});

describe('planned appointments (plannedAppointmentDates)', () => {
  it('are dated on the day they were planned by default; undated and out of date-bounded lists under null', async () => {
    const planned = w.fillOpening.plannedFits;
    const row = (await api.get(`${P}/scheduling/appointment/${planned.appointmentId}/`)).body;
    expect(row).toMatchObject({ status: 'planned', operatory: null, duration_minutes: 60 });
    const day = row.date_time.slice(0, 10);
    const dated = await api.all(`${P}/scheduling/appointment/`, { from: day, to: day, status: 'planned' });
    expect(dated.map((a) => a.id)).toContain(planned.appointmentId);
    await sb.control.setQuirks({ plannedAppointmentDates: 'null' });
    try {
      expect((await api.get(`${P}/scheduling/appointment/${planned.appointmentId}/`)).body.date_time).toBeNull();
      const bounded = await api.all(`${P}/scheduling/appointment/`, { from: day, to: day, status: 'planned' });
      expect(bounded).toEqual([]);
      const sheet = await api.get(`${P}/scheduling/day-sheet/`, { date: day, include_hidden: 'true' });
      expect(sheet.body.appointments.map((a: { id: string }) => a.id)).not.toContain(planned.appointmentId);
      const all = await api.all(`${P}/scheduling/appointment/`, { status: 'planned' });
      expect(all.map((a) => a.id)).toContain(planned.appointmentId);
    } finally {
      await sb.control.setQuirks({ plannedAppointmentDates: 'planned-on' });
    }
  });
});
