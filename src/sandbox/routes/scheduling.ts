/**
 * Scheduling reads built on the resolved schedule: find-spot and available-slots (§8.4,
 * ASSUMPTIONS §6), day-sheet, month-summary, open-close (L778), resolved-schedule.
 */
import { badRequest } from '../http/errors.js';
import {
  formatCents,
  idFilter,
  practiceZone,
  queryBool,
  queryDate,
  queryInt,
  renderDateTime,
  renderStamp,
  renderWallTime,
  requireDate,
} from '../http/helpers.js';
import type { Router, SandboxRequest } from '../http/types.js';
import type { PracticeIndex } from '../indexes.js';
import type { PracticeData, Uuid } from '../model.js';
import { daySchedule, findSlots, type ResolvedBlock, type Slot } from '../schedule.js';
import { patientName, providerName, serializeAppointment } from '../serialize.js';
import type { SandboxStore } from '../store.js';
import { dateToDayNum, dayNumToDate, formatWallTime, MS_PER_MINUTE, parseWallTime } from '../time.js';
import { P } from './appointments.js';

const READ = { practiceScoped: true, practiceStaffOnly: true, scopes: ['scheduling:read'] };

function indexOf(store: SandboxStore, req: SandboxRequest): PracticeIndex {
  return store.index((req.practiceData as PracticeData).practice.id);
}

/** Provider/operatory filters on the slot finders: "integer PK" arrays (T1), under the idFilters quirk. */
function slotFilters(req: SandboxRequest, index: PracticeIndex) {
  const p = idFilter(req, 'provider', (id) => index.providerById.get(id)?.pk);
  const o = idFilter(req, 'operatory', (id) => index.operatoryById.get(id)?.pk);
  return {
    providers: p ? new Set(index.data.providers.filter((x) => p(x.id)).map((x) => x.id)) : null,
    operatories: o ? new Set(index.data.operatories.filter((x) => o(x.id)).map((x) => x.id)) : null,
  };
}

function durationParam(req: SandboxRequest): number {
  const raw = req.query.get('duration_minutes');
  if (raw === null || raw === '') throw badRequest({ duration_minutes: ['This field is required.'] });
  if (!/^\d+$/.test(raw.trim())) throw badRequest({ duration_minutes: ['A valid integer is required.'] });
  const n = Number(raw.trim());
  if (n < 1) throw badRequest({ duration_minutes: ['Ensure this value is greater than or equal to 1.'] });
  if (n > 480) throw badRequest({ duration_minutes: ['Ensure this value is less than or equal to 480.'] });
  return n;
}

function hhmm(req: SandboxRequest, name: string): number | undefined {
  const raw = req.query.get(name);
  if (raw === null || raw === '') return undefined;
  const m = parseWallTime(raw.trim());
  if (m === null || m >= 1440) throw badRequest({ [name]: ['Enter a valid time (HH:MM).'] });
  return m;
}

const WINDOW_RE = /^([0-6](?:,[0-6])*):(\d{2}:\d{2})-(\d{2}:\d{2})$/;

/** `<days>:<HH:MM>-<HH:MM>`; the first `:` separates the day list (ASSUMPTIONS §6). */
function parseWindows(values: string[]): { days: Set<number>; from: number; to: number }[] {
  return values.map((v) => {
    const m = WINDOW_RE.exec(v.trim());
    const from = m ? parseWallTime(m[2] as string) : null;
    const to = m ? parseWallTime(m[3] as string) : null;
    if (!m || from === null || to === null || from > to || to > 1439) {
      throw badRequest({
        availability_windows: [
          `Invalid window "${v}". Use <days>:<HH:MM>-<HH:MM> with days 0=Mon..6=Sun, e.g. 0,2,4:08:00-12:00.`,
        ],
      });
    }
    return { days: new Set((m[1] as string).split(',').map(Number)), from, to };
  });
}

function renderSlot(req: SandboxRequest, index: PracticeIndex, slot: Slot, duration: number) {
  return {
    date_time: renderDateTime(req, index.tz, slot.startMs),
    provider: slot.provider.id,
    operatory: slot.operatory.id,
    duration_minutes: duration,
  };
}

/** The practice's office hours of a local day as wall times (first opening, last closing). */
function officeHours(index: PracticeIndex, dayNum: number): { start_time: string | null; end_time: string | null } {
  const spans = daySchedule(index, dayNum).practiceHours;
  const first = spans[0];
  const last = spans[spans.length - 1];
  return {
    start_time: first ? formatWallTime(first[0]).slice(0, 5) : null,
    end_time: last ? formatWallTime(Math.min(last[1], 1439)).slice(0, 5) : null,
  };
}

