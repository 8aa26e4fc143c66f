/**
 * What the server allocates per call under the HTTP load of bench/profile.ts (50 clients on
 * find_spot), ours and the floor's, by origin and by function. Each server runs in its own
 * process with bench/lib/alloc-sampler.mjs preloaded: V8's sampling heap profiler, counting the
 * objects already collected too (garbage is what makes the collector run), from the end of the
 * warm-up to SIGTERM. The sampled bytes (V8's estimate, scaled from one sample every 16 KiB)
 * divided by the calls answered give KB allocated a call. Not part of `npm run bench`; writes
 * bench/results/alloc-profile.md.
 *
 *   npm run build && node --import tsx bench/alloc.ts
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { loadServerProcess, runLoad } from './lib/http-server.js';
import { type CallFrame, ON_BEHALF, originOf, sourceOf } from './lib/origin.js';
import { oursThenFloor, type RequestFor, type StartServer } from './lib/ours-and-floor.js';
import { machine, REPO_ROOT, RESULTS_DIR, round } from './lib/stats.js';

interface HeapNode {
  callFrame: CallFrame;
  selfSize: number;
  children: HeapNode[];
}
interface Sampled {
  head: HeapNode;
  calls: number;
}

const seconds = Number(process.env.BENCH_ALLOC_SECONDS ?? 10);
const CLIENTS = 50;
const SAMPLER = join(REPO_ROOT, 'bench', 'lib', 'alloc-sampler.mjs');

/** Runs one server with the sampler and the load; answers its heap profile once it has exited. */
async function sampled(start: StartServer, requestFor: RequestFor): Promise<Sampled> {
  const file = join(mkdtempSync(join(tmpdir(), 'escape-alloc-')), 'heap.json');
  const server = await start(['--import', SAMPLER], { BENCH_HEAP_PROFILE: file });
  const request = await requestFor(server);
  await runLoad(server.url, () => request, { concurrency: CLIENTS, seconds: 3 });
  server.child.kill('SIGUSR2');
  const { load } = await loadServerProcess(server, request, { concurrency: CLIENTS, seconds, warmupSeconds: 0 });
  await new Promise<void>((resolve) => {
    server.child.once('exit', () => resolve());
    server.child.kill('SIGTERM');
  });
  process.stderr.write(`the heap profile itself: ${file}\n`);
  return { head: (JSON.parse(readFileSync(file, 'utf8')) as { head: HeapNode }).head, calls: load.requests };
}

const before = machine();
const { ours, floor } = await oursThenFloor(sampled);

const add = (totals: Map<string, number>, key: string, bytes: number) =>
  totals.set(key, (totals.get(key) ?? 0) + bytes);

/** Where a frame is, for people: its original file and line (bundled frames through the source map). */
function placeOf(frame: CallFrame): string {
  if (!frame.url) return originOf(frame);
  const source = sourceOf(frame);
  const inPackage = /node_modules[\\/](.*)$/.exec(source);
  const shown = inPackage?.[1] ?? (source.startsWith(REPO_ROOT) ? relative(REPO_ROOT, source) : source);
  return frame.url.startsWith('node:') ? frame.url : shown;
}

/**
 * Bytes by origin (self: where the allocation happened; charged: allocations in Node internals or
 * V8 builtins go to the nearest caller from a package or src/), by function, and by function with
 * its callers' origin-charged path.
 */
function summed({ head }: Sampled) {
  const self = new Map<string, number>();
  const charged = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const byCaller = new Map<string, number>();
  let total = 0;
  const walk = (node: HeapNode, chargedTo: string, callerPlace: string) => {
    const frame = node.callFrame;
    const isRoot = frame.functionName === '(root)';
    const origin = isRoot ? 'other' : originOf(frame);
    const charge = ON_BEHALF.has(origin) ? chargedTo : origin;
    const place = isRoot ? '' : `${frame.functionName || '(anonymous)'} (${placeOf(frame)})`;
    const ownPlace = ON_BEHALF.has(origin) ? callerPlace : place;
    if (node.selfSize > 0) {
      total += node.selfSize;
      add(self, origin, node.selfSize);
      add(charged, charge, node.selfSize);
      add(byFunction, place, node.selfSize);
      add(byCaller, ownPlace || place, node.selfSize);
    }
    for (const child of node.children) walk(child, charge, ownPlace);
  };
  walk(head, 'Node internals', '');
  return { self, charged, byFunction, byCaller, total };
}

const kb = (bytes: number, calls: number) => round(bytes / calls / 1024, 1);
const oursSums = summed(ours);
const floorSums = summed(floor);

function originRows(key: 'self' | 'charged'): string[] {
  const o = oursSums[key];
  const f = floorSums[key];
  return [...new Set([...o.keys(), ...f.keys()])]
    .map((origin) => [origin, kb(o.get(origin) ?? 0, ours.calls), kb(f.get(origin) ?? 0, floor.calls)] as const)
    .filter(([, a, b]) => a >= 0.5 || b >= 0.5)
    .sort((a, b) => b[1] - a[1])
    .map(([origin, a, b]) => `| ${origin} | ${a} | ${b} | ${round(a - b, 1)} |`);
}
const functionRows = (totals: Map<string, number>, calls: number, count: number) =>
  [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, bytes]) => `| \`${name}\` | ${kb(bytes, calls)} |`);

const markdown = `# What the server allocates a call (bench/alloc.ts)

${new Date().toISOString()}; Node ${process.version}; ${CLIENTS} HTTP clients on find_spot (2026-07-28), ${seconds} s sampled after a 3 s warm-up, each server in its own process; load average at the start ${before.load1}. V8's sampling heap profiler (one sample every 16 KiB, collected objects included), so the figures are estimates of everything allocated, garbage included.

**Ours ${kb(oursSums.total, ours.calls)} KB a call** (${ours.calls} calls); **the floor ${kb(floorSums.total, floor.calls)} KB a call** (${floor.calls} calls).

## By origin, KB allocated a call

Where the allocation happened (rows under 0.5 KB in both left out):

| origin | ours | the floor | ours − the floor |
|---|---|---|---|
${originRows('self').join('\n')}

Allocations in Node internals and V8 builtins charged to the nearest caller from a package or src/:

| origin | ours | the floor | ours − the floor |
|---|---|---|---|
${originRows('charged').join('\n')}

## Ours: by function, charged as above (Node internals and builtins to the nearest caller)

| function (original file) | KB a call |
|---|---|
${functionRows(oursSums.byCaller, ours.calls, 50).join('\n')}

## Ours: by the function that allocated

| function (original file) | KB a call |
|---|---|
${functionRows(oursSums.byFunction, ours.calls, 40).join('\n')}

## The floor: by function, charged

| function (original file) | KB a call |
|---|---|
${functionRows(floorSums.byCaller, floor.calls, 20).join('\n')}
`;
writeFileSync(join(RESULTS_DIR, 'alloc-profile.md'), markdown);
process.stdout.write(markdown);
