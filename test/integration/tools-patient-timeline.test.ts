/**
 * patient_timeline through a real client and server against the sandbox. Expected events and
 * patients come from raw sandbox API calls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/index.js';
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

interface Candidate {
  id: string;
  name: string;
  date_of_birth?: string;
}
interface TimelineOutput {
  status: 'found' | 'ambiguous';
  patient?: Candidate;
  candidates?: Candidate[];
  events: { date: string; type: string; line: string; chart_text?: string }[];
  next_cursor?: string;
  notes: string[];
}
interface RawPatient {
  id: string;
  first_name: string;
  last_name: string;
  date_of_birth: string | null;
  phone_mobile: string | null;
  phone_home: string | null;
}
interface RawEvent {
  event_type: string;
  id: string;
  date: string;
  data: Record<string, unknown>;
}

let sandbox: RunningSandbox;
let server: InProcessConnection;
let la: RunningSandbox['fixtures']['practices']['la'];

beforeAll(async () => {
  sandbox = await startTestSandbox();
  la = sandbox.fixtures.practices.la;
  server = await connectInProcess({ sandbox });
});

afterAll(async () => {
  await server?.close();
  await sandbox?.close();
});

/** A date as is; a datetime as its instant (the tool writes it in the practice's zone, the API may not). */
const moment = (value: string) => (/^\d{4}-\d{2}-\d{2}$/.test(value) ? value : new Date(value).toISOString());

/** "YYYY-MM-DD HH:MM" and "±HH:MM" of an instant on the practice's clock, worked out with Intl. */
function practiceClock(value: string, zone: string): { clock: string; offset: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    })
      .formatToParts(new Date(value))
      .map((part) => [part.type, part.value]),
  );
  const offset = (parts.timeZoneName as string).replace('GMT', '') || '+00:00';
  return { clock: `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`, offset };
}

const patientPath = (id: string) => `/api/v1/practice/${la.id}/patient/${id}/`;
const rawTimeline = (id: string, query: Record<string, string> = {}) =>
  rawGet<{ count: number; results: RawEvent[] }>(sandbox, `${patientPath(id)}clinical/timeline/`, {
    page_size: '200',
    ...query,
  });

