/**
 * Building blocks for the worklist and KPI scenarios (seed/worklists.ts, seed/kpi.ts): new
 * patients, appointments placed in free bookable time (never double-booking a chair or a person),
 * completed visits charted and settled through the ledger seeder, claims with exact status
 * timelines, recalls, commlogs, SMS consents, medical alerts, insurance plans and verifications.
 *
 * Everything is appended; no generated row is changed. Ids come from the scenario's own
 * RowFactory and PRNG stream, so the generated world keeps its ids whatever is added here.
 */
import { buildIndex, type PracticeIndex } from '../indexes.js';
import type {
  Appointment,
  AppointmentHistoryEntry,
  AppointmentStatus,
  Claim,
  ClaimStatus,
  Commlog,
  ConfirmedStatus,
  InsurancePlan,
  InsuranceVerification,
  LocalDate,
  Operatory,
  Patient,
  PatientInsurance,
  PracticeData,
  ProcedureCode,
  Provider,
  Recall,
  ScheduledProcedure,
  SmsConsent,
  TreatmentPlan,
  Uuid,
} from '../model.js';
import { blocksSlot, dayBusy, daySchedule, normalise, overlaps, type Span, subtract } from '../schedule.js';
import { addDays, dateToDayNum, dayNumToDate, MS_PER_DAY, MS_PER_MINUTE } from '../time.js';
import { APPOINTMENT_TYPES, type AppointmentTypeSpec, cdtCode } from './cdt.js';
import { LedgerSeeder, type Visit } from './ledger.js';
import { FIRST_NAMES_F, FIRST_NAMES_M } from './names.js';
import { formatPhone } from './patients.js';
import type { Random } from './random.js';
import type { RowFactory } from './rows.js';

export interface KitContext {
  rows: RowFactory;
  random: Random;
  today: LocalDate;
  nowMs: number;
  procedureCodes: readonly ProcedureCode[];
  /** Demo staff users who log calls and cancel visits. */
  staffUserIds: Uuid[];
  staffNames: Map<Uuid, string>;
  areaCodes: readonly string[];
  /** Fixture days other tests rely on (closures, day off, extended hours, DST Sundays…): left alone. */
  reservedDates: ReadonlySet<LocalDate>;
  /** First line number of the 555-0xxx phones handed out (the generator uses 0100–0199). */
  phoneBase: number;
}

const TYPE = new Map(APPOINTMENT_TYPES.map((t) => [t.name, t]));
export function appointmentType(name: string): AppointmentTypeSpec {
  const type = TYPE.get(name);
  if (!type) throw new Error(`unknown appointment type ${name}`);
  return type;
}

/** Surnames the generator never uses; any that a generated patient carries is skipped. */
const SURNAMES = [
  'Ashworth',
  'Brannigan',
  'Castellano',
  'Delacroix',
  'Eastwood',
  'Fairbanks',
  'Galloway',
  'Hargrove',
  'Ingleby',
  'Jablonski',
  'Kavanagh',
  'Lindqvist',
  'Montague',
  'Northcott',
  'Okonkwo',
  'Pemberton',
  'Quintero',
  'Rosenthal',
  'Stanhope',
  'Thackeray',
  'Underhill',
  'Valdivia',
  'Whitlock',
  'Yarborough',
  'Zielinski',
  'Abernathy',
  'Beaumont',
  'Carrington',
  'Dunleavy',
  'Ellsworth',
  'Fitzgerald',
  'Gallagher',
  'Ivanova',
  'Jankowski',
  'Kowalczyk',
  'Lachance',
  'Macintyre',
  'Nakamura',
  'Oyelaran',
  'Prescott',
  'Rutherford',
  'Sorensen',
  'Trevino',
  'Vandermeer',
  'Wexler',
  'Albrecht',
  'Blackwood',
  'Calloway',
  'Dragomir',
  'Espinoza',
  'Fontaine',
  'Grimaldi',
  'Hathaway',
  'Iverson',
  'Jorgensen',
  'Kingsley',
  'Lockhart',
  'Marchetti',
  'Nygaard',
  'Ostrowski',
  'Pellegrino',
  'Radcliffe',
  'Sinclair',
  'Thorne',
  'Villanueva',
  'Wainwright',
  'Ackerly',
  'Bellweather',
  'Coppola',
  'Dempsey',
  'Eriksen',
  'Forsythe',
  'Gustafson',
  'Halvorsen',
  'Ishikawa',
  'Kaminski',
  'Lundgren',
  'Moriarty',
  'Nightingale',
  'Ormsby',
  'Pennington',
  'Quigley',
  'Rasmussen',
  'Stromberg',
  'Tolliver',
  'Umberger',
  'Vickers',
  'Westbrook',
];

