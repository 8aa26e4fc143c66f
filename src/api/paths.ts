/**
 * The operation → (method, path template) table. The spec's URLs were stripped (T2, C-T22), so
 * paths are derived from operationIds and mirror the sandbox's choices (ASSUMPTIONS §1). Every
 * entry can be overridden from options (config passes a paths file); an operation whose path is
 * unknown fails with EndpointNotConfigured instead of a guess.
 *
 * Templates use `{name}` placeholders; ids are checked by shape by {@link fillPath}. Names follow position,
 * not the spec's drifting parameter names (C-T3: `claim_uid` vs `claim_id`).
 */
import { ArgumentError, EndpointNotConfigured } from './errors.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface OperationSpec {
  method: HttpMethod;
  /** Absolute path template (from the API origin), e.g. `/api/v1/practice/{practice}/provider/`. */
  path: string;
}

const P = '/api/v1/practice/{practice}';

export const DEFAULT_OPERATIONS = {
  'auth.tokenRefresh': { method: 'POST', path: '/api/v1/account/token/refresh/' },
  'account.me': { method: 'GET', path: '/api/v1/account/me/' },
  'practices.accessible': { method: 'GET', path: '/api/v1/practice/accessible/' },
  'practices.available': { method: 'GET', path: '/api/v1/practice/available/' },
  'practices.retrieve': { method: 'GET', path: `${P}/` },
  'providers.list': { method: 'GET', path: `${P}/provider/` },
  'operatories.list': { method: 'GET', path: `${P}/provider/operatory/` },
  'operatories.retrieve': { method: 'GET', path: `${P}/provider/operatory/{operatory}/` },
  'scheduling.appointmentStatuses': { method: 'GET', path: `${P}/scheduling/appointment-status/` },
  'scheduling.findSpot': { method: 'GET', path: `${P}/scheduling/find-spot/` },
  'scheduling.availableSlots': { method: 'GET', path: `${P}/scheduling/available-slots/` },
  'scheduling.appointmentList': { method: 'GET', path: `${P}/scheduling/appointment/` },
  'scheduling.appointmentCreate': { method: 'POST', path: `${P}/scheduling/appointment/` },
  'scheduling.appointmentRetrieve': { method: 'GET', path: `${P}/scheduling/appointment/{appointment}/` },
  'scheduling.appointmentUpdate': { method: 'PATCH', path: `${P}/scheduling/appointment/{appointment}/` },
  'scheduling.appointmentTransition': { method: 'POST', path: `${P}/scheduling/appointment/{appointment}/transition/` },
  'scheduling.validateAppointment': { method: 'POST', path: `${P}/scheduling/validate-appointment/` },
  'scheduling.daySheet': { method: 'GET', path: `${P}/scheduling/day-sheet/` },
  'patients.list': { method: 'GET', path: `${P}/patient/` },
  'patients.retrieve': { method: 'GET', path: `${P}/patient/{patient}/` },
  'clinical.timeline': { method: 'GET', path: `${P}/patient/{patient}/clinical/timeline/` },
  'insurance.claimsSummary': { method: 'GET', path: `${P}/insurance/claims/summary/` },
  'insurance.claimList': { method: 'GET', path: `${P}/insurance/claim/` },
  'insurance.carriers': { method: 'GET', path: `${P}/insurance/carrier/` },
  'insurance.patientInsurance': { method: 'GET', path: `${P}/insurance/patient-insurance/` },
  'billing.production': { method: 'GET', path: `${P}/billing/reports/production/` },
  'billing.productionTrending': { method: 'GET', path: `${P}/billing/reports/production/trending/` },
  // Aging jobs: the kick-off is L4587; reading and cancelling a job are the sandbox's reading (ASSUMPTIONS §16).
  'billing.agingJobStart': { method: 'POST', path: `${P}/billing/reports/aging/jobs/` },
  'billing.agingJob': { method: 'GET', path: `${P}/billing/reports/aging/jobs/{job}/` },
  'billing.agingJobCancel': { method: 'DELETE', path: `${P}/billing/reports/aging/jobs/{job}/` },
  'admin.mcpCatalog': { method: 'GET', path: '/api/v1/admin/mcp/catalog/' },
  'admin.mcpGates': { method: 'GET', path: '/api/v1/admin/practice/{practice}/mcp-gates/' },
  'insurance.claimLog': { method: 'GET', path: `${P}/patient/{patient}/insurance/claim/{claim}/log/` },
  'billing.patientBalance': { method: 'GET', path: `${P}/billing/reports/patient-balance/` },
  'billing.aging': { method: 'GET', path: `${P}/billing/reports/aging/` },
  'scheduling.providerUtilization': { method: 'GET', path: `${P}/scheduling/reports/provider-utilization/` },
  'clients.list': { method: 'GET', path: '/api/v1/client/' },
  'clients.overview': { method: 'GET', path: '/api/v1/clients/{client}/reports/overview/' },
  'clients.productionVsCollections': {
    method: 'GET',
    path: '/api/v1/clients/{client}/reports/production-vs-collections/',
  },
  'clients.productionByProvider': { method: 'GET', path: '/api/v1/clients/{client}/reports/production-by-provider/' },
  'clients.arAging': { method: 'GET', path: '/api/v1/clients/{client}/reports/ar-aging/' },
  'clients.caseAcceptance': { method: 'GET', path: '/api/v1/clients/{client}/reports/case-acceptance/' },
  'clients.hygieneRecare': { method: 'GET', path: '/api/v1/clients/{client}/reports/hygiene-recare/' },
  'recalls.list': { method: 'GET', path: `${P}/scheduling/recall/` },
  'recalls.retrieve': { method: 'GET', path: `${P}/scheduling/recall/{recall}/` },
  'comms.patientCommlogs': { method: 'GET', path: `${P}/patient/{patient}/comms/commlog/` },
  'comms.commlogCreate': { method: 'POST', path: `${P}/comms/commlog/` },
  'comms.commlogRetrieve': { method: 'GET', path: `${P}/patient/{patient}/comms/commlog/{commlog}/` },
  'comms.smsConsents': { method: 'GET', path: `${P}/sms/consents/` },
  'worklists.routeSlip': { method: 'GET', path: `${P}/scheduling/appointment/{appointment}/route-slip/` },
  'worklists.verifications': { method: 'GET', path: `${P}/insurance/verification/` },
  'worklists.cancellations': { method: 'GET', path: `${P}/scheduling/reports/cancellations/` },
} as const satisfies Record<string, OperationSpec>;

