/**
 * Seeds one practice's ledger: procedures, carriers, patient insurance, claims (with status
 * logs), payments and adjustments, consistent with the appointments already generated, plus every
 * ledger scenario of the claims digest §15.13 (see `LedgerFixtures`). Deterministic from
 * `context.random`; money in integer cents.
 *
 * Single-count rule (§15.3, INS_AS_PAYMENT=false): insurance money lives only in claims'
 * `ins_pay_amt`; payments are patient payments. PPO write-offs are posted as negative
 * adjustments so the patient owes fee − insurance − write-off.
 */
import { dayNumber, fromDayNumber, localDayOf } from '../ledger/dates.js';
import { agingBucketOf } from '../ledger/engine.js';
import {
  type Adjustment,
  type Appointment,
  type Carrier,
  type Cents,
  CLAIM_STATUSES,
  type Claim,
  type ClaimLogEntry,
  type ClaimProcedure,
  type ClaimStatus,
  type LocalDate,
  type Patient,
  type PatientInsurance,
  type Payment,
  type PaymentSplit,
  type PracticeData,
  type Procedure,
  type ProcedureCode,
  type Row,
  type Uuid,
} from '../model.js';
import { timeZone } from '../time.js';
import type { Random } from './random.js';

export interface LedgerSeedContext {
  random: Random;
  /** Today in the practice's timezone. */
  today: LocalDate;
  nowMs: number;
  procedureCodes: readonly ProcedureCode[];
  /** 'default' (~1,500 patients) or 'large' (10k+ patients, 200k+ appointments). */
  scale: 'default' | 'large';
  /**
   * Allocates hidden integer PKs from the generator's shared counter. When absent the seed
   * numbers its rows after the largest pk already in the practice.
   */
  nextPk?: () => number;
}

/** Ids of the §15.13 ledger scenarios in one practice, for tests and `/__sandbox/fixtures`. */
export interface LedgerFixtures {
  practiceId: Uuid;
  /** A completed procedure on a cancelled appointment in the last 30 days (excluded from production, I10). */
  cancelledAppointmentProcedure: { appointmentId: Uuid; procedureId: Uuid; date: LocalDate } | null;
  /** A completed procedure on a broken appointment in the last 30 days (included in production, I10). */
  brokenAppointmentProcedure: { appointmentId: Uuid; procedureId: Uuid; date: LocalDate } | null;
  nullProviderProcedureId: Uuid;
  nullProviderPaymentId: Uuid;
  /** Charges in all four buckets; a payment smaller than the over_90 bucket. */
  agingPartialPatientId: Uuid;
  /** Charges in all four buckets; a payment larger than over_90 that spills into 61_90. */
  agingSpillPatientId: Uuid;
  creditBalancePatientId: Uuid;
  zeroBalancePatientId: Uuid;
  /** An archived patient with an open balance (null when the practice has no archived patient). */
  archivedBalancePatientId: Uuid | null;
  noInsurancePatientId: Uuid;
  secondaryOnlyPatientId: Uuid;
  /** One claim per status (all 11). */
  claimByStatus: Record<ClaimStatus, Uuid>;
  positiveAdjustmentId: Uuid;
  negativeAdjustmentId: Uuid;
  /** A proc code billed at two different fees in the last 30 days (avg_fee). */
  twoFeeProcCode: string;
  /**
   * In-progress appointments of today (arrived/seated) with one scheduled procedure already
   * charted complete: cancelling one removes that fee from production, marking one broken does
   * not (I10). Empty when the clock is outside office hours.
   */
  midVisit: Array<{ appointmentId: Uuid; procedureId: Uuid; procCode: string; feeCents: Cents }>;
}

const fixturesByPractice = new Map<Uuid, LedgerFixtures>();

/** The ledger scenarios seeded for a practice (by practice id, so it survives copy-on-write). */
export function ledgerFixtures(practiceId: Uuid): LedgerFixtures | undefined {
  return fixturesByPractice.get(practiceId);
}

const CARRIERS: readonly (readonly [string, string, string])[] = [
  ['Delta Dental', '94276', '(800) 765-6003'],
  ['MetLife Dental', '65978', '(800) 942-0854'],
  ['Cigna Dental', '62308', '(800) 244-6224'],
  ['Aetna Dental', '60054', '(877) 238-6200'],
  ['Guardian Dental', '64246', '(800) 541-7846'],
  ['United Concordia', 'CDCA1', '(800) 332-0366'],
  ['Humana Dental', '73288', '(800) 233-4013'],
  ['Blue Cross Blue Shield Dental', '47198', '(888) 630-2583'],
  ['Principal Financial Group', '61271', '(800) 247-4695'],
  ['Ameritas', '47009', '(800) 487-5553'],
  ['Sun Life Financial', '80314', '(800) 442-7742'],
  ['Lincoln Financial Group', '62705', '(800) 423-2765'],
];

const PAY_TYPES: readonly (readonly [string, string, number])[] = [
  ['Credit Card', 'card', 30],
  ['Visa', 'card', 14],
  ['Mastercard', 'card', 9],
  ['Debit Card', 'card', 8],
  ['Check', 'check', 16],
  ['Cash', 'cash', 12],
  ['CareCredit', 'other', 6],
  ['ACH', 'other', 5],
];

