/**
 * One circuit breaker per upstream origin (opossum). It counts every attempt; only outage-type
 * failures (5xx, network errors, timeouts, unreadable bodies) count against it — client errors
 * (4xx, including 429) are filtered out so a burst of bad requests can never open it. When open it
 * fails fast with UpstreamUnavailable saying when the next trial request will be let through;
 * after `resetTimeoutMs` one trial is admitted (half-open) and its success closes the circuit.
 */
import CircuitBreaker from 'opossum';
import { EscapeApiError, InvalidResponse, UpstreamTimeout, UpstreamUnavailable } from './errors.js';

export interface BreakerOptions {
  /** Default true. */
  enabled?: boolean;
  /** Failure percentage within the rolling window that opens the circuit (default 50). */
  errorThresholdPercentage?: number;
  /** Minimum attempts in the window before the circuit may open (default 10). */
  volumeThreshold?: number;
  /** Rolling statistics window (default 30 s). */
  rollingWindowMs?: number;
  /** How long the circuit stays open before a trial request (default 15 s). */
  resetTimeoutMs?: number;
  /** Notified on every state change (for logs/metrics). */
  onStateChange?: (origin: string, state: BreakerState) => void;
  /** Clock for the "retry in N s" message. */
  now?: () => number;
}

export type BreakerState = 'closed' | 'open' | 'half_open';

type Thunk = () => Promise<unknown>;

interface Entry {
  breaker: CircuitBreaker<[Thunk], unknown>;
  openedAt: number;
}

/** Whether an error means "the upstream is unhealthy" (as opposed to "this request was wrong"). */
function isOutageError(error: unknown): boolean {
  if (error instanceof UpstreamUnavailable) return !error.circuitOpen;
  if (error instanceof UpstreamTimeout) return true;
  if (error instanceof InvalidResponse) return true;
  if (error instanceof EscapeApiError) return false;
  return false;
}

export class BreakerRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly options: Required<Omit<BreakerOptions, 'onStateChange'>> & Pick<BreakerOptions, 'onStateChange'>;

  constructor(options: BreakerOptions = {}) {
    this.options = {
      enabled: options.enabled ?? true,
      errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
      volumeThreshold: options.volumeThreshold ?? 10,
      rollingWindowMs: options.rollingWindowMs ?? 30_000,
      resetTimeoutMs: options.resetTimeoutMs ?? 15_000,
      onStateChange: options.onStateChange,
      now: options.now ?? Date.now,
    };
  }

  private entry(origin: string): Entry {
    let entry = this.entries.get(origin);
    if (entry) return entry;
    const breaker = new CircuitBreaker<[Thunk], unknown>((thunk: Thunk) => thunk(), {
      name: origin,
      timeout: false,
      resetTimeout: this.options.resetTimeoutMs,
      errorThresholdPercentage: this.options.errorThresholdPercentage,
      volumeThreshold: this.options.volumeThreshold,
      rollingCountTimeout: this.options.rollingWindowMs,
      rollingCountBuckets: 10,
      enableSnapshots: false,
      errorFilter: (error: unknown) => !isOutageError(error),
    });
    const created: Entry = { breaker, openedAt: 0 };
    breaker.on('open', () => {
      created.openedAt = this.options.now();
      this.options.onStateChange?.(origin, 'open');
    });
    breaker.on('halfOpen', () => this.options.onStateChange?.(origin, 'half_open'));
    breaker.on('close', () => this.options.onStateChange?.(origin, 'closed'));
    this.entries.set(origin, created);
    entry = created;
    return entry;
  }

  state(origin: string): BreakerState {
    const entry = this.entries.get(origin);
    if (!entry) return 'closed';
    if (entry.breaker.halfOpen) return 'half_open';
    return entry.breaker.opened ? 'open' : 'closed';
  }

  /** Runs one attempt through the origin's breaker. */
  async run<T>(
    origin: string,
    attempt: () => Promise<T>,
    context: { operation?: string; method?: string } = {},
  ): Promise<T> {
    if (!this.options.enabled) return attempt();
    const entry = this.entry(origin);
    try {
      return (await entry.breaker.fire(attempt)) as T;
    } catch (error) {
      if (error instanceof Error && (error as { code?: string }).code === 'EOPENBREAKER') {
        const remaining = Math.max(0, entry.openedAt + this.options.resetTimeoutMs - this.options.now());
        const seconds = Math.max(1, Math.ceil(remaining / 1000));
        throw new UpstreamUnavailable(
          `The Escape Dental API is unavailable (repeated failures); retry in ${seconds} s.`,
          { operation: context.operation, method: context.method },
          remaining,
          true,
        );
      }
      throw error;
    }
  }

  /** Stops the breakers' timers (tests, shutdown). */
  shutdown(): void {
    for (const entry of this.entries.values()) entry.breaker.shutdown();
    this.entries.clear();
  }
}
