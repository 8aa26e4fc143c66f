/**
 * Appointments over ≈12 months past and ≈6 months future, placed inside the resolved schedule
 * (so generated data never double-books by the sandbox's own rules), plus the fixture
 * appointments: DST Sundays at 01:30, a 23:30 local visit (next UTC date), one spanning lunch.
 */
import { buildIndex } from '../indexes.js';
import type {
  Appointment,
  AppointmentHistoryEntry,
  AppointmentStatus,
  ConfirmedStatus,
  LocalDate,
  Operatory,
  Patient,
  PracticeData,
  ProcedureCode,
  Provider,
  ScheduledProcedure,
  Uuid,
} from '../model.js';
import { daySchedule, intersect, normalise, overlaps, type Span } from '../schedule.js';
import { dateToDayNum, dayNumToDate, MS_PER_DAY, MS_PER_MINUTE } from '../time.js';
import { APPOINTMENT_TYPES, type AppointmentTypeSpec, cdtCode } from './cdt.js';
import type { PracticeFixture } from './generate.js';
import type { PatientFixtures } from './patients.js';
import type { Random } from './random.js';
import type { RowFactory } from './rows.js';
import type { StaffFixture } from './staff.js';

export interface AppointmentContext {
  rows: RowFactory;
  random: Random;
  today: LocalDate;
  nowMs: number;
  large: boolean;
  staff: StaffFixture;
  patientFixtures: PatientFixtures;
  staffUserIds: Uuid[];
  /** Fill-rate multiplier (the disabled practice is quieter). */
  density: number;
  procedureCodes: readonly ProcedureCode[];
  staffNames: Map<Uuid, string>;
}

const TYPE = new Map(APPOINTMENT_TYPES.map((t) => [t.name, t]));
const t = (name: string) => TYPE.get(name) as AppointmentTypeSpec;

const DENTIST_TYPES: readonly (readonly [AppointmentTypeSpec, number])[] = [
  [t('Filling'), 24],
  [t('Crown Prep'), 11],
  [t('Crown Seat'), 10],
  [t('Root Canal'), 6],
  [t('Extraction'), 8],
  [t('Emergency'), 10],
  [t('New Patient Exam'), 14],
  [t('Implant Consult'), 5],
  [t('Night Guard Delivery'), 4],
];

const HYGIENE_TYPES: readonly (readonly [AppointmentTypeSpec, number])[] = [
  [t('Periodic Exam & Prophy'), 62],
  [t('Child Prophy'), 10],
  [t('Perio Maintenance'), 16],
  [t('Scaling & Root Planing'), 8],
];

const CANCEL_REASONS = [
  'Patient called to cancel - work conflict',
  'Sick',
  'Childcare issue',
  'Transportation',
  'Will call back to reschedule',
  'Insurance not active yet',
  'Out of town',
  '',
];

const APPOINTMENT_NOTES = [
  '',
  '',
  '',
  '',
  '',
  'Pt prefers morning appointments',
  'Premed required',
  'Nervous patient - nitrous requested',
  'Confirm insurance at check-in',
  'Bring night guard',
];

const SURFACES = ['MO', 'DO', 'MOD', 'O', 'B', 'L', 'MOB'];
const RESTORATIVE_TEETH = ['2', '3', '4', '5', '12', '13', '14', '15', '18', '19', '20', '21', '28', '29', '30', '31'];
const ANTERIOR_TEETH = ['6', '7', '8', '9', '10', '11', '22', '23', '24', '25', '26', '27'];

