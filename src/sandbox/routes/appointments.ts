/**
 * Appointments (digest §4.1, ASSUMPTIONS §7): list with every documented filter and the no-show
 * annotations, create, retrieve, PUT/PATCH, transition, confirm, history, status metadata and
 * validate-appointment.
 */
import { conflicts, type Issue, type Proposal, scheduleIssues } from '../booking.js';
import { badRequest, conflict, notFound } from '../http/errors.js';
import {
  bodyObject,
  formatCentsOrNull,
  idFilter,
  isUuid,
  pageLinks,
  pageWindow,
  parseCents,
  queryDate,
} from '../http/helpers.js';
import type { Router, SandboxRequest, SandboxResponse } from '../http/types.js';
import type { PracticeIndex } from '../indexes.js';
import {
  APPOINTMENT_STATUSES,
  type Appointment,
  type AppointmentStatus,
  type ConfirmedStatus,
  type PracticeData,
  type ScheduledProcedure,
  type Uuid,
} from '../model.js';
import { BLOCKS_SLOT } from '../schedule.js';
import { serializeAppointment, serializeHistory, userName } from '../serialize.js';
import type { SandboxStore } from '../store.js';
import { dateToDayNum, parseOffsetDateTime } from '../time.js';

export const P = '/api/v1/practice/{practice_uid}';
const READ = { practiceScoped: true, practiceStaffOnly: true, scopes: ['scheduling:read'] };
const WRITE = { practiceScoped: true, practiceStaffOnly: true, scopes: ['scheduling:write'], write: true };

const CONFIRMED: readonly ConfirmedStatus[] = ['not_called', 'left_message', 'confirmed', 'econfirmed'];
const LIST_STATUSES = [...APPOINTMENT_STATUSES, 'no_show'] as const;

export const STATUS_META: { slug: AppointmentStatus; label: string; color: string; is_visible: boolean }[] = [
  { slug: 'scheduled', label: 'Scheduled', color: '#3B82F6', is_visible: true },
  { slug: 'arrived', label: 'Arrived', color: '#F59E0B', is_visible: true },
  { slug: 'seated', label: 'Seated', color: '#8B5CF6', is_visible: true },
  { slug: 'ready_for_doctor', label: 'Ready for Doctor', color: '#EC4899', is_visible: true },
  { slug: 'ready_for_walkout', label: 'Ready for Walkout', color: '#14B8A6', is_visible: true },
  { slug: 'complete', label: 'Complete', color: '#10B981', is_visible: true },
  { slug: 'broken', label: 'Broken/No-Show', color: '#EF4444', is_visible: true },
  { slug: 'cancelled', label: 'Cancelled', color: '#6B7280', is_visible: false },
  { slug: 'unscheduled', label: 'Unscheduled', color: '#9CA3AF', is_visible: false },
  { slug: 'planned', label: 'Planned', color: '#A3A3A3', is_visible: false },
  { slug: 'other', label: 'Other', color: '#737373', is_visible: true },
  { slug: 'note', label: 'Note', color: '#FBBF24', is_visible: true },
];

function statusMeta(slug: AppointmentStatus, i: number) {
  const m = STATUS_META.find((s) => s.slug === slug) as (typeof STATUS_META)[number];
  return {
    slug: m.slug,
    label: m.label,
    color: m.color,
    is_visible: m.is_visible,
    blocks_slot: BLOCKS_SLOT[slug],
    sort_order: i,
  };
}

function practiceOf(req: SandboxRequest): PracticeData {
  return req.practiceData as PracticeData;
}

function findAppointment(store: SandboxStore, req: SandboxRequest): { index: PracticeIndex; appt: Appointment } {
  const data = practiceOf(req);
  const index = store.index(data.practice.id);
  const appt = index.appointmentById.get(req.params.appointment_uid as string);
  if (!appt) throw notFound();
  return { index, appt };
}

