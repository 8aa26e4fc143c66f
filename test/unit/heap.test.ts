import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.js';
import { applyHeapGrowing } from '../../src/heap.js';

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

describe('the young generation', () => {
  it('is left to V8: the server has no semi-space setting of its own', () => {
    expect(() => parseConfig(['http', '--semi-space-mb', '8'], {})).toThrow(/Unknown option '--semi-space-mb'/);
    expect(Object.keys(parseConfig(['http'], { ESCAPE_SEMI_SPACE_MB: '8' }).http)).not.toContain('semiSpaceMb');
  });

  it('takes the documented --max-semi-space-size on the node command line and in NODE_OPTIONS', () => {
    const env = { PATH: process.env.PATH ?? '' };
    const onCommandLine = spawnSync(process.execPath, ['--max-semi-space-size=8', '-e', '0'], {
      encoding: 'utf8',
      env,
    });
    expect(onCommandLine.stderr).toBe('');
    expect(onCommandLine.status).toBe(0);
    const inOptions = spawnSync(process.execPath, ['-e', '0'], {
      encoding: 'utf8',
      env: { ...env, NODE_OPTIONS: '--max-semi-space-size=8' },
    });
    expect(inOptions.stderr).toBe('');
    expect(inOptions.status).toBe(0);
    // Node refuses a V8 flag it does not allow in NODE_OPTIONS, so the check above can fail.
    const refused = spawnSync(process.execPath, ['-e', '0'], {
      encoding: 'utf8',
      env: { ...env, NODE_OPTIONS: '--semi-space-growth-factor=1' },
    });
    expect(refused.status).not.toBe(0);
  });
});
