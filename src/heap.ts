import { setFlagsFromString } from 'node:v8';

/**
 * Sets V8's heap growing factor (live heap × (1 + percent/100) before the next full collection).
 * V8 adapts that factor to its own speed measurements; under many concurrent HTTP clients it let
 * the server keep a heap several times its live size, because many of a call's objects outlive a
 * young-generation collection and then die in the old one. A fixed factor trades a few more full
 * collections (incremental and mostly concurrent) for a heap that stays near its live size; the
 * trade is measured in bench/results/heap-ab.md. V8 reads this flag each time it sets the next
 * limit after a full collection (V8 heap/heap-controller.cc), so setting it at start-up, before
 * any load, takes effect and the bin entry needs no wrapper; an explicit
 * `node --heap-growing-percent` wins.
 * HTTP only: that is where many calls are in flight at once (a stdio server serves one client).
 * Setting it in a stdio server once made its tools/list_changed notifications stop: more frequent
 * full collections exposed a wrapper held only by a WeakRef (fixed in src/transports/stdio.ts).
 */
export function applyHeapGrowing(
  percent: number,
  execArgv: readonly string[] = process.execArgv,
  setFlags: (flags: string) => void = setFlagsFromString,
): string | undefined {
  if (percent <= 0 || execArgv.some((arg) => /^--heap[-_]growing[-_]percent\b/.test(arg))) return undefined;
  const flag = `--heap-growing-percent=${percent}`;
  setFlags(flag);
  return flag;
}
