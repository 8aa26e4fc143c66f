/**
 * The reads behind the front-desk worklists (issue 17): the route slip (L504), insurance
 * verifications (L3775), the no-show list (L15) and the cancellations report (L980). Each answer
 * is checked against what was asked (ids, patient, dates, status) and rows outside it are left out
 * and recorded (divergence.ts); a list walk that ended short is reported as not complete.
 */
import { z } from 'zod';
import { addDays, instantToLocalDate, parseInstantMs, validateDateRange } from '../../domain/dates.js';
import { presentPhone } from '../../domain/names.js';
import { parseBody } from '../client.js';
import { noteDivergence, noteLeftOut } from '../divergence.js';
import { collectPages, listNoun, normalizePage, rowIdentity } from '../pagination.js';
import { sameId } from '../paths.js';
import type { CallOptions, DateRange } from '../port.js';
import { Id, NullableId, Str } from '../schemas.js';
import type { ResourceContext } from './context.js';

const Count = z.number().int().nonnegative().nullish();

const RouteSlipBody = z.looseObject({
  appointment: z.looseObject({ id: Id, patient: NullableId }),
  patient: z.looseObject({ uid: NullableId, phone: Str, medical_alerts: z.array(z.unknown()).nullish() }).nullish(),
  insurance: z.looseObject({ primary_carrier: Str }).nullish(),
});

const VerificationRow = z.looseObject({
  id: Id,
  patient: NullableId,
  insurance_plan: NullableId,
  verified_at: Str,
});

const NoShowRow = z.looseObject({
  id: Id,
  patient: NullableId,
  date_time: Str,
  status: Str,
  duration_minutes: z.number().int().nullish(),
  appointment_type: Str,
  patient_name: Str,
  provider: NullableId,
  provider_name: Str,
  operatory: NullableId,
  patient_no_show_count: Count,
  patient_phone: Str,
});

const CancellationRow = z.looseObject({
  id: Id,
  cancelled_at: Str,
  scheduled_start: Str,
  lead_time_hours: z.union([z.string(), z.number()]).nullish(),
  patient_id: NullableId,
  patient_name: Str,
  provider_name: Str,
  procedure_description: Str,
  rebooked: z.boolean().nullish(),
  rebook_appointment_id: NullableId,
  rebook_date: Str,
});

export interface RouteSlip {
  appointmentId: string;
  patientId: string;
  /** Only whether alerts exist: their text is clinical data a worklist never needs. */
  hasMedicalAlert: boolean;
  insured: boolean;
  phone: string | null;
}

export interface Verification {
  id: string;
  patientId: string;
  insurancePlanId: string | null;
  verifiedAtMs: number;
}

export type NoShow = z.infer<typeof NoShowRow> & { patient: string; date_time: string };
export type Cancellation = z.infer<typeof CancellationRow> & { patient_id: string; cancelled_at: string };

export interface ListAnswer<Row> {
  rows: Row[];
  /** False when the API may hold rows that were not read (see the partial divergences). */
  complete: boolean;
}

export interface WorklistsPort {
  /** undefined when the slip that came back is of another appointment (recorded as a divergence). */
  routeSlip(practiceId: string, appointmentId: string, options?: CallOptions): Promise<RouteSlip | undefined>;
  /** Verifications of one patient obtained in a period of practice-local dates. */
  verifications(
    practiceId: string,
    params: { patientId: string; range: DateRange },
    options?: CallOptions,
  ): Promise<ListAnswer<Verification>>;
  /** Broken (no-show) appointments in a period, with the API's no-show annotations. */
  noShows(practiceId: string, range: DateRange, options?: CallOptions): Promise<ListAnswer<NoShow>>;
  /** Appointments cancelled in a period (by cancellation date), with the API's rebook annotations. */
  cancellations(practiceId: string, range: DateRange, options?: CallOptions): Promise<ListAnswer<Cancellation>>;
}

/**
 * The one place the period reports' shortcut-vs-range trap is handled: `no_show_between` gives way
 * to explicit `from`/`to`/`status` (L15–L18) while `cancelled_between` overrides `from`/`to`
 * (L983–L990), opposite precedences. Only the shortcut is ever sent, so neither rule decides what
 * the API answers, and each answer is checked against the period anyway.
 */
export function periodReportQuery(report: 'noShows' | 'cancellations', range: DateRange): Record<string, string> {
  const checked = validateDateRange(range, { label: 'period' });
  const pair = `${checked.from},${checked.to}`;
  return report === 'noShows' ? { no_show_between: pair } : { cancelled_between: pair };
}

const NO_SHOW_NOUN = ['no-show', 'no-shows'] as const;
const CANCELLATION_NOUN = listNoun('worklists.cancellations');
const VERIFICATION_NOUN = listNoun('worklists.verifications');

