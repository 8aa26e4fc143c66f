/**
 * Tiny hand-built PracticeData for the ledger engine's unit tests. Every builder appends one row
 * with sensible defaults; ids are readable strings (`patient-1`), not UUIDs, which the engine
 * does not care about.
 */
import { DateTime } from 'luxon';
import type {
  Adjustment,
  Appointment,
  AppointmentStatus,
  Carrier,
  Claim,
  ClaimStatus,
  Patient,
  PatientInsurance,
  PatientStatus,
  Payment,
  PracticeData,
  Procedure,
  Provider,
} from '../../src/sandbox/model.js';
import { emptyPracticeRows } from '../../src/sandbox/model.js';

export class Ledger {
  readonly data: PracticeData;
  private seq = 0;

  constructor(timezone = 'America/Los_Angeles') {
    const base = this.row('practice');
    this.data = {
      practice: {
        id: base.id,
        pk: base.pk,
        createdMs: base.createdMs,
        modifiedMs: base.modifiedMs,
        clientId: 'client-1',
        name: 'Test Practice',
        timezone,
        isActive: true,
        addressLine1: '',
        city: '',
        state: '',
        zipCode: '',
        phone: '',
        productionGoalDailyCents: null,
        productionGoalWeeklyCents: null,
        productionGoalMonthlyCents: null,
      },
      ...emptyPracticeRows(),
    };
  }

  // Rows are written field by field: V8 makes `{ ...row, … }` literals very slow to build and read.
  private row(kind: string) {
    this.seq += 1;
    return { id: `${kind}-${this.seq}`, pk: this.seq, createdMs: 1_700_000_000_000 + this.seq, modifiedMs: 0 };
  }

  provider(firstName = 'Ada', lastName = `Dentist${this.seq}`): Provider {
    const base = this.row('provider');
    const p: Provider = {
      id: base.id,
      pk: base.pk,
      createdMs: base.createdMs,
      modifiedMs: base.modifiedMs,
      practiceId: this.data.practice.id,
      firstName,
      lastName,
      abbreviation: '',
      specialty: 'general',
      providerType: 'dentist',
      color: '',
      npi: '',
      isHidden: false,
      isSecondary: false,
      isActive: true,
      isWebSched: true,
    };
    this.data.providers.push(p);
    return p;
  }

  patient(opts: { status?: PatientStatus; primaryProviderId?: string | null; lastName?: string } = {}): Patient {
    const base = this.row('patient');
    const p: Patient = {
      id: base.id,
      pk: base.pk,
      createdMs: base.createdMs,
      modifiedMs: base.modifiedMs,
      practiceId: this.data.practice.id,
      firstName: 'Pat',
      lastName: opts.lastName ?? `Patient${this.seq}`,
      preferredName: '',
      email: '',
      dateOfBirth: null,
      gender: 'unknown',
      status: opts.status ?? 'active',
      phoneHome: null,
      phoneWork: null,
      phoneMobile: null,
      address: '',
      city: '',
      state: '',
      zipCode: '',
      primaryProviderId: opts.primaryProviderId ?? null,
      secondaryProviderId: null,
      balanceCurrentCents: null,
      lastRecallDate: null,
      nextRecallDate: null,
      prefersEmail: false,
      prefersSms: false,
    };
    this.data.patients.push(p);
    return p;
  }

  /** `time` is local wall clock `HH:MM`; the instant and local date are derived in the practice zone. */
  appointment(opts: {
    patientId: string;
    providerId?: string | null;
    date: string;
    time?: string;
    status?: AppointmentStatus;
    minutes?: number;
    scheduled?: Array<{ code: string; fee: number }>;
  }): Appointment {
    const [h, m] = (opts.time ?? '09:00').split(':').map(Number) as [number, number];
    const start = DateTime.fromISO(opts.date, { zone: this.data.practice.timezone }).set({ hour: h, minute: m });
    const base = this.row('appointment');
    const a: Appointment = {
      id: base.id,
      pk: base.pk,
      createdMs: base.createdMs,
      modifiedMs: base.modifiedMs,
      practiceId: this.data.practice.id,
      patientId: opts.patientId,
      providerId: opts.providerId ?? null,
      providerHygienistId: null,
      operatoryId: null,
      treatmentPlanId: null,
      startMs: start.toMillis(),
      localDate: start.toISODate() as string,
      durationMinutes: opts.minutes ?? 60,
      status: opts.status ?? 'scheduled',
      confirmedStatus: '',
      appointmentType: 'Filling',
      isHygiene: false,
      isNewPatient: false,
      procedureDescription: '',
      note: '',
      cancellationReason: '',
      rescheduleRequested: false,
      arrivedAtMs: null,
      seatedAtMs: null,
      readyForDoctorAtMs: null,
      readyForWalkoutAtMs: null,
      dismissedAtMs: null,
      dollarsScheduledCents: null,
      cancelledBy: null,
      scheduledProcedures: (opts.scheduled ?? []).map((s, i) => ({
        id: `sp-${this.seq}-${i}`,
        procedureCodeId: null,
        procCode: s.code,
        description: `${s.code} description`,
        feeCents: s.fee,
        toothNum: '',
        surface: '',
        status: 'planned',
      })),
      history: [],
    };
    this.data.appointments.push(a);
    return a;
  }