export interface Placement {
  startMs: number;
  provider: Provider;
  operatory: Operatory;
}

export type ProviderKind = 'dentist' | 'hygienist';

export interface PatientOptions {
  /** Age in years on today's date (adult 30–70 when absent). */
  age?: number;
  /** Days before today the chart was created (default 400–900). */
  createdDaysAgo?: number;
  prefersSms?: boolean;
  prefersEmail?: boolean;
  hasMobile?: boolean;
}

export interface AppointmentOptions {
  patient: Patient;
  placement: Placement | { startMs: number; provider: Provider; operatory: Operatory | null };
  type: AppointmentTypeSpec;
  status: AppointmentStatus;
  minutes?: number;
  confirmed?: ConfirmedStatus;
  isNewPatient?: boolean;
  treatmentPlanId?: Uuid | null;
  note?: string;
  /** When the appointment row was created (default: well before it, never after now). */
  createdMs?: number;
  /** For cancelled/unscheduled rows: when and why. */
  cancel?: { atMs: number; reason: string; byStaff: boolean };
}

export interface ClaimStep {
  status: ClaimStatus;
  daysAgo: number;
  note?: string;
}

/** The scenario builder for one practice. */
export class ScenarioKit {
  readonly data: PracticeData;
  readonly index: PracticeIndex;
  readonly todayNum: number;
  readonly ledger: LedgerSeeder;
  readonly created: Patient[] = [];
  private readonly ctx: KitContext;
  readonly random: Random;
  private readonly codeId: Map<string, Uuid>;
  private readonly surnames: string[];
  private nameCursor = 0;
  private phoneLine: number;
  private historyId = 9_000_000;
  /** Blocking time this kit added, per local day: spans by operatory and by provider. */
  private readonly added = new Map<number, { op: Map<Uuid, Span[]>; prov: Map<Uuid, Span[]> }>();

  constructor(data: PracticeData, ctx: KitContext) {
    this.data = data;
    this.ctx = ctx;
    this.random = ctx.random;
    this.index = buildIndex(data);
    this.todayNum = dateToDayNum(ctx.today) as number;
    this.codeId = new Map(ctx.procedureCodes.map((c) => [c.code, c.id]));
    this.phoneLine = ctx.phoneBase;
    // Skip a surname a generated patient carries, or that extends one ("Bell" → "Bellweather"), so
    // name searches and name-ordered pages of the generated patients read as before.
    const taken = [...new Set(data.patients.map((p) => p.lastName.toLowerCase()))];
    this.surnames = SURNAMES.filter(
      (s) => !taken.some((t) => s.toLowerCase().startsWith(t) || t.startsWith(s.toLowerCase())),
    );
    this.ledger = new LedgerSeeder(data, {
      random: ctx.random.fork('ledger'),
      today: ctx.today,
      nowMs: ctx.nowMs,
      procedureCodes: ctx.procedureCodes,
      scale: 'default',
      nextPk: () => ctx.rows.nextPk(),
    });
  }

  get nowMs(): number {
    return this.ctx.nowMs;
  }

  get today(): LocalDate {
    return this.ctx.today;
  }

  date(daysFromToday: number): LocalDate {
    return addDays(this.ctx.today, daysFromToday);
  }

  /** The instant of a local wall time on a day (minutes after midnight). */
  at(dayNum: number, minute: number): number {
    return this.index.tz.localToInstantLenient(dayNum, minute);
  }

  dentists(): Provider[] {
    return this.data.providers.filter((p) => p.isActive && p.providerType === 'dentist');
  }

  hygienists(): Provider[] {
    return this.data.providers.filter((p) => p.isActive && p.providerType === 'hygienist');
  }

  isReserved(dayNum: number): boolean {
    return this.ctx.reservedDates.has(dayNumToDate(dayNum));
  }

  /** Open for patients: practice hours on the day, not a reserved fixture day. */
  isOpen(dayNum: number): boolean {
    return !this.isReserved(dayNum) && daySchedule(this.index, dayNum).practiceHours.length > 0;
  }

  // ------------------------------------------------------------------ patients

