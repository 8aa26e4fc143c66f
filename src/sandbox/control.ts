/** A small typed client for the `/__sandbox/` control surface (ASSUMPTIONS §11). */
import type { FaultConfig } from './faults.js';
import type { RequestLogEntry } from './http/server.js';
import type { Quirks } from './http/types.js';

export interface SandboxCounters {
  total: number;
  last_seq: number;
  by_route: Record<string, number>;
  by_status: Record<string, number>;
  /** Named events, e.g. `token_logout`. */
  events: Record<string, number>;
  /** Injected faults by kind. */
  faults: Record<string, number>;
}

export interface SandboxClockState {
  now_ms: number;
  now: string;
  pinned: boolean;
}

export class SandboxControl {
  constructor(private readonly url: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}/__sandbox/${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`sandbox control ${method} ${path} → ${res.status}: ${text}`);
    return JSON.parse(text) as T;
  }

  /** Request log entries with `seq > since`. */
  async requests(since = 0): Promise<RequestLogEntry[]> {
    return (await this.call<{ requests: RequestLogEntry[] }>('GET', `requests?since=${since}`)).requests;
  }

  /** The highest sequence number so far (use as `since` to see only later requests). */
  async lastSeq(): Promise<number> {
    return (await this.call<{ last_seq: number }>('GET', 'requests?since=999999999')).last_seq;
  }

  /** Clears the request log, route counters and event counters. */
  async clearRequests(): Promise<void> {
    await this.call('DELETE', 'requests');
  }

  counters(): Promise<SandboxCounters> {
    return this.call('GET', 'counters');
  }

  setFaults(config: FaultConfig): Promise<unknown> {
    return this.call('PUT', 'faults', config);
  }

  clearFaults(): Promise<unknown> {
    return this.call('DELETE', 'faults');
  }

  quirks(): Promise<Quirks> {
    return this.call('GET', 'quirks');
  }

  setQuirks(quirks: Partial<Quirks>): Promise<Quirks> {
    return this.call('PUT', 'quirks', quirks);
  }

  clock(): Promise<SandboxClockState> {
    return this.call('GET', 'clock');
  }

  /** Pins the clock at an instant (ISO string, Date or epoch ms). */
  setClock(now: string | number | Date): Promise<SandboxClockState> {
    return this.call('POST', 'clock', { now: now instanceof Date ? now.getTime() : now });
  }

  advanceClock(ms: number): Promise<SandboxClockState> {
    return this.call('POST', 'clock', { advance_ms: ms });
  }

  setRateLimit(perMinute: number | null): Promise<{ per_minute: number | null }> {
    return this.call('PUT', 'rate-limit', { per_minute: perMinute });
  }

  fixtures<T = unknown>(): Promise<T> {
    return this.call('GET', 'fixtures');
  }
}
