/** What every resource module needs: the HTTP core, the reference cache and a clock. */
import type { ReferenceCache } from '../cache.js';
import type { EscapeClient } from '../client.js';
import type { CallOptions } from '../port.js';

export interface ResourceContext {
  client: EscapeClient;
  cache: ReferenceCache;
  now: () => number;
  /** The practice's IANA zone (cached; resolved by the practice resource). */
  timezone(practiceId: string, options?: CallOptions): Promise<string>;
}