/**
 * `writeAnswers=other-appointment` (see ASSUMPTIONS.md §7): the write is applied, but it and
 * later reads of that appointment are answered with another appointment of the practice (another
 * id and patient). Without the switch, or when the practice has no such appointment, `appt`.
 */
function answeredWith(store: SandboxStore, req: SandboxRequest, index: PracticeIndex, appt: Appointment): Appointment {
  if (req.quirks.writeAnswers !== 'other-appointment') return appt;
  let otherId = store.answeredAs.get(appt.id);
  if (otherId === undefined) {
    const other = practiceOf(req).appointments.find((a) => a.id !== appt.id && a.patientId !== appt.patientId);
    if (!other) return appt;
    otherId = other.id;
    store.answeredAs.set(appt.id, otherId);
  }
  return index.appointmentById.get(otherId) ?? appt;
}

/** The answer to a write of `appt`, after `answeredWith`. */
function writeAnswer(store: SandboxStore, req: SandboxRequest, appt: Appointment): Appointment {
  const index = store.index(practiceOf(req).practice.id);
  return answeredWith(store, req, index, appt);
}

/** The no-show annotations (L16–27): filled when the resolved status is broken, null otherwise. */
function annotate(index: PracticeIndex, a: Appointment, noShow: boolean, counts: Map<Uuid, number>) {
  if (!noShow) {
    return { patient_no_show_count: null, patient_phone: null, patient_outstanding_balance: null, cancel_reason: null };
  }
  const p = index.patientById.get(a.patientId);
  return {
    patient_no_show_count: counts.get(a.patientId) ?? 0,
    patient_phone: p ? (p.phoneMobile ?? p.phoneHome ?? p.phoneWork ?? null) : null,
    patient_outstanding_balance: formatCentsOrNull(p?.balanceCurrentCents ?? null),
    cancel_reason: a.cancellationReason || null,
  };
}

function parseDateTimeField(value: unknown, field = 'date_time'): { ms: number; raw: string } {
  if (typeof value !== 'string' || value === '') throw badRequest({ [field]: ['This field is required.'] });
  const parsed = parseOffsetDateTime(value);
  if (parsed === 'naive') throw badRequest({ [field]: ['Datetime must include a timezone offset.'] });
  if (parsed === null) {
    throw badRequest({
      [field]: [
        'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].',
      ],
    });
  }
  return { ms: parsed, raw: value };
}

function parseDuration(value: unknown, field = 'duration_minutes', min = 1): number {
  if (value === undefined || value === null || value === '') throw badRequest({ [field]: ['This field is required.'] });
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw badRequest({ [field]: ['A valid integer is required.'] });
  if (n < min) throw badRequest({ [field]: [`Ensure this value is greater than or equal to ${min}.`] });
  if (n > 2147483647) throw badRequest({ [field]: ['Ensure this value is less than or equal to 2147483647.'] });
  return n;
}

/** A nullable FK in a body: must be a UUID of a row in this practice. */
function fk(body: Record<string, unknown>, field: string, exists: (id: string) => boolean): Uuid | null | undefined {
  if (!(field in body)) return undefined;
  const v = body[field];
  if (v === null || v === '') return null;
  if (typeof v !== 'string' || !isUuid(v)) throw badRequest({ [field]: [`“${String(v)}” is not a valid UUID.`] });
  const id = v.toLowerCase();
  if (!exists(id)) throw badRequest({ [field]: [`Invalid pk "${id}" - object does not exist.`] });
  return id;
}

function bool(body: Record<string, unknown>, field: string): boolean | undefined {
  if (!(field in body)) return undefined;
  const v = body[field];
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw badRequest({ [field]: ['Must be a valid boolean.'] });
}

function str(body: Record<string, unknown>, field: string, max: number): string | undefined {
  if (!(field in body)) return undefined;
  const v = body[field];
  if (v === null) return '';
  if (typeof v !== 'string') throw badRequest({ [field]: ['Not a valid string.'] });
  if (v.length > max) throw badRequest({ [field]: [`Ensure this field has no more than ${max} characters.`] });
  return v;
}

