/**
 * The flow every schedule write follows (scheduling digest §9 steps 3–4):
 *
 *   check the arguments here → resolve who, when and where → validate with the API → ask the
 *   person (elicitation / input_required; a signed token for clients that cannot ask) → write
 *   once → re-read.
 *
 * A write is never retried blindly. The API has no idempotency key, so after a timeout, a lost
 * connection or a 5xx the write may or may not have happened: the tool looks for it first and
 * only tries again when it is not there. A refusal (400/409) is final and said in plain words.
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import {
  BadRequest,
  Conflict,
  InvalidResponse,
  NotFound,
  RateLimited,
  RequestAborted,
  UpstreamTimeout,
  UpstreamUnavailable,
} from '../api/errors.js';
import type { Appointment, Operatory, Provider } from '../api/port.js';
import {
  DateInputError,
  formatPracticeSpan,
  formatPracticeTime,
  localOccurrences,
  parseWallTime,
  toPracticeIso,
} from '../domain/dates.js';
import { ToolInputError, UnverifiableAnswerError } from './errors.js';
import { digest, writeLedger } from './idempotency.js';
import { patientName } from './patients.js';
import { checkedDate, operatoryName, providerName, quoteChartText } from './shared.js';
import type { ConfirmationNeeded, ToolContext, ToolSuccess } from './types.js';

// ---------------------------------------------------------------------------------------------
// Arguments shared by the write tools

export const confirmationArguments = {
  confirm: z
    .boolean()
    .optional()
    .describe('Only for clients that cannot ask the person: true once they saw the summary and said yes.'),
  confirmation_token: z.string().max(100).optional().describe('The confirmation_token that came with that summary.'),
};

export const startArgument = (description: string) => z.string().min(10).max(40).describe(description);

/** Statuses in which an appointment still holds its time (the sandbox's `blocks_slot`, §8.5). */
export const HOLDING_STATUSES = new Set(['scheduled', 'arrived', 'seated', 'ready_for_doctor', 'ready_for_walkout']);

// ---------------------------------------------------------------------------------------------
// When: a practice-local time, or an instant exactly as find_spot wrote it

export interface Start {
  ms: number;
  /** ISO 8601 with the practice's offset on that date (what the API is sent, L226). */
  iso: string;
}

