/**
 * The HTTP server's memory settings, A/B: for each leg (node flags and server arguments), a server process
 * against one sandbox process, 50 clients on find_spot for BENCH_AB_SECONDS (default 15) after
 * a 3 s warm-up; the largest RSS, calls a second and the server's CPU time per call. Legs
 * alternate for BENCH_AB_ROUNDS rounds (default 3), so drift in the machine's load spreads
 * over all of them. Not part of `npm run bench` (about 20 s a leg and round); the table goes to
 * stdout and to bench/results/heap-ab.md, which README "Performance" quotes.
 *
 *   node --import tsx bench/heap-ab.ts     # after npm run build
 *   BENCH_AB_LEGS='{"growing 0":{"args":["--heap-growing-percent","0"]}}' node --import tsx bench/heap-ab.ts
 *   BENCH_AB_LEGS='{"semi 8":{"node":["--max-semi-space-size=8"]}}' node --import tsx bench/heap-ab.ts
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchCalls, type PracticeFixture } from './lib/cases.js';
import { captureCalls, loadServerProcess, replayOf, startHttpServerProcess } from './lib/http-server.js';
import { machine, median, RESULTS_DIR, startSandboxProcess } from './lib/stats.js';

/** A leg: flags for node itself (before the script) and arguments for `escape-dental-mcp http`. */
interface Leg {
  node?: string[];
  args?: string[];
}

const legs: Record<string, Leg> = process.env.BENCH_AB_LEGS
  ? JSON.parse(process.env.BENCH_AB_LEGS)
  : {
      'the defaults (heap growing 25 %)': {},
      'node --max-semi-space-size=8': { node: ['--max-semi-space-size=8'] },
      '--heap-growing-percent 0 (V8 sizes the heap itself)': { args: ['--heap-growing-percent', '0'] },
    };
const seconds = Number(process.env.BENCH_AB_SECONDS ?? 15);
const rounds = Number(process.env.BENCH_AB_ROUNDS ?? 3);

interface Run {
  maxRssMb: number;
  callsPerSec: number;
  cpuMsPerCall: number;
  errors: number;
  /** The machine's 1-minute load average when the leg started. */
  load1: number;
}

const startedAt = new Date().toISOString();
const before = machine();
const sandbox = await startSandboxProcess();
const runs: Record<string, Run[]> = {};
try {
  for (let r = 0; r < rounds; r++) {
    for (const [name, leg] of Object.entries(legs)) {
      const load1 = machine().load1;
      const server = await startHttpServerProcess(sandbox, leg.node ?? [], leg.args ?? []);
      try {
        const [first] = await captureCalls(server, benchCalls(sandbox.fixtures.practices.la as PracticeFixture));
        if (!first) throw new Error('no call captured');
        const { load, maxRssMb, serverCpuMsPerCall } = await loadServerProcess(server, replayOf(first), {
          concurrency: 50,
          seconds,
        });
        const run: Run = {
          maxRssMb,
          callsPerSec: load.throughputPerSec,
          cpuMsPerCall: serverCpuMsPerCall,
          errors: load.errors,
          load1,
        };
        runs[name] = [...(runs[name] ?? []), run];
        process.stderr.write(`[heap-ab] round ${r + 1}, ${name}: ${JSON.stringify(run)}\n`);
      } finally {
        await server.close();
      }
    }
  }
} finally {
  await sandbox.close();
}

const after = machine();
const span = (values: number[]) => `${Math.min(...values)}–${Math.max(...values)} (median ${median(values)})`;
const lines = [
  "| server started with | RSS max under load, MB | calls/s | server CPU per call, ms | errors | load average at the leg's start |",
  '|---|---|---|---|---|---|',
  ...Object.entries(runs).map(
    ([name, list]) =>
      `| ${name} | ${span(list.map((x) => x.maxRssMb))} | ${span(list.map((x) => x.callsPerSec))} | ${span(list.map((x) => x.cpuMsPerCall))} | ${list.reduce((sum, x) => sum + x.errors, 0)} | ${list.map((x) => x.load1).join(', ')} |`,
  ),
];
const table = `${lines.join('\n')}\n`;
process.stdout.write(table);
writeFileSync(
  join(RESULTS_DIR, 'heap-ab.md'),
  `# HTTP memory settings, A/B (bench/heap-ab.ts)\n\n${startedAt}; Node ${process.version}; 50 clients on find_spot, ${seconds} s a leg, ${rounds} rounds, legs alternated; load average (1 min) at start ${before.load1}, at the end ${after.load1}.\n\n${table}`,
);
