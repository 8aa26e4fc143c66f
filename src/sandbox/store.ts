/**
 * The sandbox's state: the generated dataset plus everything a running sandbox changes (writes,
 * tokens, quirks, the clock). Generated practice data is shared between sandboxes of the same
 * process (see seed/generate.ts); a practice is deep-copied the first time a write touches it
 * (`mutablePracticeData`), so one sandbox's writes never leak into another's.
 */
import type { Credential, Quirks } from './http/types.js';
import { buildIndex, type PracticeIndex } from './indexes.js';
import type { Client, McpCatalogEntry, OAuthToken, PracticeData, ProcedureCode, User, Uuid } from './model.js';
import { Random } from './seed/random.js';

export const DEFAULT_QUIRKS: Quirks = {
  idFilters: 'uuid',
  appointmentEnvelope: 'flat',
  slotShape: 'default',
  datetimes: 'local-offset',
  templateTimes: 'plain',
  findSpotLimits: 'reject',
  inactiveReads: 'forbid',
  scopeChecks: 'inferred',
  claimsSummaryShape: 'by-status',
  timelineShape: 'envelope',
  placeholders: 'none',
  pagination: 'drf',
  nextLinks: 'request-host',
  listCount: 'exact',
  dateParams: 'applied',
  listFilters: 'applied',
  writeAnswers: 'faithful',
  operatoryRoster: 'complete',
  accessibleList: 'active-only',
  practiceZones: 'iana',
  plannedAppointmentDates: 'planned-on',
  agingJobs: 'steps',
  plantedText: 'off',
};

/** What the generator produces; immutable once built (shared across sandboxes). */
export interface Dataset {
  seed: number | string;
  scale: 'default' | 'large';
  /** The clock reading the data was laid out around. */
  generatedAtMs: number;
  clients: Client[];
  practices: PracticeData[];
  users: User[];
  oauthTokens: OAuthToken[];
  procedureCodes: ProcedureCode[];
  catalog: McpCatalogEntry[];
  /** Notable ids for tests (see SandboxFixtures in seed/generate.ts). */
  fixtures: unknown;
  maxPk: number;
}

const SHARED_INDEXES = new WeakMap<PracticeData, PracticeIndex>();

/** Deep copy of plain JSON-like data (rows hold only primitives, arrays and plain objects); ~5× faster than structuredClone here. */
function deepCopy<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = deepCopy(value[i]);
    return out as T;
  }
  const out: Record<string, unknown> = {};
  for (const key in value) out[key] = deepCopy((value as Record<string, unknown>)[key]);
  return out as T;
}

export class SandboxClock {
  private pinnedMs: number | null;
  private offsetMs = 0;

  constructor(pinnedMs?: number) {
    this.pinnedMs = pinnedMs ?? null;
  }

  nowMs(): number {
    return this.pinnedMs ?? Date.now() + this.offsetMs;
  }

  get pinned(): boolean {
    return this.pinnedMs !== null;
  }

  /** Pins the clock at an instant. */
  set(ms: number): void {
    this.pinnedMs = ms;
  }

  /** Moves the clock (pinned or not) by `ms`. */
  advance(ms: number): void {
    if (this.pinnedMs !== null) this.pinnedMs += ms;
    else this.offsetMs += ms;
  }

  /** Back to the real clock. */
  unpin(): void {
    this.pinnedMs = null;
    this.offsetMs = 0;
  }
}

export interface AuthState {
  /** HS256 secret for the sandbox's SimpleJWT tokens (derived from the seed). */
  jwtSecret: string;
  /** Refresh-token jtis that were rotated or logged out. */
  blacklistedJtis: Set<string>;
  /** OAuth access tokens revoked through logout. */
  revokedOAuthTokens: Set<string>;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  /** Overrides the client's max_session_hours as the refresh-chain cap when set. */
  chainCapHours: number | null;
  jtiCounter: number;
}

export class SandboxStore {
  readonly seed: number | string;
  readonly scale: 'default' | 'large';
  readonly clients = new Map<Uuid, Client>();
  readonly practices = new Map<Uuid, PracticeData>();
  readonly users = new Map<Uuid, User>();
  readonly usersByEmail = new Map<string, User>();
  readonly oauthTokens = new Map<string, OAuthToken>();
  readonly procedureCodes: ProcedureCode[];
  readonly procedureCodesByCode = new Map<string, ProcedureCode>();
  readonly procedureCodesById = new Map<Uuid, ProcedureCode>();
  readonly catalog: McpCatalogEntry[];
  readonly fixtures: unknown;
  readonly clock: SandboxClock;
  quirks: Quirks;
  readonly auth: AuthState;
  /** Counters the control surface exposes (e.g. `token_logout`). */
  readonly counters = new Map<string, number>();
  /**
   * `writeAnswers=other-appointment`: appointment written → the other appointment its writes and
   * reads are answered with.
   */
  readonly answeredAs = new Map<Uuid, Uuid>();

  private readonly owned = new Set<Uuid>();
  private readonly indexes = new Map<Uuid, PracticeIndex>();
  private pkCounter: number;
  private readonly idRandom: Random;

