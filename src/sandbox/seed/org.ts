/**
 * The organisation layer: the DSO client, its practices, the demo users and OAuth tokens, and the
 * API's own MCP tool catalog.
 */
import type { Client, McpCatalogEntry, OAuthToken, Practice, PracticeRole, User, Uuid } from '../model.js';
import type { Random } from './random.js';
import type { RowFactory } from './rows.js';

export interface PracticeSpec {
  key: 'la' | 'ny' | 'chicago';
  name: string;
  timezone: string;
  isActive: boolean;
  addressLine1: string;
  city: string;
  state: string;
  zipCode: string;
  phone: string;
  areaCodes: string[];
}

export const PRACTICE_SPECS: readonly PracticeSpec[] = [
  {
    key: 'la',
    name: 'Sunset Smiles Dental',
    timezone: 'America/Los_Angeles',
    isActive: true,
    addressLine1: '6400 Sunset Blvd Suite 210',
    city: 'Los Angeles',
    state: 'CA',
    zipCode: '90028',
    phone: '(323) 555-0142',
    areaCodes: ['323', '213', '310', '818'],
  },
  {
    key: 'ny',
    name: 'Hudson Street Dental',
    timezone: 'America/New_York',
    isActive: true,
    addressLine1: '210 Hudson St Fl 4',
    city: 'New York',
    state: 'NY',
    zipCode: '10013',
    phone: '(212) 555-0187',
    areaCodes: ['212', '646', '917', '718'],
  },
  {
    key: 'chicago',
    name: 'Lakeshore Family Dental',
    timezone: 'America/Chicago',
    isActive: false,
    addressLine1: '401 N Michigan Ave',
    city: 'Chicago',
    state: 'IL',
    zipCode: '60611',
    phone: '(312) 555-0119',
    areaCodes: ['312', '773', '872'],
  },
];

export const ALL_SCOPES = [
  'read',
  'profile:read',
  'scheduling:read',
  'scheduling:write',
  'patients:read',
  'patients:write',
  'insurance:read',
  'reports:read',
  'write:patients',
] as const;

export function makeClient(rows: RowFactory, createdMs: number): Client {
  return {
    ...rows.row(createdMs),
    name: 'Brightside Dental Partners',
    isActive: true,
    maxSessionHours: 12,
    modules: {
      scheduling: true,
      clinical: true,
      imaging: true,
      insurance: true,
      billing: true,
      doccenter: true,
      portal: true,
      sync: true,
    },
  };
}

export function makePractice(rows: RowFactory, spec: PracticeSpec, clientId: Uuid, createdMs: number): Practice {
  return {
    ...rows.row(createdMs, createdMs + 86_400_000 * 30),
    clientId,
    name: spec.name,
    timezone: spec.timezone,
    isActive: spec.isActive,
    addressLine1: spec.addressLine1,
    city: spec.city,
    state: spec.state,
    zipCode: spec.zipCode,
    phone: spec.phone,
    productionGoalDailyCents: spec.isActive ? 850000 : null,
    productionGoalWeeklyCents: spec.isActive ? 4250000 : null,
    productionGoalMonthlyCents: spec.isActive ? 18000000 : null,
  };
}

export interface DemoUsers {
  service: User;
  admin: User;
  frontDesk: User;
  support: User;
  patient: User;
  all: User[];
}

/** Demo passwords are printed by `npm run sandbox`; they exist only inside the sandbox. */
export const DEMO_PASSWORDS = {
  service: 'sandbox-service-pass',
  admin: 'sandbox-admin-pass',
  frontDesk: 'sandbox-frontdesk-pass',
  support: 'sandbox-support-pass',
  patient: 'sandbox-patient-pass',
} as const;

