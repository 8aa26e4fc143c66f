/**
 * The effective schedule (digest §8.3, ASSUMPTIONS §6): templates ∩ overrides ∩ blockouts per
 * local date, resolved once per (practice, date) and cached on the practice index. Wall-clock
 * intervals are local minutes [0, 1440]; bookable time per (provider, operatory) is converted to
 * instants with the day's own offsets, so DST days come out right.
 */
import type { PracticeIndex } from './indexes.js';
import type {
  Appointment,
  AppointmentStatus,
  EpochMs,
  Operatory,
  Provider,
  ScheduleOverride,
  ScheduleTemplate,
  Uuid,
} from './model.js';
import { MS_PER_MINUTE, parseWallTime } from './time.js';

/** [start, end) in local minutes of the day, or in epoch ms — the helpers work on either. */
export type Span = [number, number];

export const BLOCKS_SLOT: Record<AppointmentStatus, boolean> = {
  scheduled: true,
  arrived: true,
  seated: true,
  ready_for_doctor: true,
  ready_for_walkout: true,
  complete: true,
  broken: false,
  cancelled: false,
  unscheduled: false,
  planned: false,
  other: false,
  note: false,
};

export function blocksSlot(a: Appointment): boolean {
  return BLOCKS_SLOT[a.status];
}

// ------------------------------------------------------------------ interval arithmetic

export function normalise(spans: Span[]): Span[] {
  const sorted = spans.filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0]);
  const out: Span[] = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

export function intersect(a: Span[], b: Span[]): Span[] {
  const out: Span[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const [as, ae] = a[i] as Span;
    const [bs, be] = b[j] as Span;
    const s = Math.max(as, bs);
    const e = Math.min(ae, be);
    if (e > s) out.push([s, e]);
    if (ae < be) i++;
    else j++;
  }
  return out;
}

export function subtract(a: Span[], b: Span[]): Span[] {
  if (b.length === 0) return a;
  const out: Span[] = [];
  for (const [s0, e0] of a) {
    let s = s0;
    for (const [bs, be] of b) {
      if (be <= s) continue;
      if (bs >= e0) break;
      if (bs > s) out.push([s, bs]);
      s = Math.max(s, be);
      if (s >= e0) break;
    }
    if (s < e0) out.push([s, e0]);
  }
  return out;
}

export function overlaps(spans: Span[], s: number, e: number): boolean {
  for (const [a, b] of spans) if (a < e && s < b) return true;
  return false;
}

export function contains(spans: Span[], s: number, e: number): boolean {
  for (const [a, b] of spans) if (a <= s && e <= b) return true;
  return false;
}

// ------------------------------------------------------------------ the resolved day

export interface ResolvedBlock {
  startMin: number;
  endMin: number;
  scheduleType: 'office_hours' | 'provider' | 'blockout';
  blockoutType: string;
  providerId: Uuid | null;
  operatoryId: Uuid | null;
  status: 'open' | 'closed' | 'holiday';
  source: 'template' | 'override';
  sourceId: Uuid;
  note: string;
}

interface ProviderHours {
  operatoryId: Uuid | null;
  spans: Span[]; // local minutes
}

export class DaySchedule {
  readonly dayNum: number;
  /** Practice open time (local minutes) after closures. */
  readonly practiceHours: Span[];
  /** True when a practice-wide closed/holiday override covers the whole day. */
  readonly closedAllDay: boolean;
  readonly closureStatus: 'closed' | 'holiday' | null;
  readonly blocks: ResolvedBlock[];
  private readonly providerHours = new Map<Uuid, ProviderHours[]>();
  private readonly practiceBlockouts: Span[];
  private readonly providerBlockouts = new Map<Uuid, Span[]>();
  private readonly operatoryBlockouts = new Map<Uuid, Span[]>();
  private readonly bookableCache = new Map<string, Span[]>();
  private readonly hoursCache = new Map<string, Span[]>();

