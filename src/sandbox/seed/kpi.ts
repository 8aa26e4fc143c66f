/**
 * The KPI scenario of issue 18 across the client's two active practices: one practice clearly in
 * trouble on two KPIs in the current period, the other on one KPI for three periods running.
 *
 * - Los Angeles ("two KPIs"): the no-show rate of the last 30 days and the case acceptance of the
 *   last 30 days are pushed off (new patients who did not show; large plans presented and not
 *   accepted). Its production meets its goal in every period.
 * - New York ("one KPI, three periods"): production is under its goal in each of the three
 *   trailing 30-day periods and each of the three last calendar months. Its no-show rate is what
 *   the generated schedule gives, and its case acceptance is lifted well clear of the line.
 *
 * Goals are Escape's own (`production_goal_monthly`, weekly, daily), set last from the seeded
 * production so the margins hold whatever the clock. Every figure here is computed with the
 * engines the API answers with (the production report, the DSO overview's no-show rule,
 * ledger/care.ts), so the reports agree with the scenario by construction.
 */
import { caseAcceptance } from '../ledger/care.js';
import { addDays, dayNumber, fromDayNumber, monthEnd, monthStart } from '../ledger/dates.js';
import { productionReport } from '../ledger/engine.js';
import { DEFAULT_LEDGER_FLAGS } from '../ledger/flags.js';
import { getLedgerIndex } from '../ledger/ledger-index.js';
import type { LocalDate, PracticeData, ProcedureCode, Uuid } from '../model.js';
import { daySchedule } from '../schedule.js';
import { MS_PER_DAY } from '../time.js';
import { appointmentType, type ScenarioKit } from './scenario-kit.js';

export interface KpiPeriod {
  label: string;
  from: LocalDate;
  to: LocalDate;
}

export interface KpiPracticeFixture {
  practiceId: Uuid;
  /** KPIs off goal in the current period (P0, the last 30 days ending today). */
  offGoal: string[];
  /** KPIs of the scenario that are on goal (near-misses). */
  onGoal: string[];
  /** The trailing 30-day periods, newest first: P0 = [today − 29, today], P1, P2 before it. */
  periods: KpiPeriod[];
  /** The three last complete calendar months, newest first. */
  months: KpiPeriod[];
  /** Escape's production goals as seeded (decimal strings). */
  goals: { daily: string; weekly: string; monthly: string };
}

export interface KpiFixtures {
  /** The practice in trouble on two KPIs (no_show_rate, case_acceptance) in P0 only. */
  twoKpis: KpiPracticeFixture;
  /** The practice in trouble on one KPI (production) in P0, P1, P2 and the last three months. */
  oneKpiThreePeriods: KpiPracticeFixture;
  /**
   * Benchmarks the scenario was built against, for KPIs Escape has no goal for: any threshold
   * inside each band classifies the two practices the same way.
   * - no-show rate (DSO overview rule: broken ÷ non-cancelled appointments dated in P0):
   *   the two-KPI practice is at or above `noShowRatePct.offFrom`, the other below `onBelow`;
   * - case acceptance (DSO case-acceptance, all categories, P0): the two-KPI practice at or
   *   below `caseAcceptancePct.offAtMost`, the other at or above `onFrom`;
   * - production: the one-KPI practice at most `productionPctOfGoal.offAtMost` % of its monthly
   *   goal in each period, the other at least `onFrom` %.
   */
  benchmarks: {
    noShowRatePct: { onBelow: number; offFrom: number };
    caseAcceptancePct: { offAtMost: number; onFrom: number };
    productionPctOfGoal: { offAtMost: number; onFrom: number };
  };
}

const NO_SHOW_OFF_FROM = 16;
const NO_SHOW_ON_BELOW = 12;
const ACCEPTANCE_OFF_AT_MOST = 20;
const ACCEPTANCE_ON_FROM = 55;
const PRODUCTION_OFF_AT_MOST = 88;
const PRODUCTION_ON_FROM = 115;

function periods(today: LocalDate): KpiPeriod[] {
  return [0, 1, 2].map((k) => ({ label: `P${k}`, from: addDays(today, -29 - 30 * k), to: addDays(today, -30 * k) }));
}

