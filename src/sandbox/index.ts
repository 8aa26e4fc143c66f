/**
 * The embedded Escape Dental sandbox: `startSandbox()` generates (or reuses) the seeded dataset,
 * starts the HTTP server on loopback and returns its URL, demo credentials, fixture ids and a
 * control client.
 */
import { SandboxControl } from './control.js';
import type { FaultConfig } from './faults.js';
import { issueAccessToken, issueRefreshToken } from './http/auth.js';
import { SandboxRouter } from './http/router.js';
import { SandboxHttpServer } from './http/server.js';
import type { Quirks } from './http/types.js';
import { emptyPracticeRows, type Practice, type PracticeData, type User, type Uuid } from './model.js';
import { registerRoutes } from './routes/index.js';
import { generateDataset, getDataset, type SandboxFixtures } from './seed/generate.js';
import { DEMO_PASSWORDS } from './seed/org.js';
import { SandboxClock, SandboxStore } from './store.js';

export type { SandboxClockState, SandboxCounters } from './control.js';
export { SandboxControl } from './control.js';
export type { FaultConfig, FaultRule } from './faults.js';
export type { RequestLogEntry } from './http/server.js';
export type { Quirks } from './http/types.js';
export type { PracticeFixture, SandboxFixtures } from './seed/generate.js';
export type { KpiFixtures, KpiPracticeFixture } from './seed/kpi.js';
export type { Opening, WorklistFixtures } from './seed/worklists.js';
export { DEFAULT_QUIRKS } from './store.js';

export interface StartSandboxOptions {
  /** 0 (default) = an ephemeral port. */
  port?: number;
  /** PRNG seed; the same seed and clock give byte-identical responses. Default 1. */
  seed?: number | string;
  /** 'large' = 10k+ patients and 200k+ appointments in the Los Angeles practice (benchmarks). */
  scale?: 'default' | 'large';
  /** Pins the clock (the data is laid out around this instant). Default: the real clock. */
  now?: Date | string | number;
  quirks?: Partial<Quirks>;
  faults?: FaultConfig;
  /** Generate the dataset afresh instead of reusing this process's memoised copy. */
  fresh?: boolean;
  /** DRF-style throttle per token (429 + Retry-After). Default: off. */
  rateLimitPerMinute?: number;
  /**
   * Lakeshore Family Dental (Chicago) active, so the DSO client has three active practices (the
   * roll-up of issue 18). Default false: it stays disabled, as the tenancy tests expect.
   */
  activeThirdPractice?: boolean;
  /**
   * Names of further practices of the same client, each with no rows beyond the practice itself,
   * reachable by the service user and its OAuth token: a credential that reaches hundreds of
   * practices (a large DSO) without generating hundreds of datasets. Default: none.
   */
  extraPractices?: readonly string[];
  auth?: {
    /** Access-token lifetime, default 300 s. */
    accessTtlSeconds?: number;
    /** Refresh-token lifetime, default 86 400 s. */
    refreshTtlSeconds?: number;
    /** Absolute refresh-chain cap; default: the client's max_session_hours (12). */
    chainCapHours?: number;
  };
}

export interface SandboxUserCredential {
  userId: Uuid;
  email: string;
  password: string;
  /** SimpleJWT tokens minted at start (the access token lives `accessTtlSeconds`). */
  access: string;
  refresh: string;
}

export interface SandboxOAuthCredential {
  token: string;
  label: string;
  userId: Uuid;
  scopes: string[];
  practiceIds: Uuid[];
}

export interface SandboxCredentials {
  /** Internal-staff user who is also a member of all three practices: the MCP server's credential. */
  service: SandboxUserCredential & { oauthToken: string };
  /** Practice ADMIN on all three practices (client OWNER); not internal staff. */
  admin: SandboxUserCredential;
  /** FRONT_DESK on Los Angeles only; not internal staff (403 on /admin/). */
  frontDesk: SandboxUserCredential;
  /** Escape internal support staff with no practice membership. */
  support: SandboxUserCredential;
  /** A patient user (is_patient); staff endpoints answer 403. */
  patient: SandboxUserCredential;
  oauth: {
    service: SandboxOAuthCredential;
    readerLa: SandboxOAuthCredential;
    noSchedulingLa: SandboxOAuthCredential;
    reportsAll: SandboxOAuthCredential;
    frontDeskLa: SandboxOAuthCredential;
  };
}

export interface RunningSandbox {
  url: string;
  credentials: SandboxCredentials;
  fixtures: SandboxFixtures;
  control: SandboxControl;
  /** In-process access for tests that need it (prefer HTTP). */
  store: SandboxStore;
  close(): Promise<void>;
}

