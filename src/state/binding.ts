/**
 * Which store a runtime's writes use. Held beside the runtime's memo (the object every tool
 * context carries) rather than in it: an entry of the memo's LRU can be evicted. A runtime with
 * no store bound keeps the in-process ledger and locks (tests that build contexts by hand).
 */
import type { StateStore } from './port.js';

const BOUND = new WeakMap<object, StateStore>();

export function bindState(memo: object, store: StateStore): void {
  BOUND.set(memo, store);
}

export function boundState(memo: object): StateStore | undefined {
  return BOUND.get(memo);
}
