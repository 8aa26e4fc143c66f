/**
 * Practice-scoped reference-data cache (timezone, providers, operatories, carriers, patient
 * insurance → carrier map, appointment statuses): per-practice keys, a TTL, explicit
 * invalidation, and single-flight loading — concurrent callers share one upstream request.
 *
 * The shared load is not tied to any one caller's AbortSignal (one caller giving up must not fail
 * the others); each caller can still stop waiting on its own signal.
 */
import { LRUCache } from 'lru-cache';
import { type Divergence, recordDivergences, replayDivergences } from './divergence.js';
import { type ErrorContext, RequestAborted } from './errors.js';

export type ReferenceKind =
  | 'practice'
  | 'timezone'
  | 'providers'
  | 'operatories'
  | 'appointmentStatuses'
  | 'carriers'
  | 'patientInsuranceCarriers';

export interface ReferenceCacheOptions {
  /** Time to live of an entry (default 10 minutes). */
  ttlMs?: number;
  /** Maximum entries across practices (default 1000). */
  max?: number;
}

interface Boxed {
  value: unknown;
  /** What the load found the API doing differently; stated again on every hit (divergence.ts). */
  divergences: Divergence[];
}

export class ReferenceCache {
  private readonly values: LRUCache<string, Boxed>;
  private readonly inflight = new Map<string, { promise: Promise<Boxed>; generation: number }>();
  private generation = 0;
  private readonly practiceGenerations = new Map<string, number>();

  constructor(options: ReferenceCacheOptions = {}) {
    this.values = new LRUCache<string, Boxed>({ max: options.max ?? 1000, ttl: options.ttlMs ?? 10 * 60_000 });
  }

  private key(practiceId: string, kind: ReferenceKind): string {
    return `${practiceId}\u0000${kind}`;
  }

  /** Returns the cached value or loads it once for all concurrent callers. */
  async get<T>(practiceId: string, kind: ReferenceKind, load: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const key = this.key(practiceId, kind);
    const hit = this.values.get(key);
    if (hit) {
      replayDivergences(hit.divergences);
      return hit.value as T;
    }
    let entry = this.inflight.get(key);
    if (!entry) {
      const generation = this.generationOf(practiceId);
      const divergences: Divergence[] = [];
      const promise = recordDivergences(divergences, load).then((value) => {
        const boxed: Boxed = { value, divergences };
        // Do not store a value loaded before an invalidation that happened meanwhile.
        if (this.generationOf(practiceId) === generation) this.values.set(key, boxed);
        return boxed;
      });
      entry = { promise, generation };
      this.inflight.set(key, entry);
      const settle = (): void => {
        if (this.inflight.get(key) === entry) this.inflight.delete(key);
      };
      promise.then(settle, settle);
    }
    const boxed = await waitFor(entry.promise, signal);
    replayDivergences(boxed.divergences);
    return boxed.value as T;
  }

  private generationOf(practiceId: string): number {
    return (this.practiceGenerations.get(practiceId) ?? 0) + this.generation;
  }

  /** Drops one kind for one practice, everything for a practice, or everything. */
  invalidate(practiceId?: string, kind?: ReferenceKind): void {
    if (practiceId === undefined) {
      this.generation += 1;
      this.values.clear();
      this.inflight.clear();
      return;
    }
    this.practiceGenerations.set(practiceId, (this.practiceGenerations.get(practiceId) ?? 0) + 1);
    const kinds: ReferenceKind[] = kind
      ? [kind]
      : [
          'practice',
          'timezone',
          'providers',
          'operatories',
          'appointmentStatuses',
          'carriers',
          'patientInsuranceCarriers',
        ];
    for (const k of kinds) {
      const key = this.key(practiceId, k);
      this.values.delete(key);
      this.inflight.delete(key);
    }
  }

  /** Whether a value is cached (tests, diagnostics). */
  has(practiceId: string, kind: ReferenceKind): boolean {
    return this.values.has(this.key(practiceId, kind));
  }
}

/** `promise`, or RequestAborted once `signal` fires (the shared work itself runs on). */
export function waitFor<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  context: ErrorContext = {},
): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new RequestAborted(context));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new RequestAborted(context));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