const COVERAGE: Readonly<Record<string, number>> = {
  diagnostic: 1,
  preventive: 1,
  restorative: 0.8,
  endodontics: 0.8,
  periodontics: 0.8,
  oral_surgery: 0.8,
};

const HYGIENE_CODES = new Set(['D1110', 'D1120', 'D1206', 'D1351', 'D4341', 'D4342', 'D4910', 'D0274']);

const CLAIM_STATUS_TEXT: Readonly<Record<ClaimStatus, string>> = {
  draft: 'Unsent',
  submitted: 'Sent',
  accepted: 'Received by payer',
  rejected: 'Rejected - resubmit',
  resubmitted: 'Resent',
  paid: 'Received',
  partial: 'Received - partial',
  denied: 'Received - $0',
  appealed: 'Appeal sent',
  void: 'Voided',
  imported: 'Imported (legacy)',
};

// The path each final status took through the state machine (the seed sets status_log directly).
const CLAIM_PATHS: Readonly<Record<ClaimStatus, readonly ClaimStatus[]>> = {
  draft: [],
  submitted: ['submitted'],
  accepted: ['submitted', 'accepted'],
  rejected: ['submitted', 'rejected'],
  resubmitted: ['submitted', 'rejected', 'resubmitted'],
  paid: ['submitted', 'accepted', 'paid'],
  partial: ['submitted', 'accepted', 'partial'],
  denied: ['submitted', 'accepted', 'denied'],
  appealed: ['submitted', 'accepted', 'denied', 'appealed'],
  void: ['void'],
  imported: ['imported'],
};

const PAID_STATUSES: ReadonlySet<ClaimStatus> = new Set(['paid', 'partial', 'imported']);

const dayOf = dayNumber;
const dateOf = fromDayNumber;

export interface Visit {
  appointment: Appointment | null;
  patientId: Uuid;
  providerId: Uuid | null;
  day: number;
  procedures: Procedure[];
  fee: Cents;
}

/** Builds ledger rows for one practice; also used by the worklist scenarios (seed/scenario-kit.ts). */
export class LedgerSeeder {
  private readonly rng: Random;
  private readonly todayDay: number;
  private readonly codes: Map<string, ProcedureCode>;
  private readonly nextPk: () => number;
  private readonly noonCache = new Map<number, number>();
  // Ids are a per-practice random stem plus a mixed counter: unique, deterministic, and far cheaper than
  // a fresh random UUID for each of ~100k rows.
  private readonly idStem: string;
  private idCounter = 0;
  /**
   * Each patient's balance as of today under the default flags (§15.4), kept as rows are added so
   * the `balance_current` snapshot and the scenario payments need no engine pass at seed time.
   */
  readonly owed = new Map<Uuid, Cents>();
  /** Gross charges (service day, fee) of the patients whose buckets the scenarios size payments from. */
  readonly trackedCharges = new Map<Uuid, Array<[number, Cents]>>();

  constructor(
    private readonly data: PracticeData,
    private readonly ctx: LedgerSeedContext,
  ) {
    this.rng = ctx.random.fork('ledger');
    this.idStem = this.rng.uuid().slice(0, 24);
    this.todayDay = dayOf(ctx.today);
    this.codes = new Map(ctx.procedureCodes.map((c) => [c.code, c]));
    if (ctx.nextPk) this.nextPk = ctx.nextPk;
    else {
      let pk = 0;
      for (const rows of Object.values(data) as unknown[]) {
        if (!Array.isArray(rows)) continue;
        for (const r of rows as Row[]) if (r.pk > pk) pk = r.pk;
      }
      this.nextPk = () => {
        pk += 1;
        return pk;
      };
    }
  }

  /** An instant on a local date, at `minutes` after local noon (clamped to now). */
  private stamp(day: number, minutes = 0): number {
    let noon = this.noonCache.get(day);
    if (noon === undefined) {
      noon = timeZone(this.data.practice.timezone).localToInstantLenient(day, 12 * 60);
      this.noonCache.set(day, noon);
    }
    return Math.min(noon + minutes * 60_000, this.ctx.nowMs);
  }

  id(): Uuid {
    this.idCounter += 1;
    // A bijective 32-bit mix of the counter keeps ids unique while making them look random.
    let x = this.idCounter;
    x = Math.imul(x ^ (x >>> 16), 0x45d9f3b) >>> 0;
    x = Math.imul(x ^ (x >>> 16), 0x45d9f3b) >>> 0;
    x = (x ^ (x >>> 16)) >>> 0;
    const tail = (Math.imul(x, 0x9e3779b1) >>> 16).toString(16).padStart(4, '0');
    return `${this.idStem}${x.toString(16).padStart(8, '0')}${tail}`;
  }

  // Rows are built with every field written out: in V8, `{ ...row, a, b, … }` is two orders of
  // magnitude slower to create and several times slower to read than a plain literal.
  private row(createdMs: number, modifiedMs = createdMs): Row {
    return {
      id: this.id(),
      pk: this.nextPk(),
      createdMs: Math.floor(createdMs / 1000) * 1000,
      modifiedMs: Math.floor(Math.max(createdMs, modifiedMs) / 1000) * 1000,
    };
  }

