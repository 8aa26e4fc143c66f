/**
 * Memory and a bounded soak, with the server in its own process (`dist/cli.js http`) against the
 * sandbox in another, the load generated here (2026-07-28 requests replayed as an SDK client
 * sends them):
 *   - RSS idle (after a few calls), and under 50 concurrent clients calling find_spot, with the
 *     throughput and latency of that load next to the same upstream request sent straight to
 *     the sandbox by 50 clients (same run);
 *   - a soak of mixed traffic (the four read tools and tools/list, 10 clients) for
 *     BENCH_SOAK_MINUTES (default 1; the figure is 10): RSS sampled throughout, at the
 *     start and end, and the error count.
 *
 *   BENCH_SOAK_MINUTES=10 node --import tsx bench/memory-soak.ts     # after npm run build
 *
 * Run on its own, it also writes its figures to bench/results/memory-soak.json (`npm run bench`
 * puts them in report.json instead).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchCalls, type PracticeFixture } from './lib/cases.js';
import {
  captureCalls,
  type LoadRequest,
  type LoadResult,
  loadServerProcess,
  replayOf,
  runLoad,
  startHttpServerProcess,
} from './lib/http-server.js';
import { machine, RESULTS_DIR, round, rssMb, startSandboxProcess } from './lib/stats.js';

export interface MemorySoakResult {
  machineBefore: ReturnType<typeof machine>;
  machineAfter: ReturnType<typeof machine>;
  idleRssMb: number;
  load50: {
    mcp: LoadResult;
    direct: LoadResult;
    throughputRatio: number;
    p99Ratio: number;
    maxRssMb: number;
    endRssMb: number;
    /** The server process's CPU time over the load ÷ the calls it answered. */
    serverCpuMsPerCall: number;
  };
  soak: {
    minutes: number;
    concurrency: number;
    requests: number;
    errors: number;
    rssStartMb: number;
    rssEndMb: number;
    rssMaxMb: number;
    /** RSS every 30 s (MB). */
    rssSeries: number[];
    throughputPerSec: number;
  };
}

/**
 * Whether RSS grew over the soak, read from its series (one sample 1 s in, then every 30 s, the
 * last at the end). The first minute is warm-up: the soak starts right after an idle spell in
 * which V8 may have given heap back (one run started at 111 MB and stood at 280 MB 30 s later,
 * then stayed flat), so growth is the mean of the last third of the later samples minus the mean
 * of their first third. A soak too short for that compares the end with the 31 s sample.
 */
