/**
 * DSO: client list and the client-level reports (ASSUMPTIONS §1, §9).
 * Owned by the ledger work; registered by routes/index.ts.
 */
import type { Router } from '../http/types.js';
import type { SandboxStore } from '../store.js';

export function registerDsoRoutes(_router: Router, _store: SandboxStore): void {
  // Filled in by the ledger engineer.
}