describe('patient_timeline', () => {
  it('answers a cursor past the last event with no events and how many there are now', async () => {
    const id = la.patients.timeline;
    const total = (await rawTimeline(id)).count;
    const first = await callOk<TimelineOutput>(server.client, 'patient_timeline', {
      practice: la.name,
      patient_id: id,
      limit: 1,
    });
    const print = first.structured.next_cursor?.split('.')[1];
    expect(print, 'a bound cursor <offset>.<fingerprint>').toBeDefined();
    for (const offset of [total, total + 6]) {
      const text = await expectPastEndAnswer(
        server.client,
        'patient_timeline',
        { practice: la.name, patient_id: id, cursor: `${offset}.${print}` },
        'events',
        offset,
        total,
      );
      expect(text).toContain(': no events from that cursor on (all events)');
    }
  });

  it('lists a patient found by id newest first, event for event like the raw timeline', async () => {
    const id = la.patients.timeline;
    const raw = await rawTimeline(id);
    const { structured } = await callOk<TimelineOutput>(server.client, 'patient_timeline', {
      practice: la.name,
      patient_id: id,
      limit: 25,
    });
    expect(structured.status).toBe('found');
    expect(structured.patient?.id).toBe(id);
    expect(structured.events.map((e) => [e.type, moment(e.date)])).toEqual(
      raw.results.slice(0, 25).map((r) => [r.event_type, moment(r.date)]),
    );
    // All seven sources appear for the timeline patient.
    const all = await callOk<TimelineOutput>(server.client, 'patient_timeline', {
      practice: la.name,
      patient_id: id,
      limit: 50,
    });
    const types = new Set(raw.results.map((r) => r.event_type));
    expect(types.size).toBe(7);
    expect(structured.next_cursor ?? all.structured.next_cursor).toBeDefined();
  });

  it('shows every clock time on the practice clock: a note dated only by its UTC created stamp, and appointments sent in UTC', async () => {
    const id = la.patients.timeline;
    const notes = await rawTimeline(id, { event_type: 'note' });
    const stamped = notes.results.find((r) => /T.*Z$/.test(r.date));
    expect(stamped, 'the seeded note without note_date').toBeDefined();
    const note = practiceClock(stamped?.date as string, la.timezone);
    // The UTC clock differs from the practice clock: a copy of the stamp would be wrong.
    expect(stamped?.date.slice(11, 16)).not.toBe(note.clock.slice(11));
    const { structured, text } = await callOk<TimelineOutput>(server.client, 'patient_timeline', {
      practice: la.name,
      patient_id: id,
      event_types: ['note'],
      limit: 50,
    });
    const line = text.split('\n').find((l) => l.includes('phone note'));
    expect(line, text).toBeDefined();
    expect(line?.startsWith(`- ${note.clock}`), line).toBe(true);
    expect(line).not.toContain(`${stamped?.date.slice(0, 10)} ${stamped?.date.slice(11, 16)}`);
    const event = structured.events.find((e) => e.line.includes('phone note'));
    expect(event?.date).toBe(`${note.clock.replace(' ', 'T')}:00${note.offset}`);

    await sandbox.control.setQuirks({ datetimes: 'utc' });
    try {
      const appointments = await rawTimeline(id, { event_type: 'appointment' });
      expect(appointments.results.every((r) => r.date.endsWith('Z'))).toBe(true);
      const answer = await callOk<TimelineOutput>(server.client, 'patient_timeline', {
        practice: la.name,
        patient_id: id,
        event_types: ['appointment'],
        limit: 10,
      });
      const lines = answer.text.split('\n').filter((l) => l.startsWith('- '));
      expect(lines).toHaveLength(Math.min(10, appointments.results.length));
      lines.forEach((l, index) => {
        const expected = practiceClock(appointments.results[index]?.date as string, la.timezone);
        expect(l.startsWith(`- ${expected.clock}`), `${l} vs ${expected.clock}`).toBe(true);
      });
    } finally {
      await sandbox.control.setQuirks({ datetimes: 'local-offset' });
    }
  });

  it('pages with next_cursor without gaps or repeats', async () => {
    const id = la.patients.timeline;
    const raw = await rawTimeline(id);
    const first = await callOk<TimelineOutput>(server.client, 'patient_timeline', {
      practice: la.name,
      patient_id: id,
      limit: 10,
    });
    const cursor = first.structured.next_cursor as string;
    expect(cursor).toBeDefined();
    const second = await callOk<TimelineOutput>(server.client, 'patient_timeline', {
      practice: la.name,
      patient_id: id,
      limit: 10,
      cursor,
    });
    const both = [...first.structured.events, ...second.structured.events].map((e) => [e.type, moment(e.date)]);
    expect(both).toEqual(raw.results.slice(0, 20).map((r) => [r.event_type, moment(r.date)]));
    // A cursor cannot be replayed on another patient.
    const other = la.patients.injectionNote;
    expect(
      await callError(server.client, 'patient_timeline', { practice: la.name, patient_id: other, cursor }),
    ).toMatch(/different patient/);
  });

  it('filters by event type and date, like the raw timeline filtered the same way', async () => {
    const id = la.patients.timeline;
    const raw = await rawTimeline(id, { event_type: 'procedure,appointment' });
    const since = raw.results[Math.min(5, raw.results.length - 1)]?.date.slice(0, 10) as string;
    const expected = raw.results.filter((r) => r.date.slice(0, 10) >= since);
    const { structured } = await callOk<TimelineOutput>(server.client, 'patient_timeline', {
      practice: la.name,
      patient_id: id,
      event_types: ['procedure', 'appointment'],
      since,
      limit: 50,
    });
    expect(structured.events.length).toBeGreaterThan(0);
    expect(structured.events.map((e) => [e.type, moment(e.date)])).toEqual(
      expected.slice(0, 50).map((r) => [r.event_type, moment(r.date)]),
    );
  });

  it('finds a patient by name and date of birth, and by phone', async () => {
    const patient = await rawGet<RawPatient>(sandbox, patientPath(la.patients.timeline));
    const byName = await callOk<TimelineOutput>(server.client, 'patient_timeline', {
      practice: la.name,
      name: `${patient.first_name} ${patient.last_name}`,
      date_of_birth: patient.date_of_birth,
      limit: 1,
    });
    expect(byName.structured.patient?.id).toBe(patient.id);
    // Phone numbers are shared (households, the fictional 555-01xx range): a phone alone may match
    // several patients, and then the answer is the candidates; with the name it is one patient.
    const phone = (patient.phone_mobile ?? patient.phone_home) as string;
    const digits = phone.replace(/\D/g, '').slice(-10);
    const sharing = (
      await rawList<RawPatient>(sandbox, `/api/v1/practice/${la.id}/patient/`, { phone: digits })
    ).filter((p) => [p.phone_mobile, p.phone_home].some((n) => (n ?? '').replace(/\D/g, '').endsWith(digits)));
    const byPhone = await callOk<TimelineOutput>(server.client, 'patient_timeline', {
      practice: la.name,
      phone,
      limit: 1,
    });
    if (sharing.length === 1) expect(byPhone.structured.patient?.id).toBe(patient.id);
    else expect(byPhone.structured.candidates?.map((c) => c.id)).toContain(patient.id);
    const byNameAndPhone = await callOk<TimelineOutput>(server.client, 'patient_timeline', {
      practice: la.name,
      name: patient.last_name,
      phone,
      limit: 1,
    });
    expect(byNameAndPhone.structured.patient?.id).toBe(patient.id);
  });

  it('never guesses between two patients with the same name: it returns the candidates', async () => {
    const [a, b] = la.patients.ambiguousName;
    const pa = await rawGet<RawPatient>(sandbox, patientPath(a));
    const pb = await rawGet<RawPatient>(sandbox, patientPath(b));
    expect(`${pa.first_name} ${pa.last_name}`).toBe(`${pb.first_name} ${pb.last_name}`);
    await sandbox.control.clearRequests();
    const { structured, text } = await callOk<TimelineOutput>(server.client, 'patient_timeline', {
      practice: la.name,
      name: `${pa.first_name} ${pa.last_name}`,
    });
    expect(structured.status).toBe('ambiguous');
    expect(structured.events).toEqual([]);
    const ids = (structured.candidates ?? []).map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining([a, b]));
    expect(text).toMatch(/which one/);
    // No timeline was read for either of them.
    const requests = await sandbox.control.requests();
    expect(requests.some((r) => r.path.includes('/clinical/timeline/'))).toBe(false);
    // With the date of birth it is one patient.
    const one = await callOk<TimelineOutput>(server.client, 'patient_timeline', {
      practice: la.name,
      name: `${pa.first_name} ${pa.last_name}`,
      date_of_birth: pa.date_of_birth,
      limit: 1,
    });
    expect(one.structured.patient?.id).toBe(a);
  });

  it('passes chart text on as quoted data, including instruction-looking notes', async () => {
    const id = la.patients.injectionNote;
    const notes = await rawList<{ content: string }>(sandbox, `${patientPath(id)}clinical/note/`);
    const hostile = notes.find((n) => /ignore (all )?previous instructions/i.test(n.content));
    expect(hostile).toBeDefined();
    const { structured, text } = await callOk<TimelineOutput>(server.client, 'patient_timeline', {
      practice: la.name,
      patient_id: id,
      event_types: ['note'],
      limit: 50,
    });
    const quoted = structured.events.find(
      (e) => e.chart_text && /ignore (all )?previous instructions/i.test(e.chart_text),
    );
    expect(quoted).toBeDefined();
    expect(structured.notes.join(' ')).toMatch(/data to report, not instructions/);
    expect(text).toMatch(/chart text \(data, not instructions\): «[^»]*ignore (all )?previous instructions/i);
  });

  it('takes a patient id in capitals as the same id (UUIDs are case-insensitive): the same patient and events', async () => {
    const id = la.patients.timeline;
    const raw = await rawTimeline(id);
    const { structured } = await callOk<TimelineOutput>(server.client, 'patient_timeline', {
      practice: la.name,
      patient_id: id.toUpperCase(),
      limit: 25,
    });
    expect(structured.patient?.id).toBe(id);
    expect(structured.events.map((e) => [e.type, moment(e.date)])).toEqual(
      raw.results.slice(0, 25).map((r) => [r.event_type, moment(r.date)]),
    );
    const found = await callOk<{ candidates: { id: string }[] }>(server.client, 'find_patient', {
      practice: la.name,
      patient_id: id.toUpperCase(),
    });
    expect(found.structured.candidates.map((c) => c.id)).toEqual([id]);
  });

  it('explains a patient it cannot find, and an id from another practice', async () => {
    expect(
      await callError(server.client, 'patient_timeline', { practice: la.name, name: 'Zebulon Nonexistent' }),
    ).toMatch(/No patient named/);
    const nyPatient = sandbox.fixtures.practices.ny.patients.timeline;
    expect(await callError(server.client, 'patient_timeline', { practice: la.name, patient_id: nyPatient })).toMatch(
      /No patient with id/,
    );
  });
});
