/**
 * Insurance: claims summary, practice and patient claims, claim create/update/transition and
 * logs, carriers, patient insurance (ASSUMPTIONS §1, §9; claims digest §2–§3, §15.9).
 */
import { badRequest } from '../http/errors.js';
import { bodyObject, paginate, queryBool, queryDate, queryEnum } from '../http/helpers.js';
import type { Credential, RouteOptions, Router } from '../http/types.js';
import {
  canTransition,
  claimsOf,
  claimsSummary,
  compareText,
  filterClaims,
  isClaimStatus,
  isEditableClaim,
} from '../ledger/claims.js';
import { invalidateLedger } from '../ledger/ledger-index.js';
import { checkRange, queryUuid } from '../ledger/params.js';
import {
  ledgerFlagsOf,
  renderClaimsSummary,
  requestIndex,
  serializeCarrier,
  serializeClaim,
  serializeClaimLog,
  serializeClaimWrite,
  serializePatientInsurance,
} from '../ledger/render.js';
import { claimFromBody, findClaim, requirePatient } from '../ledger/writes.js';
import { CLAIM_STATUSES, type PracticeData } from '../model.js';
import type { SandboxStore } from '../store.js';

const P = '/api/v1/practice/{practice_uid}';
const READ: RouteOptions = { practiceScoped: true, practiceStaffOnly: true, scopes: ['insurance:read'] };
// No scope is documented for claim writes; `insurance:write` mirrors `scheduling:write` (ASSUMPTIONS §9).
const WRITE: RouteOptions = { practiceScoped: true, practiceStaffOnly: true, scopes: ['insurance:write'], write: true };
const PAGE = { defaultPageSize: 20, maxPageSize: 100 };

