/**
 * Appointments: the list, one appointment, the day sheet, validation and the writes (scheduling
 * digest §9).
 *
 * - UUID filters the spec types as "integer PK" (T1, C-T2) are sent, but results are always
 *   post-filtered; a 400 for such a filter drops it (results filtered here, with a warning).
 * - The appointment list is widened by one day each side and re-filtered by practice-local date
 *   (T8); `provider` matches the primary provider only (T26).
 * - Writes validate inputs, require offset datetimes (L226), never send allow_overbooking /
 *   skip_validation (T27), change status only through /transition/, and are never retried.
 */

import type { LocalDate } from '../../domain/dates.js';
import {
  addDays,
  instantToLocalDate,
  parseInstant,
  parseInstantMs,
  parseLocalDate,
  toPracticeIso,
  validateDateRange,
} from '../../domain/dates.js';
import { parseBody } from '../client.js';
import { noteLeftOut } from '../divergence.js';
import { ArgumentError, BadRequest, describeShape, InvalidResponse, UnrecognizedShape } from '../errors.js';
import { iteratePages, listNoun, rowIdentity, type WalkOutcome } from '../pagination.js';
import { dateParamsFor, endpointLabel, sameId } from '../paths.js';
import type {
  Appointment,
  AppointmentCreateInput,
  AppointmentListParams,
  AppointmentListResult,
  AppointmentWriteInput,
  CallOptions,
  TransitionInput,
  ValidateAppointmentInput,
  ValidationResult,
} from '../port.js';
import { Appointment as AppointmentSchema, DaySheet } from '../schemas.js';
import type { ResourceContext } from './context.js';

export const APPOINTMENT_STATUSES = [
  'scheduled',
  'arrived',
  'seated',
  'ready_for_doctor',
  'ready_for_walkout',
  'complete',
  'broken',
  'cancelled',
  'unscheduled',
  'planned',
  'other',
  'note',
] as const;

const APPOINTMENT_NOUN = listNoun('scheduling.appointmentList');

export function assertDuration(minutes: number): void {
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 480) {
    throw new ArgumentError('duration_minutes must be a whole number of minutes between 1 and 480.');
  }
}

/** Whether a 400 complains about one of the named filters (int-strict ids, T1). */
export function rejectsFilter(error: unknown, fields: readonly string[]): string[] {
  if (!(error instanceof BadRequest)) return [];
  return fields.filter((f) => error.hasField(f));
}

/** date_time re-rendered with the practice offset (same instant): the datetimes=utc quirk (T8). */
export function normalizeAppointment(appointment: Appointment, zone: string): Appointment {
  if (typeof appointment.date_time !== 'string') return appointment;
  try {
    return { ...appointment, date_time: toPracticeIso(parseInstantMs(appointment.date_time, zone), zone) };
  } catch {
    return appointment;
  }
}

export interface AppointmentsPort {
  listAppointments(
    practiceId: string,
    params: AppointmentListParams,
    options?: CallOptions,
  ): Promise<AppointmentListResult>;
  getAppointment(practiceId: string, appointmentId: string, options?: CallOptions): Promise<Appointment>;
  /** Never retried blindly; never sends allow_overbooking/skip_validation (T27). */
  createAppointment(practiceId: string, input: AppointmentCreateInput, options?: CallOptions): Promise<Appointment>;
  /** PATCH without `status` (status changes go through transition). */
  updateAppointment(
    practiceId: string,
    appointmentId: string,
    input: AppointmentWriteInput,
    options?: CallOptions,
  ): Promise<Appointment>;
  transitionAppointment(
    practiceId: string,
    appointmentId: string,
    input: TransitionInput,
    options?: CallOptions,
  ): Promise<Appointment>;
  validateAppointment(
    practiceId: string,
    input: ValidateAppointmentInput,
    options?: CallOptions,
  ): Promise<ValidationResult>;
  daySheet(
    practiceId: string,
    date: LocalDate,
    params?: { includeHidden?: boolean },
    options?: CallOptions,
  ): Promise<DaySheet>;
  /**
   * Every appointment of one practice-local day, from the day sheet: one answer, no pages and no
   * filters to be ignored, so it is whole where the appointment list may not be. Rows of another
   * day are left out.
   */
  appointmentsOnDay(practiceId: string, date: LocalDate, options?: CallOptions): Promise<Appointment[]>;
}

