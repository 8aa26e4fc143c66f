import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { drainOnce, InFlight } from '../../../src/transports/http-drain.js';

function recordingLogger() {
  const lines: { msg: string; inFlight?: number }[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

/** Work that runs until `finish` is called. */
function pendingWork() {
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return { done, finish };
}

describe('the drain', () => {
  it('stops accepting, waits for the work in flight, then closes what is left', async () => {
    const steps: string[] = [];
    const inFlight = new InFlight();
    const work = pendingWork();
    const tracked = inFlight.track(async () => {
      await work.done;
      steps.push('work finished');
    });
    const { logger, lines } = recordingLogger();
    const drain = drainOnce({
      stopAccepting: () => steps.push('stop accepting'),
      inFlight,
      closeEverything: async () => {
        steps.push('close everything');
      },
      logger,
    });
    const drained = drain(60_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(steps).toEqual(['stop accepting']);
    work.finish();
    await drained;
    await tracked;
    expect(steps).toEqual(['stop accepting', 'work finished', 'close everything']);
    expect(lines.map((l) => l.msg)).toEqual([
      'draining: no new connections; waiting for in-flight requests',
      'HTTP server closed',
    ]);
    expect(lines[0]?.inFlight).toBe(1);
  });

  it('closes anyway once the deadline passes, and says how much was still running', async () => {
    const inFlight = new InFlight();
    const work = pendingWork();
    const tracked = inFlight.track(() => work.done);
    let closed = false;
    const { logger, lines } = recordingLogger();
    await drainOnce({
      stopAccepting: () => {},
      inFlight,
      closeEverything: async () => {
        closed = true;
      },
      logger,
    })(0);
    expect(closed).toBe(true);
    expect(lines.find((l) => l.msg === 'drain deadline passed; closing what is left')?.inFlight).toBe(1);
    work.finish();
    await tracked;
    expect(inFlight.count).toBe(0);
  });

  it('runs once: a second signal or close() waits for the same end', async () => {
    let stops = 0;
    let closes = 0;
    const drain = drainOnce({
      stopAccepting: () => {
        stops += 1;
      },
      inFlight: new InFlight(),
      closeEverything: async () => {
        closes += 1;
      },
      logger: recordingLogger().logger,
    });
    const first = drain(30_000);
    const second = drain(0);
    expect(second).toBe(first);
    await first;
    await drain(0);
    expect([stops, closes]).toEqual([1, 1]);
  });
});

describe('InFlight', () => {
  it('counts work until it settles, failures included, and reports each count', async () => {
    const counts: number[] = [];
    const inFlight = new InFlight((count) => counts.push(count));
    expect(await inFlight.idle(0)).toBe(true);
    await expect(inFlight.track(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await inFlight.track(async () => 'ok');
    expect(counts).toEqual([1, 0, 1, 0]);
    expect(inFlight.count).toBe(0);
  });
});
