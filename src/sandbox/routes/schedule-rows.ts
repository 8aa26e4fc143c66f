/**
 * Schedule templates and overrides (lists, L1181/L1099), recalls (L861, L16442), and the two
 * scheduling reports: cancellations (L980) and provider utilization (L1025).
 */
import { badRequest, notFound } from '../http/errors.js';
import {
  formatCents,
  idFilter,
  paginate,
  queryDate,
  queryEnum,
  queryInt,
  renderDateTime,
  renderStamp,
  requireDate,
  uuidFilter,
} from '../http/helpers.js';
import type { Router, SandboxRequest } from '../http/types.js';
import type { PracticeIndex } from '../indexes.js';
import type { Appointment, PracticeData, Provider } from '../model.js';
import { BLOCKS_SLOT, daySchedule, intersect, normalise, type Span, subtract } from '../schedule.js';
import {
  patientName,
  providerName,
  serializeOverride,
  serializeRecall,
  serializeTemplate,
  userName,
} from '../serialize.js';
import type { SandboxStore } from '../store.js';
import { dateToDayNum, dayNumToDate, MS_PER_DAY, MS_PER_MINUTE, weekdayMon } from '../time.js';
import { P } from './appointments.js';

const READ = { practiceScoped: true, practiceStaffOnly: true, scopes: ['scheduling:read'] };
const PATIENT_READ = { practiceScoped: true, practiceStaffOnly: true, scopes: ['patients:read'] };

function indexOf(store: SandboxStore, req: SandboxRequest): PracticeIndex {
  return store.index((req.practiceData as PracticeData).practice.id);
}

/** "true"/"false" string enums (T13). */
function stringBool(req: SandboxRequest, name: string): boolean | undefined {
  const v = queryEnum(req, name, ['true', 'false'] as const);
  return v === undefined ? undefined : v === 'true';
}

function hours(ms: number): string {
  return (Math.round(ms / 36_000) / 100).toFixed(2);
}