  procedure(opts: {
    patientId: string;
    providerId?: string | null;
    date: string;
    dateComplete?: string | null;
    fee: number;
    code?: string;
    status?: string;
    appointmentId?: string | null;
    unitQty?: number;
    discount?: number;
  }): Procedure {
    const base = this.row('procedure');
    const p: Procedure = {
      id: base.id,
      pk: base.pk,
      createdMs: base.createdMs,
      modifiedMs: base.modifiedMs,
      practiceId: this.data.practice.id,
      patientId: opts.patientId,
      providerId: opts.providerId ?? null,
      appointmentId: opts.appointmentId ?? null,
      procedureCodeId: `code-${opts.code ?? 'D2392'}`,
      procCode: opts.code ?? 'D2392',
      description: `${opts.code ?? 'D2392'} description`,
      procDate: opts.date,
      dateComplete: opts.dateComplete === undefined ? opts.date : opts.dateComplete,
      procFeeCents: opts.fee,
      status: opts.status ?? 'complete',
      toothNum: '',
      surface: '',
      discountCents: opts.discount ?? 0,
      unitQty: opts.unitQty ?? 1,
    };
    this.data.procedures.push(p);
    return p;
  }

  payment(opts: {
    patientId: string;
    providerId?: string | null;
    date: string;
    amount: number;
    payType?: string;
  }): Payment {
    const base = this.row('payment');
    const p: Payment = {
      id: base.id,
      pk: base.pk,
      createdMs: base.createdMs,
      modifiedMs: base.modifiedMs,
      practiceId: this.data.practice.id,
      patientId: opts.patientId,
      providerId: opts.providerId ?? null,
      payDate: opts.date,
      payAmountCents: opts.amount,
      payType: opts.payType ?? 'Check',
      payMethod: 'check',
      payNote: '',
      splits: [],
    };
    this.data.payments.push(p);
    return p;
  }

  adjustment(opts: {
    patientId: string;
    providerId?: string | null;
    date: string;
    amount: number;
    type?: string;
  }): Adjustment {
    const base = this.row('adjustment');
    const a: Adjustment = {
      id: base.id,
      pk: base.pk,
      createdMs: base.createdMs,
      modifiedMs: base.modifiedMs,
      practiceId: this.data.practice.id,
      patientId: opts.patientId,
      providerId: opts.providerId ?? null,
      adjDate: opts.date,
      adjAmountCents: opts.amount,
      adjType: opts.type ?? 'Courtesy Discount',
      adjNote: '',
    };
    this.data.adjustments.push(a);
    return a;
  }

  carrier(name = `Carrier ${this.seq}`, isActive = true): Carrier {
    const base = this.row('carrier');
    const c: Carrier = {
      id: base.id,
      pk: base.pk,
      createdMs: base.createdMs,
      modifiedMs: base.modifiedMs,
      practiceId: this.data.practice.id,
      name,
      payerId: '',
      phone: '',
      isActive,
    };
    this.data.carriers.push(c);
    return c;
  }

  insurance(patientId: string, carrierId: string, ordinal = 1): PatientInsurance {
    const base = this.row('insurance');
    const pi: PatientInsurance = {
      id: base.id,
      pk: base.pk,
      createdMs: base.createdMs,
      modifiedMs: base.modifiedMs,
      practiceId: this.data.practice.id,
      patientId,
      carrierId,
      ordinal,
      subscriberId: '',
      groupNumber: '',
      relationshipToSubscriber: 'self',
    };
    this.data.patientInsurance.push(pi);
    return pi;
  }

  /** `paidAt` is a local `YYYY-MM-DDTHH:MM` in the practice zone; it becomes the log's paid entry. */
  claim(opts: {
    patientId: string;
    providerId?: string | null;
    status: ClaimStatus;
    fee: number;
    insPayEst?: number;
    insPayAmt?: number;
    writeOff?: number;
    dateService?: string | null;
    dateSent?: string | null;
    paidAt?: string;
  }): Claim {
    const paidMs = opts.paidAt ? DateTime.fromISO(opts.paidAt, { zone: this.data.practice.timezone }).toMillis() : null;
    const base = this.row('claim');
    const c: Claim = {
      id: base.id,
      pk: base.pk,
      createdMs: base.createdMs,
      modifiedMs: base.modifiedMs,
      practiceId: this.data.practice.id,
      patientId: opts.patientId,
      providerId: opts.providerId ?? null,
      patientInsuranceId: null,
      dateService: opts.dateService === undefined ? '2026-01-05' : opts.dateService,
      dateSent: opts.dateSent ?? null,
      status: opts.status,
      claimStatus: 'Sent',
      claimFeeCents: opts.fee,
      insPayEstCents: opts.insPayEst ?? 0,
      insPayAmtCents: opts.insPayAmt ?? 0,
      dedAppliedCents: 0,
      writeOffCents: opts.writeOff ?? 0,
      procedures: [],
      statusLog:
        paidMs === null
          ? []
          : [
              {
                id: `log-${this.seq}`,
                fromStatus: 'accepted',
                toStatus: 'paid',
                changedBy: null,
                changedByEmail: '',
                changedAtMs: paidMs,
                note: '',
              },
            ],
    };
    this.data.claims.push(c);
    return c;
  }
}