  patient(o: PatientOptions = {}): Patient {
    const female = this.random.bool(0.5);
    const last = this.surnames[this.nameCursor % this.surnames.length] as string;
    const firsts = female ? FIRST_NAMES_F : FIRST_NAMES_M;
    // A new first name each time the surname list wraps, so (first, last) never repeats.
    const first = firsts[(Math.floor(this.nameCursor / this.surnames.length) * 7 + this.nameCursor) % firsts.length];
    this.nameCursor += 1;
    const age = o.age ?? this.random.int(30, 70);
    const year = Number(this.ctx.today.slice(0, 4)) - age;
    const dob = `${year}-${String(this.random.int(1, 12)).padStart(2, '0')}-${String(this.random.int(1, 28)).padStart(2, '0')}`;
    const created = this.ctx.nowMs - (o.createdDaysAgo ?? this.random.int(400, 900)) * MS_PER_DAY;
    const r = this.ctx.rows.row(created);
    this.phoneLine += 1;
    const mobile =
      o.hasMobile === false ? null : formatPhone(this.random, this.random.pick(this.ctx.areaCodes), this.phoneLine);
    const dentists = this.dentists();
    const p: Patient = {
      id: r.id,
      pk: r.pk,
      createdMs: r.createdMs,
      modifiedMs: r.modifiedMs,
      practiceId: this.data.practice.id,
      firstName: first as string,
      lastName: last,
      preferredName: '',
      email: `${(first as string).toLowerCase()}.${last.toLowerCase()}@example.com`,
      dateOfBirth: dob,
      gender: female ? 'female' : 'male',
      status: 'active',
      phoneHome: null,
      phoneWork: null,
      phoneMobile: mobile,
      address: `${this.random.int(10, 9899)} Scenario Way`,
      city: this.data.practice.city,
      state: this.data.practice.state,
      zipCode: this.data.practice.zipCode,
      primaryProviderId: dentists.length > 0 ? (this.random.pick(dentists).id as Uuid) : null,
      secondaryProviderId: null,
      balanceCurrentCents: 0,
      lastRecallDate: null,
      nextRecallDate: null,
      prefersEmail: o.prefersEmail ?? true,
      prefersSms: o.prefersSms ?? true,
    };
    this.data.patients.push(p);
    this.created.push(p);
    return p;
  }

  // ------------------------------------------------------------------ placement

  private addedOn(dayNum: number) {
    let entry = this.added.get(dayNum);
    if (!entry) {
      entry = { op: new Map(), prov: new Map() };
      this.added.set(dayNum, entry);
    }
    return entry;
  }

  /** Busy spans of a chair or a person on a day: generated appointments plus the ones added here. */
  private busy(dayNum: number, kind: 'op' | 'prov', id: Uuid): Span[] {
    const generated = dayBusy(this.index, dayNum);
    const base = (kind === 'op' ? generated.byOperatory : generated.byProvider).get(id) ?? [];
    const mine = [dayNum - 1, dayNum].flatMap((d) => this.added.get(d)?.[kind].get(id) ?? []);
    return normalise([...base, ...mine]);
  }

  /** Free time of `provider` in `operatory` on a day (bookable hours minus every blocking visit). */
  freeSpans(dayNum: number, provider: Provider, operatory: Operatory): Span[] {
    const bookable = daySchedule(this.index, dayNum).bookable(provider.id, operatory.id);
    return subtract(subtract(bookable, this.busy(dayNum, 'op', operatory.id)), this.busy(dayNum, 'prov', provider.id));
  }

  /** Free time of a person on a day: their bookable hours in any of their chairs, minus their blocking visits. */
  providerFree(dayNum: number, provider: Provider): Span[] {
    const day = daySchedule(this.index, dayNum);
    const hours = normalise(this.chairsOf(dayNum, provider).flatMap((o) => day.bookable(provider.id, o.id)));
    return subtract(hours, this.busy(dayNum, 'prov', provider.id));
  }

  /** A chair of the provider's that is bookable for them and empty during [s, e), if any. */
  chairFor(dayNum: number, provider: Provider, s: number, e: number): Operatory | undefined {
    const day = daySchedule(this.index, dayNum);
    return this.chairsOf(dayNum, provider).find(
      (o) => this.chairFree(dayNum, o, s, e) && day.bookable(provider.id, o.id).some(([a, b]) => a <= s && e <= b),
    );
  }

