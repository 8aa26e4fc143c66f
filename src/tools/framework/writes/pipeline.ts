/**
 * The one way an appointment (or a contact log entry) is written (scheduling digest §9 steps 3–4):
 *
 *   resolve → validate → describe (the tool's `prepare`) → ask → verify the answer is to our own
 *   question (`confirm.ts`) → under the patient/provider/chair locks: re-check → write once →
 *   re-read → verify.
 *
 * The writes of the API port are opened here and nowhere else: tools describe the write
 * (`WriteIntent`); this module sends it.
 */
import { DateTime } from 'luxon';
import type { BadRequest, Conflict } from '../../../api/errors.js';
import { sameId } from '../../../api/paths.js';
import type { Appointment, AppointmentCreateInput, AppointmentWriteInput } from '../../../api/port.js';
import type { Commlog, CommlogCreateInput } from '../../../api/resources/recalls.js';
import { ToolInputError } from '../errors.js';
import { writeKey, writeLedger } from '../idempotency.js';
import type { ConfirmationNeeded, ToolContext, ToolSuccess } from '../types.js';
import { findHeld, patientClash, readAppointment } from './appointments.js';
import { type ConfirmationPlan, confirmWrite } from './confirm.js';
import { writeLockKeys, writeLocks } from './lock.js';
import { openWrites } from './port.js';
import { differences, overlapsOnSchedule, type Placement } from './verify.js';
import type { Rosters } from './where.js';
import { writeOnce } from './write-once.js';

/** What the person confirms: one action on one appointment, and where it must end up. */
export type AppointmentIntent =
  | { action: 'book'; target: Placement; body: AppointmentCreateInput }
  | { action: 'move'; appointmentId: string; from: Placement; target: Placement; body: AppointmentWriteInput }
  | { action: 'cancel'; appointmentId: string; from: Placement; target: Placement; reason: string };

export type WriteIntent = AppointmentIntent | ContactIntent;

/**
 * A contact attempt recorded against a recall. The time of the entry is the moment it is written
 * (so it is not part of what the person confirms: a confirmation re-entered later still matches).
 */
export interface ContactIntent {
  action: 'log_contact';
  target: { patientId: string; recallId: string };
  body: Omit<CommlogCreateInput, 'date_time'>;
}

/** What happened, as far as Escape Dental can be read back (a tool's remembered writes are all of its own kind). */
export interface WriteResult<Intent extends WriteIntent = AppointmentIntent> {
  intent: Intent;
  patientName: string;
  /** The appointment written (for a booking: the one found to be ours), if known. */
  appointmentId: string | undefined;
  /** It as read back after the write, when that read is of this appointment. */
  stored: Appointment | undefined;
  /** How what Escape Dental holds differs from what was confirmed; empty when it matches. */
  problems: string[];
  /** Appointments that overlap it on the schedule after all, each in one sentence naming both. */
  overlaps: string[];
  /** Oddities that did not stop the write being confirmed (e.g. an answer naming another appointment). */
  notes: string[];
  /** True when an earlier attempt of this write was found to have landed (no second write). */
  recovered: boolean;
  /** A contact log entry: its id and the entry as read back (when that read is of it). */
  contact?: { id: string | undefined; stored: Commlog | undefined; at: string };
}

export interface PreparedWrite<Output> {
  intent: WriteIntent;
  patientName: string;
  /** The rosters names are shown from (empty for a write that names no provider or chair). */
  rosters: Rosters;
  summary: string;
  question: string;
  /** The answer for a client that cannot ask: the summary and a token. */
  tokenAnswer: ConfirmationPlan<Output>['tokenAnswer'];
  declined: ConfirmationPlan<Output>['declined'];
  /** "booking", "move", "cancellation" — for messages. */
  what: string;
  /** Where to look before trying again, for the "may still go through" message. */
  checkHint: string;
  /** A final 400/409 of the write, in plain words. */
  refused: (error: Conflict | BadRequest) => Error;
  /**
   * Re-checked under the locks (book, move): the patient holds another appointment overlapping
   * the target. Return the answer instead of writing, or throw the refusal.
   */
  patientClash?: (clash: Appointment) => ToolSuccess<Output>;
  /**
   * Re-checked under the locks (move, cancel): the appointment is no longer where the person
   * saw it (`current` undefined: gone). Return the answer instead of writing, or throw.
   */
  changed?: (current: Appointment | undefined) => ToolSuccess<Output>;
  /**
   * Re-checked under the locks for any action, after the checks above: the answer to give
   * instead of writing (something changed since the person was asked), else undefined.
   */
  recheck?: () => Promise<ToolSuccess<Output> | undefined>;
  /** The answer once written and read back (`repeated`: an identical call in flight did the write). */
  answer: (result: WriteResult, repeated: boolean) => ToolSuccess<Output>;
}

