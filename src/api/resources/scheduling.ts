/**
 * Scheduling: find-spot, available-slots, the appointment list and appointment reads/writes.
 *
 * Rules encoded here (scheduling digest §7, §9):
 * - find-spot always gets explicit start/end dates computed in practice time, a span of at most
 *   90 dates, max_results ≤ 50, and one window form only (T5, T6). Several windows go as
 *   `availability_windows`; a 400 rejecting that format falls back to one legacy request per
 *   window, merged and deduplicated.
 * - UUID filters the spec types as "integer PK" (T1, C-T2) are sent, but results are always
 *   post-filtered; a 400 for such a filter drops it (results filtered here, with a warning).
 * - The appointment list is widened by one day each side and re-filtered by practice-local date
 *   (T8); `provider` matches the primary provider only (T26).
 * - Writes validate inputs, require offset datetimes (L226), never send allow_overbooking /
 *   skip_validation (T27), change status only through /transition/, and are never retried.
 */
import {
  addDays,
  clampRange,
  instantToLocalDate,
  isoWeekday,
  isoWeekdayToFindSpotDay,
  parseInstant,
  parseInstantMs,
  parseLocalDate,
  todayIn,
  toPracticeIso,
  validateDateRange,
} from '../../domain/dates.js';
import { type StartWindow, startFitsWindows, validateStartWindow } from '../../domain/time-of-day.js';
import { parseBody, type QueryInit } from '../client.js';
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
  AvailableSlotsParams,
  AvailableSlotsResult,
  CallOptions,
  DateRange,
  EscapeApi,
  FindSpotParams,
  FindSpotResult,
  Slot,
  TransitionInput,
  ValidateAppointmentInput,
  ValidationResult,
} from '../port.js';
import { Appointment as AppointmentSchema, DaySheet } from '../schemas.js';
import type { ResourceContext } from './context.js';
import { parseSlots, sortAndDedupeSlots } from './slots.js';

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

/** find-spot caps (L723–730; ASSUMPTIONS §6): 90-day window, max_results ≤ 50. */
export const FIND_SPOT_MAX_DATES = 90;
export const FIND_SPOT_MAX_RESULTS = 50;
const FIND_SPOT_DEFAULT_RESULTS = 20;
/** Extra find-spot pages when rows had to be filtered here (a rejected or ignored id filter). */
const MAX_CONTINUATIONS = 8;

const OPEN_TIME_NOUN = ['open time', 'open times'] as const;
const APPOINTMENT_NOUN = listNoun('scheduling.appointmentList');

const ID_FILTER_NOTE =
  'it expects internal integer ids that no response exposes; the search ran without that filter and the results were filtered here';

function assertDuration(minutes: number): void {
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 480) {
    throw new ArgumentError('duration_minutes must be a whole number of minutes between 1 and 480.');
  }
}

/** Renders a window in the find-spot `availability_windows` format `0,2,4:08:00-12:00` (L729). */
export function formatAvailabilityWindow(window: StartWindow): string {
  const days = (window.days ?? [0, 1, 2, 3, 4, 5, 6]).join(',');
  return `${days}:${window.earliest ?? '00:00'}-${window.latest ?? '23:59'}`;
}

/** The legacy single-window params (days 0=Mon..6=Sun, T7). */
export function legacyWindowParams(window: StartWindow | undefined): QueryInit {
  if (!window) return {};
  return {
    days_of_week: window.days ? window.days.join(',') : undefined,
    earliest_time: window.earliest ?? undefined,
    latest_time: window.latest ?? undefined,
  };
}