const START_RE = /^(\d{4}-\d{2}-\d{2})[T ](\d{1,2}:\d{2})(?::(\d{2})(?:\.0+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Reads a start time. Without an offset it is the practice's wall-clock time: a time inside the
 * spring-forward gap does not exist, and one in the fall-back hour happens twice, so both are
 * refused with the choices spelled out (§8.2). With an offset it must be the practice's own offset
 * at that instant — anything else means the caller had another clock in mind.
 */
export function parseStart(text: string, zone: string, nowMs: number, label = 'start'): Start {
  const m = START_RE.exec(text.trim());
  if (!m) {
    throw new ToolInputError(
      `${label} "${text}" is not a date and time. Use the practice's local time, e.g. "2026-12-10 09:00", or a find_spot start as written.`,
    );
  }
  const date = checkedDate(m[1], label) as string;
  let wall: string;
  try {
    wall = parseWallTime(m[2] as string, label).slice(0, 5);
  } catch (error) {
    if (error instanceof DateInputError) throw new ToolInputError(error.message);
    throw error;
  }
  if (m[3] && Number(m[3]) !== 0) throw new ToolInputError(`${label}: appointments start on the minute.`);
  let start: DateTime;
  if (!m[4]) {
    const occurrences = localOccurrences(date, wall, zone);
    if (occurrences.length === 0) {
      throw new ToolInputError(
        `${wall} on ${date} does not exist at the practice (${zone}): the clocks jump forward that night. Pick a time before or after the jump.`,
      );
    }
    if (occurrences.length > 1) {
      const [first, second] = occurrences.map((o) => `"${date}T${wall}${o.toFormat('ZZ')}"`);
      throw new ToolInputError(
        `${wall} on ${date} happens twice at the practice (${zone}): the clocks go back that night. Say which: ${first} (the first) or ${second} (the second).`,
      );
    }
    start = occurrences[0] as DateTime;
  } else {
    const offset = (m[4] as string).toUpperCase();
    const given = DateTime.fromISO(`${date}T${wall.padStart(5, '0')}${offset}`, { setZone: true });
    if (!given.isValid) throw new ToolInputError(`${label} "${text}" is not a valid date and time.`);
    start = given.setZone(zone);
    if (start.offset !== given.offset) {
      throw new ToolInputError(
        `${label} "${text}" is ${describeInstant(start.toMillis(), zone)} at the practice: its offset is not the practice's on that date. Give the practice's local time, e.g. "${start.toFormat('yyyy-MM-dd HH:mm')}", to be sure of the time meant.`,
      );
    }
  }
  if (start.toMillis() < nowMs) {
    throw new ToolInputError(
      `${label} ${describeInstant(start.toMillis(), zone)} is in the past (it is now ${formatPracticeTime(nowMs, zone, { offset: 'near-change' })} at the practice).`,
    );
  }
  return { ms: start.toMillis(), iso: toPracticeIso(start.toMillis(), zone) };
}

/** "Thu 2026-12-10 09:00 (UTC-08:00)": what a person books or confirms from always shows its offset. */
export function describeInstant(ms: number, zone: string): string {
  return formatPracticeTime(ms, zone);
}

/** "Thu 2026-12-10 09:00–10:00 (UTC-08:00)" — the offset is the start's; a DST night shows in the end time. */
export function describeSpan(ms: number, minutes: number, zone: string): string {
  return formatPracticeSpan(ms, minutes, zone);
}

// ---------------------------------------------------------------------------------------------
// Where and with whom

export interface Rosters {
  providers: Provider[];
  operatories: Operatory[];
}

export async function rosters(context: ToolContext): Promise<Rosters> {
  const [providers, operatories] = await Promise.all([
    context.api.reference.providers(context.practice.id, { signal: context.signal }),
    context.api.reference.operatories(context.practice.id, { signal: context.signal }),
  ]);
  return { providers, operatories };
}

export function providerLabel(r: Rosters, id: string | null | undefined): string | undefined {
  if (!id) return undefined;
  const provider = r.providers.find((p) => p.id === id);
  return provider ? providerName(provider) : 'an unknown provider';
}

export function operatoryLabel(r: Rosters, id: string | null | undefined): string | undefined {
  if (!id) return undefined;
  const operatory = r.operatories.find((o) => o.id === id);
  return operatory ? operatoryName(operatory) : 'an unknown chair';
}

/**
 * Chairs to try for "any chair that fits", most likely first: the provider's own chairs (the
 * roster's default dentist/hygienist), then chairs of the same kind (hygiene or not), then the
 * rest. `first` (the appointment's current chair, when moving) leads.
 */
export function candidateChairs(r: Rosters, provider: Provider, first?: string | null): Operatory[] {
  const hygienist = provider.provider_type === 'hygienist';
  const rank = (o: Operatory): number => {
    if (first && o.id === first) return 0;
    if (o.provider_dentist === provider.id || o.provider_hygienist === provider.id) return 1;
    if (Boolean(o.is_hygiene) === hygienist) return 2;
    return 3;
  };
  return r.operatories
    .filter((o) => o.is_bookable !== false && o.is_hidden !== true)
    .map((o, i) => ({ o, i }))
    .sort((a, b) => rank(a.o) - rank(b.o) || (a.o.sort_order ?? 0) - (b.o.sort_order ?? 0) || a.i - b.i)
    .map(({ o }) => o);
}

// ---------------------------------------------------------------------------------------------
// Validation (validate-appointment, §4.2): its issues in plain words

export type SlotCheck = { ok: true; operatory: Operatory; warnings: string[] } | { ok: false; reasons: string[] };

export async function checkSlot(
  context: ToolContext,
  proposal: {
    start: Start;
    durationMinutes: number;
    provider: Provider;
    chairs: readonly Operatory[];
    excludeAppointment?: string;
  },
): Promise<SlotCheck> {
  const results = await Promise.all(
    proposal.chairs.map(async (chair) => ({
      chair,
      result: await context.api.scheduling.validateAppointment(
        context.practice.id,
        {
          date_time: proposal.start.iso,
          duration_minutes: proposal.durationMinutes,
          provider: proposal.provider.id,
          operatory: chair.id,
          ...(proposal.excludeAppointment ? { exclude_appointment: proposal.excludeAppointment } : {}),
        },
        { signal: context.signal },
      ),
    })),
  );
  const who = providerName(proposal.provider);
  const fit = results.find((r) => r.result.valid);
  if (fit) {
    const warnings = fit.result.issues
      .filter((i) => i.severity === 'warning')
      .map((i) =>
        plainIssue({ code: i.code, messages: i.message ? [i.message] : [] }, who, [operatoryName(fit.chair)]),
      );
    return { ok: true, operatory: fit.chair, warnings };
  }
  // Grouped by kind across the chairs tried: "every chair is already booked then", not one
  // line per chair.
  const groups = groupByKind(
    results.flatMap(({ chair, result }) => {
      const blocking = result.issues.filter((i) => i.severity !== 'warning');
      return (blocking.length > 0 ? blocking : [{ code: null, message: null }]).map((issue) => ({
        ...issue,
        chair: operatoryName(chair),
      }));
    }),
  );
  const everyChair = (chairs: string[]) => proposal.chairs.length > 1 && chairs.length === proposal.chairs.length;
  const reasons = groups.map((group) =>
    plainIssue(group, who, everyChair(group.chairs) ? 'every chair' : group.chairs),
  );
  return { ok: false, reasons: reasons.slice(0, 6) };
}

/**
 * Issues of one kind together. One chair can hold several issues of a kind (two appointments
 * overlapping the time): each chair is named once and every distinct message of the API kept.
 */
function groupByKind(
  issues: readonly { code?: string | null; message?: string | null; chair?: string }[],
): { code: string | null; messages: string[]; chairs: string[] }[] {
  const groups = new Map<string, { code: string | null; messages: Set<string>; chairs: Set<string> }>();
  for (const issue of issues) {
    const key = issue.code ?? `message:${issue.message ?? ''}`;
    let group = groups.get(key);
    if (!group) {
      group = { code: issue.code ?? null, messages: new Set(), chairs: new Set() };
      groups.set(key, group);
    }
    if (issue.message) group.messages.add(issue.message);
    if (issue.chair) group.chairs.add(issue.chair);
  }
  return [...groups.values()].map((g) => ({ code: g.code, messages: [...g.messages], chairs: [...g.chairs] }));
}

/**
 * Issues of one kind from validate-appointment (or a 409 body) in plain words, followed by the
 * API's own text (at most three messages). `chairs`: the chairs it concerns, or 'every chair' tried.
 */
export function plainIssue(
  issue: { code: string | null; messages: readonly string[] },
  provider: string,
  chairs: readonly string[] | 'every chair',
): string {
  const quoted = issue.messages
    .slice(0, 3)
    .map((m) => quoteChartText(m, 200))
    .filter((m): m is string => !!m);
  const said = quoted.length > 0 ? quoted.join('"; "') : null;
  const all = chairs === 'every chair';
  const list = all ? '' : chairs.join(', ');
  const plain = (() => {
    switch (issue.code) {
      case 'operatory_conflict':
        if (all) return 'every chair is already booked then';
        return `${list || 'the chair'} ${chairs.length > 1 ? 'are' : 'is'} already booked then`;
      case 'provider_conflict':
        return `${provider} already has an appointment then`;
      case 'outside_hours':
        return `it is outside ${provider}'s working hours${list ? ` in ${list}` : ''}`;
      case 'blocked':
        return `it falls in blocked time${list && !all ? ` (${list})` : ''}`;
      case 'closed':
        return 'the practice is closed that day';
      case 'dst_gap':
        return 'that time does not exist (the clocks jump forward that night)';
      case 'in_past':
        return 'it is in the past';
      default:
        return undefined;
    }
  })();
  if (plain && said) return `${plain} (Escape Dental: "${said}")`;
  return plain ?? (said ? `Escape Dental: "${said}"` : `Escape Dental refused it (${issue.code ?? 'no reason given'})`);
}

/** A 409/400 from a write, in plain words (the body's conflicts or field errors). */
export function refusalReasons(error: Conflict | BadRequest, provider: string, chair: string | undefined): string[] {
  if (error instanceof Conflict) {
    const reasons = groupByKind(error.conflicts).map((group) => plainIssue(group, provider, chair ? [chair] : []));
    return reasons.length > 0 ? reasons : ['it conflicts with another booking'];
  }
  const reasons = error.fieldErrors.flatMap((f) =>
    f.messages.map((message) => `Escape Dental: "${quoteChartText(message, 200) ?? ''}"`),
  );
  return reasons.length > 0 ? reasons : ['Escape Dental refused it as invalid'];
}

// ---------------------------------------------------------------------------------------------
// Confirmation: the person says yes before anything is written

export interface ConfirmationPlan<Output> {
  tool: string;
  /** The idempotency key of this call (what was asked). */
  key: string;
  /** Exactly what will be written (ids, instants); the token and the asked digest bind to it. */
  write: Record<string, unknown>;
  /** Who, when, where and with whom, in plain words. */
  summary: string;
  /** "Book it?" */
  question: string;
  args: { confirm?: boolean | undefined; confirmation_token?: string | undefined };
  /** The answer for a client that cannot ask: the summary, a token, and why it is asked (again). */
  tokenAnswer: (token: string, note: string | undefined) => ToolSuccess<Output>;
  /** The person said no (or dismissed the prompt). */
  declined: (answer: 'declined' | 'cancelled') => ToolSuccess<Output>;
}

/**
 * Returns 'confirmed' when the write may go ahead now; otherwise the answer to return instead
 * (a prompt for the person, a token for a client that cannot prompt, or "nothing changed").
 */
export async function confirmBeforeWriting<Output>(
  context: ToolContext,
  plan: ConfirmationPlan<Output>,
): Promise<'confirmed' | ToolSuccess<Output> | ConfirmationNeeded> {
  const ledger = await writeLedger(context);
  const bound = { tool: plan.tool, principal: context.principal.id, practice: context.practice.id, ...plan.write };
  const writeDigest = digest(bound);
  const prompt = (prefix = ''): ConfirmationNeeded => {
    ledger.asking(plan.key, writeDigest);
    return { kind: 'confirmation_needed', message: `${prefix}${plan.summary}\n${plan.question}` };
  };
  switch (context.confirmation.answer) {
    case 'accepted': {
      // The handler runs again from the top on the answered round, so the write was resolved
      // anew: it must be the one the person saw. (When this runtime did not ask — another
      // instance, or the window passed — the same arguments were summarised moments ago.)
      const asked = ledger.takeAsked(plan.key);
      if (asked !== undefined && asked !== writeDigest) return prompt('The details changed since you were asked. ');
      return 'confirmed';
    }
    case 'declined':
    case 'cancelled':
      ledger.takeAsked(plan.key);
      return plan.declined(context.confirmation.answer);
    case 'none':
      if (context.confirmation.supported) return prompt();
  }
  const token = context.confirmationTokens.sign(bound);
  if (plan.args.confirm !== true) return plan.tokenAnswer(token, undefined);
  if (!plan.args.confirmation_token) {
    return plan.tokenAnswer(
      token,
      'confirm: true needs the confirmation_token of a summary the person saw. Show them this summary; if they agree, call again with confirm: true and this token.',
    );
  }
  if (!context.confirmationTokens.verify(plan.args.confirmation_token, bound)) {
    return plan.tokenAnswer(
      token,
      'The confirmation_token does not match these details (or is older than 10 minutes), so nothing was written. Show the person this summary; if they agree, call again with confirm: true and this new token.',
    );
  }
  return 'confirmed';
}

// ---------------------------------------------------------------------------------------------
// Writing once

/** The write's outcome could not be established (upstream failures, then a failed check). */
export class WriteOutcomeUnknown extends UnverifiableAnswerError {
  override name = 'WriteOutcomeUnknown';
}

const MAX_WRITE_ATTEMPTS = 3;
const MAX_RATE_LIMIT_WAIT_MS = 3_000;
const RECHECK_TIMEOUT_MS = 5_000;

/** Failures after which the write may or may not have been applied upstream. */
function mayHaveLanded(error: unknown): boolean {
  if (error instanceof UpstreamUnavailable) return !error.circuitOpen;
  return error instanceof UpstreamTimeout || error instanceof InvalidResponse || error instanceof RequestAborted;
}

export interface WriteAttempt {
  /** "booking", "move", "cancellation" — for messages. */
  what: string;
  /** One upstream write. */
  attempt: (signal: AbortSignal) => Promise<Appointment>;
  /** Finds the write if it happened (the appointment as it now stands), else undefined. */
  landed: (signal: AbortSignal) => Promise<Appointment | undefined>;
  /** A final refusal (400/409) in plain words. */
  refused: (error: Conflict | BadRequest) => Error;
  /** Where to look before trying again, for the "may still go through" message. */
  checkHint: string;
}

/**
 * Performs a write at most once in effect. After an ambiguous failure the write is looked for
 * before any new attempt; a 409/400 after an earlier attempt may be that attempt having landed,
 * so it is looked for as well. Returns the appointment and whether an earlier attempt was found.
 */
export async function writeOnce(
  context: ToolContext,
  plan: WriteAttempt,
): Promise<{ appointment: Appointment; recovered: boolean }> {
  let lastFailure: unknown;
  for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
    try {
      return { appointment: await plan.attempt(context.signal), recovered: false };
    } catch (error) {
      if (error instanceof Conflict || error instanceof BadRequest) {
        // 409 is also what our own earlier attempt looks like once it landed; a 400 may be too
        // (e.g. "cannot transition from cancelled to cancelled").
        if (error instanceof Conflict || lastFailure !== undefined) {
          const found = await plan.landed(context.signal).catch(() => undefined);
          if (found) return { appointment: found, recovered: true };
        }
        throw plan.refused(error);
      }
      if (error instanceof RateLimited) {
        // 429 comes before the request is processed: nothing was written.
        const wait = error.retryAfterMs ?? 1_000;
        if (attempt === MAX_WRITE_ATTEMPTS || wait > MAX_RATE_LIMIT_WAIT_MS) throw error;
        await sleep(wait, context.signal);
        continue;
      }
      if (!mayHaveLanded(error)) throw error;
      // The signal may be the reason (client cancelled, tool deadline): look with a fresh one.
      const signal = context.signal.aborted ? AbortSignal.timeout(RECHECK_TIMEOUT_MS) : context.signal;
      let found: Appointment | undefined;
      try {
        found = await plan.landed(signal);
      } catch {
        throw new WriteOutcomeUnknown(
          `The Escape Dental API did not confirm the ${plan.what} (${failureWords(error)}), and checking whether it went through failed too. It may or may not have been made: ${plan.checkHint} before trying again.`,
        );
      }
      if (found) return { appointment: found, recovered: true };
      if (error instanceof RequestAborted) {
        throw new WriteOutcomeUnknown(
          `The request was stopped before Escape Dental answered. The ${plan.what} was not found afterwards, but it may still go through: ${plan.checkHint} before trying again.`,
        );
      }
      lastFailure = error;
    }
  }
  throw new WriteOutcomeUnknown(
    `The Escape Dental API failed ${MAX_WRITE_ATTEMPTS} times (${failureWords(lastFailure)}). A check after each failure found no ${plan.what}, so nothing was changed as far as can be seen${lastFailure instanceof UpstreamTimeout ? ', but the last attempt may still go through' : ''}: ${plan.checkHint} before trying again.`,
  );
}

function failureWords(error: unknown): string {
  if (error instanceof UpstreamTimeout) return 'no answer in time';
  if (error instanceof InvalidResponse) return 'an unreadable answer';
  if (error instanceof UpstreamUnavailable) return 'a server error or a dropped connection';
  if (error instanceof RequestAborted) return 'the request was stopped';
  return 'an upstream error';
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new RequestAborted());
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new RequestAborted());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The appointment, or undefined when it no longer exists for this practice. */
export async function readAppointment(
  context: ToolContext,
  appointmentId: string,
  signal: AbortSignal = context.signal,
): Promise<Appointment | undefined> {
  try {
    return await context.api.scheduling.getAppointment(context.practice.id, appointmentId, { signal });
  } catch (error) {
    if (error instanceof NotFound) return undefined;
    throw error;
  }
}