  private code(code: string): ProcedureCode | undefined {
    return this.codes.get(code);
  }

  defaultFee(code: string, fallback: Cents): Cents {
    return this.codes.get(code)?.defaultFeeCents ?? fallback;
  }

  // ------------------------------------------------------------------------ procedures

  procedure(opts: {
    patientId: Uuid;
    providerId: Uuid | null;
    appointmentId: Uuid | null;
    code: string;
    description?: string;
    day: number;
    completeDay: number | null;
    fee: Cents;
    status?: string;
    toothNum?: string;
    surface?: string;
    createdMs?: number;
    /** Cancelled-appointment procedures are no charge (§15.3 completed_charge). */
    onCancelledAppointment?: boolean;
  }): Procedure {
    const pc = this.code(opts.code);
    const created = opts.createdMs ?? this.stamp(opts.day, -180);
    const base = this.row(created, opts.completeDay === null ? created : this.stamp(opts.completeDay, 240));
    const p: Procedure = {
      id: base.id,
      pk: base.pk,
      createdMs: base.createdMs,
      modifiedMs: base.modifiedMs,
      practiceId: this.data.practice.id,
      patientId: opts.patientId,
      providerId: opts.providerId,
      appointmentId: opts.appointmentId,
      procedureCodeId: pc?.id ?? this.id(),
      procCode: opts.code,
      description: opts.description ?? pc?.description ?? opts.code,
      procDate: dateOf(opts.day),
      dateComplete: opts.completeDay === null ? null : dateOf(opts.completeDay),
      procFeeCents: opts.fee,
      status: opts.status ?? 'complete',
      toothNum: opts.toothNum ?? '',
      surface: opts.surface ?? '',
      discountCents: 0,
      unitQty: 1,
    };
    this.data.procedures.push(p);
    const serviceDay = opts.completeDay ?? opts.day;
    if (p.status === 'complete' && !opts.onCancelledAppointment && serviceDay <= this.todayDay) {
      this.owe(p.patientId, opts.fee);
      this.trackedCharges.get(p.patientId)?.push([serviceDay, opts.fee]);
    }
    return p;
  }

  private owe(patientId: Uuid, delta: Cents): void {
    this.owed.set(patientId, (this.owed.get(patientId) ?? 0) + delta);
  }

  /** Completed procedures from completed appointments' scheduled procedures; one Visit per appointment. */
  completedVisits(): Visit[] {
    const visits: Visit[] = [];
    for (const a of this.data.appointments) {
      if (a.status !== 'complete' || a.scheduledProcedures.length === 0) continue;
      const day = dayOf(a.localDate);
      if (day > this.todayDay) continue;
      const visit: Visit = {
        appointment: a,
        patientId: a.patientId,
        providerId: a.providerId,
        day,
        procedures: [],
        fee: 0,
      };
      for (const sp of a.scheduledProcedures) {
        const roll = this.rng.next();
        // Most procedures complete the day they are done; a few are charted without a completion
        // date or completed later (a crown seated weeks after its prep) — SERVICE_DATE matters.
        const completeDay = roll < 0.05 ? null : roll < 0.1 ? Math.min(day + this.rng.int(1, 14), this.todayDay) : day;
        // A few fees differ from the scheduled fee (fee-schedule updates), so avg_fee is not trivial.
        const fee = this.rng.bool(0.06)
          ? Math.max(500, sp.feeCents + this.rng.pick([-2500, -1000, 1500, 2500]))
          : sp.feeCents;
        const providerId =
          a.isHygiene && a.providerHygienistId && HYGIENE_CODES.has(sp.procCode) ? a.providerHygienistId : a.providerId;
        const p = this.procedure({
          patientId: a.patientId,
          providerId,
          appointmentId: a.id,
          code: sp.procCode,
          description: sp.description,
          day,
          completeDay,
          fee,
          toothNum: sp.toothNum,
          surface: sp.surface,
          createdMs: a.startMs,
        });
        visit.procedures.push(p);
        visit.fee += fee;
      }
      visits.push(visit);
    }
    return visits;
  }

  /** Existing (charted elsewhere) and treatment-planned procedures: never charges. */
  chartedProcedures(patients: readonly Patient[]): void {
    const codes = ['D2140', 'D2150', 'D2740', 'D3330', 'D2950', 'D7140', 'D2392'].filter((c) => this.codes.has(c));
    if (codes.length === 0) return;
    for (const patient of patients) {
      const roll = this.rng.next();
      if (roll < 0.12) {
        for (let i = this.rng.int(1, 3); i > 0; i--) {
          const code = this.rng.pick(codes);
          const day = this.todayDay - this.rng.int(400, 3000);
          this.procedure({
            patientId: patient.id,
            providerId: null,
            appointmentId: null,
            code,
            day,
            completeDay: day,
            fee: this.code(code)?.defaultFeeCents ?? 10_000,
            status: this.rng.bool(0.7) ? 'existing_other' : 'existing_current',
            toothNum: String(this.rng.int(2, 31)),
          });
        }
      } else if (roll < 0.22) {
        const code = this.rng.pick(codes);
        this.procedure({
          patientId: patient.id,
          providerId: patient.primaryProviderId,
          appointmentId: null,
          code,
          day: this.todayDay - this.rng.int(0, 120),
          completeDay: null,
          fee: this.code(code)?.defaultFeeCents ?? 10_000,
          status: 'treatment_planned',
          toothNum: String(this.rng.int(2, 31)),
        });
      }
    }
  }

