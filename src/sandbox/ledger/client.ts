/**
 * Client (DSO) reports (§15.10), each row computed by the practice-level engine on that
 * practice's own data and calendar, so a DSO row equals the practice's own report (I11).
 */

import type { Cents, LocalDate, Practice, Uuid } from '../model.js';
import { compareText } from './claims.js';
import { addDays, dayNumber } from './dates.js';
import { type AgingSummary, agingReport, type ProviderProduction, productionReport } from './engine.js';
import type { LedgerFlags } from './flags.js';
import { type LedgerIndex, rangeOf } from './ledger-index.js';
import { divRoundHalfUp, percent } from './money.js';

export interface RangeEntry {
  ix: LedgerIndex;
  from: LocalDate;
  to: LocalDate;
}

export interface AsOfEntry {
  ix: LedgerIndex;
  asOf: LocalDate;
}

interface PracticeHead {
  practiceId: Uuid;
  practiceName: string;
}

function head(practice: Practice): PracticeHead {
  return { practiceId: practice.id, practiceName: practice.name };
}

export interface ProductionVsCollectionsRow extends PracticeHead {
  production: Cents;
  collections: Cents;
  adjustments: Cents;
  netProduction: Cents;
  collectionPct: string | null;
}

export function productionVsCollections(
  entries: readonly RangeEntry[],
  flags: LedgerFlags,
): { practices: ProductionVsCollectionsRow[]; totals: Omit<ProductionVsCollectionsRow, keyof PracticeHead> } {
  const totals = {
    production: 0,
    collections: 0,
    adjustments: 0,
    netProduction: 0,
    collectionPct: null as string | null,
  };
  const practices = entries.map(({ ix, from, to }) => {
    const { summary } = productionReport(ix, { from, to }, flags);
    totals.production += summary.totalProduction;
    totals.collections += summary.totalCollections;
    totals.adjustments += summary.totalAdjustments;
    totals.netProduction += summary.netProduction;
    return {
      ...head(ix.data.practice),
      production: summary.totalProduction,
      collections: summary.totalCollections,
      adjustments: summary.totalAdjustments,
      netProduction: summary.netProduction,
      collectionPct: percent(
        summary.totalCollections,
        flags.collectionPctOf === 'production' ? summary.totalProduction : summary.netProduction,
        flags.pctOnZero,
      ),
    };
  });
  // Recomputed from the summed dollars, not averaged over practices (§15.10).
  totals.collectionPct = percent(
    totals.collections,
    flags.collectionPctOf === 'production' ? totals.production : totals.netProduction,
    flags.pctOnZero,
  );
  return { practices, totals };
}

export interface ProviderHoursRow extends ProviderProduction {
  /** `production / hours`, rounded half-up to cents; null when there are no hours and PCT_ON_ZERO is null. */
  productionPerHour: Cents | null;
}

export function productionByProvider(
  entries: readonly RangeEntry[],
  flags: LedgerFlags,
): Array<PracticeHead & { providers: ProviderHoursRow[] }> {
  return entries.map(({ ix, from, to }) => {
    // HOURS_SOURCE = appointment durations (non-cancelled appointments of the provider in range).
    const providers = productionReport(ix, { from, to }, flags).byProvider.map((row) => {
      const m = row.appointmentMinutes;
      return {
        ...row,
        productionPerHour: m === 0 ? (flags.pctOnZero === null ? null : 0) : divRoundHalfUp(row.production * 60, m),
      };
    });
    return { ...head(ix.data.practice), providers };
  });
}

export interface AdjustmentTypeRow {
  adjType: string;
  amount: Cents;
  count: number;
}

