/** Registers every route module on the router. */
import type { Router } from '../http/types.js';
import type { SandboxStore } from '../store.js';
import { registerAccountRoutes } from './account.js';
import { registerAppointmentRoutes } from './appointments.js';
import { registerBillingRoutes } from './billing.js';
import { registerClinicalRoutes } from './clinical.js';
import { registerDsoRoutes } from './dso.js';
import { registerInsuranceRoutes } from './insurance.js';
import { registerPatientRoutes } from './patients.js';
import { registerPracticeRoutes } from './practice.js';
import { registerReferenceRoutes } from './reference.js';
import { registerScheduleRowRoutes } from './schedule-rows.js';
import { registerSchedulingRoutes } from './scheduling.js';

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
}
