/**
 * The two DSO client reports outside the money ledger (L7776–7850, claims digest §6.2):
 * case acceptance (treatment plans) and hygiene recare (recalls), computed per practice by
 * ledger/care.ts on the practice's own calendar, totals recomputed from the summed numbers.
 */
import { badRequest } from '../http/errors.js';
import { formatCents, queryBool } from '../http/helpers.js';
import type { Router, SandboxRequest } from '../http/types.js';
import {
  type CaseAcceptance,
  caseAcceptance,
  caseAcceptancePcts,
  type HygieneRecare,
  hygieneRecare,
  hygieneRecarePcts,
  SERVICE_TYPES,
  type ServiceType,
} from '../ledger/care.js';
import { ledgerFlagsOf } from '../ledger/render.js';
import type { SandboxStore } from '../store.js';
import { asOfs, REPORTS, ranges } from './dso.js';

/** `procedure_category`: a comma list of ServiceType codes (L7790); null when absent. */
function categories(req: SandboxRequest): Set<ServiceType> | null {
  const raw = req.query.get('procedure_category');
  if (raw === null || raw.trim() === '') return null;
  const values = raw
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  const unknown = values.filter((v) => !(SERVICE_TYPES as readonly string[]).includes(v));
  if (unknown.length > 0) {
    throw badRequest({
      procedure_category: [`Unknown categories: ${unknown.join(', ')}. Valid values: ${SERVICE_TYPES.join(', ')}.`],
    });
  }
  return new Set(values as ServiceType[]);
}

export function registerDsoCareRoutes(router: Router, store: SandboxStore): void {
  const R = '/api/v1/clients/{client_uid}/reports';
  const onZero = () => ledgerFlagsOf(store).pctOnZero;

  router.get(`${R}/case-acceptance/`, REPORTS, (req) => {
    const { echo, rows } = ranges(store, req);
    const filter = categories(req);
    const render = (c: CaseAcceptance) => {
      const pct = caseAcceptancePcts(c, onZero());
      return {
        presented_amount: formatCents(c.presented),
        accepted_amount: formatCents(c.accepted),
        acceptance_rate_pct: pct.acceptanceRatePct,
        same_visit_accepted_pct: pct.sameVisitAcceptedPct,
        delayed_accepted_pct: pct.delayedAcceptedPct,
      };
    };
    const totals: CaseAcceptance = { presented: 0, accepted: 0, sameVisit: 0, delayed: 0 };
    const practices = rows.map((r) => {
      const c = caseAcceptance(r.data, store.procedureCodesById, r.from, r.to, filter);
      totals.presented += c.presented;
      totals.accepted += c.accepted;
      totals.sameVisit += c.sameVisit;
      totals.delayed += c.delayed;
      return { practice_id: r.data.practice.id, practice_name: r.data.practice.name, ...render(c) };
    });
    return { status: 200, body: { ...echo, totals: render(totals), practices } };
  });

  router.get(`${R}/hygiene-recare/`, REPORTS, (req) => {
    const { asOf, rows } = asOfs(store, req);
    const includeWithout = queryBool(req, 'include_without_active_recare') ?? false;
    const render = (h: HygieneRecare) => {
      const pct = hygieneRecarePcts(h, onZero());
      return {
        compliant_count: h.compliant,
        upcoming_count: h.upcoming,
        overdue_count: h.overdue,
        without_active_recare_count: h.withoutActiveRecare,
        recall_total: h.recallTotal,
        compliance_rate_pct: pct.complianceRatePct,
        avg_days_late_among_non_compliant: pct.avgDaysLate,
      };
    };
    const totals: HygieneRecare = {
      compliant: 0,
      upcoming: 0,
      overdue: 0,
      withoutActiveRecare: 0,
      recallTotal: 0,
      daysLate: 0,
    };
    const practices = rows.map((r) => {
      const h = hygieneRecare(r.data, r.asOf, includeWithout);
      for (const key of Object.keys(totals) as (keyof HygieneRecare)[]) totals[key] += h[key];
      return { practice_id: r.data.practice.id, practice_name: r.data.practice.name, ...render(h) };
    });
    return { status: 200, body: { as_of: asOf, totals: render(totals), practices } };
  });
}
