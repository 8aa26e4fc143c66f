/**
 * The sandbox's in-memory data model. Field names follow the Escape Dental spec; ids are UUID
 * strings. Money is held as integer cents (`…Cents`) and rendered as decimal strings by the
 * routes. Instants are epoch milliseconds (`…Ms`); calendar dates are practice-local
 * `YYYY-MM-DD` strings; wall-clock times are `HH:MM:SS` strings.
 *
 * Every row also carries `pk`, a hidden integer primary key that no response exposes: it exists
 * only so the `idFilters=int-strict` quirk can mimic the spec's "integer PK" filters (T1).
 */

export type Uuid = string;
export type LocalDate = string; // YYYY-MM-DD in the practice's timezone
export type WallTime = string; // HH:MM:SS, local wall clock
export type EpochMs = number;
export type Cents = number;

export interface Row {
  id: Uuid;
  pk: number;
  createdMs: EpochMs;
  modifiedMs: EpochMs;
}

export interface Client extends Row {
  name: string;
  isActive: boolean;
  maxSessionHours: number;
  modules: {
    scheduling: boolean;
    clinical: boolean;
    imaging: boolean;
    insurance: boolean;
    billing: boolean;
    doccenter: boolean;
    portal: boolean;
    sync: boolean;
  };
}

export interface Practice extends Row {
  clientId: Uuid;
  name: string;
  timezone: string; // IANA
  isActive: boolean;
  addressLine1: string;
  city: string;
  state: string;
  zipCode: string;
  phone: string;
  productionGoalDailyCents: Cents | null;
  productionGoalWeeklyCents: Cents | null;
  productionGoalMonthlyCents: Cents | null;
}

export type ProviderType = 'dentist' | 'hygienist' | 'assistant' | 'other';

export interface Provider extends Row {
  practiceId: Uuid;
  firstName: string;
  lastName: string;
  abbreviation: string;
  specialty: string;
  providerType: ProviderType;
  color: string;
  npi: string;
  isHidden: boolean;
  isSecondary: boolean;
  isActive: boolean;
  isWebSched: boolean;
}

export interface Operatory extends Row {
  practiceId: Uuid;
  name: string;
  abbreviation: string;
  providerDentistId: Uuid | null;
  providerHygienistId: Uuid | null;
  isHygiene: boolean;
  isHidden: boolean;
  isBookable: boolean;
  sortOrder: number;
  isWebSched: boolean;
}

export type ScheduleType = 'office_hours' | 'provider' | 'blockout';

export interface ScheduleTemplate extends Row {
  practiceId: Uuid;
  providerId: Uuid | null; // null = practice-wide
  operatoryId: Uuid | null;
  dayOfWeek: number; // 0=Sunday … 6=Saturday (L1220)
  startTime: WallTime;
  endTime: WallTime;
  scheduleType: ScheduleType;
  blockoutType: string; // '' unless a blockout: 'lunch', 'meeting', 'admin'
  isActive: boolean;
}

export type OverrideStatus = 'open' | 'closed' | 'holiday';

export interface ScheduleOverride extends Row {
  practiceId: Uuid;
  providerId: Uuid | null; // null = practice-wide (holidays, closure days)
  operatoryId: Uuid | null;
  scheduleDate: LocalDate;
  startTime: WallTime;
  endTime: WallTime;
  scheduleType: ScheduleType;
  blockoutType: string; // 'holiday', 'time_off', 'meeting', …
  status: OverrideStatus;
  note: string;
}

export const APPOINTMENT_STATUSES = [
  'scheduled',
  'arrived',
  'seated',
  'ready_for_doctor',
  'ready_for_walkout',
  'complete',
  'broken',
  'cancelled',
  'unscheduled',
  'planned',
  'other',
  'note',
] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];

export type ConfirmedStatus = 'not_called' | 'left_message' | 'confirmed' | 'econfirmed' | '';

export interface ScheduledProcedure {
  id: Uuid;
  procedureCodeId: Uuid | null;
  procCode: string; // CDT, e.g. D2740
  description: string;
  feeCents: Cents;
  toothNum: string;
  surface: string;
  status: string; // 'planned'
}

export interface AppointmentHistoryEntry {
  id: number; // integer in the spec's sample
  previousStatus: AppointmentStatus | '';
  newStatus: AppointmentStatus;
  changedBy: Uuid | null; // null for automated transitions
  changedByName: string;
  changedAtMs: EpochMs;
  note: string;
}

