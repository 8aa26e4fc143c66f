/**
 * The contract between the sandbox's HTTP core (router, auth, pagination, errors) and the route
 * modules that implement each area of the Escape Dental API. Route modules import only these
 * types plus the helpers the core exports; they never touch `node:http` directly.
 */
import type { OAuthToken, PracticeData, User, Uuid } from '../model.js';

/** Switches that select another plausible reading of the spec (see ../ASSUMPTIONS.md). */
export interface Quirks {
  idFilters: 'uuid' | 'int-strict' | 'ignore-invalid';
  appointmentEnvelope: 'flat' | 'nested';
  slotShape: 'default' | 'array' | 'per-chair' | 'by-day' | 'by-date' | 'unknown';
  datetimes: 'local-offset' | 'utc';
  templateTimes: 'plain' | 'z-suffix';
  findSpotLimits: 'reject' | 'clamp';
  inactiveReads: 'forbid' | 'allow';
  scopeChecks: 'inferred' | 'spec-only';
  claimsSummaryShape: 'by-status' | 'list' | 'status-list' | 'status-keys' | 'array' | 'unknown';
  timelineShape: 'envelope' | 'flat' | 'object' | 'unknown';
  /** `some-rows`: only the `claim_fee` of appealed claims and the date of clinical notes read "string" (not part of `all`). */
  placeholders: 'none' | 'money' | 'dates' | 'labels' | 'timezone' | 'all' | 'some-rows';
  /** `page-ignored`: every page is the first one; `next-loop`: `next` is the URL just requested. */
  pagination: 'drf' | 'page-ignored' | 'next-loop';
  /** `proxy`: `next`/`previous` on an internal host name; `foreign`: on another host and path. */
  nextLinks: 'request-host' | 'proxy' | 'foreign';
  /** `inflated`: `count` says more rows than the list has. */
  listCount: 'exact' | 'inflated';
  /** `ignored`: optional date parameters are ignored (the endpoint's default period answers). */
  dateParams: 'applied' | 'ignored';
  /** `ignored`: list filters (provider, operatory, patient, status, search, phone, event_type) are ignored. */
  listFilters: 'applied' | 'ignored';
  /** `other-appointment`: writes answered (and read back) as another appointment; `other-status`: a transition answered unchanged and not applied. */
  writeAnswers: 'faithful' | 'other-appointment' | 'other-status';
  /** `web-sched`: the operatory list holds only web-scheduling chairs; `empty`: none. */
  operatoryRoster: 'complete' | 'web-sched' | 'empty';
  /** `with-disabled`: the accessible list also names disabled practices; `absent`: its path is not served. */
  accessibleList: 'active-only' | 'with-disabled' | 'absent';
  /** `one-placeholder`: New York's `timezone` is the samples' literal "string". */
  practiceZones: 'iana' | 'one-placeholder';
  /** `null`: planned appointments (not on the schedule) answer `date_time: null` instead of the day they were planned. */
  plannedAppointmentDates: 'planned-on' | 'null';
  /** The invented aging-job protocol: done on the third poll, at once, never, or failed (ASSUMPTIONS §16). */
  agingJobs: 'steps' | 'instant' | 'stuck' | 'failed';
  /** `on`: every free-text field and name served carries instruction-like text (http/planted.ts). */
  plantedText: 'off' | 'on';
}

export type Credential =
  | { kind: 'jwt'; user: User; tokenId: string }
  | { kind: 'oauth'; user: User; token: OAuthToken };

export interface SandboxRequest {
  method: string;
  /** Path without the query string, e.g. `/api/v1/practice/<uuid>/scheduling/find-spot/`. */
  path: string;
  /** Named path parameters, e.g. `{ practice_uid, patient_id }`. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body (undefined for GET). */
  body: unknown;
  /** The authenticated caller (undefined only on routes declared `auth: 'none'`). */
  credential: Credential | undefined;
  /** The practice named by `practice_uid`, after tenancy and is_active checks. */
  practiceData: PracticeData | undefined;
  /** The sandbox clock (pinned or real), epoch ms. */
  nowMs: number;
  /** `http://127.0.0.1:<port>` as the caller addressed it; used for absolute `next` URLs. */
  baseUrl: string;
  quirks: Quirks;
  /** Request headers, lower-cased names (cookies for the token endpoints). */
  headers?: Record<string, string | undefined>;
}

export interface SandboxResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (req: SandboxRequest) => SandboxResponse | Promise<SandboxResponse>;

export interface RouteOptions {
  /** 'none' for token endpoints; default 'required'. */
  auth?: 'none' | 'required';
  /** OAuth scopes, any of which satisfies the check. JWT callers skip scope checks (L6040). */
  scopes?: string[];
  /**
   * True when the spec itself ties `scopes` to this endpoint (open-close L790, accessible
   * practices L9834, account/me L6039); under `scopeChecks=spec-only` only these are enforced.
   */
  specScope?: boolean;
  /** Route under /practice/{practice_uid}/: membership/grant → else 404; inactive → 403. */
  practiceScoped?: boolean;
  /** Patient users get 403 ("Staff-only — patient users cannot access"). */
  practiceStaffOnly?: boolean;
  /** Escape internal support staff only (is_staff=True): admin, MCP catalog and gates. */
  internalStaffOnly?: boolean;
  /** A write: 403 inactive_practice even when `inactiveReads=allow`. */
  write?: boolean;
}

export interface Router {
  get(path: string, options: RouteOptions, handler: Handler): void;
  post(path: string, options: RouteOptions, handler: Handler): void;
  put(path: string, options: RouteOptions, handler: Handler): void;
  patch(path: string, options: RouteOptions, handler: Handler): void;
  delete(path: string, options: RouteOptions, handler: Handler): void;
}

export type PracticeId = Uuid;