function scheduledProcedures(store: SandboxStore, value: unknown, makeId: () => Uuid): ScheduledProcedure[] {
  if (!Array.isArray(value)) throw badRequest({ scheduled_procedures: ['Expected a list of items.'] });
  return value.map((item, i) => {
    if (typeof item !== 'object' || item === null)
      throw badRequest({ scheduled_procedures: [`Item ${i}: expected an object.`] });
    const o = item as Record<string, unknown>;
    const code = typeof o.proc_code === 'string' ? o.proc_code : '';
    const byCode = store.procedureCodesByCode.get(code);
    const fee = o.fee === undefined ? (byCode?.defaultFeeCents ?? 0) : parseCents(o.fee);
    if (fee === null)
      throw badRequest({ scheduled_procedures: [`Item ${i}: fee must be a decimal with at most 2 places.`] });
    const codeId =
      typeof o.procedure_code === 'string' && isUuid(o.procedure_code) ? o.procedure_code : (byCode?.id ?? null);
    return {
      id: makeId(),
      procedureCodeId: codeId,
      procCode: code,
      description: typeof o.description === 'string' ? o.description : (byCode?.description ?? ''),
      feeCents: fee,
      toothNum: typeof o.tooth_num === 'string' ? o.tooth_num : '',
      surface: typeof o.surface === 'string' ? o.surface : '',
      status: typeof o.status === 'string' ? o.status : 'planned',
    };
  });
}

/** Runs the hours checks (400, unless skip_validation) and the double-book guard (409, unless allow_overbooking). */
function guard(
  index: PracticeIndex,
  proposal: Proposal,
  nowMs: number,
  skipValidation: boolean,
  allowOverbooking: boolean,
) {
  if (!skipValidation) {
    const errors = scheduleIssues(index, proposal, nowMs).filter((i) => i.severity === 'error');
    if (errors.length > 0) throw badRequest({ date_time: errors.map((e) => e.message) });
  }
  if (!allowOverbooking) {
    const found = conflicts(index, proposal);
    if (found.length > 0) {
      throw conflict({
        detail: 'Scheduling conflict.',
        conflicts: found.map((c) => ({ code: c.code, appointment: c.appointment, message: c.message })),
      });
    }
  }
}

