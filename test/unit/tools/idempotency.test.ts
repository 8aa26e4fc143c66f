/**
 * The write ledger: one write per key in flight, the result remembered for the window (and only
 * a success), the asked-for write remembered for the confirmed round, keys that ignore the
 * confirmation fields and argument order but not who, where or which tool.
 */
import { describe, expect, it } from 'vitest';
import type { PracticeRef, Principal } from '../../../src/tenancy/types.js';
import {
  canonicalJson,
  WRITE_WINDOW_MS,
  WriteLedger,
  writeKey,
  writeLedger,
} from '../../../src/tools/framework/idempotency.js';
import { ToolMemo } from '../../../src/tools/framework/memo.js';

const practice: PracticeRef = { id: 'p1', name: 'Alpha Dental', timezone: 'America/Los_Angeles' };
const principal: Principal = { id: 'desk', kind: 'local', practiceIds: 'all', scopes: 'all', readOnly: false };

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('WriteLedger.once', () => {
  it('runs concurrent identical writes once and hands every caller the same result', async () => {
    const ledger = new WriteLedger();
    let writes = 0;
    let release: (value: string) => void = () => {};
    const write = () => {
      writes += 1;
      return new Promise<string>((resolve) => {
        release = resolve;
      });
    };
    const calls = [ledger.once('k', write), ledger.once('k', write), ledger.once('k', write)];
    release('appointment-1');
    const results = await Promise.all(calls);
    expect(writes).toBe(1);
    expect(results.map((r) => r.value)).toEqual(['appointment-1', 'appointment-1', 'appointment-1']);
    expect(results.map((r) => r.repeated)).toEqual([false, true, true]);
  });

  it('returns the remembered result within the window, and writes again after it', async () => {
    const time = clock();
    const ledger = new WriteLedger(time.now);
    let writes = 0;
    const write = async () => `appointment-${++writes}`;
    expect(await ledger.once('k', write)).toEqual({ value: 'appointment-1', repeated: false });
    time.advance(WRITE_WINDOW_MS - 1);
    expect(await ledger.once('k', write)).toEqual({ value: 'appointment-1', repeated: true });
    expect(ledger.recall('k')?.value).toBe('appointment-1');
    time.advance(1);
    expect(ledger.recall('k')).toBeUndefined();
    expect(await ledger.once('k', write)).toEqual({ value: 'appointment-2', repeated: false });
    expect(writes).toBe(2);
  });

  it('does not remember a failure: the next call writes', async () => {
    const ledger = new WriteLedger();
    let writes = 0;
    await expect(
      ledger.once('k', async () => {
        writes += 1;
        throw new Error('upstream down');
      }),
    ).rejects.toThrow('upstream down');
    expect(ledger.recall('k')).toBeUndefined();
    expect(await ledger.once('k', async () => `ok-${++writes}`)).toEqual({ value: 'ok-2', repeated: false });
  });

  it('settled waits for the identical write in flight and hands back its result; a failed one, nothing', async () => {
    const ledger = new WriteLedger();
    expect(await ledger.settled('k')).toBeUndefined();
    let release: (value: string) => void = () => {};
    const writing = ledger.once('k', () => new Promise<string>((resolve) => (release = resolve)));
    const waiting = ledger.settled('k');
    release('appointment-1');
    await writing;
    expect((await waiting)?.value).toBe('appointment-1');
    const failing = ledger.once('f', async () => {
      throw new Error('upstream said no');
    });
    const waitingOnFailure = ledger.settled('f');
    await expect(failing).rejects.toThrow('upstream said no');
    expect(await waitingOnFailure).toBeUndefined();
  });

  it('forgets a result on request (the write no longer stands)', async () => {
    const ledger = new WriteLedger();
    await ledger.once('k', async () => 'a');
    ledger.forget('k');
    expect(await ledger.once('k', async () => 'b')).toEqual({ value: 'b', repeated: false });
  });

  it('stays bounded under many distinct writes', async () => {
    const ledger = new WriteLedger();
    for (let i = 0; i < 2_100; i++) await ledger.once(`k${i}`, async () => i);
    expect(ledger.recall('k0')).toBeUndefined();
    expect(ledger.recall('k2099')?.value).toBe(2_099);
  });
});

describe('WriteLedger spent confirmations', () => {
  it('spends a confirmation once; the same write may present it again only while that write is in flight or stands', async () => {
    const time = clock();
    const ledger = new WriteLedger(time.now);
    expect(ledger.spend('c1', 'k')).toBe(true);
    // Spent, and no write for k in flight or remembered: not good again, for k or anything else.
    expect(ledger.spend('c1', 'k')).toBe(false);
    expect(ledger.spend('c1', 'other')).toBe(false);
    let release = () => {};
    const write = ledger.once('k', () => new Promise<string>((resolve) => (release = () => resolve('done'))));
    expect(ledger.spend('c1', 'k')).toBe(true);
    expect(ledger.spend('c1', 'other')).toBe(false);
    release();
    await write;
    expect(ledger.spend('c1', 'k')).toBe(true);
    // The write no longer stands (forgotten): the confirmation cannot be used for it again.
    ledger.forget('k');
    expect(ledger.spend('c1', 'k')).toBe(false);
  });

  it('forgets spent confirmations after the window (they have expired by then anyway)', () => {
    const time = clock();
    const ledger = new WriteLedger(time.now);
    expect(ledger.spend('c1', 'k')).toBe(true);
    time.advance(WRITE_WINDOW_MS);
    expect(ledger.spend('c1', 'k')).toBe(true);
  });
});

describe('writeKey', () => {
  const context = { principal, practice };
  const args = { patient_id: 'x', start: '2026-12-10 09:00', provider: 'Dr. Dana', duration_minutes: 60 };

  it('ignores the confirmation fields, argument order and undefined fields', () => {
    const reordered = { duration_minutes: 60, provider: 'Dr. Dana', start: '2026-12-10 09:00', patient_id: 'x' };
    expect(writeKey(context, 'book_appointment', { ...args, confirm: true, confirmation_token: 't' })).toBe(
      writeKey(context, 'book_appointment', reordered),
    );
    expect(writeKey(context, 'book_appointment', { ...args, note: undefined })).toBe(
      writeKey(context, 'book_appointment', args),
    );
  });

  it('differs by tool, principal, practice and any argument', () => {
    const key = writeKey(context, 'book_appointment', args);
    expect(writeKey(context, 'reschedule_appointment', args)).not.toBe(key);
    expect(writeKey({ principal: { ...principal, id: 'other' }, practice }, 'book_appointment', args)).not.toBe(key);
    expect(writeKey({ principal, practice: { ...practice, id: 'p2' } }, 'book_appointment', args)).not.toBe(key);
    expect(writeKey(context, 'book_appointment', { ...args, start: '2026-12-10 09:15' })).not.toBe(key);
  });

  it('canonical JSON sorts keys at every depth', () => {
    expect(canonicalJson({ b: [{ d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[{"c":2,"d":1}]}');
  });
});

describe('writeLedger', () => {
  it('is one ledger per runtime memo, and survives the memo evicting or clearing its entries', async () => {
    const memo = new ToolMemo();
    const now = () => new Date();
    const a = writeLedger({ memo, now });
    for (let i = 0; i < 600; i++) await memo.get(`other-${i}`, 60_000, async () => i);
    memo.clear();
    expect(writeLedger({ memo, now })).toBe(a);
    expect(writeLedger({ memo: new ToolMemo(), now })).not.toBe(a);
  });
});
