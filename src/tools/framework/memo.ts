/**
 * A small per-runtime memo for derived data tools reuse across calls (for example the usual
 * length of each appointment type): TTL, bounded size, and single-flight loading.
 */
import { LRUCache } from 'lru-cache';

export class ToolMemo {
  private readonly values = new LRUCache<string, { value: unknown }>({ max: 500 });
  private readonly inflight = new Map<string, Promise<unknown>>();

  async get<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
    const hit = this.values.get(key);
    if (hit) return hit.value as T;
    let pending = this.inflight.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = load().then(
        (value) => {
          this.values.set(key, { value }, { ttl: ttlMs });
          this.inflight.delete(key);
          return value;
        },
        (error: unknown) => {
          this.inflight.delete(key);
          throw error;
        },
      );
      this.inflight.set(key, pending);
    }
    return pending;
  }

  clear(): void {
    this.values.clear();
  }
}
