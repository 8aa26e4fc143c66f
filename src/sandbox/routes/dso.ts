/**
 * DSO: the caller's clients and the client-level reports (ASSUMPTIONS §1, §9; claims digest §6,
 * §15.10). Each practice row is the practice's own report, computed on its own calendar.
 */
import { badRequest, inactivePractice, notFound } from '../http/errors.js';
import { formatCents, formatCentsOrNull, queryDate, renderStamp } from '../http/helpers.js';
import type { Credential, RouteOptions, Router, SandboxRequest } from '../http/types.js';
import { compareText } from '../ledger/claims.js';
import {
  adjustmentsByType,
  arAging,
  overview,
  productionByProvider,
  productionVsCollections,
} from '../ledger/client.js';
import { addDays, dayNumber } from '../ledger/dates.js';
import { divRoundHalfUp, percent } from '../ledger/money.js';
import { checkRange } from '../ledger/params.js';
import { ledgerFlagsOf, ledgerIndexOf, renderAgingSummary } from '../ledger/render.js';
import type { Client, LocalDate, PracticeData, Uuid } from '../model.js';
import type { SandboxStore } from '../store.js';
import { timeZone } from '../time.js';

export const REPORTS: RouteOptions = { practiceStaffOnly: true, scopes: ['reports:read'] };

/** Clients the caller belongs to directly, or through a practice it can address. */
function accessibleClients(store: SandboxStore, credential: Credential): Client[] {
  const ids = new Set<Uuid>();
  for (const cm of credential.user.clientMemberships) if (cm.isActive) ids.add(cm.clientId);
  for (const practiceId of store.accessiblePracticeIds(credential)) {
    const clientId = store.practiceData(practiceId)?.practice.clientId;
    if (clientId) ids.add(clientId);
  }
  return [...ids]
    .map((id) => store.clients.get(id))
    .filter((c): c is Client => c !== undefined)
    .sort((a, b) => a.pk - b.pk);
}

function serializeClient(c: Client) {
  return {
    id: c.id,
    name: c.name,
    logo_url: '',
    accent_color: '#0F766E',
    scheduling_enabled: c.modules.scheduling,
    clinical_enabled: c.modules.clinical,
    imaging_enabled: c.modules.imaging,
    insurance_enabled: c.modules.insurance,
    billing_enabled: c.modules.billing,
    doccenter_enabled: c.modules.doccenter,
    portal_enabled: c.modules.portal,
    sync_enabled: c.modules.sync,
    max_session_hours: c.maxSessionHours,
    is_active: c.isActive,
    created: renderStamp(c.createdMs),
    modified: renderStamp(c.modifiedMs),
    custom_data: null,
    active_banners: '',
  };
}

/**
 * The practices a client report covers: the client's active practices that the caller can
 * address (a client membership reaches them all; OAuth is limited to its grants). A disabled
 * practice is left out of every report and of `practice_count` (ASSUMPTIONS §9).
 */
export function reportPractices(store: SandboxStore, req: SandboxRequest): PracticeData[] {
  const credential = req.credential as Credential;
  const client = accessibleClients(store, credential).find((c) => c.id === req.params.client_uid);
  if (!client) throw notFound();
  if (!client.isActive && store.quirks.inactiveReads === 'forbid') throw inactivePractice();
  const reachable = store.accessiblePracticeIds(credential);
  return store
    .practicesOfClient(client.id)
    .filter((d) => reachable.has(d.practice.id) && store.isPracticeActive(d))
    .sort((a, b) => a.practice.pk - b.practice.pk);
}

function todayIn(data: PracticeData, nowMs: number): LocalDate {
  return timeZone(data.practice.timezone).localDateOf(nowMs);
}

interface Range {
  data: PracticeData;
  from: LocalDate;
  to: LocalDate;
}

/**
 * `end_date` defaults to today and `start_date` to 30 days before end_date (L7768–7769, T7),
 * "today" in each practice's own zone. The echo carries the first practice's resolution.
 */
export function ranges(
  store: SandboxStore,
  req: SandboxRequest,
): { echo: { date_from: LocalDate; date_to: LocalDate }; rows: Range[] } {
  const practices = reportPractices(store, req);
  const start = queryDate(req, 'start_date');
  const end = queryDate(req, 'end_date');
  if (start && end) checkRange(start, end, 'end_date', 'start_date');
  const resolve = (today: LocalDate) => {
    const to = end ?? today;
    const from = start ?? addDays(to, -30);
    if (dayNumber(from) > dayNumber(to)) throw badRequest({ end_date: ['Must be on or after start_date.'] });
    return { from, to };
  };
  const rows = practices.map((data) => ({ data, ...resolve(todayIn(data, req.nowMs)) }));
  const first = rows[0] ?? resolve(timeZone('UTC').localDateOf(req.nowMs));
  return { echo: { date_from: first.from, date_to: first.to }, rows };
}

export function asOfs(
  store: SandboxStore,
  req: SandboxRequest,
): { asOf: LocalDate; rows: { data: PracticeData; asOf: LocalDate }[] } {
  const practices = reportPractices(store, req);
  const explicit = queryDate(req, 'as_of');
  const rows = practices.map((data) => ({ data, asOf: explicit ?? todayIn(data, req.nowMs) }));
  return { asOf: explicit ?? rows[0]?.asOf ?? timeZone('UTC').localDateOf(req.nowMs), rows };
}

function hoursOf(minutes: number): string {
  return formatCents(divRoundHalfUp(minutes * 100, 60));
}

