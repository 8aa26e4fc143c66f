/**
 * Insurance verifications (L3775–3830, L12681): an append-only list of what the payer said, and
 * when. day_brief reads the latest verification of a patient's primary plan from it.
 */
import { badRequest, notFound } from '../http/errors.js';
import { bodyObject, formatCentsOrNull, paginate, practiceZone, renderStamp } from '../http/helpers.js';
import type { Credential, RouteOptions, Router, SandboxRequest } from '../http/types.js';
import { isLocalDate } from '../ledger/dates.js';
import { type Body, bodyMoney, bodyString, has, queryUuid, requireRef } from '../ledger/params.js';
import type { InsuranceVerification, PracticeData } from '../model.js';
import type { SandboxStore } from '../store.js';
import { dateToDayNum, parseOffsetDateTime } from '../time.js';
import { P } from './appointments.js';

const READ: RouteOptions = { practiceScoped: true, practiceStaffOnly: true, scopes: ['insurance:read'] };
// No scope is documented; `insurance:write` as for claim writes (ASSUMPTIONS §9).
const WRITE: RouteOptions = { practiceScoped: true, practiceStaffOnly: true, scopes: ['insurance:write'], write: true };
const SOURCES: readonly InsuranceVerification['source'][] = ['phone', 'portal', 'clearinghouse'];

function serialize(store: SandboxStore, data: PracticeData, v: InsuranceVerification) {
  const plan = data.insurancePlans.find((p) => p.id === v.insurancePlanId);
  const carrier = plan ? data.carriers.find((c) => c.id === plan.carrierId) : undefined;
  const patient = data.patients.find((p) => p.id === v.patientId);
  const user = v.verifiedBy ? store.users.get(v.verifiedBy) : undefined;
  return {
    id: v.id,
    patient: v.patientId,
    insurance_plan: v.insurancePlanId,
    verified_by: v.verifiedBy,
    verified_at: renderStamp(v.verifiedAtMs),
    source: v.source,
    raw_response: v.rawResponse ?? null,
    annual_max: formatCentsOrNull(v.annualMaxCents),
    deductible_total: formatCentsOrNull(v.deductibleTotalCents),
    deductible_met: formatCentsOrNull(v.deductibleMetCents),
    waiting_period_notes: v.waitingPeriodNotes,
    frequency_limits: v.frequencyLimits ?? {},
    plan: plan
      ? { id: plan.id, plan_name: plan.planName, group_number: plan.groupNumber, carrier_name: carrier?.name ?? '' }
      : null,
    // Initials only: the list is PHI-light by design (L3806).
    patient_summary: patient
      ? { id: patient.id, initials: `${patient.firstName.charAt(0)}${patient.lastName.charAt(0)}`.toUpperCase() }
      : null,
    verified_by_summary: user ? { id: user.id, display_name: `${user.firstName} ${user.lastName}` } : null,
    created: renderStamp(v.createdMs),
    modified: renderStamp(v.modifiedMs),
  };
}

/**
 * `verified_between=from,to`: ISO datetimes with an offset, inclusive (L3778). A bare date is read
 * as the whole practice-local day (from its start, to its end); a naive datetime is a 400.
 */
function verifiedBetween(req: SandboxRequest): [number, number] | null {
  const raw = req.query.get('verified_between');
  // dateParams=ignored: an optional date filter is never read (ASSUMPTIONS §3).
  if (raw === null || raw.trim() === '' || req.quirks.dateParams === 'ignored') return null;
  const parts = raw.split(',').map((s) => s.trim());
  const bad = () =>
    badRequest({ verified_between: ['Enter two ISO 8601 datetimes with an offset (from,to), separated by a comma.'] });
  if (parts.length !== 2) throw bad();
  const tz = practiceZone(req);
  const bound = (text: string, end: boolean): number => {
    if (isLocalDate(text)) {
      const day = dateToDayNum(text) as number;
      return end ? tz.localToInstantLenient(day + 1, 0) - 1 : tz.localToInstantLenient(day, 0);
    }
    const ms = parseOffsetDateTime(text);
    if (ms === null || ms === 'naive') throw bad();
    return ms;
  };
  const from = bound(parts[0] as string, false);
  const to = bound(parts[1] as string, true);
  if (to < from) throw badRequest({ verified_between: ['The end must be on or after the start.'] });
  return [from, to];
}