  /** Chairs a provider works in on a day, as the generator chooses them. */
  chairsOf(dayNum: number, provider: Provider): Operatory[] {
    const opIds = daySchedule(this.index, dayNum).operatoriesOf(provider.id);
    if (opIds.length === 0) return [];
    return this.data.operatories
      .filter(
        (op) =>
          op.isBookable &&
          (opIds.includes(null) ? !op.isHygiene || provider.providerType === 'hygienist' : opIds.includes(op.id)),
      )
      .sort((a, b) => a.sortOrder - b.sortOrder || a.pk - b.pk);
  }

  /**
   * A free start on a day (15-minute grid) for a provider of `kind`, not before `notBeforeMs`:
   * the earliest, the latest with `latest`, or with `snug` the one in the shortest free stretch
   * that fits (so longer stretches stay open for the slot finders).
   */
  slot(
    dayNum: number,
    kind: ProviderKind,
    minutes: number,
    o: { notBeforeMs?: number; provider?: Provider; latest?: boolean; snug?: boolean } = {},
  ): Placement | null {
    if (!this.isOpen(dayNum)) return null;
    const providers = o.provider ? [o.provider] : kind === 'dentist' ? this.dentists() : this.hygienists();
    const first = this.random.int(0, Math.max(0, providers.length - 1));
    const durationMs = minutes * MS_PER_MINUTE;
    const grid = 15 * MS_PER_MINUTE;
    let best: { placement: Placement; length: number } | null = null;
    for (let i = 0; i < providers.length; i++) {
      const provider = providers[(first + i) % providers.length] as Provider;
      for (const operatory of this.chairsOf(dayNum, provider)) {
        const spans = this.freeSpans(dayNum, provider, operatory);
        for (const [a, b] of o.latest ? [...spans].reverse() : spans) {
          const floor = Math.max(a, o.notBeforeMs ?? a);
          const t = o.latest ? Math.floor((b - durationMs) / grid) * grid : Math.ceil(floor / grid) * grid;
          if (t < floor || t + durationMs > b) continue;
          const placement = { startMs: t, provider, operatory };
          if (!o.snug) return placement;
          if (!best || b - floor < best.length || (b - floor === best.length && t < best.placement.startMs)) {
            best = { placement, length: b - floor };
          }
        }
      }
    }
    return best?.placement ?? null;
  }

  /** The nearest open day from `dayNum` (stepping by `step`) with a free slot. */
  slotNear(
    dayNum: number,
    step: 1 | -1,
    kind: ProviderKind,
    minutes: number,
    o: { notBeforeMs?: number; provider?: Provider } = {},
  ): Placement {
    for (let i = 0; i < 60; i++) {
      const found = this.slot(dayNum + i * step, kind, minutes, o);
      if (found) return found;
    }
    throw new Error(`scenario: no free ${minutes}-minute ${kind} slot near ${dayNumToDate(dayNum)}`);
  }

  /** Claims blocking time for an appointment the kit placed (cancelled/broken rows release it). */
  private occupy(a: Appointment): void {
    if (!blocksSlot(a)) return;
    const span: Span = [a.startMs, a.startMs + a.durationMinutes * MS_PER_MINUTE];
    const entry = this.addedOn(this.index.tz.dayNumOf(a.startMs));
    const push = (map: Map<Uuid, Span[]>, id: Uuid | null) => {
      if (!id) return;
      map.set(id, [...(map.get(id) ?? []), span]);
    };
    push(entry.op, a.operatoryId);
    push(entry.prov, a.providerId);
    push(entry.prov, a.providerHygienistId);
  }

  /** True when no blocking visit (generated or added) is in the chair during [s, e). */
  chairFree(dayNum: number, operatory: Operatory, s: number, e: number): boolean {
    return !overlaps(this.busy(dayNum, 'op', operatory.id), s, e);
  }

  /** Keeps [s, e) free of every later placement (an opening a scenario needs), without a row. */
  hold(dayNum: number, provider: Provider, operatory: Operatory, s: number, e: number): void {
    const entry = this.addedOn(dayNum);
    entry.op.set(operatory.id, [...(entry.op.get(operatory.id) ?? []), [s, e]]);
    entry.prov.set(provider.id, [...(entry.prov.get(provider.id) ?? []), [s, e]]);
  }

  // ------------------------------------------------------------------ appointments