  /** A completed procedure on an appointment of `status` in the last 30 days (I10). */
  onAppointmentOfStatus(status: 'cancelled' | 'broken'): LedgerFixtures['cancelledAppointmentProcedure'] {
    const candidates = this.data.appointments.filter((a) => {
      if (a.status !== status) return false;
      const day = dayOf(a.localDate);
      return day >= this.todayDay - 29 && day <= this.todayDay;
    });
    if (candidates.length === 0) return null;
    const withProcs = candidates.filter((a) => a.scheduledProcedures.length > 0);
    const a = (withProcs.length > 0 ? withProcs : candidates)[0] as Appointment;
    const sp = a.scheduledProcedures[0];
    const code = sp?.procCode ?? 'D0140';
    const p = this.procedure({
      patientId: a.patientId,
      providerId: a.providerId,
      appointmentId: a.id,
      code,
      description: sp?.description,
      day: dayOf(a.localDate),
      completeDay: dayOf(a.localDate),
      fee: sp?.feeCents ?? this.code(code)?.defaultFeeCents ?? 9_500,
      createdMs: a.startMs,
      onCancelledAppointment: status === 'cancelled',
    });
    return { appointmentId: a.id, procedureId: p.id, date: a.localDate };
  }

  /** Up to `count` of today's in-progress appointments get their first scheduled procedure charted complete. */
  midVisit(count: number): LedgerFixtures['midVisit'] {
    const out: LedgerFixtures['midVisit'] = [];
    for (const a of this.data.appointments) {
      if (out.length >= count) break;
      if ((a.status !== 'seated' && a.status !== 'arrived') || a.providerId === null) continue;
      const sp = a.scheduledProcedures[0];
      if (!sp || dayOf(a.localDate) !== this.todayDay) continue;
      const p = this.procedure({
        patientId: a.patientId,
        providerId: a.providerId,
        appointmentId: a.id,
        code: sp.procCode,
        description: sp.description,
        day: this.todayDay,
        completeDay: this.todayDay,
        fee: sp.feeCents,
        createdMs: a.startMs,
      });
      out.push({ appointmentId: a.id, procedureId: p.id, procCode: p.procCode, feeCents: p.procFeeCents });
    }
    return out;
  }

  // ------------------------------------------------------------------------ insurance

  carriers(): Carrier[] {
    const count = this.rng.int(9, 12);
    const out: Carrier[] = [];
    for (let i = 0; i < count; i++) {
      const [name, payerId, phone] = CARRIERS[i] as (typeof CARRIERS)[number];
      const base = this.row(this.stamp(this.todayDay - 900 + i));
      out.push({
        id: base.id,
        pk: base.pk,
        createdMs: base.createdMs,
        modifiedMs: base.modifiedMs,
        practiceId: this.data.practice.id,
        name,
        payerId,
        phone,
        isActive: i < count - 2, // the last two are retired plans nobody should pick
      });
    }
    if (this.ctx.scale === 'large') {
      // "A group practice with years of imported history can easily carry hundreds of (mostly
      // inactive) carriers" (L2976).
      for (let i = 0; i < 240; i++) {
        const base = this.row(this.stamp(this.todayDay - 2000 + i));
        out.push({
          id: base.id,
          pk: base.pk,
          createdMs: base.createdMs,
          modifiedMs: base.modifiedMs,
          practiceId: this.data.practice.id,
          name: `Legacy Plan ${String(i + 1).padStart(3, '0')}`,
          payerId: `L${String(10_000 + i)}`,
          phone: '',
          isActive: i % 10 === 0,
        });
      }
    }
    this.data.carriers.push(...out);
    return out;
  }

  enroll(patient: Patient, carrier: Carrier, ordinal: number): PatientInsurance {
    const base = this.row(Math.max(patient.createdMs, this.stamp(this.todayDay - 800)));
    const pi: PatientInsurance = {
      id: base.id,
      pk: base.pk,
      createdMs: base.createdMs,
      modifiedMs: base.modifiedMs,
      practiceId: this.data.practice.id,
      patientId: patient.id,
      carrierId: carrier.id,
      ordinal,
      subscriberId: `${carrier.payerId.slice(0, 2).toUpperCase()}${String(this.rng.int(10_000_000, 99_999_999))}`,
      groupNumber: String(this.rng.int(100_000, 999_999)),
      relationshipToSubscriber: this.rng.weighted([
        ['self', 70],
        ['spouse', 15],
        ['child', 15],
      ]),
    };
    this.data.patientInsurance.push(pi);
    return pi;
  }

  // ------------------------------------------------------------------------ claims