function months(today: LocalDate): KpiPeriod[] {
  const out: KpiPeriod[] = [];
  let end = monthStart(dayNumber(today)) - 1;
  for (let k = 1; k <= 3; k++) {
    const start = monthStart(end);
    out.push({ label: `M-${k}`, from: fromDayNumber(start), to: fromDayNumber(monthEnd(start)) });
    end = start - 1;
  }
  return out;
}

/** The DSO overview's no-show rule over [from, to]: broken ÷ appointments that are not cancelled. */
export function noShowCounts(data: PracticeData, from: LocalDate, to: LocalDate): { broken: number; counted: number } {
  let broken = 0;
  let counted = 0;
  for (const a of data.appointments) {
    if (a.localDate < from || a.localDate > to || a.status === 'cancelled') continue;
    counted += 1;
    if (a.status === 'broken') broken += 1;
  }
  return { broken, counted };
}

function acceptancePct(data: PracticeData, codes: ReadonlyMap<Uuid, ProcedureCode>, p: KpiPeriod): number {
  const c = caseAcceptance(data, codes, p.from, p.to, null);
  return c.presented === 0 ? 0 : (c.accepted / c.presented) * 100;
}

/** A free slot on a past day of P0 (the last 20 days before today), or null. */
function pastSlotInP0(kit: ScenarioKit, minutes: number) {
  for (let tries = 0; tries < 40; tries++) {
    const found = kit.slot(kit.todayNum - kit.random.int(1, 20), 'dentist', minutes);
    if (found) return found;
  }
  return null;
}

/** New patients who never came: broken first visits on past days of P0 until the rate reaches `targetPct`. */
function noShowSpike(kit: ScenarioKit, targetPct: number): void {
  const p0 = periods(kit.today)[0] as KpiPeriod;
  for (let guard = 0; guard < 200; guard++) {
    const { broken, counted } = noShowCounts(kit.data, p0.from, p0.to);
    if (broken * 100 >= targetPct * counted) return;
    const patient = kit.patient({ createdDaysAgo: 40 });
    const visits = kit.random.int(2, 3);
    for (let i = 0; i < visits; i++) {
      const type = appointmentType(i === 0 ? 'New Patient Exam' : 'Emergency');
      const placement = pastSlotInP0(kit, type.minutes);
      if (!placement) throw new Error('scenario: no free time left in the last 20 days');
      kit.appointment({
        patient,
        placement,
        type,
        status: 'broken',
        confirmed: 'left_message',
        isNewPatient: i === 0,
        createdMs: Math.min(kit.nowMs - 28 * MS_PER_DAY, placement.startMs - 3 * MS_PER_DAY),
      });
    }
  }
}

/**
 * Consults in P0 with a plan presented at the visit: `accept` decides whether the plan is
 * accepted at the visit (every other one) or a week later, or not at all (active/declined),
 * until the practice's P0 acceptance crosses `targetPct` in the wanted direction.
 */
function shiftAcceptance(
  kit: ScenarioKit,
  codes: ReadonlyMap<Uuid, ProcedureCode>,
  targetPct: number,
  accept: boolean,
): void {
  const p0 = periods(kit.today)[0] as KpiPeriod;
  for (let i = 0; i < 60; i++) {
    const pct = acceptancePct(kit.data, codes, p0);
    if (accept ? pct >= targetPct : pct <= targetPct) return;
    const patient = kit.patient();
    const type = appointmentType('Implant Consult');
    const placement = pastSlotInP0(kit, type.minutes);
    if (!placement) throw new Error('scenario: no free time left in the last 20 days');
    const { appointment } = kit.completeVisit(patient, placement, type);
    const presented = appointment.localDate;
    const provider = kit.data.providers.find((p) => p.id === appointment.providerId) ?? kit.dentists()[0];
    if (!provider) throw new Error('scenario: no dentist');
    const later = addDays(presented, 7) <= kit.today ? addDays(presented, 7) : presented;
    kit.treatmentPlan(patient, provider, {
      name: 'Implant plan',
      codes: ['D6010', 'D6065'],
      presented,
      accepted: accept ? (i % 2 === 0 ? presented : later) : null,
      status: accept ? 'accepted' : i % 2 === 0 ? 'active' : 'declined',
    });
  }
}

