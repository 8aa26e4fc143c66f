/**
 * The write ledger: one write per key in flight, the result remembered for the window (and only
 * a success), the asked-for write remembered for the confirmed round, keys that ignore the
 * confirmation fields and argument order but not who, where or which tool.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson, WRITE_WINDOW_MS, WriteLedger, writeKey, writeLedger } from '../../../src/tools/idempotency.js';
import { ToolMemo } from '../../../src/tools/memo.js';
import type { PracticeRef, Principal } from '../../../src/tools/types.js';

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

describe('WriteLedger asked-for writes', () => {
  it('hands back the digest once, and not after the window', () => {
    const time = clock();
    const ledger = new WriteLedger(time.now);
    ledger.asking('k', 'digest-1');
    expect(ledger.takeAsked('k')).toBe('digest-1');
    expect(ledger.takeAsked('k')).toBeUndefined();
    ledger.asking('k', 'digest-2');
    time.advance(WRITE_WINDOW_MS);
    expect(ledger.takeAsked('k')).toBeUndefined();
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
  it('is one ledger per runtime memo', async () => {
    const memo = new ToolMemo();
    const now = () => new Date();
    const a = await writeLedger({ memo, now });
    expect(await writeLedger({ memo, now })).toBe(a);
    expect(await writeLedger({ memo: new ToolMemo(), now })).not.toBe(a);
  });
});
