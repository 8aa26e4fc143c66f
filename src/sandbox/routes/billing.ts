/**
 * Billing: production and trending reports, aging, patient-balance report, payments, adjustments,
 * patient balance summary (ASSUMPTIONS §1, §9; claims digest §4–§5, §15.4–§15.8).
 */
import { badRequest } from '../http/errors.js';
import { bodyObject, paginate, practiceToday, queryBool, queryDate, queryEnum, requireDate } from '../http/helpers.js';
import type { RouteOptions, Router, SandboxRequest } from '../http/types.js';
import { addDays } from '../ledger/dates.js';
import {
  AGING_BUCKETS,
  agingReport,
  patientBalanceReport,
  patientLedger,
  productionReport,
  productionTrending,
  TREND_BUCKETS,
  TREND_METRICS,
  type TrendMetric,
} from '../ledger/engine.js';
import { invalidateLedger } from '../ledger/ledger-index.js';
import { checkRange, queryUuid, queryUuids } from '../ledger/params.js';
import {
  ledgerFlagsOf,
  renderAgingGroups,
  renderAgingSummary,
  renderBalanceSummary,
  renderPatientBalanceRow,
  renderProduction,
  renderTopBalance,
  renderTrending,
  requestIndex,
  serializeAdjustment,
  serializeAdjustmentWrite,
  serializePayment,
  serializePaymentWrite,
} from '../ledger/render.js';
import { adjustmentFromBody, PAY_METHODS, paymentFromBody, requirePatient } from '../ledger/writes.js';
import type { Cents, PracticeData } from '../model.js';
import type { SandboxStore } from '../store.js';

const P = '/api/v1/practice/{practice_uid}';
const REPORTS: RouteOptions = { practiceScoped: true, practiceStaffOnly: true, scopes: ['reports:read'] };
// No scope is documented for payment/adjustment writes; `billing:write` by analogy (ASSUMPTIONS §9).
const WRITE: RouteOptions = { practiceScoped: true, practiceStaffOnly: true, scopes: ['billing:write'], write: true };
const PAGE = { defaultPageSize: 20, maxPageSize: 100 };

/** patient-balance `min_balance` is a `number <double>` (L4640), unlike every other money input (T1). */
function queryMinBalance(req: SandboxRequest): Cents {
  const raw = req.query.get('min_balance');
  if (raw === null || raw.trim() === '') return 1;
  const value = Number(raw.trim());
  if (!Number.isFinite(value) || !/^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(raw.trim())) {
    throw badRequest({ min_balance: ['Enter a number.'] });
  }
  // Whole cents, half-up: 0.005 keeps a balance of one cent.
  return Math.sign(value) * Math.round(Math.abs(value) * 100);
}

function queryMetrics(req: SandboxRequest): TrendMetric[] | undefined {
  const raw = req.query.get('metric');
  if (raw === null || raw.trim() === '') return undefined;
  const metrics = raw
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m !== '');
  const bad = metrics.filter((m) => !(TREND_METRICS as readonly string[]).includes(m));
  if (bad.length > 0 || metrics.length === 0) {
    throw badRequest({ metric: [`Invalid metric: ${bad.join(', ')}. Valid values: ${TREND_METRICS.join(', ')}.`] });
  }
  return metrics as TrendMetric[];
}

function inRange(date: string, from: string | undefined, to: string | undefined): boolean {
  return (!from || date >= from) && (!to || date <= to);
}

/** The aging report's body (L4547); the aging jobs (routes/aging-jobs.ts) answer the same. */
export function agingBody(store: SandboxStore, req: SandboxRequest, asOf: string, includeArchived: boolean) {
  const report = agingReport(requestIndex(store, req), { asOf, includeArchived }, ledgerFlagsOf(store));
  return {
    summary: renderAgingSummary(report.summary),
    top_balances: report.topBalances.map(renderTopBalance),
    by_provider: renderAgingGroups(report.byProvider, 'provider'),
    by_insurance: renderAgingGroups(report.byInsurance, 'insurance'),
  };
}

