/**
 * The HTTP server's memory settings, A/B: for each leg (server arguments), a server process
 * against one sandbox process, 50 clients on find_spot for BENCH_AB_SECONDS (default 15) after
 * a 3 s warm-up; the largest RSS, calls a second and the server's CPU time per call. Legs
 * alternate for BENCH_AB_ROUNDS rounds (default 3), so drift in the machine's load spreads
 * over all of them. Not part of `npm run bench` (about 20 s a leg and round); the table goes to
 * stdout and to bench/results/heap-ab.md, which README "Performance" quotes.
 *
 *   node --import tsx bench/heap-ab.ts     # after npm run build
 *   BENCH_AB_LEGS='{"growing 0":["--heap-growing-percent","0"]}' node --import tsx bench/heap-ab.ts
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchCalls, type PracticeFixture } from './lib/cases.js';
import { captureCalls, loadServerProcess, replayOf, startHttpServerProcess } from './lib/http-server.js';
import { machine, median, RESULTS_DIR, startSandboxProcess } from './lib/stats.js';

const legs: Record<string, string[]> = process.env.BENCH_AB_LEGS
  ? JSON.parse(process.env.BENCH_AB_LEGS)
  : {
      'the defaults (growing 25 %, semi-spaces 8 MB)': [],
      '--semi-space-mb 0': ['--semi-space-mb', '0'],
      '--semi-space-mb 0 --heap-growing-percent 0': ['--semi-space-mb', '0', '--heap-growing-percent', '0'],
    };
const seconds = Number(process.env.BENCH_AB_SECONDS ?? 15);
const rounds = Number(process.env.BENCH_AB_ROUNDS ?? 3);

interface Run {
  maxRssMb: number;
  callsPerSec: number;
  cpuMsPerCall: number;
  errors: number;
}

const startedAt = new Date().toISOString();
const before = machine();
const sandbox = await startSandboxProcess();
const runs: Record<string, Run[]> = {};
try {
  for (let r = 0; r < rounds; r++) {
    for (const [name, args] of Object.entries(legs)) {
      const server = await startHttpServerProcess(sandbox, [], args);
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

const span = (values: number[]) => `${Math.min(...values)}–${Math.max(...values)} (median ${median(values)})`;
const lines = [
  '| server started with | RSS max under load, MB | calls/s | server CPU per call, ms | errors |',
  '|---|---|---|---|---|',
  ...Object.entries(runs).map(
    ([name, list]) =>
      `| ${name} | ${span(list.map((x) => x.maxRssMb))} | ${span(list.map((x) => x.callsPerSec))} | ${span(list.map((x) => x.cpuMsPerCall))} | ${list.reduce((sum, x) => sum + x.errors, 0)} |`,
  ),
];
const table = `${lines.join('\n')}\n`;
process.stdout.write(table);
writeFileSync(
  join(RESULTS_DIR, 'heap-ab.md'),
  `# HTTP memory settings, A/B (bench/heap-ab.ts)\n\n${startedAt}; Node ${process.version}; 50 clients on find_spot, ${seconds} s a leg, ${rounds} rounds, legs alternated; load average at start ${before.load1}.\n\n${table}`,
);
