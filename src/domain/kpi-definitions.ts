/**
 * The KPI definitions kpi_scorecard and dso_overview use, as plain data: what each figure means,
 * who computes it (Escape Dental, or this server from Escape's figures), where it comes from, and
 * the line it is judged against. Served as the `kpi-definitions` resource. The spec leaves most
 * denominators undefined (claims digest §6.2); where Escape computes a figure we say so and take
 * its number as it is, and where we compute one we give the formula.
 */

export const KPI_KEYS = [
  'production',
  'net_production',
  'collections',
  'collection_rate',
  'production_per_hour',
  'schedule_utilization',
  'no_show_rate',
  'cancellation_rate',
  'hygiene_reappointment',
  'hygiene_recare_compliance',
  'case_acceptance',
  'new_patients',
  'ar_over_90_share',
] as const;
export type KpiKey = (typeof KPI_KEYS)[number];

export interface Citation {
  name: string;
  url: string;
}

export type KpiTarget =
  /** Escape's own production goal for the practice (production_goal_daily / _weekly / _monthly). */
  | { kind: 'escape_goal' }
  /** A line of ours, for KPIs Escape keeps no goal for. */
  | { kind: 'benchmark'; value: string; basis: string };

export interface KpiDefinition {
  key: KpiKey;
  name: string;
  unit: 'dollars' | 'percent' | 'count' | 'dollars_per_hour';
  /** 'escape': the figure is Escape's as reported; 'ours': computed here from Escape's data by `definition`. */
  computedBy: 'escape' | 'ours';
  definition: string;
  /** The formula in a few words, named beside the figure where two tools must agree on it. */
  formula?: string;
  /** The Escape Dental endpoint(s) the figure is read from. */
  source: string;
  better: 'higher' | 'lower';
  /** The line a value is judged against; absent when no goal or benchmark is set. */
  target?: KpiTarget;
  citations: readonly Citation[];
}

export const KPI_SOURCES = {
  dentalIntelligence: { name: 'Dental Intelligence', url: 'https://www.dentalintel.com/' },
  dentalIntelligenceGuide: {
    name: 'Dental Intelligence performance dashboard guide (2740 Consulting)',
    url: 'https://www.2740consulting.com/dental-intelligence-performance-dashboard-analytics-guide/',
  },
  denticon: { name: 'Denticon (Planet DDS)', url: 'https://www.planetdds.com/denticon/' },
  curve: { name: 'Curve Dental', url: 'https://www.curvedental.com/' },
  act: { name: 'ACT Dental benchmarks', url: 'https://www.actdental.com/' },
} as const satisfies Record<string, Citation>;

const { dentalIntelligence, dentalIntelligenceGuide, denticon, curve, act } = KPI_SOURCES;

/** The one collection rate of our tools; Escape's `collection_pct` has no stated denominator (L7990). */
export const COLLECTION_RATE_FORMULA = 'collections ÷ net production';

/** Procedure codes that make a visit a hygiene visit (Dental Intelligence's rule, see its guide). */
export const HYGIENE_CODES = ['D1110', 'D1120', 'D4341', 'D4342', 'D4910'] as const;

