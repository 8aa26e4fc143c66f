/** Registers every route module on the router. */
import type { Router } from '../http/types.js';
import type { SandboxStore } from '../store.js';
import { registerAccountRoutes } from './account.js';
import { registerBillingRoutes } from './billing.js';
import { registerDsoRoutes } from './dso.js';
import { registerInsuranceRoutes } from './insurance.js';
import { registerPracticeRoutes } from './practice.js';

export function registerRoutes(router: Router, store: SandboxStore): void {
  registerAccountRoutes(router, store);
  registerPracticeRoutes(router, store);
  registerInsuranceRoutes(router, store);
  registerBillingRoutes(router, store);
  registerDsoRoutes(router, store);
}
