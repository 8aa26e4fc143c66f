/**
 * Writes that touch the same patient, provider or chair run one at a time. The API guards chairs
 * and providers against double booking but not the patient, and a move checked against the
 * appointment's place before another move lands would undo it: so the overlap is re-checked
 * under these locks, just before writing.
 *
 * One interface, so a deployment with several server processes can back it with a shared store
 * later; in one process it is async-lock (keyed FIFO locks, well used, no dependencies). Keys are
 * taken in sorted order so two writes wanting the same keys cannot wait on each other.
 */
import { boundState } from '../../../state/binding.js';
import { inProcessWriteLocks, type WriteLocks } from '../../../state/locks.js';
import type { ToolContext } from '../types.js';

// Held beside the runtime's memo rather than in it: an entry of the memo's LRU can be evicted,
// and a lock replaced while held would let two writes through.
const RUNTIME_LOCKS = new WeakMap<object, WriteLocks>();

/** The runtime's locks (one per runtime, keyed by its memo). */
export function writeLocks(context: Pick<ToolContext, 'memo'>): WriteLocks {
  const shared = boundState(context.memo);
  if (shared) return shared.locks;
  let locks = RUNTIME_LOCKS.get(context.memo);
  if (!locks) {
    locks = inProcessWriteLocks();
    RUNTIME_LOCKS.set(context.memo, locks);
  }
  return locks;
}

/** The keys a write of this patient with this provider in this chair holds. */
export function writeLockKeys(
  practiceId: string,
  parts: { patientId: string; providerId?: string | null; operatoryId?: string | null },
): string[] {
  return [
    `patient:${practiceId}:${parts.patientId}`,
    ...(parts.providerId ? [`provider:${practiceId}:${parts.providerId}`] : []),
    ...(parts.operatoryId ? [`chair:${practiceId}:${parts.operatoryId}`] : []),
  ];
}

export { inProcessWriteLocks, type WriteLocks } from '../../../state/locks.js';
