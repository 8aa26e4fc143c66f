/**
 * `npm run bench`: every benchmark in one run, one after another (they share 2 cores, so never in
 * parallel), with the machine's load average recorded around each; the combined figures written
 * to bench/results/report.json and bench/results/report.md. Figures are ratios within the run,
 * because absolute times on a shared machine mean little. The targets are judged against the
 * floor (bench/lib/floor-*.ts: the thinnest server on the same SDK making the same upstream
 * requests, measured in the same run), against server-everything for the cold start, and as
 * counts (upstream waves, replicas); ratios against the raw sandbox are targets only where the
 * floor itself meets them in the run, references otherwise.
 *
 *   npm run bench                              # about 10 minutes; soak of BENCH_SOAK_MINUTES (default 1)
 *   BENCH_SOAK_MINUTES=10 npm run bench        # the issue's 10-minute soak
 *   BENCH_ONLY=overhead,tokens npm run bench   # a subset: tokens, cold-start, waves, overhead, scale,
 *                                              # cpu, replicas (needs redis-server), http, memory-soak
 *   BENCH_ONLY=cpu BENCH_CPU_SECONDS=3 BENCH_CPU_ROUNDS=1 npm run bench   # a quick look at one
 *   BENCH_COLD_START_NODE=/path/to/node22.8+ npm run bench   # cold start on that node too
 *   BENCH_REPORT_FROM=bench/results/report.json node --import tsx bench/run.ts   # re-judge a run
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ColdStartResult, runColdStart } from './cold-start.js';
import { type CpuResult, runCpu } from './cpu.js';
import { FLOOR_LEG, type HttpBenchResult, runHttpBench } from './http.js';
import { machine, markdownTable, RESULTS_DIR, round } from './lib/stats.js';
import { type MemorySoakResult, runMemorySoak, soakTrend } from './memory-soak.js';
import { type OverheadResult, runOverhead } from './overhead.js';
import { type ReplicasResult, runReplicas } from './replicas.js';
import { runScale, type ScaleResult } from './scale.js';
import { runTokens, type TokensResult } from './tokens.js';
import { runWaves, type WavesResult } from './waves.js';

interface Report {
  startedAt: string;
  finishedAt?: string;
  machine: ReturnType<typeof machine>;
  soakMinutes: number;
  tokens?: TokensResult;
  coldStart?: ColdStartResult;
  overhead?: OverheadResult;
  overheadWithLatency?: OverheadResult;
  scale?: ScaleResult;
  http?: { concurrency: number; load1Before: number; result: HttpBenchResult }[];
  /** The 50-client run again with a 30 ms upstream, the way a real API answers. */
  httpWithLatency?: { concurrency: number; load1Before: number; result: HttpBenchResult };
  memorySoak?: MemorySoakResult;
  /** CPU per call, throughput and RSS, ours vs the floor, each in its own process (bench/cpu.ts). */
  cpu?: CpuResult;
  /** Two replicas sharing Redis vs one (bench/replicas.ts). */
  replicas?: ReplicasResult;
  /** Upstream requests and waves per call of each read tool (bench/waves.ts). */
  waves?: WavesResult;
  targets: { name: string; target: string; measured: string; met: boolean }[];
  /**
   * Figures kept for comparison, not judged: ratios against the raw sandbox the floor itself
   * misses in this run, and figures a headline target now covers.
   */
  references: { name: string; measured: string }[];
  errors: { bench: string; message: string }[];
}

const only = new Set((process.env.BENCH_ONLY ?? '').split(',').filter(Boolean));
// BENCH_REPORT_FROM=bench/results/report.json: no benchmark runs; the targets and the markdown
// are worked out again from that run's figures (after a change to how they are judged).
const previous = process.env.BENCH_REPORT_FROM
  ? (JSON.parse(readFileSync(process.env.BENCH_REPORT_FROM, 'utf8')) as Report)
  : undefined;
