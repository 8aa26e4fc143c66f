/**
 * Where our server's CPU goes under the HTTP load of bench/cpu.ts (50 clients on find_spot): the
 * built server runs with `node --cpu-prof` against a sandbox process for BENCH_PROFILE_SECONDS
 * (default 10) after the usual warm-up, stops on SIGTERM (so V8 writes the profile), and the
 * profile is summed by function, inclusive of what each calls, as shares of the busy time. The
 * profiler itself slows the server, so the shares mean something and the absolute times do not.
 * Not part of `npm run bench`; writes bench/results/cpu-profile.md.
 *
 *   npm run build && node --import tsx bench/profile.ts
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchCalls, type PracticeFixture } from './lib/cases.js';
import { captureCalls, loadServerProcess, replayOf, startHttpServerProcess } from './lib/http-server.js';
import { machine, RESULTS_DIR, round, startSandboxProcess } from './lib/stats.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const seconds = Number(process.env.BENCH_PROFILE_SECONDS ?? 10);
const profileDir = mkdtempSync(join(tmpdir(), 'escape-cpu-prof-'));
const before = machine();
const sandbox = await startSandboxProcess();
let figures: { cpuMsPerCall: number; callsPerSec: number };
try {
  const server = await startHttpServerProcess(sandbox, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
  const [first] = await captureCalls(server, benchCalls(sandbox.fixtures.practices.la as PracticeFixture));
  if (!first) throw new Error('no call captured');
  const { load, serverCpuMsPerCall } = await loadServerProcess(server, replayOf(first), { concurrency: 50, seconds });
  figures = { cpuMsPerCall: serverCpuMsPerCall, callsPerSec: load.throughputPerSec };
  await new Promise<void>((resolve) => {
    server.child.once('exit', () => resolve());
    server.child.kill('SIGTERM');
  });
} finally {
  await sandbox.close();
}

const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
if (!file) throw new Error(`no profile written to ${profileDir}`);
const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as CpuProfile;
const parentOf = new Map<number, number>();
const byId = new Map<number, ProfileNode>();
for (const node of profile.nodes) {
  byId.set(node.id, node);
  for (const child of node.children ?? []) parentOf.set(child, node.id);
}
const selfTime = new Map<number, number>();
for (const [index, id] of profile.samples.entries()) {
  selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
}

let busy = 0;
const inclusive = new Map<string, number>();
for (const [id, time] of selfTime) {
  if (byId.get(id)?.callFrame.functionName === '(idle)') continue;
  busy += time;
  const counted = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
    const name = byId.get(at)?.callFrame.functionName;
    if (!name || name === '(root)' || counted.has(name)) continue;
    counted.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + time);
  }
}
const selfByFunction = new Map<string, number>();
for (const [id, time] of selfTime) {
  const frame = byId.get(id)?.callFrame;
  if (!frame || frame.functionName === '(idle)') continue;
  const file = frame.url.replace(/^.*\/(node_modules|dist)\//, '$1/');
  const name = `${frame.functionName || '(anonymous)'}${file ? ` (${file})` : ''}`;
  selfByFunction.set(name, (selfByFunction.get(name) ?? 0) + time);
}
const shareRows = (times: Map<string, number>, count: number) =>
  [...times.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, time]) => `| \`${name}\` | ${round((time / busy) * 100, 1)} % |`);
const rows = shareRows(inclusive, 60);
const markdown = `# Where the server's CPU goes (bench/profile.ts)

${new Date().toISOString()}; Node ${process.version}; 50 HTTP clients on find_spot (2026-07-28), ${seconds} s after a 3 s warm-up, load average at the start ${before.load1}. Under the profiler: ${figures.cpuMsPerCall} ms of server CPU a call, ${figures.callsPerSec} calls/s (bench/cpu.ts gives the figures without it).

Each function's share of the busy time, inclusive of what it calls (the built server is bundled, so names are the functions' own, not files). \`processTicksAndRejections\`/\`runMicrotasks\` hold most async work.

| function | share |
|---|---|
${rows.join('\n')}

Self time (the function's own work, not what it calls), by function and file:

| function | share |
|---|---|
${shareRows(selfByFunction, 40).join('\n')}
`;
writeFileSync(join(RESULTS_DIR, 'cpu-profile.md'), markdown);
process.stdout.write(markdown);
process.stderr.write(`the profile itself: ${join(profileDir, file)}\n`);
