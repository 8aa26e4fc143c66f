/**
 * Cold start: process spawn to the first `tools/list` answer over stdio, the way a desktop host
 * starts a server (initialize, initialized, tools/list written at once; the clock stops at the
 * tools/list answer). Our built server with an upstream configured (the sandbox running in its
 * own process, so start-up includes practice discovery and the roster pre-load over HTTP)
 * versus `@modelcontextprotocol/server-everything` started the same way, and versus the floor
 * (bench/lib/floor-stdio.ts: one tool on the same SDK, bundled with the same resolutions as ours,
 * scripts/bundle-plugins.mjs), runs alternated; and,
 * separately, the demo start (`--demo`: the embedded sandbox generates its dataset first). Then
 * what our start does before the first tools/list answer, step by step: a few more starts with
 * `--startup-timings` (the server prints when it had loaded its modules, parsed its configuration,
 * started its runtime and connected stdio) through a timestamping proxy in front of the sandbox
 * (when the start-up's upstream requests were sent and answered), against the moment of spawn and
 * of each answer here; medians over the starts, in ms since spawn.
 * server-everything is installed into bench/.cache at bench time, not as a project dependency.
 *
 *   node --import tsx bench/cold-start.ts      # after npm run build
 *   BENCH_COLD_START_NODE=/path/to/node24 node --import tsx bench/cold-start.ts   # and on that node
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundledFloor } from './lib/floor-bundle.js';
import { BENCH_DIR, CLI, machine, median, round, type SandboxProcess, startSandboxProcess } from './lib/stats.js';
import { spawnStdio } from './lib/stdio-client.js';
import { epochNow, startUpstreamProxy } from './lib/upstream-proxy.js';

export const EVERYTHING_VERSION = '2026.8.31';
const CACHE = join(BENCH_DIR, '.cache');
const EVERYTHING = join(CACHE, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
/** The floor needs an upstream only for a call; cold start lists its one tool. */
const FLOOR_ENV = {
  BENCH_FLOOR: JSON.stringify({
    upstreamOrigin: 'http://127.0.0.1:9',
    token: '-',
    tools: [{ name: 'find_spot', waves: [] }],
  }),
};

export interface ColdStartResult {
  machineBefore: ReturnType<typeof machine>;
  machineAfter: ReturnType<typeof machine>;
  runs: number;
  oursMs: number[];
  everythingMs: number[];
  floorMs: number[];
  demoMs: number[];
  oursMedianMs: number;
  everythingMedianMs: number;
  floorMedianMs: number;
  demoMedianMs: number;
  /** ours ÷ server-everything, medians. */
  ratio: number;
  /** the floor ÷ server-everything, medians: what any server on this SDK, bundled like ours, starts in. */
  floorRatio: number;
  everythingVersion: string;
  toolsListed: { ours: number; everything: number; floor: number };
  /** Our start, step by step: ms since spawn at which each step had finished (medians), in order. */
  phases?: { runs: number; steps: { step: string; atMs: number }[]; upstreamRequests: number };
  /**
   * BENCH_COLD_START_NODE=<a Node 22.8+ binary>: ours started by that node too, with its compile
   * cache (filled by the discarded first start) and without (NODE_DISABLE_COMPILE_CACHE=1), and
   * server-everything on it as well, alternated with the other legs.
   */
  otherNode?: {
    version: string;
    cachedMedianMs: number;
    uncachedMedianMs: number;
    everythingMedianMs: number;
    /** ours with the cache ÷ server-everything, both on that node. */
    ratioCached: number;
  };
}

export function ensureEverything(): string {
  if (!existsSync(EVERYTHING)) {
    execFileSync(
      'npm',
      [
        'install',
        '--prefix',
        CACHE,
        '--no-save',
        '--no-audit',
        '--no-fund',
        `@modelcontextprotocol/server-everything@${EVERYTHING_VERSION}`,
      ],
      { stdio: 'inherit' },
    );
  }
  return EVERYTHING;
}

