/** The default store: this process's memory (stdio, one HTTP process). Nothing to reach, always healthy. */
import { inProcessWriteLocks } from './locks.js';
import type { StateStore } from './port.js';
import { WriteLedger } from './write-ledger.js';

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
