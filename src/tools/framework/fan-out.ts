/**
 * Concurrent upstream reads for tools that fan out (one read per claim, per practice, per day):
 * at most `concurrency` in flight (p-limit), progress reported as each one settles, and nothing
 * new started once the call is cancelled or past its deadline.
 */
import pLimit from 'p-limit';
import type { ToolContext } from './types.js';

/** Reads in flight per call; enough to hide upstream latency without hammering one practice's API. */
const FAN_OUT_CONCURRENCY = 4;

export async function mapBounded<Item, Result>(
  context: Pick<ToolContext, 'signal' | 'progress'>,
  items: readonly Item[],
  read: (item: Item, index: number) => Promise<Result>,
  options: { concurrency?: number; label?: string } = {},
): Promise<Result[]> {
  const limit = pLimit(options.concurrency ?? FAN_OUT_CONCURRENCY);
  let settled = 0;
  return Promise.all(
    items.map((item, index) =>
      limit(async () => {
        context.signal.throwIfAborted();
        try {
          return await read(item, index);
        } finally {
          settled += 1;
          context.progress(settled, items.length, options.label);
        }
      }),
    ),
  );
}