/** Whether a 400 complains about one of the named filters (int-strict ids, T1). */
function rejectsFilter(error: unknown, fields: readonly string[]): string[] {
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

export function createSchedulingResources(ctx: ResourceContext): EscapeApi['scheduling'] {
  const { client } = ctx;

  async function findSpot(practiceId: string, params: FindSpotParams, options?: CallOptions): Promise<FindSpotResult> {
    assertDuration(params.durationMinutes);
    const zone = await ctx.timezone(practiceId, options);
    const today = todayIn(zone, ctx.now());
    const warnings: string[] = [];
    const requested = validateDateRange(params.range ?? { from: today, to: addDays(today, 30) }, {
      label: 'search range',
    });
    const maxResults = Math.max(1, Math.min(params.maxResults ?? FIND_SPOT_DEFAULT_RESULTS, FIND_SPOT_MAX_RESULTS));
    if ((params.maxResults ?? 0) > FIND_SPOT_MAX_RESULTS) {
      warnings.push(`At most ${FIND_SPOT_MAX_RESULTS} times can be searched for at once.`);
    }
    const windows = (params.windows ?? []).map(validateStartWindow);
    const emptySearch = (range: DateRange): FindSpotResult => ({
      slots: [],
      searched: { range, maxResults, windows, form: windows.length > 1 ? 'availability_windows' : 'legacy' },
      mayHaveMore: false,
      warnings,
    });
    if (requested.to < today) {
      warnings.push('The whole range is in the past; nothing was searched.');
      return emptySearch(requested);
    }
    // Past dates cannot hold slots; starting today keeps the span for dates that can.
    const start = [requested.from, today].sort()[1] as string;
    const clamped = clampRange({ from: start, to: requested.to }, FIND_SPOT_MAX_DATES);
    if (clamped.clamped) {
      warnings.push(
        `The search covers ${FIND_SPOT_MAX_DATES} days (${clamped.from} to ${clamped.to}), the most the API allows at once.`,
      );
    }
    const range: DateRange = { from: clamped.from, to: clamped.to };
    const providerIds = [...new Set(params.providerIds ?? [])];
    const operatoryIds = [...new Set(params.operatoryIds ?? [])];
    const dropped = new Set<string>();
    let filteredHere = false;

    const baseQuery = (from: string): QueryInit => ({
      duration_minutes: params.durationMinutes,
      ...dateParamsFor('scheduling.findSpot', { from, to: range.to }),
      // Filtering here discards most rows, so each page asks for as many as the API allows.
      max_results: dropped.size > 0 || filteredHere ? FIND_SPOT_MAX_RESULTS : maxResults,
      provider: dropped.has('provider') || providerIds.length === 0 ? undefined : providerIds,
      operatory: dropped.has('operatory') || operatoryIds.length === 0 ? undefined : operatoryIds,
    });

    /** One find-spot request; drops a rejected id filter once and retries. */
    const fetchOnce = async (
      windowQuery: QueryInit,
      from: string,
    ): Promise<{ slots: Slot[]; full: boolean; ids: boolean }> => {
      for (;;) {
        try {
          const query = { ...baseQuery(from), ...windowQuery };
          const res = await client.request({
            operation: 'scheduling.findSpot',
            params: { practice: practiceId },
            query,
            signal: options?.signal,
          });
          const parsed = parseSlots(res.body, {
            zone,
            durationMinutes: params.durationMinutes,
            operation: 'scheduling.findSpot',
          });
          warnings.push(...parsed.warnings);
          const raw = parsed.slots.length + parsed.unreadable;
          return { slots: parsed.slots, full: raw >= Number(query.max_results), ids: parsed.hasProviderIds };
        } catch (error) {
          const rejected = rejectsFilter(error, ['provider', 'operatory']).filter((f) => !dropped.has(f));
          if (rejected.length === 0) throw error;
          for (const f of rejected) {
            dropped.add(f);
            warnings.push(
              `The API did not accept the ${f} filter (${ID_FILTER_NOTE}), so some open times may be missing.`,
            );
          }
        }
      }
    };

    const keep = (slot: Slot): boolean =>
      (providerIds.length === 0 || slot.providerId === null || providerIds.includes(slot.providerId)) &&
      (operatoryIds.length === 0 || slot.operatoryId === null || operatoryIds.includes(slot.operatoryId)) &&
      (windows.length === 0 ||
        startFitsWindows(isoWeekdayToFindSpotDay(isoWeekday(slot.localDate)), slot.localTime, windows));

    let form: FindSpotResult['searched']['form'] = windows.length > 1 ? 'availability_windows' : 'legacy';
    let collected: Slot[] = [];
    let lastFull = false;
    let foreign = 0;
    let unverifiable = false;
    /** Times dated outside the range asked for, and the dates the API did answer for. */
    const outsideDates: string[] = [];
    let answered: DateRange | undefined;
    let datesIgnored = false;
    /** The latest local date among the rows of the last search, kept or not: where the next page starts. */
    let lastSeenDate = range.from;
    const crowdedDates: string[] = [];

    const runSearch = async (from: string): Promise<void> => {
      const batches: Array<{ slots: Slot[]; full: boolean; ids: boolean }> = [];
      if (form === 'legacy') {
        batches.push(await fetchOnce(legacyWindowParams(windows[0]), from));
      } else if (form === 'availability_windows') {
        try {
          batches.push(await fetchOnce({ availability_windows: windows.map(formatAvailabilityWindow) }, from));
        } catch (error) {
          // T5: the window format is truncated in the spec; a 400 about it (or a bare detail)
          // means "format rejected" → one legacy request per window.
          if (
            !(error instanceof BadRequest) ||
            !(
              error.hasField('availability_windows') ||
              error.fieldErrors.every((f) => f.field === 'detail' || f.field === 'non_field_errors')
            )
          ) {
            throw error;
          }
          form = 'per_window';
          warnings.push(
            'The API did not accept several time windows in one search; each window was searched separately.',
          );
        }
      }
      if (form === 'per_window') {
        for (const w of windows) batches.push(await fetchOnce(legacyWindowParams(w), from));
      }
      lastFull = batches.some((b) => b.full);
      lastSeenDate = from;
      for (const b of batches) {
        if ((providerIds.length > 0 || operatoryIds.length > 0) && !b.ids) unverifiable = true;
        for (const slot of b.slots) {
          if (slot.localDate > lastSeenDate) lastSeenDate = slot.localDate;
          if (slot.localDate < from || slot.localDate > range.to) {
            // Verify what the API did: a time before the start asked for means it ignored start_date.
            if (slot.localDate < from) datesIgnored = true;
            outsideDates.push(rowIdentity(slot));
            answered = {
              from: answered && answered.from < slot.localDate ? answered.from : slot.localDate,
              to: answered && answered.to > slot.localDate ? answered.to : slot.localDate,
            };
          } else if (keep(slot)) collected.push(slot);
          else foreign += 1;
        }
      }
      if (foreign > 0) filteredHere = true;
      collected = sortAndDedupeSlots(collected);
    };

    await runSearch(range.from);
    // When post-filtering removed rows from a full answer, continue from the last date the answer
    // reached, kept or not (T6: re-issue with start_date = the last slot's local date), so the
    // caller still gets up to maxResults matching times. A page that never left its first day
    // cannot be continued by date: the next page starts the day after, and the answer says so.
    let from = range.from;
    // An API that ignores start_date cannot be continued by date: it would answer the same again.
    for (
      let i = 0;
      i < MAX_CONTINUATIONS && foreign > 0 && lastFull && collected.length < maxResults && !datesIgnored;
      i++
    ) {
      if (lastSeenDate > from) {
        from = lastSeenDate;
      } else {
        crowdedDates.push(from);
        from = addDays(from, 1);
      }
      if (from > range.to) break;
      foreign = 0;
      await runSearch(from);
    }
    if (crowdedDates.length > 0 && !datesIgnored) {
      warnings.push(
        `Some open times on ${crowdedDates.join(', ')} may be missing: the API returned more times for that day than one search can hold, and they had to be filtered here.`,
      );
    }
    if (filteredHere && dropped.size === 0) {
      warnings.push(
        'The API returned times outside the requested filters; they were removed here, so some open times may be missing.',
      );
    }
    noteLeftOut(OPEN_TIME_NOUN, outsideDates, `dated outside the ${range.from} to ${range.to} asked for`);
    const slots = collected.slice(0, maxResults);
    // Times outside the dates say the API searched other dates; unless it sent all it had and
    // enough fit, the times of the dates asked for are not known.
    let incomplete: string | undefined;
    if (datesIgnored && answered && (lastFull || slots.length === 0) && slots.length < maxResults) {
      incomplete = `Escape Dental ignored the dates of this search: asked for ${range.from} to ${range.to}, it answered with times from ${answered.from} to ${answered.to}`;
    } else if (slots.length === 0 && lastFull && filteredHere) {
      // Every time it sent was for another provider, chair or time of day, and it had more.
      incomplete =
        'Escape Dental answered only with times outside the provider, chair or time of day asked for, more of them than this search can read';
    }
    if (unverifiable) {
      warnings.push(
        "The API's answer does not say which provider or chair each time is for, so the filter could not be double-checked.",
      );
    }
    return {
      slots,
      searched: { range, maxResults, windows, form },
      mayHaveMore: lastFull || collected.length > maxResults || incomplete !== undefined,
      ...(incomplete ? { incomplete } : {}),
      warnings: dedupe(warnings),
    };
  }

  async function availableSlots(
    practiceId: string,
    params: AvailableSlotsParams,
    options?: CallOptions,
  ): Promise<AvailableSlotsResult> {
    assertDuration(params.durationMinutes);
    const date = parseLocalDate(params.date);
    if (
      params.interval !== undefined &&
      (!Number.isInteger(params.interval) || params.interval < 1 || params.interval > 240)
    ) {
      throw new ArgumentError('interval must be a whole number of minutes between 1 and 240.');
    }
    const zone = await ctx.timezone(practiceId, options);
    const warnings: string[] = [];
    const providerIds = [...new Set(params.providerIds ?? [])];
    const operatoryIds = [...new Set(params.operatoryIds ?? [])];
    const dropped = new Set<string>();
    let body: unknown;
    for (;;) {
      try {
        const res = await client.request({
          operation: 'scheduling.availableSlots',
          params: { practice: practiceId },
          query: {
            date,
            duration_minutes: params.durationMinutes,
            interval: params.interval,
            provider: dropped.has('provider') || providerIds.length === 0 ? undefined : providerIds,
            operatory: dropped.has('operatory') || operatoryIds.length === 0 ? undefined : operatoryIds,
          },
          signal: options?.signal,
        });
        body = res.body;
        break;
      } catch (error) {
        const rejected = rejectsFilter(error, ['provider', 'operatory']).filter((f) => !dropped.has(f));
        if (rejected.length === 0) throw error;
        for (const f of rejected) {
          dropped.add(f);
          warnings.push(`The API did not accept the ${f} filter (${ID_FILTER_NOTE}).`);
        }
      }
    }
    const parsed = parseSlots(body, {
      zone,
      durationMinutes: params.durationMinutes,
      date,
      operation: 'scheduling.availableSlots',
    });
    warnings.push(...parsed.warnings);
    const filtering = providerIds.length > 0 || operatoryIds.length > 0;
    if (filtering && !parsed.hasProviderIds && !parsed.hasOperatoryIds) {
      if (dropped.size > 0) {
        warnings.push('The times below are for every provider and chair: the filter could not be applied.');
      } else {
        warnings.push(
          "The API's answer does not say which provider or chair each time is for, so the filter could not be double-checked.",
        );
      }
    }
    const slots = sortAndDedupeSlots(
      parsed.slots.filter(
        (s) =>
          s.localDate === date &&
          (providerIds.length === 0 || s.providerId === null || providerIds.includes(s.providerId)) &&
          (operatoryIds.length === 0 || s.operatoryId === null || operatoryIds.includes(s.operatoryId)),
      ),
    );
    return { date, slots, warnings: dedupe(warnings) };
  }

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
    findSpot,
    availableSlots,
    listAppointments,
    getAppointment,
    createAppointment,
    updateAppointment,
    transitionAppointment,
    validateAppointment,
    daySheet,
  };
}

function dedupe(list: string[]): string[] {
  return [...new Set(list)];
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
