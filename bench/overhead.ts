/**
 * Per-call overhead of the MCP server: each of the four read tools called over stdio (the built
 * server, a separate process, as a desktop host runs it) against the sandbox (its own process),
 * versus the very upstream requests that call makes, sent straight to the same sandbox with
 * undici in the same run — each wave of requests the server had in flight together sent
 * concurrently, every body read and parsed. Sequential calls (one client), legs interleaved in
 * blocks so all see the same machine noise. The figure is MCP ÷ direct at p50 and p99. A third
 * leg, the floor (the thinnest server the same SDK allows, bench/lib/floor-stdio.ts, making the
 * same requests), shows how much of that any server on this SDK pays.
 *
 *   node --import tsx bench/overhead.ts      # after npm run build
 */
import { fileURLToPath } from 'node:url';
import { type BenchCall, benchCalls, type PracticeFixture } from './lib/cases.js';
import { directSender } from './lib/direct.js';
import { bundledFloor } from './lib/floor-bundle.js';
import type { FloorOptions } from './lib/floor-server.js';
import { CLI, type Distribution, distribution, machine, round, serverEnv, startSandboxProcess } from './lib/stats.js';
import { type StdioRpc, spawnStdio } from './lib/stdio-client.js';
import { captureWaves } from './lib/upstream.js';

export interface OverheadRow {
  tool: string;
  upstreamRequests: number;
  waves: number;
  mcp: Distribution;
  direct: Distribution;
  ratioP50: number;
  ratioP99: number;
  /** MCP minus direct at p50, in ms: the absolute cost of the MCP layer per call. */
  addedP50Ms: number;
  /** The floor (bench/lib/floor-server.ts over stdio) making the same requests: what this SDK costs at least. */
  floor: Distribution;
  floorRatioP50: number;
  floorAddedP50Ms: number;
}

export interface OverheadResult {
  /** Latency added by the sandbox to every API request, in both legs (0 = as fast as it answers). */
  upstreamLatencyMs: number;
  machineBefore: ReturnType<typeof machine>;
  machineAfter: ReturnType<typeof machine>;
  samplesPerLeg: number;
  rows: OverheadRow[];
}

export async function runOverhead(
  options: { samples?: number; warmup?: number; block?: number; upstreamLatencyMs?: number } = {},
): Promise<OverheadResult> {
  const samples = options.samples ?? 300;
  const latency = options.upstreamLatencyMs ?? 0;
  const warmup = options.warmup ?? 40;
  const block = options.block ?? 20;
  const machineBefore = machine();
  const sandbox = await startSandboxProcess();
  const la = sandbox.fixtures.practices.la as PracticeFixture;
  const calls = benchCalls(la);
  const server = spawnStdio(process.execPath, [CLI], serverEnv(sandbox));
  const direct = directSender(sandbox.url, sandbox.token);
  const rows: OverheadRow[] = [];
  let floor: StdioRpc | undefined;
  try {
    await server.handshake();
    const wavesByTool = await captureWaves({ url: sandbox.url, token: sandbox.token }, calls);
    const floorOptions: FloorOptions = {
      upstreamOrigin: sandbox.url,
      token: sandbox.token,
      tools: calls.map((call, index) => ({ name: call.name, waves: wavesByTool[index] ?? [] })),
    };
    floor = spawnStdio(process.execPath, [await bundledFloor('floor-stdio')], {
      BENCH_FLOOR: JSON.stringify(floorOptions),
    });
    await floor.handshake();
    if (latency > 0) {
      // The same fixed latency on every API request, seen by both legs alike.
      await fetch(`${sandbox.url}/__sandbox/faults`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ path: '^/api/', latencyMs: latency }),
      });
    }
    const callOver = async (rpc: StdioRpc, call: BenchCall) => {
      const response = await rpc.request('tools/call', { name: call.name, arguments: call.args });
      if (response.error || response.result?.isError) {
        throw new Error(`${call.name}: ${JSON.stringify(response.error ?? response.result?.content).slice(0, 300)}`);
      }
    };
    for (const [index, call] of calls.entries()) {
      const waves = wavesByTool[index] ?? [];
      const floorServer = floor;
      const legs = {
        mcp: () => callOver(server, call),
        direct: () => direct.send(waves),
        floor: () => callOver(floorServer, call),
      };
      for (let i = 0; i < warmup; i += 1) for (const send of Object.values(legs)) await send();
      const times = { mcp: [] as number[], direct: [] as number[], floor: [] as number[] };
      while (times.mcp.length < samples) {
        for (const [leg, send] of Object.entries(legs) as [keyof typeof legs, () => Promise<void>][]) {
          for (let i = 0; i < block; i += 1) {
            const t0 = performance.now();
            await send();
            times[leg].push(performance.now() - t0);
          }
        }
      }
      const mcp = distribution(times.mcp);
      const dir = distribution(times.direct);
      const floorTimes = distribution(times.floor);
      rows.push({
        tool: call.name,
        upstreamRequests: waves.flat().length,
        waves: waves.length,
        mcp,
        direct: dir,
        ratioP50: round(mcp.p50Ms / dir.p50Ms),
        ratioP99: round(mcp.p99Ms / dir.p99Ms),
        addedP50Ms: round(mcp.p50Ms - dir.p50Ms),
        floor: floorTimes,
        floorRatioP50: round(floorTimes.p50Ms / dir.p50Ms),
        floorAddedP50Ms: round(floorTimes.p50Ms - dir.p50Ms),
      });
    }
  } finally {
    await direct.close();
    await floor?.close();
    await server.close();
    await sandbox.close();
  }
  return { upstreamLatencyMs: latency, machineBefore, machineAfter: machine(), samplesPerLeg: samples, rows };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const latency = Number(process.env.BENCH_UPSTREAM_LATENCY_MS ?? 0);
  const result = await runOverhead({
    upstreamLatencyMs: latency,
    ...(latency > 0 ? { samples: 100, warmup: 10 } : {}),
  });
  for (const row of result.rows) {
    process.stdout.write(
      `${row.tool}: ${row.upstreamRequests} upstream req in ${row.waves} wave(s); MCP p50 ${row.mcp.p50Ms} p99 ${row.mcp.p99Ms} ms; direct p50 ${row.direct.p50Ms} p99 ${row.direct.p99Ms} ms; ×${row.ratioP50} p50, ×${row.ratioP99} p99 (+${row.addedP50Ms} ms); floor p50 ${row.floor.p50Ms} ms ×${row.floorRatioP50} (+${row.floorAddedP50Ms} ms)\n`,
    );
  }
  process.stdout.write(`load ${result.machineBefore.load1} → ${result.machineAfter.load1}\n`);
}
