/**
 * The catalog: every tool this server can offer. Its order means nothing: tools/list, the docs
 * and the exported registry sort by name (`createServer` in server.ts). Gates, scopes and
 * read-only are applied per caller and practice by `gates/decision.ts`, never here.
 */

import type { AnyToolDefinition } from './framework/types.js';
import { claimsSummary } from './insurance/claims-summary.js';
import { claimsWorklist } from './insurance/claims-worklist.js';
import { findPatientTool } from './patients/find-patient.js';
import { patientTimeline } from './patients/patient-timeline.js';
import { agingReport } from './reports/aging-report.js';
import { balancesWorklist } from './reports/balances-worklist.js';
import { dsoOverview } from './reports/dso-overview.js';
import { kpiScorecard } from './reports/kpi-scorecard.js';
import { productionReport } from './reports/production-report.js';
import { bookAppointment } from './scheduling/book-appointment.js';
import { cancelAppointment } from './scheduling/cancel-appointment.js';
import { findSpot } from './scheduling/find-spot.js';
import { rescheduleAppointment } from './scheduling/reschedule-appointment.js';
import { dayBrief } from './worklists/day-brief.js';
import { fillOpening } from './worklists/fill-opening.js';
import { logContact } from './worklists/log-contact.js';
import { missedVisits } from './worklists/missed-visits.js';
import { playbookTool } from './worklists/playbook.js';
import { recallWorklist } from './worklists/recall-worklist.js';

export const CATALOG: readonly AnyToolDefinition[] = [
  claimsSummary,
  findSpot,
  patientTimeline,
  productionReport,
  findPatientTool,
  bookAppointment,
  rescheduleAppointment,
  cancelAppointment,
  agingReport,
  claimsWorklist,
  balancesWorklist,
  kpiScorecard,
  dsoOverview,
  recallWorklist,
  logContact,
  playbookTool,
  dayBrief,
  missedVisits,
  fillOpening,
];
