/**
 * `createEscapeApi(options)`: the real implementation of the EscapeApi port — one HTTP core, one
 * reference cache, credentials, and the resource modules.
 */
import { Agent } from 'undici';
import { ReferenceCache, type ReferenceCacheOptions } from './cache.js';
import { EscapeClient, type EscapeClientOptions } from './client.js';
import { type CredentialConfig, type CredentialProvider, createCredentialProvider } from './credentials.js';
import type { EscapeApi } from './port.js';
import { createAdminResources } from './resources/admin.js';
import { createAgingJobResources } from './resources/aging-jobs.js';
import { createAppointmentResources } from './resources/appointments.js';
import { createBillingResources } from './resources/billing.js';
import type { ResourceContext } from './resources/context.js';
import { createFindSpotResources } from './resources/find-spot.js';
import { createInsuranceResources } from './resources/insurance.js';
import { createOfficeReportResources } from './resources/office-reports.js';
import { createClinicalResources, createPatientResources } from './resources/patients.js';
import { createPracticeResources } from './resources/practice.js';
import { createRecallResources } from './resources/recalls.js';
import { createReferenceResources } from './resources/reference.js';
import { createWorklistResources } from './resources/worklists.js';

export interface CreateEscapeApiOptions extends Omit<EscapeClientOptions, 'credentials'> {
  /** A provider, or the configuration to build one (static token or SimpleJWT refresh token). */
  credentials: CredentialProvider | CredentialConfig;
  cache?: ReferenceCacheOptions;
}

export interface EscapeApiHandle extends EscapeApi {
  /** The HTTP core (breaker state, low-level requests). */
  readonly client: EscapeClient;
  readonly cache: ReferenceCache;
  readonly credentials: CredentialProvider;
  close(): Promise<void>;
}

function isProvider(value: CredentialProvider | CredentialConfig): value is CredentialProvider {
  return typeof (value as CredentialProvider).getAccessToken === 'function';
}

export function createEscapeApi(options: CreateEscapeApiOptions): EscapeApiHandle {
  const ownsDispatcher = !options.dispatcher;
  const dispatcher =
    options.dispatcher ??
    new Agent({
      connections: options.connections ?? 16,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 10_000,
      keepAliveMaxTimeout: 60_000,
    });
  const credentials = isProvider(options.credentials)
    ? options.credentials
    : createCredentialProvider(options.credentials, {
        baseUrl: options.baseUrl,
        dispatcher,
        ...(options.observer ? { observer: options.observer } : {}),
        ...(options.now ? { now: options.now } : {}),
      });
  const client = new EscapeClient({ ...options, credentials, dispatcher });
  const cache = new ReferenceCache(options.cache);
  const now = options.now ?? Date.now;
  const practiceResources = createPracticeResources(client, cache);
  const ctx: ResourceContext = { client, cache, now, timezone: practiceResources.practices.timezone };
  const patients = createPatientResources(ctx);
  let closing: Promise<void> | undefined;
  return {
    client,
    cache,
    credentials,
    account: practiceResources.account,
    practices: practiceResources.practices,
    reference: createReferenceResources(client, cache),
    scheduling: { ...createFindSpotResources(ctx), ...createAppointmentResources(ctx) },
    patients,
    clinical: createClinicalResources(ctx),
    insurance: createInsuranceResources(client),
    billing: createBillingResources(client),
    agingJobs: createAgingJobResources(client),
    admin: createAdminResources(client),
    officeReports: createOfficeReportResources(client),
    recalls: createRecallResources(client),
    worklists: createWorklistResources(ctx),
    close() {
      closing ??= (async () => {
        await client.close();
        if (ownsDispatcher) await dispatcher.close();
      })();
      return closing;
    },
  };
}

export type { EscapeClientOptions, UpstreamObservation } from './client.js';
export { EscapeClient } from './client.js';
export * from './errors.js';
export { buildOperationTable, DEFAULT_OPERATIONS, type OperationName, type OperationOverrides, path } from './paths.js';
export type * from './port.js';
export { TIMELINE_EVENT_TYPES } from './port.js';
export { APPOINTMENT_STATUSES } from './resources/appointments.js';
export { CLAIM_STATUSES, OUTSTANDING_STATUSES } from './resources/insurance.js';