  constructor(
    private readonly index: PracticeIndex,
    dayNum: number,
  ) {
    this.dayNum = dayNum;
    const info = index.tz.day(dayNum);
    const templates = index.templatesOn(info.weekday);
    const overrides = index.overridesOn(dayNum);
    const blocks: ResolvedBlock[] = [];

    // 1. Practice hours: practice-wide office_hours templates, replaced by a practice-wide `open` override.
    const practiceOpenOverrides = overrides.filter(
      (o) => o.providerId === null && o.status === 'open' && o.scheduleType !== 'blockout',
    );
    let hoursSources: (ScheduleTemplate | ScheduleOverride)[];
    let hoursSource: 'template' | 'override';
    if (practiceOpenOverrides.length > 0) {
      hoursSources = practiceOpenOverrides;
      hoursSource = 'override';
    } else {
      hoursSources = templates.filter((t) => t.providerId === null && t.scheduleType === 'office_hours');
      hoursSource = 'template';
    }
    let hours = normalise(hoursSources.map(wallSpan));
    const closures = overrides.filter(
      (o) =>
        o.providerId === null &&
        o.operatoryId === null &&
        (o.status === 'closed' || o.status === 'holiday') &&
        o.scheduleType !== 'blockout',
    );
    let closedAllDay = false;
    let closureStatus: 'closed' | 'holiday' | null = null;
    for (const c of closures) {
      const span = wallSpan(c);
      if (span[0] <= 0 && span[1] >= 1440) {
        closedAllDay = true;
        closureStatus = c.status === 'holiday' ? 'holiday' : 'closed';
      }
      blocks.push(block(c, 'override', span));
    }
    hours = subtract(hours, normalise(closures.map(wallSpan)));
    if (closedAllDay) hours = [];
    this.practiceHours = hours;
    this.closedAllDay = closedAllDay;
    this.closureStatus = closureStatus;
    for (const [s, e] of hours) {
      const src = hoursSources.find((h) => {
        const [hs, he] = wallSpan(h);
        return hs <= s && e <= he;
      }) as ScheduleTemplate | ScheduleOverride | undefined;
      blocks.push({
        startMin: s,
        endMin: e,
        scheduleType: 'office_hours',
        blockoutType: '',
        providerId: null,
        operatoryId: null,
        status: 'open',
        source: hoursSource,
        sourceId: src?.id ?? '',
        note: src && 'note' in src ? src.note : '',
      });
    }

    // 2. Provider hours: their templates, replaced by a provider `open` override; minus provider closures.
    const templatesByProvider = new Map<Uuid, ScheduleTemplate[]>();
    for (const t of templates) {
      if (!t.providerId || t.scheduleType === 'blockout') continue;
      const list = templatesByProvider.get(t.providerId);
      if (list) list.push(t);
      else templatesByProvider.set(t.providerId, [t]);
    }
    const providerIds = new Set<Uuid>(templatesByProvider.keys());
    for (const o of overrides)
      if (o.providerId && o.status === 'open' && o.scheduleType !== 'blockout') providerIds.add(o.providerId);
    for (const providerId of providerIds) {
      const opens = overrides.filter(
        (o) => o.providerId === providerId && o.status === 'open' && o.scheduleType !== 'blockout',
      );
      const sources: (ScheduleTemplate | ScheduleOverride)[] =
        opens.length > 0 ? opens : (templatesByProvider.get(providerId) ?? []);
      const byOp = new Map<Uuid | null, Span[]>();
      for (const src of sources) {
        const list = byOp.get(src.operatoryId) ?? [];
        list.push(wallSpan(src));
        byOp.set(src.operatoryId, list);
      }
      const closed = normalise(
        overrides
          .filter(
            (o) =>
              o.providerId === providerId &&
              o.scheduleType !== 'blockout' &&
              (o.status === 'closed' || o.status === 'holiday'),
          )
          .map(wallSpan),
      );
      const list: ProviderHours[] = [];
      for (const [operatoryId, spans] of byOp) {
        const effective = intersect(subtract(normalise(spans), closed), hours);
        if (effective.length === 0) continue;
        list.push({ operatoryId, spans: effective });
        for (const [s, e] of effective) {
          const src = sources.find((h) => h.operatoryId === operatoryId) as ScheduleTemplate | ScheduleOverride;
          blocks.push({
            startMin: s,
            endMin: e,
            scheduleType: 'provider',
            blockoutType: '',
            providerId,
            operatoryId,
            status: 'open',
            source: opens.length > 0 ? 'override' : 'template',
            sourceId: src.id,
            note: 'note' in src ? src.note : '',
          });
        }
      }
      this.providerHours.set(providerId, list);
    }
    // Provider closures show up as time-off blocks.
    for (const o of overrides) {
      if (o.providerId && o.scheduleType !== 'blockout' && (o.status === 'closed' || o.status === 'holiday')) {
        const b = block(o, 'override', wallSpan(o));
        b.scheduleType = 'blockout';
        b.blockoutType = o.blockoutType || 'time_off';
        blocks.push(b);
      }
    }

    // 3. Blockouts: templates and overrides, practice-wide or for a provider or an operatory.
    const practiceBlockouts: Span[] = [];
    const addBlockout = (src: ScheduleTemplate | ScheduleOverride, kind: 'template' | 'override') => {
      const span = wallSpan(src);
      blocks.push(block(src, kind, span));
      if (src.providerId) {
        const list = this.providerBlockouts.get(src.providerId) ?? [];
        list.push(span);
        this.providerBlockouts.set(src.providerId, list);
      } else if (src.operatoryId) {
        const list = this.operatoryBlockouts.get(src.operatoryId) ?? [];
        list.push(span);
        this.operatoryBlockouts.set(src.operatoryId, list);
      } else practiceBlockouts.push(span);
    };
    for (const t of templates) if (t.scheduleType === 'blockout') addBlockout(t, 'template');
    for (const o of overrides) if (o.scheduleType === 'blockout' && o.status !== 'open') addBlockout(o, 'override');
    for (const closed of closures) practiceBlockouts.push(wallSpan(closed));
    for (const [id, list] of this.providerBlockouts) this.providerBlockouts.set(id, normalise(list));
    for (const [id, list] of this.operatoryBlockouts) this.operatoryBlockouts.set(id, normalise(list));
    this.practiceBlockouts = normalise(practiceBlockouts);
    blocks.sort(
      (a, b) =>
        a.startMin - b.startMin ||
        a.endMin - b.endMin ||
        typeOrder(a.scheduleType) - typeOrder(b.scheduleType) ||
        (a.sourceId < b.sourceId ? -1 : a.sourceId > b.sourceId ? 1 : 0),
    );
    this.blocks = blocks;
  }