export function makeUsers(
  rows: RowFactory,
  createdMs: number,
  clientId: Uuid,
  practiceIds: { la: Uuid; ny: Uuid; chicago: Uuid },
  patientEmail: string,
): DemoUsers {
  const member = (practiceId: Uuid, role: PracticeRole) => ({ practiceId, role, isActive: true });
  const service: User = {
    ...rows.row(createdMs),
    email: 'mcp-service@brightside.example',
    password: DEMO_PASSWORDS.service,
    firstName: 'MCP',
    lastName: 'Service',
    isStaff: true,
    isPatient: false,
    memberships: [
      member(practiceIds.la, 'OFFICE_MANAGER'),
      member(practiceIds.ny, 'OFFICE_MANAGER'),
      member(practiceIds.chicago, 'OFFICE_MANAGER'),
    ],
    clientMemberships: [],
  };
  const admin: User = {
    ...rows.row(createdMs),
    email: 'dr.rivera@brightside.example',
    password: DEMO_PASSWORDS.admin,
    firstName: 'Alma',
    lastName: 'Rivera',
    isStaff: false,
    isPatient: false,
    memberships: [
      member(practiceIds.la, 'ADMIN'),
      member(practiceIds.ny, 'ADMIN'),
      member(practiceIds.chicago, 'ADMIN'),
    ],
    clientMemberships: [{ clientId, role: 'OWNER', isActive: true }],
  };
  const frontDesk: User = {
    ...rows.row(createdMs),
    email: 'frontdesk.la@brightside.example',
    password: DEMO_PASSWORDS.frontDesk,
    firstName: 'Jordan',
    lastName: 'Blake',
    isStaff: false,
    isPatient: false,
    memberships: [member(practiceIds.la, 'FRONT_DESK')],
    clientMemberships: [],
  };
  const support: User = {
    ...rows.row(createdMs),
    email: 'support@escape-dental.example',
    password: DEMO_PASSWORDS.support,
    firstName: 'Sam',
    lastName: 'Support',
    isStaff: true,
    isPatient: false,
    memberships: [],
    clientMemberships: [],
  };
  const patient: User = {
    ...rows.row(createdMs),
    email: patientEmail,
    password: DEMO_PASSWORDS.patient,
    firstName: 'Portal',
    lastName: 'Patient',
    isStaff: false,
    isPatient: true,
    memberships: [],
    clientMemberships: [],
  };
  return { service, admin, frontDesk, support, patient, all: [service, admin, frontDesk, support, patient] };
}

export interface DemoTokens {
  service: OAuthToken;
  readerLa: OAuthToken;
  noSchedulingLa: OAuthToken;
  reportsAll: OAuthToken;
  frontDeskLa: OAuthToken;
  all: OAuthToken[];
}

export function makeOAuthTokens(
  random: Random,
  users: DemoUsers,
  practiceIds: { la: Uuid; ny: Uuid; chicago: Uuid },
): DemoTokens {
  const token = (suffix: string) => `oat_${suffix}_${random.uuid().replace(/-/g, '')}`;
  const service: OAuthToken = {
    token: token('svc'),
    label: 'service: all scopes, all three practices (long-lived)',
    userId: users.service.id,
    appName: 'escape-dental-mcp',
    scopes: [...ALL_SCOPES],
    grantedPracticeIds: [practiceIds.la, practiceIds.ny, practiceIds.chicago],
    expiresAtMs: null,
  };
  const readerLa: OAuthToken = {
    token: token('rdla'),
    label: 'admin user: scheduling:read patients:read profile:read on Los Angeles only',
    userId: users.admin.id,
    appName: 'Acme Recall Assistant',
    scopes: ['scheduling:read', 'patients:read', 'profile:read'],
    grantedPracticeIds: [practiceIds.la],
    expiresAtMs: null,
  };
  const noSchedulingLa: OAuthToken = {
    token: token('nsla'),
    label: 'admin user: patients:read only (no scheduling:read) on Los Angeles',
    userId: users.admin.id,
    appName: 'Acme Patient Lookup',
    scopes: ['patients:read'],
    grantedPracticeIds: [practiceIds.la],
    expiresAtMs: null,
  };
  const reportsAll: OAuthToken = {
    token: token('rpt'),
    label: 'admin user: reports:read insurance:read on Los Angeles and New York',
    userId: users.admin.id,
    appName: 'Acme Analytics',
    scopes: ['reports:read', 'insurance:read'],
    grantedPracticeIds: [practiceIds.la, practiceIds.ny],
    expiresAtMs: null,
  };
  const frontDeskLa: OAuthToken = {
    token: token('fdla'),
    label: 'front-desk user: scheduling read/write, patients:read, profile:read on Los Angeles',
    userId: users.frontDesk.id,
    appName: 'Acme Scheduler',
    scopes: ['scheduling:read', 'scheduling:write', 'patients:read', 'profile:read'],
    grantedPracticeIds: [practiceIds.la],
    expiresAtMs: null,
  };
  return {
    service,
    readerLa,
    noSchedulingLa,
    reportsAll,
    frontDeskLa,
    all: [service, readerLa, noSchedulingLa, reportsAll, frontDeskLa],
  };
}