export type OperationName = keyof typeof DEFAULT_OPERATIONS;

/** Overrides by operation name; `null` marks an operation as not available on this deployment. */
export type OperationOverrides = Partial<Record<OperationName, Partial<OperationSpec> | string | null>>;

export type OperationTable = Record<OperationName, OperationSpec | null>;

const PLACEHOLDER_RE = /\{([a-z_]+)\}/g;

/** Merges overrides into the default table, validating every template. */
export function buildOperationTable(overrides: OperationOverrides = {}): OperationTable {
  const table = { ...DEFAULT_OPERATIONS } as Record<OperationName, OperationSpec | null>;
  for (const [name, value] of Object.entries(overrides) as Array<[OperationName, OperationOverrides[OperationName]]>) {
    if (!(name in DEFAULT_OPERATIONS)) throw new Error(`Unknown API operation "${name}" in path overrides.`);
    if (value === undefined) continue;
    if (value === null) {
      table[name] = null;
      continue;
    }
    const base = DEFAULT_OPERATIONS[name];
    const spec: OperationSpec =
      typeof value === 'string'
        ? { method: base.method, path: value }
        : { method: value.method ?? base.method, path: value.path ?? base.path };
    validateTemplate(name, spec.path, base.path);
    table[name] = spec;
  }
  return table;
}

function validateTemplate(name: string, path: string, defaultPath: string): void {
  if (!path.startsWith('/') || path.includes('?') || path.includes('#') || path.includes('//')) {
    throw new Error(`The path override for "${name}" must be an absolute path without query: got "${path}".`);
  }
  const wanted = [...defaultPath.matchAll(PLACEHOLDER_RE)].map((m) => m[1]).sort();
  const got = [...path.matchAll(PLACEHOLDER_RE)].map((m) => m[1]).sort();
  if (wanted.join(',') !== got.join(',')) {
    throw new Error(
      `The path override for "${name}" must use the placeholders {${wanted.join('}, {')}}: got "${path}".`,
    );
  }
}

export function resolveOperation(table: OperationTable, name: OperationName): OperationSpec {
  const spec = table[name];
  if (!spec) throw new EndpointNotConfigured(name);
  return spec;
}

/**
 * How a message names an endpoint for a person: method and path template, the practice prefix
 * shortened to "…" (no ids), e.g. `GET …/scheduling/find-spot/`.
 */
