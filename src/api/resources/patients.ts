/**
 * Patient lookup (§9 step 5) and the clinical timeline (§6.1, §9 step 6).
 *
 * The patient list's `search` and `phone` semantics are truncated in the spec (T21), so every row
 * is re-checked here: names token by token (diacritic-insensitive), phones on normalised digits.
 * A multi-token name that finds nothing upstream is retried with its longest token. The timeline
 * has no date filters (T29): it is walked newest-first until past `since`.
 */
import { instantToLocalDate, isLocalDate, type LocalDate, parseInstantMs, parseLocalDate } from '../../domain/dates.js';
import {
  normalizePersonName,
  normalizePhoneDigits,
  patientNameMatches,
  phoneMatches,
  sanitizeUserText,
} from '../../domain/names.js';
import { parseBody } from '../client.js';
import { noteLeftOut } from '../divergence.js';
import { ArgumentError, describeShape, InvalidResponse, UnrecognizedShape, UnusableUpstreamValue } from '../errors.js';
import { iteratePages, listNoun, rowIdentity, type WalkOutcome } from '../pagination.js';
import { endpointLabel, sameId } from '../paths.js';
import {
  type CallOptions,
  type Patient,
  type PatientSearchParams,
  type PatientSearchResult,
  TIMELINE_EVENT_TYPES,
  type TimelineEvent,
  type TimelineEventType,
  type TimelineParams,
  type TimelineResult,
} from '../port.js';
import { Patient as PatientSchema } from '../schemas.js';
import type { ResourceContext } from './context.js';

const PATIENT_STATUSES = ['active', 'inactive', 'archived', 'deceased', 'prospective'];
const PATIENT_NOUN = listNoun('patients.list');
const EVENT_NOUN = listNoun('clinical.timeline');

/**
 * Whether a row could be an answer to `search=` at all: every word of it appears somewhere in the
 * row (the search semantics are truncated in the spec, T21, so this is deliberately loose).
 */
function mentionsEveryWord(row: unknown, search: string): boolean {
  const text = JSON.stringify(row).toLowerCase();
  const digits = text.replace(/\D/g, '');
  return search
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => text.includes(word) || (/^\d+$/.test(word) && digits.includes(word)));
}

function hasPhoneDigits(patient: Patient, digits: string): boolean {
  return [patient.phone_mobile, patient.phone_home, patient.phone_work].some((phone) =>
    normalizePhoneDigits(phone ?? '').includes(digits),
  );
}
/** Pages (of 100) read when a name is only found by accent-insensitive matching. */
const FOLDED_SCAN_PAGES = 30;

export interface PatientsPort {
  search(practiceId: string, params: PatientSearchParams, options?: CallOptions): Promise<PatientSearchResult>;
  retrieve(practiceId: string, patientId: string, options?: CallOptions): Promise<Patient>;
}

export interface ClinicalPort {
  timeline(
    practiceId: string,
    patientId: string,
    params?: TimelineParams,
    options?: CallOptions,
  ): Promise<TimelineResult>;
}