  private history(
    from: AppointmentStatus | '',
    to: AppointmentStatus,
    atMs: number,
    by: Uuid | null,
    note = '',
  ): AppointmentHistoryEntry {
    this.historyId += 1;
    return {
      id: this.historyId,
      previousStatus: from,
      newStatus: to,
      changedBy: by,
      changedByName: by ? (this.ctx.staffNames.get(by) ?? '') : '',
      changedAtMs: Math.floor(atMs / 1000) * 1000,
      note,
    };
  }

  scheduledProcedures(type: AppointmentTypeSpec, codes?: readonly string[]): ScheduledProcedure[] {
    return (codes ?? type.codes).map((code) => {
      const cdt = cdtCode(code);
      return {
        id: this.random.uuid(),
        procedureCodeId: this.codeId.get(code) ?? null,
        procCode: code,
        description: cdt.description,
        feeCents: cdt.feeCents,
        toothNum:
          cdt.category === 'restorative' || cdt.category === 'endodontics'
            ? this.random.pick(['3', '14', '19', '30'])
            : '',
        surface: code === 'D2392' ? 'MO' : code === 'D2391' ? 'O' : '',
        status: 'planned',
      };
    });
  }

  appointment(o: AppointmentOptions, codes?: readonly string[]): Appointment {
    const minutes = o.minutes ?? o.type.minutes;
    const startMs = o.placement.startMs;
    const endMs = startMs + minutes * MS_PER_MINUTE;
    const sec = (ms: number) => Math.floor(ms / 1000) * 1000;
    const createdMs = sec(o.createdMs ?? Math.min(this.ctx.nowMs - 3 * MS_PER_DAY, startMs - 14 * MS_PER_DAY));
    const sched = this.scheduledProcedures(o.type, codes);
    const staff = this.ctx.staffUserIds[0] ?? null;
    const r = this.ctx.rows.row(createdMs);
    const hygienist = o.placement.provider.providerType === 'hygienist';
    const a: Appointment = {
      id: r.id,
      pk: r.pk,
      createdMs: r.createdMs,
      modifiedMs: r.modifiedMs,
      practiceId: this.data.practice.id,
      patientId: o.patient.id,
      providerId: o.placement.provider.id,
      providerHygienistId: hygienist ? o.placement.provider.id : null,
      operatoryId: o.placement.operatory?.id ?? null,
      treatmentPlanId: o.treatmentPlanId ?? null,
      startMs,
      localDate: this.index.tz.localDateOf(startMs),
      durationMinutes: minutes,
      status: o.status,
      confirmedStatus: o.confirmed ?? (o.status === 'complete' ? 'confirmed' : 'not_called'),
      appointmentType: o.type.name,
      isHygiene: o.type.hygiene,
      isNewPatient: o.isNewPatient ?? false,
      procedureDescription: sched.map((p) => cdtCode(p.procCode).abbreviation).join(', ') || o.type.name,
      note: o.note ?? '',
      cancellationReason: '',
      rescheduleRequested: false,
      arrivedAtMs: null,
      seatedAtMs: null,
      readyForDoctorAtMs: null,
      readyForWalkoutAtMs: null,
      dismissedAtMs: null,
      dollarsScheduledCents: sched.reduce((n, p) => n + p.feeCents, 0),
      cancelledBy: null,
      scheduledProcedures: sched,
      history: [],
    };
    let modifiedMs = createdMs;
    switch (o.status) {
      case 'complete':
        a.arrivedAtMs = sec(startMs - 6 * MS_PER_MINUTE);
        a.seatedAtMs = sec(startMs + 2 * MS_PER_MINUTE);
        a.readyForWalkoutAtMs = sec(endMs - 3 * MS_PER_MINUTE);
        a.dismissedAtMs = sec(endMs);
        a.history.push(this.history('scheduled', 'arrived', a.arrivedAtMs, staff));
        a.history.push(this.history('arrived', 'complete', a.dismissedAtMs, staff));
        modifiedMs = a.dismissedAtMs;
        break;
      case 'broken': {
        // Marked by the overnight job (changed_by null, L480).
        const at = Math.min(this.at(this.index.tz.dayNumOf(startMs) + 1, 2 * 60 + 10), this.ctx.nowMs);
        a.history.push(this.history('scheduled', 'broken', at, null, 'Auto-marked: patient did not arrive'));
        modifiedMs = at;
        break;
      }
      case 'cancelled':
      case 'unscheduled': {
        const cancel = o.cancel ?? { atMs: startMs - MS_PER_DAY, reason: '', byStaff: true };
        const by = cancel.byStaff ? staff : null;
        a.cancellationReason = o.status === 'cancelled' ? cancel.reason : '';
        a.cancelledBy = o.status === 'cancelled' ? by : null;
        a.history.push(this.history('scheduled', o.status, cancel.atMs, by, cancel.reason));
        modifiedMs = cancel.atMs;
        break;
      }
      default:
        break;
    }
    a.modifiedMs = sec(Math.max(modifiedMs, createdMs));
    this.data.appointments.push(a);
    this.occupy(a);
    return a;
  }

