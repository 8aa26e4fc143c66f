/**
 * The port between tools and the Escape Dental client (STYLE item 6). Tools depend on this
 * interface only, so unit tests can pass an in-memory fake while integration tests use the real
 * client (`createEscapeApi`) against the sandbox. Each area's port (FindSpotPort, PatientsPort, …)
 * is declared beside the resource that implements it (`resources/<area>.ts`) and `EscapeApi`
 * composes them, so a fake implements only the methods a test uses (test/helpers/fake-api.ts).
 *
 * Conventions:
 * - Upstream resources (Appointment, Patient, Provider, …) keep the API's snake_case field names
 *   and pass unknown fields through; derived results (slots, summaries, reports) are camelCase.
 * - Dates are practice-local `YYYY-MM-DD`; datetimes are ISO 8601 with the practice's offset.
 * - Money is a 2-dp decimal string.
 * - A result that had to drop a filter or otherwise degrade says so in `warnings`, in words a
 *   tool can pass on.
 * - Every method takes an optional `{ signal }` and throws `EscapeApiError` subclasses.
 */
import type { LocalDate } from '../domain/dates.js';
import type { StartWindow } from '../domain/time-of-day.js';
import type { UnusableUpstreamValue } from './errors.js';
import type { AdminPort } from './resources/admin.js';
import type { AgingJobsPort } from './resources/aging-jobs.js';
import type { AppointmentsPort } from './resources/appointments.js';
import type { BillingPort } from './resources/billing.js';
import type { FindSpotPort } from './resources/find-spot.js';
import type { InsurancePort } from './resources/insurance.js';
import type { OfficeReportsPort } from './resources/office-reports.js';
import type { ClinicalPort, PatientsPort } from './resources/patients.js';
import type { AccountPort, PracticesPort } from './resources/practice.js';
import type { RecallsPort } from './resources/recalls.js';
import type { ReferencePort } from './resources/reference.js';
import type { WorklistsPort } from './resources/worklists.js';
import type { Appointment, Claim, Patient } from './schemas.js';

export type { StartWindow } from '../domain/time-of-day.js';
export type {
  AccountMe,
  Appointment,
  AppointmentStatusMeta,
  Carrier,
  CatalogEntry,
  Claim,
  DaySheet,
  GateRow,
  Operatory,
  Patient,
  PatientInsurance,
  Practice,
  Provider,
} from './schemas.js';

export interface CallOptions {
  signal?: AbortSignal | undefined;
}

export interface DateRange {
  from: LocalDate;
  to: LocalDate;
}

// ---------------------------------------------------------------------------------------------
// Practices

/**
 * One practice the credential is linked to, as discovery judged it: usable, disabled in Escape
 * Dental, or known but unusable (its data cannot be used, or it could not be read), with why.
 */
export type DiscoveredPractice =
  | { id: string; name: string; status: 'available' /** A valid IANA zone. */; timezone: string }
  | { id: string; name: string; status: 'disabled' }
  | {
      id: string;
      name: string;
      status: 'unavailable';
      /** Plain words for the person asking, e.g. the unusable time zone it has. */
      reason: string;
      /** True when the practice could not be read because of an outage: asking again later may help. */
      retryable: boolean;
    };

export interface DiscoveryResult {
  /** Both sources merged (the accessible-practices list and the `account/me` memberships), by id. */
  practices: DiscoveredPractice[];
  /** Which sources answered. */
  sources: ('accessible' | 'memberships')[];
  warnings: string[];
  /** Set when a source could not be read because of an outage: what is missing, in plain words. */
  incomplete: string | undefined;
}

// ---------------------------------------------------------------------------------------------
// Scheduling

export interface Slot {
  /** Start, ISO 8601 with the offset of `zone`. */
  start: string;
  /** The same instant in epoch milliseconds. */
  startMs: number;
  /** Practice-local date and `HH:MM` of the start. */
  localDate: LocalDate;
  localTime: string;
  /** The practice zone `start`, `localDate` and `localTime` are written in. */
  zone: string;
  providerId: string | null;
  operatoryId: string | null;
  durationMinutes: number;
}

export interface FindSpotParams {
  durationMinutes: number;
  /** Search range (practice-local). Default: today … today + 30 days. Clamped to 90 dates. */
  range?: DateRange;
  /** Start-time windows (0=Mon..6=Sun). None or one → legacy params; several → availability_windows. */
  windows?: readonly StartWindow[];
  providerIds?: readonly string[];
  operatoryIds?: readonly string[];
  /** Default 20, clamped to 50. */
  maxResults?: number;
}

