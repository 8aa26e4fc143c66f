/**
 * Scale-out on this machine: two replicas of the built server (`dist/cli.js http --state
 * redis://…`, one API key, one state secret) sharing a redis-server started here (no
 * persistence, a free port) against one sandbox process, the load generated here: 50 clients
 * replaying the bytes a 2026-07-28 SDK client sends for find_spot (stateless, so any replica
 * answers any request). The "one replica" leg sends everything to replica A (B idles), the "two
 * replicas" leg round-robins calls across A and B; legs alternate over BENCH_REPLICAS_ROUNDS
 * rounds (default 3) of BENCH_REPLICAS_SECONDS (default 10). Every process's CPU time over each
 * leg is recorded too (replicas, sandbox, redis, the load generator): on 2 cores they compete,
 * and that is what bounds the gain. The same two legs with the floor (bench/lib/floor-server.ts,
 * two processes on the same sandbox, no state to share) show how far any server on this SDK
 * scales here.
 *
 *   node --import tsx bench/replicas.ts      # after npm run build; needs redis-server
 */
import { fileURLToPath } from 'node:url';
import { generateApiKey } from '../src/auth/inbound.js';
import { startRedis } from '../test/helpers/redis.js';
import { benchCalls, type PracticeFixture } from './lib/cases.js';
import type { FloorOptions } from './lib/floor-server.js';
import {
  captureCalls,
  type HttpServerProcess,
  type LoadResult,
  replayOf,
  runLoad,
  startFloorHttpProcess,
  startHttpServerProcess,
} from './lib/http-server.js';
import { cpuMs, machine, round, startSandboxProcess } from './lib/stats.js';
import { captureWaves } from './lib/upstream.js';

const CLIENTS = 50;
const LEGS = ['one replica', 'two replicas', 'floor: one process', 'floor: two processes'] as const;
type LegName = (typeof LEGS)[number];

export interface ReplicaLegRun {
  round: number;
  load1: number;
  load: LoadResult;
  /** Each process's CPU over the leg, as a share of one core (1 = a whole core). */
  coresUsed: Record<string, number>;
}

export interface ReplicasResult {
  machineBefore: ReturnType<typeof machine>;
  machineAfter: ReturnType<typeof machine>;
  clients: number;
  seconds: number;
  rounds: number;
  legs: Record<
    LegName,
    { runs: ReplicaLegRun[]; callsPerSec: number; errors: number; coresUsed: Record<string, number> }
  >;
  /** two replicas ÷ one, calls a second over every round. */
  ratio: number;
  /** the same for the floor: two processes ÷ one. */
  floorRatio: number;
}