export function generateAppointments(data: PracticeData, ctx: AppointmentContext): PracticeFixture['appointments'] {
  const { rows, random, staff } = ctx;
  const index = buildIndex(data);
  const tz = index.tz;
  const todayNum = dateToDayNum(ctx.today) as number;
  const codeId = new Map(ctx.procedureCodes.map((c) => [c.code, c.id]));
  let historyId = 0;

  const fixtureIds = new Set<Uuid>([
    ...ctx.patientFixtures.ambiguousName,
    ...ctx.patientFixtures.sameLastNameAndDob,
    ...ctx.patientFixtures.unicode,
    ctx.patientFixtures.timeline,
    ctx.patientFixtures.injectionNote,
    ctx.patientFixtures.frequentNoShow,
    ctx.patientFixtures.portal,
  ]);
  const todayYear = Number(ctx.today.slice(0, 4));
  const ageOf = (p: Patient) => (p.dateOfBirth ? todayYear - Number(p.dateOfBirth.slice(0, 4)) : 40);
  const adults = data.patients.filter((p) => !fixtureIds.has(p.id) && p.status === 'active' && ageOf(p) >= 14);
  const kids = data.patients.filter((p) => !fixtureIds.has(p.id) && p.status === 'active' && ageOf(p) < 14);
  const lapsed = data.patients.filter(
    (p) => !fixtureIds.has(p.id) && (p.status === 'inactive' || p.status === 'archived'),
  );
  const dentistIds = new Set(staff.dentists.map((d) => d.id));

  const procedures = (type: AppointmentTypeSpec): ScheduledProcedure[] =>
    type.codes.map((code) => {
      const cdt = cdtCode(code);
      const restorative = cdt.category === 'restorative' || cdt.category === 'endodontics';
      const anterior = code === 'D2330' || code === 'D3310';
      return {
        id: random.uuid(),
        procedureCodeId: codeId.get(code) ?? null,
        procCode: code,
        description: cdt.description,
        feeCents: cdt.feeCents,
        toothNum: restorative ? random.pick(anterior ? ANTERIOR_TEETH : RESTORATIVE_TEETH) : '',
        surface: code.startsWith('D23') || code.startsWith('D21') ? random.pick(SURFACES) : '',
        status: 'planned',
      };
    });

  const history = (
    from: AppointmentStatus | '',
    to: AppointmentStatus,
    atMs: number,
    by: Uuid | null,
    note = '',
  ): AppointmentHistoryEntry => ({
    id: ++historyId,
    previousStatus: from,
    newStatus: to,
    changedBy: by,
    changedByName: by ? (ctx.staffNames.get(by) ?? '') : '',
    changedAtMs: Math.floor(atMs / 1000) * 1000,
    note,
  });

  /** Status for an appointment at [start, end) relative to now. */
  const statusFor = (startMs: number, endMs: number, future: boolean): AppointmentStatus => {
    if (endMs <= ctx.nowMs) {
      return random.weighted<AppointmentStatus>([
        ['complete', 82],
        ['broken', 6],
        ['cancelled', 10],
        ['unscheduled', 2],
      ]);
    }
    if (startMs <= ctx.nowMs) return random.bool(0.8) ? 'seated' : 'arrived';
    if (!future) return 'scheduled';
    return random.weighted<AppointmentStatus>([
      ['scheduled', 93],
      ['cancelled', 6],
      ['unscheduled', 1],
    ]);
  };

  const make = (o: {
    patient: Patient;
    provider: Provider | null;
    hygienist: Provider | null;
    operatory: Operatory;
    startMs: number;
    type: AppointmentTypeSpec;
    durationMinutes?: number;
    status: AppointmentStatus;
    note?: string;
  }): Appointment => {
    const duration = o.durationMinutes ?? o.type.minutes;
    const endMs = o.startMs + duration * MS_PER_MINUTE;
    const createdMs = Math.min(
      ctx.nowMs - random.int(0, 20) * MS_PER_DAY - random.int(0, 86_399) * 1000,
      o.startMs - random.int(1, 60) * MS_PER_DAY - random.int(0, 86_399) * 1000,
    );
    const sched = procedures(o.type);
    const total = sched.reduce((sum, p) => sum + p.feeCents, 0);
    const staffUser = random.pick(ctx.staffUserIds);
    const hist: AppointmentHistoryEntry[] = [];
    let modifiedMs = createdMs;
    const r = rows.row(createdMs);
    const a: Appointment = {
      id: r.id,
      pk: r.pk,
      createdMs: r.createdMs,
      modifiedMs: r.modifiedMs,
      practiceId: data.practice.id,
      patientId: o.patient.id,
      providerId: o.provider?.id ?? null,
      providerHygienistId: o.hygienist?.id ?? null,
      operatoryId: o.operatory.id,
      treatmentPlanId: null,
      startMs: o.startMs,
      localDate: tz.localDateOf(o.startMs),
      durationMinutes: duration,
      status: o.status,
      confirmedStatus: confirmedFor(random, o.status, o.startMs, ctx.nowMs),
      appointmentType: o.type.name,
      isHygiene: o.type.hygiene,
      isNewPatient: o.type.name === 'New Patient Exam',
      procedureDescription:
        sched.length > 0 ? sched.map((p) => cdtCode(p.procCode).abbreviation).join(', ') : 'Seat crown',
      note: o.note ?? random.pick(APPOINTMENT_NOTES),
      cancellationReason: '',
      rescheduleRequested: false,
      arrivedAtMs: null,
      seatedAtMs: null,
      readyForDoctorAtMs: null,
      readyForWalkoutAtMs: null,
      dismissedAtMs: null,
      dollarsScheduledCents: random.bool(0.95) ? total : null,
      cancelledBy: null,
      scheduledProcedures: sched,
      history: hist,
    };
    const sec = (ms: number) => Math.floor(ms / 1000) * 1000;
    switch (o.status) {
      case 'complete':
        a.arrivedAtMs = sec(o.startMs - random.int(3, 12) * MS_PER_MINUTE);
        a.seatedAtMs = sec(o.startMs + random.int(0, 5) * MS_PER_MINUTE);
        a.readyForWalkoutAtMs = sec(endMs - random.int(1, 4) * MS_PER_MINUTE);
        a.dismissedAtMs = sec(endMs);
        hist.push(history('scheduled', 'arrived', a.arrivedAtMs, staffUser));
        hist.push(history('arrived', 'complete', a.dismissedAtMs, staffUser));
        modifiedMs = a.dismissedAtMs;
        break;
      case 'seated':
      case 'arrived':
        a.arrivedAtMs = sec(Math.min(ctx.nowMs, o.startMs - random.int(3, 12) * MS_PER_MINUTE));
        hist.push(history('scheduled', 'arrived', a.arrivedAtMs, staffUser));
        if (o.status === 'seated') {
          a.seatedAtMs = sec(Math.min(ctx.nowMs, o.startMs + MS_PER_MINUTE));
          hist.push(history('arrived', 'seated', a.seatedAtMs, staffUser));
        }
        modifiedMs = a.seatedAtMs ?? a.arrivedAtMs;
        break;
      case 'broken': {
        // Marked overnight by the automated job (changed_by null, L480).
        const at = tz.localToInstantLenient((dateToDayNum(a.localDate) as number) + 1, 2 * 60 + random.int(0, 30));
        hist.push(history('scheduled', 'broken', Math.min(at, ctx.nowMs), null, 'Auto-marked: patient did not arrive'));
        modifiedMs = Math.min(at, ctx.nowMs);
        break;
      }
      case 'cancelled':
      case 'unscheduled': {
        const lead = random.weighted<number>([
          [2 * 3_600_000, 20],
          [20 * 3_600_000, 30],
          [3 * MS_PER_DAY, 30],
          [10 * MS_PER_DAY, 20],
        ]);
        const at = Math.max(createdMs + 60_000, Math.min(ctx.nowMs, o.startMs - lead - random.int(0, 3_600) * 1000));
        const by = random.bool(0.85) ? staffUser : null;
        a.cancellationReason = o.status === 'cancelled' ? random.pick(CANCEL_REASONS) : '';
        a.rescheduleRequested = random.bool(0.4);
        a.cancelledBy = o.status === 'cancelled' ? by : null;
        hist.push(history('scheduled', o.status, at, by, a.cancellationReason));
        modifiedMs = at;
        break;
      }
      default:
        break;
    }
    a.modifiedMs = sec(Math.max(modifiedMs, createdMs));
    data.appointments.push(a);
    return a;
  };

  // ---- per-day occupancy (epoch-ms spans) so generated visits never double-book
  let busyDay = Number.NaN;
  let opBusy = new Map<Uuid, Span[]>();
  let provBusy = new Map<Uuid, Span[]>();
  const resetBusy = (dayNum: number) => {
    if (busyDay === dayNum) return;
    busyDay = dayNum;
    opBusy = new Map();
    provBusy = new Map();
    // Appointments already placed on this day (the DST fixtures) occupy their time.
    for (const a of preplaced.get(dayNumToDate(dayNum)) ?? []) markBusy(a);
  };
  const preplaced = new Map<LocalDate, Appointment[]>();
  const markBusy = (a: Appointment) => {
    if (a.status === 'cancelled' || a.status === 'broken' || a.status === 'unscheduled') return;
    const span: Span = [a.startMs, a.startMs + a.durationMinutes * MS_PER_MINUTE];
    for (const [map, id] of [
      [opBusy, a.operatoryId],
      [provBusy, a.providerId],
      [provBusy, a.providerHygienistId],
    ] as const) {
      if (!id) continue;
      const list = map.get(id) ?? [];
      list.push(span);
      map.set(id, list);
    }
  };
  const free = (map: Map<Uuid, Span[]>, id: Uuid, s: number, e: number) => !overlaps(map.get(id) ?? [], s, e);

  const pickPatient = (past: boolean, child: boolean): Patient => {
    if (child && kids.length > 0) return random.pick(kids);
    if (past && lapsed.length > 0 && random.bool(0.08)) return random.pick(lapsed);
    return random.pick(adults);
  };

  // ---- fixture appointments first (they claim their time before the fill)
  const firstDentist = staff.dentists[0] as Provider;
  const dstOp = data.operatories[0] as Operatory;
  const fixtures: PracticeFixture['appointments'] = {
    dstSpring: [],
    dstFall: [],
    lateNight: { id: '', localDate: '', utcDate: '' },
    spanningLunch: null,
  };
  const windowStart = todayNum - 365;
  const windowEnd = todayNum + 182;
  for (const [dates, list] of [
    [staff.dates.springForward, fixtures.dstSpring],
    [staff.dates.fallBack, fixtures.dstFall],
  ] as const) {
    for (const date of dates) {
      const dayNum = dateToDayNum(date) as number;
      if (dayNum < windowStart || dayNum > windowEnd) continue;
      const startMs = tz.localToInstant(dayNum, 90) as number; // 01:30 local, first occurrence on fall-back
      const endMs = startMs + 60 * MS_PER_MINUTE;
      const a = make({
        patient: random.pick(adults),
        provider: firstDentist,
        hygienist: null,
        operatory: dstOp,
        startMs,
        type: t('Emergency'),
        durationMinutes: 60,
        status: endMs <= ctx.nowMs ? 'complete' : startMs <= ctx.nowMs ? 'seated' : 'scheduled',
        note: 'Overnight emergency clinic',
      });
      list.push(a.id);
      preplaced.set(a.localDate, [...(preplaced.get(a.localDate) ?? []), a]);
    }
  }

  // ---- the daily fill
  const providersInOrder = [...staff.hygienists, ...staff.dentists];
  const step = 15 * MS_PER_MINUTE;
  // Future fixture days keep room for tests: DST Sundays hold only their 01:30 visit, and the
  // extended-hours day is filled only within the regular 08:00–17:00.
  const dstSundays = new Set([...staff.dates.springForward, ...staff.dates.fallBack]);
  const extendedDay = dateToDayNum(staff.dates.extendedHours.date) as number;
  for (let dayNum = windowStart; dayNum <= windowEnd; dayNum++) {
    const day = daySchedule(index, dayNum);
    if (day.practiceHours.length === 0) continue;
    if (dayNum >= todayNum && dstSundays.has(dayNumToDate(dayNum))) continue;
    const regular: Span[] | null =
      dayNum === extendedDay
        ? [[tz.localToInstantLenient(dayNum, 8 * 60), tz.localToInstantLenient(dayNum, 17 * 60)]]
        : null;
    resetBusy(dayNum);
    const ahead = dayNum - todayNum;
    const past = ahead < 0;
    let fill = past ? 0.8 : Math.max(0.2, 0.78 - (0.55 * ahead) / 182);
    if (ctx.large) fill = past ? 0.97 : Math.max(0.5, 0.92 - (0.4 * ahead) / 182);
    fill *= ctx.density;
    for (const provider of providersInOrder) {
      const opIds = day.operatoriesOf(provider.id);
      if (opIds.length === 0) continue;
      const ops = data.operatories.filter(
        (op) =>
          op.isBookable &&
          (opIds.includes(null) ? !op.isHygiene || provider.providerType === 'hygienist' : opIds.includes(op.id)),
      );
      const spansByOp = ops.map((op) => ({ op, spans: day.bookable(provider.id, op.id) }));
      let union = normalise(spansByOp.flatMap((x) => x.spans.map((s) => [s[0], s[1]] as Span)));
      if (regular) union = intersect(union, regular);
      const hygienist = provider.providerType === 'hygienist';
      for (const [a, b] of union) {
        let cursor = a;
        while (cursor + step <= b) {
          if (!random.bool(fill)) {
            cursor += step * random.int(1, 4);
            continue;
          }
          const type = random.weighted(hygienist ? HYGIENE_TYPES : DENTIST_TYPES);
          const durationMs = type.minutes * MS_PER_MINUTE;
          const end = cursor + durationMs;
          if (end > b) {
            cursor += step;
            continue;
          }
          if (!free(provBusy, provider.id, cursor, end)) {
            cursor += step;
            continue;
          }
          const slot = spansByOp.find(
            (x) => x.spans.some(([s, e]) => s <= cursor && end <= e) && free(opBusy, x.op.id, cursor, end),
          );
          if (!slot) {
            cursor += step;
            continue;
          }
          const child = type.name === 'Child Prophy';
          const patient = pickPatient(past, child);
          // Some hygiene visits list the patient's dentist as the primary provider (T26), when that
          // dentist is free for the whole visit; the dentist is then busy for it too.
          let primary: Provider | null = provider;
          let hyg: Provider | null = null;
          if (hygienist) {
            hyg = provider;
            const dentist = patient.primaryProviderId ? index.providerById.get(patient.primaryProviderId) : undefined;
            if (dentist && dentistIds.has(dentist.id) && random.bool(0.3) && free(provBusy, dentist.id, cursor, end)) {
              primary = dentist;
            }
          }
          const status = statusFor(cursor, end, !past);
          const appt = make({
            patient,
            provider: primary,
            hygienist: hyg,
            operatory: slot.op,
            startMs: cursor,
            type,
            status,
          });
          markBusy(appt);
          // A released slot is sometimes refilled with another patient (cancelled rows must not block).
          if ((status === 'cancelled' || status === 'broken') && random.bool(0.35)) {
            const refill = make({
              patient: pickPatient(past, false),
              provider: primary,
              hygienist: hyg,
              operatory: slot.op,
              startMs: cursor,
              type,
              status: statusFor(cursor, end, false),
            });
            markBusy(refill);
          }
          cursor = end;
        }
      }
    }
  }

  // ---- named fixtures: a 23:30 local visit and one spanning lunch (both imported, outside the rules)
  const lateDay = todayNum - 20;
  const lateStart = tz.localToInstant(lateDay, 23 * 60 + 30) as number;
  const late = make({
    patient: random.pick(adults),
    provider: firstDentist,
    hygienist: null,
    operatory: dstOp,
    startMs: lateStart,
    type: t('Emergency'),
    durationMinutes: 30,
    status: 'complete',
    note: 'After-hours emergency (imported from on-call log)',
  });
  fixtures.lateNight = {
    id: late.id,
    localDate: late.localDate,
    utcDate: new Date(lateStart).toISOString().slice(0, 10),
  };
  let lunchDay = todayNum - 10;
  while (daySchedule(index, lunchDay).practiceHours.length === 0 || index.tz.day(lunchDay).weekday === 6) lunchDay -= 1;
  const lunchStart = tz.localToInstant(lunchDay, 11 * 60 + 30) as number;
  const lunch = make({
    patient: random.pick(adults),
    provider: firstDentist,
    hygienist: null,
    operatory: data.operatories[1] ?? dstOp,
    startMs: lunchStart,
    type: t('Crown Prep'),
    durationMinutes: 120,
    status: 'complete',
    note: 'Long crown prep, worked through lunch',
  });
  fixtures.spanningLunch = lunch.id;

  assignFixturePatients(data, ctx, random);
  return fixtures;
}