const wanted = (name: string) => only.size === 0 || only.has(name);
const soakMinutes = Number(process.env.BENCH_SOAK_MINUTES ?? 1);
const envNumber = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

const report: Report = previous
  ? { ...previous, targets: [], references: [] }
  : {
      startedAt: new Date().toISOString(),
      machine: machine(),
      soakMinutes,
      targets: [],
      references: [],
      errors: [],
    };

async function step<T>(name: string, run: () => Promise<T>): Promise<T | undefined> {
  if (!wanted(name)) return undefined;
  const started = performance.now();
  process.stdout.write(`[bench] ${name} (load ${machine().load1}) …\n`);
  try {
    const result = await run();
    process.stdout.write(`[bench] ${name} done in ${round((performance.now() - started) / 1000, 1)} s\n`);
    return result;
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stdout.write(`[bench] ${name} FAILED: ${message}\n`);
    report.errors.push({ bench: name, message: message.slice(0, 2000) });
    return undefined;
  }
}

if (!previous) {
  report.tokens = await step('tokens', () => runTokens());
  report.coldStart = await step('cold-start', () =>
    runColdStart(process.env.BENCH_COLD_START_NODE ? { otherNode: process.env.BENCH_COLD_START_NODE } : {}),
  );
  report.waves = await step('waves', () => runWaves());
  report.overhead = await step('overhead', () => runOverhead());
  report.overheadWithLatency = await step('overhead', () =>
    runOverhead({ upstreamLatencyMs: 30, samples: 60, warmup: 10 }),
  );
  report.scale = await step('scale', () => runScale());
  report.cpu = await step('cpu', () =>
    runCpu({ seconds: envNumber('BENCH_CPU_SECONDS', 8), rounds: envNumber('BENCH_CPU_ROUNDS', 3) }),
  );
  report.replicas = await step('replicas', () =>
    runReplicas({ seconds: envNumber('BENCH_REPLICAS_SECONDS', 8), rounds: envNumber('BENCH_REPLICAS_ROUNDS', 3) }),
  );
  report.http = await step('http', async () => {
    const rows: NonNullable<Report['http']> = [];
    for (const concurrency of [1, 10, 50]) {
      const load1Before = machine().load1;
      const result = await runHttpBench({
        concurrency,
        requests: Math.max(1000, concurrency * 10),
        warmup: Math.max(100, concurrency * 2),
        output: undefined,
      });
      rows.push({ concurrency, load1Before, result });
    }
    return rows;
  });
  report.httpWithLatency = await step('http', async () => {
    const load1Before = machine().load1;
    const result = await runHttpBench({
      concurrency: 50,
      requests: 2000,
      warmup: 200,
      upstreamLatencyMs: 30,
      output: undefined,
    });
    return { concurrency: 50, load1Before, result };
  });
  report.memorySoak = await step('memory-soak', () => runMemorySoak({ soakMinutes }));
}
report.finishedAt = previous?.finishedAt ?? new Date().toISOString();

// ---- targets of the issue (#19): against the floor, server-everything, and counts
const target = (name: string, goal: string, measured: string, met: boolean) =>
  report.targets.push({ name, target: goal, measured, met });
