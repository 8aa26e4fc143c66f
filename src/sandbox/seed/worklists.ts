/**
 * The worklist scenarios of issues 17 and 18 for one practice: true positives and near-misses for
 * the morning huddle, filling an opening, recall calls, missed-visit recovery, claims follow-up and
 * balances. Every scenario uses new patients (names from surnames the generator never uses), so no
 * generated row changes; the ids of everything notable are returned as `WorklistFixtures`
 * (`RunningSandbox.fixtures.practices.<key>.worklists`, `GET /__sandbox/fixtures`).
 */
import type {
  Appointment,
  Claim,
  LocalDate,
  Operatory,
  Patient,
  PatientInsurance,
  Provider,
  Recall,
  Uuid,
} from '../model.js';
import { daySchedule, intersect, normalise, type Span, subtract } from '../schedule.js';
import { dayNumToDate, MS_PER_DAY, MS_PER_MINUTE } from '../time.js';
import { appointmentType, type Placement, type ProviderKind, type ScenarioKit } from './scenario-kit.js';

/** A visit on the huddle day. */
export interface HuddleVisit {
  patientId: Uuid;
  appointmentId: Uuid;
}

export interface Opening {
  providerId: Uuid;
  operatoryId: Uuid;
  /** Local ISO datetimes with the practice offset. */
  start: string;
  end: string;
  minutes: number;
}

export interface RecallCandidate {
  patientId: Uuid;
  recallId: Uuid;
  recallType: string;
  dateDue: LocalDate;
  /** Length of the patient's last visit of this kind (and of its appointment type). */
  minutesNeeded: number;
}

export interface AppointmentCandidate {
  patientId: Uuid;
  appointmentId: Uuid;
  minutes: number;
}

export interface ClaimFixture {
  claimId: Uuid;
  patientId: Uuid;
  status: string;
  dateSent: LocalDate | null;
  claimFee: string;
  /** The local date of the last status-log entry (null when the claim has none). */
  lastActionDate: LocalDate | null;
}

export interface BalanceFixture {
  patientId: Uuid;
  /** The live balance as of the seed's today (also the `balance_current` snapshot). */
  balance: string;
  bucket: '0_30' | '31_60' | '61_90' | 'over_90' | 'credit';
  /** An appointment of the patient that is still ahead, when there is one. */
  upcomingAppointmentId: Uuid | null;
}

