/**
 * Open times: find-spot and available-slots (scheduling digest §7).
 *
 * - find-spot always gets explicit start/end dates computed in practice time, a span of at most
 *   90 dates, max_results ≤ 50, and one window form only (T5, T6). Several windows go as
 *   `availability_windows`; a 400 rejecting that format falls back to one legacy request per
 *   window, merged and deduplicated.
 * - UUID filters the spec types as "integer PK" (T1, C-T2) are sent, but results are always
 *   post-filtered; a 400 for such a filter drops it (results filtered here, with a warning).
 */
import {
  addDays,
  clampRange,
  isoWeekday,
  isoWeekdayToFindSpotDay,
  parseLocalDate,
  todayIn,
  validateDateRange,
} from '../../domain/dates.js';
import { type StartWindow, startFitsWindows, validateStartWindow } from '../../domain/time-of-day.js';
import type { QueryInit } from '../client.js';
import { noteLeftOut } from '../divergence.js';
import { ArgumentError, BadRequest } from '../errors.js';
import { rowIdentity } from '../pagination.js';
import { dateParamsFor } from '../paths.js';
import type {
  AvailableSlotsParams,
  AvailableSlotsResult,
  CallOptions,
  DateRange,
  FindSpotParams,
  FindSpotResult,
  Slot,
} from '../port.js';
import { assertDuration, rejectsFilter } from './appointments.js';
import type { ResourceContext } from './context.js';
import { parseSlots, sortAndDedupeSlots } from './slots.js';

/** find-spot caps (L723–730; ASSUMPTIONS §6): 90-day window, max_results ≤ 50. */
export const FIND_SPOT_MAX_DATES = 90;
export const FIND_SPOT_MAX_RESULTS = 50;
const FIND_SPOT_DEFAULT_RESULTS = 20;
/** Extra find-spot pages when rows had to be filtered here (a rejected or ignored id filter). */
const MAX_CONTINUATIONS = 8;

const OPEN_TIME_NOUN = ['open time', 'open times'] as const;

const ID_FILTER_NOTE =
  'it expects internal integer ids that no response exposes; the search ran without that filter and the results were filtered here';

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

export interface FindSpotPort {
  findSpot(practiceId: string, params: FindSpotParams, options?: CallOptions): Promise<FindSpotResult>;
  availableSlots(
    practiceId: string,
    params: AvailableSlotsParams,
    options?: CallOptions,
  ): Promise<AvailableSlotsResult>;
}

export function createFindSpotResources(ctx: ResourceContext): FindSpotPort {
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

  return { findSpot, availableSlots };
}

function dedupe(list: string[]): string[] {
  return [...new Set(list)];
}
