/**
 * Billing: production and trending reports, aging, patient-balance report, payments, adjustments, patient balance summary (ASSUMPTIONS §1, §9).
 * Owned by the ledger work; registered by routes/index.ts.
 */
import type { Router } from '../http/types.js';
import type { SandboxStore } from '../store.js';

export function registerBillingRoutes(_router: Router, _store: SandboxStore): void {
  // Filled in by the ledger engineer.
}
