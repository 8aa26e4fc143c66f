/**
 * The two DSO reports that live outside the money ledger (claims digest §6.2, §15.10): case
 * acceptance from treatment plans and hygiene recare from recalls. Each practice row is computed
 * from that practice's own rows on its own calendar; totals are recomputed from summed amounts and
 * counts, never averaged (ASSUMPTIONS §16). The seed's KPI scenario uses these same functions.
 */
import type { Cents, LocalDate, PracticeData, ProcedureCode, Uuid } from '../model.js';
import { dayNumber, localDateOf } from './dates.js';
import { percent } from './money.js';

/** ServiceType codes of `?procedure_category=` (L7790). */
export const SERVICE_TYPES = [
  'diagnostic',
  'preventive',
  'basic',
  'major',
  'endodontics',
  'periodontics',
  'oral_surgery',
  'orthodontics',
  'prosthodontics',
  'adjunctive',
  'other',
] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

const MAJOR_RESTORATIVE = new Set(['D2740', 'D2750', 'D2950']);

/** The ServiceType of a CDT code: the sandbox catalog has CDT categories, mapped here (ASSUMPTIONS §16). */
export function serviceTypeOf(code: Pick<ProcedureCode, 'code' | 'category'>): ServiceType {
  switch (code.category) {
    case 'diagnostic':
    case 'preventive':
    case 'endodontics':
    case 'periodontics':
    case 'oral_surgery':
    case 'orthodontics':
    case 'adjunctive':
      return code.category;
    case 'restorative':
      return MAJOR_RESTORATIVE.has(code.code) ? 'major' : 'basic';
    case 'implant':
      return 'major';
    case 'prosthodontics_fixed':
    case 'prosthodontics_removable':
      return 'prosthodontics';
    default:
      return 'other';
  }
}

export interface CaseAcceptance {
  presented: Cents;
  accepted: Cents;
  sameVisit: Cents;
  delayed: Cents;
}

/**
 * Plans presented in [from, to] (their `date_created`, else the local date of `created`), every
 * status; a plan is accepted when it has a `date_accepted` — on the day it was presented
 * (same visit) or later (delayed). Amounts are Σ planned fees of the plan's items; with
 * `categories`, only items whose procedure code has one of those service types (items without a
 * code drop out, L7793).
 */
export function caseAcceptance(
  data: PracticeData,
  codesById: ReadonlyMap<Uuid, ProcedureCode>,
  from: LocalDate,
  to: LocalDate,
  categories: ReadonlySet<ServiceType> | null,
): CaseAcceptance {
  const out: CaseAcceptance = { presented: 0, accepted: 0, sameVisit: 0, delayed: 0 };
  const fromDay = dayNumber(from);
  const toDay = dayNumber(to);
  const zone = data.practice.timezone;
  for (const plan of data.treatmentPlans) {
    const presentedOn = plan.dateCreated ?? localDateOf(plan.createdMs, zone);
    const day = dayNumber(presentedOn);
    if (day < fromDay || day > toDay) continue;
    let amount = 0;
    for (const item of plan.items) {
      if (categories) {
        const code = item.procedureCodeId ? codesById.get(item.procedureCodeId) : undefined;
        if (!code || !categories.has(serviceTypeOf(code))) continue;
      }
      amount += item.plannedFeeCents;
    }
    out.presented += amount;
    if (plan.dateAccepted === null) continue;
    out.accepted += amount;
    if (dayNumber(plan.dateAccepted) <= day) out.sameVisit += amount;
    else out.delayed += amount;
  }
  return out;
}

export function caseAcceptancePcts(c: CaseAcceptance, onZero: string | null) {
  return {
    acceptanceRatePct: percent(c.accepted, c.presented, onZero),
    sameVisitAcceptedPct: percent(c.sameVisit, c.presented, onZero),
    delayedAcceptedPct: percent(c.delayed, c.presented, onZero),
  };
}

export interface HygieneRecare {
  compliant: number;
  upcoming: number;
  overdue: number;
  withoutActiveRecare: number;
  recallTotal: number;
  /** Σ days past `date_due` over the overdue recalls (the mean's numerator). */
  daysLate: number;
}

/** Days after `as_of` within which an unscheduled recall counts as "upcoming" rather than compliant. */
export const RECARE_UPCOMING_DAYS = 30;

/**
 * Active recalls (`is_disabled=false`) of active patients at `asOf`, one count per recall row:
 * overdue = due before `asOf` and not scheduled on or after it; upcoming = due within 30 days of
 * `asOf` and not scheduled; compliant = the rest (scheduled on or after `asOf`, due later, or no due
 * date). With `includeWithout`, active patients without any active recall form their own bucket.
 */
export function hygieneRecare(data: PracticeData, asOf: LocalDate, includeWithout: boolean): HygieneRecare {
  const out: HygieneRecare = {
    compliant: 0,
    upcoming: 0,
    overdue: 0,
    withoutActiveRecare: 0,
    recallTotal: 0,
    daysLate: 0,
  };
  const asOfDay = dayNumber(asOf);
  const active = new Set(data.patients.filter((p) => p.status === 'active').map((p) => p.id));
  const withRecall = new Set<Uuid>();
  for (const r of data.recalls) {
    if (r.isDisabled || !active.has(r.patientId)) continue;
    withRecall.add(r.patientId);
    out.recallTotal += 1;
    const scheduled = r.dateScheduled !== null && dayNumber(r.dateScheduled) >= asOfDay;
    const due = r.dateDue === null ? null : dayNumber(r.dateDue);
    if (scheduled || due === null || due > asOfDay + RECARE_UPCOMING_DAYS) out.compliant += 1;
    else if (due < asOfDay) {
      out.overdue += 1;
      out.daysLate += asOfDay - due;
    } else out.upcoming += 1;
  }
  if (includeWithout) for (const id of active) if (!withRecall.has(id)) out.withoutActiveRecare += 1;
  return out;
}

export function hygieneRecarePcts(h: HygieneRecare, onZero: string | null) {
  return {
    complianceRatePct: percent(h.compliant, h.recallTotal + h.withoutActiveRecare, onZero),
    // The mean of whole days, as a two-decimal string (`percent` gives part/whole × 100).
    avgDaysLate: h.overdue === 0 ? onZero : percent(h.daysLate, h.overdue * 100, onZero),
  };
}