/** The appointment by id, or an input error the model can act on. */
export async function requireAppointment(context: ToolContext, appointmentId: string): Promise<Appointment> {
  const id = appointmentId.trim();
  const appointment = id ? await readAppointment(context, id) : undefined;
  if (!appointment) {
    throw new ToolInputError(
      `No appointment with id ${appointmentId} at ${context.practice.name}. find_patient shows a patient's next visit with its id.`,
    );
  }
  return appointment;
}

/** The patient's appointments that hold a time on the practice-local day of `startMs` (filtered here, T1). */
async function heldThatDay(
  context: ToolContext,
  patientId: string,
  startMs: number,
  signal: AbortSignal,
): Promise<Appointment[]> {
  const zone = context.practice.timezone;
  const day = DateTime.fromMillis(startMs, { zone }).toISODate() as string;
  const { appointments } = await context.api.scheduling.listAppointments(
    context.practice.id,
    { range: { from: day, to: day }, patientId, limit: 200 },
    { signal },
  );
  return appointments.filter((a) => a.patient === patientId && HOLDING_STATUSES.has(a.status ?? ''));
}

/**
 * The patient's appointment at exactly `startMs` with that provider (and chair and length when
 * given): how a booking that may have landed is found again.
 */
export async function findHeld(
  context: ToolContext,
  match: { patientId: string; startMs: number; providerId: string; operatoryId?: string; durationMinutes?: number },
  signal: AbortSignal = context.signal,
): Promise<Appointment | undefined> {
  return (await heldThatDay(context, match.patientId, match.startMs, signal)).find(
    (a) =>
      a.provider === match.providerId &&
      (match.operatoryId === undefined || a.operatory === match.operatoryId) &&
      (match.durationMinutes === undefined || a.duration_minutes === match.durationMinutes) &&
      startOf(a) === match.startMs,
  );
}

