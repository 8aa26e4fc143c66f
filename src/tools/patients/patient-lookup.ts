/**
 * Finding the patient a request is about: by id, or by name with an optional date of birth or
 * phone. More than one match is never resolved by guessing — the caller gets the candidates,
 * with just enough to tell them apart.
 */
import { z } from 'zod';
import { NotFound } from '../../api/errors.js';
import type { Patient } from '../../api/port.js';
import { APPOINTMENT_STATUSES } from '../../api/resources/appointments.js';
import { instantToLocalDate, parseInstantMs, toPracticeIso } from '../../domain/dates.js';
import { shownCode, shownName, shownPlace } from '../../domain/free-text.js';
import { foldForMatch, normalizePhoneDigits, reachPhone, sanitizeUserText } from '../../domain/names.js';
import { ToolInputError, UnverifiableAnswerError } from '../framework/errors.js';
import { checkedDate, localDateArgument } from '../framework/shared.js';
import type { ToolContext } from '../framework/types.js';

export const patientArguments = {
  patient_id: z.string().max(64).optional().describe('Patient id, when known.'),
  name: z.string().max(120).optional().describe('Patient name as staff say it, e.g. "Jane Example".'),
  date_of_birth: localDateArgument('Date of birth, YYYY-MM-DD.').optional(),
  phone: z.string().max(40).optional().describe('Patient phone, any format.'),
};

export interface PatientQuery {
  patient_id?: string | undefined;
  name?: string | undefined;
  date_of_birth?: string | undefined;
  phone?: string | undefined;
}

export const candidateSchema = z.object({
  id: z.string(),
  name: z.string(),
  date_of_birth: z.string().optional(),
  phone_last4: z.string().optional(),
  status: z.string().optional(),
});
export type Candidate = z.infer<typeof candidateSchema>;

export type PatientMatch =
  | { kind: 'one'; patient: Patient /** Other patients whose names only partly match. */; similar: Candidate[] }
  | { kind: 'several'; candidates: Candidate[]; more: boolean };

const MAX_CANDIDATES = 8;

/** Checks a patient query before any upstream call; returns the cleaned query. */
export function checkPatientQuery(query: PatientQuery): PatientQuery {
  const cleaned: PatientQuery = {
    patient_id: query.patient_id?.trim() || undefined,
    name:
      query.name === undefined
        ? undefined
        : sanitizeUserText(query.name, { maxLength: 120, label: 'patient name' }) || undefined,
    date_of_birth: checkedDate(query.date_of_birth, 'date_of_birth'),
    phone: query.phone?.trim() || undefined,
  };
  if (!cleaned.patient_id && !cleaned.name && !cleaned.phone && cleaned.date_of_birth) {
    // Like the kiosk lookup (L12717), a birth date narrows a search but never drives one: alone
    // it would mean reading every patient record of the practice.
    throw new ToolInputError('A date of birth alone is not searched: add the name (or part of it) or a phone number.');
  }
  if (!cleaned.patient_id && !cleaned.name && !cleaned.phone) {
    throw new ToolInputError(
      'Say which patient: give patient_id, or a name (optionally with date_of_birth or phone), or a phone number.',
    );
  }
  if (cleaned.phone && normalizePhoneDigits(cleaned.phone).length < 4) {
    throw new ToolInputError('The phone number needs at least 4 digits.');
  }
  return cleaned;
}

export async function findPatient(context: ToolContext, query: PatientQuery): Promise<PatientMatch> {
  if (query.patient_id) return { kind: 'one', patient: await retrievePatient(context, query.patient_id), similar: [] };
  const { exact, partial, truncated } = await searchPatients(context, query);
  const matches = [...exact, ...partial];
  if (matches.length === 1) return { kind: 'one', patient: matches[0] as Patient, similar: [] };
  // One patient with exactly that name, others only similar ("Jane" vs "Janet"): not a guess.
  if (exact.length === 1) {
    return { kind: 'one', patient: exact[0] as Patient, similar: partial.slice(0, 3).map(toCandidate) };
  }
  return {
    kind: 'several',
    candidates: matches.slice(0, MAX_CANDIDATES).map(toCandidate),
    more: matches.length > MAX_CANDIDATES || truncated,
  };
}