const reference = (name: string, measured: string) => report.references.push({ name, measured });
if (report.cpu) {
  const { http, stdio, ratios, httpClients } = report.cpu;
  target(
    `CPU per call over HTTP, ${httpClients} clients on find_spot, ours ÷ the floor`,
    '≤ 1.5×',
    `×${ratios.httpCpu} (${http.ours.cpuMsPerCall} vs ${http.floor.cpuMsPerCall} ms of server CPU a call)`,
    ratios.httpCpu <= 1.5,
  );
  target(
    'CPU per call over stdio, find_spot back to back, ours ÷ the floor',
    '≤ 2.0×',
    `×${ratios.stdioCpu} (${stdio.ours.cpuMsPerCall} vs ${stdio.floor.cpuMsPerCall} ms of server CPU a call)`,
    ratios.stdioCpu <= 2,
  );
  target(
    `HTTP throughput, ${httpClients} clients on find_spot, ours ÷ the floor`,
    '≥ 0.75×',
    `×${ratios.httpThroughput} (${http.ours.callsPerSec} vs ${http.floor.callsPerSec} calls/s)`,
    ratios.httpThroughput >= 0.75,
  );
  const rss = http.ours.maxRssMb ?? Number.POSITIVE_INFINITY;
  target(
    `RSS of ours under ${httpClients} HTTP clients, no node flags`,
    '< 150 MB',
    `${rss} MB max (sampled every second, every round; the floor ${http.floor.maxRssMb ?? '—'} MB)`,
    rss < 150,
  );
}
if (report.replicas) {
  const r = report.replicas;
  const cores = (leg: keyof ReplicasResult['legs']) =>
    Object.entries(r.legs[leg].coresUsed)
      .map(([name, used]) => `${name} ${used}`)
      .join(', ');
  target(
    `Two replicas ÷ one, ${r.clients} clients on find_spot (Redis state; sandbox, Redis and load in their own processes)`,
    '≥ 1.6×',
    `×${r.ratio} (${r.legs['two replicas'].callsPerSec} vs ${r.legs['one replica'].callsPerSec} calls/s; cores used with two: ${cores('two replicas')}; with one: ${cores('one replica')}); the floor, two processes ÷ one: ×${r.floorRatio}`,
    r.ratio >= 1.6,
  );
}
if (report.coldStart) {
  target(
    'Cold start vs server-everything (spawn → first tools/list answer, stdio)',
    '≤ 0.5×',
    `×${report.coldStart.ratio} (${report.coldStart.oursMedianMs} vs ${report.coldStart.everythingMedianMs} ms); the floor, bundled like ours, ×${report.coldStart.floorRatio} (${report.coldStart.floorMedianMs} ms)`,
    report.coldStart.ratio <= 0.5,
  );
  const other = report.coldStart.otherNode;
  if (other) {
    target(
      `Cold start vs server-everything, both on Node ${other.version} (ours with its compile cache)`,
      '≤ 0.5×',
      `×${other.ratioCached} (${other.cachedMedianMs} vs ${other.everythingMedianMs} ms; ours ${other.uncachedMedianMs} ms without the cache)`,
      other.ratioCached <= 0.5,
    );
  }
}
const claims = report.waves?.rows.find((row) => row.tool === 'claims_summary');
if (claims) {
  target(
    'claims_summary: waves of upstream requests in one call',
    '1',
    `${claims.waves} (${claims.requests} requests)`,
    claims.waves === 1,
  );
}
if (report.memorySoak) {
  const m = report.memorySoak;
  const trend = soakTrend(m.soak.rssSeries);
  target(
    `RSS growth over the ${m.soak.minutes}-minute soak`,
    'none',
    `after the first minute ${trend.fromMb} → ${trend.toMb} MB (${trend.growthMb >= 0 ? '+' : ''}${trend.growthMb}; means of the first and last thirds of the 30 s samples); at the very start ${m.soak.rssStartMb} MB, end ${m.soak.rssEndMb} MB`,
    trend.growthMb <= 10,
  );
  target('Errors during the soak', '0', String(m.soak.errors), m.soak.errors === 0);
}

/**
 * A ratio against the raw sandbox: a target only where the floor meets it in this run (else no
 * server on this SDK can), a reference otherwise, with both figures.
 */