export interface Appointment extends Row {
  practiceId: Uuid;
  patientId: Uuid;
  providerId: Uuid | null;
  providerHygienistId: Uuid | null;
  operatoryId: Uuid | null;
  treatmentPlanId: Uuid | null;
  startMs: EpochMs; // the instant of date_time
  localDate: LocalDate; // date_time's date in the practice timezone (kept in sync with startMs)
  durationMinutes: number;
  status: AppointmentStatus;
  confirmedStatus: ConfirmedStatus;
  appointmentType: string; // 'Crown Prep', 'Prophy', …
  isHygiene: boolean;
  isNewPatient: boolean;
  procedureDescription: string;
  note: string; // free text from the practice
  cancellationReason: string;
  rescheduleRequested: boolean;
  arrivedAtMs: EpochMs | null;
  seatedAtMs: EpochMs | null;
  readyForDoctorAtMs: EpochMs | null;
  readyForWalkoutAtMs: EpochMs | null;
  dismissedAtMs: EpochMs | null;
  dollarsScheduledCents: Cents | null;
  cancelledBy: Uuid | null;
  scheduledProcedures: ScheduledProcedure[];
  history: AppointmentHistoryEntry[];
}

export type PatientStatus = 'active' | 'inactive' | 'archived' | 'deceased' | 'prospective';

export interface Patient extends Row {
  practiceId: Uuid;
  firstName: string;
  lastName: string;
  preferredName: string;
  email: string;
  dateOfBirth: LocalDate | null;
  gender: 'male' | 'female' | 'other' | 'unknown';
  status: PatientStatus;
  phoneHome: string | null;
  phoneWork: string | null;
  phoneMobile: string | null; // mixed formats on purpose: '(415) 555-0100', '415.555.0101', '+14155550102'
  address: string;
  city: string;
  state: string;
  zipCode: string;
  primaryProviderId: Uuid | null;
  secondaryProviderId: Uuid | null;
  balanceCurrentCents: Cents | null; // denormalised snapshot (C-T13); refreshed only by the snapshot job
  lastRecallDate: LocalDate | null;
  nextRecallDate: LocalDate | null;
  prefersEmail: boolean;
  prefersSms: boolean;
}

export interface ProcedureCode extends Row {
  code: string; // CDT
  description: string;
  abbreviation: string;
  category: string; // CDT category: diagnostic, preventive, restorative, endodontics, periodontics, prosthodontics_removable, maxillofacial, implant, prosthodontics_fixed, oral_surgery, orthodontics, adjunctive
  defaultFeeCents: Cents;
  typicalMinutes: number;
}

export interface Procedure extends Row {
  practiceId: Uuid;
  patientId: Uuid;
  providerId: Uuid | null;
  appointmentId: Uuid | null;
  procedureCodeId: Uuid;
  procCode: string;
  description: string;
  procDate: LocalDate;
  dateComplete: LocalDate | null;
  procFeeCents: Cents;
  status: string; // 'complete' | 'existing_current' | 'existing_other' | 'treatment_planned'
  toothNum: string;
  surface: string;
  discountCents: Cents;
  unitQty: number;
}

export type NoteType = 'clinical' | 'consult' | 'exam' | 'hygiene' | 'lab' | 'other' | 'phone';

export interface ClinicalNote extends Row {
  practiceId: Uuid;
  patientId: Uuid;
  appointmentId: Uuid | null;
  providerId: Uuid | null;
  noteType: NoteType;
  subject: string;
  content: string; // free text; may contain instruction-looking text on purpose
  noteDate: LocalDate | null;
  isSigned: boolean;
  signedAtMs: EpochMs | null;
}

export interface PerioExam extends Row {
  practiceId: Uuid;
  patientId: Uuid;
  providerId: Uuid | null;
  appointmentId: Uuid | null;
  examDateMs: EpochMs; // date-time (T18)
  isCompleted: boolean;
  stage: string;
  grade: string;
  note: string;
  readingCount: number;
}

export interface TreatmentPlanItem {
  id: Uuid;
  procedureCodeId: Uuid | null;
  procCode: string;
  description: string;
  toothNum: string;
  surface: string;
  plannedFeeCents: Cents;
  datePlanned: LocalDate | null;
  status: string;
  priority: number;
}

export interface TreatmentPlan extends Row {
  practiceId: Uuid;
  patientId: Uuid;
  providerId: Uuid | null;
  name: string;
  status: 'accepted' | 'active' | 'archived' | 'completed' | 'declined';
  dateCreated: LocalDate | null;
  dateAccepted: LocalDate | null;
  note: string;
  items: TreatmentPlanItem[];
}