  /**
   * A completed visit, charted and settled: uninsured visits are paid as `pay` says (full at the
   * visit by default); insured ones get a claim in `claim` status (paid by default) and the patient
   * pays what insurance did not.
   */
  completeVisit(
    patient: Patient,
    placement: Placement,
    type: AppointmentTypeSpec,
    o: {
      codes?: readonly string[];
      insurance?: PatientInsurance | null;
      pay?: 'full' | 'none' | number;
      isNewPatient?: boolean;
    } = {},
  ): { appointment: Appointment; visit: Visit; claim: Claim | null } {
    const appointment = this.appointment(
      { patient, placement, type, status: 'complete', isNewPatient: o.isNewPatient ?? false },
      o.codes,
    );
    const day = this.index.tz.dayNumOf(appointment.startMs);
    const visit: Visit = {
      appointment,
      patientId: patient.id,
      providerId: appointment.providerId,
      day,
      procedures: [],
      fee: 0,
    };
    for (const sp of appointment.scheduledProcedures) {
      const providerId =
        appointment.providerHygienistId && ['D1110', 'D1120', 'D1206', 'D4910', 'D4341'].includes(sp.procCode)
          ? appointment.providerHygienistId
          : appointment.providerId;
      const p = this.ledger.procedure({
        patientId: patient.id,
        providerId,
        appointmentId: appointment.id,
        code: sp.procCode,
        description: sp.description,
        day,
        completeDay: day,
        fee: sp.feeCents,
        toothNum: sp.toothNum,
        surface: sp.surface,
        createdMs: appointment.startMs,
      });
      visit.procedures.push(p);
      visit.fee += p.procFeeCents;
    }
    let claim: Claim | null = null;
    if (o.insurance) {
      claim = this.ledger.claim(visit, o.insurance, 'paid');
      this.data.claims.push(claim);
      if (claim.writeOffCents > 0) {
        this.ledger.adjustment({
          patientId: patient.id,
          providerId: visit.providerId,
          day,
          amount: -claim.writeOffCents,
          type: 'PPO Write-off',
          note: 'Contractual adjustment',
        });
      }
      const rest = claim.claimFeeCents - claim.insPayAmtCents - claim.writeOffCents;
      if (rest > 0) this.pay(patient, visit, day, rest);
      this.setClaimLog(claim, [
        { status: 'submitted', daysAgo: this.todayNum - day },
        { status: 'accepted', daysAgo: this.todayNum - day - 4 },
        { status: 'paid', daysAgo: this.todayNum - day - 18 },
      ]);
    } else if (o.pay === undefined || o.pay === 'full') this.pay(patient, visit, day, visit.fee);
    else if (typeof o.pay === 'number' && o.pay > 0) this.pay(patient, visit, day, o.pay);
    return { appointment, visit, claim };
  }

  pay(patient: Patient, visit: Visit, day: number, amount: number): void {
    this.ledger.payment({
      patientId: patient.id,
      providerId: visit.providerId,
      day: Math.min(day, this.todayNum),
      amount,
      procedures: visit.procedures,
      payType: ['Credit Card', 'card', 1],
    });
  }

  /** A claim of `status` for a visit, with its status log at exact days (oldest first). */
  claimFor(visit: Visit, insurance: PatientInsurance, status: ClaimStatus, steps: ClaimStep[]): Claim {
    const claim = this.ledger.claim(visit, insurance, status);
    this.data.claims.push(claim);
    this.setClaimLog(claim, steps);
    const sent = steps.find((s) => s.status === 'submitted');
    claim.dateSent = sent ? this.date(-sent.daysAgo) : null;
    return claim;
  }