function versusDirect(
  name: string,
  goal: string,
  ours: number,
  floor: number | undefined,
  within: (x: number) => boolean,
): void {
  if (floor !== undefined && within(floor)) target(name, goal, `×${ours} (the floor ×${floor})`, within(ours));
  else reference(`${name} (was a target: ${goal})`, `×${ours}; the floor ×${floor ?? '—'}`);
}
for (const [overhead, label] of [
  [report.overhead, 'sandbox at full speed'],
  [report.overheadWithLatency, '30 ms upstream'],
] as const) {
  for (const row of overhead?.rows ?? []) {
    versusDirect(
      `MCP overhead over stdio, ${row.tool} (${label}), p50 vs direct (+${row.addedP50Ms} ms; the floor +${row.floorAddedP50Ms} ms)`,
      '≤ 1.15×',
      row.ratioP50,
      row.floor ? row.floorRatioP50 : undefined,
      (x) => x <= 1.15,
    );
  }
}
/** The in-process HTTP runs (bench/http.ts), on the 2026-07-28 leg. */
function httpVersusDirect(label: string, result: HttpBenchResult | undefined): void {
  const modern = Object.entries(result?.ratios ?? {}).find(([leg]) => leg.includes('2026'))?.[1];
  if (!modern) return;
  const floor = result?.ratios[FLOOR_LEG];
  versusDirect(`HTTP throughput, ${label}, vs direct`, '≥ 0.8×', modern.throughput, floor?.throughput, (x) => x >= 0.8);
  versusDirect(`HTTP p99, ${label}, vs direct`, '≤ 1.5×', modern.p99, floor?.p99, (x) => x <= 1.5);
}
httpVersusDirect('50 clients (in-process, bench/http.ts)', report.http?.find((h) => h.concurrency === 50)?.result);
httpVersusDirect('50 clients, 30 ms upstream', report.httpWithLatency?.result);
if (report.memorySoak) {
  const m = report.memorySoak;
  reference(
    'HTTP throughput and p99, 50 clients, server in its own process, vs the same request direct (was a target: ≥ 0.8×, ≤ 1.5×; no floor leg there)',
    `×${m.load50.throughputRatio}, p99 ×${m.load50.p99Ratio}`,
  );
  reference(
    'RSS under 50 clients in the memory-soak run (the target row is the CPU run)',
    `${m.load50.maxRssMb} MB max (idle ${m.idleRssMb} MB)`,
  );
}
if (report.tokens) {
  const t = report.tokens;
  reference(
    `Tokens: tools/list for a pinned practice (${t.toolsList.tools} tools, default toolsets)`,
    `${t.toolsList.tokens}`,
  );
  reference('Tokens: default answers', t.results.map((x) => `${x.tool} ${x.totalTokens}`).join(', '));
}