/**
 * Another appointment of the patient overlapping [start, start + minutes): the API guards chairs
 * and providers against double booking, not the patient, so a patient in two chairs at once is
 * caught here. An appointment that runs past midnight into the day is not seen (day-bounded list).
 */
export async function patientClash(
  context: ToolContext,
  proposal: { patientId: string; startMs: number; minutes: number; excludeAppointment?: string },
): Promise<Appointment | undefined> {
  const endMs = proposal.startMs + proposal.minutes * 60_000;
  return (await heldThatDay(context, proposal.patientId, proposal.startMs, context.signal)).find((a) => {
    const at = startOf(a);
    if (at === undefined || a.id === proposal.excludeAppointment) return false;
    return at < endMs && proposal.startMs < at + (a.duration_minutes ?? 0) * 60_000;
  });
}

export function startOf(appointment: Appointment): number | undefined {
  if (typeof appointment.date_time !== 'string') return undefined;
  const ms = DateTime.fromISO(appointment.date_time, { setZone: true }).toMillis();
  return Number.isNaN(ms) ? undefined : ms;
}

// ---------------------------------------------------------------------------------------------
// What the tools return

export const appointmentViewSchema = z.object({
  id: z.string().optional(),
  patient: z.string(),
  patient_id: z.string(),
  start: z.string(),
  end: z.string(),
  duration_minutes: z.number(),
  provider: z.string().optional(),
  provider_id: z.string().optional(),
  operatory: z.string().optional(),
  operatory_id: z.string().optional(),
  appointment_type: z.string().optional(),
  procedures: z.array(z.string()).optional(),
  status: z.string().optional(),
});
export type AppointmentView = z.infer<typeof appointmentViewSchema>;

