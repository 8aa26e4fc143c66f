import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.js';
import { applyHeapGrowing, capSemiSpace } from '../../src/heap.js';
import { REPO_ROOT } from '../helpers/harness.js';

describe('the heap growing factor', () => {
  it("defaults to 25, and is set from the flag or the environment (0 = V8's own sizing)", () => {
    expect(parseConfig([], {}).http.heapGrowingPercent).toBe(25);
    expect(parseConfig(['--heap-growing-percent', '0'], {}).http.heapGrowingPercent).toBe(0);
    expect(parseConfig(['--heap-growing-percent', '40'], {}).http.heapGrowingPercent).toBe(40);
    expect(parseConfig([], { ESCAPE_HEAP_GROWING_PERCENT: '40' }).http.heapGrowingPercent).toBe(40);
  });

  it('refuses a value that is not a whole number from 0 to 1000, naming the setting', () => {
    for (const bad of ['-1', '1001', 'fast', '12.5']) {
      expect(() => parseConfig(['--heap-growing-percent', bad], {})).toThrow(ConfigError);
      expect(() => parseConfig(['--heap-growing-percent', bad], {})).toThrow(/--heap-growing-percent/);
    }
  });

  it("hands V8 the flag, unless it is 0 (V8's own sizing) or node was started with it", () => {
    const seen: string[] = [];
    const record = (flags: string) => seen.push(flags);
    expect(applyHeapGrowing(25, [], record)).toBe('--heap-growing-percent=25');
    expect(applyHeapGrowing(0, [], record)).toBeUndefined();
    expect(applyHeapGrowing(25, ['--heap-growing-percent=60'], record)).toBeUndefined();
    expect(applyHeapGrowing(25, ['--heap_growing_percent=60'], record)).toBeUndefined();
    expect(applyHeapGrowing(25, ['--max-old-space-size=512'], record)).toBe('--heap-growing-percent=25');
    expect(seen).toEqual(['--heap-growing-percent=25', '--heap-growing-percent=25']);
  });

  it('is a flag this V8 knows', () => {
    // setFlagsFromString ignores an unknown flag without a word; node's command line refuses it.
    const known = spawnSync(process.execPath, ['--heap-growing-percent=25', '-e', '0'], { encoding: 'utf8' });
    expect(known.stderr).toBe('');
    expect(known.status).toBe(0);
    const unknown = spawnSync(process.execPath, ['--heap-growing-percentage=25', '-e', '0'], { encoding: 'utf8' });
    expect(unknown.status).not.toBe(0);
  });
});

describe('the semi-space cap', () => {
  const MB = 1024 * 1024;

  it('defaults to 8 MB, is set from the flag or the environment, and takes 0 or a power of two up to 64', () => {
    expect(parseConfig([], {}).http.semiSpaceMb).toBe(8);
    expect(parseConfig(['--semi-space-mb', '0'], {}).http.semiSpaceMb).toBe(0);
    expect(parseConfig(['--semi-space-mb', '16'], {}).http.semiSpaceMb).toBe(16);
    expect(parseConfig([], { ESCAPE_SEMI_SPACE_MB: '4' }).http.semiSpaceMb).toBe(4);
    for (const bad of ['6', '128', '-2', 'big', '2.5']) {
      expect(() => parseConfig(['--semi-space-mb', bad], {})).toThrow(ConfigError);
      expect(() => parseConfig(['--semi-space-mb', bad], {})).toThrow(/--semi-space-mb/);
    }
  });

  it("stops growth at the cap and allows it again below, after collections; node's own flag wins", () => {
    let bytes = 2 * MB;
    const seen: string[] = [];
    let onCollection: () => void = () => {};
    let stopped = false;
    const hooks = {
      execArgv: [],
      nodeOptions: '',
      setFlags: (flags: string) => seen.push(flags),
      newSpaceBytes: () => bytes,
      watchCollections: (callback: () => void) => {
        onCollection = callback;
        return () => {
          stopped = true;
        };
      },
    };
    const stop = capSemiSpace(4, hooks);
    expect(seen).toEqual(['--semi-space-growth-factor=2']);
    bytes = 4 * MB;
    onCollection();
    expect(seen).toHaveLength(1);
    bytes = 8 * MB;
    onCollection();
    onCollection();
    expect(seen).toEqual(['--semi-space-growth-factor=2', '--semi-space-growth-factor=1']);
    bytes = 2 * MB;
    onCollection();
    expect(seen.at(-1)).toBe('--semi-space-growth-factor=2');
    stop?.();
    expect(stopped).toBe(true);

    expect(capSemiSpace(0, hooks)).toBeUndefined();
    expect(capSemiSpace(4, { ...hooks, execArgv: ['--max-semi-space-size=16'] })).toBeUndefined();
    expect(capSemiSpace(4, { ...hooks, nodeOptions: '--max_semi_space_size=16 --trace-gc' })).toBeUndefined();
    expect(capSemiSpace(4, { ...hooks, execArgv: ['--semi-space-growth-factor=4'] })).toBeUndefined();
    expect(seen).toHaveLength(3);
  });

  it('holds a real V8 new space near the cap where V8 alone grows it further', { timeout: 150_000 }, () => {
    const newSpace = (capMb: number) => {
      const child = spawnSync(
        process.execPath,
        ['--import', 'tsx', join(REPO_ROOT, 'test/unit/semi-space-child.ts'), String(capMb)],
        // Without NODE_OPTIONS: a --max-semi-space-size there would turn the cap off by design.
        { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH ?? '' } },
      );
      expect(child.status, child.stderr).toBe(0);
      return JSON.parse(child.stdout.trim().split('\n').at(-1) as string) as { median: number; largest: number };
    };
    const alone = newSpace(0);
    const capped = newSpace(2);
    console.info(
      `[figures] new space (median, largest): V8 alone ${alone.median / MB}, ${alone.largest / MB} MB; semi-spaces capped at 2 MB ${capped.median / MB}, ${capped.largest / MB} MB`,
    );
    // Two semi-spaces of 2 MB; one doubling past it may slip in before a collection is seen.
    expect(capped.median).toBeGreaterThanOrEqual(4 * MB);
    expect(capped.median).toBeLessThanOrEqual(8 * MB);
    expect(alone.median).toBeGreaterThan(8 * MB);
  });
});
