/** The default store: this process's memory (stdio, one HTTP process). Nothing to reach, always healthy. */
import { WriteLedger } from '../tools/framework/idempotency.js';
import { inProcessWriteLocks } from '../tools/framework/writes/lock.js';
import type { StateStore } from './port.js';

export function memoryStateStore(): StateStore {
  let ledger: WriteLedger | undefined;
  return {
    kind: 'memory',
    ledger(now) {
      ledger ??= new WriteLedger(now);
      return ledger;
    },
    locks: inProcessWriteLocks(),
    health: async () => ({ ok: true }),
    close: async () => {},
  };
}
