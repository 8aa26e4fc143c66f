/**
 * CPU per call, ours against the floor (bench/lib/floor-*.ts: the thinnest server on the same SDK
 * making the same upstream requests), each server in a process of its own against one sandbox
 * process, the CPU read from /proc/<pid>/stat (user + system, every thread) of the server process
 * only:
 *   - over HTTP, 50 clients replaying the bytes a 2026-07-28 SDK client sends for find_spot, for
 *     BENCH_CPU_SECONDS (default 10) a leg: CPU per answered call, calls a second and, for ours,
 *     the largest RSS (the built server as an operator starts it: no node flags, its defaults);
 *   - over stdio, one host sending find_spot calls back to back for half that time a leg.
 * Legs alternate over BENCH_CPU_ROUNDS rounds (default 3), their order reversed every other
 * round, so drift in the machine's load spreads over both; each figure sums CPU and calls over
 * every round of its leg.
 *
 *   node --import tsx bench/cpu.ts      # after npm run build
 *   BENCH_CPU_SECONDS=3 BENCH_CPU_ROUNDS=1 node --import tsx bench/cpu.ts   # a quick check
 */
import { fileURLToPath } from 'node:url';
import { benchCalls, type PracticeFixture } from './lib/cases.js';
import { bundledFloor } from './lib/floor-bundle.js';
import type { FloorOptions } from './lib/floor-server.js';
import {
  captureCalls,
  type HttpServerProcess,
  loadServerProcess,
  replayOf,
  startFloorHttpProcess,
  startHttpServerProcess,
} from './lib/http-server.js';
import { CLI, cpuMs, machine, round, serverEnv, startSandboxProcess } from './lib/stats.js';
import { type StdioRpc, spawnStdio } from './lib/stdio-client.js';
import { captureWaves } from './lib/upstream.js';

const HTTP_CLIENTS = 50;

export interface CpuLegRun {
  round: number;
  /** The machine's 1-minute load average when the leg started. */
  load1: number;
  calls: number;
  seconds: number;
  cpuMs: number;
  errors: number;
  /** HTTP legs: the server's largest RSS, sampled every second. */
  maxRssMb?: number;
}

export interface CpuLeg {
  runs: CpuLegRun[];
  /** Every round's CPU ÷ every round's calls. */
  cpuMsPerCall: number;
  callsPerSec: number;
  errors: number;
  maxRssMb?: number;
}

export interface CpuResult {
  machineBefore: ReturnType<typeof machine>;
  machineAfter: ReturnType<typeof machine>;
  tool: 'find_spot';
  /** The upstream requests of one call, wave by wave (the floor makes exactly these). */
  waves: number[];
  rounds: number;
  httpSeconds: number;
  stdioSeconds: number;
  httpClients: number;
  http: { ours: CpuLeg; floor: CpuLeg };
  stdio: { ours: CpuLeg; floor: CpuLeg };
  /** ours ÷ floor. */
  ratios: { httpCpu: number; stdioCpu: number; httpThroughput: number };
}

function summarize(runs: CpuLegRun[]): CpuLeg {
  const calls = runs.reduce((sum, r) => sum + r.calls, 0);
  const rss = runs.flatMap((r) => (r.maxRssMb === undefined ? [] : [r.maxRssMb]));
  return {
    runs,
    cpuMsPerCall: round(runs.reduce((sum, r) => sum + r.cpuMs, 0) / Math.max(1, calls), 3),
    callsPerSec: round(
      calls /
        Math.max(
          0.001,
          runs.reduce((sum, r) => sum + r.seconds, 0),
        ),
      1,
    ),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    ...(rss.length > 0 ? { maxRssMb: Math.max(...rss) } : {}),
  };
}

/** One host calling back to back over stdio for `seconds`; the server's CPU over that time. */
async function stdioLeg(rpc: StdioRpc, call: { name: string; args: Record<string, unknown> }, seconds: number) {
  const once = async () => {
    const response = await rpc.request('tools/call', { name: call.name, arguments: call.args });
    return response.error || response.result?.isError ? 1 : 0;
  };
  for (let i = 0; i < 20; i += 1) await once();
  const pid = rpc.child.pid as number;
  const before = cpuMs(pid);
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let calls = 0;
  let errors = 0;
  while (performance.now() < deadline) {
    errors += await once();
    calls += 1;
  }
  return { calls, errors, seconds: (performance.now() - started) / 1000, cpuMs: cpuMs(pid) - before };
}

