/**
 * Practice reference data, fetched whole and cached (T22: the provider and operatory lists have
 * no server-side filters; ReferenceDataPagination allows page_size up to 2000, L5524, L5676).
 */

import type { z } from 'zod';
import type { ReferenceCache, ReferenceKind } from '../cache.js';
import { type EscapeClient, parseBody } from '../client.js';
import { collectPages, normalizePage } from '../pagination.js';
import type { OperationName } from '../paths.js';
import type { CallOptions, CarrierRef, PatientInsurance as PatientInsuranceT } from '../port.js';
import { AppointmentStatusMeta, Carrier, Operatory, PatientInsurance, Provider } from '../schemas.js';

async function listAll<S extends z.ZodType>(
  client: EscapeClient,
  operation: OperationName,
  practiceId: string,
  schema: S,
  options: { query?: Record<string, string | number | undefined>; signal?: AbortSignal | undefined } = {},
): Promise<Array<z.output<S>>> {
  const { rows } = await collectPages(client, {
    operation,
    params: { practice: practiceId },
    ...(options.query ? { query: options.query } : {}),
    signal: options.signal,
  });
  return rows.map((row) => parseBody(schema, row, operation));
}

export interface ReferencePort {
  /** Full roster (page_size up to 2000), cached; includes inactive and hidden providers. */
  providers(practiceId: string, options?: CallOptions): Promise<Provider[]>;
  operatories(practiceId: string, options?: CallOptions): Promise<Operatory[]>;
  /** One operatory by id (not cached): how a chair the list left out is read (L17033). */
  operatory(practiceId: string, operatoryId: string, options?: CallOptions): Promise<Operatory>;
  appointmentStatuses(practiceId: string, options?: CallOptions): Promise<AppointmentStatusMeta[]>;
  carriers(practiceId: string, options?: CallOptions): Promise<Carrier[]>;
  /** patient-insurance id → carrier, for claim → carrier mapping. */
  patientInsuranceCarriers(practiceId: string, options?: CallOptions): Promise<Map<string, CarrierRef>>;
  invalidate(practiceId?: string, kind?: ReferenceKind): void;
}

export function createReferenceResources(client: EscapeClient, cache: ReferenceCache): ReferencePort {
  const providers = (practiceId: string, options?: CallOptions) =>
    cache.get(practiceId, 'providers', () => listAll(client, 'providers.list', practiceId, Provider), options?.signal);

  const operatories = (practiceId: string, options?: CallOptions) =>
    cache.get(
      practiceId,
      'operatories',
      async () => {
        const rows = await listAll(client, 'operatories.list', practiceId, Operatory);
        return rows.sort((a, b) => (a.sort_order ?? 0) - (b.sort_order ?? 0));
      },
      options?.signal,
    );

  const operatory = (practiceId: string, operatoryId: string, options?: CallOptions) =>
    client.requestJson(
      {
        operation: 'operatories.retrieve',
        params: { practice: practiceId, operatory: operatoryId },
        signal: options?.signal,
      },
      Operatory,
    );

  const appointmentStatuses = (practiceId: string, options?: CallOptions) =>
    cache.get(
      practiceId,
      'appointmentStatuses',
      async () => {
        // Unpaginated flat array (L383); tolerate an envelope anyway.
        const res = await client.request({
          operation: 'scheduling.appointmentStatuses',
          params: { practice: practiceId },
        });
        return normalizePage(res.body, 'scheduling.appointmentStatuses').rows.map((row) =>
          parseBody(AppointmentStatusMeta, row, 'scheduling.appointmentStatuses'),
        );
      },
      options?.signal,
    );

  const carriers = (practiceId: string, options?: CallOptions) =>
    cache.get(
      practiceId,
      'carriers',
      () => listAll(client, 'insurance.carriers', practiceId, Carrier),
      options?.signal,
    );

  const patientInsuranceCarriers = (practiceId: string, options?: CallOptions) =>
    cache.get(
      practiceId,
      'patientInsuranceCarriers',
      async () => {
        const [enrollments, carrierRows] = await Promise.all([
          listAll(client, 'insurance.patientInsurance', practiceId, PatientInsurance),
          carriers(practiceId),
        ]);
        return buildCarrierMap(enrollments, carrierRows);
      },
      options?.signal,
    );

  return {
    providers,
    operatories,
    operatory,
    appointmentStatuses,
    carriers,
    patientInsuranceCarriers,
    invalidate: (practiceId, kind) => cache.invalidate(practiceId, kind),
  };
}

/** patient-insurance id → carrier (id and name), preferring the carrier catalog's name. */
export function buildCarrierMap(
  enrollments: readonly PatientInsuranceT[],
  carriers: ReadonlyArray<{ id: string; name?: string | null }>,
): Map<string, CarrierRef> {
  const names = new Map(carriers.map((c) => [c.id, c.name ?? null] as const));
  const map = new Map<string, CarrierRef>();
  for (const e of enrollments) {
    const carrierId = e.carrier ?? e.carrier_detail?.id ?? null;
    const carrierName =
      (carrierId ? names.get(carrierId) : undefined) ?? e.carrier_name ?? e.carrier_detail?.name ?? null;
    map.set(e.id, { carrierId, carrierName });
  }
  return map;
}