export interface WriteSpec<Output> {
  tool: 'book_appointment' | 'reschedule_appointment' | 'cancel_appointment' | 'log_contact';
  args: { confirm?: boolean | undefined; confirmation_token?: string | undefined };
  /** An identical write of this runtime that still stands (within the window): its answer, before anything else. */
  recall?: (
    remembered: { value: WriteResult; at: number } | undefined,
    forget: () => void,
  ) => Promise<ToolSuccess<Output> | undefined>;
  /** Resolve, validate and describe: the write to put to the person, or the answer when there is nothing to write. */
  prepare: () => Promise<PreparedWrite<Output> | ToolSuccess<Output>>;
}

/** Raised under the locks when the re-check gives an answer instead of a write (never remembered as a write). */
class AnswerInstead<Output> extends Error {
  constructor(readonly answer: ToolSuccess<Output>) {
    super('answered without writing');
  }
}

export async function runWrite<Output>(
  context: ToolContext,
  spec: WriteSpec<Output>,
): Promise<ToolSuccess<Output> | ConfirmationNeeded> {
  const ledger = writeLedger(context);
  const key = writeKey(context, spec.tool, spec.args);
  // An identical write in flight (here or on another replica) is waited for and its answer shared:
  // checking the place first would find that very write there and refuse.
  const shared = async (): Promise<ToolSuccess<Output> | undefined> => {
    if (!spec.recall) return undefined;
    const remembered = await ledger.settled<WriteResult>(key, context.signal);
    // A forget that fails (shared store down) leaves a stale result that the recall re-reads anyway.
    return spec.recall(remembered, () => void Promise.resolve(ledger.forget(key)).catch(() => undefined));
  };
  const earlier = await shared();
  if (earlier) return earlier;

  let prepared: Awaited<ReturnType<typeof spec.prepare>>;
  try {
    prepared = await spec.prepare();
  } catch (error) {
    // An identical write that started after the look above may be what the check ran into: the
    // ledger marks a write in flight before it is sent, so it is found now.
    if (!(error instanceof ToolInputError)) throw error;
    const later = await shared().catch(() => undefined);
    if (later) return later;
    throw error;
  }
  if (!('intent' in prepared)) return prepared;
  const { intent } = prepared;

  const gate = await confirmWrite<Output>(context, {
    tool: spec.tool,
    key,
    write: confirmedWrite(intent),
    summary: prepared.summary,
    question: prepared.question,
    args: spec.args,
    tokenAnswer: prepared.tokenAnswer,
    declined: prepared.declined,
  });
  if (gate !== 'confirmed') return gate;

  const locks = writeLocks(context);
  const keys = writeLockKeys(context.practice.id, intent.target);
  try {
    const { value, repeated } = await ledger.once<WriteResult<WriteIntent>>(
      key,
      () =>
        locks.run(keys, context.signal, async () => {
          await recheck(context, prepared);
          return writeAndVerify(context, prepared);
        }),
      context.signal,
    );
    if (value.appointmentId) context.noteAppointment(value.appointmentId);
    return prepared.answer(value as WriteResult, repeated);
  } catch (error) {
    if (error instanceof AnswerInstead) return error.answer as ToolSuccess<Output>;
    throw error;
  }
}

/** Exactly what the person is asked to confirm: the action, the appointment, where from, where to, what is sent. */
function confirmedWrite(intent: WriteIntent): Record<string, unknown> {
  switch (intent.action) {
    case 'book':
      return { action: 'book', target: intent.target, body: intent.body };
    case 'move':
      return {
        action: 'move',
        appointment: intent.appointmentId,
        from: intent.from,
        target: intent.target,
        body: intent.body,
      };
    case 'cancel':
      return { action: 'cancel', appointment: intent.appointmentId, from: intent.from, reason: intent.reason };
    case 'log_contact':
      return { action: 'log_contact', recall: intent.target.recallId, body: intent.body };
  }
}