function nullableMoney(body: Body, field: string): number | null {
  if (!has(body, field) || body[field] === null) return null;
  return bodyMoney(body, field) ?? null;
}

export function registerVerificationRoutes(router: Router, store: SandboxStore): void {
  const list = `${P}/insurance/verification/`;

  router.get(list, READ, (req) => {
    const data = req.practiceData as PracticeData;
    const patient = queryUuid(req, 'patient');
    const plan = queryUuid(req, 'insurance_plan');
    const between = verifiedBetween(req);
    const rows = data.verifications
      .filter((v) => !patient || v.patientId === patient)
      .filter((v) => !plan || v.insurancePlanId === plan)
      .filter((v) => !between || (v.verifiedAtMs >= between[0] && v.verifiedAtMs <= between[1]))
      // Newest first (ASSUMPTIONS §15).
      .sort((a, b) => b.verifiedAtMs - a.verifiedAtMs || b.createdMs - a.createdMs || b.pk - a.pk);
    return paginate(req, rows, { defaultPageSize: 20, maxPageSize: 100, serialize: (v) => serialize(store, data, v) });
  });

  router.post(list, WRITE, (req) => {
    const data = req.practiceData as PracticeData;
    const body = bodyObject(req);
    const patientId = requireRef(body, 'patient', (id) => data.patients.some((p) => p.id === id));
    const planId = requireRef(body, 'insurance_plan', (id) => data.insurancePlans.some((p) => p.id === id));
    const rawAt = body.verified_at;
    if (rawAt === undefined || rawAt === null || rawAt === '')
      throw badRequest({ verified_at: ['This field is required.'] });
    const at = typeof rawAt === 'string' ? parseOffsetDateTime(rawAt) : null;
    if (at === 'naive') throw badRequest({ verified_at: ['Datetime must include a timezone offset.'] });
    if (at === null) throw badRequest({ verified_at: ['Datetime has wrong format.'] });
    const source = body.source;
    if (source === undefined || source === null || source === '')
      throw badRequest({ source: ['This field is required.'] });
    if (typeof source !== 'string' || !(SOURCES as readonly string[]).includes(source)) {
      throw badRequest({ source: [`"${String(source)}" is not a valid choice.`] });
    }
    const now = Math.floor(req.nowMs / 1000) * 1000;
    const v: InsuranceVerification = {
      id: store.newId(),
      pk: store.nextPk(),
      createdMs: now,
      modifiedMs: now,
      practiceId: data.practice.id,
      patientId,
      insurancePlanId: planId,
      verifiedBy: (req.credential as Credential).user.id,
      verifiedAtMs: at,
      source: source as InsuranceVerification['source'],
      rawResponse: has(body, 'raw_response') ? body.raw_response : null,
      annualMaxCents: nullableMoney(body, 'annual_max'),
      deductibleTotalCents: nullableMoney(body, 'deductible_total'),
      deductibleMetCents: nullableMoney(body, 'deductible_met'),
      waitingPeriodNotes: bodyString(body, 'waiting_period_notes') ?? '',
      // "Defaults to empty dict so callers can merge without None-checks" (L3847).
      frequencyLimits: has(body, 'frequency_limits') && body.frequency_limits !== null ? body.frequency_limits : {},
    };
    data.verifications.push(v);
    store.count('verification_created');
    return { status: 201, body: serialize(store, data, v) };
  });

  router.get(`${list}{verification_uid}/`, READ, (req) => {
    const data = req.practiceData as PracticeData;
    const v = data.verifications.find((x) => x.id === req.params.verification_uid);
    if (!v) throw notFound();
    return { status: 200, body: serialize(store, data, v) };
  });
}
