/**
 * Judging a KPI value against its line (kpi-definitions.ts): Escape's production goal scaled to
 * the period, or our benchmark. Shared by kpi_scorecard and dso_overview so both judge alike.
 */
import { type KpiKey, kpiDefinition } from './kpi-definitions.js';
import { parseMoney } from './money.js';

export interface ProductionGoals {
  daily: string | null;
  weekly: string | null;
  monthly: string | null;
}

/**
 * Escape's production goal for a period of `days` dates: the monthly goal for 28-31 days, the
 * weekly for 7, the daily for 1, else the monthly goal × days ÷ 30. Null when Escape has none.
 */
function productionGoalFor(days: number, goals: ProductionGoals): { value: string; basis: string } | null {
  if (days === 1 && goals.daily) return { value: goals.daily, basis: "Escape's daily production goal" };
  if (days === 7 && goals.weekly) return { value: goals.weekly, basis: "Escape's weekly production goal" };
  if (!goals.monthly) return null;
  if (days >= 28 && days <= 31) return { value: goals.monthly, basis: "Escape's monthly production goal" };
  return {
    value: parseMoney(goals.monthly).times(days).div(30).toFixed(2),
    basis: `Escape's monthly production goal × ${days} ÷ 30`,
  };
}

/** The line a KPI is judged against, or null when it has none (or Escape keeps no goal). */
export function targetFor(
  key: KpiKey,
  days: number,
  goals: ProductionGoals,
): { value: string; basis: string; better: 'higher' | 'lower' } | null {
  const definition = kpiDefinition(key);
  const target = definition.target;
  if (!target) return null;
  if (target.kind === 'escape_goal') {
    const goal = productionGoalFor(days, goals);
    return goal ? { ...goal, better: definition.better } : null;
  }
  return { value: target.value, basis: `benchmark (ours): ${target.basis}`, better: definition.better };
}

/** 'off' when the value is on the wrong side of the line; ties are on goal. */
export function judge(value: string | null, target: { value: string; better: 'higher' | 'lower' } | null) {
  if (value === null || target === null) return undefined;
  const cmp = parseMoney(value).cmp(parseMoney(target.value));
  return (target.better === 'higher' ? cmp >= 0 : cmp <= 0) ? ('on' as const) : ('off' as const);
}