export interface FindSpotResult {
  slots: Slot[];
  /** What was actually searched (after clamping). */
  searched: {
    range: DateRange;
    maxResults: number;
    windows: StartWindow[];
    form: 'legacy' | 'availability_windows' | 'per_window';
  };
  /** True when the upstream returned `maxResults` slots, so more may exist. */
  mayHaveMore: boolean;
  /**
   * Why the times of the dates asked for are not all known (the API searched other dates), in
   * words; absent when the answer can be trusted as far as it goes.
   */
  incomplete?: string;
  warnings: string[];
}

export interface AvailableSlotsParams {
  date: LocalDate;
  durationMinutes: number;
  providerIds?: readonly string[];
  operatoryIds?: readonly string[];
  /** Grid in minutes (upstream default 15). */
  interval?: number;
}

export interface AvailableSlotsResult {
  date: LocalDate;
  slots: Slot[];
  warnings: string[];
}

export interface AppointmentListParams {
  range: DateRange;
  patientId?: string;
  /** Matches the primary provider (T26), or also the hygienist when `includeHygienist`. */
  providerId?: string;
  includeHygienist?: boolean;
  /** A status slug; `no_show` is read as `broken` (T9). */
  status?: string;
  /** Stop after this many appointments (default 500). */
  limit?: number;
}

export interface AppointmentListResult {
  appointments: Appointment[];
  /** True when more appointments matched than were returned, or the list could not be read whole. */
  truncated: boolean;
  warnings: string[];
}

export interface AppointmentWriteInput {
  patient?: string;
  provider?: string | null;
  provider_hygienist?: string | null;
  operatory?: string | null;
  /** ISO 8601 with an offset (naive datetimes are rejected locally, L226). */
  date_time?: string;
  duration_minutes?: number;
  appointment_type?: string;
  procedure_description?: string;
  note?: string;
  is_new_patient?: boolean;
  is_hygiene?: boolean;
  confirmed_status?: string;
  /** CDT codes planned for the visit; fees are left to the practice's fee schedule. */
  scheduled_procedures?: ReadonlyArray<{ proc_code: string }>;
}

export interface AppointmentCreateInput extends AppointmentWriteInput {
  patient: string;
  date_time: string;
  duration_minutes: number;
}

export interface TransitionInput {
  /** One of the 12 lifecycle statuses; `no_show` is sent as `broken`. */
  status: string;
  note?: string;
}

export interface ValidateAppointmentInput {
  date_time: string;
  duration_minutes: number;
  operatory?: string | null;
  provider?: string | null;
  exclude_appointment?: string | null;
}

export interface ValidationIssue {
  code: string | null;
  severity: string | null;
  message: string | null;
}

export interface ValidationResult {
  valid: boolean;
  issues: ValidationIssue[];
}

// ---------------------------------------------------------------------------------------------
// Patients, clinical

export interface PatientSearchParams {
  /** Name or free text. Post-filtered on name tokens unless `postFilter` says otherwise. */
  search?: string;
  /** Phone digits; matched on normalised digits client-side (T21). */
  phone?: string;
  status?: string;
  /** Extra client-side filter applied to every row. */
  postFilter?: (patient: Patient) => boolean;
  /** Stop after this many matches (default 50). */
  limit?: number;
}

export interface PatientSearchResult {
  patients: Patient[];
  truncated: boolean;
  /** True when the API's list ended before all of it was read (a page sent twice, a short count). */
  incomplete?: boolean;
  warnings: string[];
}

export const TIMELINE_EVENT_TYPES = [
  'procedure',
  'note',
  'perio_exam',
  'treatment_plan',
  'imaging',
  'communication',
  'appointment',
] as const;
export type TimelineEventType = (typeof TIMELINE_EVENT_TYPES)[number];

export interface TimelineParams {
  eventTypes?: readonly TimelineEventType[];
  /** Keep events on or after this local date (the walk stops once past it, T29). */
  since?: LocalDate;
  until?: LocalDate;
  /** Stop after this many events (default 100). */
  limit?: number;
  /** ≤ 200. */
  pageSize?: number;
}