export async function runCpu(options: { seconds?: number; rounds?: number } = {}): Promise<CpuResult> {
  const httpSeconds = options.seconds ?? 10;
  const stdioSeconds = Math.max(2, Math.round(httpSeconds / 2));
  const rounds = options.rounds ?? 3;
  const machineBefore = machine();
  const sandbox = await startSandboxProcess();
  const upstream = { url: sandbox.url, token: sandbox.token };
  const [call] = benchCalls(sandbox.fixtures.practices.la as PracticeFixture);
  if (!call) throw new Error('no bench call');
  const started: { close: () => Promise<void> }[] = [];
  try {
    const [waves = []] = await captureWaves(upstream, [call]);
    const floorOptions: FloorOptions = {
      upstreamOrigin: sandbox.url,
      token: sandbox.token,
      tools: [{ name: call.name, waves }],
    };
    const oursHttp = await startHttpServerProcess(upstream);
    started.push(oursHttp);
    const floorHttp = await startFloorHttpProcess(floorOptions);
    started.push(floorHttp);
    const [captured] = await captureCalls(oursHttp, [call]);
    if (!captured) throw new Error('no call captured');
    const request = replayOf(captured);
    const floorRequest = { ...request, path: new URL(floorHttp.mcpUrl).pathname };
    const oursStdio = spawnStdio(process.execPath, [CLI], serverEnv(sandbox));
    started.push(oursStdio);
    const floorStdio = spawnStdio(process.execPath, [await bundledFloor('floor-stdio')], {
      BENCH_FLOOR: JSON.stringify(floorOptions),
    });
    started.push(floorStdio);
    await oursStdio.handshake();
    await floorStdio.handshake();

    const runs = { httpOurs: [] as CpuLegRun[], httpFloor: [] as CpuLegRun[], stdioOurs: [], stdioFloor: [] } as Record<
      'httpOurs' | 'httpFloor' | 'stdioOurs' | 'stdioFloor',
      CpuLegRun[]
    >;
    const httpLeg = async (server: HttpServerProcess, req: typeof request, r: number): Promise<CpuLegRun> => {
      const load1 = machine().load1;
      const { load, maxRssMb, serverCpuMsPerCall } = await loadServerProcess(server, req, {
        concurrency: HTTP_CLIENTS,
        seconds: httpSeconds,
        warmupSeconds: r === 0 ? 3 : 1,
      });
      return {
        round: r + 1,
        load1,
        calls: load.requests,
        seconds: load.seconds,
        cpuMs: round(serverCpuMsPerCall * load.requests, 1),
        errors: load.errors,
        maxRssMb,
      };
    };
    const legs: [keyof typeof runs, (r: number) => Promise<CpuLegRun>][] = [
      ['httpOurs', (r) => httpLeg(oursHttp, request, r)],
      ['httpFloor', (r) => httpLeg(floorHttp, floorRequest, r)],
      [
        'stdioOurs',
        async (r) => ({ round: r + 1, load1: machine().load1, ...(await stdioLeg(oursStdio, call, stdioSeconds)) }),
      ],
      [
        'stdioFloor',
        async (r) => ({ round: r + 1, load1: machine().load1, ...(await stdioLeg(floorStdio, call, stdioSeconds)) }),
      ],
    ];
    for (let r = 0; r < rounds; r += 1) {
      // ours, floor in even rounds; floor, ours in odd ones (per transport).
      const order = r % 2 === 0 ? [0, 1, 2, 3] : [1, 0, 3, 2];
      for (const index of order) {
        const [name, run] = legs[index] as (typeof legs)[number];
        const result = await run(r);
        runs[name].push(result);
        process.stderr.write(`[cpu] round ${r + 1}, ${name}: ${JSON.stringify(result)}\n`);
      }
    }
    const http = { ours: summarize(runs.httpOurs), floor: summarize(runs.httpFloor) };
    const stdio = { ours: summarize(runs.stdioOurs), floor: summarize(runs.stdioFloor) };
    return {
      machineBefore,
      machineAfter: machine(),
      tool: 'find_spot',
      waves: waves.map((wave) => wave.length),
      rounds,
      httpSeconds,
      stdioSeconds,
      httpClients: HTTP_CLIENTS,
      http,
      stdio,
      ratios: {
        httpCpu: round(http.ours.cpuMsPerCall / http.floor.cpuMsPerCall),
        stdioCpu: round(stdio.ours.cpuMsPerCall / stdio.floor.cpuMsPerCall),
        httpThroughput: round(http.ours.callsPerSec / http.floor.callsPerSec),
      },
    };
  } finally {
    for (const server of started.reverse()) await server.close();
    await sandbox.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await runCpu({
    seconds: Number(process.env.BENCH_CPU_SECONDS ?? 10),
    rounds: Number(process.env.BENCH_CPU_ROUNDS ?? 3),
  });
  process.stdout.write(`${JSON.stringify({ ...r, http: undefined, stdio: undefined }, null, 2)}\n`);
  for (const [transport, legs] of Object.entries({ http: r.http, stdio: r.stdio })) {
    for (const [leg, x] of Object.entries(legs)) {
      process.stdout.write(
        `${transport} ${leg}: ${x.cpuMsPerCall} ms CPU a call, ${x.callsPerSec} calls/s, ${x.errors} errors${x.maxRssMb ? `, RSS max ${x.maxRssMb} MB` : ''}\n`,
      );
    }
  }
}