export interface ViewInput {
  id?: string;
  patientName: string;
  patientId: string;
  startMs: number;
  durationMinutes: number;
  providerId: string | null | undefined;
  operatoryId: string | null | undefined;
  appointmentType?: string | undefined;
  procedures?: readonly string[] | undefined;
  status?: string | undefined;
}

export function appointmentView(input: ViewInput, r: Rosters, zone: string): AppointmentView {
  const start = DateTime.fromMillis(input.startMs, { zone });
  const provider = providerLabel(r, input.providerId);
  const operatory = operatoryLabel(r, input.operatoryId);
  return {
    ...(input.id ? { id: input.id } : {}),
    patient: input.patientName,
    patient_id: input.patientId,
    start: start.toISO({ suppressMilliseconds: true }) as string,
    end: start.plus({ minutes: input.durationMinutes }).toISO({ suppressMilliseconds: true }) as string,
    duration_minutes: input.durationMinutes,
    ...(provider && input.providerId ? { provider, provider_id: input.providerId } : {}),
    ...(operatory && input.operatoryId ? { operatory, operatory_id: input.operatoryId } : {}),
    ...(input.appointmentType ? { appointment_type: input.appointmentType } : {}),
    ...(input.procedures && input.procedures.length > 0 ? { procedures: [...input.procedures] } : {}),
    ...(input.status ? { status: input.status } : {}),
  };
}

