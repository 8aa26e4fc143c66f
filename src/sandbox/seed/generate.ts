/**
 * Builds the whole sandbox dataset from (seed, clock, scale). Pure and deterministic: the same
 * inputs give the same rows, ids and stamps. Results are memoised per process by
 * (seed, scale, clock) so many sandboxes in one test file share one generation.
 */

import { emptyPracticeRows, type LocalDate, type PracticeData, type ProcedureCode, type Uuid } from '../model.js';
import type { Dataset } from '../store.js';
import { timeZone } from '../time.js';
import { generateAppointments } from './appointments.js';
import { CDT_CODES } from './cdt.js';
import { generateClinical } from './clinical.js';
import { type KpiFixtures, seedKpiScenario } from './kpi.js';
import { type LedgerFixtures, ledgerFixtures, seedLedger } from './ledger.js';
import {
  MCP_CATALOG,
  makeClient,
  makeOAuthTokens,
  makePractice,
  makeUsers,
  PRACTICE_SPECS,
  type PracticeSpec,
} from './org.js';
import { generatePatients, type PatientFixtures } from './patients.js';
import { Random } from './random.js';
import { RowFactory } from './rows.js';
import { ScenarioKit } from './scenario-kit.js';
import { generateStaff } from './staff.js';
import { seedWorklists, type WorklistFixtures } from './worklists.js';

export interface GenerateOptions {
  seed: number | string;
  scale: 'default' | 'large';
  /** The clock the data is laid out around (today = this instant's date in each practice's zone). */
  nowMs: number;
  /** When given, receives milliseconds spent per phase (staff, patients, appointments, clinical, ledger). */
  timings?: Record<string, number>;
}

export interface PracticeFixture {
  id: Uuid;
  name: string;
  timezone: string;
  isActive: boolean;
  today: LocalDate;
  providers: {
    dentists: Uuid[];
    hygienists: Uuid[];
    inactive: Uuid;
    notWebSched: Uuid;
  };
  operatories: {
    bookable: Uuid[];
    notBookable: Uuid;
    hygiene: Uuid;
    notWebSched: Uuid;
  };
  patients: PatientFixtures;
  dates: {
    /** Practice closed all day (status `closed`), a future weekday. */
    closure: LocalDate;
    holidays: LocalDate[];
    nextHoliday: LocalDate | null;
    providerDayOff: { date: LocalDate; providerId: Uuid };
    providerAfternoonOff: { date: LocalDate; providerId: Uuid };
    /** An `open` override extending practice and provider hours to 07:00–19:00. */
    extendedHours: { date: LocalDate; providerId: Uuid };
    meetingBlockout: LocalDate;
    /** DST Sundays in the data window (±400 days), each with 00:00–06:00 office hours. */
    springForward: LocalDate[];
    fallBack: LocalDate[];
  };
  appointments: {
    /** On a spring-forward Sunday at 01:30 local (60 min, ends 03:30 local). */
    dstSpring: Uuid[];
    /** On a fall-back Sunday at 01:30 local (first occurrence). */
    dstFall: Uuid[];
    /** 23:30 local: the UTC date is the next day. */
    lateNight: { id: Uuid; localDate: LocalDate; utcDate: LocalDate };
    /** An imported appointment that spans the lunch blockout. */
    spanningLunch: Uuid | null;
  };
  notes: { injection: Uuid[] };
  /** The ledger seed's scenario ids (§9), when the ledger seed reports them. */
  ledger: LedgerFixtures | null;
  /**
   * The worklist scenarios of issues 17 and 18 (ASSUMPTIONS §13): true positives and near-misses
   * for the huddle, openings, recalls, missed visits, claims and balances. Null for the disabled
   * practice and at `scale: 'large'`.
   */
  worklists: WorklistFixtures | null;
}

export interface SandboxFixtures {
  seed: number | string;
  scale: 'default' | 'large';
  generatedAt: string;
  clientId: Uuid;
  practices: { la: PracticeFixture; ny: PracticeFixture; chicago: PracticeFixture };
  users: { service: Uuid; admin: Uuid; frontDesk: Uuid; support: Uuid; patient: Uuid };
  /** Issue 18's KPI scenario across the two active practices (null at `scale: 'large'`). */
  kpi: KpiFixtures | null;
}

const PATIENT_COUNTS: Record<PracticeSpec['key'], { default: number; large: number }> = {
  la: { default: 1500, large: 10_500 },
  ny: { default: 1500, large: 1500 },
  chicago: { default: 300, large: 300 },
};

