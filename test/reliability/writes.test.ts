/**
 * A write happens at most once. The client's write path (`api.scheduling.createAppointment`,
 * what book_appointment ends in) under every fault the sandbox can inject on the create call:
 * the POST is never repeated when it may have reached the API (timeout, reset, 5xx, cut or
 * malformed answer, 429), only when it provably did not (connection refused); the appointment
 * exists once when the API applied it and not at all when it did not. Then book_appointment
 * itself when its own deadline fires mid-write and the person asks again. (The tool under 100
 * runs of per-request faults is test/integration/booking-faults.test.ts.) Counts come from the
 * sandbox's request log and raw list calls, never from the client.
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEscapeApi, type EscapeApiHandle, type UpstreamObservation } from '../../src/api/index.js';
import type { FaultRule, RunningSandbox } from '../../src/sandbox/index.js';
import { rawGet, rawList, startTestSandbox, textOf } from '../helpers/harness.js';
import { startFaultStack } from './stack.js';

interface RawSlot {
  date_time: string;
  provider: string;
  operatory: string;
}
interface RawAppointment {
  id: string;
  patient: string;
  date_time: string;
}

let sandbox: RunningSandbox;
let ny: RunningSandbox['fixtures']['practices']['ny'];
let api: EscapeApiHandle;
const attempts: UpstreamObservation[] = [];
let slots: RawSlot[] = [];
const CREATE = '/scheduling/appointment/$';
const instant = (iso: string) => DateTime.fromISO(iso, { setZone: true }).toMillis();

beforeAll(async () => {
  sandbox = await startTestSandbox();
  ny = sandbox.fixtures.practices.ny;
  api = createEscapeApi({
    baseUrl: sandbox.url,
    credentials: { kind: 'static', token: sandbox.credentials.oauth.service.token },
    timeoutMs: 400,
    deadlineMs: 8_000,
    retry: { baseDelayMs: 10 },
    breaker: { enabled: false },
    observer: (o) => attempts.push(o),
  });
  const start = DateTime.fromISO(ny.today).plus({ days: 20 }).toISODate() as string;
  const end = DateTime.fromISO(ny.today).plus({ days: 40 }).toISODate() as string;
  const found = await rawGet<{ results: RawSlot[] }>(sandbox, `/api/v1/practice/${ny.id}/scheduling/find-spot/`, {
    duration_minutes: '30',
    start_date: start,
    end_date: end,
    max_results: '50',
  });
  // One slot per case, none overlapping another (each case may leave an appointment behind).
  const taken: number[] = [];
  slots = found.results.filter((s) => {
    const at = instant(s.date_time);
    if (taken.some((t) => Math.abs(t - at) < 30 * 60_000)) return false;
    taken.push(at);
    return true;
  });
  expect(slots.length).toBeGreaterThanOrEqual(25);
});

afterAll(async () => {
  await api?.close();
  await sandbox?.close();
});

let slotIndex = 0;
function nextSlot(): RawSlot {
  const slot = slots[slotIndex++];
  if (!slot) throw new Error('out of slots');
  return slot;
}

/** Appointments of the patient at the slot's instant, from a raw list of that day. */
async function heldAt(slot: RawSlot, patient: string): Promise<RawAppointment[]> {
  const day = DateTime.fromISO(slot.date_time, { setZone: true }).setZone(ny.timezone).toISODate() as string;
  const rows = await rawList<RawAppointment>(sandbox, `/api/v1/practice/${ny.id}/scheduling/appointment/`, {
    from: day,
    to: day,
    patient,
  });
  return rows.filter((a) => a.patient === patient && instant(a.date_time) === instant(slot.date_time));
}

/** POSTs to the create route after `since`, once the sandbox has logged them (delayed ones log late). */
async function creates(since: number, atLeast: number) {
  for (let i = 0; i < 500; i += 1) {
    const rows = (await sandbox.control.requests(since)).filter(
      (e) => e.method === 'POST' && new RegExp(CREATE).test(e.path),
    );
    if (rows.length >= atLeast) return rows;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`fewer than ${atLeast} creates logged`);
}

async function attemptCreate(slot: RawSlot, patient: string, fault: FaultRule | null) {
  if (fault) await sandbox.control.setFaults({ ...fault, method: 'POST', path: CREATE });
  const since = await sandbox.control.lastSeq();
  const before = attempts.length;
  const outcome = await api.scheduling
    .createAppointment(ny.id, {
      patient,
      date_time: slot.date_time,
      duration_minutes: 30,
      provider: slot.provider,
      operatory: slot.operatory,
    })
    .then(
      (appointment) => ({ ok: true as const, id: appointment.id, message: '' }),
      (error: Error) => ({ ok: false as const, id: undefined, message: error.message, name: error.name }),
    );
  await sandbox.control.clearFaults();
  const sent = attempts.slice(before).filter((o) => o.operation === 'scheduling.appointmentCreate');
  return { outcome, since, sent };
}