/** Under the locks, just before writing: is it still right? Writes that waited see the ones before them. */
async function recheck<Output>(context: ToolContext, prepared: PreparedWrite<Output>): Promise<void> {
  const { intent } = prepared;
  const changed = prepared.recheck ? await prepared.recheck() : undefined;
  if (changed) throw new AnswerInstead(changed);
  if (intent.action === 'log_contact') return;
  if (intent.action !== 'book') {
    const current = await readAppointment(context, intent.appointmentId);
    if (!current || differences(intent.from, current, prepared.rosters, context.practice.timezone).length > 0) {
      if (!prepared.changed) throw new Error(`No re-check answer for a changed appointment (${intent.action}).`);
      throw new AnswerInstead(prepared.changed(current));
    }
  }
  if (intent.action !== 'cancel') {
    const clash = await patientClash(context, {
      patientId: intent.target.patientId,
      startMs: intent.target.startMs,
      minutes: intent.target.durationMinutes,
      ...(intent.action === 'move' ? { excludeAppointment: intent.appointmentId } : {}),
    });
    if (clash) {
      if (!prepared.patientClash) throw new Error(`No re-check answer for a patient clash (${intent.action}).`);
      throw new AnswerInstead(prepared.patientClash(clash));
    }
  }
}

async function writeAndVerify<Output>(
  context: ToolContext,
  prepared: PreparedWrite<Output>,
): Promise<WriteResult<WriteIntent>> {
  const { intent, rosters: r } = prepared;
  if (intent.action === 'log_contact') return writeContactAndVerify(context, prepared, intent);
  const zone = context.practice.timezone;
  const port = openWrites(context.writes);
  const practiceId = context.practice.id;
  const { written: answered, recovered } = await writeOnce(context, {
    what: prepared.what,
    attempt: (signal) => {
      switch (intent.action) {
        case 'book':
          return port.createAppointment(practiceId, intent.body, { signal });
        case 'move':
          return port.updateAppointment(practiceId, intent.appointmentId, intent.body, { signal });
        case 'cancel':
          return port.transitionAppointment(
            practiceId,
            intent.appointmentId,
            { status: 'cancelled', note: intent.reason },
            { signal },
          );
      }
    },
    landed: async (signal) => {
      if (intent.action === 'book') return findHeld(context, heldMatch(intent.target), signal);
      const current = await readAppointment(context, intent.appointmentId, signal);
      return current &&
        differences({ ...intent.target, appointmentId: intent.appointmentId }, current, r, zone).length === 0
        ? current
        : undefined;
    },
    refused: prepared.refused,
    checkHint: prepared.checkHint,
  });
  if (recovered) {
    context.log.info(
      { appointmentId: answered.id },
      `${prepared.what} found after an uncertain write; not written again`,
    );
  }

  const problems: string[] = [];
  const notes: string[] = [];
  let appointmentId: string | undefined;
  if (intent.action === 'book') {
    // A new appointment's id is only what the answer says: take it only when the answer is the
    // booking asked for; otherwise look for the booking on the schedule.
    const answerDiffers =
      answered.patient !== intent.target.patientId
        ? ['it is for another patient']
        : differences(intent.target, answered, r, zone);
    if (answerDiffers.length === 0) {
      appointmentId = answered.id;
    } else {
      const found = await findHeld(context, heldMatch(intent.target)).catch(() => undefined);
      if (found) {
        appointmentId = found.id;
        notes.push(
          `Escape Dental answered the booking with appointment ${answered.id} (${answerDiffers.join(', ')}); the booking was found on the schedule as appointment ${found.id}.`,
        );
      } else {
        problems.push(
          `Escape Dental answered the booking with appointment ${answered.id} (${answerDiffers.join(', ')}), and no appointment matching the booking is on the schedule`,
        );
      }
    }
  } else {
    appointmentId = intent.appointmentId;
    if (answered.id !== intent.appointmentId) {
      notes.push(
        `Escape Dental answered the ${prepared.what} with appointment ${answered.id}, not ${intent.appointmentId}.`,
      );
    }
  }

  // Re-read: the answer is what Escape Dental now holds, not what was sent or what it answered.
  let stored: Appointment | undefined;
  if (appointmentId) {
    const reread = await readAppointment(context, appointmentId).catch(() => undefined);
    if (!reread) {
      problems.push(`appointment ${appointmentId} could not be read back`);
    } else {
      const found = differences({ ...intent.target, appointmentId }, reread, r, zone);
      if (found.length > 0) problems.push(`read back, ${found.join(', ')}`);
      if (reread.id === appointmentId) stored = reread;
    }
  }

  const overlaps =
    appointmentId && intent.action !== 'cancel' && problems.length === 0
      ? await overlapsOnSchedule(
          context,
          { id: appointmentId, placement: intent.target, patientName: prepared.patientName },
          r,
        ).catch(() => [])
      : [];
  return { intent, patientName: prepared.patientName, appointmentId, stored, problems, notes, overlaps, recovered };
}

