/**
 * The HTTP server's graceful stop: take no new work, let the requests and tool executions in
 * flight finish (up to a deadline), then close what is left.
 */
import type { Logger } from '../logger.js';

/** Counts requests and tool executions still running, so a drain knows when it may close streams. */
export class InFlight {
  count = 0;
  private waiters = new Set<() => void>();

  constructor(private readonly onCount: (count: number) => void = () => {}) {}

  async track<T>(work: () => Promise<T>): Promise<T> {
    this.count += 1;
    this.onCount(this.count);
    try {
      return await work();
    } finally {
      this.count -= 1;
      this.onCount(this.count);
      if (this.count === 0) for (const wake of this.waiters) wake();
    }
  }

  /** Resolves true once nothing is in flight, false if `waitMs` passes first. */
  idle(waitMs: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (value: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(value);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), waitMs);
      this.waiters.add(wake);
    });
  }
}

/** Tool handlers counted as in flight: legacy SSE answers arrive on the stream, after the POST returned. */
export function countedTools<Tool extends { handler: (...args: never[]) => Promise<unknown> }>(
  tools: readonly Tool[],
  inFlight: InFlight,
): Tool[] {
  return tools.map((tool) => {
    const handler = (...args: Parameters<Tool['handler']>) => inFlight.track(() => tool.handler(...args));
    return { ...tool, handler: handler as Tool['handler'] };
  });
}

export interface DrainSteps {
  /** No new connections, sessions or streams from now on (and /readyz says so). */
  stopAccepting: () => void;
  inFlight: InFlight;
  /** Closes sessions, streams and connections; resolves once the server has closed. */
  closeEverything: () => Promise<void>;
  logger: Logger;
}

/**
 * The drain, run once however often it is asked for (SIGTERM, then SIGINT, then close()): the
 * first caller's deadline applies and every caller waits for the same end.
 */
export function drainOnce(steps: DrainSteps): (waitMs: number) => Promise<void> {
  let drained: Promise<void> | undefined;
  return (waitMs) => {
    drained ??= (async () => {
      steps.stopAccepting();
      steps.logger.info(
        { inFlight: steps.inFlight.count },
        'draining: no new connections; waiting for in-flight requests',
      );
      const finished = await steps.inFlight.idle(waitMs);
      if (!finished)
        steps.logger.warn({ inFlight: steps.inFlight.count }, 'drain deadline passed; closing what is left');
      await steps.closeEverything();
      steps.logger.info('HTTP server closed');
    })();
    return drained;
  };
}