describe('the client write path under faults', () => {
  const patients = () => [ny.patients.timeline, ny.patients.frequentNoShow, ...ny.patients.unicode];

  const cases: { label: string; fault: FaultRule; landed: boolean; message: RegExp }[] = [
    {
      label: 'timeout (the API applies it after the client gave up)',
      fault: { latencyMs: 1_200 },
      landed: true,
      message: /did not answer in time/,
    },
    {
      label: 'connection reset before an answer',
      fault: { resetRate: 1 },
      landed: false,
      message: /connection .* failed/,
    },
    { label: '503 page', fault: { errorRate: 1, errorStatuses: [503] }, landed: false, message: /HTTP 503/ },
    { label: '502 page', fault: { errorRate: 1, errorStatuses: [502] }, landed: false, message: /HTTP 502/ },
    { label: 'answer cut off after the write', fault: { truncateRate: 1 }, landed: true, message: /cut off/ },
    { label: 'malformed answer after the write', fault: { malformedRate: 1 }, landed: true, message: /malformed/ },
    { label: '429', fault: { burst429: 1, retryAfterSeconds: 0 }, landed: false, message: /rate-limiting/ },
  ];

  for (const [index, c] of cases.entries()) {
    it(`${c.label}: one POST, no retry, ${c.landed ? 'one appointment' : 'no appointment'}`, async () => {
      const slot = nextSlot();
      const patient = patients()[index % patients().length] as string;
      const { outcome, since, sent } = await attemptCreate(slot, patient, c.fault);
      expect(outcome.ok).toBe(false);
      expect(outcome.message).toMatch(c.message);
      expect(sent).toHaveLength(1);
      expect(await creates(since, 1)).toHaveLength(1);
      expect(await heldAt(slot, patient)).toHaveLength(c.landed ? 1 : 0);
    });
  }

  it('is retried only when it provably never left: connection refused', async () => {
    const closed = createEscapeApi({
      baseUrl: 'http://127.0.0.1:9', // discard port: nothing listens
      credentials: { kind: 'static', token: 'x' },
      timeoutMs: 400,
      retry: { baseDelayMs: 5 },
      breaker: { enabled: false },
      observer: (o) => attempts.push(o),
    });
    const before = attempts.length;
    // The create itself (the resource method would first need the practice's time zone).
    const error = await closed.client
      .request({
        operation: 'scheduling.appointmentCreate',
        params: { practice: ny.id },
        body: { patient: ny.patients.timeline, date_time: '2030-01-07T09:00:00-05:00', duration_minutes: 30 },
      })
      .catch((e: Error) => e);
    await closed.close();
    expect((error as Error).message).toMatch(/could not be reached/);
    // Three attempts (DEFAULT_RETRY_POLICY.maxAttempts): each failed before anything was sent.
    expect(attempts.slice(before).filter((o) => o.operation === 'scheduling.appointmentCreate')).toHaveLength(3);
  });

  it('a storm of mixed faults over 16 writes: never two appointments for one write', async () => {
    let landedWithoutAnswer = 0;
    // The sandbox seeds its fault draws by the rule set: a do-nothing rule that differs per write
    // gives each write its own draw.
    const storm: FaultRule = {
      method: 'POST',
      path: CREATE,
      jitterMs: 500,
      errorRate: 0.15,
      errorStatuses: [500, 502, 503],
      resetRate: 0.1,
      truncateRate: 0.15,
      malformedRate: 0.15,
    };
    for (let i = 0; i < 16 && slotIndex < slots.length; i += 1) {
      const slot = nextSlot();
      const patient = patients()[i % patients().length] as string;
      await sandbox.control.setFaults({ rules: [storm, { path: `^/never-${i}$`, latencyMs: 0 }] });
      const { outcome, sent } = await attemptCreate(slot, patient, null);
      expect(sent).toHaveLength(1);
      // A late write lands after the client gave up: wait for the sandbox to have logged it.
      await new Promise((resolve) => setTimeout(resolve, 550));
      const held = await heldAt(slot, patient);
      expect(held.length, JSON.stringify(outcome)).toBeLessThanOrEqual(1);
      if (outcome.ok) expect(held.map((a) => a.id)).toEqual([outcome.id]);
      else if (held.length === 1) landedWithoutAnswer += 1;
    }
    // Some writes went through while the client could not tell: the case the tool must look for.
    expect(landedWithoutAnswer).toBeGreaterThan(0);
  });
});

describe('book_appointment when its own deadline fires mid-write', () => {
  it('the person asks again: still one appointment, and the answer says it is booked', async () => {
    // The tool gives up after 2 s; the create is answered after 3 s (and applied then).
    const stack = await startFaultStack({
      sandbox,
      toolTimeoutMs: 2_000,
      requestTimeoutMs: 10_000,
      breaker: { enabled: false },
      label: 'writes-deadline',
    });
    try {
      const slot = nextSlot();
      const patient = ny.patients.sameLastNameAndDob[0] as string;
      const args = {
        practice: ny.name,
        patient_id: patient,
        start: slot.date_time,
        provider: slot.provider,
        operatory: slot.operatory,
        duration_minutes: 30,
      };
      const ask = await stack.client.callTool({ name: 'book_appointment', arguments: args });
      const token = (ask.structuredContent as { confirmation_token?: string } | undefined)?.confirmation_token;
      expect(token, textOf(ask)).toBeTruthy();
      await sandbox.control.setFaults({ method: 'POST', path: CREATE, latencyMs: 3_000 });
      const since = await sandbox.control.lastSeq();
      const first = await stack.client.callTool({
        name: 'book_appointment',
        arguments: { ...args, confirm: true, confirmation_token: token },
      });
      expect(first.isError, textOf(first)).toBe(true);
      expect(textOf(first)).toMatch(/took longer than 2 s|may still|not sure|check/i);
      await sandbox.control.clearFaults();
      await creates(since, 1); // the late write has landed now
      const again = await stack.client.callTool({ name: 'book_appointment', arguments: args });
      const status = (again.structuredContent as { status?: string } | undefined)?.status;
      expect(status, textOf(again)).toBe('already_booked');
      expect(await heldAt(slot, patient)).toHaveLength(1);
      expect(await creates(since, 1)).toHaveLength(1);
    } finally {
      await sandbox.control.clearFaults();
      await stack.close();
    }
  });
});