/** The view of an appointment as the API returned it. */
export function viewOfAppointment(
  appointment: Appointment,
  patientName: string,
  r: Rosters,
  zone: string,
): AppointmentView {
  const codes = (appointment.scheduled_procedures ?? [])
    .map((p) => p.proc_code)
    .filter((c): c is string => typeof c === 'string' && c !== '');
  return appointmentView(
    {
      id: appointment.id,
      patientName,
      patientId: appointment.patient ?? '',
      startMs: startOf(appointment) ?? Number.NaN,
      durationMinutes: appointment.duration_minutes ?? 0,
      providerId: appointment.provider,
      operatoryId: appointment.operatory,
      appointmentType: appointment.appointment_type ?? undefined,
      procedures: codes,
      status: appointment.status ?? undefined,
    },
    r,
    zone,
  );
}

/** "Jane Example's 60-minute Crown Prep on Thu 2026-12-10 09:00–10:00 (UTC-08:00) with Dr. Dana Synthetic in Operatory 1". */
export function describeView(view: AppointmentView, zone: string): string {
  const start = DateTime.fromISO(view.start, { setZone: true }).toMillis();
  const kind = view.appointment_type ? ` ${view.appointment_type}` : ' appointment';
  return `${view.patient}'s ${view.duration_minutes}-minute${kind} on ${describeSpan(start, view.duration_minutes, zone)}${view.provider ? ` with ${view.provider}` : ''}${view.operatory ? ` in ${view.operatory}` : ''}`;
}