  claimStatusFor(ageDays: number): ClaimStatus {
    if (ageDays <= 2)
      return this.rng.weighted<ClaimStatus>([
        ['draft', 5],
        ['submitted', 5],
      ]);
    if (ageDays <= 14)
      return this.rng.weighted<ClaimStatus>([
        ['submitted', 40],
        ['accepted', 35],
        ['rejected', 5],
        ['paid', 15],
        ['partial', 5],
      ]);
    if (ageDays <= 45)
      return this.rng.weighted<ClaimStatus>([
        ['paid', 60],
        ['partial', 10],
        ['accepted', 10],
        ['submitted', 5],
        ['denied', 5],
        ['rejected', 3],
        ['resubmitted', 4],
        ['appealed', 3],
      ]);
    if (ageDays <= 270)
      return this.rng.weighted<ClaimStatus>([
        ['paid', 80],
        ['partial', 6],
        ['denied', 5],
        ['void', 3],
        ['appealed', 2],
        ['resubmitted', 1],
        ['accepted', 1],
      ]);
    return this.rng.weighted<ClaimStatus>([
      ['paid', 55],
      ['imported', 30],
      ['partial', 5],
      ['denied', 5],
      ['void', 5],
    ]);
  }

  /** Builds a claim for a visit with money consistent with its final status (§15.9 seed invariants). */
  claim(visit: Visit, insurance: PatientInsurance, status: ClaimStatus): Claim {
    const lines: ClaimProcedure[] = [];
    let deductibleLeft = this.rng.bool(0.2) ? this.rng.pick([2500, 5000]) : 0;
    const sentDay = status === 'draft' ? null : Math.min(visit.day + this.rng.int(0, 2), this.todayDay);
    for (const p of visit.procedures) {
      const category = this.code(p.procCode)?.category ?? '';
      const coverage = COVERAGE[category] ?? 0.5;
      const fee = p.procFeeCents;
      const ded = category === 'preventive' || category === 'diagnostic' ? 0 : Math.min(deductibleLeft, fee);
      deductibleLeft -= ded;
      const est = Math.max(0, Math.round(((fee - ded) * coverage) / 100) * 100);
      let amt = 0;
      let writeOff = 0;
      if (status === 'paid' || status === 'imported') {
        amt = Math.min(fee - ded, Math.max(0, est + this.rng.pick([0, 0, 0, -500, 500])));
        if (this.rng.bool(0.5)) writeOff = Math.min(fee - ded - amt, Math.round((fee * 0.12) / 100) * 100);
      } else if (status === 'partial') {
        amt = Math.round(est / 200) * 100;
      }
      lines.push({
        id: this.id(),
        procedureId: p.id,
        procedureCodeId: p.procedureCodeId,
        procCode: p.procCode,
        feeBilledCents: fee,
        insPayEstCents: est,
        insPayAmtCents: amt,
        dedAppliedCents: ded,
        writeOffCents: writeOff,
        status: PAID_STATUSES.has(status) ? 'Received' : status === 'denied' ? 'Denied' : 'NotReceived',
        procDate: p.procDate,
      });
    }
    const sum = (pick: (l: ClaimProcedure) => number) => lines.reduce((n, l) => n + pick(l), 0);
    const created = this.stamp(visit.day, 300);
    const base = this.row(created);
    const claim: Claim = {
      id: base.id,
      pk: base.pk,
      createdMs: base.createdMs,
      modifiedMs: base.modifiedMs,
      practiceId: this.data.practice.id,
      patientId: visit.patientId,
      providerId: visit.providerId,
      patientInsuranceId: insurance.id,
      dateService: dateOf(visit.day),
      dateSent: sentDay === null ? null : dateOf(sentDay),
      status,
      claimStatus: CLAIM_STATUS_TEXT[status],
      claimFeeCents: sum((l) => l.feeBilledCents),
      insPayEstCents: sum((l) => l.insPayEstCents),
      insPayAmtCents: sum((l) => l.insPayAmtCents),
      dedAppliedCents: sum((l) => l.dedAppliedCents),
      writeOffCents: sum((l) => l.writeOffCents),
      procedures: lines,
      statusLog: [],
    };
    claim.statusLog = this.statusLog(claim, sentDay ?? visit.day);
    claim.modifiedMs = claim.statusLog.at(-1)?.changedAtMs ?? claim.createdMs;
    if (PAID_STATUSES.has(status)) this.owe(claim.patientId, -claim.insPayAmtCents);
    return claim;
  }

  private statusLog(claim: Claim, sentDay: number): ClaimLogEntry[] {
    const path = CLAIM_PATHS[claim.status];
    const entries: ClaimLogEntry[] = [];
    let day = sentDay;
    let from: ClaimStatus | '' = claim.status === 'imported' ? '' : 'draft';
    path.forEach((to, i) => {
      if (i > 0) day = Math.min(day + this.rng.int(to === 'paid' || to === 'partial' ? 7 : 2, 21), this.todayDay);
      const at = Math.max(this.stamp(day, 60 + i * 5), claim.createdMs + (i + 1) * 60_000);
      entries.push({
        id: this.id(),
        fromStatus: from,
        toStatus: to,
        changedBy: null,
        changedByEmail:
          to === 'submitted' || to === 'resubmitted' || to === 'appealed' ? 'billing@practice.example' : '',
        changedAtMs: Math.min(at, this.ctx.nowMs),
        note: to === 'imported' ? 'Imported from the legacy practice-management system' : '',
      });
      from = to;
    });
    return entries;
  }