function production(data: PracticeData, catalog: readonly ProcedureCode[], p: KpiPeriod): number {
  return productionReport(getLedgerIndex(data, catalog), { from: p.from, to: p.to }, DEFAULT_LEDGER_FLAGS).summary
    .totalProduction;
}

/** Days with office hours in P0, to turn the monthly goal into a daily one. */
function openDays(kit: ScenarioKit): number {
  let n = 0;
  for (let d = kit.todayNum - 29; d <= kit.todayNum; d++) {
    if (daySchedule(kit.index, d).practiceHours.length > 0) n += 1;
  }
  return Math.max(1, n);
}

function setGoals(kit: ScenarioKit, monthlyCents: number): KpiPracticeFixture['goals'] {
  const practice = kit.data.practice;
  practice.productionGoalMonthlyCents = monthlyCents;
  practice.productionGoalWeeklyCents = Math.round((monthlyCents * 12) / 52 / 100) * 100;
  practice.productionGoalDailyCents = Math.round((monthlyCents * 30) / openDays(kit) / 30.44 / 100) * 100;
  const money = (c: number) => `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`;
  return {
    daily: money(practice.productionGoalDailyCents),
    weekly: money(practice.productionGoalWeeklyCents),
    monthly: money(monthlyCents),
  };
}

export function seedKpiScenario(
  twoKpis: ScenarioKit,
  oneKpi: ScenarioKit,
  catalog: readonly ProcedureCode[],
): KpiFixtures {
  const codes = new Map(catalog.map((c) => [c.id, c]));
  const p0 = (kit: ScenarioKit) => periods(kit.today)[0] as KpiPeriod;

  // Case acceptance: down in the two-KPI practice, up in the other (the consults add visits to P0,
  // so this comes before the no-show spike, which is sized on the final denominator).
  shiftAcceptance(twoKpis, codes, ACCEPTANCE_OFF_AT_MOST - 2, false);
  shiftAcceptance(oneKpi, codes, ACCEPTANCE_ON_FROM + 5, true);

  // No-show: the two-KPI practice well above the benchmark and at least twice the other's rate.
  const other = noShowCounts(oneKpi.data, p0(oneKpi).from, p0(oneKpi).to);
  const otherPct = other.counted === 0 ? 0 : (other.broken * 100) / other.counted;
  noShowSpike(twoKpis, Math.max(NO_SHOW_OFF_FROM + 1, 2 * otherPct));

  // Goals last, from the production the reports will show.
  const windows = (kit: ScenarioKit) => [...periods(kit.today), ...months(kit.today)];
  const produced = (kit: ScenarioKit) => windows(kit).map((p) => production(kit.data, catalog, p));
  const high = Math.max(...produced(oneKpi));
  const low = Math.min(...produced(twoKpis));
  const oneGoal = Math.ceil((high * 100) / PRODUCTION_OFF_AT_MOST / 100_000) * 100_000;
  const twoGoal = Math.floor((low * 100) / PRODUCTION_ON_FROM / 100_000) * 100_000;

  const fixture = (kit: ScenarioKit, goal: number, offGoal: string[], onGoal: string[]): KpiPracticeFixture => ({
    practiceId: kit.data.practice.id,
    offGoal,
    onGoal,
    periods: periods(kit.today),
    months: months(kit.today),
    goals: setGoals(kit, goal),
  });
  return {
    twoKpis: fixture(twoKpis, twoGoal, ['no_show_rate', 'case_acceptance'], ['production']),
    oneKpiThreePeriods: fixture(oneKpi, oneGoal, ['production'], ['no_show_rate', 'case_acceptance']),
    benchmarks: {
      noShowRatePct: { onBelow: NO_SHOW_ON_BELOW, offFrom: NO_SHOW_OFF_FROM },
      caseAcceptancePct: { offAtMost: ACCEPTANCE_OFF_AT_MOST, onFrom: ACCEPTANCE_ON_FROM },
      productionPctOfGoal: { offAtMost: PRODUCTION_OFF_AT_MOST, onFrom: PRODUCTION_ON_FROM },
    },
  };
}