export function soakTrend(series: readonly number[]): { fromMb: number; toMb: number; growthMb: number } {
  const mean = (values: readonly number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
  const settled = series.length >= 5 ? series.slice(2) : series.slice(1);
  if (settled.length === 0) return { fromMb: 0, toMb: 0, growthMb: 0 };
  const third = Math.max(1, Math.floor(settled.length / 3));
  const fromMb = round(mean(settled.slice(0, third)), 1);
  const toMb = round(mean(settled.slice(-third)), 1);
  return { fromMb, toMb, growthMb: round(toMb - fromMb, 1) };
}

export async function runMemorySoak(
  options: { loadSeconds?: number; soakMinutes?: number; soakConcurrency?: number; nodeFlags?: string[] } = {},
): Promise<MemorySoakResult> {
  const loadSeconds = options.loadSeconds ?? 20;
  const soakMinutes = options.soakMinutes ?? 1;
  const soakConcurrency = options.soakConcurrency ?? 10;
  const machineBefore = machine();
  const sandbox = await startSandboxProcess();
  const server = await startHttpServerProcess(sandbox, options.nodeFlags);
  const pid = server.child.pid as number;
  try {
    const la = sandbox.fixtures.practices.la as PracticeFixture;
    const calls = benchCalls(la);
    const mark = Number(
      ((await (await fetch(`${sandbox.url}/__sandbox/requests?since=999999999`)).json()) as { last_seq: number })
        .last_seq,
    );
    const captured = await captureCalls(server, calls);
    const upstream = (
      (await (await fetch(`${sandbox.url}/__sandbox/requests?since=${mark}`)).json()) as {
        requests: { method: string; path: string; query: string }[];
      }
    ).requests;
    const findSpotUpstream = upstream.find((r) => r.path.endsWith('/scheduling/find-spot/'));
    if (!findSpotUpstream) throw new Error('no find-spot request captured');
    const toolRequests = captured.map(replayOf);
    const findSpot = toolRequests[0] as LoadRequest;
    const first = captured[0] as (typeof captured)[number];
    const parsed = JSON.parse(first.body) as { params: { _meta?: unknown } };
    const listHeaders: Record<string, string> = { ...findSpot.headers, 'mcp-method': 'tools/list' };
    delete listHeaders['mcp-name'];
    const toolsList: LoadRequest = {
      ...findSpot,
      headers: listHeaders,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 99,
        method: 'tools/list',
        params: parsed.params._meta ? { _meta: parsed.params._meta } : {},
      }),
    };
    const direct: LoadRequest = {
      path: `${findSpotUpstream.path}?${findSpotUpstream.query}`,
      method: 'GET',
      headers: { authorization: `Bearer ${sandbox.token}`, accept: 'application/json' },
      ok: (status) => status === 200,
    };

    // Idle: a few calls, then quiet.
    await runLoad(server.url, (i) => toolRequests[i % toolRequests.length] as LoadRequest, {
      concurrency: 1,
      seconds: 2,
    });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const idleRssMb = rssMb(pid);

    // 50 clients on find_spot; the same upstream request straight to the sandbox.
    const {
      load: mcp,
      maxRssMb,
      serverCpuMsPerCall,
    } = await loadServerProcess(server, findSpot, {
      concurrency: 50,
      seconds: loadSeconds,
    });
    const endRssMb = rssMb(pid);
    await runLoad(sandbox.url, () => direct, { concurrency: 50, seconds: 3 });
    const directLoad = await runLoad(sandbox.url, () => direct, { concurrency: 50, seconds: loadSeconds });

    // The soak: mixed traffic.
    const mixed = [...toolRequests, toolsList];
    const series: number[] = [];
    let soakMax = 0;
    let ticks = 0;
    const rssStartMb = rssMb(pid);
    const soak = await runLoad(server.url, (i) => mixed[i % mixed.length] as LoadRequest, {
      concurrency: soakConcurrency,
      seconds: soakMinutes * 60,
      onTick: () => {
        const now = rssMb(pid);
        soakMax = Math.max(soakMax, now);
        if (ticks++ % 30 === 0) series.push(now);
      },
    });
    const rssEndMb = rssMb(pid);
    series.push(rssEndMb);
    return {
      machineBefore,
      machineAfter: machine(),
      idleRssMb,
      load50: {
        mcp,
        direct: directLoad,
        throughputRatio: round(mcp.throughputPerSec / directLoad.throughputPerSec),
        p99Ratio: round(mcp.p99Ms / directLoad.p99Ms),
        maxRssMb,
        endRssMb,
        serverCpuMsPerCall,
      },
      soak: {
        minutes: soakMinutes,
        concurrency: soakConcurrency,
        requests: soak.requests,
        errors: soak.errors,
        rssStartMb,
        rssEndMb,
        rssMaxMb: soakMax,
        rssSeries: series,
        throughputPerSec: soak.throughputPerSec,
      },
    };
  } finally {
    await server.close();
    await sandbox.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // BENCH_NODE_FLAGS: flags for the server process, e.g. a heap cap (README, "Performance").
  const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const startedAt = new Date().toISOString();
  const r = await runMemorySoak({ soakMinutes: Number(process.env.BENCH_SOAK_MINUTES ?? 1), nodeFlags });
  const text = `${JSON.stringify({ startedAt, nodeFlags, ...r }, null, 2)}\n`;
  process.stdout.write(text);
  writeFileSync(join(RESULTS_DIR, 'memory-soak.json'), text);
}
