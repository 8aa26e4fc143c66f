/**
 * Per-call overhead of the MCP server: each of the four read tools called over stdio (the built
 * server, a separate process, as a desktop host runs it) against the sandbox (its own process),
 * versus the very upstream requests that call makes, sent straight to the same sandbox with
 * undici in the same run — each wave of requests the server had in flight together sent
 * concurrently, every body read and parsed. Sequential calls (one client), legs interleaved in
 * blocks so both see the same machine noise. The figure is MCP ÷ direct at p50 and p99.
 *
 *   node --import tsx bench/overhead.ts      # after npm run build
 */
import { fileURLToPath } from 'node:url';
import { type BenchCall, benchCalls, type PracticeFixture } from './lib/cases.js';
import { CLI, type Distribution, distribution, machine, round, startSandboxProcess } from './lib/stats.js';
import { spawnStdio } from './lib/stdio-client.js';
import { captureWaves, directSender } from './lib/upstream.js';

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
  const server = spawnStdio(process.execPath, [CLI], {
    ESCAPE_API_URL: sandbox.url,
    ESCAPE_API_TOKEN: sandbox.token,
    ESCAPE_LOG_LEVEL: 'info', // audit lines are written, as in production
  });
  const direct = directSender(sandbox.url, sandbox.token);
  const rows: OverheadRow[] = [];
  try {
    await server.handshake();
    const wavesByTool = await captureWaves({ url: sandbox.url, token: sandbox.token }, calls);
    if (latency > 0) {
      // The same fixed latency on every API request, seen by both legs alike.
      await fetch(`${sandbox.url}/__sandbox/faults`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ path: '^/api/', latencyMs: latency }),
      });
    }
    const mcpCall = async (call: BenchCall) => {
      const response = await server.request('tools/call', { name: call.name, arguments: call.args });
      if (response.error || response.result?.isError) {
        throw new Error(`${call.name}: ${JSON.stringify(response.error ?? response.result?.content).slice(0, 300)}`);
      }
    };
    for (const [index, call] of calls.entries()) {
      const waves = wavesByTool[index] ?? [];
      for (let i = 0; i < warmup; i += 1) {
        await mcpCall(call);
        await direct.send(waves);
      }
      const mcpTimes: number[] = [];
      const directTimes: number[] = [];
      while (mcpTimes.length < samples) {
        for (let i = 0; i < block; i += 1) {
          const t0 = performance.now();
          await mcpCall(call);
          mcpTimes.push(performance.now() - t0);
        }
        for (let i = 0; i < block; i += 1) {
          const t0 = performance.now();
          await direct.send(waves);
          directTimes.push(performance.now() - t0);
        }
      }
      const mcp = distribution(mcpTimes);
      const dir = distribution(directTimes);
      rows.push({
        tool: call.name,
        upstreamRequests: waves.flat().length,
        waves: waves.length,
        mcp,
        direct: dir,
        ratioP50: round(mcp.p50Ms / dir.p50Ms),
        ratioP99: round(mcp.p99Ms / dir.p99Ms),
        addedP50Ms: round(mcp.p50Ms - dir.p50Ms),
      });
    }
  } finally {
    await direct.close();
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
      `${row.tool}: ${row.upstreamRequests} upstream req in ${row.waves} wave(s); MCP p50 ${row.mcp.p50Ms} p99 ${row.mcp.p99Ms} ms; direct p50 ${row.direct.p50Ms} p99 ${row.direct.p99Ms} ms; ×${row.ratioP50} p50, ×${row.ratioP99} p99 (+${row.addedP50Ms} ms)\n`,
    );
  }
  process.stdout.write(`load ${result.machineBefore.load1} → ${result.machineAfter.load1}\n`);
}