  /** Working time of P in O (local minutes, before blockouts); any operatory when `operatoryId` is null. */
  hours(providerId: Uuid | null, operatoryId: Uuid | null): Span[] {
    const key = `${providerId}|${operatoryId}`;
    let spans = this.hoursCache.get(key);
    if (spans) return spans;
    if (providerId === null) spans = this.practiceHours;
    else {
      const list = this.providerHours.get(providerId) ?? [];
      spans = normalise(
        list
          .filter((h) => operatoryId === null || h.operatoryId === null || h.operatoryId === operatoryId)
          .flatMap((h) => h.spans.map((s) => [s[0], s[1]] as Span)),
      );
    }
    this.hoursCache.set(key, spans);
    return spans;
  }

  /** Blockouts that apply to P in O (local minutes). */
  blockouts(providerId: Uuid | null, operatoryId: Uuid | null): Span[] {
    return normalise([
      ...this.practiceBlockouts,
      ...(providerId ? (this.providerBlockouts.get(providerId) ?? []) : []),
      ...(operatoryId ? (this.operatoryBlockouts.get(operatoryId) ?? []) : []),
    ]);
  }

  /** Operatories P may work in today (null entry = any chair). */
  operatoriesOf(providerId: Uuid): (Uuid | null)[] {
    return (this.providerHours.get(providerId) ?? []).map((h) => h.operatoryId);
  }