export function createAppointmentResources(ctx: ResourceContext): AppointmentsPort {
  const { client } = ctx;

  async function listAppointments(
    practiceId: string,
    params: AppointmentListParams,
    options?: CallOptions,
  ): Promise<AppointmentListResult> {
    const range = validateDateRange(params.range, { label: 'date range' });
    const zone = await ctx.timezone(practiceId, options);
    const limit = params.limit ?? 500;
    const status = params.status === 'no_show' ? 'broken' : params.status;
    if (status !== undefined && !(APPOINTMENT_STATUSES as readonly string[]).includes(status)) {
      throw new ArgumentError(`Unknown appointment status "${status}".`);
    }
    const warnings: string[] = [];
    const dropped = new Set<string>();
    // T8: `from`/`to` compare against a date whose zone the spec does not state: ask for one
    // more day each side and keep rows whose practice-local date is in range.
    const wide = { from: addDays(range.from, -1), to: addDays(range.to, 1) };
    const sendProvider = params.providerId !== undefined && !params.includeHygienist;

    /** Rows the API sent although they miss what was asked (it ignored a filter): counted, then said. */
    const leftOut = {
      dates: [] as string[],
      patient: [] as string[],
      provider: [] as string[],
      status: [] as string[],
    };
    const matches = (a: Appointment): boolean => {
      if (typeof a.date_time !== 'string') return false;
      let localDate: string;
      try {
        localDate = instantToLocalDate(parseInstantMs(a.date_time, zone), zone);
      } catch {
        return false;
      }
      if (localDate < range.from || localDate > range.to) {
        if (localDate < wide.from || localDate > wide.to) leftOut.dates.push(rowIdentity(a));
        return false;
      }
      if (params.patientId !== undefined && !sameId(a.patient ?? '', params.patientId)) {
        if (!dropped.has('patient')) leftOut.patient.push(rowIdentity(a));
        return false;
      }
      if (params.providerId !== undefined) {
        const primary = a.provider === params.providerId;
        const hygienist = params.includeHygienist === true && a.provider_hygienist === params.providerId;
        if (!primary && !hygienist) {
          if (sendProvider && !dropped.has('provider')) leftOut.provider.push(rowIdentity(a));
          return false;
        }
      }
      if (status !== undefined && a.status !== status) {
        leftOut.status.push(rowIdentity(a));
        return false;
      }
      return true;
    };

    for (;;) {
      const found: Appointment[] = [];
      let truncated = false;
      Object.assign(leftOut, { dates: [], patient: [], provider: [], status: [] });
      try {
        const walk: WalkOutcome = {};
        const pages = iteratePages(client, {
          outcome: walk,
          operation: 'scheduling.appointmentList',
          params: { practice: practiceId },
          query: {
            ...dateParamsFor('scheduling.appointmentList', wide),
            status,
            patient: params.patientId !== undefined && !dropped.has('patient') ? params.patientId : undefined,
            provider: sendProvider && !dropped.has('provider') ? params.providerId : undefined,
          },
          signal: options?.signal,
        });
        let pageCount = 0;
        for await (const page of pages) {
          pageCount += 1;
          for (const row of page.rows) {
            const appointment = parseBody(AppointmentSchema, row, 'scheduling.appointmentList');
            if (matches(appointment)) found.push(normalizeAppointment(appointment, zone));
          }
          if (found.length > limit) {
            truncated = true;
            break;
          }
        }
        // A walk that ended short of the API's own count (pages repeated, a count the rows never
        // reach) may have missed appointments: whoever reads the list must not take it as whole.
        if (pageCount >= client.maxPages || walk.complete === false) truncated = true;
      } catch (error) {
        const rejected = rejectsFilter(error, ['patient', 'provider']).filter((f) => !dropped.has(f));
        if (rejected.length === 0) throw error;
        for (const f of rejected) {
          dropped.add(f);
          warnings.push(
            `The API did not accept the ${f} filter (it expects internal integer ids); appointments were filtered here instead.`,
          );
        }
        continue;
      }
      found.sort((a, b) => Date.parse(a.date_time ?? '') - Date.parse(b.date_time ?? '') || a.id.localeCompare(b.id));
      noteLeftOut(APPOINTMENT_NOUN, leftOut.dates, `dated outside the ${range.from} to ${range.to} asked for`);
      noteLeftOut(APPOINTMENT_NOUN, leftOut.patient, 'of another patient than asked');
      noteLeftOut(APPOINTMENT_NOUN, leftOut.provider, 'of another provider than asked');
      noteLeftOut(APPOINTMENT_NOUN, leftOut.status, 'of another status than asked');
      return { appointments: found.slice(0, limit), truncated, warnings };
    }
  }

  async function getAppointment(
    practiceId: string,
    appointmentId: string,
    options?: CallOptions,
  ): Promise<Appointment> {
    const zone = await ctx.timezone(practiceId, options);
    const appointment = await client.requestJson(
      {
        operation: 'scheduling.appointmentRetrieve',
        params: { practice: practiceId, appointment: appointmentId },
        signal: options?.signal,
      },
      AppointmentSchema,
    );
    // Another appointment in answer to this id is never read as this one (a write's re-read included).
    if (!sameId(appointment.id, appointmentId)) {
      throw new InvalidResponse(
        `Escape Dental answered with appointment ${appointment.id} when asked for appointment ${appointmentId}; it is not used. Check the appointment in Escape Dental, or try again.`,
        { operation: 'scheduling.appointmentRetrieve' },
      );
    }
    return normalizeAppointment(appointment, zone);
  }

  async function createAppointment(
    practiceId: string,
    input: AppointmentCreateInput,
    options?: CallOptions,
  ): Promise<Appointment> {
    const body = writeBody(input, true);
    const zone = await ctx.timezone(practiceId, options);
    const res = await client.request({
      operation: 'scheduling.appointmentCreate',
      params: { practice: practiceId },
      body,
      signal: options?.signal,
    });
    return readWriteResponse(res.body, zone, 'scheduling.appointmentCreate');
  }

  async function updateAppointment(
    practiceId: string,
    appointmentId: string,
    input: AppointmentWriteInput,
    options?: CallOptions,
  ): Promise<Appointment> {
    const body = writeBody(input, false);
    const zone = await ctx.timezone(practiceId, options);
    const res = await client.request({
      operation: 'scheduling.appointmentUpdate',
      params: { practice: practiceId, appointment: appointmentId },
      body,
      signal: options?.signal,
    });
    return readWriteResponse(res.body, zone, 'scheduling.appointmentUpdate');
  }

  async function transitionAppointment(
    practiceId: string,
    appointmentId: string,
    input: TransitionInput,
    options?: CallOptions,
  ): Promise<Appointment> {
    // T9: `no_show` is only a list-filter alias; the transition enum says `broken`.
    const status = input.status === 'no_show' ? 'broken' : input.status;
    if (!(APPOINTMENT_STATUSES as readonly string[]).includes(status)) {
      throw new ArgumentError(`Unknown appointment status "${input.status}".`);
    }
    const zone = await ctx.timezone(practiceId, options);
    const res = await client.request({
      operation: 'scheduling.appointmentTransition',
      params: { practice: practiceId, appointment: appointmentId },
      body: { status, note: (input.note ?? '').slice(0, 2000) },
      signal: options?.signal,
    });
    const parsed = AppointmentSchema.safeParse(res.body);
    if (parsed.success) return normalizeAppointment(parsed.data, zone);
    // The spec promises the full appointment (L583); if the answer is an echo, re-read it.
    return getAppointment(practiceId, appointmentId, options);
  }

  async function validateAppointment(
    practiceId: string,
    input: ValidateAppointmentInput,
    options?: CallOptions,
  ): Promise<ValidationResult> {
    assertDuration(input.duration_minutes);
    requireOffset(input.date_time);
    const res = await client.request({
      operation: 'scheduling.validateAppointment',
      params: { practice: practiceId },
      body: {
        date_time: input.date_time,
        duration_minutes: input.duration_minutes,
        operatory: input.operatory ?? null,
        provider: input.provider ?? null,
        ...(input.exclude_appointment ? { exclude_appointment: input.exclude_appointment } : {}),
      },
      // Validation persists nothing ("Returns scheduling issues without persisting anything",
      // L1255), so repeating it is safe.
      idempotent: true,
      signal: options?.signal,
    });
    return parseValidation(res.body);
  }

  async function daySheet(
    practiceId: string,
    date: string,
    params: { includeHidden?: boolean } = {},
    options?: CallOptions,
  ) {
    return client.requestJson(
      {
        operation: 'scheduling.daySheet',
        params: { practice: practiceId },
        query: { date: parseLocalDate(date), include_hidden: params.includeHidden ? true : undefined },
        signal: options?.signal,
      },
      DaySheet,
    );
  }

  async function appointmentsOnDay(practiceId: string, date: string, options?: CallOptions): Promise<Appointment[]> {
    const day = parseLocalDate(date);
    const zone = await ctx.timezone(practiceId, options);
    const sheet = await daySheet(practiceId, day, {}, options);
    if (!Array.isArray(sheet.appointments)) {
      throw new UnrecognizedShape(endpointLabel('scheduling.daySheet'), describeShape(sheet), {
        operation: 'scheduling.daySheet',
      });
    }
    const onDay: Appointment[] = [];
    for (const row of sheet.appointments) {
      const appointment = normalizeAppointment(parseBody(AppointmentSchema, row, 'scheduling.daySheet'), zone);
      if (typeof appointment.date_time !== 'string') continue;
      if (instantToLocalDate(parseInstantMs(appointment.date_time, zone), zone) === day) onDay.push(appointment);
    }
    return onDay;
  }

  return {
    appointmentsOnDay,
    listAppointments,
    getAppointment,
    createAppointment,
    updateAppointment,
    transitionAppointment,
    validateAppointment,
    daySheet,
  };
}

