/**
 * The front desk's per-visit and per-patient reads: the route slip (L504) and SMS consents
 * (L18701–18800: the per-patient list, the single row, the staff force-opt-in).
 */
import { badRequest, notFound } from '../http/errors.js';
import { bodyObject, formatCents, renderStamp } from '../http/helpers.js';
import type { Credential, RouteOptions, Router, SandboxRequest } from '../http/types.js';
import type { PracticeIndex } from '../indexes.js';
import { queryUuid } from '../ledger/params.js';
import type { PracticeData, SmsConsent, Uuid } from '../model.js';
import { patientName, providerName, serializeAppointment } from '../serialize.js';
import type { SandboxStore } from '../store.js';
import { P } from './appointments.js';

const SCHEDULING_READ: RouteOptions = { practiceScoped: true, practiceStaffOnly: true, scopes: ['scheduling:read'] };
const PATIENT_READ: RouteOptions = { practiceScoped: true, practiceStaffOnly: true, scopes: ['patients:read'] };
// No scope is documented for patient-side writes; `patients:write` by analogy (ASSUMPTIONS §15).
const PATIENT_WRITE: RouteOptions = {
  practiceScoped: true,
  practiceStaffOnly: true,
  scopes: ['patients:write'],
  write: true,
};

function indexOf(store: SandboxStore, req: SandboxRequest): PracticeIndex {
  return store.index((req.practiceData as PracticeData).practice.id);
}

function initials(first: string, last: string): string {
  return `${first.charAt(0)}${last.charAt(0)}`.toUpperCase();
}

export function serializeSmsConsent(c: SmsConsent) {
  return {
    id: c.id,
    patient: c.patientId,
    practice: c.practiceId,
    state: c.state,
    opted_out_at: renderStamp(c.optedOutAtMs),
    opted_out_reason: c.optedOutReason,
    last_help_replied_at: renderStamp(c.lastHelpRepliedAtMs),
    first_disclosure_sent_at: renderStamp(c.firstDisclosureSentAtMs),
    created: renderStamp(c.createdMs),
    modified: renderStamp(c.modifiedMs),
    last_change_at: renderStamp(c.lastChangeAtMs),
    last_change_by_id: c.lastChangeById,
    review_notes: c.reviewNotes,
  };
}

function patientIn(index: PracticeIndex, req: SandboxRequest): Uuid {
  const id = req.params.patient_id as string;
  // A patient of another practice is a cross-tenant id: 404.
  if (!index.patientById.has(id)) throw notFound();
  return id;
}