function toMs(now: Date | string | number): number {
  if (now instanceof Date) return now.getTime();
  if (typeof now === 'number') return now;
  const ms = Date.parse(now);
  if (Number.isNaN(ms)) throw new Error(`startSandbox: bad "now": ${now}`);
  return ms;
}

export async function startSandbox(options: StartSandboxOptions = {}): Promise<RunningSandbox> {
  const pinned = options.now !== undefined;
  const nowMs = pinned ? toMs(options.now as Date | string | number) : Date.now();
  const seed = options.seed ?? 1;
  const scale = options.scale ?? 'default';
  const dataset = options.fresh ? generateDataset({ seed, scale, nowMs }) : getDataset({ seed, scale, nowMs, pinned });
  const clock = new SandboxClock(pinned ? nowMs : undefined);
  const store = new SandboxStore(dataset, {
    clock,
    quirks: options.quirks ?? {},
    auth: {
      ...(options.auth?.accessTtlSeconds !== undefined ? { accessTtlSeconds: options.auth.accessTtlSeconds } : {}),
      ...(options.auth?.refreshTtlSeconds !== undefined ? { refreshTtlSeconds: options.auth.refreshTtlSeconds } : {}),
      ...(options.auth?.chainCapHours !== undefined ? { chainCapHours: options.auth.chainCapHours } : {}),
    },
  });
  if (options.activeThirdPractice) {
    const third = store.mutablePracticeData((dataset.fixtures as SandboxFixtures).practices.chicago.id);
    if (third) third.practice.isActive = true;
  }
  if (options.extraPractices) addMinimalPractices(store, dataset.fixtures as SandboxFixtures, options.extraPractices);
  const router = new SandboxRouter(store);
  router.rateLimitPerMinute = options.rateLimitPerMinute ?? null;
  registerRoutes(router, store);

  const fixtures = dataset.fixtures as SandboxFixtures;
  const credentials = buildCredentials(store, fixtures);
  const server = new SandboxHttpServer(store, router, { credentials: () => credentials });
  if (options.faults) server.faults.set(options.faults);
  const url = await server.listen(options.port ?? 0);
  return {
    url,
    credentials,
    fixtures,
    control: new SandboxControl(url),
    store,
    close: () => server.close(),
  };
}

function addMinimalPractices(store: SandboxStore, fixtures: SandboxFixtures, names: readonly string[]): void {
  const template = store.practiceData(fixtures.practices.la.id)?.practice as Practice;
  const service = store.users.get(fixtures.users.service) as User;
  const serviceTokens = [...store.oauthTokens.values()].filter((t) => t.userId === service.id);
  for (const name of names) {
    const practice: Practice = { ...template, id: store.newId(), pk: store.nextPk(), name };
    const data: PracticeData = { practice, ...emptyPracticeRows() };
    store.practices.set(practice.id, data);
    service.memberships.push({ practiceId: practice.id, role: 'OFFICE_MANAGER', isActive: true });
    for (const token of serviceTokens) token.grantedPracticeIds.push(practice.id);
  }
}

function buildCredentials(store: SandboxStore, fixtures: SandboxFixtures): SandboxCredentials {
  const user = (id: Uuid, password: string): SandboxUserCredential => {
    const u = store.users.get(id) as User;
    return {
      userId: u.id,
      email: u.email,
      password,
      refresh: issueRefreshToken(store, u),
      access: issueAccessToken(store, u),
    };
  };
  const oauth = (label: string): SandboxOAuthCredential => {
    const t = [...store.oauthTokens.values()].find((x) => x.token.startsWith(`oat_${label}_`));
    if (!t) throw new Error(`missing demo OAuth token ${label}`);
    return {
      token: t.token,
      label: t.label,
      userId: t.userId,
      scopes: [...t.scopes],
      practiceIds: [...t.grantedPracticeIds],
    };
  };
  const service = oauth('svc');
  return {
    service: { ...user(fixtures.users.service, DEMO_PASSWORDS.service), oauthToken: service.token },
    admin: user(fixtures.users.admin, DEMO_PASSWORDS.admin),
    frontDesk: user(fixtures.users.frontDesk, DEMO_PASSWORDS.frontDesk),
    support: user(fixtures.users.support, DEMO_PASSWORDS.support),
    patient: user(fixtures.users.patient, DEMO_PASSWORDS.patient),
    oauth: {
      service,
      readerLa: oauth('rdla'),
      noSchedulingLa: oauth('nsla'),
      reportsAll: oauth('rpt'),
      frontDeskLa: oauth('fdla'),
    },
  };
}