function requireOffset(dateTime: string): void {
  // L226: "date_time MUST be an ISO 8601 string with a timezone offset".
  parseInstant(dateTime);
}

const WRITABLE_FIELDS = [
  'patient',
  'provider',
  'provider_hygienist',
  'operatory',
  'date_time',
  'duration_minutes',
  'appointment_type',
  'procedure_description',
  'note',
  'is_new_patient',
  'is_hygiene',
  'confirmed_status',
  'scheduled_procedures',
] as const;

/** Builds a write body from the allow-listed fields only (T27: never the overbooking flags or status). */
export function writeBody(input: AppointmentWriteInput, creating: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const key of WRITABLE_FIELDS) {
    const value = input[key];
    if (value !== undefined) body[key] = value;
  }
  if (creating) {
    if (typeof body.patient !== 'string' || body.patient === '')
      throw new ArgumentError('A patient is required to book.');
    if (typeof body.date_time !== 'string') throw new ArgumentError('date_time is required to book.');
    if (typeof body.duration_minutes !== 'number') throw new ArgumentError('duration_minutes is required to book.');
  }
  if (typeof body.date_time === 'string') requireOffset(body.date_time);
  if (body.duration_minutes !== undefined) assertDuration(body.duration_minutes as number);
  if (typeof body.confirmed_status === 'string') body.confirmed_status = body.confirmed_status.toLowerCase();
  if (Object.keys(body).length === 0) throw new ArgumentError('Nothing to change.');
  return body;
}