export async function runReplicas(options: { seconds?: number; rounds?: number } = {}): Promise<ReplicasResult> {
  const seconds = options.seconds ?? 10;
  const rounds = options.rounds ?? 3;
  const machineBefore = machine();
  const redis = await startRedis();
  const sandbox = await startSandboxProcess();
  const replicas: HttpServerProcess[] = [];
  try {
    const apiKey = generateApiKey();
    const replicaOptions = { apiKey, env: { ESCAPE_STATE_SECRET: `bench-replicas-${apiKey.sha256}` } };
    for (let i = 0; i < 2; i += 1) {
      replicas.push(await startHttpServerProcess(sandbox, [], ['--state', redis.url], replicaOptions));
    }
    const [a, b] = replicas as [HttpServerProcess, HttpServerProcess];
    const [call] = benchCalls(sandbox.fixtures.practices.la as PracticeFixture);
    if (!call) throw new Error('no bench call');
    const [captured] = await captureCalls(a, [call]);
    if (!captured) throw new Error('no call captured');
    const request = replayOf(captured);
    const [waves = []] = await captureWaves({ url: sandbox.url, token: sandbox.token }, [call]);
    const floorOptions: FloorOptions = {
      upstreamOrigin: sandbox.url,
      token: sandbox.token,
      tools: [{ name: call.name, waves }],
    };
    for (let i = 0; i < 2; i += 1) replicas.push(await startFloorHttpProcess(floorOptions));
    const [, , floorA, floorB] = replicas as HttpServerProcess[] as [
      HttpServerProcess,
      HttpServerProcess,
      HttpServerProcess,
      HttpServerProcess,
    ];
    const floorRequest = { ...request, path: new URL(floorA.mcpUrl).pathname };
    const processes: Record<string, number | undefined> = {
      'replica A': a.child.pid,
      'replica B': b.child.pid,
      'floor A': floorA.child.pid,
      'floor B': floorB.child.pid,
      sandbox: sandbox.child.pid,
      redis: redis.pid,
    };
    const origins: Record<LegName, string[]> = {
      'one replica': [a.url],
      'two replicas': [a.url, b.url],
      'floor: one process': [floorA.url],
      'floor: two processes': [floorA.url, floorB.url],
    };
    const requestOf = (leg: LegName) => (leg.startsWith('floor') ? floorRequest : request);
    // Every process warm (JIT, pools) before anything is measured.
    await runLoad([a.url, b.url], () => request, { concurrency: CLIENTS, seconds: 3 });
    await runLoad([floorA.url, floorB.url], () => floorRequest, { concurrency: CLIENTS, seconds: 3 });

    const runs = Object.fromEntries(LEGS.map((leg) => [leg, [] as ReplicaLegRun[]])) as Record<
      LegName,
      ReplicaLegRun[]
    >;
    for (let r = 0; r < rounds; r += 1) {
      for (const leg of r % 2 === 0 ? LEGS : [...LEGS].reverse()) {
        const load1 = machine().load1;
        await runLoad(origins[leg], () => requestOf(leg), { concurrency: CLIENTS, seconds: 1 });
        const before = Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, pid ? cpuMs(pid) : 0]));
        const self = process.cpuUsage();
        const wallStart = performance.now();
        const load = await runLoad(origins[leg], () => requestOf(leg), { concurrency: CLIENTS, seconds });
        const wallMs = performance.now() - wallStart;
        const selfUsed = process.cpuUsage(self);
        const coresUsed: Record<string, number> = {};
        for (const [name, pid] of Object.entries(processes)) {
          coresUsed[name] = round(((pid ? cpuMs(pid) : 0) - (before[name] ?? 0)) / wallMs);
        }
        coresUsed['load generator'] = round((selfUsed.user + selfUsed.system) / 1000 / wallMs);
        const run = { round: r + 1, load1, load, coresUsed };
        runs[leg].push(run);
        process.stderr.write(
          `[replicas] round ${r + 1}, ${leg}: ${load.throughputPerSec} calls/s, ${load.errors} errors, cores ${JSON.stringify(coresUsed)}\n`,
        );
      }
    }
    const summarize = (list: ReplicaLegRun[]) => {
      const calls = list.reduce((sum, x) => sum + x.load.requests, 0);
      const secs = list.reduce((sum, x) => sum + x.load.seconds, 0);
      const coresUsed: Record<string, number> = {};
      for (const name of Object.keys(list[0]?.coresUsed ?? {})) {
        coresUsed[name] = round(list.reduce((sum, x) => sum + (x.coresUsed[name] ?? 0), 0) / list.length);
      }
      return {
        runs: list,
        callsPerSec: round(calls / Math.max(0.001, secs), 1),
        errors: list.reduce((sum, x) => sum + x.load.errors, 0),
        coresUsed,
      };
    };
    const legs = Object.fromEntries(LEGS.map((leg) => [leg, summarize(runs[leg])])) as ReplicasResult['legs'];
    return {
      machineBefore,
      machineAfter: machine(),
      clients: CLIENTS,
      seconds,
      rounds,
      legs,
      ratio: round(legs['two replicas'].callsPerSec / legs['one replica'].callsPerSec),
      floorRatio: round(legs['floor: two processes'].callsPerSec / legs['floor: one process'].callsPerSec),
    };
  } finally {
    for (const replica of replicas) await replica.close();
    await sandbox.close();
    await redis.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await runReplicas({
    seconds: Number(process.env.BENCH_REPLICAS_SECONDS ?? 10),
    rounds: Number(process.env.BENCH_REPLICAS_ROUNDS ?? 3),
  });
  for (const [leg, x] of Object.entries(r.legs)) {
    process.stdout.write(
      `${leg}: ${x.callsPerSec} calls/s, ${x.errors} errors, cores ${JSON.stringify(x.coresUsed)}\n`,
    );
  }
  process.stdout.write(
    `two ÷ one: ×${r.ratio} (the floor ×${r.floorRatio}); load ${r.machineBefore.load1} → ${r.machineAfter.load1}\n`,
  );
}