  /** Rewrites a fresh claim's log to the given steps (the seed sets logs directly, §15.9). */
  setClaimLog(claim: Claim, steps: ClaimStep[]): void {
    let from: ClaimStatus | '' = 'draft';
    claim.statusLog = steps.map((step, i) => {
      const day = Math.max(this.todayNum - step.daysAgo, this.index.tz.dayNumOf(claim.createdMs));
      const at = Math.min(Math.max(this.at(day, 15 * 60 + i * 7), claim.createdMs + (i + 1) * 60_000), this.ctx.nowMs);
      const entry = {
        id: this.ledger.id(),
        fromStatus: from,
        toStatus: step.status,
        changedBy: null,
        changedByEmail: ['submitted', 'resubmitted', 'appealed'].includes(step.status)
          ? 'billing@practice.example'
          : '',
        changedAtMs: Math.floor(at / 1000) * 1000,
        note: step.note ?? '',
      };
      from = step.status;
      return entry;
    });
    claim.modifiedMs = claim.statusLog.at(-1)?.changedAtMs ?? claim.createdMs;
  }

  // ------------------------------------------------------------------ insurance

  plan(carrierId: Uuid, name: string): InsurancePlan {
    const r = this.ctx.rows.row(this.ctx.nowMs - 700 * MS_PER_DAY);
    const plan: InsurancePlan = {
      id: r.id,
      pk: r.pk,
      createdMs: r.createdMs,
      modifiedMs: r.modifiedMs,
      practiceId: this.data.practice.id,
      carrierId,
      planName: name,
      groupName: `${name} group`,
      groupNumber: String(this.random.int(100_000, 999_999)),
      employerName: this.random.pick(['Acme Logistics', 'City School District', 'Northwind Traders', 'Harbor Health']),
      planType: 'ppo',
      annualMaximumCents: this.random.pick([150_000, 200_000, 250_000]),
      individualDeductibleCents: 5_000,
    };
    this.data.insurancePlans.push(plan);
    return plan;
  }

  /** Enrolls a patient in a plan (ordinal 1 = primary, 2 = secondary). */
  enroll(patient: Patient, plan: InsurancePlan, ordinal: number): PatientInsurance {
    const carrier = this.data.carriers.find((c) => c.id === plan.carrierId);
    if (!carrier) throw new Error('scenario: plan without carrier');
    const pi = this.ledger.enroll(patient, carrier, ordinal);
    pi.insurancePlanId = plan.id;
    pi.groupNumber = plan.groupNumber;
    return pi;
  }

  verification(
    patient: Patient,
    plan: InsurancePlan,
    verifiedAtMs: number,
    source: InsuranceVerification['source'],
  ): InsuranceVerification {
    const at = Math.floor(verifiedAtMs / 60_000) * 60_000;
    const r = this.ctx.rows.row(at + 5 * 60_000);
    const v: InsuranceVerification = {
      id: r.id,
      pk: r.pk,
      createdMs: r.createdMs,
      modifiedMs: r.modifiedMs,
      practiceId: this.data.practice.id,
      patientId: patient.id,
      insurancePlanId: plan.id,
      verifiedBy: source === 'clearinghouse' ? null : (this.ctx.staffUserIds[0] ?? null),
      verifiedAtMs: at,
      source,
      rawResponse: source === 'clearinghouse' ? { transaction: '271', eligible: true } : null,
      annualMaxCents: plan.annualMaximumCents,
      deductibleTotalCents: plan.individualDeductibleCents,
      deductibleMetCents: 0,
      waitingPeriodNotes: '',
      frequencyLimits: { D1110: '2 per calendar year', D0274: '1 per calendar year' },
    };
    this.data.verifications.push(v);
    return v;
  }

  // ------------------------------------------------------------------ recall, contact, consent, alerts

  recall(
    patient: Patient,
    o: {
      type: string;
      dateDue: LocalDate;
      datePrevious: LocalDate | null;
      dateScheduled?: LocalDate | null;
      disabled?: boolean;
    },
  ): Recall {
    const created = o.datePrevious
      ? this.at(dateToDayNum(o.datePrevious) as number, 17 * 60)
      : this.ctx.nowMs - 200 * MS_PER_DAY;
    const r = this.ctx.rows.row(Math.min(created, this.ctx.nowMs));
    const recall: Recall = {
      id: r.id,
      pk: r.pk,
      createdMs: r.createdMs,
      modifiedMs: r.modifiedMs,
      practiceId: this.data.practice.id,
      patientId: patient.id,
      recallType: o.type,
      dateDue: o.dateDue,
      datePrevious: o.datePrevious,
      dateScheduled: o.dateScheduled ?? null,
      isDisabled: o.disabled ?? false,
    };
    this.data.recalls.push(recall);
    patient.lastRecallDate = o.datePrevious;
    patient.nextRecallDate = o.dateDue;
    return recall;
  }