/** Slots grouped by their local date, in order. */
function byLocalDate<T>(index: PracticeIndex, slots: readonly Slot[], item: (s: Slot) => T): Map<string, T[]> {
  const days = new Map<string, T[]>();
  for (const s of slots) {
    const date = index.tz.localDateOf(s.startMs);
    const list = days.get(date) ?? [];
    list.push(item(s));
    days.set(date, list);
  }
  return days;
}

const wallTimeOf = (index: PracticeIndex, s: Slot) => formatWallTime(index.tz.minuteOfDay(s.startMs)).slice(0, 5);

/**
 * The slot answers under `slotShape` (ASSUMPTIONS §6; the spec has no schema). `by-day` groups
 * the slots by date, each day also carrying its office hours; `by-date` is a map keyed by date;
 * `unknown` is a shape no client could read (it exercises the client's refusal).
 */
function renderSlotAnswer(
  req: SandboxRequest,
  index: PracticeIndex,
  slots: readonly Slot[],
  duration: number,
  kind: 'find-spot' | 'available-slots',
): unknown {
  const item = (s: Slot) =>
    kind === 'find-spot' ? renderSlot(req, index, s, duration) : renderDateTime(req, index.tz, s.startMs);
  switch (req.quirks.slotShape) {
    case 'array':
      return slots.map(item);
    case 'by-day':
      return {
        count: slots.length,
        results: [
          ...byLocalDate(index, slots, (s) =>
            kind === 'find-spot'
              ? {
                  start_time: wallTimeOf(index, s),
                  provider: s.provider.id,
                  operatory: s.operatory.id,
                  duration_minutes: duration,
                }
              : wallTimeOf(index, s),
          ),
        ].map(([date, daySlots]) => ({ date, ...officeHours(index, dateToDayNum(date) as number), slots: daySlots })),
      };
    case 'by-date':
      return {
        count: slots.length,
        dates: Object.fromEntries(
          byLocalDate(index, slots, (s) =>
            kind === 'find-spot'
              ? { time: wallTimeOf(index, s), provider: s.provider.id, operatory: s.operatory.id }
              : wallTimeOf(index, s),
          ),
        ),
      };
    case 'unknown':
      return {
        count: slots.length,
        spots: slots.map((s) => ({ begins: renderDateTime(req, index.tz, s.startMs), chair: s.operatory.id })),
      };
    default:
      return null;
  }
}

function serializeBlock(req: SandboxRequest, index: PracticeIndex, dayNum: number, b: ResolvedBlock) {
  const tz = index.tz;
  return {
    start_time: renderWallTime(req, formatWallTime(b.startMin)),
    end_time: renderWallTime(req, b.endMin >= 1440 ? '23:59:59' : formatWallTime(b.endMin)),
    start: renderDateTime(req, tz, tz.localToInstantLenient(dayNum, b.startMin)),
    end: renderDateTime(req, tz, tz.localToInstantLenient(dayNum, b.endMin)),
    schedule_type: b.scheduleType,
    blockout_type: b.blockoutType,
    provider: b.providerId,
    provider_name: b.providerId ? providerName(index.providerById.get(b.providerId)) : '',
    operatory: b.operatoryId,
    status: b.status,
    source: b.source,
    source_id: b.sourceId,
    note: b.note,
  };
}