function confirmedFor(random: Random, status: AppointmentStatus, startMs: number, nowMs: number): ConfirmedStatus {
  if (status === 'complete' || status === 'seated' || status === 'arrived') {
    return random.weighted<ConfirmedStatus>([
      ['confirmed', 60],
      ['econfirmed', 25],
      ['left_message', 10],
      ['', 5],
    ]);
  }
  const days = (startMs - nowMs) / MS_PER_DAY;
  if (days > 0 && days < 4) {
    return random.weighted<ConfirmedStatus>([
      ['confirmed', 40],
      ['econfirmed', 25],
      ['left_message', 20],
      ['not_called', 15],
    ]);
  }
  return random.weighted<ConfirmedStatus>([
    ['not_called', 70],
    ['', 20],
    ['left_message', 10],
  ]);
}

/**
 * Gives the named fixture patients their visits by re-assigning generated appointments (so the
 * schedule stays conflict-free): the timeline patient gets complete, cancelled, broken and future
 * visits; the no-show patient several broken ones; everyone else at least one past and one future.
 */
function assignFixturePatients(data: PracticeData, ctx: AppointmentContext, random: Random): void {
  const f = ctx.patientFixtures;
  const taken = new Set<Uuid>();
  const pool = data.appointments.filter((a) => a.appointmentType !== 'Child Prophy');
  const pick = (pred: (a: Appointment) => boolean): Appointment | undefined => {
    // Start at a random point and take the first match, so the choice is seeded but cheap.
    const start = random.int(0, Math.max(0, pool.length - 1));
    for (let i = 0; i < pool.length; i++) {
      const a = pool[(start + i) % pool.length] as Appointment;
      if (!taken.has(a.id) && pred(a)) {
        taken.add(a.id);
        return a;
      }
    }
    return undefined;
  };
  const now = ctx.nowMs;
  const past = (status: AppointmentStatus, type?: string) => (a: Appointment) =>
    a.startMs < now - 7 * MS_PER_DAY && a.status === status && (!type || a.appointmentType === type);
  const future = (a: Appointment) => a.startMs > now + MS_PER_DAY && a.status === 'scheduled';
  const give = (patientId: Uuid, preds: ((a: Appointment) => boolean)[]) => {
    for (const pred of preds) {
      const a = pick(pred);
      if (a) a.patientId = patientId;
    }
  };
  give(f.timeline, [
    past('complete', 'Periodic Exam & Prophy'),
    past('complete', 'Crown Prep'),
    past('complete', 'Filling'),
    past('complete', 'New Patient Exam'),
    past('cancelled'),
    past('broken'),
    future,
  ]);
  give(f.frequentNoShow, [past('broken'), past('broken'), past('broken'), past('broken'), past('complete'), future]);
  give(f.injectionNote, [past('complete', 'Periodic Exam & Prophy'), past('complete'), future]);
  for (const id of [...f.ambiguousName, ...f.sameLastNameAndDob, f.portal]) give(id, [past('complete'), future]);
  for (const id of f.unicode) give(id, [past('complete')]);
}
