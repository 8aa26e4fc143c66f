/**
 * The write locks: writes sharing a patient, provider or chair run one at a time, others run
 * together, two writes wanting the same keys in another order cannot wait on each other, and a
 * caller that gives up while waiting writes nothing.
 */
import { describe, expect, it } from 'vitest';
import { RequestAborted } from '../../../src/api/errors.js';
import { WriteStillInProgress } from '../../../src/state/port.js';
import { ToolMemo } from '../../../src/tools/framework/memo.js';
import { inProcessWriteLocks, writeLockKeys, writeLocks } from '../../../src/tools/framework/writes/lock.js';

function deferred() {
  let release = () => {};
  const done = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { done, release };
}

const signal = () => new AbortController().signal;
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('write locks', () => {
  it('runs writes sharing a key one after the other, and writes with no key in common together', async () => {
    const locks = inProcessWriteLocks();
    const events: string[] = [];
    const first = deferred();
    const a = locks.run(['patient:p:1', 'chair:p:A'], signal(), async () => {
      events.push('a start');
      await first.done;
      events.push('a end');
    });
    const b = locks.run(['patient:p:1', 'chair:p:B'], signal(), async () => {
      events.push('b start');
    });
    const c = locks.run(['patient:p:2', 'chair:p:C'], signal(), async () => {
      events.push('c start');
    });
    await tick();
    await c;
    expect(events).toEqual(['a start', 'c start']);
    first.release();
    await Promise.all([a, b]);
    expect(events).toEqual(['a start', 'c start', 'a end', 'b start']);
  });

  it('two writes wanting the same keys in another order both finish (keys are taken in one order)', async () => {
    const locks = inProcessWriteLocks();
    const results = await Promise.all([
      locks.run(['provider:p:X', 'chair:p:A'], signal(), async () => 'one'),
      locks.run(['chair:p:A', 'provider:p:X'], signal(), async () => 'two'),
    ]);
    expect(results).toEqual(['one', 'two']);
  });

  it('a caller whose deadline had already passed gets RequestAborted (no other write to blame), and writes nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    let ran = false;
    await expect(
      inProcessWriteLocks().run(['patient:p:1'], controller.signal, async () => {
        ran = true;
      }),
    ).rejects.toBeInstanceOf(RequestAborted);
    expect(ran).toBe(false);
  });

  it('a caller that gives up while waiting is told another write was under way, and its write never runs', async () => {
    const locks = inProcessWriteLocks();
    const held = deferred();
    const holder = locks.run(['patient:p:1'], signal(), () => held.done);
    const controller = new AbortController();
    let ran = false;
    const waiting = locks.run(['patient:p:1'], controller.signal, async () => {
      ran = true;
    });
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(WriteStillInProgress);
    held.release();
    await holder;
    // The lock is free again, and the abandoned write did not run when its turn came.
    expect(await locks.run(['patient:p:1'], signal(), async () => 'next')).toBe('next');
    expect(ran).toBe(false);
  });

  it('passes a failure of the write through and frees the keys', async () => {
    const locks = inProcessWriteLocks();
    await expect(
      locks.run(['patient:p:1'], signal(), async () => {
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(await locks.run(['patient:p:1'], signal(), async () => 'free')).toBe('free');
  });

  it('keys a write by practice and patient, provider and chair; one lock set per runtime', () => {
    expect(writeLockKeys('p', { patientId: '1', providerId: 'X', operatoryId: 'A' })).toEqual([
      'patient:p:1',
      'provider:p:X',
      'chair:p:A',
    ]);
    expect(writeLockKeys('p', { patientId: '1', providerId: null, operatoryId: null })).toEqual(['patient:p:1']);
    const memo = new ToolMemo();
    expect(writeLocks({ memo })).toBe(writeLocks({ memo }));
    expect(writeLocks({ memo: new ToolMemo() })).not.toBe(writeLocks({ memo }));
  });
});
