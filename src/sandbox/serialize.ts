/**
 * Row → JSON renderings, field names and order as in the spec's samples. Appointment `date_time`
 * and slot times carry the practice offset; server stamps are UTC `Z` (ASSUMPTIONS §5).
 */
import { formatCents, formatCentsOrNull, renderDateTime, renderStamp, renderWallTime } from './http/helpers.js';
import type { SandboxRequest } from './http/types.js';
import type { PracticeIndex } from './indexes.js';
import type {
  Appointment,
  AppointmentHistoryEntry,
  ClinicalNote,
  Commlog,
  ImagingExam,
  McpCatalogEntry,
  Operatory,
  Patient,
  PerioExam,
  PracticeData,
  PracticeToolGate,
  Procedure,
  Provider,
  Recall,
  ScheduleOverride,
  ScheduleTemplate,
  TreatmentPlan,
  User,
  Uuid,
} from './model.js';
import type { SandboxFixtures } from './seed/generate.js';
import type { SandboxStore } from './store.js';

export function providerName(p: Provider | undefined): string {
  if (!p) return '';
  return p.providerType === 'dentist' ? `${p.lastName}, Dr. ${p.firstName}` : `${p.lastName}, ${p.firstName}`;
}

export function patientName(p: Patient | undefined): string {
  return p ? `${p.lastName}, ${p.firstName}` : '';
}

export function serializePractice(store: SandboxStore, data: PracticeData) {
  const p = data.practice;
  const client = store.clients.get(p.clientId);
  return {
    id: p.id,
    client: p.clientId,
    client_name: client?.name ?? '',
    name: p.name,
    address_line1: p.addressLine1,
    address_line2: '',
    city: p.city,
    state: p.state,
    zip_code: p.zipCode,
    phone: p.phone,
    timezone: servedTimezone(store, p.id, p.timezone),
    settings: null,
    production_goal_daily: formatCentsOrNull(p.productionGoalDailyCents),
    production_goal_weekly: formatCentsOrNull(p.productionGoalWeeklyCents),
    production_goal_monthly: formatCentsOrNull(p.productionGoalMonthlyCents),
    is_active: p.isActive,
    logo_url: '',
    client_logo_url: '',
    effective_logo_url: '',
    client_accent_color: '#0F766E',
    created: renderStamp(p.createdMs),
    modified: renderStamp(p.modifiedMs),
    custom_data: null,
    active_banners: '',
    inbound_document_email: `inbox+${p.id.slice(0, 8)}@docs.escape-dental.example`,
  };
}

/**
 * A practice's zone as the API writes it: under `practiceZones=one-placeholder`, New York's is
 * the spec samples' literal "string" (L6420) in every answer that carries it; the sandbox's own
 * calendar still runs on the real zone.
 */
function servedTimezone(store: SandboxStore, practiceId: Uuid, zone: string): string {
  if (store.quirks.practiceZones !== 'one-placeholder') return zone;
  return practiceId === (store.fixtures as SandboxFixtures).practices.ny.id ? 'string' : zone;
}

export function serializeMe(store: SandboxStore, user: User, nowMs: number) {
  const memberships = user.memberships.map((m) => {
    const data = store.practiceData(m.practiceId);
    return {
      practice_id: m.practiceId,
      practice_name: data?.practice.name ?? '',
      client_id: data?.practice.clientId ?? null,
      role: m.role,
      is_active: m.isActive,
    };
  });
  const clientMemberships = user.clientMemberships.map((cm) => ({
    client_id: cm.clientId,
    client_name: store.clients.get(cm.clientId)?.name ?? '',
    role: cm.role,
    is_active: cm.isActive,
  }));
  const current = user.memberships.find((m) => m.isActive) ?? null;
  const currentData = current ? store.practiceData(current.practiceId) : undefined;
  const clientId = user.clientMemberships[0]?.clientId ?? currentData?.practice.clientId;
  const maxSession = clientId ? store.clients.get(clientId)?.maxSessionHours : undefined;
  return {
    id: user.id,
    email: user.email,
    first_name: user.firstName,
    last_name: user.lastName,
    is_patient: user.isPatient,
    is_staff: user.isStaff,
    is_superuser: false,
    is_active: true,
    date_joined: renderStamp(user.createdMs),
    last_login: renderStamp(Math.floor(nowMs / 1000) * 1000),
    last_seen_at: renderStamp(Math.floor(nowMs / 1000) * 1000),
    first_run_tour_completed_at: renderStamp(user.createdMs),
    preference_data: '{}',
    memberships,
    client_memberships: clientMemberships,
    max_session_hours: String(maxSession ?? 12),
    current_practice_id: current?.practiceId ?? null,
    practice_timezone: currentData
      ? servedTimezone(store, currentData.practice.id, currentData.practice.timezone)
      : null,
  };
}