  // ------------------------------------------------------------------------ payments and adjustments

  payment(opts: {
    patientId: Uuid;
    providerId: Uuid | null;
    day: number;
    amount: Cents;
    procedures?: readonly Procedure[];
    payType?: readonly [string, string, number];
    note?: string;
  }): Payment {
    const [payType, payMethod] = opts.payType ?? this.rng.weighted(PAY_TYPES.map((t) => [t, t[2]] as const));
    const splits: PaymentSplit[] = [];
    const procs = opts.procedures ?? [];
    const total = procs.reduce((n, p) => n + p.procFeeCents, 0);
    let left = opts.amount;
    procs.forEach((p, i) => {
      const share = i === procs.length - 1 || total === 0 ? left : Math.floor((opts.amount * p.procFeeCents) / total);
      left -= share;
      splits.push({ id: this.id(), splitAmountCents: share, procCode: p.procCode, procedureDate: p.procDate });
    });
    if (procs.length === 0)
      splits.push({ id: this.id(), splitAmountCents: opts.amount, procCode: '', procedureDate: null });
    const base = this.row(this.stamp(opts.day, this.rng.int(-180, 300)));
    const pay: Payment = {
      id: base.id,
      pk: base.pk,
      createdMs: base.createdMs,
      modifiedMs: base.modifiedMs,
      practiceId: this.data.practice.id,
      patientId: opts.patientId,
      providerId: opts.providerId,
      payDate: dateOf(opts.day),
      payAmountCents: opts.amount,
      payType,
      payMethod,
      payNote: opts.note ?? '',
      splits,
    };
    this.data.payments.push(pay);
    this.owe(pay.patientId, -pay.payAmountCents);
    return pay;
  }

  adjustment(opts: {
    patientId: Uuid;
    providerId: Uuid | null;
    day: number;
    amount: Cents;
    type: string;
    note?: string;
  }): Adjustment {
    const base = this.row(this.stamp(opts.day, this.rng.int(0, 300)));
    const adj: Adjustment = {
      id: base.id,
      pk: base.pk,
      createdMs: base.createdMs,
      modifiedMs: base.modifiedMs,
      practiceId: this.data.practice.id,
      patientId: opts.patientId,
      providerId: opts.providerId,
      adjDate: dateOf(opts.day),
      adjAmountCents: opts.amount,
      adjType: opts.type,
      adjNote: opts.note ?? '',
    };
    this.data.adjustments.push(adj);
    this.owe(adj.patientId, adj.adjAmountCents);
    return adj;
  }

  /** The patient's side of one visit: pay at the visit, later, partly, or never. */
  settleVisit(visit: Visit, owed: Cents, afterDay: number): void {
    if (owed <= 0) return;
    const age = this.todayDay - visit.day;
    const roll = this.rng.next();
    const pays = (day: number, amount: Cents) =>
      this.payment({
        patientId: visit.patientId,
        providerId: this.rng.bool(0.03) ? null : visit.providerId,
        day: Math.min(day, this.todayDay),
        amount,
        procedures: visit.procedures,
      });
    if (roll < 0.6) pays(afterDay, owed);
    else if (roll < 0.8 && age > 3) pays(afterDay + this.rng.int(2, Math.min(45, Math.max(2, age))), owed);
    else if (roll < 0.86) pays(afterDay, Math.max(100, Math.round(owed / 200) * 100));
    else if (roll < 0.87)
      pays(afterDay, owed + this.rng.pick([1000, 2000, 5000])); // an overpayment: a credit
    else if (roll < 0.9 && age > 180) {
      this.adjustment({
        patientId: visit.patientId,
        providerId: visit.providerId,
        day: visit.day + this.rng.int(150, Math.min(age, 240)),
        amount: -owed,
        type: 'Bad Debt Write-off',
        note: 'Sent to collections',
      });
    } else if (roll < 0.92 && age > 60) {
      this.adjustment({
        patientId: visit.patientId,
        providerId: visit.providerId,
        day: visit.day + this.rng.int(31, Math.min(age, 60)),
        amount: Math.max(100, Math.round(owed * 0.015)),
        type: 'Finance Charge',
      });
    }
    // Otherwise unpaid: open A/R that ages.
  }
}