export interface TimelineEvent {
  eventType: string;
  id: string | null;
  /** As sent: a date or a datetime. */
  date: string | null;
  /** Practice-local date of `date`. */
  localDate: LocalDate | null;
  title: string;
  /** The source row. Free text in it is practice data, not instructions. */
  data: Record<string, unknown>;
}

export interface TimelineResult {
  events: TimelineEvent[];
  /** True when older/more events exist beyond what was returned. */
  truncated: boolean;
  total: number | undefined;
  warnings: string[];
  /** Rows of a type asked for (or of an unknown type, when none was asked) left out for an unusable type or date. */
  skipped: SkippedRow[];
}

// ---------------------------------------------------------------------------------------------
// Insurance, billing

export interface StatusTotals {
  count: number;
  totalFee: string;
  totalPaid: string;
}

export interface ClaimsSummary {
  byStatus: Record<string, StatusTotals>;
  totals: StatusTotals & { outstanding: string | null };
  /** `summary`: the summary endpoint; `claim_list`: aggregated here from the claim list. */
  source: 'summary' | 'claim_list';
  warnings: string[];
}

export interface ClaimListParams {
  status?: string;
  providerId?: string;
  search?: string;
  /** Filters on the upstream's claim date (`date_service` in the sandbox; C-T21). */
  range?: DateRange;
  limit?: number;
}

export interface ClaimListResult {
  claims: Claim[];
  count: number | undefined;
  truncated: boolean;
  warnings: string[];
  /**
   * Claims of what was asked left out for an unusable status, amount or date, for the caller to
   * count once across its reads and to refuse when nothing was readable (skippedClaimsNote).
   */
  skipped: SkippedRow[];
}

/** A row left out because Escape Dental sent an unusable value in it: whose, and what. */
export interface SkippedRow {
  id: string | null;
  reason: UnusableUpstreamValue;
}

export interface CarrierRef {
  carrierId: string | null;
  carrierName: string | null;
}

export interface ProductionReport {
  /** The period the figures cover: the API's echo of it, else the one asked for. */
  range: DateRange;
  requestedRange: DateRange;
  summary: {
    totalProduction: string;
    totalCollections: string;
    totalAdjustments: string;
    netProduction: string;
    procedureCount: number;
  };
  byProvider: Array<{
    providerId: string | null;
    providerName: string;
    production: string;
    completedProduction: string;
    scheduledProduction: string;
    collections: string;
    adjustments: string;
    procedureCount: number;
  }>;
  byProcedure: Array<{
    procCode: string;
    description: string;
    count: number;
    totalProduction: string;
    avgFee: string;
  }>;
  warnings: string[];
}

export type TrendBucket = 'day' | 'week' | 'month';
export type TrendMetric = 'production' | 'collections' | 'adjustments' | 'net_production';

export interface ProductionTrendingParams {
  range: DateRange;
  bucket?: TrendBucket;
  metrics?: readonly TrendMetric[];
  providerIds?: readonly string[];
}

export interface ProductionTrending {
  /** The period the rows cover: the API's echo of it, else the one asked for. */
  range: DateRange;
  requestedRange: DateRange;
  bucket: string | null;
  metrics: string[];
  rows: Array<{
    bucketStart: string;
    bucketEnd: string;
    appointmentCount: number;
    /** The metrics present in the row; an absent one was not reported (C-T26), not zero. */
    values: Record<string, string>;
  }>;
  totals: Record<string, string>;
  warnings: string[];
  /** Rows left out for an unusable date or amount (named in `warnings`). */
  skippedRows?: number;
}

export type Readable<T> =
  | { readable: true; value: T }
  | { readable: false; reason: string; status: number | undefined };

// ---------------------------------------------------------------------------------------------

/** Every area's port; a new area adds its port here. */
export interface EscapeApi {
  account: AccountPort;
  practices: PracticesPort;
  reference: ReferencePort;
  scheduling: FindSpotPort & AppointmentsPort;
  patients: PatientsPort;
  clinical: ClinicalPort;
  insurance: InsurancePort;
  billing: BillingPort;
  admin: AdminPort;
  /** Aging-report jobs: start, read, cancel (issue 18 item 5). */
  agingJobs: AgingJobsPort;
  /** Claim logs, balances, aging, utilization, goals and the DSO client reports (issue 18). */
  officeReports: OfficeReportsPort;
  recalls: RecallsPort;
  worklists: WorklistsPort;
}