export function registerFrontDeskRoutes(router: Router, store: SandboxStore): void {
  router.get(`${P}/scheduling/appointment/{appointment_uid}/route-slip/`, SCHEDULING_READ, (req) => {
    const index = indexOf(store, req);
    const appt = index.appointmentById.get(req.params.appointment_uid as string);
    if (!appt) throw notFound();
    const patient = index.patientById.get(appt.patientId);
    const provider = appt.providerId ? index.providerById.get(appt.providerId) : undefined;
    const operatory = appt.operatoryId ? index.operatoryById.get(appt.operatoryId) : undefined;
    const data = index.data;
    // Primary insurance: the ordinal-1 enrollment, lowest pk first (as the aging report reads it).
    const primary = index
      .patientRows('patientInsurance', appt.patientId)
      .filter((pi) => pi.ordinal === 1)
      .sort((a, b) => a.pk - b.pk)[0];
    const carrier = primary ? data.carriers.find((c) => c.id === primary.carrierId) : undefined;
    const plan = primary?.insurancePlanId
      ? data.insurancePlans.find((p) => p.id === primary.insurancePlanId)
      : undefined;
    return {
      status: 200,
      body: {
        appointment: serializeAppointment(req, store, index, appt),
        patient: patient
          ? {
              uid: patient.id,
              name: patientName(patient),
              dob: patient.dateOfBirth,
              chart_number: patient.id.slice(0, 8).toUpperCase(),
              phone: patient.phoneMobile ?? patient.phoneHome ?? patient.phoneWork ?? '',
              medical_alerts: [...index.patientRows('medicalAlerts', patient.id)]
                .sort((a, b) => a.pk - b.pk)
                .map((m) => m.text),
            }
          : null,
        procedures: appt.scheduledProcedures.map((sp) => ({
          cdt_code: sp.procCode,
          description: sp.description,
          fee: formatCents(sp.feeCents),
          tooth: sp.toothNum,
        })),
        insurance: primary
          ? {
              primary_carrier: carrier?.name ?? '',
              primary_plan: plan?.planName ?? '',
              member_id: primary.subscriberId,
              group_id: primary.groupNumber,
            }
          : null,
        provider: provider
          ? {
              name: providerName(provider),
              initials: initials(provider.firstName, provider.lastName),
            }
          : null,
        operatory: operatory ? { name: operatory.name, abbreviation: operatory.abbreviation } : null,
      },
    };
  });

  // "Returns an array of zero or one row"; `patient` is required (L18781).
  router.get(`${P}/sms/consents/`, PATIENT_READ, (req) => {
    const index = indexOf(store, req);
    const patient = queryUuid(req, 'patient');
    if (!patient) {
      // listFilters=ignored: a server that drops the filter answers every row of the practice.
      if (req.quirks.listFilters === 'ignored') {
        return { status: 200, body: [...index.data.smsConsents].sort((a, b) => a.pk - b.pk).map(serializeSmsConsent) };
      }
      throw badRequest({ patient: ['This field is required.'] });
    }
    return { status: 200, body: index.patientRows('smsConsents', patient).map(serializeSmsConsent) };
  });

  const consent = `${P}/patient/{patient_id}/sms/consent/`;

  // 404 when no row exists yet: the default is "opted in" (L18703).
  router.get(consent, PATIENT_READ, (req) => {
    const index = indexOf(store, req);
    const row = index.patientRows('smsConsents', patientIn(index, req))[0];
    if (!row) throw notFound();
    return { status: 200, body: serializeSmsConsent(row) };
  });

  router.post(`${consent}force-opt-in/`, PATIENT_WRITE, (req) => {
    const data = req.practiceData as PracticeData;
    const index = indexOf(store, req);
    const patientId = patientIn(index, req);
    const notes = bodyObject(req).notes;
    if (notes === undefined || notes === null || notes === '') throw badRequest({ notes: ['This field is required.'] });
    if (typeof notes !== 'string') throw badRequest({ notes: ['Not a valid string.'] });
    if (notes.length > 1000) throw badRequest({ notes: ['Ensure this field has no more than 1000 characters.'] });
    const now = Math.floor(req.nowMs / 1000) * 1000;
    const userId = (req.credential as Credential).user.id;
    let row = data.smsConsents.find((c) => c.patientId === patientId);
    if (!row) {
      row = {
        id: store.newId(),
        pk: store.nextPk(),
        createdMs: now,
        modifiedMs: now,
        practiceId: data.practice.id,
        patientId,
        state: 'opted_in',
        optedOutAtMs: null,
        optedOutReason: '',
        lastHelpRepliedAtMs: null,
        firstDisclosureSentAtMs: null,
        lastChangeAtMs: now,
        lastChangeById: userId,
        reviewNotes: notes,
      };
      data.smsConsents.push(row);
    } else {
      // OPTED_OUT flips to OPTED_IN and clears the opt-out columns; OPTED_IN only re-records the override.
      row.state = 'opted_in';
      row.optedOutAtMs = null;
      row.optedOutReason = '';
      row.reviewNotes = notes;
      row.lastChangeAtMs = now;
      row.lastChangeById = userId;
      row.modifiedMs = now;
    }
    store.count('sms_opted_in');
    return { status: 200, body: serializeSmsConsent(row) };
  });
}
