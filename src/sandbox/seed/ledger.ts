/**
 * Seeds one practice's ledger: procedures, carriers, patient insurance, claims (with status
 * logs), payments and adjustments, consistent with the appointments already generated.
 * (Placeholder signature; the ledger engine's owner fills it in.)
 */
import type { LocalDate, PracticeData, ProcedureCode } from '../model.js';
import type { Random } from './random.js';

export interface LedgerSeedContext {
  random: Random;
  /** Today in the practice's timezone. */
  today: LocalDate;
  nowMs: number;
  procedureCodes: readonly ProcedureCode[];
  /** 'default' (~1,500 patients) or 'large' (10k+ patients, 200k+ appointments). */
  scale: 'default' | 'large';
}

export function seedLedger(_data: PracticeData, _context: LedgerSeedContext): void {
  // Filled in by the ledger work: derive completed procedures from completed appointments,
  // then claims, payments and adjustments (see ../../../../shared/escape-api/claims-reports-auth.md §15).
}