export function registerSchedulingRoutes(router: Router, store: SandboxStore): void {
  router.get(`${P}/scheduling/find-spot/`, READ, (req) => {
    const index = indexOf(store, req);
    const tz = index.tz;
    const q = req.query;
    const duration = durationParam(req);
    const clamp = req.quirks.findSpotLimits === 'clamp';
    const today = tz.localDateOf(req.nowMs);
    const start = queryDate(req, 'start_date') ?? today;
    const startNum = dateToDayNum(start) as number;
    const end = queryDate(req, 'end_date');
    let endNum = end ? (dateToDayNum(end) as number) : startNum + 30;
    if (endNum < startNum) throw badRequest({ end_date: ['end_date must be on or after start_date.'] });
    // "max 90 days" (T6): end_date may be at most 90 days after start_date.
    if (endNum - startNum > 90) {
      if (!clamp) throw badRequest({ end_date: ['Search window cannot exceed 90 days.'] });
      endNum = startNum + 90;
    }
    let max = queryInt(req, 'max_results') ?? 20;
    if (max < 1) throw badRequest({ max_results: ['Ensure this value is greater than or equal to 1.'] });
    if (max > 50) {
      if (!clamp) throw badRequest({ max_results: ['Ensure this value is less than or equal to 50.'] });
      max = 50;
    }
    const windows = q.getAll('availability_windows').filter((v) => v !== '');
    const legacy = ['days_of_week', 'earliest_time', 'latest_time'].filter((k) => (q.get(k) ?? '') !== '');
    if (windows.length > 0 && legacy.length > 0) {
      throw badRequest({
        availability_windows: [
          'Supply availability_windows or the legacy days_of_week/earliest_time/latest_time parameters, not both.',
        ],
      });
    }
    let accept: ((weekdayMon: number, minute: number) => boolean) | null = null;
    if (windows.length > 0) {
      const parsed = parseWindows(windows);
      accept = (wd, minute) => parsed.some((w) => w.days.has(wd) && minute >= w.from && minute <= w.to);
    } else if (legacy.length > 0) {
      const daysRaw = q.get('days_of_week');
      let days: Set<number> | null = null;
      if (daysRaw) {
        const parts = daysRaw.split(',').map((s) => s.trim());
        if (parts.some((p) => !/^[0-6]$/.test(p))) {
          throw badRequest({ days_of_week: ['Enter comma-separated weekday numbers 0=Mon..6=Sun.'] });
        }
        days = new Set(parts.map(Number));
      }
      const earliest = hhmm(req, 'earliest_time');
      const latest = hhmm(req, 'latest_time');
      accept = (wd, minute) =>
        (!days || days.has(wd)) &&
        (earliest === undefined || minute >= earliest) &&
        (latest === undefined || minute <= latest);
    }
    const filters = slotFilters(req, index);
    const dayNums: number[] = [];
    for (let d = startNum; d <= endNum; d++) dayNums.push(d);
    const perChair = req.quirks.slotShape === 'per-chair';
    const slots = findSlots(index, {
      dayNums,
      durationMinutes: duration,
      providerFilter: filters.providers,
      operatoryFilter: filters.operatories,
      accept,
      nowMs: req.nowMs,
      intervalMinutes: 15,
      limit: max,
      perInstant: !perChair,
    });
    const shaped = renderSlotAnswer(req, index, slots, duration, 'find-spot');
    if (shaped !== null) return { status: 200, body: shaped };
    const results = slots.map((s) => renderSlot(req, index, s, duration));
    return { status: 200, body: { count: results.length, results } };
  });

  router.get(`${P}/scheduling/available-slots/`, READ, (req) => {
    const index = indexOf(store, req);
    const date = requireDate(req, 'date');
    const duration = durationParam(req);
    const interval = queryInt(req, 'interval') ?? 15;
    if (interval < 5 || interval > 240) throw badRequest({ interval: ['Ensure this value is between 5 and 240.'] });
    const filters = slotFilters(req, index);
    const slots = findSlots(index, {
      dayNums: [dateToDayNum(date) as number],
      durationMinutes: duration,
      providerFilter: filters.providers,
      operatoryFilter: filters.operatories,
      accept: null,
      nowMs: req.nowMs,
      intervalMinutes: interval,
      limit: Number.POSITIVE_INFINITY,
      perInstant: true,
    });
    const shaped = renderSlotAnswer(req, index, slots, duration, 'available-slots');
    if (shaped !== null) return { status: 200, body: shaped };
    const times = slots.map((s) => renderDateTime(req, index.tz, s.startMs));
    return { status: 200, body: { date, duration_minutes: duration, slots: times } };
  });

  router.get(`${P}/scheduling/day-sheet/`, READ, (req) => {
    const index = indexOf(store, req);
    const date = requireDate(req, 'date');
    const includeHidden = queryBool(req, 'include_hidden') ?? false;
    const dayNum = dateToDayNum(date) as number;
    const appts = index.appointmentsOnDay(dayNum);
    const hidden = new Set(['cancelled', 'unscheduled', 'planned']);
    const undated = req.quirks.plannedAppointmentDates === 'null';
    const visible = appts.filter(
      (a) => (includeHidden || !hidden.has(a.status)) && !(undated && a.status === 'planned'),
    );
    const ops = [...index.data.operatories].sort((a, b) => a.sortOrder - b.sortOrder || a.pk - b.pk);
    const person = (id: Uuid | null) => {
      const p = id ? index.providerById.get(id) : undefined;
      return p ? { id: p.id, name: providerName(p), abbreviation: p.abbreviation, color: p.color } : null;
    };
    const day = daySchedule(index, dayNum);
    return {
      status: 200,
      body: {
        date,
        operatories: ops.map((o) => {
          // In chair: seated / ready_for_doctor / ready_for_walkout, not dismissed; latest seated wins (L668–673).
          const inChair = appts
            .filter(
              (a) =>
                a.operatoryId === o.id &&
                (a.status === 'seated' || a.status === 'ready_for_doctor' || a.status === 'ready_for_walkout') &&
                a.dismissedAtMs === null,
            )
            .sort((a, b) => (b.seatedAtMs ?? b.startMs) - (a.seatedAtMs ?? a.startMs))[0];
          return {
            id: o.id,
            name: o.name,
            abbreviation: o.abbreviation,
            is_hygiene: o.isHygiene,
            provider_dentist: person(o.providerDentistId),
            provider_hygienist: person(o.providerHygienistId),
            in_chair_patient: inChair
              ? {
                  patient_id: inChair.patientId,
                  patient_name: patientName(index.patientById.get(inChair.patientId)),
                  appointment_id: inChair.id,
                  since: renderStamp(inChair.seatedAtMs ?? inChair.startMs),
                }
              : null,
          };
        }),
        blocks: day.blocks.map((b) => serializeBlock(req, index, dayNum, b)),
        appointments: visible.map((a) => serializeAppointment(req, store, index, a)),
      },
    };
  });

  router.get(`${P}/scheduling/month-summary/`, READ, (req) => {
    const index = indexOf(store, req);
    const from = requireDate(req, 'from');
    const to = requireDate(req, 'to');
    if (to < from) throw badRequest({ to: ['to must be on or after from.'] });
    const days: Record<string, { appointment_count: number; production: string }> = {};
    const a0 = dateToDayNum(from) as number;
    const a1 = dateToDayNum(to) as number;
    for (let d = a0; d <= a1; d++) {
      let count = 0;
      let cents = 0;
      // Bucketed by practice-local date; cancelled and broken excluded (L746).
      for (const a of index.appointmentsOnDay(d)) {
        if (a.status === 'cancelled' || a.status === 'broken') continue;
        count += 1;
        for (const sp of a.scheduledProcedures) cents += sp.feeCents;
      }
      if (count > 0) days[dayNumToDate(d)] = { appointment_count: count, production: formatCents(cents) };
    }
    return { status: 200, body: { from, to, days } };
  });

  router.get(`${P}/scheduling/open-close/`, { ...READ, specScope: true }, (req) => {
    const index = indexOf(store, req);
    const date = requireDate(req, 'date');
    let open: number | null = null;
    let close: number | null = null;
    for (const a of index.appointmentsOnDay(dateToDayNum(date) as number)) {
      if (a.status === 'cancelled' || a.status === 'broken') continue;
      const end = a.startMs + a.durationMinutes * MS_PER_MINUTE;
      if (open === null || a.startMs < open) open = a.startMs;
      if (close === null || end > close) close = end;
    }
    const tz = practiceZone(req);
    return { status: 200, body: { date, open: renderDateTime(req, tz, open), close: renderDateTime(req, tz, close) } };
  });

  router.get(`${P}/scheduling/resolved-schedule/`, READ, (req) => {
    const index = indexOf(store, req);
    const q = req.query;
    const hasDate = (q.get('date') ?? '') !== '';
    const hasRange = (q.get('date_from') ?? '') !== '' || (q.get('date_to') ?? '') !== '';
    if (hasDate && hasRange) throw badRequest({ date: ['Supply either date or date_from/date_to, not both.'] });
    if (!hasDate && !hasRange) throw badRequest({ date: ['Supply date or date_from and date_to.'] });
    const pf = idFilter(req, 'provider', (id) => index.providerById.get(id)?.pk);
    const keep = (b: ResolvedBlock) => !pf || b.providerId === null || pf(b.providerId);
    const blocksOf = (dayNum: number) =>
      daySchedule(index, dayNum)
        .blocks.filter(keep)
        .map((b) => serializeBlock(req, index, dayNum, b));
    if (hasDate) {
      const date = requireDate(req, 'date');
      const blocks = blocksOf(dateToDayNum(date) as number);
      return { status: 200, body: { date, date_from: null, date_to: null, blocks, schedule: { [date]: blocks } } };
    }
    const from = requireDate(req, 'date_from');
    const to = requireDate(req, 'date_to');
    const a0 = dateToDayNum(from) as number;
    const a1 = dateToDayNum(to) as number;
    if (a1 < a0) throw badRequest({ date_to: ['date_to must be on or after date_from.'] });
    if (a1 - a0 > 92) throw badRequest({ date_to: ['The range cannot exceed 93 days.'] });
    const schedule: Record<string, unknown[]> = {};
    for (let d = a0; d <= a1; d++) schedule[dayNumToDate(d)] = blocksOf(d);
    return { status: 200, body: { date: null, date_from: from, date_to: to, blocks: [], schedule } };
  });
}