export function generateDataset(options: GenerateOptions): Dataset {
  const root = new Random(`escape-sandbox:${String(options.seed)}`);
  const rows = new RowFactory(root.fork('ids'));
  const large = options.scale === 'large';
  const nowMs = Math.floor(options.nowMs / 1000) * 1000;
  const orgCreated = nowMs - 3 * 365 * 86_400_000;

  const procedureCodes: ProcedureCode[] = CDT_CODES.map((c) => ({
    ...rows.row(orgCreated),
    code: c.code,
    description: c.description,
    abbreviation: c.abbreviation,
    category: c.category,
    defaultFeeCents: c.feeCents,
    typicalMinutes: c.minutes,
  }));

  const client = makeClient(rows, orgCreated);
  const practiceRows = PRACTICE_SPECS.map((spec) => makePractice(rows, spec, client.id, orgCreated + 86_400_000));
  const practiceIds = {
    la: practiceRows[0]?.id as Uuid,
    ny: practiceRows[1]?.id as Uuid,
    chicago: practiceRows[2]?.id as Uuid,
  };
  const portalEmail = 'rosa.delgado.portal@example.com';
  const users = makeUsers(rows, orgCreated, client.id, practiceIds, portalEmail);
  const tokens = makeOAuthTokens(root.fork('oauth'), users, practiceIds);
  const staffNames = new Map(users.all.map((u) => [u.id, `${u.firstName} ${u.lastName}`]));

  const practices: PracticeData[] = [];
  const practiceFixtures: Partial<Record<PracticeSpec['key'], PracticeFixture>> = {};
  PRACTICE_SPECS.forEach((spec, i) => {
    const practice = practiceRows[i];
    if (!practice) throw new Error('practice row missing');
    const random = root.fork(`practice:${spec.key}`);
    const today = timeZone(spec.timezone).localDateOf(nowMs);
    let t0 = performance.now();
    const lap = (phase: string) => {
      if (options.timings) options.timings[phase] = (options.timings[phase] ?? 0) + performance.now() - t0;
      t0 = performance.now();
    };
    const staff = generateStaff(rows, spec, practice.id, today, orgCreated, large);
    lap('staff');
    const counts = PATIENT_COUNTS[spec.key];
    const { patients, fixtures: patientFixtures } = generatePatients(
      rows,
      random.fork('patients'),
      spec,
      practice.id,
      large ? counts.large : counts.default,
      today,
      staff.dentists,
      staff.hygienists,
      staff.providers.find((p) => !p.isActive && p.providerType === 'dentist'),
      orgCreated,
      spec.key === 'la' ? portalEmail : null,
    );
    lap('patients');
    const data: PracticeData = {
      ...emptyPracticeRows(),
      practice,
      providers: staff.providers,
      operatories: staff.operatories,
      templates: staff.templates,
      overrides: staff.overrides,
      patients,
    };
    const apptFixtures = generateAppointments(data, {
      rows,
      random: random.fork('appointments'),
      today,
      nowMs,
      large: large && spec.key === 'la',
      staff,
      patientFixtures,
      staffUserIds: [users.frontDesk.id, users.admin.id],
      density: spec.isActive ? 1 : 0.35,
      procedureCodes,
      staffNames,
    });
    lap('appointments');
    const clinical = generateClinical(data, {
      rows,
      random: random.fork('clinical'),
      today,
      nowMs,
      large: large && spec.key === 'la',
      patientFixtures,
      staffUserIds: [users.frontDesk.id, users.admin.id],
      procedureCodes,
    });
    lap('clinical');
    if (spec.key === 'la') {
      data.gates.push({
        ...rows.row(nowMs - 20 * 86_400_000),
        practiceId: practice.id,
        toolKey: 'cancel_appointment',
        enabled: false,
        note: 'Front desk handles cancellations by phone for now.',
        createdByEmail: users.support.email,
        modifiedByEmail: users.support.email,
      });
      data.gates.push({
        ...rows.row(nowMs - 10 * 86_400_000),
        practiceId: practice.id,
        toolKey: 'find_spot',
        enabled: true,
        note: '',
        createdByEmail: users.support.email,
        modifiedByEmail: users.support.email,
      });
    }
    seedLedger(data, {
      random: random.fork('ledger'),
      today,
      nowMs,
      procedureCodes,
      scale: options.scale,
      nextPk: () => rows.nextPk(),
    });
    lap('ledger');
    practices.push(data);
    practiceFixtures[spec.key] = {
      id: practice.id,
      name: practice.name,
      timezone: practice.timezone,
      isActive: practice.isActive,
      today,
      providers: {
        dentists: staff.dentists.map((p) => p.id),
        hygienists: staff.hygienists.map((p) => p.id),
        inactive: staff.inactiveProvider.id,
        notWebSched: staff.notWebSchedProvider.id,
      },
      operatories: {
        bookable: staff.operatories.filter((o) => o.isBookable).map((o) => o.id),
        notBookable: staff.notBookableOperatory.id,
        hygiene: staff.hygieneOperatory.id,
        notWebSched: staff.notWebSchedOperatory.id,
      },
      patients: patientFixtures,
      dates: staff.dates,
      appointments: apptFixtures,
      notes: { injection: clinical.injectionNoteIds },
      ledger: ledgerFixtures(practice.id) ?? null,
      worklists: null,
    };
  });

  // The worklist and KPI scenarios come last, from their own PRNG streams and a pk range above the
  // generated rows (and below the runtime range), so every generated id and row stays as it was.
  let kpi: KpiFixtures | null = null;
  if (!large) {
    const scenarioRows = new RowFactory(
      new Random(`escape-sandbox-worklists:${String(options.seed)}`),
      rows.maxPk + 500_000,
    );
    const kits = new Map<PracticeSpec['key'], ScenarioKit>();
    PRACTICE_SPECS.forEach((spec, i) => {
      const data = practices[i];
      const fixture = practiceFixtures[spec.key];
      if (!spec.isActive || !data || !fixture) return;
      const d = fixture.dates;
      const kit = new ScenarioKit(data, {
        rows: scenarioRows,
        random: new Random(`escape-sandbox-worklists:${String(options.seed)}:${spec.key}`),
        today: fixture.today,
        nowMs,
        procedureCodes,
        staffUserIds: [users.frontDesk.id, users.admin.id],
        staffNames,
        areaCodes: spec.areaCodes,
        reservedDates: new Set([
          d.closure,
          ...d.holidays,
          d.providerDayOff.date,
          d.providerAfternoonOff.date,
          d.extendedHours.date,
          d.meetingBlockout,
          ...d.springForward,
          ...d.fallBack,
          fixture.appointments.lateNight.localDate,
        ]),
        phoneBase: 200,
      });
      fixture.worklists = seedWorklists(kit);
      kits.set(spec.key, kit);
    });
    const la = kits.get('la');
    const ny = kits.get('ny');
    if (la && ny) kpi = seedKpiScenario(la, ny, procedureCodes);
    for (const kit of kits.values()) kit.snapshotBalances();
  }

  const fixtures: SandboxFixtures = {
    seed: options.seed,
    scale: options.scale,
    generatedAt: new Date(nowMs).toISOString(),
    clientId: client.id,
    practices: practiceFixtures as SandboxFixtures['practices'],
    users: {
      service: users.service.id,
      admin: users.admin.id,
      frontDesk: users.frontDesk.id,
      support: users.support.id,
      patient: users.patient.id,
    },
    kpi,
  };

  return {
    seed: options.seed,
    scale: options.scale,
    generatedAtMs: nowMs,
    clients: [client],
    practices,
    users: users.all,
    oauthTokens: tokens.all,
    procedureCodes,
    catalog: [...MCP_CATALOG],
    fixtures,
    maxPk: rows.maxPk + 1_000_000,
  };
}

const memo = new Map<string, Dataset>();

/**
 * The memoised dataset for (seed, scale, clock). With a pinned clock the key is the exact instant;
 * with the real clock it is the UTC hour, so sandboxes started close together share one
 * generation. Callers must treat the result as immutable (the store copies on write).
 */
export function getDataset(options: GenerateOptions & { pinned: boolean }): Dataset {
  const clockKey = options.pinned ? String(options.nowMs) : `h${Math.floor(options.nowMs / 3_600_000)}`;
  const key = `${String(options.seed)}|${options.scale}|${clockKey}`;
  let dataset = memo.get(key);
  if (!dataset) {
    dataset = generateDataset({ seed: options.seed, scale: options.scale, nowMs: options.nowMs });
    if (memo.size >= 8) memo.delete(memo.keys().next().value as string);
    memo.set(key, dataset);
  }
  return dataset;
}