export function createWorklistResources(ctx: ResourceContext): WorklistsPort {
  const { client } = ctx;

  function localDateOf(value: string | null | undefined, zone: string): string | undefined {
    if (typeof value !== 'string') return undefined;
    try {
      return instantToLocalDate(parseInstantMs(value, zone), zone);
    } catch {
      return undefined;
    }
  }

  async function routeSlip(practiceId: string, appointmentId: string, options?: CallOptions) {
    const slip = await client.requestJson(
      {
        operation: 'worklists.routeSlip',
        params: { practice: practiceId, appointment: appointmentId },
        signal: options?.signal,
      },
      RouteSlipBody,
    );
    const patientId = slip.appointment.patient ?? undefined;
    if (
      !sameId(slip.appointment.id, appointmentId) ||
      !patientId ||
      (slip.patient?.uid && !sameId(slip.patient.uid, patientId))
    ) {
      noteDivergence({
        kind: 'note',
        text: 'Escape Dental answered a route slip for another appointment or patient than asked; that slip was not used.',
      });
      return undefined;
    }
    return {
      appointmentId,
      patientId,
      hasMedicalAlert: (slip.patient?.medical_alerts ?? []).length > 0,
      insured: slip.insurance != null,
      phone: presentPhone(slip.patient?.phone) ?? null,
    };
  }

  async function verifications(
    practiceId: string,
    params: { patientId: string; range: DateRange },
    options?: CallOptions,
  ): Promise<ListAnswer<Verification>> {
    const range = validateDateRange(params.range, { label: 'verification period' });
    const zone = await ctx.timezone(practiceId, options);
    const walk = await collectPages(client, {
      operation: 'worklists.verifications',
      params: { practice: practiceId },
      // L3789 / T29: verified_between takes datetimes; a bare date covers the practice-local day
      // (ASSUMPTIONS §15). One day wider each side, then each row is checked here.
      query: { patient: params.patientId, verified_between: `${addDays(range.from, -1)},${addDays(range.to, 1)}` },
      signal: options?.signal,
    });
    const rows: Verification[] = [];
    const otherPatient: string[] = [];
    const outside: string[] = [];
    for (const raw of walk.rows) {
      const row = parseBody(VerificationRow, raw, 'worklists.verifications');
      if (!row.patient || !sameId(row.patient, params.patientId)) {
        otherPatient.push(row.id);
        continue;
      }
      const day = localDateOf(row.verified_at, zone);
      if (!day || day < range.from || day > range.to) {
        if (!day || day < addDays(range.from, -1) || day > addDays(range.to, 1)) outside.push(row.id);
        continue;
      }
      rows.push({
        id: row.id,
        patientId: row.patient,
        insurancePlanId: row.insurance_plan ?? null,
        verifiedAtMs: parseInstantMs(row.verified_at as string, zone),
      });
    }
    noteLeftOut(VERIFICATION_NOUN, otherPatient, 'of another patient than asked');
    noteLeftOut(VERIFICATION_NOUN, outside, `dated outside the ${range.from} to ${range.to} asked for`);
    return { rows, complete: !walk.truncated };
  }

  /**
   * A period report read with its shortcut (periodReportQuery): rows the API sent for another
   * status or outside the period are left out here and recorded.
   */
  async function periodReport<S extends z.ZodType>(
    practiceId: string,
    range: DateRange,
    report: { kind: 'noShows' | 'cancellations'; operation: 'scheduling.appointmentList' | 'worklists.cancellations' },
    schema: S,
    check: (row: z.output<S>) => {
      day: string | null | undefined;
      patient: string | null | undefined;
      status?: boolean;
    },
    options?: CallOptions,
  ): Promise<ListAnswer<z.output<S>>> {
    const checked = validateDateRange(range, { label: 'period' });
    const zone = await ctx.timezone(practiceId, options);
    const request = {
      operation: report.operation,
      params: { practice: practiceId },
      query: periodReportQuery(report.kind, checked),
      signal: options?.signal,
    };
    // The cancellations report is one answer (L980 documents no page parameters): asking it for
    // page 2 would only bring the same rows again.
    const walk =
      report.kind === 'cancellations'
        ? { rows: normalizePage((await client.request(request)).body, report.operation).rows, truncated: false }
        : await collectPages(client, request);
    const rows: z.output<S>[] = [];
    const otherStatus: string[] = [];
    const outside: string[] = [];
    for (const raw of walk.rows) {
      const row = parseBody(schema, raw, report.operation);
      const facts = check(row);
      if (facts.status === false) {
        otherStatus.push(rowIdentity(row));
        continue;
      }
      const day = localDateOf(facts.day, zone);
      if (!day || day < checked.from || day > checked.to || !facts.patient) {
        outside.push(rowIdentity(row));
        continue;
      }
      rows.push(row);
    }
    const noun = report.kind === 'noShows' ? NO_SHOW_NOUN : CANCELLATION_NOUN;
    noteLeftOut(noun, otherStatus, 'of another status than asked');
    noteLeftOut(noun, outside, `outside the ${checked.from} to ${checked.to} asked for`);
    return { rows, complete: !walk.truncated };
  }

  const noShows = (practiceId: string, range: DateRange, options?: CallOptions) =>
    periodReport(
      practiceId,
      range,
      { kind: 'noShows', operation: 'scheduling.appointmentList' },
      NoShowRow,
      (row) => ({
        day: row.date_time,
        patient: row.patient,
        status: row.status === 'broken' || row.status === 'no_show',
      }),
      options,
    ) as Promise<ListAnswer<NoShow>>;

  const cancellations = (practiceId: string, range: DateRange, options?: CallOptions) =>
    periodReport(
      practiceId,
      range,
      { kind: 'cancellations', operation: 'worklists.cancellations' },
      CancellationRow,
      (row) => ({ day: row.cancelled_at, patient: row.patient_id }),
      options,
    ) as Promise<ListAnswer<Cancellation>>;

  return { routeSlip, verifications, noShows, cancellations };
}