  constructor(
    dataset: Dataset,
    options: { clock: SandboxClock; quirks?: Partial<Quirks>; auth?: Partial<AuthState> } = {
      clock: new SandboxClock(),
    },
  ) {
    this.seed = dataset.seed;
    this.scale = dataset.scale;
    this.clock = options.clock;
    this.quirks = { ...DEFAULT_QUIRKS, ...options.quirks };
    // Small, per-sandbox copies; practice data stays shared until written.
    for (const client of structuredClone(dataset.clients)) this.clients.set(client.id, client);
    for (const user of structuredClone(dataset.users)) {
      this.users.set(user.id, user);
      this.usersByEmail.set(user.email.toLowerCase(), user);
    }
    for (const token of structuredClone(dataset.oauthTokens)) this.oauthTokens.set(token.token, token);
    for (const data of dataset.practices) this.practices.set(data.practice.id, data);
    this.procedureCodes = dataset.procedureCodes;
    for (const code of dataset.procedureCodes) {
      this.procedureCodesByCode.set(code.code, code);
      this.procedureCodesById.set(code.id, code);
    }
    this.catalog = structuredClone(dataset.catalog);
    this.fixtures = dataset.fixtures;
    this.pkCounter = dataset.maxPk;
    this.idRandom = new Random(`${String(dataset.seed)}:runtime-ids`);
    this.auth = {
      jwtSecret: `sandbox-jwt-${String(dataset.seed)}`,
      blacklistedJtis: new Set(),
      revokedOAuthTokens: new Set(),
      accessTtlSeconds: 300,
      refreshTtlSeconds: 86_400,
      chainCapHours: null,
      jtiCounter: 0,
      ...options.auth,
    };
  }

  nowMs(): number {
    return this.clock.nowMs();
  }

  // ------------------------------------------------------------ practices

  practiceData(id: Uuid): PracticeData | undefined {
    return this.practices.get(id);
  }

  /**
   * The practice's data, privately copied for this sandbox on first use. Every write must go
   * through this (the router hands write routes a mutable copy in `req.practiceData`).
   */
  mutablePracticeData(id: Uuid): PracticeData | undefined {
    const data = this.practices.get(id);
    if (!data) return undefined;
    if (this.owned.has(id)) return data;
    const copy = deepCopy(data);
    this.practices.set(id, copy);
    this.owned.add(id);
    this.indexes.delete(id);
    return copy;
  }

  practicesOfClient(clientId: Uuid): PracticeData[] {
    return [...this.practices.values()].filter((d) => d.practice.clientId === clientId);
  }

  clientOf(data: PracticeData): Client | undefined {
    return this.clients.get(data.practice.clientId);
  }

  /** A practice is usable when it and its client are active (L15356). */
  isPracticeActive(data: PracticeData): boolean {
    return data.practice.isActive && (this.clientOf(data)?.isActive ?? true);
  }

  /** Lookups over one practice's rows; rebuilt lazily after `invalidate`. */
  index(practiceId: Uuid): PracticeIndex {
    const data = this.practices.get(practiceId);
    if (!data) throw new Error(`Unknown practice ${practiceId}`);
    if (!this.owned.has(practiceId)) {
      // Unwritten generated data: its index is shared by every sandbox of the process.
      let shared = SHARED_INDEXES.get(data);
      if (!shared) {
        shared = buildIndex(data);
        SHARED_INDEXES.set(data, shared);
      }
      return shared;
    }
    let index = this.indexes.get(practiceId);
    if (!index || index.data !== data) {
      index = buildIndex(data);
      this.indexes.set(practiceId, index);
    }
    return index;
  }

  /** Drops a practice's derived indexes after a write (appointments, schedules, clinical rows). */
  invalidate(practiceId: Uuid): void {
    this.indexes.delete(practiceId);
  }

  // ------------------------------------------------------------ users and access

  /**
   * Practices a credential may address: the user's active practice memberships plus every
   * practice of a client they hold an active client membership in (L9833: "direct or
   * client-level membership"); for OAuth, intersected with the token's practice grants.
   * Inactive practices are included (they answer 403, not 404).
   */
  accessiblePracticeIds(credential: Credential): Set<Uuid> {
    const user = credential.user;
    const ids = new Set<Uuid>();
    for (const m of user.memberships) if (m.isActive && this.practices.has(m.practiceId)) ids.add(m.practiceId);
    for (const cm of user.clientMemberships) {
      if (!cm.isActive) continue;
      for (const data of this.practicesOfClient(cm.clientId)) ids.add(data.practice.id);
    }
    if (credential.kind === 'oauth') {
      const granted = new Set(credential.token.grantedPracticeIds);
      for (const id of [...ids]) if (!granted.has(id)) ids.delete(id);
    }
    return ids;
  }

  // ------------------------------------------------------------ ids and counters

  /** A fresh deterministic UUID for a row created at run time. */
  newId(): Uuid {
    return this.idRandom.uuid();
  }

  /** A fresh hidden integer PK. */
  nextPk(): number {
    this.pkCounter += 1;
    return this.pkCounter;
  }

  count(name: string, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }
}