export async function retrievePatient(context: ToolContext, patientId: string): Promise<Patient> {
  try {
    return await context.api.patients.retrieve(context.practice.id, patientId, { signal: context.signal });
  } catch (error) {
    // The API answers 404 for "missing" and "another practice's patient" alike (L6397).
    if (error instanceof NotFound) {
      throw new ToolInputError(
        `No patient with id ${patientId} at ${shownPlace(context.practice.name)}. Search by name instead.`,
      );
    }
    throw error;
  }
}

export interface PatientSearch {
  /** Full name (or preferred + last name) exactly as asked. */
  exact: Patient[];
  /** The other matches, in the API's order. */
  partial: Patient[];
  truncated: boolean;
}

/** Patients matching a name and/or phone, narrowed by date of birth; none is an input error. */
export async function searchPatients(context: ToolContext, query: PatientQuery): Promise<PatientSearch> {
  const dob = query.date_of_birth;
  const result = await context.api.patients.search(
    context.practice.id,
    {
      ...(query.name ? { search: query.name } : {}),
      ...(query.phone ? { phone: query.phone } : {}),
      ...(dob ? { postFilter: (p: Patient) => p.date_of_birth === dob } : {}),
      limit: 50,
    },
    { signal: context.signal },
  );
  const { exact, partial } = splitByName(result.patients, query.name);
  if (exact.length + partial.length === 0) {
    const what = [
      query.name && `named "${query.name}"`,
      dob && `born ${dob}`,
      query.phone && `with phone ${query.phone}`,
    ]
      .filter(Boolean)
      .join(', ');
    if (result.incomplete) {
      // Not "no such patient": the API's list ended before all of it could be read.
      throw new UnverifiableAnswerError(
        `Escape Dental's patient list ended before all of it could be read, so the patient may exist even though none ${what} was among those it sent. Try again later, or search with the phone number or another spelling.`,
      );
    }
    throw new ToolInputError(
      `No patient ${what} at ${shownPlace(context.practice.name)}. Check the spelling, or search with fewer details.`,
    );
  }
  return { exact, partial, truncated: result.truncated };
}

export interface VisitSummary {
  /** Practice-local date of the latest completed visit. */
  lastVisit?: { date: string; type?: string };
  /** The earliest scheduled appointment from now on. */
  nextVisit?: { appointmentId: string; start: string; providerId?: string; type?: string };
  /**
   * Why the visits are not known (some appointment records could not be read): then neither
   * "no visit" nor the visits found may be stated, since a missing record could change them.
   */
  unreadable?: string;
}

// "Visits" are complete / ready_for_walkout appointments (T9, patient-list visit filters).
const VISIT_STATUSES = new Set(['complete', 'ready_for_walkout']);
const VISIT_LOOKBACK_EVENTS = 40;

/**
 * The last and next visit from the patient's timeline (appointments only, newest first): the API
 * has no patient-scoped appointment list (T22), and the timeline is one request per patient.
 */