export interface ImagingExam extends Row {
  practiceId: Uuid;
  patientId: Uuid;
  providerId: Uuid | null;
  name: string; // 'FMX', 'Bitewings', 'Pano'
  examDate: LocalDate; // date (T18)
  notes: string;
  isComplete: boolean;
  imageCount: number;
}

export interface Commlog extends Row {
  practiceId: Uuid;
  patientId: Uuid;
  dateTimeMs: EpochMs;
  mode: 'phone' | 'email' | 'text' | 'fax' | 'mail' | 'in_person' | 'web' | 'other';
  direction: 'sent' | 'received' | 'neither';
  outcome: 'success' | 'no_answer' | 'voicemail' | 'bounced' | 'bad_number' | 'other';
  subject: string;
  note: string;
  staffUserId: Uuid | null;
  /** The recall this contact addresses (L18624); absent on generated rows (null). */
  recallId?: Uuid | null;
  /** True for rows imported from a legacy PMS; absent = false. */
  isImported?: boolean;
  customData?: unknown;
}

export interface Recall extends Row {
  practiceId: Uuid;
  patientId: Uuid;
  recallType: string;
  dateDue: LocalDate | null;
  datePrevious: LocalDate | null;
  dateScheduled: LocalDate | null;
  isDisabled: boolean;
  customData?: unknown;
}

export interface Carrier extends Row {
  practiceId: Uuid;
  name: string;
  payerId: string;
  phone: string;
  isActive: boolean;
}

export interface PatientInsurance extends Row {
  practiceId: Uuid;
  patientId: Uuid;
  carrierId: Uuid;
  ordinal: number; // 1 = primary, 2 = secondary
  subscriberId: string;
  groupNumber: string;
  relationshipToSubscriber: string;
  /** The InsurancePlan of this enrollment; absent (null) on the generated rows, which predate plans. */
  insurancePlanId?: Uuid | null;
}

/** An insurance plan (L3451); only the enrollments of the worklist scenarios point at one. */
export interface InsurancePlan extends Row {
  practiceId: Uuid;
  carrierId: Uuid;
  planName: string;
  groupName: string;
  groupNumber: string;
  employerName: string;
  planType: string; // 'ppo', 'hmo', 'indemnity'
  annualMaximumCents: Cents | null;
  individualDeductibleCents: Cents | null;
}

/** An append-only insurance verification (L3775): what the payer said, and when. */
export interface InsuranceVerification extends Row {
  practiceId: Uuid;
  patientId: Uuid;
  insurancePlanId: Uuid;
  verifiedBy: Uuid | null;
  verifiedAtMs: EpochMs;
  source: 'phone' | 'portal' | 'clearinghouse';
  rawResponse: unknown;
  annualMaxCents: Cents | null;
  deductibleTotalCents: Cents | null;
  deductibleMetCents: Cents | null;
  waitingPeriodNotes: string;
  frequencyLimits: unknown;
}

/** A patient's SMS consent row (L18701–18800): lazily created; no row means "opted in". */
export interface SmsConsent extends Row {
  practiceId: Uuid;
  patientId: Uuid;
  state: 'opted_in' | 'opted_out';
  optedOutAtMs: EpochMs | null;
  optedOutReason: string;
  lastHelpRepliedAtMs: EpochMs | null;
  firstDisclosureSentAtMs: EpochMs | null;
  lastChangeAtMs: EpochMs;
  lastChangeById: Uuid | null;
  reviewNotes: string;
}

/** A medical alert on a patient's chart (the route slip's `medical_alerts`, L561). */
export interface MedicalAlert extends Row {
  practiceId: Uuid;
  patientId: Uuid;
  text: string;
}

export const CLAIM_STATUSES = [
  'draft',
  'submitted',
  'accepted',
  'rejected',
  'resubmitted',
  'paid',
  'partial',
  'denied',
  'appealed',
  'void',
  'imported',
] as const;
export type ClaimStatus = (typeof CLAIM_STATUSES)[number];

export interface ClaimProcedure {
  id: Uuid;
  procedureId: Uuid | null;
  procedureCodeId: Uuid | null;
  procCode: string;
  feeBilledCents: Cents;
  insPayEstCents: Cents;
  insPayAmtCents: Cents;
  dedAppliedCents: Cents;
  writeOffCents: Cents;
  status: string;
  procDate: LocalDate | null;
}

export interface ClaimLogEntry {
  id: Uuid;
  fromStatus: ClaimStatus | '';
  toStatus: ClaimStatus;
  changedBy: Uuid | null;
  changedByEmail: string;
  changedAtMs: EpochMs;
  note: string;
}