/** The Escape API's own MCP registry (L7380); it includes the keys this project's tools use. */
export const MCP_CATALOG: readonly McpCatalogEntry[] = [
  {
    name: 'find_spot',
    description: 'Find open appointment slots across days.',
    requiredScopes: ['scheduling:read'],
    passContext: true,
  },
  {
    name: 'find_patient',
    description: 'Look up patients by name, phone or date of birth.',
    requiredScopes: ['patients:read'],
    passContext: true,
  },
  {
    name: 'patient_timeline',
    description: "A patient's clinical timeline, newest first.",
    requiredScopes: ['patients:read'],
    passContext: true,
  },
  {
    name: 'book_appointment',
    description: 'Book an appointment in an open slot.',
    requiredScopes: ['scheduling:write'],
    passContext: true,
  },
  {
    name: 'reschedule_appointment',
    description: 'Move an appointment to another slot.',
    requiredScopes: ['scheduling:write'],
    passContext: true,
  },
  {
    name: 'cancel_appointment',
    description: 'Cancel an appointment.',
    requiredScopes: ['scheduling:write'],
    passContext: true,
  },
  {
    name: 'claims_summary',
    description: 'Insurance claims by status with outstanding totals.',
    requiredScopes: ['insurance:read'],
    passContext: true,
  },
  {
    name: 'production_report',
    description: 'Production, collections and adjustments for a date range.',
    requiredScopes: ['reports:read'],
    passContext: true,
  },
  {
    name: 'day_sheet',
    description: "The day's schedule by operatory.",
    requiredScopes: ['scheduling:read'],
    passContext: true,
  },
  {
    name: 'aging_report',
    description: 'Accounts receivable aging.',
    requiredScopes: ['reports:read'],
    passContext: true,
  },
  {
    name: 'patient_balance',
    description: "A patient's balance summary.",
    requiredScopes: ['reports:read'],
    passContext: true,
  },
  {
    name: 'send_recall_reminders',
    description: 'Queue recall reminders for due patients.',
    requiredScopes: ['patients:write'],
    passContext: false,
  },
  {
    name: 'recall_worklist',
    description: 'Due and overdue recalls with no visit booked, with the last contact attempt.',
    requiredScopes: ['scheduling:read', 'patients:read'],
    passContext: true,
  },
  {
    name: 'day_brief',
    description: "The morning huddle: the day's gaps, visits needing action, production against goal.",
    requiredScopes: ['scheduling:read', 'patients:read', 'insurance:read', 'reports:read'],
    passContext: true,
  },
  {
    name: 'fill_opening',
    description: 'Ranked patients to offer an open time.',
    requiredScopes: ['scheduling:read', 'patients:read'],
    passContext: true,
  },
  {
    name: 'log_contact',
    description: 'Record a recall call or message and its outcome in the communication log.',
    requiredScopes: ['patients:write'],
    passContext: true,
  },
  {
    name: 'missed_visits',
    description: 'No-shows and cancellations not rebooked, and the recapture rate.',
    requiredScopes: ['scheduling:read', 'patients:read'],
    passContext: true,
  },
  {
    name: 'claims_worklist',
    description: 'Outstanding, rejected and denied claims ranked by age and amount, with a next action.',
    requiredScopes: ['insurance:read'],
    passContext: true,
  },
  {
    name: 'balances_worklist',
    description: 'Patient balances to collect by aging bucket, with the last payment and the next visit.',
    requiredScopes: ['reports:read'],
    passContext: true,
  },
  {
    name: 'kpi_scorecard',
    description: 'A practice KPI scorecard for a period, against the previous period and goals.',
    requiredScopes: ['reports:read'],
    passContext: true,
  },
  {
    name: 'dso_overview',
    description: 'One row per practice of the DSO client, exceptions first.',
    requiredScopes: ['reports:read'],
    passContext: true,
  },
  {
    name: 'playbook',
    description: 'The text of a front-desk playbook (the same as its prompt).',
    requiredScopes: ['scheduling:read'],
    passContext: true,
  },
];
