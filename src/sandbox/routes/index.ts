/** Registers every route module on the router. */
import type { Router } from '../http/types.js';
import type { SandboxStore } from '../store.js';
import { registerAccountRoutes } from './account.js';
import { registerAgingJobRoutes } from './aging-jobs.js';
import { registerAppointmentRoutes } from './appointments.js';
import { registerBillingRoutes } from './billing.js';
import { registerClinicalRoutes } from './clinical.js';
import { registerCommlogRoutes } from './commlogs.js';
import { registerDsoRoutes } from './dso.js';
import { registerDsoCareRoutes } from './dso-care.js';
import { registerFrontDeskRoutes } from './front-desk.js';
import { registerInsuranceRoutes } from './insurance.js';
import { registerPatientRoutes } from './patients.js';
import { registerPracticeRoutes } from './practice.js';
import { registerRecallRoutes } from './recalls.js';
import { registerReferenceRoutes } from './reference.js';
import { registerScheduleRowRoutes } from './schedule-rows.js';
import { registerSchedulingRoutes } from './scheduling.js';
import { registerVerificationRoutes } from './verifications.js';

export function registerRoutes(router: Router, store: SandboxStore): void {
  registerAccountRoutes(router, store);
  registerPracticeRoutes(router, store);
  registerReferenceRoutes(router, store);
  registerAppointmentRoutes(router, store);
  registerSchedulingRoutes(router, store);
  registerScheduleRowRoutes(router, store);
  registerPatientRoutes(router, store);
  registerClinicalRoutes(router, store);
  registerInsuranceRoutes(router, store);
  registerBillingRoutes(router, store);
  registerDsoRoutes(router, store);
  // The worklist and office-manager endpoints (issues 17 and 18).
  registerFrontDeskRoutes(router, store);
  registerRecallRoutes(router, store);
  registerCommlogRoutes(router, store);
  registerVerificationRoutes(router, store);
  registerAgingJobRoutes(router, store);
  registerDsoCareRoutes(router, store);
}