export interface Claim extends Row {
  practiceId: Uuid;
  patientId: Uuid;
  providerId: Uuid | null;
  patientInsuranceId: Uuid | null;
  dateService: LocalDate | null;
  dateSent: LocalDate | null;
  status: ClaimStatus;
  claimStatus: string; // free-text PMS status (C-T9)
  claimFeeCents: Cents;
  insPayEstCents: Cents;
  insPayAmtCents: Cents;
  dedAppliedCents: Cents;
  writeOffCents: Cents;
  procedures: ClaimProcedure[];
  statusLog: ClaimLogEntry[];
}

export interface PaymentSplit {
  id: Uuid;
  splitAmountCents: Cents;
  procCode: string;
  procedureDate: LocalDate | null;
}

export interface Payment extends Row {
  practiceId: Uuid;
  patientId: Uuid;
  providerId: Uuid | null;
  payDate: LocalDate;
  payAmountCents: Cents;
  payType: string; // free text: 'Check', 'Credit Card', 'Cash', …
  payMethod: string; // derived bucket: 'cash', 'check', 'card', 'other'
  payNote: string;
  splits: PaymentSplit[];
}

export interface Adjustment extends Row {
  practiceId: Uuid;
  patientId: Uuid;
  providerId: Uuid | null;
  adjDate: LocalDate;
  adjAmountCents: Cents; // signed: negative = credit to the patient (ADJ_SIGN=signed)
  adjType: string;
  adjNote: string;
}

export type PracticeRole =
  | 'ADMIN'
  | 'OFFICE_MANAGER'
  | 'DENTIST'
  | 'HYGIENIST'
  | 'FRONT_DESK'
  | 'BILLING'
  | 'READ_ONLY'
  | 'IT_SUPPORT';

export interface User extends Row {
  email: string;
  password: string; // sandbox only: plain text demo passwords
  firstName: string;
  lastName: string;
  isStaff: boolean; // Escape internal support staff (C-T19)
  isPatient: boolean;
  memberships: { practiceId: Uuid; role: PracticeRole; isActive: boolean }[];
  clientMemberships: { clientId: Uuid; role: 'OWNER' | 'BILLING' | 'TECHNICAL'; isActive: boolean }[];
}

export interface OAuthToken {
  token: string;
  label: string; // what the demo prints
  userId: Uuid;
  appName: string;
  scopes: string[];
  grantedPracticeIds: Uuid[]; // OAuthPracticeGrant rows
  expiresAtMs: EpochMs | null;
}

export interface PracticeToolGate extends Row {
  practiceId: Uuid;
  toolKey: string;
  enabled: boolean;
  note: string;
  createdByEmail: string;
  modifiedByEmail: string;
}

export interface McpCatalogEntry {
  name: string;
  description: string;
  requiredScopes: string[];
  passContext: boolean;
}

/** Everything one practice holds. Arrays are the source of truth; indexes live in `store.ts`. */
export interface PracticeData {
  practice: Practice;
  providers: Provider[];
  operatories: Operatory[];
  templates: ScheduleTemplate[];
  overrides: ScheduleOverride[];
  patients: Patient[];
  appointments: Appointment[];
  procedures: Procedure[];
  notes: ClinicalNote[];
  perioExams: PerioExam[];
  treatmentPlans: TreatmentPlan[];
  imagingExams: ImagingExam[];
  commlogs: Commlog[];
  recalls: Recall[];
  carriers: Carrier[];
  patientInsurance: PatientInsurance[];
  claims: Claim[];
  payments: Payment[];
  adjustments: Adjustment[];
  gates: PracticeToolGate[];
  insurancePlans: InsurancePlan[];
  verifications: InsuranceVerification[];
  smsConsents: SmsConsent[];
  medicalAlerts: MedicalAlert[];
}

/** A practice's row lists, all empty: what a practice holds before anything is seeded into it. */
export function emptyPracticeRows(): Omit<PracticeData, 'practice'> {
  return {
    providers: [],
    operatories: [],
    templates: [],
    overrides: [],
    patients: [],
    appointments: [],
    procedures: [],
    notes: [],
    perioExams: [],
    treatmentPlans: [],
    imagingExams: [],
    commlogs: [],
    recalls: [],
    carriers: [],
    patientInsurance: [],
    claims: [],
    payments: [],
    adjustments: [],
    gates: [],
    insurancePlans: [],
    verifications: [],
    smsConsents: [],
    medicalAlerts: [],
  };
}