export function registerScheduleRowRoutes(router: Router, store: SandboxStore): void {
  router.get(`${P}/scheduling/schedule-template/`, READ, (req) => {
    const index = indexOf(store, req);
    const dow = queryInt(req, 'day_of_week');
    if (dow !== undefined && (dow < 0 || dow > 6)) {
      throw badRequest({ day_of_week: [`Select a valid choice. ${dow} is not one of the available choices.`] });
    }
    const type = queryEnum(req, 'schedule_type', ['blockout', 'office_hours', 'provider'] as const);
    const pf = idFilter(req, 'provider', (id) => index.providerById.get(id)?.pk);
    const rows = index.data.templates
      .filter(
        (t) =>
          (dow === undefined || t.dayOfWeek === dow) && (!type || t.scheduleType === type) && (!pf || pf(t.providerId)),
      )
      .sort(
        (a, b) =>
          a.dayOfWeek - b.dayOfWeek || (a.startTime < b.startTime ? -1 : a.startTime > b.startTime ? 1 : a.pk - b.pk),
      );
    return paginate(req, rows, {
      defaultPageSize: 20,
      maxPageSize: 100,
      serialize: (t) => serializeTemplate(req, index, t),
    });
  });

  router.get(`${P}/scheduling/schedule-override/`, READ, (req) => {
    const index = indexOf(store, req);
    const from = queryDate(req, 'date_from');
    const to = queryDate(req, 'date_to');
    const type = queryEnum(req, 'schedule_type', ['blockout', 'office_hours', 'provider'] as const);
    const pf = idFilter(req, 'provider', (id) => index.providerById.get(id)?.pk);
    const rows = index.data.overrides
      .filter(
        (o) =>
          (!from || o.scheduleDate >= from) &&
          (!to || o.scheduleDate <= to) &&
          (!type || o.scheduleType === type) &&
          (!pf || pf(o.providerId)),
      )
      .sort((a, b) =>
        a.scheduleDate < b.scheduleDate
          ? -1
          : a.scheduleDate > b.scheduleDate
            ? 1
            : a.startTime < b.startTime
              ? -1
              : a.startTime > b.startTime
                ? 1
                : a.pk - b.pk,
      );
    return paginate(req, rows, {
      defaultPageSize: 20,
      maxPageSize: 100,
      serialize: (o) => serializeOverride(req, index, o),
    });
  });

  router.get(`${P}/scheduling/recall/`, READ, (req) => {
    const index = indexOf(store, req);
    const after = queryDate(req, 'due_after');
    const before = queryDate(req, 'due_before');
    const disabled = stringBool(req, 'is_disabled');
    const unscheduled = stringBool(req, 'unscheduled');
    const type = req.query.get('recall_type') || undefined;
    const pf = idFilter(req, 'patient', (id) => index.patientById.get(id)?.pk);
    const rows = index.data.recalls
      .filter(
        (r) =>
          (!after || (r.dateDue !== null && r.dateDue >= after)) &&
          (!before || (r.dateDue !== null && r.dateDue <= before)) &&
          (disabled === undefined || r.isDisabled === disabled) &&
          (unscheduled === undefined || (r.dateScheduled === null) === unscheduled) &&
          (!type || r.recallType === type) &&
          (!pf || pf(r.patientId)),
      )
      .sort((a, b) =>
        (a.dateDue ?? '') < (b.dateDue ?? '') ? -1 : (a.dateDue ?? '') > (b.dateDue ?? '') ? 1 : a.pk - b.pk,
      );
    return paginate(req, rows, {
      defaultPageSize: 20,
      maxPageSize: 100,
      serialize: (r) => serializeRecall(index, r, req.nowMs),
    });
  });

  router.get(`${P}/patient/{patient_id}/scheduling/recall/`, PATIENT_READ, (req) => {
    const index = indexOf(store, req);
    const patientId = req.params.patient_id as string;
    if (!index.patientById.has(patientId)) throw notFound();
    const rows = [...index.patientRows('recalls', patientId)].sort((a, b) =>
      (a.dateDue ?? '') < (b.dateDue ?? '') ? -1 : (a.dateDue ?? '') > (b.dateDue ?? '') ? 1 : a.pk - b.pk,
    );
    return paginate(req, rows, {
      defaultPageSize: 20,
      maxPageSize: 100,
      serialize: (r) => serializeRecall(index, r, req.nowMs),
    });
  });

  router.get(`${P}/scheduling/reports/cancellations/`, READ, (req) => {
    const index = indexOf(store, req);
    const tz = index.tz;
    const shortcut = req.query.get('cancelled_between');
    let from: string | undefined;
    let to: string | undefined;
    if (shortcut) {
      // The shortcut overrides from/to — the opposite of no_show_between (T12).
      const parts = shortcut.split(',').map((s) => s.trim());
      if (parts.length !== 2 || parts.some((p) => dateToDayNum(p) === null)) {
        throw badRequest({ cancelled_between: ['Enter two ISO dates (YYYY-MM-DD) separated by a comma.'] });
      }
      [from, to] = parts as [string, string];
    } else {
      from = queryDate(req, 'from');
      to = queryDate(req, 'to');
      if (!from || !to) throw badRequest({ detail: 'Either cancelled_between or both from and to must be provided.' });
    }
    const rows: { at: number; a: Appointment; row: Record<string, unknown> }[] = [];
    for (const a of index.appointmentsSorted) {
      if (a.status !== 'cancelled') continue;
      const entry = [...a.history].reverse().find((h) => h.newStatus === 'cancelled');
      const at = entry?.changedAtMs ?? a.modifiedMs;
      const day = tz.localDateOf(at);
      if (day < from || day > to) continue;
      const rebook = index
        .appointmentsOfPatient(a.patientId)
        .find((x) => x.id !== a.id && x.createdMs >= at && x.status !== 'cancelled' && x.status !== 'broken');
      const lag = rebook ? (dateToDayNum(rebook.localDate) as number) - (dateToDayNum(day) as number) : null;
      rows.push({
        at,
        a,
        row: {
          id: a.id,
          cancelled_at: renderStamp(at),
          scheduled_start: renderDateTime(req, tz, a.startMs),
          lead_time_hours: (Math.round((a.startMs - at) / 360_000) / 10).toFixed(1),
          patient_id: a.patientId,
          patient_name: patientName(index.patientById.get(a.patientId)),
          provider_name: a.providerId ? providerName(index.providerById.get(a.providerId)) : '',
          operatory_name: a.operatoryId ? (index.operatoryById.get(a.operatoryId)?.name ?? '') : '',
          procedure_description: a.procedureDescription,
          cancel_reason: a.cancellationReason,
          cancelled_by_id: entry?.changedBy ?? a.cancelledBy ?? null,
          cancelled_by_name: userName(store, entry?.changedBy ?? a.cancelledBy ?? null),
          rebooked: rebook !== undefined,
          rebook_appointment_id: rebook?.id ?? null,
          rebook_date: rebook?.localDate ?? null,
          rebook_lag_days: lag,
          scheduled_production: formatCents(a.scheduledProcedures.reduce((s, p) => s + p.feeCents, 0)),
        },
      });
    }
    rows.sort((x, y) => x.at - y.at || x.a.pk - y.a.pk);
    return { status: 200, body: { results: rows.map((r) => r.row) } };
  });

  router.get(`${P}/scheduling/reports/provider-utilization/`, READ, (req) => {
    const index = indexOf(store, req);
    const from = requireDate(req, 'from');
    const to = requireDate(req, 'to');
    const granularity = queryEnum(req, 'granularity', ['day', 'week', 'month'] as const);
    const a0 = dateToDayNum(from) as number;
    const a1 = dateToDayNum(to) as number;
    if (a1 < a0) throw badRequest({ to: ['to must be on or after from.'] });
    if (a1 - a0 > 400) throw badRequest({ to: ['The range cannot exceed 400 days.'] });
    const filter = uuidFilter(req, 'provider');
    const providers = index.data.providers.filter((p) => (filter ? filter.has(p.id) : p.isActive));
    // Buckets: day, ISO week (Mon–Sun), calendar month; without granularity one bucket for the range.
    const buckets: [number, number][] = [];
    if (!granularity) buckets.push([a0, a1]);
    else {
      let d = a0;
      while (d <= a1) {
        let end = d;
        if (granularity === 'week') end = d + (6 - weekdayMon(d));
        if (granularity === 'month') {
          const date = dayNumToDate(d);
          const y = Number(date.slice(0, 4));
          const m = Number(date.slice(5, 7));
          end = Date.UTC(y, m, 0) / MS_PER_DAY;
        }
        end = Math.min(end, a1);
        buckets.push([d, end]);
        d = end + 1;
      }
    }
    const results: unknown[] = [];
    for (const provider of providers) {
      for (const [b0, b1] of buckets) results.push(utilizationRow(index, provider, b0, b1));
    }
    return { status: 200, body: { results } };
  });
}