export function endpointLabel(operation: OperationName, table?: OperationTable): string {
  const spec = table?.[operation] ?? DEFAULT_OPERATIONS[operation];
  return `${spec.method} ${spec.path.replace('/api/v1/practice/{practice}', '…')}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const WHOLE_NUMBER = /^[0-9]{1,19}$/;

/** An id in the form the API answers with: a UUID in lower case (the same UUID in any case), else as given. */
function canonicalId(value: string): string {
  return UUID.test(value) ? value.toLowerCase() : value;
}

/** Whether two ids name the same record (a UUID in capitals is the same UUID). */
export function sameId(a: string, b: string): boolean {
  return canonicalId(a) === canonicalId(b);
}

/**
 * One id as a path segment. Escape Dental's ids are UUIDs (a few are whole numbers): anything
 * else is refused here, before any request, rather than percent-encoded and sent, so no text a
 * caller passes as an id can reach an upstream path. UUIDs go in lower case, as the API writes them.
 */
function encodeSegment(value: string | number): string {
  const text = String(value);
  if (UUID.test(text) || WHOLE_NUMBER.test(text)) return canonicalId(text);
  const shown = [...text].slice(0, 60).join('').replace(/\p{C}/gu, '?');
  throw new ArgumentError(
    `"${shown}" is not an Escape Dental id: ids are UUIDs such as 3f2b8c1e-9d4a-4c6b-8e2f-1a2b3c4d5e6f, or whole numbers. Look the record up by name first.`,
  );
}

/** Fills `{name}` placeholders with ids checked by shape. */
export function fillPath(template: string, params: Record<string, string | number>): string {
  return template.replace(PLACEHOLDER_RE, (_all, key: string) => {
    const value = params[key];
    if (value === undefined) throw new TypeError(`Missing path parameter "${key}".`);
    return encodeSegment(value);
  });
}

/**
 * Tagged template that puts every interpolated id in its own path segment, checked by shape
 * (openai-node's `path` helper): path`/api/v1/practice/${id}/patient/${pid}/`.
 */
export function path(strings: TemplateStringsArray, ...values: Array<string | number>): string {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += encodeSegment(value) + (strings[i + 1] ?? '');
  });
  return out;
}

/** A template with its placeholders replaced by `:name`, safe for metrics and logs (no ids). */
export function templateLabel(template: string): string {
  return template.replace(PLACEHOLDER_RE, ':$1');
}

// ---------------------------------------------------------------------------------------------
// Date-parameter adapters (T6, C-T6): one internal {from, to} of practice-local dates, rendered
// per endpoint under that endpoint's names.

export interface LocalDateRange {
  from: string;
  to: string;
}

export type DateParamStyle = 'date_from/date_to' | 'from/to' | 'start_date/end_date';

/** Which names each date-ranged operation uses (T6, C-T6). */
const DATE_PARAM_STYLES = {
  'scheduling.appointmentList': 'from/to',
  'scheduling.findSpot': 'start_date/end_date',
  'insurance.claimList': 'date_from/date_to',
  'billing.production': 'date_from/date_to',
  'billing.productionTrending': 'from/to',
  'scheduling.providerUtilization': 'from/to',
  'clients.productionVsCollections': 'start_date/end_date',
  'clients.productionByProvider': 'start_date/end_date',
  'clients.caseAcceptance': 'start_date/end_date',
} as const satisfies Partial<Record<OperationName, DateParamStyle>>;

export type DateRangedOperation = keyof typeof DATE_PARAM_STYLES;

/** The date query params of an operation, from one internal range. */
export function dateParamsFor(operation: DateRangedOperation, range: LocalDateRange): Record<string, string> {
  return dateRangeParams(DATE_PARAM_STYLES[operation], range);
}

/** Renders a range in a named style: `{date_from, date_to}`, `{from, to}` or `{start_date, end_date}`. */
export function dateRangeParams(style: DateParamStyle, range: LocalDateRange): Record<string, string> {
  switch (style) {
    case 'date_from/date_to':
      return { date_from: range.from, date_to: range.to };
    case 'from/to':
      return { from: range.from, to: range.to };
    case 'start_date/end_date':
      return { start_date: range.from, end_date: range.to };
  }
}

/** Point-in-time date parameters: the aging report says `as_of_date`, patient balance and DSO reports `as_of`. */
export function asOfParams(style: 'as_of' | 'as_of_date', date: string): Record<string, string> {
  return style === 'as_of' ? { as_of: date } : { as_of_date: date };
}