function readWriteResponse(body: unknown, zone: string, operation: string): Appointment {
  const parsed = AppointmentSchema.safeParse(body);
  if (parsed.success) return normalizeAppointment(parsed.data, zone);
  throw new InvalidResponse(
    'Escape Dental accepted the change but its answer could not be read. Check the schedule before trying again.',
    { operation },
  );
}

export function parseValidation(body: unknown): ValidationResult {
  const obj =
    body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const rawIssues = Array.isArray(obj.issues) ? obj.issues : Array.isArray(obj.errors) ? obj.errors : [];
  const issues = rawIssues.map((i) => {
    if (typeof i === 'string') return { code: null, severity: null, message: i.slice(0, 300) };
    const o = i !== null && typeof i === 'object' ? (i as Record<string, unknown>) : {};
    return {
      code: typeof o.code === 'string' ? o.code : null,
      severity: typeof o.severity === 'string' ? o.severity : null,
      message: typeof o.message === 'string' ? o.message.slice(0, 300) : null,
    };
  });
  if (typeof obj.valid === 'boolean') return { valid: obj.valid, issues };
  if (typeof obj.available === 'boolean') return { valid: obj.available, issues };
  if (!('valid' in obj) && rawIssues.length === 0 && Object.keys(obj).length === 0) {
    throw new InvalidResponse('The Escape Dental validation answer could not be read.', {
      operation: 'scheduling.validateAppointment',
    });
  }
  // No explicit verdict: valid unless an issue is an error (warnings alone do not block).
  return { valid: !issues.some((i) => i.severity === null || i.severity === 'error'), issues };
}
