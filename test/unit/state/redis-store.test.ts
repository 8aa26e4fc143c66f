/**
 * The Redis state store between two clients, as two replicas hold them: one write per key, locks
 * that exclude across clients, a confirmation spent once, and writes refused while Redis is down.
 * A real redis-server (test/helpers/redis.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StateStore } from '../../../src/state/port.js';
import { StateStoreUnavailable } from '../../../src/state/port.js';
import { redisStateStore } from '../../../src/state/redis.js';
import { inCi, REDIS_MISSING, type RunningRedis, redisServerInstalled, startRedis } from '../../helpers/redis.js';

if (!redisServerInstalled) console.warn(`\n*** ${REDIS_MISSING}\n`);

describe.runIf(inCi)('CI', () => {
  it('has redis-server installed (the shared-state tests must run there)', () => {
    expect(redisServerInstalled, REDIS_MISSING).toBe(true);
  });
});

describe.skipIf(!redisServerInstalled)('the Redis state store across two clients', () => {
  let redis: RunningRedis;
  let a: StateStore;
  let b: StateStore;

  beforeAll(async () => {
    redis = await startRedis();
    a = await redisStateStore({ url: redis.url, leaseMs: 30_000, gatePollMs: 60_000 });
    b = await redisStateStore({ url: redis.url, leaseMs: 30_000, gatePollMs: 60_000 });
  }, 30_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  it('runs an identical write once when it arrives through both at the same moment', async () => {
    let writes = 0;
    const write = async () => {
      writes++;
      await new Promise((r) => setTimeout(r, 100));
      return { appointmentId: 'apt-1' };
    };
    const [first, second] = await Promise.all([
      a.ledger(Date.now).once('book|u|p|same', write),
      b.ledger(Date.now).once('book|u|p|same', write),
    ]);
    expect(writes).toBe(1);
    expect([first.repeated, second.repeated].sort()).toEqual([false, true]);
    expect(first.value).toEqual({ appointmentId: 'apt-1' });
    expect(second.value).toEqual({ appointmentId: 'apt-1' });
    expect(await b.ledger(Date.now).recall('book|u|p|same')).toMatchObject({ value: { appointmentId: 'apt-1' } });
  });

  it('settled on one client waits for the identical write in flight on the other and hands back its result', async () => {
    expect(await b.ledger(Date.now).settled('book|u|p|settled')).toBeUndefined();
    const writing = a.ledger(Date.now).once('book|u|p|settled', async () => {
      await new Promise((r) => setTimeout(r, 100));
      return { appointmentId: 'apt-2' };
    });
    await new Promise((r) => setTimeout(r, 20));
    const waiting = b.ledger(Date.now).settled('book|u|p|settled');
    await writing;
    expect(await waiting).toMatchObject({ value: { appointmentId: 'apt-2' } });
  });

  it('lets one holder of a patient lock work at a time across clients', async () => {
    let inside = 0;
    let most = 0;
    const work = async () => {
      inside++;
      most = Math.max(most, inside);
      await new Promise((r) => setTimeout(r, 30));
      inside--;
    };
    const signal = new AbortController().signal;
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        (i % 2 ? a : b).locks.run(['patient:p:1', i % 3 ? 'chair:p:2' : 'provider:p:3'], signal, work),
      ),
    );
    expect(most).toBe(1);
  });

  it('spends a confirmation once: the other client cannot spend it on another write', async () => {
    expect(await a.ledger(Date.now).spend('confirmation-1', 'write-x')).toBe(true);
    expect(await b.ledger(Date.now).spend('confirmation-1', 'write-y')).toBe(false);
    // Neither in flight nor done: the same write again is refused too.
    expect(await b.ledger(Date.now).spend('confirmation-1', 'write-x')).toBe(false);
  });

  it('a waiter whose identical write failed elsewhere is told so, and writes nothing', async () => {
    let writes = 0;
    const failing = a.ledger(Date.now).once('book|u|p|fails', async () => {
      writes++;
      await new Promise((r) => setTimeout(r, 100));
      throw new Error('upstream said no');
    });
    await new Promise((r) => setTimeout(r, 20));
    const waiting = b.ledger(Date.now).once('book|u|p|fails', async () => {
      writes++;
      return 'written';
    });
    await expect(failing).rejects.toThrow('upstream said no');
    await expect(waiting).rejects.toThrow(/identical write .* failed, so this call wrote nothing/);
    expect(writes).toBe(1);
  });

  it('refuses writes in plain words while Redis is down, and reports it unhealthy', async () => {
    expect(await a.health()).toEqual({ ok: true });
    await redis.stop();
    const ledger = a.ledger(Date.now);
    await expect(ledger.spend('confirmation-2', 'write-z')).rejects.toBeInstanceOf(StateStoreUnavailable);
    await expect(ledger.once('k', async () => 'never')).rejects.toThrow(/cannot be reached, so nothing was written/);
    await expect(a.locks.run(['patient:p:9'], new AbortController().signal, async () => 'never')).rejects.toThrow(
      StateStoreUnavailable,
    );
    expect((await a.health()).ok).toBe(false);
  });
});