export function serializeProvider(p: Provider) {
  return {
    id: p.id,
    first_name: p.firstName,
    last_name: p.lastName,
    abbreviation: p.abbreviation,
    specialty: p.specialty,
    provider_type: p.providerType,
    color: p.color,
    npi: p.npi,
    dea_number: '',
    is_hidden: p.isHidden,
    is_secondary: p.isSecondary,
    is_active: p.isActive,
    is_web_sched: p.isWebSched,
    custom_data: null,
  };
}

export function serializeOperatory(index: PracticeIndex, o: Operatory) {
  return {
    id: o.id,
    name: o.name,
    abbreviation: o.abbreviation,
    provider_dentist: o.providerDentistId,
    provider_dentist_name: o.providerDentistId ? providerName(index.providerById.get(o.providerDentistId)) : '',
    provider_hygienist: o.providerHygienistId,
    provider_hygienist_name: o.providerHygienistId ? providerName(index.providerById.get(o.providerHygienistId)) : '',
    is_hygiene: o.isHygiene,
    is_hidden: o.isHidden,
    is_bookable: o.isBookable,
    sort_order: o.sortOrder,
    is_web_sched: o.isWebSched,
    custom_data: null,
  };
}

export function serializeTemplate(req: SandboxRequest, index: PracticeIndex, t: ScheduleTemplate) {
  return {
    id: t.id,
    provider: t.providerId,
    provider_name: t.providerId ? providerName(index.providerById.get(t.providerId)) : '',
    day_of_week: t.dayOfWeek,
    start_time: renderWallTime(req, t.startTime),
    end_time: renderWallTime(req, t.endTime),
    schedule_type: t.scheduleType,
    blockout_type: t.blockoutType,
    operatory: t.operatoryId,
    is_active: t.isActive,
    custom_data: null,
  };
}

export function serializeOverride(req: SandboxRequest, index: PracticeIndex, o: ScheduleOverride) {
  return {
    id: o.id,
    provider: o.providerId,
    provider_name: o.providerId ? providerName(index.providerById.get(o.providerId)) : '',
    schedule_date: o.scheduleDate,
    start_time: renderWallTime(req, o.startTime),
    end_time: renderWallTime(req, o.endTime),
    schedule_type: o.scheduleType,
    blockout_type: o.blockoutType,
    operatory: o.operatoryId,
    status: o.status,
    note: o.note,
    custom_data: null,
  };
}

export function userName(store: SandboxStore, id: Uuid | null): string {
  if (!id) return '';
  const u = store.users.get(id);
  return u ? `${u.firstName} ${u.lastName}` : '';
}

export function serializeAppointment(req: SandboxRequest, store: SandboxStore, index: PracticeIndex, a: Appointment) {
  const tz = index.tz;
  // Field order of the generated sample (L17190); no created/modified, as in the spec.
  return {
    id: a.id,
    patient: a.patientId,
    provider: a.providerId,
    provider_hygienist: a.providerHygienistId,
    operatory: a.operatoryId,
    treatment_plan: a.treatmentPlanId,
    // plannedAppointmentDates=null: a planned visit is not on the schedule, so it has no date_time.
    date_time:
      a.status === 'planned' && req.quirks.plannedAppointmentDates === 'null'
        ? null
        : renderDateTime(req, tz, a.startMs),
    duration_minutes: a.durationMinutes,
    status: a.status,
    confirmed_status: a.confirmedStatus,
    appointment_type: a.appointmentType,
    is_hygiene: a.isHygiene,
    is_new_patient: a.isNewPatient,
    procedure_description: a.procedureDescription,
    note: a.note,
    cancellation_reason: a.cancellationReason,
    reschedule_requested: a.rescheduleRequested,
    arrived_at: renderStamp(a.arrivedAtMs),
    seated_at: renderStamp(a.seatedAtMs),
    ready_for_doctor_at: renderStamp(a.readyForDoctorAtMs),
    ready_for_walkout_at: renderStamp(a.readyForWalkoutAtMs),
    dismissed_at: renderStamp(a.dismissedAtMs),
    dollars_scheduled: formatCentsOrNull(a.dollarsScheduledCents),
    patient_name: patientName(index.patientById.get(a.patientId)),
    provider_name: a.providerId ? providerName(index.providerById.get(a.providerId)) : '',
    provider_hygienist_name: a.providerHygienistId ? providerName(index.providerById.get(a.providerHygienistId)) : '',
    cancelled_by: a.cancelledBy,
    cancelled_by_name: userName(store, a.cancelledBy),
    scheduled_procedures: a.scheduledProcedures.map((sp) => ({
      id: sp.id,
      procedure_code: sp.procedureCodeId,
      proc_code: sp.procCode,
      description: sp.description,
      fee: formatCents(sp.feeCents),
      tooth_num: sp.toothNum,
      surface: sp.surface,
      status: sp.status,
      custom_data: null,
    })),
    custom_data: null,
  };
}