  /** Bookable time of P in O as epoch-ms spans (hours − blockouts, converted with this day's offsets). */
  bookable(providerId: Uuid, operatoryId: Uuid): Span[] {
    const key = `${providerId}|${operatoryId}`;
    let spans = this.bookableCache.get(key);
    if (spans) return spans;
    const local = subtract(this.hours(providerId, operatoryId), this.blockouts(providerId, operatoryId));
    const tz = this.index.tz;
    spans = normalise(
      local.map(
        ([s, e]) => [tz.localToInstantLenient(this.dayNum, s), tz.localToInstantLenient(this.dayNum, e)] as Span,
      ),
    );
    this.bookableCache.set(key, spans);
    return spans;
  }

  /** Local minutes → epoch-ms spans for this day. */
  toInstants(spans: Span[]): Span[] {
    const tz = this.index.tz;
    return spans.map(([s, e]) => [tz.localToInstantLenient(this.dayNum, s), tz.localToInstantLenient(this.dayNum, e)]);
  }
}

function typeOrder(t: ResolvedBlock['scheduleType']): number {
  return t === 'office_hours' ? 0 : t === 'provider' ? 1 : 2;
}

function wallSpan(row: { startTime: string; endTime: string }): Span {
  const s = parseWallTime(row.startTime) ?? 0;
  let e = parseWallTime(row.endTime) ?? 1440;
  if (row.endTime.startsWith('23:59')) e = 1440; // 23:59[:59] means "to the end of the day"
  if (e <= s) e = 1440;
  return [s, e];
}

function block(src: ScheduleTemplate | ScheduleOverride, source: 'template' | 'override', span: Span): ResolvedBlock {
  const status = 'status' in src ? src.status : src.scheduleType === 'blockout' ? 'closed' : 'open';
  return {
    startMin: span[0],
    endMin: span[1],
    scheduleType: src.scheduleType,
    blockoutType: src.blockoutType,
    providerId: src.providerId,
    operatoryId: src.operatoryId,
    status,
    source,
    sourceId: src.id,
    note: 'note' in src ? src.note : '',
  };
}

export function daySchedule(index: PracticeIndex, dayNum: number): DaySchedule {
  const cache = index.cache<number, DaySchedule>('daySchedule');
  let day = cache.get(dayNum);
  if (!day) {
    day = new DaySchedule(index, dayNum);
    cache.set(dayNum, day);
  }
  return day;
}

// ------------------------------------------------------------------ busy time from appointments

export interface DayBusy {
  byOperatory: Map<Uuid, Span[]>;
  byProvider: Map<Uuid, Span[]>;
}

/** Blocking appointments touching a local day (including ones spilling over from the day before). */
export function dayBusy(index: PracticeIndex, dayNum: number): DayBusy {
  const cache = index.cache<number, DayBusy>('dayBusy');
  let busy = cache.get(dayNum);
  if (busy) return busy;
  busy = { byOperatory: new Map(), byProvider: new Map() };
  const add = (map: Map<Uuid, Span[]>, id: Uuid | null, span: Span) => {
    if (!id) return;
    const list = map.get(id);
    if (list) list.push(span);
    else map.set(id, [span]);
  };
  for (const d of [dayNum - 1, dayNum]) {
    for (const a of index.appointmentsOnDay(d)) {
      if (!blocksSlot(a)) continue;
      const span: Span = [a.startMs, a.startMs + a.durationMinutes * MS_PER_MINUTE];
      add(busy.byOperatory, a.operatoryId, span);
      add(busy.byProvider, a.providerId, span);
      if (a.providerHygienistId && a.providerHygienistId !== a.providerId)
        add(busy.byProvider, a.providerHygienistId, span);
    }
  }
  for (const [k, v] of busy.byOperatory) busy.byOperatory.set(k, normalise(v));
  for (const [k, v] of busy.byProvider) busy.byProvider.set(k, normalise(v));
  cache.set(dayNum, busy);
  return busy;
}