export function createPatientResources(ctx: ResourceContext): PatientsPort {
  const { client } = ctx;

  async function scan(
    practiceId: string,
    query: Record<string, string | undefined>,
    accept: (p: Patient) => boolean,
    limit: number,
    signal: AbortSignal | undefined,
    maxPages = client.maxPages,
  ): Promise<{ patients: Patient[]; truncated: boolean; hitCap: boolean; incomplete: boolean }> {
    const patients: Patient[] = [];
    const seen = new Set<string>();
    let truncated = false;
    let pages = 0;
    let more = false;
    let fetched = 0;
    const outcome: WalkOutcome = {};
    const leftOut = { status: [] as string[], search: [] as string[], phone: [] as string[] };
    for await (const page of iteratePages(client, {
      operation: 'patients.list',
      params: { practice: practiceId },
      query,
      signal,
      maxPages,
      outcome,
    })) {
      pages += 1;
      fetched += page.rows.length;
      more = page.count !== undefined ? page.count > fetched : page.rows.length >= 100;
      for (const row of page.rows) {
        const p = parseBody(PatientSchema, row, 'patients.list');
        // Rows the API should not have sent for the filters asked (it ignored them): left out, and said.
        if (query.status !== undefined && p.status !== query.status) leftOut.status.push(p.id);
        else if (query.search !== undefined && !mentionsEveryWord(row, query.search)) leftOut.search.push(p.id);
        else if (query.phone !== undefined && !hasPhoneDigits(p, query.phone)) leftOut.phone.push(p.id);
        else if (!seen.has(p.id) && accept(p)) {
          seen.add(p.id);
          patients.push(p);
        }
      }
      if (patients.length > limit) {
        truncated = true;
        break;
      }
    }
    noteLeftOut(PATIENT_NOUN, leftOut.status, 'of another status than asked');
    noteLeftOut(PATIENT_NOUN, leftOut.search, 'that do not match the search');
    noteLeftOut(PATIENT_NOUN, leftOut.phone, 'whose phone numbers do not contain the digits searched for');
    const hitCap = pages >= maxPages && more;
    if (hitCap) truncated = true;
    return {
      patients: patients.slice(0, limit),
      truncated: truncated || patients.length > limit,
      hitCap,
      incomplete: outcome.complete === false,
    };
  }

  async function search(
    practiceId: string,
    params: PatientSearchParams,
    options?: CallOptions,
  ): Promise<PatientSearchResult> {
    const limit = Math.max(1, Math.min(params.limit ?? 50, 500));
    const warnings: string[] = [];
    if (params.status !== undefined && !PATIENT_STATUSES.includes(params.status)) {
      throw new ArgumentError(`Unknown patient status "${params.status}".`);
    }
    const text =
      params.search === undefined ? '' : sanitizeUserText(params.search, { maxLength: 100, label: 'search' });
    const phoneDigits = params.phone === undefined ? '' : normalizePhoneDigits(params.phone);
    if (text === '' && phoneDigits === '') throw new ArgumentError('Give a name or a phone number to search for.');
    if (params.phone !== undefined && phoneDigits.length < 4)
      throw new ArgumentError('A phone search needs at least 4 digits.');

    const statusOk = (p: Patient): boolean => params.status === undefined || p.status === params.status;
    const extra = params.postFilter ?? (() => true);
    const signal = options?.signal;

    if (phoneDigits !== '') {
      const accept = (p: Patient): boolean =>
        statusOk(p) &&
        [p.phone_mobile, p.phone_home, p.phone_work].some((stored) => phoneMatches(phoneDigits, stored)) &&
        (text === '' || patientNameMatches(p, text)) &&
        extra(p);
      let result = await scan(practiceId, { phone: phoneDigits, status: params.status }, accept, limit, signal);
      if (result.patients.length === 0) {
        // §9 step 5: try `phone=`, then `search=` with the digits.
        result = await scan(practiceId, { search: phoneDigits, status: params.status }, accept, limit, signal);
      }
      return { patients: result.patients, truncated: result.truncated, incomplete: result.incomplete, warnings };
    }

    const name = normalizePersonName(text);
    const looksLikeEmail = text.includes('@');
    const accept = (p: Patient): boolean =>
      statusOk(p) &&
      (looksLikeEmail ? (p.email ?? '').toLowerCase() === text.toLowerCase() : patientNameMatches(p, name)) &&
      extra(p);
    // The upstream search is a plain case-insensitive substring match without accent folding
    // (T21): try the text as typed, then its accent-folded form, then the longest word alone.
    const words = text.replace(/,/g, ' ').toLowerCase().split(/\s+/).filter(Boolean);
    const longest = (list: string[]) => [...list].sort((a, b) => b.length - a.length)[0] ?? '';
    const attempts = looksLikeEmail
      ? [text]
      : [...new Set([words.join(' '), name.tokens.join(' '), longest(words), longest(name.tokens)])].filter(
          (q) => q !== '',
        );
    let incomplete = false;
    for (const q of attempts) {
      const result = await scan(practiceId, { search: q, status: params.status }, accept, limit, signal);
      if (result.patients.length > 0) {
        return { patients: result.patients, truncated: result.truncated, incomplete: result.incomplete, warnings };
      }
      incomplete ||= result.incomplete;
    }
    if (looksLikeEmail) return { patients: [], truncated: false, incomplete, warnings };
    // Nothing matched upstream: "Nunez" never finds "Núñez" there. Check the list here, bounded.
    const scanned = await scan(practiceId, { status: params.status }, accept, limit, signal, FOLDED_SCAN_PAGES);
    if (scanned.hitCap) {
      warnings.push(
        `Only the first ${FOLDED_SCAN_PAGES * 100} patients were checked for spellings without accents; use a phone number or date of birth to narrow the search.`,
      );
    }
    return {
      patients: scanned.patients,
      truncated: scanned.truncated,
      incomplete: incomplete || scanned.incomplete,
      warnings,
    };
  }

  async function retrieve(practiceId: string, patientId: string, options?: CallOptions): Promise<Patient> {
    const patient = await client.requestJson(
      { operation: 'patients.retrieve', params: { practice: practiceId, patient: patientId }, signal: options?.signal },
      PatientSchema,
    );
    // Another patient's record in answer to this id is never shown as this patient's.
    if (!sameId(patient.id, patientId)) {
      throw new InvalidResponse(
        `Escape Dental answered with the record of patient ${patient.id} when asked for patient ${patientId}; it is not shown. Try again, or look the patient up by name.`,
        { operation: 'patients.retrieve' },
      );
    }
    return patient;
  }

  return { search, retrieve };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function str(...values: unknown[]): string | null {
  for (const v of values) {
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  }
  return null;
}

/** Where a source row keeps its date, in the order the timeline sorts by (§8.8, [inference]). */
const SOURCE_DATE_KEYS: Record<TimelineEventType, readonly string[]> = {
  procedure: ['date_complete', 'proc_date', 'created'],
  note: ['note_date', 'created'],
  perio_exam: ['exam_date'],
  treatment_plan: ['date_created', 'created'],
  imaging: ['exam_date'],
  communication: ['date_time'],
  appointment: ['date_time'],
};
const ENVELOPE_DATE_KEYS = ['date', 'timestamp', 'occurred_at'] as const;
const PAYLOAD_KEYS = ['data', 'object'] as const;

export type TimelineRowReading =
  | { kind: 'event'; event: TimelineEvent }
  /** `eventType`: the row's type as sent, when it is a string (known or not). */
  | { kind: 'unusable'; field: string; value: unknown; eventType: string | undefined; id: string | null };

function localDateOf(value: string, zone: string): LocalDate | null {
  if (isLocalDate(value)) return value;
  try {
    return instantToLocalDate(parseInstantMs(value, zone), zone);
  } catch {
    return null;
  }
}

/**
 * Reads one timeline row (no documented schema, T11). Exactly these shapes are read:
 * - the envelope `{event_type, id, date, title, data: {source row}}` (§8.8);
 * - `{kind | type, id, timestamp | occurred_at, summary, object: {source row}}`;
 * - the source row itself with an `event_type` (flat), dated by its own fields (§8.8 sort keys).
 * A row in any other shape throws UnrecognizedShape (the whole answer is refused); a row of a
 * known shape with an unusable type or date is reported `unusable` (that row is left out).
 */
export function readTimelineRow(row: unknown, zone: string): TimelineRowReading {
  const refuse = (): never => {
    throw new UnrecognizedShape(endpointLabel('clinical.timeline'), describeShape(row), {
      operation: 'clinical.timeline',
    });
  };
  if (!isObject(row)) return refuse();
  // `event_type` first: a flat source row may carry a `type` of its own.
  const typeKey =
    row.event_type !== undefined
      ? 'event_type'
      : row.kind !== undefined
        ? 'kind'
        : row.type !== undefined
          ? 'type'
          : undefined;
  if (typeKey === undefined) return refuse();
  const payloadKeys = PAYLOAD_KEYS.filter((k) => row[k] !== undefined && row[k] !== null);
  if (payloadKeys.length > 1 || (payloadKeys.length === 1 && !isObject(row[payloadKeys[0] as string]))) return refuse();
  const data = payloadKeys.length === 1 ? (row[payloadKeys[0] as string] as Record<string, unknown>) : row;
  const id = str(row.id, data.id);
  const rawType = row[typeKey];
  const sentType = typeof rawType === 'string' ? rawType : undefined;
  if (sentType === undefined || !(TIMELINE_EVENT_TYPES as readonly string[]).includes(sentType)) {
    return { kind: 'unusable', field: typeKey, value: rawType, eventType: sentType, id };
  }
  const eventType = rawType as TimelineEventType;
  const envelopeKey = ENVELOPE_DATE_KEYS.find((k) => row[k] !== undefined && row[k] !== null);
  let dateKey: string;
  let date: unknown;
  if (envelopeKey !== undefined) {
    dateKey = envelopeKey;
    date = row[envelopeKey];
  } else {
    const keys = SOURCE_DATE_KEYS[eventType];
    dateKey = keys.find((k) => data[k] !== undefined && data[k] !== null) ?? (keys[0] as string);
    date = data[dateKey];
  }
  const localDate = typeof date === 'string' ? localDateOf(date.trim(), zone) : null;
  if (localDate === null || typeof date !== 'string') {
    return { kind: 'unusable', field: dateKey, value: date, eventType, id };
  }
  return {
    kind: 'event',
    event: {
      eventType,
      id,
      date: date.trim(),
      localDate,
      title: (str(row.title, row.summary) ?? eventType).slice(0, 300),
      data,
    },
  };
}

export function createClinicalResources(ctx: ResourceContext): ClinicalPort {
  const { client } = ctx;

  async function timeline(
    practiceId: string,
    patientId: string,
    params: TimelineParams = {},
    options?: CallOptions,
  ): Promise<TimelineResult> {
    const types = params.eventTypes ? [...new Set(params.eventTypes)] : [];
    for (const t of types) {
      if (!(TIMELINE_EVENT_TYPES as readonly string[]).includes(t)) {
        throw new ArgumentError(`Unknown timeline event type "${t}". Use one of: ${TIMELINE_EVENT_TYPES.join(', ')}.`);
      }
    }
    const since = params.since === undefined ? undefined : parseLocalDate(params.since, 'since date');
    const until = params.until === undefined ? undefined : parseLocalDate(params.until, 'until date');
    if (since !== undefined && until !== undefined && until < since)
      throw new ArgumentError('The "until" date is before "since".');
    const limit = Math.max(1, Math.min(params.limit ?? 100, 1000));
    const pageSize = Math.max(1, Math.min(params.pageSize ?? 200, 200));
    const zone = await ctx.timezone(practiceId, options);
    const warnings: string[] = [];
    const events: TimelineEvent[] = [];
    const skipped: Extract<TimelineRowReading, { kind: 'unusable' }>[] = [];
    let usable = 0;
    let ordered = true;
    let previous: string | null = null;
    let total: number | undefined;
    let truncated = false;
    let pastWindow = false;
    let pages = 0;
    const leftOut = { type: [] as string[], patient: [] as string[] };
    const iterator = iteratePages(client, {
      operation: 'clinical.timeline',
      params: { practice: practiceId, patient: patientId },
      query: { event_type: types.length > 0 ? types.join(',') : undefined },
      pageSize,
      signal: options?.signal,
    });
    for await (const page of iterator) {
      pages += 1;
      total = page.count ?? total;
      for (const row of page.rows) {
        const reading = readTimelineRow(row, zone);
        // The types asked for first: an unreadable row of another type (or of a type this server
        // does not know) is no gap in what was asked.
        const type = reading.kind === 'event' ? reading.event.eventType : reading.eventType;
        if (types.length > 0 && !types.includes(type as (typeof types)[number])) {
          leftOut.type.push(rowIdentity(row));
          continue;
        }
        if (reading.kind === 'unusable') {
          skipped.push(reading);
          continue;
        }
        const event = reading.event;
        usable += 1;
        const owner = str(event.data.patient, (row as Record<string, unknown>).patient);
        if (owner !== null && !sameId(owner, patientId)) {
          leftOut.patient.push(rowIdentity(row));
          continue;
        }
        if (event.localDate !== null) {
          if (previous !== null && event.localDate > previous) ordered = false;
          previous = event.localDate;
          if (since !== undefined && event.localDate < since) {
            pastWindow = true;
            continue;
          }
          if (until !== undefined && event.localDate > until) continue;
        } else if (since !== undefined || until !== undefined) {
          continue;
        }
        events.push(event);
      }
      if (events.length > limit) {
        truncated = true;
        break;
      }
      // Newest first (L2611): once a page reaches before `since`, older pages cannot match.
      if (pastWindow && ordered) break;
    }
    if (pages >= client.maxPages && !pastWindow) truncated = true;
    noteLeftOut(EVENT_NOUN, leftOut.type, 'of another type than asked');
    noteLeftOut(EVENT_NOUN, leftOut.patient, 'of another patient');
    if (!ordered) warnings.push('The timeline was not in date order; all of it was read to be safe.');
    const first = skipped[0];
    if (first !== undefined) {
      // Nothing readable at all: "nothing found" would be a wrong answer, not a partial one.
      if (usable === 0) {
        throw new UnusableUpstreamValue(
          first.field,
          `the patient's timeline entries (endpoint ${endpointLabel('clinical.timeline')})`,
          first.value,
          {
            operation: 'clinical.timeline',
          },
        );
      }
      const fields = [...new Set(skipped.map((s) => s.field))].join(', ');
      warnings.push(
        `${skipped.length} timeline ${skipped.length === 1 ? 'entry was' : 'entries were'} left out: Escape Dental sent an unusable ${fields} for ${skipped.length === 1 ? 'it' : 'them'}.`,
      );
    }
    return {
      events: events.slice(0, limit),
      truncated: truncated || events.length > limit,
      total,
      warnings,
      skipped: skipped.map(({ field, value, eventType, id }) => ({
        id,
        reason: new UnusableUpstreamValue(
          field,
          id === null ? 'a timeline entry' : `${eventType ?? 'timeline entry'} ${id}`,
          value,
          {
            operation: 'clinical.timeline',
          },
        ),
      })),
    };
  }

  return { timeline };
}