/** Spawn → initialize → initialized → tools/list, all written at once; ms to the tools/list answer. */
async function timeToToolsList(command: string, args: string[], env: Record<string, string>) {
  const rpc = spawnStdio(command, args, env, true);
  try {
    const init = rpc.request('initialize', {
      protocolVersion: '2025-11-25',
      capabilities: {},
      clientInfo: { name: 'cold-start', version: '1' },
    });
    rpc.notify('notifications/initialized');
    const list = await rpc.request('tools/list', {});
    const elapsed = performance.now() - rpc.spawnedAt;
    await init;
    const tools = (list.result?.tools as unknown[] | undefined)?.length ?? 0;
    if (tools === 0)
      throw new Error(`no tools listed: ${JSON.stringify(list).slice(0, 300)} ${rpc.stderr().slice(-500)}`);
    return { ms: elapsed, tools };
  } finally {
    await rpc.close();
  }
}

/** The steps `--startup-timings` prints (src/main.ts), named for the report. */
const SERVER_STEPS: Record<string, string> = {
  processStart: 'node process started',
  modulesLoaded: 'modules loaded',
  configParsed: 'configuration parsed',
  runtimeStarted: 'runtime started (gates, practice discovery awaited)',
  listening: 'stdio connected',
};

/** One start of ours through the proxy: ms since spawn of each step. */
async function stepsOfOneStart(
  proxy: Awaited<ReturnType<typeof startUpstreamProxy>>,
  env: Record<string, string>,
): Promise<{ steps: Record<string, number>; upstreamRequests: number }> {
  const rpc = spawnStdio(process.execPath, [CLI, '--startup-timings'], env, true);
  const spawned = performance.timeOrigin + rpc.spawnedAt;
  const at: Record<string, number> = {};
  try {
    const init = rpc
      .request('initialize', {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'cold-start', version: '1' },
      })
      .then(() => {
        at['initialize answered'] = epochNow();
      });
    rpc.notify('notifications/initialized');
    await rpc.request('tools/list', {});
    at['tools/list answered'] = epochNow();
    await init;
    for (let waited = 0; !rpc.stderr().includes('"startupTimings"') && waited < 2_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const line = /^\{"startupTimings":.*$/m.exec(rpc.stderr())?.[0];
    const server = line ? (JSON.parse(line) as { startupTimings: Record<string, number> }).startupTimings : {};
    for (const [key, name] of Object.entries(SERVER_STEPS)) if (server[key]) at[name] = server[key];
    const upstream = proxy.log.filter(
      (x) => x.path.startsWith('/api/') && x.sentAt >= spawned && x.answeredAt <= (at['tools/list answered'] ?? 0),
    );
    const ready = server.runtimeStarted ?? at['initialize answered'] ?? 0;
    const awaited = upstream.filter((x) => x.answeredAt <= ready);
    if (upstream.length > 0) at['first upstream request sent'] = Math.min(...upstream.map((x) => x.sentAt));
    if (awaited.length > 0) {
      at['last upstream answer before the runtime started'] = Math.max(...awaited.map((x) => x.answeredAt));
    }
    const steps = Object.fromEntries(Object.entries(at).map(([name, epoch]) => [name, epoch - spawned]));
    return { steps, upstreamRequests: upstream.length };
  } finally {
    await rpc.close();
  }
}

async function startupPhases(
  sandbox: SandboxProcess,
  env: Record<string, string>,
  runs: number,
): Promise<NonNullable<ColdStartResult['phases']>> {
  const proxy = await startUpstreamProxy(sandbox.url);
  const samples: Record<string, number[]> = {};
  let upstreamRequests = 0;
  try {
    for (let i = 0; i < runs; i += 1) {
      const one = await stepsOfOneStart(proxy, { ...env, ESCAPE_API_URL: proxy.url });
      upstreamRequests = one.upstreamRequests;
      for (const [name, ms] of Object.entries(one.steps)) samples[name] = [...(samples[name] ?? []), ms];
    }
  } finally {
    await proxy.close();
  }
  const steps = Object.entries(samples)
    .map(([step, values]) => ({ step, atMs: round(median(values), 1) }))
    .sort((a, b) => a.atMs - b.atMs);
  return { runs, steps, upstreamRequests };
}

export async function runColdStart(
  options: { runs?: number; demoRuns?: number; phaseRuns?: number; otherNode?: string } = {},
): Promise<ColdStartResult> {
  const runs = options.runs ?? 15;
  const demoRuns = options.demoRuns ?? 3;
  const everything = ensureEverything();
  const floor = await bundledFloor('floor-stdio');
  const machineBefore = machine();
  const sandbox = await startSandboxProcess();
  const oursMs: number[] = [];
  const everythingMs: number[] = [];
  const floorMs: number[] = [];
  const demoMs: number[] = [];
  const toolsListed = { ours: 0, everything: 0, floor: 0 };
  let phases: ColdStartResult['phases'];
  const ourEnv = { ESCAPE_API_URL: sandbox.url, ESCAPE_API_TOKEN: sandbox.token, ESCAPE_LOG_LEVEL: 'info' };
  const otherNode = options.otherNode;
  const otherMs = { cached: [] as number[], uncached: [] as number[], everything: [] as number[] };
  const uncachedEnv = { ...ourEnv, NODE_DISABLE_COMPILE_CACHE: '1' };
  try {
    // One discarded run each: the first spawn pays for the OS file cache (and fills the compile cache).
    await timeToToolsList(process.execPath, [CLI], ourEnv);
    await timeToToolsList(process.execPath, [everything, 'stdio'], {});
    await timeToToolsList(process.execPath, [floor], FLOOR_ENV);
    if (otherNode) {
      await timeToToolsList(otherNode, [CLI], ourEnv);
      await timeToToolsList(otherNode, [everything, 'stdio'], {});
    }
    phases = await startupPhases(sandbox, ourEnv, options.phaseRuns ?? 5);
    for (let i = 0; i < runs; i += 1) {
      if (otherNode) {
        otherMs.cached.push(round((await timeToToolsList(otherNode, [CLI], ourEnv)).ms, 1));
        otherMs.uncached.push(round((await timeToToolsList(otherNode, [CLI], uncachedEnv)).ms, 1));
        otherMs.everything.push(round((await timeToToolsList(otherNode, [everything, 'stdio'], {})).ms, 1));
      }
      const ours = await timeToToolsList(process.execPath, [CLI], ourEnv);
      oursMs.push(round(ours.ms, 1));
      toolsListed.ours = ours.tools;
      const other = await timeToToolsList(process.execPath, [everything, 'stdio'], {});
      everythingMs.push(round(other.ms, 1));
      toolsListed.everything = other.tools;
      const thinnest = await timeToToolsList(process.execPath, [floor], FLOOR_ENV);
      floorMs.push(round(thinnest.ms, 1));
      toolsListed.floor = thinnest.tools;
    }
  } finally {
    await sandbox.close();
  }
  for (let i = 0; i < demoRuns; i += 1) {
    const demo = await timeToToolsList(process.execPath, [CLI, '--demo'], { ESCAPE_LOG_LEVEL: 'warn' });
    demoMs.push(round(demo.ms, 1));
  }
  const oursMedianMs = round(median(oursMs), 1);
  const everythingMedianMs = round(median(everythingMs), 1);
  const floorMedianMs = round(median(floorMs), 1);
  return {
    machineBefore,
    machineAfter: machine(),
    runs,
    oursMs,
    everythingMs,
    floorMs,
    demoMs,
    oursMedianMs,
    everythingMedianMs,
    floorMedianMs,
    demoMedianMs: round(median(demoMs), 1),
    ratio: round(oursMedianMs / everythingMedianMs),
    floorRatio: round(floorMedianMs / everythingMedianMs),
    everythingVersion: EVERYTHING_VERSION,
    toolsListed,
    ...(phases ? { phases } : {}),
    ...(otherNode
      ? {
          otherNode: {
            version: execFileSync(otherNode, ['--version'], { encoding: 'utf8' }).trim(),
            cachedMedianMs: round(median(otherMs.cached), 1),
            uncachedMedianMs: round(median(otherMs.uncached), 1),
            everythingMedianMs: round(median(otherMs.everything), 1),
            ratioCached: round(median(otherMs.cached) / median(otherMs.everything)),
          },
        }
      : {}),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await runColdStart(
    process.env.BENCH_COLD_START_NODE ? { otherNode: process.env.BENCH_COLD_START_NODE } : {},
  );
  for (const { step, atMs } of r.phases?.steps ?? []) process.stdout.write(`${atMs} ms: ${step}\n`);
  process.stdout.write(
    `ours median ${r.oursMedianMs} ms (${r.toolsListed.ours} tools), server-everything ${r.everythingMedianMs} ms (${r.toolsListed.everything} tools): ×${r.ratio}; the floor ${r.floorMedianMs} ms: ×${r.floorRatio}; demo start median ${r.demoMedianMs} ms; load ${r.machineBefore.load1} → ${r.machineAfter.load1}\n`,
  );
}