export function registerInsuranceRoutes(router: Router, store: SandboxStore): void {
  router.get(`${P}/insurance/claims/summary/`, READ, (req) => {
    const data = req.practiceData as PracticeData;
    return { status: 200, body: renderClaimsSummary(claimsSummary(data.claims), req.quirks.claimsSummaryShape) };
  });

  router.get(`${P}/insurance/claim/`, READ, (req) => {
    const ix = requestIndex(store, req);
    const dateFrom = queryDate(req, 'date_from');
    const dateTo = queryDate(req, 'date_to');
    if (dateFrom && dateTo) checkRange(dateFrom, dateTo, 'date_to', 'date_from');
    const claims = filterClaims(
      ix,
      {
        status: queryEnum(req, 'status', CLAIM_STATUSES),
        provider: queryUuid(req, 'provider'),
        search: req.query.get('search'),
        dateFrom,
        dateTo,
      },
      ledgerFlagsOf(store),
    );
    return paginate(req, claims, { ...PAGE, serialize: (c) => serializeClaim(store, ix, c) });
  });

  const patientClaims = `${P}/patient/{patient_id}/insurance/claim/`;

  router.get(patientClaims, READ, (req) => {
    const ix = requestIndex(store, req);
    const patient = requirePatient(ix, req.params.patient_id);
    const status = queryEnum(req, 'status', CLAIM_STATUSES);
    const claims = claimsOf(ix, patient.id).filter((c) => !status || c.status === status);
    return paginate(req, claims, { ...PAGE, serialize: (c) => serializeClaim(store, ix, c) });
  });

  router.post(patientClaims, WRITE, (req) => {
    const data = req.practiceData as PracticeData;
    const ix = requestIndex(store, req);
    const patient = requirePatient(ix, req.params.patient_id);
    const body = bodyObject(req);
    const claim = claimFromBody(store, ix, patient.id, body, null, req.nowMs);
    data.claims.push(claim);
    invalidateLedger(data);
    return { status: 201, body: serializeClaimWrite(claim, body.custom_data) };
  });

  router.get(`${patientClaims}{claim_uid}/`, READ, (req) => {
    const ix = requestIndex(store, req);
    const claim = findClaim(ix, req.params.patient_id, req.params.claim_uid);
    return { status: 200, body: serializeClaim(store, ix, claim) };
  });

  router.patch(`${patientClaims}{claim_uid}/update/`, WRITE, (req) => {
    const data = req.practiceData as PracticeData;
    const ix = requestIndex(store, req);
    const claim = findClaim(ix, req.params.patient_id, req.params.claim_uid);
    // L16016; the status code is not documented (T10): DRF's ValidationError → 400.
    if (!isEditableClaim(claim)) throw badRequest('Only draft or imported claims may be edited.');
    const body = bodyObject(req);
    const updated = claimFromBody(store, ix, claim.patientId, body, claim, req.nowMs);
    Object.assign(claim, updated);
    invalidateLedger(data);
    return { status: 200, body: serializeClaimWrite(claim, body.custom_data) };
  });

  router.post(`${patientClaims}{claim_uid}/transition/`, WRITE, (req) => {
    const data = req.practiceData as PracticeData;
    const ix = requestIndex(store, req);
    const claim = findClaim(ix, req.params.patient_id, req.params.claim_uid);
    const body = bodyObject(req);
    const next = body.new_status;
    if (next === undefined || next === null || next === '')
      throw badRequest({ new_status: ['This field is required.'] });
    if (!isClaimStatus(next)) throw badRequest({ new_status: [`"${String(next)}" is not a valid choice.`] });
    const note = body.note ?? '';
    if (typeof note !== 'string') throw badRequest({ note: ['Not a valid string.'] });
    if (!canTransition(claim.status, next, ledgerFlagsOf(store))) {
      throw badRequest({ new_status: [`Cannot transition from ${claim.status} to ${next}.`] });
    }
    const user = (req.credential as Credential).user;
    claim.statusLog.push({
      id: store.newId(),
      fromStatus: claim.status,
      toStatus: next,
      changedBy: user.id,
      changedByEmail: user.email,
      changedAtMs: req.nowMs,
      note,
    });
    claim.status = next;
    claim.modifiedMs = req.nowMs;
    invalidateLedger(data);
    // The 200 sample echoes the request, not the claim (L4047, T5).
    return { status: 200, body: { new_status: next, note } };
  });

  router.get(`${patientClaims}{claim_id}/log/`, READ, (req) => {
    const ix = requestIndex(store, req);
    const claim = findClaim(ix, req.params.patient_id, req.params.claim_id);
    const entries = [...claim.statusLog].sort((a, b) => a.changedAtMs - b.changedAtMs);
    return paginate(req, entries, { ...PAGE, serialize: (e) => serializeClaimLog(claim, e) });
  });

  router.get(`${P}/insurance/carrier/`, READ, (req) => {
    const data = req.practiceData as PracticeData;
    const active = queryBool(req, 'active');
    const needle = (req.query.get('search') ?? '').trim().toLowerCase();
    const carriers = data.carriers
      .filter((c) => active === undefined || c.isActive === active)
      .filter((c) => !needle || c.name.toLowerCase().includes(needle) || c.payerId.toLowerCase().includes(needle))
      .sort((a, b) => compareText(a.name, b.name) || a.pk - b.pk);
    // ReferenceDataPagination (100/2000, L2976).
    return paginate(req, carriers, { defaultPageSize: 100, maxPageSize: 2000, serialize: serializeCarrier });
  });

  router.get(`${P}/insurance/patient-insurance/`, READ, (req) => {
    const ix = requestIndex(store, req);
    const patient = queryUuid(req, 'patient');
    const carrier = queryUuid(req, 'carrier');
    const rawOrdinal = req.query.get('ordinal');
    if (rawOrdinal !== null && rawOrdinal !== '' && !/^\d+$/.test(rawOrdinal.trim())) {
      throw badRequest({ ordinal: ['Enter a number.'] });
    }
    const ordinal = rawOrdinal ? Number(rawOrdinal) : undefined;
    const rows = ix.data.patientInsurance
      .filter((pi) => (!patient || pi.patientId === patient) && (!carrier || pi.carrierId === carrier))
      .filter((pi) => ordinal === undefined || pi.ordinal === ordinal)
      .sort((a, b) => a.pk - b.pk);
    return paginate(req, rows, { ...PAGE, serialize: (pi) => serializePatientInsurance(ix, pi) });
  });
}