export function seedLedger(data: PracticeData, context: LedgerSeedContext): void {
  const s = new LedgerSeeder(data, context);
  const rng = context.random.fork('ledger-plan');
  const today = dayOf(context.today);
  const active = data.patients.filter((p) => p.status === 'active');
  if (active.length < 8) throw new Error('seedLedger needs at least 8 active patients');

  // Patients reserved for the §15.13 scenarios: their money is set by the scenario, not at random.
  const pool = [...active];
  const take = (): Patient => {
    const i = rng.int(0, pool.length - 1);
    const [p] = pool.splice(i, 1);
    return p as Patient;
  };
  const agingPartial = take();
  const agingSpill = take();
  const credit = take();
  const zero = take();
  const secondaryOnly = take();
  const archived = data.patients.find((p) => p.status === 'archived') ?? null;
  const reserved = new Set([agingPartial.id, agingSpill.id, credit.id, zero.id, archived?.id].filter(Boolean));

  for (const patient of [agingPartial, agingSpill]) s.trackedCharges.set(patient.id, []);
  const visits = s.completedVisits();
  s.chartedProcedures(data.patients);
  const cancelled = s.onAppointmentOfStatus('cancelled');
  const broken = s.onAppointmentOfStatus('broken');
  const midVisit = s.midVisit(2);

  // Insurance: most patients have a primary plan, some also a secondary, some none.
  const carriers = s.carriers();
  const activeCarriers = carriers.filter((c) => c.isActive);
  const carrierWeights = activeCarriers.map((c, i) => [c, Math.max(1, 12 - i * 2)] as const);
  const primary = new Map<Uuid, PatientInsurance>();
  for (const patient of data.patients) {
    if (patient.id === secondaryOnly.id) {
      s.enroll(patient, rng.weighted(carrierWeights), 2);
      continue;
    }
    const insured = reserved.has(patient.id)
      ? patient.id === agingPartial.id || patient.id === agingSpill.id
      : rng.bool(0.72);
    if (!insured) continue;
    const carrier = rng.weighted(carrierWeights);
    primary.set(patient.id, s.enroll(patient, carrier, 1));
    if (rng.bool(0.15)) {
      const other = activeCarriers.filter((c) => c.id !== carrier.id);
      if (other.length > 0) s.enroll(patient, rng.pick(other), 2);
    }
  }
  const noInsurance = data.patients.find(
    (p) => p.status === 'active' && !primary.has(p.id) && p.id !== secondaryOnly.id && !reserved.has(p.id),
  );
  if (!noInsurance) throw new Error('seedLedger: no uninsured active patient');

  // Claims for insured visits, with each of the 11 statuses present at least once.
  const claimed: Array<{ visit: Visit; insurance: PatientInsurance; status: ClaimStatus }> = [];
  const unclaimed: Visit[] = [];
  for (const visit of visits) {
    const insurance = primary.get(visit.patientId);
    if (!insurance || reserved.has(visit.patientId) || !rng.bool(0.88)) {
      unclaimed.push(visit);
      continue;
    }
    claimed.push({ visit, insurance, status: s.claimStatusFor(today - visit.day) });
  }
  const missing = CLAIM_STATUSES.filter((st) => !claimed.some((c) => c.status === st));
  for (const [i, status] of missing.entries()) {
    const slot = claimed[(i * 7919 + 13) % Math.max(1, claimed.length)];
    if (!slot) throw new Error('seedLedger: no insured visit to claim');
    slot.status = status;
  }
  const claimByStatus = {} as Record<ClaimStatus, Uuid>;
  for (const { visit, insurance, status } of claimed) {
    const claim = s.claim(visit, insurance, status);
    data.claims.push(claim);
    claimByStatus[status] ??= claim.id;
    const paidLog = claim.statusLog.find((e) => e.toStatus === 'paid' || e.toStatus === 'partial');
    const paidDay = paidLog ? localDayOf(paidLog.changedAtMs, data.practice.timezone) : visit.day + 30;
    if (PAID_STATUSES.has(status) && claim.writeOffCents > 0) {
      s.adjustment({
        patientId: visit.patientId,
        providerId: visit.providerId,
        day: Math.min(paidDay, today),
        amount: -claim.writeOffCents,
        type: 'PPO Write-off',
        note: 'Contractual adjustment',
      });
    }
    if (PAID_STATUSES.has(status)) {
      // The patient pays what insurance did not: usually after the EOB.
      s.settleVisit(
        visit,
        claim.claimFeeCents - claim.insPayAmtCents - claim.writeOffCents,
        Math.min(paidDay + 3, today),
      );
    } else if (status !== 'void' && status !== 'denied') {
      // Insurance pending: the estimated copay at the visit.
      s.settleVisit(visit, claim.claimFeeCents - claim.insPayEstCents, visit.day);
    } else {
      s.settleVisit(visit, claim.claimFeeCents, visit.day + 10);
    }
  }
  for (const visit of unclaimed) {
    if (reserved.has(visit.patientId)) continue;
    if (rng.bool(0.03)) {
      s.adjustment({
        patientId: visit.patientId,
        providerId: visit.providerId,
        day: visit.day,
        amount: -Math.round(visit.fee * 0.1),
        type: 'Senior Discount',
      });
      s.settleVisit(visit, visit.fee - Math.round(visit.fee * 0.1), visit.day);
    } else if (rng.bool(0.005)) {
      s.adjustment({
        patientId: visit.patientId,
        providerId: visit.providerId,
        day: visit.day,
        amount: -visit.fee,
        type: 'Professional Courtesy',
      });
    } else {
      s.settleVisit(visit, visit.fee, visit.day);
    }
  }

  // §15.13 scenario 2: a completed procedure without a provider (a walk-in charted by the front desk).
  const walkInPatient = pool[0] as Patient;
  const nullProviderProcedure = s.procedure({
    patientId: walkInPatient.id,
    providerId: null,
    appointmentId: null,
    code: 'D0140',
    day: today - 12,
    completeDay: today - 12,
    fee: 9_500,
  });

  // §15.13 scenario 3: charges in all four age buckets (10, 45, 75 and 120 days old).
  for (const patient of [agingPartial, agingSpill]) {
    for (const [age, code] of [
      [10, 'D2392'],
      [45, 'D2740'],
      [75, 'D3330'],
      [120, 'D2950'],
    ] as const) {
      s.procedure({
        patientId: patient.id,
        providerId: patient.primaryProviderId,
        appointmentId: null,
        code,
        day: today - age,
        completeDay: today - age,
        fee: s.defaultFee(code, 20_000),
      });
    }
  }
  // Scenario 4 needs some charges to pay off; scenario 5 an archived patient who still owes.
  for (const patient of [credit, zero]) {
    s.procedure({
      patientId: patient.id,
      providerId: patient.primaryProviderId,
      appointmentId: null,
      code: 'D1110',
      day: today - 20,
      completeDay: today - 20,
      fee: 11_500,
    });
  }
  if (archived) {
    s.procedure({
      patientId: archived.id,
      providerId: archived.primaryProviderId,
      appointmentId: null,
      code: 'D2392',
      day: today - 50,
      completeDay: today - 50,
      fee: 18_500,
    });
  }

  // Payments sized from the reserved patients' gross buckets and balances: they have no payments,
  // adjustments or claims yet.
  const grossBuckets = (patient: Patient) => {
    const buckets = { '0_30': 0, '31_60': 0, '61_90': 0, over_90: 0 };
    for (const [day, fee] of s.trackedCharges.get(patient.id) ?? []) buckets[agingBucketOf(today - day)] += fee;
    return buckets;
  };
  const partialBuckets = grossBuckets(agingPartial);
  const spillBuckets = grossBuckets(agingSpill);
  const creditOwes = s.owed.get(credit.id) ?? 0;
  const zeroOwes = s.owed.get(zero.id) ?? 0;
  s.payment({
    patientId: agingPartial.id,
    providerId: agingPartial.primaryProviderId,
    day: today - 3,
    amount: Math.max(100, Math.floor(partialBuckets.over_90 / 200) * 100),
  });
  s.payment({
    patientId: agingSpill.id,
    providerId: agingSpill.primaryProviderId,
    day: today - 3,
    amount: spillBuckets.over_90 + Math.max(100, Math.floor(spillBuckets['61_90'] / 200) * 100),
  });
  s.payment({ patientId: credit.id, providerId: credit.primaryProviderId, day: today - 2, amount: creditOwes + 5_000 });
  const nullProviderPayment = s.payment({ patientId: zero.id, providerId: null, day: today - 5, amount: zeroOwes });

  // Scenario 8: a positive and a negative adjustment of different types (beyond the random ones).
  const positive = s.adjustment({
    patientId: walkInPatient.id,
    providerId: walkInPatient.primaryProviderId,
    day: today - 8,
    amount: 2_500,
    type: 'NSF Fee',
    note: 'Returned check',
  });
  const negative = s.adjustment({
    patientId: walkInPatient.id,
    providerId: walkInPatient.primaryProviderId,
    day: today - 8,
    amount: -1_500,
    type: 'Courtesy Discount',
  });

  // Scenario 9: a proc code billed at two different fees in the last 30 days.
  const recent = data.procedures.filter(
    (p) => p.status === 'complete' && dayOf(p.dateComplete ?? p.procDate) >= today - 29,
  );
  const feesByCode = new Map<string, Set<number>>();
  for (const p of recent) {
    const set = feesByCode.get(p.procCode) ?? new Set<number>();
    set.add(p.procFeeCents);
    feesByCode.set(p.procCode, set);
  }
  let twoFeeProcCode = [...feesByCode.entries()].find(([, fees]) => fees.size >= 2)?.[0];
  if (!twoFeeProcCode) {
    s.procedure({
      patientId: walkInPatient.id,
      providerId: nullProviderProcedure.providerId,
      appointmentId: null,
      code: 'D0140',
      day: today - 11,
      completeDay: today - 11,
      fee: 8_900,
    });
    twoFeeProcCode = 'D0140';
  }

  // The denormalised snapshot (C-T13): refreshed once here; only the snapshot job changes it later.
  for (const p of data.patients) p.balanceCurrentCents = s.owed.get(p.id) ?? 0;
  const archivedOwes = archived && (s.owed.get(archived.id) ?? 0) > 0 ? archived.id : null;

  fixturesByPractice.set(data.practice.id, {
    practiceId: data.practice.id,
    cancelledAppointmentProcedure: cancelled,
    brokenAppointmentProcedure: broken,
    nullProviderProcedureId: nullProviderProcedure.id,
    nullProviderPaymentId: nullProviderPayment.id,
    agingPartialPatientId: agingPartial.id,
    agingSpillPatientId: agingSpill.id,
    creditBalancePatientId: credit.id,
    zeroBalancePatientId: zero.id,
    archivedBalancePatientId: archivedOwes,
    noInsurancePatientId: noInsurance.id,
    secondaryOnlyPatientId: secondaryOnly.id,
    claimByStatus,
    positiveAdjustmentId: positive.id,
    negativeAdjustmentId: negative.id,
    twoFeeProcCode,
    midVisit,
  });
}