export function serializeHistory(h: AppointmentHistoryEntry) {
  return {
    id: h.id,
    previous_status: h.previousStatus,
    new_status: h.newStatus,
    changed_by: h.changedBy,
    changed_by_name: h.changedByName,
    changed_at: renderStamp(h.changedAtMs),
    note: h.note,
    custom_data: null,
  };
}

export function serializePatient(p: Patient) {
  return {
    id: p.id,
    first_name: p.firstName,
    last_name: p.lastName,
    preferred_name: p.preferredName,
    email: p.email,
    date_of_birth: p.dateOfBirth,
    gender: p.gender,
    status: p.status,
    phone_home: p.phoneHome,
    phone_work: p.phoneWork,
    phone_mobile: p.phoneMobile,
    address: p.address,
    address2: '',
    city: p.city,
    state: p.state,
    zip_code: p.zipCode,
    primary_provider: p.primaryProviderId,
    secondary_provider: p.secondaryProviderId,
    last_medical_review: null,
    last_medical_review_by: null,
    last_medical_review_by_name: '',
    balance_current: formatCentsOrNull(p.balanceCurrentCents),
    last_recall_date: p.lastRecallDate,
    next_recall_date: p.nextRecallDate,
    prefers_email: p.prefersEmail,
    prefers_sms: p.prefersSms,
    hipaa_consent_signed: true,
    hipaa_consent_date: new Date(p.createdMs).toISOString().slice(0, 10),
    hipaa_authorization_signed: true,
    hipaa_authorization_date: new Date(p.createdMs).toISOString().slice(0, 10),
    hipaa_privacy_practices_signed: true,
    hipaa_privacy_practices_date: new Date(p.createdMs).toISOString().slice(0, 10),
    custom_data: null,
    referral_source: '',
  };
}

export function serializeProcedure(store: SandboxStore, index: PracticeIndex, p: Procedure) {
  const code = store.procedureCodesById.get(p.procedureCodeId);
  return {
    id: p.id,
    patient: p.patientId,
    provider: p.providerId,
    provider_name: p.providerId ? providerName(index.providerById.get(p.providerId)) : '',
    appointment: p.appointmentId,
    procedure_code: code
      ? { id: code.id, code: code.code, description: code.description, abbreviation: code.abbreviation }
      : null,
    proc_code: p.procCode,
    description: p.description,
    proc_date: p.procDate,
    date_complete: p.dateComplete,
    proc_fee: formatCents(p.procFeeCents),
    status: p.status,
    tooth_num: p.toothNum,
    surface: p.surface,
    discount: formatCents(p.discountCents),
    unit_qty: p.unitQty,
    created: renderStamp(p.createdMs),
    modified: renderStamp(p.modifiedMs),
    custom_data: null,
  };
}

export function serializeNote(index: PracticeIndex, n: ClinicalNote) {
  return {
    id: n.id,
    patient: n.patientId,
    appointment: n.appointmentId,
    provider: n.providerId,
    provider_name: n.providerId ? providerName(index.providerById.get(n.providerId)) : '',
    template: null,
    template_name: '',
    note_type: n.noteType,
    subject: n.subject,
    content: n.content,
    note_date: n.noteDate,
    is_signed: n.isSigned,
    signed_by: n.isSigned ? n.providerId : null,
    signed_at: renderStamp(n.signedAtMs),
    is_addendum: false,
    parent_note: null,
    created: renderStamp(n.createdMs),
    modified: renderStamp(n.modifiedMs),
    created_by: null,
    custom_data: null,
  };
}

export function serializePerio(req: SandboxRequest, index: PracticeIndex, e: PerioExam) {
  return {
    id: e.id,
    patient: e.patientId,
    provider: e.providerId,
    provider_name: e.providerId ? providerName(index.providerById.get(e.providerId)) : '',
    appointment: e.appointmentId,
    exam_date: renderDateTime(req, index.tz, e.examDateMs),
    is_completed: e.isCompleted,
    stage: e.stage,
    grade: e.grade,
    note: e.note,
    readings: [],
    reading_count: e.readingCount,
    created: renderStamp(e.createdMs),
    modified: renderStamp(e.modifiedMs),
    custom_data: null,
  };
}

