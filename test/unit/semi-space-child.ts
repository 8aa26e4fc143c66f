/**
 * Run by heap.test.ts as `node --import tsx semi-space-child.ts <cap MB>`: keeps a rolling window
 * of objects alive, so young collections see many survivors and V8 grows its new space, yielding
 * to the event loop between small batches as a server does between requests; prints the median
 * and largest new-space sizes it saw, in bytes (cap 0 = V8 left alone). The median, because V8 13
 * (Node 24) reports the space a few MB over its capacity for a while between full collections.
 */
import { getHeapSpaceStatistics } from 'node:v8';
import { capSemiSpace } from '../../src/heap.js';

const capMb = Number(process.argv[2]);
const stop = capSemiSpace(capMb);
const newSpace = () => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
const sizes: number[] = [];
let window: { n: number; text: string; list: number[] }[] = [];
for (let round = 0; round < 400; round++) {
  for (let i = 0; i < 4_000; i++) {
    window.push({ n: i, text: `row ${round}:${i}`, list: [i, round] });
    if (window.length > 200_000) window = window.slice(100_000);
  }
  await new Promise((resolve) => setImmediate(resolve));
  sizes.push(newSpace());
}
stop?.();
sizes.sort((a, b) => a - b);
const median = sizes[Math.floor(sizes.length / 2)];
process.stdout.write(`${JSON.stringify({ median, largest: sizes.at(-1), kept: window.length })}\n`);