  commlog(
    patient: Patient,
    atMs: number,
    o: {
      mode: Commlog['mode'];
      direction: Commlog['direction'];
      outcome: Commlog['outcome'];
      subject: string;
      note: string;
      recall?: Recall | null;
    },
  ): Commlog {
    const when = Math.floor(Math.min(atMs, this.ctx.nowMs) / 60_000) * 60_000;
    const r = this.ctx.rows.row(when);
    const c: Commlog = {
      id: r.id,
      pk: r.pk,
      createdMs: r.createdMs,
      modifiedMs: r.modifiedMs,
      practiceId: this.data.practice.id,
      patientId: patient.id,
      dateTimeMs: when,
      mode: o.mode,
      direction: o.direction,
      outcome: o.outcome,
      subject: o.subject,
      note: o.note,
      staffUserId: o.mode === 'phone' ? (this.ctx.staffUserIds[0] ?? null) : null,
      recallId: o.recall?.id ?? null,
    };
    this.data.commlogs.push(c);
    return c;
  }

  smsConsent(patient: Patient, state: SmsConsent['state'], changedAtMs: number): SmsConsent {
    const at = Math.floor(Math.min(changedAtMs, this.ctx.nowMs) / 1000) * 1000;
    const r = this.ctx.rows.row(at - 30 * MS_PER_DAY, at);
    const consent: SmsConsent = {
      id: r.id,
      pk: r.pk,
      createdMs: r.createdMs,
      modifiedMs: r.modifiedMs,
      practiceId: this.data.practice.id,
      patientId: patient.id,
      state,
      optedOutAtMs: state === 'opted_out' ? at : null,
      optedOutReason: state === 'opted_out' ? 'patient_request_stop' : '',
      lastHelpRepliedAtMs: null,
      firstDisclosureSentAtMs: r.createdMs,
      lastChangeAtMs: at,
      lastChangeById: null,
      reviewNotes: '',
    };
    this.data.smsConsents.push(consent);
    return consent;
  }

  medicalAlert(patientId: Uuid, text: string): void {
    const r = this.ctx.rows.row(this.ctx.nowMs - 300 * MS_PER_DAY);
    this.data.medicalAlerts.push({
      id: r.id,
      pk: r.pk,
      createdMs: r.createdMs,
      modifiedMs: r.modifiedMs,
      practiceId: this.data.practice.id,
      patientId,
      text,
    });
  }

  /** A treatment plan presented on `presented`, accepted on `accepted` (or not). */
  treatmentPlan(
    patient: Patient,
    provider: Provider,
    o: {
      name: string;
      codes: readonly string[];
      presented: LocalDate;
      accepted: LocalDate | null;
      status: TreatmentPlan['status'];
    },
  ): TreatmentPlan {
    const r = this.ctx.rows.row(Math.min(this.at(dateToDayNum(o.presented) as number, 16 * 60), this.ctx.nowMs));
    const plan: TreatmentPlan = {
      id: r.id,
      pk: r.pk,
      createdMs: r.createdMs,
      modifiedMs: r.modifiedMs,
      practiceId: this.data.practice.id,
      patientId: patient.id,
      providerId: provider.id,
      name: o.name,
      status: o.status,
      dateCreated: o.presented,
      dateAccepted: o.accepted,
      note: '',
      items: o.codes.map((code, i) => {
        const cdt = cdtCode(code);
        return {
          id: this.random.uuid(),
          procedureCodeId: this.codeId.get(code) ?? null,
          procCode: code,
          description: cdt.description,
          toothNum: cdt.category === 'periodontics' ? '' : '30',
          surface: '',
          plannedFeeCents: cdt.feeCents,
          datePlanned: o.presented,
          status: o.accepted ? 'scheduled' : 'planned',
          priority: i + 1,
        };
      }),
    };
    this.data.treatmentPlans.push(plan);
    return plan;
  }

  /** Refreshes the `balance_current` snapshot of the patients this kit created (C-T13). */
  snapshotBalances(): void {
    for (const p of this.created) p.balanceCurrentCents = this.ledger.owed.get(p.id) ?? 0;
  }
}