mkdirSync(RESULTS_DIR, { recursive: true });
writeFileSync(join(RESULTS_DIR, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(RESULTS_DIR, 'report.md'), markdown(report));
process.stdout.write(`${markdown(report)}\n[bench] written to bench/results/report.json and report.md\n`);

/** One table row per leg of an HTTP run: req/s, p50, p99, errors and the ratios to the direct leg. */
function legRows(result: HttpBenchResult): (string | number)[][] {
  return result.legs.map((leg) => {
    const ratio = result.ratios[leg.name];
    return [
      leg.name,
      leg.throughputPerSec,
      leg.p50Ms,
      leg.p99Ms,
      leg.errors,
      ratio ? `×${ratio.throughput}, ×${ratio.p99}` : '—',
    ];
  });
}

function markdown(r: Report): string {
  const out: string[] = [
    '# Benchmark report',
    '',
    `${r.startedAt} → ${r.finishedAt ?? '?'}; Node ${r.machine.node}, ${r.machine.cpus} CPUs; load average at start ${r.machine.load1} (1 min). Sandbox, server and load generator share the machine: compare ratios, not absolute times.`,
    '',
    '## Targets',
    '',
    markdownTable(
      ['figure', 'target', 'measured', 'met'],
      r.targets.map((t) => [t.name, t.target, t.measured, t.met ? 'yes' : 'NO']),
    ),
    '',
  ];
  if (r.references.length > 0) {
    out.push(
      '## References (not judged)',
      '',
      'The floor is bench/lib/floor-server.ts over HTTP (floor-http-process.ts in its own process) and bench/lib/floor-stdio.ts: one tool per name forwarding the same upstream requests; no auth, gates, validation, output schema, audit or breaker. A ratio against the raw sandbox that the floor itself misses is out of reach for any server built on this SDK on this machine, so it is listed here rather than judged.',
      '',
      markdownTable(
        ['figure', 'measured'],
        r.references.map((x) => [x.name, x.measured]),
      ),
      '',
    );
  }
  if (r.cpu) {
    const c = r.cpu;
    const rows = (['http', 'stdio'] as const).flatMap((transport) =>
      (['ours', 'floor'] as const).map((leg) => {
        const x = c[transport][leg];
        return [
          transport,
          leg,
          x.cpuMsPerCall,
          x.callsPerSec,
          x.maxRssMb ?? '—',
          x.errors,
          x.runs.map((run) => `${round(run.cpuMs / Math.max(1, run.calls), 2)} (load ${run.load1})`).join('; '),
        ];
      }),
    );
    out.push(
      '## CPU per call: ours vs the floor (bench/cpu.ts)',
      '',
      `find_spot (${c.waves.join(' + ')} upstream request(s) by wave); each server in its own process against one sandbox process; CPU = utime + stime from /proc/<pid>/stat of the server only. HTTP: ${c.httpClients} clients replaying 2026-07-28 requests, ${c.httpSeconds} s a leg; stdio: one host calling back to back, ${c.stdioSeconds} s a leg; ${c.rounds} rounds, legs alternated (order reversed every other round). Load ${c.machineBefore.load1} → ${c.machineAfter.load1}.`,
      '',
      markdownTable(
        [
          'transport',
          'server',
          'CPU ms a call (all rounds)',
          'calls/s',
          'RSS max MB',
          'errors',
          'per round: CPU ms a call (load)',
        ],
        rows,
      ),
      '',
      `Ours ÷ the floor: CPU per call ×${c.ratios.httpCpu} over HTTP, ×${c.ratios.stdioCpu} over stdio; HTTP throughput ×${c.ratios.httpThroughput}.`,
      '',
    );
  }
  if (r.replicas) {
    const x = r.replicas;
    const names = Object.keys(x.legs['one replica'].coresUsed);
    const legNames = Object.keys(x.legs) as (keyof ReplicasResult['legs'])[];
    out.push(
      '## Replicas: two vs one on this machine (bench/replicas.ts)',
      '',
      `Two \`dist/cli.js http --state redis://…\` replicas sharing a redis-server started by the bench, one sandbox process, ${x.clients} clients on find_spot from the bench process (round-robin across the replicas in the two-replica leg; everything to replica A in the other; the floor legs likewise across two floor processes), ${x.seconds} s a leg, ${x.rounds} rounds alternated. CPU of each process over the legs, in cores (1 = one whole core; the machine has ${r.machine.cpus}). Load ${x.machineBefore.load1} → ${x.machineAfter.load1}.`,
      '',
      markdownTable(
        ['leg', 'calls/s', 'errors', ...names.map((n) => `${n} (cores)`)],
        legNames.map((leg) => [
          leg,
          x.legs[leg].callsPerSec,
          x.legs[leg].errors,
          ...names.map((n) => x.legs[leg].coresUsed[n] ?? 0),
        ]),
      ),
      '',
      `Two ÷ one: ×${x.ratio}; the floor (bench/lib/floor-server.ts, two processes, no shared state) ×${x.floorRatio}.`,
      '',
    );
  }
  if (r.waves) {
    out.push(
      '## Upstream requests per call (bench/waves.ts)',
      '',
      `The built server over stdio, through a timestamping proxy, the sandbox answering each API request in ${r.waves.latencyMs} ms; a request sent after an answer of the call came back starts a new wave.`,
      '',
      markdownTable(
        ['tool', 'requests', 'waves'],
        r.waves.rows.map((row) => [row.tool, row.requests, row.waves]),
      ),
      '',
    );
  }
  if (r.overhead || r.overheadWithLatency) {
    out.push('', '## Per-call overhead over stdio (MCP vs the same upstream requests with undici)', '');
    for (const o of [r.overhead, r.overheadWithLatency]) {
      if (!o) continue;
      out.push(
        `Upstream latency ${o.upstreamLatencyMs} ms; ${o.samplesPerLeg} sequential calls per leg; load ${o.machineBefore.load1} → ${o.machineAfter.load1}.`,
        '',
        markdownTable(
          [
            'tool',
            'upstream req (waves)',
            'MCP p50',
            'MCP p99',
            'direct p50',
            'direct p99',
            'p50 ×',
            'p99 ×',
            'added p50 ms',
            'floor p50 (×)',
          ],
          o.rows.map((x) => [
            x.tool,
            `${x.upstreamRequests} (${x.waves})`,
            x.mcp.p50Ms,
            x.mcp.p99Ms,
            x.direct.p50Ms,
            x.direct.p99Ms,
            x.ratioP50,
            x.ratioP99,
            x.addedP50Ms,
            x.floor ? `${x.floor.p50Ms} (×${x.floorRatioP50})` : '—',
          ]),
        ),
        '',
      );
    }
  }
  if (r.coldStart) {
    const c = r.coldStart;
    out.push(
      '## Cold start (spawn → first tools/list answer, stdio)',
      '',
      markdownTable(
        ['server (Node of the bench unless named)', 'median ms', 'runs', 'tools'],
        [
          ['escape-dental-mcp (upstream: sandbox process)', c.oursMedianMs, c.runs, c.toolsListed.ours],
          [
            `@modelcontextprotocol/server-everything ${c.everythingVersion}`,
            c.everythingMedianMs,
            c.runs,
            c.toolsListed.everything,
          ],
          [
            'the floor: bench/lib/floor-stdio.ts bundled like ours',
            c.floorMedianMs,
            c.floorMs.length,
            c.toolsListed.floor,
          ],
          ['escape-dental-mcp --demo (embedded sandbox)', c.demoMedianMs, c.demoMs.length, c.toolsListed.ours],
          ...(c.otherNode
            ? [
                [
                  `escape-dental-mcp on Node ${c.otherNode.version}, compile cache`,
                  c.otherNode.cachedMedianMs,
                  c.runs,
                  c.toolsListed.ours,
                ],
                [
                  `escape-dental-mcp on Node ${c.otherNode.version}, no compile cache`,
                  c.otherNode.uncachedMedianMs,
                  c.runs,
                  c.toolsListed.ours,
                ],
                [
                  `@modelcontextprotocol/server-everything on Node ${c.otherNode.version}`,
                  c.otherNode.everythingMedianMs,
                  c.runs,
                  c.toolsListed.everything,
                ],
              ]
            : []),
        ],
      ),
      '',
      `Ratio ×${c.ratio}; load ${c.machineBefore.load1} → ${c.machineAfter.load1}.`,
      '',
    );
    if (c.phases) {
      out.push(
        `What our start does before the first tools/list answer (ms since spawn, medians of ${c.phases.runs} more starts with \`--startup-timings\`, the sandbox behind a timestamping proxy; ${c.phases.upstreamRequests} upstream requests during a start):`,
        '',
        markdownTable(
          ['step finished', 'ms since spawn', 'ms since the step before'],
          c.phases.steps.map((s, i) => [s.step, s.atMs, round(s.atMs - (c.phases?.steps[i - 1]?.atMs ?? 0), 1)]),
        ),
        '',
      );
    }
  }
  if (r.http) {
    out.push('## HTTP throughput, find_spot (bench/http.ts: server, sandbox and load in one process)', '');
    out.push(
      markdownTable(
        ['clients', 'leg', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'vs direct: req/s ×, p99 ×'],
        r.http.flatMap((h) => legRows(h.result).map((row) => [h.concurrency, ...row])),
      ),
      '',
    );
  }
  if (r.httpWithLatency) {
    const h = r.httpWithLatency;
    out.push('## HTTP throughput, find_spot, 50 clients, 30 ms upstream latency (both legs)', '');
    out.push(
      markdownTable(['leg', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'vs direct: req/s ×, p99 ×'], legRows(h.result)),
      '',
    );
  }
  if (r.memorySoak) {
    const m = r.memorySoak;
    out.push(
      '## Memory and soak (server in its own process, 2026-07-28 requests)',
      '',
      markdownTable(
        ['figure', 'value'],
        [
          ['RSS idle', `${m.idleRssMb} MB`],
          [
            '50 clients on find_spot: MCP',
            `${m.load50.mcp.throughputPerSec} req/s, p50 ${m.load50.mcp.p50Ms} ms, p99 ${m.load50.mcp.p99Ms} ms, ${m.load50.mcp.errors} errors`,
          ],
          [
            '50 clients: the same upstream request direct',
            `${m.load50.direct.throughputPerSec} req/s, p50 ${m.load50.direct.p50Ms} ms, p99 ${m.load50.direct.p99Ms} ms`,
          ],
          ['ratios (MCP ÷ direct)', `throughput ×${m.load50.throughputRatio}, p99 ×${m.load50.p99Ratio}`],
          ['RSS under 50 clients', `max ${m.load50.maxRssMb} MB, at the end ${m.load50.endRssMb} MB`],
          [
            'server CPU per call under 50 clients',
            m.load50.serverCpuMsPerCall === undefined
              ? '— (not measured in this run)'
              : `${m.load50.serverCpuMsPerCall} ms`,
          ],
          [
            `soak: ${m.soak.minutes} min, ${m.soak.concurrency} clients, mixed`,
            `${m.soak.requests} requests (${m.soak.throughputPerSec}/s), ${m.soak.errors} errors`,
          ],
          [
            'soak RSS',
            `start ${m.soak.rssStartMb} MB, end ${m.soak.rssEndMb} MB, max ${m.soak.rssMaxMb} MB; every 30 s: ${m.soak.rssSeries.join(', ')}`,
          ],
        ],
      ),
      '',
      `Load ${m.machineBefore.load1} → ${m.machineAfter.load1}.`,
      '',
    );
  }
  if (r.scale) {
    const s = r.scale;
    out.push(
      '## Scale: default vs large sandbox (stdio, sequential)',
      '',
      `Los Angeles: default ${s.counts.default?.patients} patients / ${s.counts.default?.appointments} appointments; large ${s.counts.large?.patients} / ${s.counts.large?.appointments}.`,
      '',
      markdownTable(
        ['tool', 'scale', 'upstream req', 'MCP p50', 'MCP p99', 'direct p50', 'result chars'],
        s.rows.map((x) => [
          x.tool,
          x.scale,
          x.upstreamRequests,
          x.mcp.p50Ms,
          x.mcp.p99Ms,
          x.direct.p50Ms,
          x.resultChars,
        ]),
      ),
      '',
      `Growth large ÷ default (p50): ${Object.entries(s.growth)
        .map(([tool, g]) => `${tool} MCP ×${g.mcpP50} (direct ×${g.directP50})`)
        .join('; ')}.`,
      '',
    );
  }
  if (r.tokens) {
    const t = r.tokens;
    out.push(
      '## Token footprint (characters ÷ 4)',
      '',
      `tools/list (pinned practice, ${t.toolsList.tools} tools): ${t.toolsList.tokens} tokens (${t.toolsList.perTool.map((x) => `${x.name} ${x.tokens}`).join(', ')}).`,
      '',
      markdownTable(
        ['tool (default arguments)', 'text', 'structured', 'whole result'],
        t.results.map((x) => [`${x.tool} ${JSON.stringify(x.args)}`, x.textTokens, x.structuredTokens, x.totalTokens]),
      ),
      '',
    );
  }
  if (r.errors.length) {
    out.push('## Benchmarks that failed', '', ...r.errors.map((e) => `- ${e.bench}: ${e.message.split('\n')[0]}`), '');
  }
  return `${out.join('\n')}\n`;
}
