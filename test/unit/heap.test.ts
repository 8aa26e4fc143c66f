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