export function adjustmentsByType(entries: readonly RangeEntry[]): {
  practices: Array<PracticeHead & { totalAdjustments: Cents; byType: AdjustmentTypeRow[] }>;
  grandTotal: Cents;
} {
  let grandTotal = 0;
  const practices = entries.map(({ ix, from, to }) => {
    const types = new Map<string, AdjustmentTypeRow>();
    let total = 0;
    const { start, end } = rangeOf(ix.adjustmentsByDay, dayNumber(from), dayNumber(to));
    for (let k = start; k < end; k++) {
      const adj = ix.data.adjustments[ix.adjustmentsByDay.rows[k] as number];
      if (!adj) continue;
      const row = types.get(adj.adjType) ?? { adjType: adj.adjType, amount: 0, count: 0 };
      row.amount += adj.adjAmountCents;
      row.count += 1;
      types.set(adj.adjType, row);
      total += adj.adjAmountCents;
    }
    grandTotal += total;
    const byType = [...types.values()].sort((a, b) => compareText(a.adjType, b.adjType));
    return { ...head(ix.data.practice), totalAdjustments: total, byType };
  });
  return { practices, grandTotal };
}

export function arAging(
  entries: readonly AsOfEntry[],
  flags: LedgerFlags,
): { practices: Array<PracticeHead & AgingSummary>; totals: AgingSummary } {
  const totals: AgingSummary = { totalAr: 0, current: 0, days31To60: 0, days61To90: 0, over90: 0, patientCount: 0 };
  const practices = entries.map(({ ix, asOf }) => {
    const { summary } = agingReport(ix, { asOf, includeArchived: false }, flags);
    for (const key of Object.keys(totals) as Array<keyof AgingSummary>) totals[key] += summary[key];
    return { ...head(ix.data.practice), ...summary };
  });
  return { practices, totals };
}

export interface OverviewRow extends PracticeHead {
  todayProduction: Cents;
  weekProduction: Cents;
  arTotal: Cents;
  noShowCount: number;
  /** Non-cancelled appointments in the 30 days ending `as_of` (the no-show denominator). */
  appointmentCount: number;
  noShowRatePct: string | null;
}

export function overview(
  entries: readonly AsOfEntry[],
  flags: LedgerFlags,
): {
  practices: OverviewRow[];
  totals: Omit<OverviewRow, keyof PracticeHead> & { practiceCount: number };
} {
  const practices = entries.map(({ ix, asOf }) => {
    const today = productionReport(ix, { from: asOf, to: asOf }, flags).summary.totalProduction;
    const week = productionReport(ix, { from: addDays(asOf, -6), to: asOf }, flags).summary.totalProduction;
    const arTotal = agingReport(ix, { asOf, includeArchived: false }, flags).summary.totalAr;
    let noShows = 0;
    let denominator = 0;
    const { start, end } = rangeOf(ix.appointmentsByDay, dayNumber(asOf) - 29, dayNumber(asOf));
    for (let k = start; k < end; k++) {
      const a = ix.data.appointments[ix.appointmentsByDay.rows[k] as number];
      if (!a || a.status === 'cancelled') continue;
      denominator += 1;
      if (a.status === 'broken') noShows += 1;
    }
    return {
      ...head(ix.data.practice),
      todayProduction: today,
      weekProduction: week,
      arTotal,
      noShowCount: noShows,
      appointmentCount: denominator,
      noShowRatePct: percent(noShows, denominator, flags.pctOnZero),
    };
  });
  const totals = {
    todayProduction: 0,
    weekProduction: 0,
    arTotal: 0,
    noShowCount: 0,
    appointmentCount: 0,
    noShowRatePct: null as string | null,
    practiceCount: practices.length,
  };
  for (const p of practices) {
    totals.todayProduction += p.todayProduction;
    totals.weekProduction += p.weekProduction;
    totals.arTotal += p.arTotal;
    totals.noShowCount += p.noShowCount;
    totals.appointmentCount += p.appointmentCount;
  }
  // Weighted: Σ no-shows / Σ denominators, "so the rollup tile isn't dominated by an outlier practice" (L7892).
  totals.noShowRatePct = percent(totals.noShowCount, totals.appointmentCount, flags.pctOnZero);
  return { practices, totals };
}