function heldMatch(target: Placement) {
  return {
    patientId: target.patientId,
    startMs: target.startMs,
    providerId: target.providerId ?? '',
    ...(target.operatoryId ? { operatoryId: target.operatoryId } : {}),
    durationMinutes: target.durationMinutes,
  };
}

/** Writes the contact log entry once, finds it again when the answer is not it, and reads it back. */
async function writeContactAndVerify<Output>(
  context: ToolContext,
  prepared: PreparedWrite<Output>,
  intent: ContactIntent,
): Promise<WriteResult<ContactIntent>> {
  const port = openWrites(context.writes);
  const practiceId = context.practice.id;
  // Seconds, with the practice's offset: the API refuses a time without one (ASSUMPTIONS §15).
  const at = DateTime.fromJSDate(context.now(), { zone: context.practice.timezone }).startOf('second');
  const body: CommlogCreateInput = {
    ...intent.body,
    date_time: at.toISO({ suppressMilliseconds: true }) as string,
  };
  const find = (signal: AbortSignal) => findContact(context, body, at.toISODate() as string, signal);
  const { written: answered, recovered } = await writeOnce<Commlog>(context, {
    what: prepared.what,
    attempt: (signal) => port.createCommlog(practiceId, body, { signal }),
    landed: find,
    refused: prepared.refused,
    checkHint: prepared.checkHint,
  });
  if (recovered) context.log.info({ commlogId: answered.id }, 'contact log entry found after an uncertain write');

  const problems: string[] = [];
  const notes: string[] = [];
  let id = answered.id && contactDifferences(body, answered).length === 0 ? answered.id : undefined;
  if (!id) {
    // The answer is not the entry asked for (or names none): look for it in the patient's log.
    const found = await find(context.signal).catch(() => undefined);
    id = found?.id ?? undefined;
    if (id) notes.push(`Escape Dental's answer did not show the entry; it was found in the patient's log as ${id}.`);
    else problems.push("Escape Dental answered, but no matching entry is in the patient's communication log");
  }
  let stored: Commlog | undefined;
  if (id) {
    const reread = await context.api.recalls
      .getCommlog(practiceId, intent.target.patientId, id, { signal: context.signal })
      .catch(() => undefined);
    if (!reread) problems.push(`entry ${id} could not be read back`);
    else {
      const found = contactDifferences(body, reread);
      if (found.length > 0) problems.push(`read back, ${found.join(', ')}`);
      else stored = reread;
    }
  }
  return {
    intent,
    patientName: prepared.patientName,
    appointmentId: undefined,
    stored: undefined,
    problems,
    notes,
    overlaps: [],
    recovered,
    contact: { id, stored, at: body.date_time },
  };
}

/** The patient's entry that is exactly this write (same recall, time, mode and outcome), if any. */
async function findContact(
  context: ToolContext,
  body: CommlogCreateInput,
  day: string,
  signal: AbortSignal,
): Promise<Commlog | undefined> {
  const { commlogs } = await context.api.recalls.patientCommlogs(
    context.practice.id,
    body.patient,
    { since: day },
    { signal },
  );
  return commlogs.find((c) => contactDifferences(body, c).length === 0);
}

/** How an entry differs from what was written, in words; empty when it is that entry. */
function contactDifferences(body: CommlogCreateInput, entry: Commlog): string[] {
  const out: string[] = [];
  if (entry.patient && !sameId(entry.patient, body.patient)) out.push('it is for another patient');
  if (!entry.recall || !sameId(entry.recall, body.recall)) out.push('it is not linked to this recall');
  if (Date.parse(entry.date_time ?? '') !== Date.parse(body.date_time)) out.push('it has another time');
  for (const field of ['mode', 'direction', 'outcome', 'subject'] as const) {
    if ((entry[field] ?? '') !== body[field]) out.push(`its ${field} is ${entry[field] ?? 'missing'}`);
  }
  if ((entry.note ?? '') !== (body.note ?? '')) out.push('its note differs');
  return out;
}
