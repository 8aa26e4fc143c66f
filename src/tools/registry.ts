/**
 * The catalog: every tool this server can offer. Its order means nothing: tools/list, the docs
 * and the exported registry sort by name (`createServer` in server.ts). Gates, scopes and
 * read-only are applied per caller and practice by `gates/decision.ts`, never here.
 */
import { bookAppointment } from './book-appointment.js';
import { cancelAppointment } from './cancel-appointment.js';
import { claimsSummary } from './claims-summary.js';
import { findPatientTool } from './find-patient.js';
import { findSpot } from './find-spot.js';
import { patientTimeline } from './patient-timeline.js';
import { productionReport } from './production-report.js';
import { rescheduleAppointment } from './reschedule-appointment.js';
import type { AnyToolDefinition } from './types.js';

export const CATALOG: readonly AnyToolDefinition[] = [
  claimsSummary,
  findSpot,
  patientTimeline,
  productionReport,
  findPatientTool,
  bookAppointment,
  rescheduleAppointment,
  cancelAppointment,
];

export function catalogByName(): ReadonlyMap<string, AnyToolDefinition> {
  return new Map(CATALOG.map((tool) => [tool.name, tool]));
}
