/**
 * The API port split in two. Tools get `ToolApi`: every read, and no write. The writes
 * (appointment create, update, transition; communication-log create) travel sealed in the tool context and only the write
 * pipeline (`pipeline.ts`) opens them, after the person confirmed exactly that write; a test
 * checks no other module calls them and that nothing reachable from a tool's view leads to one.
 */
import type { EscapeApi } from '../../../api/port.js';

export type AppointmentWrites = Pick<
  EscapeApi['scheduling'],
  'createAppointment' | 'updateAppointment' | 'transitionAppointment'
> &
  Pick<EscapeApi['recalls'], 'createCommlog'>;

/** The API as tools see it: reads only. */
export type ToolApi = Omit<EscapeApi, 'scheduling' | 'recalls'> & {
  scheduling: Omit<EscapeApi['scheduling'], keyof AppointmentWrites>;
  recalls: Omit<EscapeApi['recalls'], 'createCommlog'>;
};

/** The sealed write port: opaque outside this module. */
export interface SealedWrites {
  readonly sealed: true;
}

const PORTS = new WeakMap<SealedWrites, AppointmentWrites>();
const READ_VIEWS = new WeakMap<EscapeApi, ToolApi>();

/**
 * The resources of the port, by name. The view is built from these alone: the handle the server
 * holds also carries the HTTP client, whose `request` could send any operation, writes included.
 */
const RESOURCES = [
  'account',
  'practices',
  'reference',
  'scheduling',
  'patients',
  'clinical',
  'insurance',
  'billing',
  'agingJobs',
  'admin',
  'officeReports',
  'recalls',
  'worklists',
] as const satisfies readonly (keyof EscapeApi)[];
// A resource added to the port must be added above (or it would be missing from the view).
const everyResource: Exclude<keyof EscapeApi, (typeof RESOURCES)[number]> extends never ? true : never = true;
void everyResource;

/** The read-only view of the API handed to tools: the resources, without the appointment writes. */
export function readOnlyApi(api: EscapeApi): ToolApi {
  let view = READ_VIEWS.get(api);
  if (!view) {
    const {
      createAppointment: _create,
      updateAppointment: _update,
      transitionAppointment: _transition,
      ...reads
    } = api.scheduling ?? {};
    const { createCommlog: _commlog, ...recallReads } = api.recalls ?? {};
    const views: Partial<Record<(typeof RESOURCES)[number], unknown>> = { scheduling: reads, recalls: recallReads };
    view = Object.fromEntries(RESOURCES.map((name) => [name, views[name] ?? api[name]])) as unknown as ToolApi;
    READ_VIEWS.set(api, view);
  }
  return view;
}

const SEALS = new WeakMap<EscapeApi, SealedWrites>();

/** The API's appointment writes, sealed for the tool context. */
export function sealWrites(api: EscapeApi): SealedWrites {
  let sealed = SEALS.get(api);
  if (!sealed) {
    sealed = Object.freeze({ sealed: true as const });
    const { scheduling, recalls } = api;
    PORTS.set(sealed, {
      createAppointment: (...args) => scheduling.createAppointment(...args),
      updateAppointment: (...args) => scheduling.updateAppointment(...args),
      transitionAppointment: (...args) => scheduling.transitionAppointment(...args),
      createCommlog: (...args) => recalls.createCommlog(...args),
    });
    SEALS.set(api, sealed);
  }
  return sealed;
}

/** The appointment writes behind a seal. Only the write pipeline calls this. */
export function openWrites(sealed: SealedWrites): AppointmentWrites {
  const port = PORTS.get(sealed);
  if (!port) throw new Error('No appointment writes are available to this call.');
  return port;
}
