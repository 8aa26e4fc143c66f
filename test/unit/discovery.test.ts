/**
 * The practice directory's life cycle (src/discovery.ts) with scripted reads, and practice
 * selection with practices that are known but cannot be used (src/practice.ts).
 */
import { describe, expect, it } from 'vitest';
import { Unauthorized, UpstreamUnavailable } from '../../src/api/errors.js';
import { type Discovered, discoveryRetryDelayMs, PracticeDirectory, StartupError } from '../../src/discovery.js';
import { createLogger } from '../../src/logger.js';
import { resolvePractice, scopeFor } from '../../src/tenancy/practice.js';
import type { PracticeRef } from '../../src/tenancy/types.js';

const A: PracticeRef = { id: '11111111-1111-4111-8111-111111111111', name: 'Alpha Dental', timezone: 'America/Denver' };
const B: PracticeRef = { id: '22222222-2222-4222-8222-222222222222', name: 'Beta Dental', timezone: 'America/Chicago' };
const DISABLED = { id: '33333333-3333-4333-8333-333333333333', name: 'Lakeshore Family Dental' };
const UNUSABLE = {
  id: '44444444-4444-4444-8444-444444444444',
  name: 'Hudson Street Dental',
  reason: 'Escape Dental has no usable time zone for it.',
};

const silent = createLogger({ level: 'silent' });

/** A directory whose reads answer from `script`, one entry per read (the last one repeats). */
function directory(script: (() => Promise<Discovered>)[], options: { pinned?: boolean } = {}) {
  let reads = 0;
  const prepared: string[][] = [];
  const dir = new PracticeDirectory({
    read: () => {
      const next = script[Math.min(reads, script.length - 1)] as () => Promise<Discovered>;
      reads += 1;
      return next();
    },
    prepare: async (scope) => {
      prepared.push(scope.available.map((p) => p.id));
    },
    pinnedByConfiguration: options.pinned ?? false,
    logger: silent,
    retryDelayMs: () => 5,
  });
  return { dir, reads: () => reads, prepared };
}

const ok =
  (discovered: Partial<Discovered> = {}) =>
  async (): Promise<Discovered> => ({
    scope: scopeFor([A, B], undefined, [DISABLED]),
    incomplete: undefined,
    ...discovered,
  });
const outage = async (): Promise<Discovered> => {
  throw new UpstreamUnavailable('The Escape Dental API is having trouble (HTTP 500). Try again in a minute.');
};

function changed(dir: PracticeDirectory): Promise<void> {
  return new Promise((done) => {
    const stop = dir.onChange(() => {
      stop();
      done();
    });
  });
}

describe('PracticeDirectory', () => {
  it('serves the list read at start', async () => {
    const { dir, prepared } = directory([ok()]);
    await dir.start(1_000);
    expect(dir.scope.available).toEqual([A, B]);
    expect(dir.status()).toMatchObject({ ready: true, reason: undefined });
    expect(prepared).toEqual([[A.id, B.id]]);
    dir.stop();
  });

  it('starts without the list when Escape cannot be reached, says why, and publishes it once a read succeeds', async () => {
    const { dir, reads } = directory([outage, outage, ok()]);
    await dir.start(1_000);
    expect(dir.scope.pending).toMatchObject({ unreachable: true });
    expect(dir.scope.available).toEqual([]);
    const status = dir.status();
    expect(status.ready).toBe(false);
    expect(status.reason).toMatch(/^Escape Dental is unreachable; retrying\. .*HTTP 500/);
    expect(() => resolvePractice(dir.scope, A.name)).toThrow(/^Escape Dental is unreachable; retrying\./);
    await changed(dir);
    expect(reads()).toBe(3);
    expect(dir.scope.pending).toBeUndefined();
    expect(resolvePractice(dir.scope, A.name)).toEqual(A);
    dir.stop();
  });

  it('a first read that outlasts the launch wait goes on in the background', async () => {
    let answer: (value: Discovered) => void = () => {};
    const slow = () => new Promise<Discovered>((done) => (answer = done));
    const { dir } = directory([slow]);
    await dir.start(5);
    expect(dir.status().ready).toBe(false);
    const published = changed(dir);
    answer({ scope: scopeFor([A]), incomplete: undefined });
    await published;
    expect(dir.scope.pinned).toEqual(A);
    dir.stop();
  });

  it('refuses to start on what waiting cannot change: a rejected credential, nothing to serve', async () => {
    const rejected = directory([
      async () => {
        throw new Unauthorized();
      },
    ]);
    const error = await rejected.dir.start(1_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartupError);
    expect((error as Error).message).toMatch(/rejected the configured credential/);
    const none = directory([
      async () => {
        throw new StartupError('The Escape Dental credential cannot access any practice.');
      },
    ]);
    await expect(none.dir.start(1_000)).rejects.toThrow(/cannot access any practice/);
  });

  it('reads a list again that an outage left incomplete, and keeps serving the last list when a later read fails', async () => {
    const { dir, reads } = directory([
      ok({ scope: scopeFor([A]), incomplete: 'Not read yet: Beta Dental.' }),
      outage,
      ok(),
    ]);
    await dir.start(1_000);
    expect(dir.scope.pinned).toEqual(A);
    expect(dir.status()).toMatchObject({ ready: true, reason: 'Not read yet: Beta Dental.' });
    await changed(dir);
    expect(reads()).toBe(3);
    expect(dir.scope.available).toEqual([A, B]);
    expect(dir.status().reason).toBeUndefined();
    dir.stop();
  });

  it('backs off from about a second to at most a minute', () => {
    expect(discoveryRetryDelayMs(1, () => 0.5)).toBe(1_000);
    expect(discoveryRetryDelayMs(3, () => 0.5)).toBe(4_000);
    expect(discoveryRetryDelayMs(30, () => 1)).toBe(72_000);
    expect(discoveryRetryDelayMs(30, () => 0)).toBe(48_000);
  });
});

describe('choosing a practice that is known but cannot be used', () => {
  const scope = scopeFor([A, B], undefined, [DISABLED], [UNUSABLE]);

  it('names a disabled practice as disabled, by id, full name or a fragment of it', () => {
    for (const reference of [DISABLED.id, DISABLED.name, 'lakeshore']) {
      expect(() => resolvePractice(scope, reference)).toThrow(/^Lakeshore Family Dental is disabled in Escape Dental/);
    }
  });

  it('names an unusable practice with the reason', () => {
    expect(() => resolvePractice(scope, 'Hudson')).toThrow(
      'Hudson Street Dental cannot be used: Escape Dental has no usable time zone for it.',
    );
  });

  it('a fragment that matches usable practices is theirs: ambiguous stays ambiguous', () => {
    expect(() => resolvePractice(scope, 'Dental')).toThrow(/matches several practices: "Alpha Dental".*"Beta Dental"/);
    expect(resolvePractice(scope, 'alpha')).toEqual(A);
  });

  it('one usable practice among unusable ones is not pinned: a call must name it', () => {
    const one = scopeFor([A], undefined, [DISABLED]);
    expect(one.pinned).toBeUndefined();
    expect(() => resolvePractice(one, undefined)).toThrow(/Say which practice/);
    expect(() => resolvePractice(one, 'Lakeshore')).toThrow(/disabled/);
    expect(scopeFor([A]).pinned).toEqual(A);
  });
});