export function serializeTreatmentPlan(index: PracticeIndex, t: TreatmentPlan) {
  const provider = t.providerId ? providerName(index.providerById.get(t.providerId)) : '';
  return {
    id: t.id,
    patient: t.patientId,
    provider: t.providerId,
    provider_name: provider,
    name: t.name,
    status: t.status,
    date_created: t.dateCreated,
    date_accepted: t.dateAccepted,
    note: t.note,
    items: t.items.map((item) => ({
      id: item.id,
      patient: t.patientId,
      provider: t.providerId,
      treatment_plan: t.id,
      procedure_code: item.procedureCodeId,
      proc_code: item.procCode,
      procedure_code_fee: formatCents(item.plannedFeeCents),
      description: item.description,
      tooth_num: item.toothNum,
      surface: item.surface,
      planned_fee: formatCents(item.plannedFeeCents),
      date_planned: item.datePlanned,
      status: item.status,
      est_primary_ins: formatCents(Math.round(item.plannedFeeCents * 0.5)),
      est_secondary_ins: '0.00',
      plan_name: t.name,
      priority: item.priority,
      created: renderStamp(t.createdMs),
      modified: renderStamp(t.modifiedMs),
      custom_data: null,
    })),
    item_count: t.items.length,
    created: renderStamp(t.createdMs),
    modified: renderStamp(t.modifiedMs),
    custom_data: null,
  };
}

export function serializeImaging(index: PracticeIndex, e: ImagingExam) {
  return {
    id: e.id,
    template: null,
    template_name: e.name,
    name: e.name,
    exam_date: e.examDate,
    provider: e.providerId,
    provider_name: e.providerId ? providerName(index.providerById.get(e.providerId)) : '',
    notes: e.notes,
    is_complete: e.isComplete,
    image_count: e.imageCount,
    created: renderStamp(e.createdMs),
    modified: renderStamp(e.modifiedMs),
    custom_data: null,
  };
}

export function serializeCommlog(req: SandboxRequest, index: PracticeIndex, c: Commlog) {
  return {
    id: c.id,
    patient: c.patientId,
    date_time: renderDateTime(req, index.tz, c.dateTimeMs),
    mode: c.mode,
    direction: c.direction,
    outcome: c.outcome,
    subject: c.subject,
    note: c.note,
    phi_redacted_note: c.note.length > 0 ? '[redacted]' : '',
    staff_user: c.staffUserId,
    recall: c.recallId ?? null,
    is_imported: c.isImported ?? false,
    custom_data: c.customData ?? null,
    created: renderStamp(c.createdMs),
    modified: renderStamp(c.modifiedMs),
  };
}

export function serializeRecall(index: PracticeIndex, r: Recall, nowMs: number) {
  const patient = index.patientById.get(r.patientId);
  const appts = index.appointmentsOfPatient(r.patientId);
  let lastVisit: string | null = null;
  let hasFuture = false;
  for (const a of appts) {
    if ((a.status === 'complete' || a.status === 'ready_for_walkout') && a.startMs <= nowMs) lastVisit = a.localDate;
    if (a.status === 'scheduled' && a.startMs > nowMs) hasFuture = true;
  }
  // The latest successful contact logged against this recall (ASSUMPTIONS §15).
  let lastReached: number | null = null;
  for (const c of index.patientRows('commlogs', r.patientId)) {
    if (c.recallId === r.id && c.outcome === 'success' && c.dateTimeMs <= nowMs) {
      if (lastReached === null || c.dateTimeMs > lastReached) lastReached = c.dateTimeMs;
    }
  }
  return {
    id: r.id,
    patient: r.patientId,
    patient_name: patientName(patient),
    prefers_sms: patient?.prefersSms ?? false,
    prefers_email: patient?.prefersEmail ?? false,
    recall_type: r.recallType,
    date_due: r.dateDue,
    date_previous: r.datePrevious,
    date_scheduled: r.dateScheduled,
    last_visit_date: lastVisit,
    has_future_appointment: hasFuture,
    last_reached_at: renderStamp(lastReached),
    is_disabled: r.isDisabled,
    created: renderStamp(r.createdMs),
    modified: renderStamp(r.modifiedMs),
    custom_data: r.customData ?? null,
  };
}

export function serializeGate(g: PracticeToolGate) {
  return {
    id: g.id,
    tool_key: g.toolKey,
    enabled: g.enabled,
    note: g.note,
    created: renderStamp(g.createdMs),
    modified: renderStamp(g.modifiedMs),
    created_by_email: g.createdByEmail,
    modified_by_email: g.modifiedByEmail,
  };
}

export function serializeCatalogEntry(e: McpCatalogEntry) {
  return { name: e.name, description: e.description, required_scopes: e.requiredScopes, pass_context: e.passContext };
}