export function registerDsoRoutes(router: Router, store: SandboxStore): void {
  router.get('/api/v1/client/', REPORTS, (req) => {
    const clients = accessibleClients(store, req.credential as Credential);
    return { status: 200, body: clients.map(serializeClient) };
  });

  const R = '/api/v1/clients/{client_uid}/reports';
  const flags = () => ledgerFlagsOf(store);

  router.get(`${R}/production-vs-collections/`, REPORTS, (req) => {
    const { echo, rows } = ranges(store, req);
    const report = productionVsCollections(
      rows.map((r) => ({ ix: ledgerIndexOf(store, r.data), from: r.from, to: r.to })),
      flags(),
    );
    const money = (x: { production: number; collections: number; adjustments: number; netProduction: number }) => ({
      production: formatCents(x.production),
      collections: formatCents(x.collections),
      adjustments: formatCents(x.adjustments),
      net_production: formatCents(x.netProduction),
    });
    return {
      status: 200,
      body: {
        ...echo,
        totals: { ...money(report.totals), collection_pct: report.totals.collectionPct },
        practices: report.practices.map((p) => ({
          practice_id: p.practiceId,
          practice_name: p.practiceName,
          ...money(p),
          collection_pct: p.collectionPct,
        })),
      },
    };
  });

  router.get(`${R}/production-by-provider/`, REPORTS, (req) => {
    const { echo, rows } = ranges(store, req);
    const practices = productionByProvider(
      rows.map((r) => ({ ix: ledgerIndexOf(store, r.data), from: r.from, to: r.to })),
      flags(),
    );
    return {
      status: 200,
      body: {
        ...echo,
        practices: practices.map((p) => ({
          practice_id: p.practiceId,
          practice_name: p.practiceName,
          providers: p.providers.map((row) => ({
            provider_id: row.providerId,
            provider_name: row.providerName,
            production: formatCents(row.production),
            collections: formatCents(row.collections),
            adjustments: formatCents(row.adjustments),
            procedure_count: row.procedureCount,
            hours: hoursOf(row.appointmentMinutes),
            production_per_hour: formatCentsOrNull(row.productionPerHour),
          })),
        })),
      },
    };
  });

  router.get(`${R}/adjustments/`, REPORTS, (req) => {
    const { echo, rows } = ranges(store, req);
    const report = adjustmentsByType(rows.map((r) => ({ ix: ledgerIndexOf(store, r.data), from: r.from, to: r.to })));
    return {
      status: 200,
      body: {
        ...echo,
        grand_total: formatCents(report.grandTotal),
        practices: report.practices.map((p) => ({
          practice_id: p.practiceId,
          practice_name: p.practiceName,
          total_adjustments: formatCents(p.totalAdjustments),
          by_type: p.byType.map((t) => ({ adj_type: t.adjType, amount: formatCents(t.amount), count: t.count })),
        })),
      },
    };
  });

  router.get(`${R}/ar-aging/`, REPORTS, (req) => {
    const { asOf, rows } = asOfs(store, req);
    const report = arAging(
      rows.map((r) => ({ ix: ledgerIndexOf(store, r.data), asOf: r.asOf })),
      flags(),
    );
    return {
      status: 200,
      body: {
        as_of: asOf,
        totals: renderAgingSummary(report.totals),
        practices: report.practices.map((p) => ({
          practice_id: p.practiceId,
          practice_name: p.practiceName,
          ...renderAgingSummary(p),
        })),
      },
    };
  });

  router.get(`${R}/overview/`, REPORTS, (req) => {
    const { asOf, rows } = asOfs(store, req);
    const report = overview(
      rows.map((r) => ({ ix: ledgerIndexOf(store, r.data), asOf: r.asOf })),
      flags(),
    );
    return {
      status: 200,
      body: {
        as_of: asOf,
        totals: {
          today_production: formatCents(report.totals.todayProduction),
          week_production: formatCents(report.totals.weekProduction),
          ar_total: formatCents(report.totals.arTotal),
          no_show_rate_pct: report.totals.noShowRatePct,
          practice_count: report.totals.practiceCount,
        },
        practices: report.practices.map((p) => ({
          practice_id: p.practiceId,
          practice_name: p.practiceName,
          today_production: formatCents(p.todayProduction),
          week_production: formatCents(p.weekProduction),
          ar_total: formatCents(p.arTotal),
          no_show_rate_pct: p.noShowRatePct,
        })),
      },
    };
  });

  router.get(`${R}/payer-mix/`, REPORTS, (req) => {
    const practices = reportPractices(store, req).map((data) => {
      const ix = ledgerIndexOf(store, data);
      const active = data.patients.filter((p) => p.status === 'active');
      const counts = new Map<Uuid | null, number>();
      for (const p of active) {
        const carrier = ix.primaryCarrier.get(p.id) ?? null;
        counts.set(carrier, (counts.get(carrier) ?? 0) + 1);
      }
      const carriers = [...counts.entries()]
        .map(([id, count]) => {
          const pos = id ? ix.carrierPos.get(id) : undefined;
          return {
            carrier_id: id,
            carrier_name:
              id === null ? 'No insurance' : ((pos === undefined ? undefined : data.carriers[pos])?.name ?? ''),
            patient_count: count,
            share_pct: percent(count, active.length, flags().pctOnZero),
          };
        })
        .sort((a, b) => b.patient_count - a.patient_count || compareText(a.carrier_name, b.carrier_name));
      return {
        practice_id: data.practice.id,
        practice_name: data.practice.name,
        patient_total: active.length,
        carriers,
      };
    });
    return { status: 200, body: { practices } };
  });
}