export function registerBillingRoutes(router: Router, store: SandboxStore): void {
  router.get(`${P}/billing/reports/production/`, REPORTS, (req) => {
    // The table marks both dates required, the prose gives defaults (C-T7): the prose wins.
    const today = practiceToday(req);
    const to = queryDate(req, 'date_to') ?? today;
    const from = queryDate(req, 'date_from') ?? addDays(today, -30);
    checkRange(from, to, 'date_to', 'date_from');
    const report = productionReport(
      requestIndex(store, req),
      { from, to, providers: queryUuids(req, 'provider') },
      ledgerFlagsOf(store),
    );
    return { status: 200, body: renderProduction(report) };
  });

  router.get(`${P}/billing/reports/production/trending/`, REPORTS, (req) => {
    const from = requireDate(req, 'from');
    const to = requireDate(req, 'to');
    checkRange(from, to, 'to', 'from');
    const report = productionTrending(
      requestIndex(store, req),
      {
        from,
        to,
        bucket: queryEnum(req, 'bucket', TREND_BUCKETS),
        metrics: queryMetrics(req),
        providers: queryUuids(req, 'provider'),
      },
      ledgerFlagsOf(store),
    );
    return { status: 200, body: renderTrending(report) };
  });

  router.get(`${P}/billing/reports/aging/`, REPORTS, (req) => ({
    status: 200,
    body: agingBody(
      store,
      req,
      queryDate(req, 'as_of_date') ?? practiceToday(req),
      queryBool(req, 'include_archived') ?? false,
    ),
  }));

  router.get(`${P}/billing/reports/patient-balance/`, REPORTS, (req) => {
    const ix = requestIndex(store, req);
    const { rows, summary } = patientBalanceReport(
      ix,
      {
        asOf: queryDate(req, 'as_of') ?? practiceToday(req),
        status: queryEnum(req, 'status', ['active', 'inactive', 'any'] as const) ?? 'active',
        minBalanceCents: queryMinBalance(req),
        provider: queryUuid(req, 'provider'),
        carrier: queryUuid(req, 'carrier'),
        bucket: queryEnum(req, 'bucket', AGING_BUCKETS),
      },
      ledgerFlagsOf(store),
    );
    // DRF envelope plus a `summary` over every filtered row, before pagination (§15.6).
    return paginate(req, rows, {
      ...PAGE,
      serialize: (r) => renderPatientBalanceRow(ix, r),
      extra: { summary: renderAgingSummary(summary) },
    });
  });

  router.get(`${P}/billing/payment/`, REPORTS, (req) => {
    const ix = requestIndex(store, req);
    const from = queryDate(req, 'date_from');
    const to = queryDate(req, 'date_to');
    const patient = queryUuid(req, 'patient');
    const providers = new Set(queryUuids(req, 'provider'));
    const methods = req.query.getAll('method').filter((m) => m !== '');
    for (const m of methods) {
      if (!(PAY_METHODS as readonly string[]).includes(m)) {
        throw badRequest({ method: [`Select a valid choice. ${m} is not one of the available choices.`] });
      }
    }
    const rows = ix.data.payments
      .filter((p) => inRange(p.payDate, from, to))
      .filter((p) => !patient || p.patientId === patient)
      .filter((p) => providers.size === 0 || (p.providerId !== null && providers.has(p.providerId)))
      .filter((p) => methods.length === 0 || methods.includes(p.payMethod))
      .sort((a, b) =>
        a.payDate < b.payDate ? 1 : a.payDate > b.payDate ? -1 : b.createdMs - a.createdMs || b.pk - a.pk,
      );
    return paginate(req, rows, { ...PAGE, serialize: (p) => serializePayment(store, ix, p) });
  });

  router.post(`${P}/billing/payment/`, WRITE, (req) => {
    const data = req.practiceData as PracticeData;
    const ix = requestIndex(store, req);
    const body = bodyObject(req);
    const payment = paymentFromBody(store, ix, body, practiceToday(req), req.nowMs);
    data.payments.push(payment);
    invalidateLedger(data);
    return { status: 201, body: serializePaymentWrite(payment, body.custom_data) };
  });

  router.get(`${P}/billing/adjustment/`, REPORTS, (req) => {
    const data = req.practiceData as PracticeData;
    const from = queryDate(req, 'date_from');
    const to = queryDate(req, 'date_to');
    const patient = queryUuid(req, 'patient');
    const providers = new Set(queryUuids(req, 'provider'));
    const types = req.query
      .getAll('adj_type')
      .filter((t) => t !== '')
      .map((t) => t.toLowerCase());
    const rows = data.adjustments
      .filter((a) => inRange(a.adjDate, from, to))
      .filter((a) => !patient || a.patientId === patient)
      .filter((a) => providers.size === 0 || (a.providerId !== null && providers.has(a.providerId)))
      .filter((a) => types.length === 0 || types.includes(a.adjType.toLowerCase()))
      .sort((a, b) =>
        a.adjDate < b.adjDate ? 1 : a.adjDate > b.adjDate ? -1 : b.createdMs - a.createdMs || b.pk - a.pk,
      );
    return paginate(req, rows, { ...PAGE, serialize: serializeAdjustment });
  });

  router.post(`${P}/billing/adjustment/`, WRITE, (req) => {
    const data = req.practiceData as PracticeData;
    const ix = requestIndex(store, req);
    const body = bodyObject(req);
    const adjustment = adjustmentFromBody(store, ix, body, practiceToday(req), req.nowMs);
    data.adjustments.push(adjustment);
    invalidateLedger(data);
    return { status: 201, body: serializeAdjustmentWrite(adjustment, body.custom_data) };
  });

  router.get(`${P}/patient/{patient_id}/billing/balance/summary/`, REPORTS, (req) => {
    const ix = requestIndex(store, req);
    const patient = requirePatient(ix, req.params.patient_id);
    // "computed balance from actual ledger data (not stored snapshot)" (L4839), as of today.
    const ledger = patientLedger(ix, patient.id, practiceToday(req), ledgerFlagsOf(store));
    return { status: 200, body: renderBalanceSummary(ledger) };
  });
}