// ------------------------------------------------------------------ slot search

export interface SlotQuery {
  dayNums: number[];
  durationMinutes: number;
  providerFilter: Set<Uuid> | null;
  operatoryFilter: Set<Uuid> | null;
  /** Start-time filter on (weekday 0=Mon..6=Sun, local minute of day). */
  accept: ((weekdayMon: number, minuteOfDay: number) => boolean) | null;
  nowMs: EpochMs;
  intervalMinutes: number;
  /** Stop after this many results (after de-duplication when `perInstant`). */
  limit: number;
  /** One entry per instant (the first provider/operatory that fits) instead of one per chair. */
  perInstant: boolean;
  webSchedOnly?: boolean;
}

export interface Slot {
  startMs: EpochMs;
  provider: Provider;
  operatory: Operatory;
}

/** Chronological slots; ties by provider list order then operatory sort_order (§8.4 step 7). */
export function findSlots(index: PracticeIndex, q: SlotQuery): Slot[] {
  const data = index.data;
  const durationMs = q.durationMinutes * MS_PER_MINUTE;
  const providers = data.providers.filter(
    (p) => p.isActive && (!q.providerFilter || q.providerFilter.has(p.id)) && (!q.webSchedOnly || p.isWebSched),
  );
  const operatories = data.operatories
    .filter(
      (o) => o.isBookable && (!q.operatoryFilter || q.operatoryFilter.has(o.id)) && (!q.webSchedOnly || o.isWebSched),
    )
    .sort((a, b) => a.sortOrder - b.sortOrder || a.pk - b.pk);
  const out: Slot[] = [];
  if (providers.length === 0 || operatories.length === 0) return out;
  const tz = index.tz;
  const gridCount = Math.ceil(1440 / q.intervalMinutes);
  for (const dayNum of q.dayNums) {
    const day = daySchedule(index, dayNum);
    if (day.practiceHours.length === 0) continue;
    const info = tz.day(dayNum);
    const weekdayMon = (info.weekday + 6) % 7;
    const busy = dayBusy(index, dayNum);
    const dayEndMs = tz.localToInstantLenient(dayNum, 1440);
    if (dayEndMs <= q.nowMs) continue;
    // Grid instants for the day (null inside a DST gap), computed once.
    const grid: (number | null)[] = new Array(gridCount);
    for (let i = 0; i < gridCount; i++) {
      const minute = i * q.intervalMinutes;
      grid[i] = q.accept && !q.accept(weekdayMon, minute) ? null : tz.localToInstant(dayNum, minute);
    }
    const found: { t: number; p: number; o: number; provider: Provider; operatory: Operatory }[] = [];
    providers.forEach((provider, pIndex) => {
      const allowedOps = day.operatoriesOf(provider.id);
      if (allowedOps.length === 0) return;
      const anyOp = allowedOps.includes(null);
      const providerBusy = busy.byProvider.get(provider.id) ?? [];
      operatories.forEach((operatory, oIndex) => {
        if (!anyOp && !allowedOps.includes(operatory.id)) return;
        const bookable = day.bookable(provider.id, operatory.id);
        if (bookable.length === 0) return;
        const free = subtract(subtract(bookable, busy.byOperatory.get(operatory.id) ?? []), providerBusy);
        for (const [a, b] of free) {
          if (b - a < durationMs) continue;
          for (let i = 0; i < gridCount; i++) {
            const t = grid[i];
            if (t === null || t === undefined || t < a) continue;
            if (t + durationMs > b) break;
            if (t < q.nowMs) continue;
            found.push({ t, p: pIndex, o: oIndex, provider, operatory });
          }
        }
      });
    });
    found.sort((x, y) => x.t - y.t || x.p - y.p || x.o - y.o);
    let lastT = Number.NaN;
    for (const f of found) {
      if (q.perInstant && f.t === lastT) continue;
      lastT = f.t;
      out.push({ startMs: f.t, provider: f.provider, operatory: f.operatory });
      if (out.length >= q.limit) return out;
    }
  }
  return out;
}