export interface WorklistFixtures {
  /**
   * The day the huddle scenarios are laid out on: today when the practice is open with at least
   * four hours left, else the next open day that is not another fixture's day.
   */
  huddleDate: LocalDate;
  /** day_brief: each visit carries exactly the one property its name says (others are near-misses). */
  huddle: {
    /** `confirmed_status` not_called; uninsured, returning, no balance. */
    unconfirmed: HuddleVisit;
    /** Near-miss for `unconfirmed`: econfirmed (the same visit as `primaryVerifiedRecently`). */
    confirmed: HuddleVisit;
    /** Primary plan verified 400 days ago; the secondary plan was verified 3 days ago (a trap). */
    primaryVerifiedLongAgo: HuddleVisit & { verificationId: Uuid; secondaryVerificationId: Uuid };
    /** Near-miss: primary plan verified 5 days ago. */
    primaryVerifiedRecently: HuddleVisit & { verificationId: Uuid };
    /** Primary plan on file, never verified. */
    primaryNeverVerified: HuddleVisit;
    /** The patient's first visit (is_new_patient, no earlier visit). */
    firstVisit: HuddleVisit;
    /** The patient has medical alerts (read the flag, never the text). */
    medicalAlert: HuddleVisit;
    /** A balance over 90 days old is due (also `balances.over90WithVisit`). */
    balanceDue: HuddleVisit;
    /** Near-miss for `balanceDue`: the patient holds a credit. */
    creditBalance: HuddleVisit;
  };
  fillOpening: {
    /** A 45-minute gap in a hygienist's only chair on the huddle day. */
    hygieneOpening: Opening | null;
    /** A 60-minute gap in a dentist's chair that no other provider uses that day. */
    doctorOpening: Opening | null;
    /** The most overdue recall with no future visit in the practice; needs 60 minutes (too long for the hygiene opening). */
    topRecallTooLong: RecallCandidate;
    /** Overdue child recall that fits the hygiene opening (30 minutes), last contacted 21 days ago. */
    fittingRecall: RecallCandidate;
    /** Fits too and is more overdue, but was called 2 days ago (less than a week). */
    recentlyContactedRecall: RecallCandidate & { lastContactId: Uuid };
    /** Fits too, but the patient opted out of SMS. */
    noSmsConsentRecall: RecallCandidate & { smsConsentId: Uuid };
    /** A 30-minute child prophy broken 5 days ago, not rebooked. */
    brokenHygieneNotRebooked: AppointmentCandidate;
    /** A planned (treatment-plan) 60-minute filling that fits the doctor opening. */
    plannedFits: AppointmentCandidate & { treatmentPlanId: Uuid };
    /** A planned 90-minute crown prep: too long for the doctor opening. */
    plannedTooLong: AppointmentCandidate & { treatmentPlanId: Uuid };
  };
  recalls: {
    /** Overdue perio recall, no future visit, never contacted. */
    perioOverdueNeverContacted: RecallCandidate;
    /** Due within two weeks, nothing booked. */
    dueSoonNotBooked: RecallCandidate;
    /** Near-miss: due, and the hygiene visit is already booked. */
    dueButBooked: RecallCandidate & { appointmentId: Uuid };
    /** Near-miss: overdue, but a (non-hygiene) visit is booked. */
    overdueWithOtherFutureVisit: RecallCandidate & { appointmentId: Uuid };
    /** The patient asked not to be contacted: recall disabled, no SMS/email preference, SMS opted out. */
    doNotContact: RecallCandidate & { smsConsentId: Uuid; commlogId: Uuid };
    /** `topRecallTooLong`'s contact history: a text (success) 90 days ago, then a call (voicemail) 40 days ago. */
    lastContact: { patientId: Uuid; recallId: Uuid; latestCommlogId: Uuid; outcome: 'voicemail'; olderCommlogId: Uuid };
    /** Near-miss for "no consent": an explicit opted_in consent row. */
    smsOptedInRow: { patientId: Uuid; smsConsentId: Uuid };
  };
  missedVisits: {
    /** Period the scenarios sit in: the last 30 days. */
    from: LocalDate;
    to: LocalDate;
    /** Near-miss: broken, and a new visit was booked the next day. */
    brokenRebookedNextDay: { patientId: Uuid; brokenAppointmentId: Uuid; rebookAppointmentId: Uuid };
    /** Broken 6 days ago, nothing booked since (a 60-minute filling: also fits the doctor opening). */
    brokenNotRebooked: AppointmentCandidate;
    /** Cancelled four hours before the visit, two days ago, not rebooked. */
    cancelledNotRebooked: AppointmentCandidate;
    /** Near-miss: cancelled, rebooked two days later. */
    cancelledRebooked: { patientId: Uuid; cancelledAppointmentId: Uuid; rebookAppointmentId: Uuid };
    /** Three no-shows in four months (the last 12 days ago, not rebooked). */
    repeatNoShow: { patientId: Uuid; brokenAppointmentIds: Uuid[] };
  };
  claims: {
    /** Sent 11 days ago, submitted; a routine wait. */
    outstandingRecent: ClaimFixture;
    /** Near-miss for "stale": accepted 25 days ago after being sent 37 days ago. */
    recentlyActive: ClaimFixture;
    /** Accepted 62 days ago, nothing since: no action for 45+ days. */
    stale: ClaimFixture;
    /** Rejected 20 days ago: resubmit. */
    rejected: ClaimFixture;
    /** Denied 33 days ago: appeal. */
    denied: ClaimFixture;
    /** Sent 129 days ago, denied, appealed 8 days ago (old but recently worked). */
    appealedOld: ClaimFixture;
    /** Outstanding but small (a single periapical image). */
    small: ClaimFixture;
    /** Near-miss: paid. */
    paid: ClaimFixture;
    /** Near-miss: never sent. */
    draft: ClaimFixture;
  };
  balances: {
    over90WithVisit: BalanceFixture;
    days31to60NoVisit: BalanceFixture;
    over90NoPayment: BalanceFixture;
    /** Near-miss for a minimum-balance filter: eight dollars. */
    small: BalanceFixture;
    /** Near-miss: a credit (negative balance). */
    credit: BalanceFixture;
  };
}

const HOUR = 60 * MS_PER_MINUTE;
/**
 * Days ahead from which the scenarios book future visits: past the fixture days of the next two
 * weeks (closure, day off, extended hours), whose free time other tests count.
 */
const AHEAD = 16;
/** Visits `seedWorklists` books on the huddle day (besides the fillers that close the openings). */
const HUDDLE_VISITS = 8;