export function registerAppointmentRoutes(router: Router, store: SandboxStore): void {
  router.get(`${P}/scheduling/appointment/`, READ, (req) => {
    const data = practiceOf(req);
    const index = store.index(data.practice.id);
    const q = req.query;
    let status = q.get('status') || undefined;
    if (status !== undefined && !(LIST_STATUSES as readonly string[]).includes(status)) {
      throw badRequest({ status: [`Select a valid choice. ${status} is not one of the available choices.`] });
    }
    let from = queryDate(req, 'from');
    let to = queryDate(req, 'to');
    const shortcut = q.get('no_show_between');
    if (shortcut) {
      const parts = shortcut.split(',').map((s) => s.trim());
      if (parts.length !== 2 || parts.some((p) => dateToDayNum(p) === null)) {
        throw badRequest({ no_show_between: ['Enter two ISO dates (YYYY-MM-DD) separated by a comma.'] });
      }
      // Purely additive: explicit from / to / status still win (L16, T12).
      from ??= parts[0];
      to ??= parts[1];
      status ??= 'broken';
    }
    if (status === 'no_show') status = 'broken';
    const patientFilter = idFilter(req, 'patient', (id) => index.patientById.get(id)?.pk);
    const providerFilter = idFilter(req, 'provider', (id) => index.providerById.get(id)?.pk);
    // plannedAppointmentDates=null: a planned visit has no date, so no date bound matches it.
    const undated = req.quirks.plannedAppointmentDates === 'null' && (from !== undefined || to !== undefined);
    const keep = (a: Appointment) =>
      !(undated && a.status === 'planned') &&
      (status === undefined || a.status === status) &&
      (!patientFilter || patientFilter(a.patientId)) &&
      (!providerFilter || providerFilter(a.providerId));
    let rows: Appointment[];
    const fromDay = from === undefined ? undefined : (dateToDayNum(from) as number);
    const toDay = to === undefined ? undefined : (dateToDayNum(to) as number);
    if (fromDay !== undefined && toDay !== undefined && toDay - fromDay <= 800) {
      // A bounded range walks the per-day index (days in order, each in date_time/pk order).
      rows = [];
      for (let d = fromDay; d <= toDay; d++) for (const a of index.appointmentsOnDay(d)) if (keep(a)) rows.push(a);
    } else {
      rows = index.appointmentsSorted.filter(
        (a) => (from === undefined || a.localDate >= from) && (to === undefined || a.localDate <= to) && keep(a),
      );
    }
    const noShow = status === 'broken';
    const counts = new Map<Uuid, number>();
    const w = pageWindow(req, rows.length, 50, 100);
    const page = rows.slice(w.start, w.end);
    if (noShow) {
      for (const a of page) {
        if (!counts.has(a.patientId)) {
          counts.set(a.patientId, index.appointmentsOfPatient(a.patientId).filter((x) => x.status === 'broken').length);
        }
      }
    }
    const envelope = {
      ...pageLinks(req, w, rows.length),
      results: page.map((a) => ({
        ...serializeAppointment(req, store, index, a),
        ...annotate(index, a, noShow, counts),
      })),
    };
    // appointmentEnvelope=nested reproduces the spec's sample (L43–171, T3).
    if (req.quirks.appointmentEnvelope === 'nested') {
      return { status: 200, body: { count: 1, next: null, previous: null, results: [envelope] } };
    }
    return { status: 200, body: envelope };
  });

  router.post(`${P}/scheduling/appointment/`, WRITE, (req) => {
    const data = practiceOf(req);
    const index = store.index(data.practice.id);
    const body = bodyObject(req);
    const patientId = fk(body, 'patient', (id) => index.patientById.has(id));
    if (!patientId) throw badRequest({ patient: ['This field is required.'] });
    const providerId = fk(body, 'provider', (id) => index.providerById.has(id)) ?? null;
    const hygienistId = fk(body, 'provider_hygienist', (id) => index.providerById.has(id)) ?? null;
    const operatoryId = fk(body, 'operatory', (id) => index.operatoryById.has(id)) ?? null;
    const planId = fk(body, 'treatment_plan', (id) => data.treatmentPlans.some((t) => t.id === id)) ?? null;
    const dt = parseDateTimeField(body.date_time);
    const duration = parseDuration(body.duration_minutes);
    const status = (body.status ?? 'scheduled') as AppointmentStatus;
    if (!(APPOINTMENT_STATUSES as readonly string[]).includes(status)) {
      throw badRequest({ status: [`"${String(body.status)}" is not a valid choice.`] });
    }
    const confirmed = (body.confirmed_status ?? '') as ConfirmedStatus;
    if (confirmed !== '' && !CONFIRMED.includes(confirmed)) {
      throw badRequest({ confirmed_status: [`"${String(body.confirmed_status)}" is not a valid choice.`] });
    }
    const proposal: Proposal = {
      startMs: dt.ms,
      durationMinutes: duration,
      providerId,
      hygienistId,
      operatoryId,
      rawDateTime: dt.raw,
    };
    if (BLOCKS_SLOT[status]) {
      guard(
        index,
        proposal,
        req.nowMs,
        bool(body, 'skip_validation') ?? false,
        bool(body, 'allow_overbooking') ?? false,
      );
    }
    const procs =
      body.scheduled_procedures === undefined
        ? []
        : scheduledProcedures(store, body.scheduled_procedures, () => store.newId());
    const total = procs.reduce((s, p) => s + p.feeCents, 0);
    const dollars =
      body.dollars_scheduled === undefined || body.dollars_scheduled === null
        ? null
        : parseCents(body.dollars_scheduled);
    const now = Math.floor(req.nowMs / 1000) * 1000;
    const appt: Appointment = {
      id: store.newId(),
      pk: store.nextPk(),
      createdMs: now,
      modifiedMs: now,
      practiceId: data.practice.id,
      patientId,
      providerId,
      providerHygienistId: hygienistId,
      operatoryId,
      treatmentPlanId: planId,
      startMs: dt.ms,
      localDate: index.tz.localDateOf(dt.ms),
      durationMinutes: duration,
      status,
      confirmedStatus: confirmed,
      appointmentType: str(body, 'appointment_type', 100) ?? '',
      isHygiene: bool(body, 'is_hygiene') ?? false,
      isNewPatient: bool(body, 'is_new_patient') ?? false,
      procedureDescription: str(body, 'procedure_description', 10_000) ?? '',
      note: str(body, 'note', 10_000) ?? '',
      cancellationReason: str(body, 'cancellation_reason', 10_000) ?? '',
      rescheduleRequested: bool(body, 'reschedule_requested') ?? false,
      arrivedAtMs: null,
      seatedAtMs: null,
      readyForDoctorAtMs: null,
      readyForWalkoutAtMs: null,
      dismissedAtMs: null,
      dollarsScheduledCents: dollars ?? (procs.length > 0 ? total : null),
      cancelledBy: null,
      scheduledProcedures: procs,
      history: [],
    };
    data.appointments.push(appt);
    store.invalidate(data.practice.id);
    const answer = writeAnswer(store, req, appt);
    return { status: 201, body: serializeAppointment(req, store, store.index(data.practice.id), answer) };
  });

  router.get(`${P}/scheduling/appointment/{appointment_uid}/`, READ, (req) => {
    const { index, appt } = findAppointment(store, req);
    const answer = store.answeredAs.has(appt.id) ? answeredWith(store, req, index, appt) : appt;
    return { status: 200, body: serializeAppointment(req, store, index, answer) };
  });

  const update = (req: SandboxRequest): SandboxResponse => {
    const data = practiceOf(req);
    const { index, appt } = findAppointment(store, req);
    const body = bodyObject(req);
    if ('status' in body) throw badRequest({ status: ['Status changes must go through /transition/.'] });
    const patientId = fk(body, 'patient', (id) => index.patientById.has(id));
    const providerId = fk(body, 'provider', (id) => index.providerById.has(id));
    const hygienistId = fk(body, 'provider_hygienist', (id) => index.providerById.has(id));
    const operatoryId = fk(body, 'operatory', (id) => index.operatoryById.has(id));
    const planId = fk(body, 'treatment_plan', (id) => data.treatmentPlans.some((t) => t.id === id));
    const dt = 'date_time' in body ? parseDateTimeField(body.date_time) : null;
    const duration = 'duration_minutes' in body ? parseDuration(body.duration_minutes) : appt.durationMinutes;
    if ('confirmed_status' in body) {
      const c = body.confirmed_status as ConfirmedStatus;
      if (c !== '' && !CONFIRMED.includes(c))
        throw badRequest({ confirmed_status: [`"${String(c)}" is not a valid choice.`] });
    }
    const moved =
      dt !== null ||
      duration !== appt.durationMinutes ||
      (providerId !== undefined && providerId !== appt.providerId) ||
      (hygienistId !== undefined && hygienistId !== appt.providerHygienistId) ||
      (operatoryId !== undefined && operatoryId !== appt.operatoryId);
    const skip = bool(body, 'skip_validation') ?? false;
    const overbook = bool(body, 'allow_overbooking') ?? false;
    if (moved && BLOCKS_SLOT[appt.status]) {
      const proposal: Proposal = {
        startMs: dt?.ms ?? appt.startMs,
        durationMinutes: duration,
        providerId: providerId === undefined ? appt.providerId : providerId,
        hygienistId: hygienistId === undefined ? appt.providerHygienistId : hygienistId,
        operatoryId: operatoryId === undefined ? appt.operatoryId : operatoryId,
        excludeId: appt.id,
        ...(dt ? { rawDateTime: dt.raw } : {}),
      };
      guard(index, proposal, req.nowMs, skip, overbook);
    }
    if (patientId) appt.patientId = patientId;
    if (providerId !== undefined) appt.providerId = providerId;
    if (hygienistId !== undefined) appt.providerHygienistId = hygienistId;
    if (operatoryId !== undefined) appt.operatoryId = operatoryId;
    if (planId !== undefined) appt.treatmentPlanId = planId;
    if (dt) {
      appt.startMs = dt.ms;
      appt.localDate = index.tz.localDateOf(dt.ms);
    }
    appt.durationMinutes = duration;
    if ('confirmed_status' in body) appt.confirmedStatus = body.confirmed_status as ConfirmedStatus;
    appt.appointmentType = str(body, 'appointment_type', 100) ?? appt.appointmentType;
    appt.isHygiene = bool(body, 'is_hygiene') ?? appt.isHygiene;
    appt.isNewPatient = bool(body, 'is_new_patient') ?? appt.isNewPatient;
    appt.procedureDescription = str(body, 'procedure_description', 10_000) ?? appt.procedureDescription;
    appt.note = str(body, 'note', 10_000) ?? appt.note;
    appt.cancellationReason = str(body, 'cancellation_reason', 10_000) ?? appt.cancellationReason;
    appt.rescheduleRequested = bool(body, 'reschedule_requested') ?? appt.rescheduleRequested;
    if (body.scheduled_procedures !== undefined) {
      appt.scheduledProcedures = scheduledProcedures(store, body.scheduled_procedures, () => store.newId());
    }
    if (body.dollars_scheduled !== undefined) {
      appt.dollarsScheduledCents = body.dollars_scheduled === null ? null : parseCents(body.dollars_scheduled);
    }
    appt.modifiedMs = Math.floor(req.nowMs / 1000) * 1000;
    store.invalidate(data.practice.id);
    return {
      status: 200,
      body: {
        ...serializeAppointment(req, store, store.index(data.practice.id), writeAnswer(store, req, appt)),
        allow_overbooking: overbook,
        skip_validation: skip,
      },
    };
  };
  router.put(`${P}/scheduling/appointment/{appointment_uid}/`, WRITE, update);
  router.patch(`${P}/scheduling/appointment/{appointment_uid}/`, WRITE, update);

  router.post(`${P}/scheduling/appointment/{appointment_uid}/transition/`, WRITE, (req) => {
    const data = practiceOf(req);
    const { appt } = findAppointment(store, req);
    const body = bodyObject(req);
    const to = body.status;
    if (to === undefined || to === null || to === '') throw badRequest({ status: ['This field is required.'] });
    if (typeof to !== 'string' || !(APPOINTMENT_STATUSES as readonly string[]).includes(to)) {
      throw badRequest({ status: [`"${String(to)}" is not a valid choice.`] });
    }
    const from = appt.status;
    if (from === 'cancelled' || from === 'broken' || from === 'complete' || from === to) {
      throw badRequest({ status: [`Cannot transition from ${from} to ${to}.`] });
    }
    // writeAnswers=other-status: answered 200 with the appointment as it was; nothing changes.
    if (req.quirks.writeAnswers === 'other-status') {
      return { status: 200, body: serializeAppointment(req, store, store.index(data.practice.id), appt) };
    }
    const note = typeof body.note === 'string' ? body.note : '';
    const now = Math.floor(req.nowMs / 1000) * 1000;
    const user = req.credential?.user;
    const target = to as AppointmentStatus;
    appt.status = target;
    if (target === 'arrived') appt.arrivedAtMs = now;
    if (target === 'seated') {
      appt.arrivedAtMs ??= now;
      appt.seatedAtMs = now;
    }
    if (target === 'ready_for_doctor') appt.readyForDoctorAtMs = now;
    if (target === 'ready_for_walkout') appt.readyForWalkoutAtMs = now;
    if (target === 'complete') appt.dismissedAtMs = now;
    if (target === 'cancelled') {
      appt.cancelledBy = user?.id ?? null;
      if (note && !appt.cancellationReason) appt.cancellationReason = note;
    }
    appt.history.push({
      id: appt.history.reduce((m, h) => Math.max(m, h.id), 0) + 1,
      previousStatus: from,
      newStatus: target,
      changedBy: user?.id ?? null,
      changedByName: user ? userName(store, user.id) : '',
      changedAtMs: now,
      note,
    });
    appt.modifiedMs = now;
    store.invalidate(data.practice.id);
    return {
      status: 200,
      body: serializeAppointment(req, store, store.index(data.practice.id), writeAnswer(store, req, appt)),
    };
  });

  router.post(`${P}/scheduling/appointment/{appointment_uid}/confirm/`, WRITE, (req) => {
    const data = practiceOf(req);
    const { appt } = findAppointment(store, req);
    const body = bodyObject(req);
    const c = body.confirmed_status;
    if (c === undefined || c === null || c === '') throw badRequest({ confirmed_status: ['This field is required.'] });
    // Strict enum: the docstring's "Confirmed" (capitalised, T9) is rejected like any unknown value.
    if (typeof c !== 'string' || !CONFIRMED.includes(c as ConfirmedStatus)) {
      throw badRequest({ confirmed_status: [`"${String(c)}" is not a valid choice.`] });
    }
    appt.confirmedStatus = c as ConfirmedStatus;
    appt.modifiedMs = Math.floor(req.nowMs / 1000) * 1000;
    store.invalidate(data.practice.id);
    return { status: 200, body: serializeAppointment(req, store, store.index(data.practice.id), appt) };
  });

  router.get(`${P}/scheduling/appointment/{appointment_uid}/history/`, READ, (req) => {
    const { appt } = findAppointment(store, req);
    return {
      status: 200,
      body: [...appt.history].sort((a, b) => a.changedAtMs - b.changedAtMs || a.id - b.id).map(serializeHistory),
    };
  });

  router.get(`${P}/scheduling/appointment-status/`, READ, () => ({
    status: 200,
    body: STATUS_META.map((m, i) => statusMeta(m.slug, i)),
  }));

  router.get(`${P}/scheduling/appointment-status/{slug}/`, READ, (req) => {
    const i = STATUS_META.findIndex((m) => m.slug === req.params.slug);
    if (i < 0) throw notFound();
    return { status: 200, body: statusMeta(STATUS_META[i]?.slug as AppointmentStatus, i) };
  });

  router.post(`${P}/scheduling/validate-appointment/`, READ, (req) => {
    const data = practiceOf(req);
    const index = store.index(data.practice.id);
    const body = bodyObject(req);
    const dt = parseDateTimeField(body.date_time);
    const duration = parseDuration(body.duration_minutes);
    const providerId = fk(body, 'provider', (id) => index.providerById.has(id)) ?? null;
    const operatoryId = fk(body, 'operatory', (id) => index.operatoryById.has(id)) ?? null;
    const exclude = fk(body, 'exclude_appointment', (id) => index.appointmentById.has(id)) ?? null;
    const proposal: Proposal = {
      startMs: dt.ms,
      durationMinutes: duration,
      providerId,
      operatoryId,
      excludeId: exclude,
      rawDateTime: dt.raw,
    };
    const issues: Issue[] = [...scheduleIssues(index, proposal, req.nowMs), ...conflicts(index, proposal)];
    return {
      status: 200,
      body: {
        valid: !issues.some((i) => i.severity === 'error'),
        issues: issues.map((i) => ({
          code: i.code,
          severity: i.severity,
          message: i.message,
          ...(i.appointment ? { appointment: i.appointment } : {}),
        })),
      },
    };
  });
}