function utilizationRow(index: PracticeIndex, provider: Provider, b0: number, b1: number) {
  let templateMs = 0;
  let blockedMs = 0;
  let scheduledMs = 0;
  let count = 0;
  let prodScheduled = 0;
  let prodCompleted = 0;
  for (let d = b0; d <= b1; d++) {
    const day = daySchedule(index, d);
    const working = day.toInstants(day.hours(provider.id, null));
    const blocked = intersect(working, day.toInstants(normalise(providerBlockouts(day, provider.id))));
    templateMs += total(working);
    blockedMs += total(blocked);
    for (const a of index.appointmentsOnDay(d)) {
      if (a.providerId !== provider.id && a.providerHygienistId !== provider.id) continue;
      // Cancelled, broken and unscheduled release their time (L1025); so do planned/note/other rows.
      if (!BLOCKS_SLOT[a.status]) continue;
      count += 1;
      scheduledMs += a.durationMinutes * MS_PER_MINUTE;
      const fee = a.scheduledProcedures.reduce((s, p) => s + p.feeCents, 0);
      prodScheduled += fee;
      if (a.status === 'complete') prodCompleted += fee;
    }
  }
  const available = Math.max(0, templateMs - blockedMs);
  const pct = available === 0 ? '0.00' : (Math.round((scheduledMs / available) * 10_000) / 100).toFixed(2);
  return {
    provider_id: provider.id,
    provider_name: providerName(provider),
    bucket_start: dayNumToDate(b0),
    bucket_end: dayNumToDate(b1),
    template_hours: hours(templateMs),
    blocked_hours: hours(blockedMs),
    available_hours: hours(available),
    scheduled_hours: hours(scheduledMs),
    open_hours: hours(Math.max(0, available - scheduledMs)),
    utilization_pct: pct,
    appointment_count: count,
    production_scheduled: formatCents(prodScheduled),
    production_completed: formatCents(prodCompleted),
  };
}

function providerBlockouts(day: ReturnType<typeof daySchedule>, providerId: string): Span[] {
  const spans: Span[] = [];
  for (const opId of day.operatoriesOf(providerId)) spans.push(...day.blockouts(providerId, opId));
  if (spans.length === 0) spans.push(...day.blockouts(providerId, null));
  return subtract(spans, []);
}

function total(spans: Span[]): number {
  return spans.reduce((s, [a, b]) => s + (b - a), 0);
}
