/**
 * Keyed write locks in one process (the default state store's): async-lock (keyed FIFO locks,
 * well used, no dependencies). Keys are taken in sorted order so two writes wanting the same keys
 * cannot wait on each other. The Redis store holds the shared ones (redis.ts).
 */
import AsyncLock from 'async-lock';
import { RequestAborted } from '../api/errors.js';
import { WriteStillInProgress } from './port.js';

export interface WriteLocks {
  /**
   * Runs `work` holding every key. When `signal` aborts (the caller went away or the tool's
   * deadline passed) `work` never runs: RequestAborted if it had already aborted, and
   * WriteStillInProgress if it aborts while another write holds a key.
   */
  run<T>(keys: readonly string[], signal: AbortSignal, work: () => Promise<T>): Promise<T>;
}

export function inProcessWriteLocks(): WriteLocks {
  const lock = new AsyncLock({ Promise });
  return {
    run<T>(keys: readonly string[], signal: AbortSignal, work: () => Promise<T>): Promise<T> {
      const sorted = [...new Set(keys)].sort();
      return new Promise<T>((resolve, reject) => {
        if (signal.aborted) return reject(new RequestAborted());
        let started = false;
        const onAbort = () => {
          if (!started) reject(new WriteStillInProgress());
        };
        signal.addEventListener('abort', onAbort, { once: true });
        lock
          .acquire(sorted, async () => {
            // Our turn came after the caller gave up: release at once, write nothing.
            if (signal.aborted) return undefined;
            started = true;
            signal.removeEventListener('abort', onAbort);
            return work();
          })
          .then(
            (value) => {
              if (started) resolve(value as T);
            },
            (error: unknown) => {
              signal.removeEventListener('abort', onAbort);
              reject(error);
            },
          );
      });
    },
  };
}
