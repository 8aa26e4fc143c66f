/**
 * Preloaded with `node --import` into a server process by bench/alloc.ts: V8's sampling heap
 * profiler, counting objects the collector has already freed too (the garbage is what drives GC).
 * Sampling starts on SIGUSR2 (after the warm-up) and the profile is written, synchronously, to
 * the file BENCH_HEAP_PROFILE names when the process exits, so the server's own SIGTERM handling
 * (src/main.ts replaces listeners after startup, then exits) runs untouched.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const file = process.env.BENCH_HEAP_PROFILE;
if (!file) throw new Error('BENCH_HEAP_PROFILE names no file for the heap profile');
const session = new Session();
session.connect();
let sampling = false;
process.on('SIGUSR2', () => {
  session.post(
    'HeapProfiler.startSampling',
    { samplingInterval: 16384, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true },
    (error) => {
      if (error) throw error;
      sampling = true;
    },
  );
});
// An in-process session answers during post(), so this runs to the end before the process exits.
process.on('exit', () => {
  if (!sampling) return;
  session.post('HeapProfiler.stopSampling', (error, result) => {
    if (error) throw error;
    writeFileSync(file, JSON.stringify(result.profile));
  });
});
