/**
 * Tolerant zod schemas for upstream resources. Unknown fields pass through (`z.looseObject`);
 * only the fields the client relies on are typed, and almost all are optional or nullable,
 * because the spec's samples disagree with each other (T17, T18) and several endpoints have no
 * schema at all (T11, C-T5). Ids are compared as strings (T17: ints in some samples).
 */
import { z } from 'zod';

/** An id: UUID string in practice, int in some samples (T17) — always a string after parsing. */
export const Id = z.union([z.string().min(1), z.number().int()]).transform((v) => String(v));
export const NullableId = z.union([Id, z.null()]).optional();
export const Str = z.string().nullish();
export const Bool = z.boolean().nullish();
const Int = z.number().int().nullish();
/** Money arrives as a decimal string; tolerate numbers and null (C-T1). */
export const MoneyValue = z.union([z.string(), z.number(), z.null()]).optional();

export const AccountMembership = z.looseObject({
  practice_id: Id,
  practice_name: Str,
  client_id: NullableId,
  role: Str,
  is_active: Bool,
});
export type AccountMembership = z.infer<typeof AccountMembership>;

export const AccountMe = z.looseObject({
  id: Id,
  email: Str,
  is_staff: Bool,
  is_patient: Bool,
  memberships: z.array(AccountMembership).nullish(),
  current_practice_id: NullableId,
  practice_timezone: Str,
  max_session_hours: z.union([z.string(), z.number(), z.null()]).optional(),
});
export type AccountMe = z.infer<typeof AccountMe>;

export const Practice = z.looseObject({
  id: Id,
  name: Str,
  client: NullableId,
  client_name: Str,
  timezone: Str,
  is_active: Bool,
});
export type Practice = z.infer<typeof Practice>;

export const Provider = z.looseObject({
  id: Id,
  first_name: Str,
  last_name: Str,
  abbreviation: Str,
  specialty: Str,
  provider_type: Str,
  is_hidden: Bool,
  is_active: Bool,
  is_web_sched: Bool,
});
export type Provider = z.infer<typeof Provider>;

export const Operatory = z.looseObject({
  id: Id,
  name: Str,
  abbreviation: Str,
  provider_dentist: NullableId,
  provider_hygienist: NullableId,
  is_hygiene: Bool,
  is_hidden: Bool,
  is_bookable: Bool,
  is_web_sched: Bool,
  sort_order: Int,
});
export type Operatory = z.infer<typeof Operatory>;

export const AppointmentStatusMeta = z.looseObject({
  slug: z.string(),
  label: Str,
  color: Str,
  is_visible: Bool,
  blocks_slot: Bool,
  sort_order: Int,
});
export type AppointmentStatusMeta = z.infer<typeof AppointmentStatusMeta>;

export const ScheduledProcedure = z.looseObject({
  id: NullableId,
  proc_code: Str,
  description: Str,
  fee: MoneyValue,
});

export const Appointment = z.looseObject({
  id: Id,
  patient: NullableId,
  provider: NullableId,
  provider_hygienist: NullableId,
  operatory: NullableId,
  date_time: Str,
  duration_minutes: Int,
  status: Str,
  confirmed_status: Str,
  appointment_type: Str,
  patient_name: Str,
  provider_name: Str,
  scheduled_procedures: z.array(ScheduledProcedure).nullish(),
});
export type Appointment = z.infer<typeof Appointment>;

export const Patient = z.looseObject({
  id: Id,
  first_name: Str,
  last_name: Str,
  preferred_name: Str,
  date_of_birth: Str,
  status: Str,
  phone_home: Str,
  phone_work: Str,
  phone_mobile: Str,
  email: Str,
  primary_provider: NullableId,
  balance_current: MoneyValue,
});
export type Patient = z.infer<typeof Patient>;

export const ClaimProcedure = z.looseObject({
  id: NullableId,
  proc_code: Str,
  fee_billed: MoneyValue,
  ins_pay_amt: MoneyValue,
});

export const Claim = z.looseObject({
  id: Id,
  patient: NullableId,
  provider: NullableId,
  patient_insurance: NullableId,
  status: Str,
  claim_status: Str,
  date_service: Str,
  date_sent: Str,
  claim_fee: MoneyValue,
  ins_pay_est: MoneyValue,
  ins_pay_amt: MoneyValue,
  ded_applied: MoneyValue,
  write_off: MoneyValue,
  patient_name: Str,
  provider_name: Str,
  procedures: z.array(ClaimProcedure).nullish(),
});
export type Claim = z.infer<typeof Claim>;

export const Carrier = z.looseObject({
  id: Id,
  name: Str,
  payer_id: Str,
  is_active: Bool,
});
export type Carrier = z.infer<typeof Carrier>;

export const PatientInsurance = z.looseObject({
  id: Id,
  patient: NullableId,
  carrier: NullableId,
  carrier_name: Str,
  ordinal: Int,
  carrier_detail: z.looseObject({ id: NullableId, name: Str }).nullish(),
});
export type PatientInsurance = z.infer<typeof PatientInsurance>;

export const ValidationIssue = z.looseObject({
  code: Str,
  severity: Str,
  message: Str,
});

export const DaySheet = z.looseObject({
  date: Str,
  operatories: z.array(z.looseObject({ id: NullableId, name: Str })).nullish(),
  blocks: z.array(z.unknown()).nullish(),
  appointments: z.array(z.unknown()).nullish(),
});
export type DaySheet = z.infer<typeof DaySheet>;

export const CatalogEntry = z.looseObject({
  name: z.string(),
  description: Str,
  required_scopes: z.array(z.string()).nullish(),
  pass_context: Bool,
});
export type CatalogEntry = z.infer<typeof CatalogEntry>;

export const GateRow = z.looseObject({
  id: NullableId,
  tool_key: z.string(),
  enabled: z.boolean(),
  note: Str,
  modified: Str,
});
export type GateRow = z.infer<typeof GateRow>;

const ProductionSummary = z.looseObject({
  total_production: MoneyValue,
  total_collections: MoneyValue,
  total_adjustments: MoneyValue,
  net_production: MoneyValue,
  procedure_count: Int,
});

export const ProductionReportBody = z.looseObject({
  date_from: Str,
  date_to: Str,
  summary: ProductionSummary.nullish(),
  by_provider: z
    .array(
      z.looseObject({
        provider_id: NullableId,
        provider_name: Str,
        production: MoneyValue,
        completed_production: MoneyValue,
        scheduled_production: MoneyValue,
        collections: MoneyValue,
        adjustments: MoneyValue,
        procedure_count: Int,
      }),
    )
    .nullish(),
  by_procedure: z
    .array(
      z.looseObject({
        proc_code: Str,
        description: Str,
        count: Int,
        total_production: MoneyValue,
        avg_fee: MoneyValue,
      }),
    )
    .nullish(),
});

export const TrendingBody = z.looseObject({
  date_from: Str,
  date_to: Str,
  bucket: Str,
  metrics: z.array(z.string()).nullish(),
  // Row values are read one by one (billing.ts): one unusable row must not make the body unreadable.
  rows: z
    .array(z.looseObject({ bucket_start: z.unknown(), bucket_end: z.unknown(), appointment_count: z.unknown() }))
    .nullish(),
  totals: z.record(z.string(), z.unknown()).nullish(),
});
