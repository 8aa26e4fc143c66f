import { describe, expect, it } from 'vitest';
import { mapBounded } from '../../../src/tools/framework/fan-out.js';

function contextWith(signal = new AbortController().signal) {
  const reports: Array<[number, number | undefined, string | undefined]> = [];
  return {
    reports,
    context: {
      signal,
      progress: (done: number, total?: number, message?: string) => reports.push([done, total, message]),
    },
  };
}

describe('mapBounded', () => {
  it('keeps at most `concurrency` reads in flight, returns results in input order and reports each settled read', async () => {
    const { context, reports } = contextWith();
    let inFlight = 0;
    let most = 0;
    const results = await mapBounded(
      context,
      [5, 1, 4, 2, 3, 0],
      async (delay, index) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, delay));
        inFlight -= 1;
        return index * 10;
      },
      { concurrency: 2, label: 'claims' },
    );
    expect(results).toEqual([0, 10, 20, 30, 40, 50]);
    expect(most).toBe(2);
    expect(reports.map(([done]) => done)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(reports.every(([, total, label]) => total === 6 && label === 'claims')).toBe(true);
  });

  it('starts nothing new once the call is aborted', async () => {
    const controller = new AbortController();
    const { context } = contextWith(controller.signal);
    const started: number[] = [];
    const run = mapBounded(
      context,
      [0, 1, 2, 3],
      async (item) => {
        started.push(item);
        if (item === 0) controller.abort(new Error('cancelled by the client'));
        await new Promise((resolve) => setTimeout(resolve, 5));
        return item;
      },
      { concurrency: 1 },
    );
    await expect(run).rejects.toThrow('cancelled by the client');
    expect(started).toEqual([0]);
  });
});
