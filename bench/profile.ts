/**
 * Where the server's CPU goes under the HTTP load of bench/cpu.ts (50 clients on find_spot), ours
 * and the floor's (bench/lib/floor-server.ts, the same upstream requests): each runs with
 * `node --cpu-prof` in its own process against one sandbox process for BENCH_PROFILE_SECONDS
 * (default 10) after the usual warm-up, and stops on SIGTERM (so V8 writes the profile). Each
 * profile is summed three ways, as shares of its busy time:
 * - by origin (self time): the package or src/ directory a sampled function comes from, through
 *   the bundle's source maps for ours; times the CPU per call measured under the profiler, that
 *   gives ms a call by origin, ours beside the floor's;
 * - by function, inclusive of what each calls (ours);
 * - by function, self time (ours).
 * The profiler slows both servers, so shares and the comparison mean something and absolute
 * times less so. Not part of `npm run bench`; writes bench/results/cpu-profile.md.
 *
 *   npm run build && node --import tsx bench/profile.ts
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServerProcess } from './lib/http-server.js';
import { type CallFrame, ON_BEHALF, originOf } from './lib/origin.js';
import { oursThenFloor, type RequestFor, type StartServer } from './lib/ours-and-floor.js';
import { machine, RESULTS_DIR, round } from './lib/stats.js';

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}
interface Profiled {
  profile: CpuProfile;
  cpuMsPerCall: number;
  callsPerSec: number;
}

const seconds = Number(process.env.BENCH_PROFILE_SECONDS ?? 10);
const CLIENTS = 50;

/** Runs one server under the profiler and the load; answers its profile once it has exited. */
async function profiled(start: StartServer, requestFor: RequestFor): Promise<Profiled> {
  const dir = mkdtempSync(join(tmpdir(), 'escape-cpu-prof-'));
  const server = await start(['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const request = await requestFor(server);
  const { load, serverCpuMsPerCall } = await loadServerProcess(server, request, { concurrency: CLIENTS, seconds });
  await new Promise<void>((resolve) => {
    server.child.once('exit', () => resolve());
    server.child.kill('SIGTERM');
  });
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile written to ${dir}`);
  process.stderr.write(`the profile itself: ${join(dir, file)}\n`);
  return {
    profile: JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile,
    cpuMsPerCall: serverCpuMsPerCall,
    callsPerSec: load.throughputPerSec,
  };
}

const before = machine();
const { ours, floor } = await oursThenFloor(profiled);

/** Self time by sampled node, and the busy total (idle excluded). */
function selfTimes(profile: CpuProfile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  for (const [index, id] of profile.samples.entries()) {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  }
  let busy = 0;
  for (const [id, time] of self) if (byId.get(id)?.callFrame.functionName !== '(idle)') busy += time;
  return { byId, self, busy };
}

/**
 * ms a call by origin: `self`, each sample to the function it was in; `charged`, a sample in Node
 * internals or a V8 builtin to the nearest caller from a package or src/ (the event loop's own
 * work, with no such caller, stays Node's).
 */
function byOrigin({ profile, cpuMsPerCall }: Profiled) {
  const { byId, self, busy } = selfTimes(profile);
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const selfTotals = new Map<string, number>();
  const chargedTotals = new Map<string, number>();
  const add = (totals: Map<string, number>, origin: string, time: number) =>
    totals.set(origin, (totals.get(origin) ?? 0) + time);
  for (const [id, time] of self) {
    const frame = byId.get(id)?.callFrame;
    if (!frame || frame.functionName === '(idle)') continue;
    const origin = originOf(frame);
    add(selfTotals, origin, time);
    let charged = origin;
    for (let at = parentOf.get(id); ON_BEHALF.has(charged) && at !== undefined; at = parentOf.get(at)) {
      const caller = byId.get(at)?.callFrame;
      if (caller && caller.functionName !== '(root)') {
        const callerOrigin = originOf(caller);
        if (!ON_BEHALF.has(callerOrigin)) charged = callerOrigin;
      }
    }
    add(chargedTotals, charged, time);
  }
  const perCall = (totals: Map<string, number>) =>
    new Map(
      [...totals].map(([origin, time]) => [origin, { share: time / busy, msPerCall: (time / busy) * cpuMsPerCall }]),
    );
  return { self: perCall(selfTotals), charged: perCall(chargedTotals) };
}

function functionShares({ profile }: Profiled) {
  const { byId, self, busy } = selfTimes(profile);
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const inclusive = new Map<string, number>();
  const selfByFunction = new Map<string, number>();
  for (const [id, time] of self) {
    const frame = byId.get(id)?.callFrame;
    if (!frame || frame.functionName === '(idle)') continue;
    const counted = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const name = byId.get(at)?.callFrame.functionName;
      if (!name || name === '(root)' || counted.has(name)) continue;
      counted.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + time);
    }
    const name = `${frame.functionName || '(anonymous)'} (${originOf(frame)})`;
    selfByFunction.set(name, (selfByFunction.get(name) ?? 0) + time);
  }
  const rows = (times: Map<string, number>, count: number) =>
    [...times.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, time]) => `| \`${name}\` | ${round((time / busy) * 100, 1)} % |`);
  return { inclusive: rows(inclusive, 60), self: rows(selfByFunction, 40) };
}

type OriginTimes = Map<string, { share: number; msPerCall: number }>;
/** Rows for both servers, biggest of ours first; under 0.2 % in both left out. */
function originRows(oursTimes: OriginTimes, floorTimes: OriginTimes): string[] {
  const origins = [...new Set([...oursTimes.keys(), ...floorTimes.keys()])].sort(
    (a, b) => (oursTimes.get(b)?.msPerCall ?? 0) - (oursTimes.get(a)?.msPerCall ?? 0),
  );
  const cell = (x: { share: number; msPerCall: number } | undefined) =>
    x ? `${round(x.msPerCall, 3)} (${round(x.share * 100, 1)} %)` : '—';
  return origins
    .filter((origin) => Math.max(oursTimes.get(origin)?.share ?? 0, floorTimes.get(origin)?.share ?? 0) >= 0.002)
    .map((origin) => {
      const o = oursTimes.get(origin);
      const f = floorTimes.get(origin);
      return `| ${origin} | ${cell(o)} | ${cell(f)} | ${round((o?.msPerCall ?? 0) - (f?.msPerCall ?? 0), 3)} |`;
    });
}
const oursByOrigin = byOrigin(ours);
const floorByOrigin = byOrigin(floor);
const shares = functionShares(ours);

const markdown = `# Where the server's CPU goes (bench/profile.ts)

${new Date().toISOString()}; Node ${process.version}; ${CLIENTS} HTTP clients on find_spot (2026-07-28), ${seconds} s after a 3 s warm-up, each server in its own process; load average at the start ${before.load1}. Under the profiler: ours ${ours.cpuMsPerCall} ms of server CPU a call (${ours.callsPerSec} calls/s), the floor ${floor.cpuMsPerCall} ms (${floor.callsPerSec} calls/s); bench/cpu.ts gives the figures without the profiler.

## By origin, ms of server CPU a call (share of busy time)

The origin is the package or src/ directory the sampled function comes from (both are bundled; the origin comes through each bundle's source map; bench/lib is the floor's own code). Rows under 0.2 % in both are left out.

Each sample to the function it was in (self time):

| origin | ours | the floor | ours − the floor |
|---|---|---|---|
${originRows(oursByOrigin.self, floorByOrigin.self).join('\n')}

Work in Node internals and V8 builtins charged to the nearest caller from a package or src/ (what is left under Node is the event loop's and the sockets' own work; the garbage collector cannot be charged to a caller):

| origin | ours | the floor | ours − the floor |
|---|---|---|---|
${originRows(oursByOrigin.charged, floorByOrigin.charged).join('\n')}

## Ours: each function's share of the busy time, inclusive of what it calls

Names are the functions' own (the server is bundled). \`processTicksAndRejections\`/\`runMicrotasks\` hold most async work.

| function | share |
|---|---|
${shares.inclusive.join('\n')}

## Ours: self time (the function's own work, not what it calls), by function and origin

| function | share |
|---|---|
${shares.self.join('\n')}
`;
writeFileSync(join(RESULTS_DIR, 'cpu-profile.md'), markdown);
process.stdout.write(markdown);