export async function visitsOf(context: ToolContext, patientId: string): Promise<VisitSummary> {
  const zone = context.practice.timezone;
  const nowMs = context.now().getTime();
  const timeline = await context.api.clinical.timeline(
    context.practice.id,
    patientId,
    { eventTypes: ['appointment'], limit: VISIT_LOOKBACK_EVENTS },
    { signal: context.signal },
  );
  const [skipped] = timeline.skipped;
  if (skipped) return { unreadable: `${skipped.reason.summary}.` };
  const summary: VisitSummary = {};
  let nextMs = Number.POSITIVE_INFINITY;
  for (const event of timeline.events) {
    const data = event.data;
    const when = typeof data.date_time === 'string' ? data.date_time : event.date;
    const status = typeof data.status === 'string' ? data.status : undefined;
    let startMs: number;
    try {
      startMs = parseInstantMs(when ?? '', zone);
    } catch {
      return { unreadable: `Escape Dental sent an unusable date_time for appointment ${event.id ?? '(no id)'}.` };
    }
    if (status === undefined || !(APPOINTMENT_STATUSES as readonly string[]).includes(status)) {
      return { unreadable: `Escape Dental sent an unusable status for appointment ${event.id ?? '(no id)'}.` };
    }
    const type = typeof data.appointment_type === 'string' && data.appointment_type ? data.appointment_type : undefined;
    const id = typeof data.id === 'string' ? data.id : event.id;
    if (status === 'scheduled' && startMs >= nowMs && startMs < nextMs && id) {
      nextMs = startMs;
      summary.nextVisit = {
        appointmentId: id,
        start: toPracticeIso(startMs, zone),
        ...(typeof data.provider === 'string' ? { providerId: data.provider } : {}),
        ...(type ? { type } : {}),
      };
    }
    if (VISIT_STATUSES.has(status) && startMs <= nowMs) {
      const date = instantToLocalDate(startMs, zone);
      if (!summary.lastVisit || date > summary.lastVisit.date) summary.lastVisit = { date, ...(type ? { type } : {}) };
    }
  }
  return summary;
}

export function patientName(patient: Patient): string {
  const first = patient.first_name ?? '';
  const preferred = patient.preferred_name && patient.preferred_name !== first ? ` (${patient.preferred_name})` : '';
  return `${first}${preferred} ${patient.last_name ?? ''}`.trim() || patient.id;
}

/** The patient's name as it appears in a tool's text (free-text.ts `shownName`); the id when there is no name. */
export function patientNameText(patient: Patient): string {
  const name = `${patient.first_name ?? ''} ${patient.preferred_name ?? ''} ${patient.last_name ?? ''}`.trim();
  return (name && shownName(patientName(patient))) || `patient ${patient.id}`;
}

function toCandidate(patient: Patient): Candidate {
  const phone = normalizePhoneDigits(reachPhone(patient));
  return {
    id: patient.id,
    name: patientName(patient),
    ...(patient.date_of_birth ? { date_of_birth: patient.date_of_birth } : {}),
    ...(phone.length >= 4 ? { phone_last4: phone.slice(-4) } : {}),
    ...(patient.status ? { status: patient.status } : {}),
  };
}

/** Patients whose full name is exactly the one asked for, and the rest (in the API's order). */
function splitByName(patients: readonly Patient[], name: string | undefined): { exact: Patient[]; partial: Patient[] } {
  if (!name) return { exact: [], partial: [...patients] };
  const wanted = foldForMatch(name);
  const exact = (p: Patient) =>
    [
      `${p.first_name ?? ''} ${p.last_name ?? ''}`,
      `${p.preferred_name ?? ''} ${p.last_name ?? ''}`,
      `${p.last_name ?? ''} ${p.first_name ?? ''}`,
    ]
      .map(foldForMatch)
      .includes(wanted);
  return { exact: patients.filter(exact), partial: patients.filter((p) => !exact(p)) };
}

export function describeCandidates(candidates: readonly Candidate[], more: boolean): string {
  const lines = candidates.map(
    (c) =>
      `- ${shownName(c.name) ?? 'no name'}${c.date_of_birth ? `, born ${shownCode('date of birth', c.date_of_birth)}` : ''}${c.phone_last4 ? `, phone …${c.phone_last4}` : ''}${c.status && c.status !== 'active' ? ` (${shownCode('status', c.status)})` : ''} — id ${c.id}`,
  );
  if (more) lines.push('- …and more: add the date of birth or phone to narrow it down.');
  return lines.join('\n');
}