export const KPI_DEFINITIONS: readonly KpiDefinition[] = [
  {
    key: 'production',
    name: 'Production',
    unit: 'dollars',
    computedBy: 'escape',
    definition:
      "Escape's total production for the period (procedures on cancelled appointments excluded), as reported by Escape. Judged against Escape's production goal: the monthly goal for periods of 28-31 days, the weekly goal for 7 days, the daily goal for 1 day, else the monthly goal × days ÷ 30.",
    source: 'GET …/billing/reports/production/ (summary.total_production); DSO: production-vs-collections',
    better: 'higher',
    target: { kind: 'escape_goal' },
    citations: [dentalIntelligence, denticon, curve],
  },
  {
    key: 'net_production',
    name: 'Net production',
    unit: 'dollars',
    computedBy: 'escape',
    definition: "Escape's net production (production after adjustments), as reported by Escape.",
    source: 'GET …/billing/reports/production/ (summary.net_production); DSO: production-vs-collections',
    better: 'higher',
    citations: [dentalIntelligence, denticon],
  },
  {
    key: 'collections',
    name: 'Collections',
    unit: 'dollars',
    computedBy: 'escape',
    definition: "Escape's collections for the period, as reported by Escape.",
    source: 'GET …/billing/reports/production/ (summary.total_collections); DSO: production-vs-collections',
    better: 'higher',
    citations: [dentalIntelligence, denticon],
  },
  {
    key: 'collection_rate',
    name: 'Collection rate',
    unit: 'percent',
    computedBy: 'ours',
    formula: COLLECTION_RATE_FORMULA,
    definition: `${COLLECTION_RATE_FORMULA} × 100, from Escape's figures for the same period (the DSO report's collection_pct is Escape's own and not used).`,
    source: 'GET …/billing/reports/production/; DSO: production-vs-collections (its collections and net_production)',
    better: 'higher',
    citations: [dentalIntelligence, curve, act],
  },
  {
    key: 'production_per_hour',
    name: 'Production per hour',
    unit: 'dollars_per_hour',
    computedBy: 'ours',
    definition:
      "production ÷ provider hours: practice scorecard, Σ scheduled_hours over providers from Escape's provider-utilization report; DSO, Σ hours over the production-by-provider rows.",
    source: 'GET …/scheduling/reports/provider-utilization/; DSO: production-by-provider',
    better: 'higher',
    citations: [dentalIntelligence, act],
  },
  {
    key: 'schedule_utilization',
    name: 'Schedule utilization',
    unit: 'percent',
    computedBy: 'ours',
    definition:
      "Σ scheduled_hours ÷ Σ available_hours × 100 over the practice's providers, from Escape's provider-utilization report (available = template hours less blockouts; cancelled, broken and unscheduled visits release their time).",
    source: 'GET …/scheduling/reports/provider-utilization/',
    better: 'higher',
    citations: [dentalIntelligence, denticon],
  },
  {
    key: 'no_show_rate',
    name: 'No-show rate',
    unit: 'percent',
    computedBy: 'ours',
    definition:
      "broken (no-show) appointments ÷ appointments dated in the period that were not cancelled × 100, by practice-local date (the rule of the DSO overview, whose no_show_rate_pct is Escape's own and is shown as such there).",
    source: 'GET …/scheduling/appointment/?from&to; DSO: overview (no_show_rate_pct, the 30 days ending as_of)',
    better: 'lower',
    target: { kind: 'benchmark', value: '15', basis: 'at most 15 % of kept-or-missed appointments' },
    citations: [dentalIntelligence, curve],
  },
  {
    key: 'cancellation_rate',
    name: 'Cancellation rate',
    unit: 'percent',
    computedBy: 'ours',
    definition: 'cancelled appointments ÷ all appointments dated in the period × 100, by practice-local date.',
    source: 'GET …/scheduling/appointment/?from&to',
    better: 'lower',
    citations: [dentalIntelligence, curve],
  },
  {
    key: 'hygiene_reappointment',
    name: 'Hygiene reappointment',
    unit: 'percent',
    computedBy: 'ours',
    definition: `patients with a completed hygiene visit in the period (a visit with ${HYGIENE_CODES.join(', ')}) who have a later hygiene appointment that is not cancelled or broken ÷ those patients × 100. Escape keeps no booking date on appointments, so "later" is judged as the appointment book stands now.`,
    source: 'GET …/scheduling/appointment/ (the period through a year ahead)',
    better: 'higher',
    citations: [dentalIntelligence, dentalIntelligenceGuide, act],
  },
  {
    key: 'hygiene_recare_compliance',
    name: 'Hygiene recare compliance',
    unit: 'percent',
    computedBy: 'escape',
    definition:
      "Escape's compliance_rate_pct: active recalls scheduled or not yet due ÷ active recalls, as reported by Escape.",
    source: 'DSO: hygiene-recare',
    better: 'higher',
    citations: [dentalIntelligence, denticon],
  },
  {
    key: 'case_acceptance',
    name: 'Case acceptance',
    unit: 'percent',
    computedBy: 'escape',
    definition:
      "Escape's acceptance_rate_pct: accepted ÷ presented treatment-plan dollars for plans presented in the period, as reported by Escape.",
    source: 'DSO: case-acceptance (the practice row of its client)',
    better: 'higher',
    target: { kind: 'benchmark', value: '40', basis: 'at least 40 % of presented dollars accepted' },
    citations: [dentalIntelligence, curve, act],
  },
  {
    key: 'new_patients',
    name: 'New patients',
    unit: 'count',
    computedBy: 'ours',
    definition:
      "patients whose first completed visit (complete or ready_for_walkout, by practice-local date) falls in the period, counted from Escape's patient list filtered by first_visit_date.",
    source: 'GET …/patient/?first_visit_date_from&first_visit_date_to',
    better: 'higher',
    citations: [dentalIntelligence, denticon, curve],
  },
  {
    key: 'ar_over_90_share',
    name: 'A/R over 90 days',
    unit: 'percent',
    computedBy: 'ours',
    definition:
      "over_90 ÷ total_ar × 100 from Escape's aging summary (FIFO-allocated patient balances) as of the period's last day.",
    source: 'GET …/billing/reports/aging/?as_of_date; DSO: ar-aging',
    better: 'lower',
    citations: [dentalIntelligence, curve, act],
  },
];

export function kpiDefinition(key: KpiKey): KpiDefinition {
  const found = KPI_DEFINITIONS.find((d) => d.key === key);
  if (!found) throw new Error(`No definition for KPI ${key}`);
  return found;
}

/** The definitions as the `kpi-definitions` resource serves them (JSON). */
export function kpiDefinitionsDocument(): string {
  return JSON.stringify(
    {
      about:
        'How this server computes and judges each KPI. computed_by "escape" = the figure as reported by Escape Dental; "ours" = computed here by the definition, from Escape data. Targets: Escape\'s own production goal where it has one; elsewhere a benchmark of ours, stated with its basis.',
      sources: Object.values(KPI_SOURCES),
      kpis: KPI_DEFINITIONS.map((d) => ({
        key: d.key,
        name: d.name,
        unit: d.unit,
        computed_by: d.computedBy,
        definition: d.definition,
        source: d.source,
        better: d.better,
        ...(d.target ? { target: d.target } : {}),
        citations: d.citations,
      })),
    },
    null,
    2,
  );
}