function cents(n: number): string {
  const sign = n < 0 ? '-' : '';
  const abs = Math.abs(n);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export function seedWorklists(kit: ScenarioKit): WorklistFixtures {
  const tz = kit.index.tz;
  const today = kit.todayNum;
  const notBefore = kit.nowMs + 30 * MS_PER_MINUTE;
  const huddleDay = pickHuddleDay(kit, notBefore);
  const huddleNotBefore = huddleDay === today ? notBefore : undefined;
  const iso = (ms: number) => tz.formatLocal(ms);
  const dateOfMs = (ms: number) => tz.localDateOf(ms);

  // ---- helpers
  const past = (daysAgo: number, kind: ProviderKind, minutes: number): Placement =>
    kit.slotNear(today - daysAgo, -1, kind, minutes);
  const future = (daysAhead: number, kind: ProviderKind, minutes: number): Placement =>
    kit.slotNear(today + daysAhead, 1, kind, minutes, { notBeforeMs: notBefore });
  /** Half an hour while the day has room for every visit still to come, else a quarter of an hour. */
  let huddleLeft = HUDDLE_VISITS;
  const onHuddle = (): { placement: Placement; minutes: number } => {
    const room = freeQuarters(kit, huddleDay, huddleNotBefore, []);
    huddleLeft -= 1;
    for (const minutes of room - 2 >= huddleLeft ? [30, 15] : [15]) {
      for (const kind of ['dentist', 'hygienist'] as const) {
        const placement = kit.slot(huddleDay, kind, minutes, { notBeforeMs: huddleNotBefore, snug: true });
        if (placement) return { placement, minutes };
      }
    }
    throw new Error(`scenario: the huddle day ${dayNumToDate(huddleDay)} is full`);
  };
  /** A past, paid visit so the patient is not new (uninsured unless a plan is given). */
  const returning = (patient: Patient, daysAgo: number, insurance: PatientInsurance | null = null) => {
    const placement = past(daysAgo, 'dentist', 30);
    return kit.completeVisit(patient, placement, appointmentType('Emergency'), { insurance });
  };
  // Short visits: a busy huddle day has more half-hour (or quarter-hour) holes than hour-long ones.
  const huddleTypes = ['Implant Consult', 'Night Guard Delivery', 'Crown Seat', 'Emergency'];
  let huddleTypeCursor = 0;
  const huddleVisit = (
    patient: Patient,
    o: { confirmed?: 'not_called' | 'econfirmed' | 'confirmed'; isNewPatient?: boolean; type?: string } = {},
  ): Appointment => {
    const { placement, minutes } = onHuddle();
    // A hygienist's hole gets a hygiene visit; a dentist's the named type, or the next short one.
    const name =
      placement.provider.providerType === 'hygienist'
        ? 'Periodic Exam & Prophy'
        : (o.type ?? (huddleTypes[huddleTypeCursor++ % huddleTypes.length] as string));
    const type = appointmentType(name);
    return kit.appointment({
      patient,
      placement,
      type,
      minutes,
      status: 'scheduled',
      confirmed: o.confirmed ?? 'confirmed',
      isNewPatient: o.isNewPatient ?? false,
    });
  };
  const dentistOf = (a: Appointment): Provider => {
    const provider = kit.data.providers.find((p) => p.id === a.providerId) ?? kit.dentists()[0];
    if (!provider) throw new Error('scenario: no dentist');
    return provider;
  };
  const carriers = kit.data.carriers.filter((c) => c.isActive);
  let carrierCursor = 0;
  const insure = (patient: Patient, ordinal = 1) => {
    const carrier = carriers[carrierCursor % carriers.length];
    carrierCursor += 1;
    if (!carrier) throw new Error('scenario: no active carrier');
    const plan = kit.plan(carrier.id, `${carrier.name} PPO ${ordinal === 1 ? 'Plus' : 'Basic'}`);
    return { plan, enrollment: kit.enroll(patient, plan, ordinal) };
  };

  // ---- openings first: they need long free stretches of the huddle day
  const fillerPatient = () => {
    const patient = kit.patient();
    returning(patient, 150 + kit.random.int(0, 60));
    return patient;
  };
  const hygieneOpening = commitOpening(
    kit,
    findOpening(kit, huddleDay, 'hygienist', 45, huddleNotBefore),
    fillerPatient,
  );
  const doctorOpening = commitOpening(kit, findOpening(kit, huddleDay, 'dentist', 60, huddleNotBefore), fillerPatient);

  // ---- the huddle day's visits
  const unconfirmedPatient = kit.patient();
  returning(unconfirmedPatient, 160);
  const unconfirmed = huddleVisit(unconfirmedPatient, { confirmed: 'not_called' });
  const optedIn = kit.smsConsent(unconfirmedPatient, 'opted_in', kit.nowMs - 200 * MS_PER_DAY);

  const longAgoPatient = kit.patient();
  const longAgoPrimary = insure(longAgoPatient, 1);
  const longAgoSecondary = insure(longAgoPatient, 2);
  returning(longAgoPatient, 180, longAgoPrimary.enrollment);
  const longAgoVisit = huddleVisit(longAgoPatient);
  const longAgoVerification = kit.verification(
    longAgoPatient,
    longAgoPrimary.plan,
    kit.nowMs - 400 * MS_PER_DAY,
    'phone',
  );
  const secondaryVerification = kit.verification(
    longAgoPatient,
    longAgoSecondary.plan,
    kit.nowMs - 3 * MS_PER_DAY,
    'portal',
  );

  const recentPatient = kit.patient();
  const recentPlan = insure(recentPatient, 1);
  returning(recentPatient, 190, recentPlan.enrollment);
  const recentVisit = huddleVisit(recentPatient, { confirmed: 'econfirmed' });
  const recentVerification = kit.verification(
    recentPatient,
    recentPlan.plan,
    kit.nowMs - 5 * MS_PER_DAY,
    'clearinghouse',
  );

  const neverPatient = kit.patient();
  const neverPlan = insure(neverPatient, 1);
  returning(neverPatient, 200, neverPlan.enrollment);
  const neverVisit = huddleVisit(neverPatient);

  const firstPatient = kit.patient({ createdDaysAgo: 6 });
  const firstVisit = huddleVisit(firstPatient, { isNewPatient: true, type: 'New Patient Exam' });

  const alertPatient = kit.patient();
  returning(alertPatient, 210);
  const alertVisit = huddleVisit(alertPatient);
  kit.medicalAlert(alertPatient.id, 'Latex allergy');
  kit.medicalAlert(alertPatient.id, 'Premedication required before dental treatment (prosthetic joint)');

  // ---- balances (uninsured): amounts set by what the patient paid at the visit
  const balanceDuePatient = kit.patient();
  kit.completeVisit(balanceDuePatient, past(120, 'dentist', 90), appointmentType('Crown Prep'), { pay: 90_000 });
  const balanceDueVisit = huddleVisit(balanceDuePatient);

  const creditPatient = kit.patient();
  kit.completeVisit(creditPatient, past(45, 'dentist', 60), appointmentType('Filling'), { pay: 32_500 });
  const creditVisit = huddleVisit(creditPatient);

  const midPatient = kit.patient();
  kit.completeVisit(midPatient, past(45, 'dentist', 90), appointmentType('Root Canal'), { pay: 77_000 });

  const smallPatient = kit.patient();
  kit.completeVisit(smallPatient, past(20, 'dentist', 30), appointmentType('Emergency'), { pay: 23_200 });

  const unpaidPatient = kit.patient();
  kit.completeVisit(unpaidPatient, past(150, 'dentist', 90), appointmentType('Crown Prep'), { pay: 'none' });

  // ---- recalls and fill-the-opening candidates
  /** A last hygiene visit `lastDaysAgo` days back and the recall it set (due 182 days later, 91 for perio). */
  const hygieneHistory = (
    patient: Patient,
    lastDaysAgo: number,
    o: { perio?: boolean; child?: boolean; disabled?: boolean } = {},
  ) => {
    const type = appointmentType(o.perio ? 'Perio Maintenance' : o.child ? 'Child Prophy' : 'Periodic Exam & Prophy');
    const { appointment } = kit.completeVisit(patient, past(lastDaysAgo, 'hygienist', type.minutes), type);
    const previous = appointment.localDate;
    const recall = kit.recall(patient, {
      type: o.perio ? 'perio' : 'prophy',
      dateDue: dayNumToDate(tz.dayNumOf(appointment.startMs) + (o.perio ? 91 : 182)),
      datePrevious: previous,
      disabled: o.disabled ?? false,
    });
    return { recall, minutes: type.minutes };
  };
  const candidate = (patient: Patient, r: { recall: Recall; minutes: number }): RecallCandidate => ({
    patientId: patient.id,
    recallId: r.recall.id,
    recallType: r.recall.recallType,
    dateDue: r.recall.dateDue as LocalDate,
    minutesNeeded: r.minutes,
  });
  const call = (patient: Patient, recall: Recall, daysAgo: number, outcome: 'voicemail' | 'no_answer' | 'success') =>
    kit.commlog(patient, kit.at(today - daysAgo, 10 * 60 + 15), {
      mode: 'phone',
      direction: 'sent',
      outcome,
      subject: 'Recall reminder',
      note:
        outcome === 'success'
          ? 'Spoke with patient; will call back to book.'
          : 'Left a message about the overdue cleaning.',
      recall,
    });

  const topPatient = kit.patient({ age: 52 });
  const top = hygieneHistory(topPatient, 182 + 420);
  const olderContact = kit.commlog(topPatient, kit.at(today - 90, 9 * 60 + 40), {
    mode: 'text',
    direction: 'sent',
    outcome: 'success',
    subject: 'Recall reminder',
    note: 'Text reminder sent: time for your cleaning.',
    recall: top.recall,
  });
  const latestContact = call(topPatient, top.recall, 40, 'voicemail');

  const fitPatient = kit.patient({ age: 9 });
  const fit = hygieneHistory(fitPatient, 182 + 300, { child: true });
  call(fitPatient, fit.recall, 21, 'no_answer');

  const recentCallPatient = kit.patient({ age: 11 });
  const recentCall = hygieneHistory(recentCallPatient, 182 + 350, { child: true });
  const recentCallLog = call(recentCallPatient, recentCall.recall, 2, 'voicemail');

  const noSmsPatient = kit.patient({ age: 8, prefersSms: false });
  const noSms = hygieneHistory(noSmsPatient, 182 + 320, { child: true });
  const noSmsConsent = kit.smsConsent(noSmsPatient, 'opted_out', kit.nowMs - 90 * MS_PER_DAY);
  kit.commlog(noSmsPatient, kit.at(today - 30, 11 * 60), {
    mode: 'email',
    direction: 'sent',
    outcome: 'success',
    subject: 'Recall reminder',
    note: 'Email reminder sent.',
    recall: noSms.recall,
  });

  const brokenChild = kit.patient({ age: 10 });
  hygieneHistory(brokenChild, 182 + 12, { child: true });
  const brokenChildVisit = kit.appointment({
    patient: brokenChild,
    placement: past(5, 'hygienist', 30),
    type: appointmentType('Child Prophy'),
    status: 'broken',
    confirmed: 'left_message',
  });

  const plannedFitsPatient = kit.patient();
  const plannedFitsConsult = kit.completeVisit(
    plannedFitsPatient,
    past(25, 'dentist', 60),
    appointmentType('New Patient Exam'),
    {
      isNewPatient: true,
    },
  );
  const plannedFitsPlan = kit.treatmentPlan(plannedFitsPatient, dentistOf(plannedFitsConsult.appointment), {
    name: 'Restorative phase 1',
    codes: ['D2392'],
    presented: plannedFitsConsult.appointment.localDate,
    accepted: plannedFitsConsult.appointment.localDate,
    status: 'accepted',
  });
  const plannedFits = plannedAppointment(
    kit,
    plannedFitsPatient,
    plannedFitsPlan.id,
    'Filling',
    plannedFitsConsult.appointment,
  );

  const plannedLongPatient = kit.patient();
  const plannedLongConsult = kit.completeVisit(
    plannedLongPatient,
    past(40, 'dentist', 30),
    appointmentType('Emergency'),
  );
  const plannedLongPlan = kit.treatmentPlan(plannedLongPatient, dentistOf(plannedLongConsult.appointment), {
    name: 'Crown and buildup',
    codes: ['D2740', 'D2950'],
    presented: plannedLongConsult.appointment.localDate,
    accepted: plannedLongConsult.appointment.localDate,
    status: 'accepted',
  });
  const plannedLong = plannedAppointment(
    kit,
    plannedLongPatient,
    plannedLongPlan.id,
    'Crown Prep',
    plannedLongConsult.appointment,
  );

  const perioPatient = kit.patient({ age: 63 });
  const perio = hygieneHistory(perioPatient, 91 + 75, { perio: true });

  const dueSoonPatient = kit.patient();
  const dueSoon = hygieneHistory(dueSoonPatient, 170);

  const bookedPatient = kit.patient();
  const booked = hygieneHistory(bookedPatient, 175);
  const bookedVisit = kit.appointment({
    patient: bookedPatient,
    placement: future(AHEAD, 'hygienist', 60),
    type: appointmentType('Periodic Exam & Prophy'),
    status: 'scheduled',
    confirmed: 'not_called',
  });
  booked.recall.dateScheduled = bookedVisit.localDate;

  const otherVisitPatient = kit.patient();
  const otherVisitRecall = hygieneHistory(otherVisitPatient, 240);
  const otherVisit = kit.appointment({
    patient: otherVisitPatient,
    placement: future(AHEAD + 4, 'dentist', 60),
    type: appointmentType('Filling'),
    status: 'scheduled',
  });

  const dncPatient = kit.patient({ prefersSms: false, prefersEmail: false });
  const dnc = hygieneHistory(dncPatient, 300, { disabled: true });
  const dncConsent = kit.smsConsent(dncPatient, 'opted_out', kit.nowMs - 100 * MS_PER_DAY);
  const dncLog = kit.commlog(dncPatient, kit.at(today - 100, 14 * 60), {
    mode: 'phone',
    direction: 'received',
    outcome: 'success',
    subject: 'Contact preference',
    note: 'Patient asked not to be contacted about recalls; will call when ready.',
    recall: dnc.recall,
  });

  // ---- missed visits in the last 30 days
  const rebookedPatient = kit.patient();
  returning(rebookedPatient, 220);
  const brokenRebooked = kit.appointment({
    patient: rebookedPatient,
    placement: past(8, 'dentist', 60),
    type: appointmentType('Filling'),
    status: 'broken',
    confirmed: 'left_message',
  });
  const nextDay = tz.dayNumOf(brokenRebooked.startMs) + 1;
  const rebook = kit.appointment({
    patient: rebookedPatient,
    placement: future(AHEAD + 1, 'dentist', 60),
    type: appointmentType('Filling'),
    status: 'scheduled',
    createdMs: Math.min(kit.at(nextDay, 10 * 60 + 15), kit.nowMs),
  });

  const brokenPatient = kit.patient();
  returning(brokenPatient, 230);
  const broken = kit.appointment({
    patient: brokenPatient,
    placement: past(6, 'dentist', 60),
    type: appointmentType('Filling'),
    status: 'broken',
    confirmed: 'confirmed',
  });

  const cancelPatient = kit.patient();
  returning(cancelPatient, 240);
  const cancelPlacement = past(2, 'dentist', 30);
  const cancelled = kit.appointment({
    patient: cancelPatient,
    placement: cancelPlacement,
    type: appointmentType('Crown Seat'),
    status: 'cancelled',
    cancel: { atMs: cancelPlacement.startMs - 4 * HOUR, reason: 'Car trouble', byStaff: true },
  });

  const cancelRebookPatient = kit.patient();
  returning(cancelRebookPatient, 250);
  const cancelRebookPlacement = past(12, 'dentist', 60);
  const cancelledRebookedVisit = kit.appointment({
    patient: cancelRebookPatient,
    placement: cancelRebookPlacement,
    type: appointmentType('Filling'),
    status: 'cancelled',
    cancel: { atMs: cancelRebookPlacement.startMs - 28 * HOUR, reason: 'Work conflict', byStaff: true },
  });
  const cancelRebook = kit.appointment({
    patient: cancelRebookPatient,
    placement: future(AHEAD + 2, 'dentist', 60),
    type: appointmentType('Filling'),
    status: 'scheduled',
    createdMs: Math.min(cancelRebookPlacement.startMs + 2 * MS_PER_DAY, kit.nowMs),
  });

  const repeatPatient = kit.patient();
  returning(repeatPatient, 260);
  const repeatBroken = [100, 55, 12].map(
    (daysAgo) =>
      kit.appointment({
        patient: repeatPatient,
        placement: past(daysAgo, 'dentist', 60),
        type: appointmentType('Filling'),
        status: 'broken',
        confirmed: 'left_message',
      }).id,
  );

  // ---- claims: insured patients, one visit each, exact status timelines
  const claimScenario = (
    serviceDaysAgo: number,
    typeName: string,
    status: Claim['status'],
    steps: { status: Claim['status']; daysAgo: number }[],
    codes?: readonly string[],
  ): ClaimFixture => {
    const patient = kit.patient();
    const { enrollment } = insure(patient, 1);
    const type = appointmentType(typeName);
    const { visit } = kit.completeVisit(patient, past(serviceDaysAgo, 'dentist', type.minutes), type, {
      pay: 'none',
      ...(codes ? { codes } : {}),
    });
    const claim = kit.claimFor(visit, enrollment, status, steps);
    // The estimated copay is collected at the visit; a paid claim's remainder after the EOB.
    const copay =
      status === 'paid'
        ? claim.claimFeeCents - claim.insPayAmtCents - claim.writeOffCents
        : claim.claimFeeCents - claim.insPayEstCents;
    if (status === 'paid' && claim.writeOffCents > 0) {
      kit.ledger.adjustment({
        patientId: patient.id,
        providerId: visit.providerId,
        day: visit.day,
        amount: -claim.writeOffCents,
        type: 'PPO Write-off',
        note: 'Contractual adjustment',
      });
    }
    if (copay > 0) kit.pay(patient, visit, visit.day, copay);
    const last = claim.statusLog.at(-1);
    return {
      claimId: claim.id,
      patientId: patient.id,
      status: claim.status,
      dateSent: claim.dateSent,
      claimFee: cents(claim.claimFeeCents),
      lastActionDate: last ? dateOfMs(last.changedAtMs) : null,
    };
  };
  const claims: WorklistFixtures['claims'] = {
    outstandingRecent: claimScenario(12, 'Periodic Exam & Prophy', 'submitted', [{ status: 'submitted', daysAgo: 11 }]),
    recentlyActive: claimScenario(38, 'Crown Prep', 'accepted', [
      { status: 'submitted', daysAgo: 37 },
      { status: 'accepted', daysAgo: 25 },
    ]),
    stale: claimScenario(70, 'Root Canal', 'accepted', [
      { status: 'submitted', daysAgo: 69 },
      { status: 'accepted', daysAgo: 62 },
    ]),
    rejected: claimScenario(25, 'Scaling & Root Planing', 'rejected', [
      { status: 'submitted', daysAgo: 24 },
      { status: 'rejected', daysAgo: 20 },
    ]),
    denied: claimScenario(45, 'Root Canal', 'denied', [
      { status: 'submitted', daysAgo: 44 },
      { status: 'accepted', daysAgo: 40 },
      { status: 'denied', daysAgo: 33 },
    ]),
    appealedOld: claimScenario(130, 'Crown Prep', 'appealed', [
      { status: 'submitted', daysAgo: 129 },
      { status: 'accepted', daysAgo: 120 },
      { status: 'denied', daysAgo: 100 },
      { status: 'appealed', daysAgo: 8 },
    ]),
    small: claimScenario(20, 'Emergency', 'submitted', [{ status: 'submitted', daysAgo: 19 }], ['D0220']),
    paid: claimScenario(30, 'Filling', 'paid', [
      { status: 'submitted', daysAgo: 29 },
      { status: 'accepted', daysAgo: 25 },
      { status: 'paid', daysAgo: 15 },
    ]),
    draft: claimScenario(5, 'Filling', 'draft', []),
  };

  // ---- realism for the new per-patient surfaces: a few generated patients opted out of SMS or carry alerts
  const generated = kit.data.patients.filter((p) => p.status === 'active' && !kit.created.includes(p));
  for (const p of generated) {
    if (p.phoneMobile && kit.random.bool(0.02))
      kit.smsConsent(p, 'opted_out', kit.nowMs - kit.random.int(10, 500) * MS_PER_DAY);
    if (kit.random.bool(0.05)) kit.medicalAlert(p.id, kit.random.pick(ALERTS));
  }

  kit.snapshotBalances();
  const balance = (patient: Patient, upcoming: Appointment | null): BalanceFixture => {
    const amount = kit.ledger.owed.get(patient.id) ?? 0;
    return {
      patientId: patient.id,
      balance: cents(amount),
      bucket: amount < 0 ? 'credit' : bucketOf(patient, kit),
      upcomingAppointmentId: upcoming?.id ?? null,
    };
  };
  const visit = (a: Appointment): HuddleVisit => ({ patientId: a.patientId, appointmentId: a.id });
  const asCandidate = (a: Appointment): AppointmentCandidate => ({
    patientId: a.patientId,
    appointmentId: a.id,
    minutes: a.durationMinutes,
  });
  const opening = (o: ReturnType<typeof commitOpening>): Opening | null =>
    o
      ? {
          providerId: o.provider,
          operatoryId: o.operatory,
          start: iso(o.startMs),
          end: iso(o.endMs),
          minutes: Math.round((o.endMs - o.startMs) / MS_PER_MINUTE),
        }
      : null;

  return {
    huddleDate: dayNumToDate(huddleDay),
    huddle: {
      unconfirmed: visit(unconfirmed),
      confirmed: visit(recentVisit),
      primaryVerifiedLongAgo: {
        ...visit(longAgoVisit),
        verificationId: longAgoVerification.id,
        secondaryVerificationId: secondaryVerification.id,
      },
      primaryVerifiedRecently: { ...visit(recentVisit), verificationId: recentVerification.id },
      primaryNeverVerified: visit(neverVisit),
      firstVisit: visit(firstVisit),
      medicalAlert: visit(alertVisit),
      balanceDue: visit(balanceDueVisit),
      creditBalance: visit(creditVisit),
    },
    fillOpening: {
      hygieneOpening: opening(hygieneOpening),
      doctorOpening: opening(doctorOpening),
      topRecallTooLong: candidate(topPatient, top),
      fittingRecall: candidate(fitPatient, fit),
      recentlyContactedRecall: { ...candidate(recentCallPatient, recentCall), lastContactId: recentCallLog.id },
      noSmsConsentRecall: { ...candidate(noSmsPatient, noSms), smsConsentId: noSmsConsent.id },
      brokenHygieneNotRebooked: asCandidate(brokenChildVisit),
      plannedFits: { ...asCandidate(plannedFits), treatmentPlanId: plannedFitsPlan.id },
      plannedTooLong: { ...asCandidate(plannedLong), treatmentPlanId: plannedLongPlan.id },
    },
    recalls: {
      perioOverdueNeverContacted: candidate(perioPatient, perio),
      dueSoonNotBooked: candidate(dueSoonPatient, dueSoon),
      dueButBooked: { ...candidate(bookedPatient, booked), appointmentId: bookedVisit.id },
      overdueWithOtherFutureVisit: { ...candidate(otherVisitPatient, otherVisitRecall), appointmentId: otherVisit.id },
      doNotContact: { ...candidate(dncPatient, dnc), smsConsentId: dncConsent.id, commlogId: dncLog.id },
      lastContact: {
        patientId: topPatient.id,
        recallId: top.recall.id,
        latestCommlogId: latestContact.id,
        outcome: 'voicemail',
        olderCommlogId: olderContact.id,
      },
      smsOptedInRow: { patientId: unconfirmedPatient.id, smsConsentId: optedIn.id },
    },
    missedVisits: {
      from: kit.date(-30),
      to: kit.today,
      brokenRebookedNextDay: {
        patientId: rebookedPatient.id,
        brokenAppointmentId: brokenRebooked.id,
        rebookAppointmentId: rebook.id,
      },
      brokenNotRebooked: asCandidate(broken),
      cancelledNotRebooked: asCandidate(cancelled),
      cancelledRebooked: {
        patientId: cancelRebookPatient.id,
        cancelledAppointmentId: cancelledRebookedVisit.id,
        rebookAppointmentId: cancelRebook.id,
      },
      repeatNoShow: { patientId: repeatPatient.id, brokenAppointmentIds: repeatBroken },
    },
    claims,
    balances: {
      over90WithVisit: balance(balanceDuePatient, balanceDueVisit),
      days31to60NoVisit: balance(midPatient, null),
      over90NoPayment: balance(unpaidPatient, null),
      small: balance(smallPatient, null),
      credit: balance(creditPatient, creditVisit),
    },
  };
}

const ALERTS = [
  'Penicillin allergy',
  'Latex allergy',
  'Anticoagulant therapy (warfarin)',
  'Premedication required before dental treatment',
  'Diabetes (type 2)',
  'Hypertension',
];

/** The age bucket of a patient whose only charges are one visit (all the balance scenarios). */
function bucketOf(patient: Patient, kit: ScenarioKit): BalanceFixture['bucket'] {
  const visit = kit.data.appointments.find((a) => a.patientId === patient.id && a.status === 'complete');
  const age = visit ? kit.todayNum - kit.index.tz.dayNumOf(visit.startMs) : 0;
  return age <= 30 ? '0_30' : age <= 60 ? '31_60' : age <= 90 ? '61_90' : 'over_90';
}

/** A planned appointment from a treatment plan: not on the schedule, dated the day it was planned. */
function plannedAppointment(
  kit: ScenarioKit,
  patient: Patient,
  planId: Uuid,
  typeName: string,
  consult: Appointment,
): Appointment {
  const type = appointmentType(typeName);
  const provider = kit.data.providers.find((p) => p.id === consult.providerId) ?? kit.dentists()[0];
  if (!provider) throw new Error('scenario: no dentist');
  const day = kit.index.tz.dayNumOf(consult.startMs);
  return kit.appointment({
    patient,
    placement: { startMs: kit.at(day, 8 * 60), provider, operatory: null },
    type,
    status: 'planned',
    treatmentPlanId: planId,
    createdMs: consult.startMs + type.minutes * MS_PER_MINUTE,
  });
}

/**
 * The huddle day: the first open day from today (today only with four open hours left) where both
 * openings can be carved and every huddle visit still fits (a quarter of an hour at least).
 */
function pickHuddleDay(kit: ScenarioKit, notBefore: number): number {
  for (let d = kit.todayNum; d < kit.todayNum + 30; d++) {
    if (!kit.isOpen(d)) continue;
    const from = d === kit.todayNum ? notBefore : undefined;
    if (d === kit.todayNum) {
      const day = daySchedule(kit.index, d);
      const left = intersect(normalise(day.toInstants(day.practiceHours)), [[notBefore, Number.MAX_SAFE_INTEGER]]);
      if (left.reduce((n, [a, b]) => n + (b - a), 0) < 4 * HOUR) continue;
    }
    const hygiene = findOpening(kit, d, 'hygienist', 45, from);
    const doctor = findOpening(kit, d, 'dentist', 60, from);
    if (!hygiene || !doctor) continue;
    // The openings and the visits that close them are not room for the huddle visits.
    const taken = [hygiene, doctor].map((o) => ({
      providerId: o.provider.id,
      span: [o.startMs, o.endMs + (o.filler?.minutes ?? 0) * MS_PER_MINUTE] as Span,
    }));
    if (freeQuarters(kit, d, from, taken) > HUDDLE_VISITS) return d;
  }
  throw new Error('scenario: no open day within 30 days has room for the huddle scenarios');
}

/** Free quarter hours on a day after `from`, over every provider (any of their chairs), outside `taken`. */
function freeQuarters(
  kit: ScenarioKit,
  dayNum: number,
  from: number | undefined,
  taken: { providerId: Uuid; span: Span }[],
): number {
  let quarters = 0;
  for (const provider of [...kit.dentists(), ...kit.hygienists()]) {
    const free = normalise(kit.chairsOf(dayNum, provider).flatMap((o) => kit.freeSpans(dayNum, provider, o)));
    const after = from === undefined ? free : intersect(free, [[from, Number.MAX_SAFE_INTEGER]]);
    const mine = taken.filter((t) => t.providerId === provider.id).map((t) => t.span);
    for (const [a, b] of subtract(after, mine)) quarters += Math.floor((b - a) / (15 * MS_PER_MINUTE));
  }
  return quarters;
}

interface OpeningPlan {
  provider: Provider;
  operatory: Operatory;
  startMs: number;
  endMs: number;
  /** The provider's free stretch runs on after the opening: a visit of this length, in this chair, closes it. */
  filler: { operatory: Operatory; minutes: number } | null;
}

/**
 * A gap of exactly `minutes` in one provider's day, with a chair of theirs free for all of it: the
 * start of a stretch of their free time (after their previous visit, or when their hours begin),
 * closed by their next visit, the end of their hours, or a filler visit. Null when there is none.
 */
function findOpening(
  kit: ScenarioKit,
  dayNum: number,
  kind: ProviderKind,
  minutes: number,
  notBefore: number | undefined,
): OpeningPlan | null {
  const step = 15 * MS_PER_MINUTE;
  const durationMs = minutes * MS_PER_MINUTE;
  for (const provider of kind === 'dentist' ? kit.dentists() : kit.hygienists()) {
    for (const [a, b] of kit.providerFree(dayNum, provider)) {
      if ((notBefore !== undefined && a < notBefore) || b - a < durationMs) continue;
      const end = a + durationMs;
      const operatory = kit.chairFor(dayNum, provider, a, end);
      if (!operatory) continue;
      if (b - end < step) return { provider, operatory, startMs: a, endMs: end, filler: null };
      // A short visit closes the gap, so the rest of the day keeps room for the huddle visits.
      const fillerMinutes = Math.min(30, Math.floor((b - end) / step) * 15);
      const fillerChair = kit.chairFor(dayNum, provider, end, end + fillerMinutes * MS_PER_MINUTE);
      if (!fillerChair) continue;
      return {
        provider,
        operatory,
        startMs: a,
        endMs: end,
        filler: { operatory: fillerChair, minutes: fillerMinutes },
      };
    }
  }
  return null;
}

/** Places the filler (when needed) and keeps the opening free of every later placement. */
function commitOpening(
  kit: ScenarioKit,
  plan: OpeningPlan | null,
  fillerPatient: () => Patient,
): { provider: Uuid; operatory: Uuid; startMs: number; endMs: number } | null {
  if (!plan) return null;
  const dayNum = kit.index.tz.dayNumOf(plan.startMs);
  kit.hold(dayNum, plan.provider, plan.operatory, plan.startMs, plan.endMs);
  if (plan.filler) {
    kit.appointment({
      patient: fillerPatient(),
      placement: { startMs: plan.endMs, provider: plan.provider, operatory: plan.filler.operatory },
      type: appointmentType(plan.provider.providerType === 'dentist' ? 'Crown Seat' : 'Periodic Exam & Prophy'),
      minutes: plan.filler.minutes,
      status: 'scheduled',
      confirmed: 'confirmed',
    });
  }
  return { provider: plan.provider.id, operatory: plan.operatory.id, startMs: plan.startMs, endMs: plan.endMs };
}
