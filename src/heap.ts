import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/**
 * Sets V8's heap growing factor (live heap × (1 + percent/100) before the next full collection).
 * V8 adapts that factor between ×1.1 and ×4 to its own speed measurements; under 50 concurrent
 * HTTP clients it let the server hold ~270 MB of heap for ~33 MB of live data (a heap snapshot,
 * which collects first, right after the load), because many of a call's objects outlive a
 * young-generation collection and then die in the old one. A fixed factor trades a few more full
 * collections (incremental and mostly concurrent) for a heap that stays near its live size; the
 * trade is measured in README "Performance". It takes effect at run time, unlike the heap size
 * flags, so the bin entry needs no wrapper; an explicit `node --heap-growing-percent` wins.
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

export interface SemiSpaceCapHooks {
  execArgv?: readonly string[];
  nodeOptions?: string | undefined;
  setFlags?: (flags: string) => void;
  /** Current size of V8's new space (both semi-spaces), in bytes. */
  newSpaceBytes?: () => number;
  /** Calls `onCollection` after garbage collections; answers a function that stops. */
  watchCollections?: (onCollection: () => void) => () => void;
}

const MB = 1024 * 1024;

function newSpaceBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
}

function watchCollections(onCollection: () => void): () => void {
  const observer = new PerformanceObserver(onCollection);
  observer.observe({ entryTypes: ['gc'] });
  return () => observer.disconnect();
}

/**
 * Caps each young-generation semi-space at `semiSpaceMb`, as `node --max-semi-space-size` would.
 * V8 starts the space at 1 MB and doubles it while many objects survive young collections, up to
 * 16 MB on Node 20 and 64 MB on Node 24; under 50 HTTP clients it reached that maximum, and the
 * two semi-spaces alone then held 32 MB (Node 20) of RSS for ~6 MB of young objects. V8 reads its
 * maximum once, when the isolate is made, so a run-time cap cannot set it; but it reads the
 * growth factor each time it grows the space (V8 heap/new-spaces.cc, SemiSpaceNewSpace::Grow),
 * so after collections the factor is set to 1 (no growth) once the space has reached the cap,
 * and back to 2 (V8's default) if V8 has shrunk it below, as it does when the server goes quiet.
 * Collections are seen after the fact, so a burst of them may overshoot by one doubling until
 * V8 shrinks the space again. A cap at or above V8's own maximum changes nothing. HTTP only, like
 * the heap growing factor; an explicit `--max-semi-space-size` or `--semi-space-growth-factor`
 * (command line or NODE_OPTIONS) wins.
 */
export function capSemiSpace(semiSpaceMb: number, hooks: SemiSpaceCapHooks = {}): (() => void) | undefined {
  const execArgv = hooks.execArgv ?? process.execArgv;
  const nodeOptions = hooks.nodeOptions ?? process.env.NODE_OPTIONS ?? '';
  const explicit = /(^|\s)--(max[-_]semi[-_]space[-_]size|semi[-_]space[-_]growth[-_]factor)\b/;
  if (semiSpaceMb <= 0 || execArgv.some((arg) => explicit.test(arg)) || explicit.test(nodeOptions)) return undefined;
  const setFlags = hooks.setFlags ?? setFlagsFromString;
  const size = hooks.newSpaceBytes ?? newSpaceBytes;
  const capBytes = 2 * semiSpaceMb * MB;
  let growing: boolean | undefined;
  const check = () => {
    const mayGrow = size() < capBytes;
    if (mayGrow === growing) return;
    growing = mayGrow;
    setFlags(`--semi-space-growth-factor=${mayGrow ? 2 : 1}`);
  };
  check();
  return (hooks.watchCollections ?? watchCollections)(check);
}