/** Output fields every write tool shares. */
export const writeOutputFields = {
  practice: z.string(),
  timezone: z.string(),
  appointment: appointmentViewSchema.optional(),
  confirmation_token: z.string().optional(),
  notes: z.array(z.string()),
};

/** The display name of an appointment's patient (noted for the audit line). */
export async function patientOfAppointment(context: ToolContext, appointment: Appointment): Promise<string> {
  if (!appointment.patient) return 'the patient';
  context.notePatient(appointment.patient);
  try {
    return patientName(
      await context.api.patients.retrieve(context.practice.id, appointment.patient, { signal: context.signal }),
    );
  } catch (error) {
    if (error instanceof NotFound) return 'the patient';
    throw error;
  }
}

/**
 * The answer when the write is already in place (a repeat, or nothing to change): the
 * appointment as it stands, in one line, and which status says so.
 */
export function alreadyDone<S extends string>(
  context: ToolContext,
  status: S,
  found: { id: string; appointment: Appointment | undefined; patientName: string; rosters: Rosters },
  how: string,
): ToolSuccess<{ practice: string; timezone: string; status: S; appointment?: AppointmentView; notes: string[] }> {
  context.noteAppointment(found.id);
  const zone = context.practice.timezone;
  const view = found.appointment
    ? viewOfAppointment(found.appointment, found.patientName, found.rosters, zone)
    : undefined;
  const line = `${view ? describeView(view, zone) : `Appointment ${found.id}`} ${how}.`;
  return {
    structured: {
      practice: context.practice.name,
      timezone: zone,
      status,
      ...(view ? { appointment: view } : {}),
      notes: [line],
    },
    summary: `${line} (appointment ${found.id})`,
  };
}

/** The answer for a client that cannot ask: nothing written yet, the summary to show, a token. */
export function awaitingConfirmation<Base extends object>(
  tool: string,
  base: Base,
  notes: readonly string[],
  summary: string,
  nothingYet: string,
) {
  return (token: string, why: string | undefined) => ({
    structured: {
      ...base,
      status: 'confirmation_required' as const,
      confirmation_token: token,
      notes: why ? [why, ...notes] : [...notes],
    },
    summary: `${why ? `${why}\n` : ''}${summary}\n${nothingYet} Show the person this summary; if they agree, call ${tool} again with the same arguments plus confirm: true and confirmation_token.`,
    auditOutcome: 'confirmation_requested',
  });
}
